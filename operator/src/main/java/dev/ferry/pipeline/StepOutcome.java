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

  /** Waiting reasons that mean the container cannot start until someone changes something. */
  private static final java.util.Set<String> CANNOT_START = java.util.Set.of("ErrImagePull", "ImagePullBackOff",
      "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
      "ContainerCreating", "PodInitializing");

  /** Waiting reasons of containers whose turn has not come yet in a pod that already runs others. */
  private static final java.util.Set<String> STILL_STARTING = java.util.Set.of("PodInitializing", "ContainerCreating");

  /** Why a pod has not started, and since when. */
  /**
   * A pod that cannot start, since when (its creation), and whether any kubelet has reported on it
   * yet ({@code unreported}: no container status and no scheduling verdict).
   */
  public record Stuck(String reason, String message, java.time.Instant since, String pod, boolean unreported) {
    public Stuck(String reason, String message, java.time.Instant since) {
      this(reason, message, since, null, false);
    }

    /** When a pending deadline of {@code seconds} runs out for this pod. */
    public java.time.Instant deadline(int seconds) {
      return since.plusSeconds(seconds);
    }

    /** "ImagePullBackOff: ... (the pod could not start within {field}, 600 s)", for a status. */
    public String describe(String field, int seconds) {
      return reason + ": " + StepResult.abbreviate(message) + " (the pod could not start within " + field + ", "
          + seconds + " s)";
    }
  }

  /** The documented default of every pending deadline (steps, smoke tests, drift checks): 10 minutes. */
  public static final int DEFAULT_PENDING_DEADLINE_SECONDS = 600;

  /**
   * The newest pod that has not started a container, with the kubelet's or the scheduler's reason
   * (ImagePullBackOff, CreateContainerConfigError, Unschedulable, a volume that cannot be mounted
   * shows as ContainerCreating), if there is one. Pure: the caller compares {@code since} with its deadline.
   */
  public static Optional<Stuck> stuck(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null && "Pending".equals(p.getStatus().getPhase()))
        .sorted(Comparator.comparing((Pod p) -> Optional.ofNullable(p.getMetadata().getCreationTimestamp()).orElse(""))
            .reversed())
        .map(StepOutcome::whyNotStarted).flatMap(Optional::stream).findFirst();
  }

  private static Optional<Stuck> whyNotStarted(Pod pod) {
    java.time.Instant created = dev.ferry.kube.Times.parse(pod.getMetadata().getCreationTimestamp());
    if (created == null) {
      return Optional.empty();
    }
    if (pod.getStatus().getConditions() != null) {
      for (var condition : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())) {
          return Optional.of(new Stuck(Optional.ofNullable(condition.getReason()).orElse("Unschedulable"),
              Optional.ofNullable(condition.getMessage()).orElse("the pod cannot be scheduled"), created));
        }
      }
    }
    List<ContainerStatus> statuses = new java.util.ArrayList<>();
    Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).ifPresent(statuses::addAll);
    Optional.ofNullable(pod.getStatus().getContainerStatuses()).ifPresent(statuses::addAll);
    // A pod whose init containers run (a download, or the step itself before Ferry's upload) is
    // Pending with its other containers at PodInitializing: that is progress, not a stuck pod.
    boolean started = statuses.stream().anyMatch(s -> s.getState() != null
        && (s.getState().getRunning() != null || s.getState().getTerminated() != null));
    for (ContainerStatus status : statuses) {
      var waiting = status.getState() == null ? null : status.getState().getWaiting();
      if (started && waiting != null && STILL_STARTING.contains(waiting.getReason())) {
        continue;
      }
      if (waiting != null && CANNOT_START.contains(waiting.getReason())) {
        String message = waiting.getMessage() != null && !waiting.getMessage().isBlank() ? waiting.getMessage()
            : "ContainerCreating".equals(waiting.getReason())
                ? "the container was never created: a volume, Secret or ConfigMap it needs may be missing"
                : "container " + status.getName() + " cannot start";
        return Optional.of(new Stuck(waiting.getReason(), message, created));
      }
    }
    if (statuses.isEmpty()) {
      return Optional.of(new Stuck("Pending", "no container has been created yet", created, pod.getMetadata().getUid(),
          true));
    }
    return Optional.empty();
  }

  /** The terminated step container of the newest pod that has one: the pod whose result counts. */
  public static Optional<Terminated> lastTerminated(List<Pod> pods) {
    return lastTerminated(pods, StepJobBuilder.STEP_CONTAINER);
  }

  /**
   * The terminated container {@code name} (an init container or not) of the newest pod that has
   * one; for the step, a pod without a container of that name stands for its first container.
   */
  public static Optional<Terminated> lastTerminated(List<Pod> pods, String name) {
    // Of a distributed step's workers, rank 0 speaks for the step.
    boolean indexed = pods.stream().anyMatch(p -> index(p) != null);
    return pods.stream()
        .filter(p -> !indexed || "0".equals(index(p)))
        .sorted(Comparator.comparing((Pod p) -> Optional.ofNullable(p.getMetadata().getCreationTimestamp()).orElse(""))
            .thenComparing(p -> p.getMetadata().getName()).reversed())
        .flatMap(pod -> terminated(pod, name).stream())
        .findFirst();
  }

  /** The worker index (rank) of a pod of an Indexed Job, or null. */
  static String index(Pod pod) {
    var annotations = pod.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(DistributedStep.INDEX_ANNOTATION);
  }

  /** The first worker whose step container failed, by rank: "worker 2: what it said". */
  public static Optional<String> failedWorker(List<Pod> pods) {
    return pods.stream().filter(p -> index(p) != null)
        .sorted(Comparator.comparingInt(p -> Integer.parseInt(index(p).matches("\\d{1,6}") ? index(p) : "999999")))
        .flatMap(p -> terminated(p, StepJobBuilder.STEP_CONTAINER).filter(t -> t.exitCode() != null && t.exitCode() != 0)
            .map(t -> "worker " + index(p) + " (exit code " + t.exitCode() + ")"
                + (t.message() == null || t.message().isBlank() ? "" : ": " + StepResult.failureMessage(t.message())))
            .stream())
        .findFirst();
  }

  private static Optional<Terminated> terminated(Pod pod, String name) {
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    List<ContainerStatus> statuses = new java.util.ArrayList<>();
    Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).ifPresent(statuses::addAll);
    Optional.ofNullable(pod.getStatus().getContainerStatuses()).ifPresent(statuses::addAll);
    boolean named = statuses.stream().anyMatch(s -> name.equals(s.getName()));
    List<ContainerStatus> candidates = named ? statuses.stream().filter(s -> name.equals(s.getName())).toList()
        : StepJobBuilder.STEP_CONTAINER.equals(name) && pod.getStatus().getContainerStatuses() != null
            ? pod.getStatus().getContainerStatuses() : List.of();
    for (ContainerStatus status : candidates) {
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
      int at = imageId.lastIndexOf("sha256:");
      return at < 0 ? null : imageId.substring(at);
    }
  }
}
