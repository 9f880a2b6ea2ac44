package dev.ferry.pipeline;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Reads a step's Job and pods the way the kubelet and the Job controller report them. Pure. */
public final class StepOutcome {
  private StepOutcome() {
  }

  /** Whether the Job finished, and how. */
  public enum JobState { Running, Succeeded, Failed }

  public static JobState state(Job job) {
    if (job.getStatus() == null) {
      return JobState.Running;
    }
    List<JobCondition> conditions = job.getStatus().getConditions() == null ? List.of() : job.getStatus().getConditions();
    for (JobCondition condition : conditions) {
      if ("True".equals(condition.getStatus()) && "Complete".equals(condition.getType())) {
        return JobState.Succeeded;
      }
      if ("True".equals(condition.getStatus()) && "Failed".equals(condition.getType())) {
        return JobState.Failed;
      }
    }
    return JobState.Running;
  }

  /** Why the Job controller failed the Job (BackoffLimitExceeded, DeadlineExceeded, ...). */
  public static String failureReason(Job job) {
    return job.getStatus() == null || job.getStatus().getConditions() == null ? null
        : job.getStatus().getConditions().stream()
            .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))
            .map(c -> c.getReason() + (c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage()))
            .findFirst().orElse(null);
  }

  /** The terminated step container of the newest pod that has one: the pod whose result counts. */
  public static Optional<Terminated> lastTerminated(List<Pod> pods) {
    return pods.stream()
        .sorted(Comparator.comparing((Pod p) -> Optional.ofNullable(p.getMetadata().getCreationTimestamp()).orElse(""))
            .thenComparing(p -> p.getMetadata().getName()).reversed())
        .flatMap(pod -> stepStatus(pod).stream())
        .findFirst();
  }

  private static Optional<Terminated> stepStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      if (status.getState() != null && status.getState().getTerminated() != null) {
        ContainerStateTerminated t = status.getState().getTerminated();
        return Optional.of(new Terminated(t.getExitCode(), t.getMessage(), t.getReason(), status.getImageID()));
      }
    }
    return Optional.empty();
  }

  /** A terminated container: exit code, termination message, reason and the image digest the kubelet saw. */
  public record Terminated(Integer exitCode, String message, String reason, String imageId) {
    /** sha256:... from an imageID such as docker-pullable://repo@sha256:..., or null. */
    public String digest() {
      if (imageId == null) {
        return null;
      }
      int at = imageId.indexOf("sha256:");
      return at < 0 ? null : imageId.substring(at);
    }
  }
}
