package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.StepOutcome.JobState;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * StepOutcome as a table: a Job and its pods as the Job controller and the kubelet report them
 * (batch/v1 conditions; terminated container states), and what Ferry reads from them.
 */
class StepOutcomeTest {
  private static Job job(String... typeStatusReasonMessage) {
    JobBuilder job = new JobBuilder().withNewMetadata().withName("churn-train").endMetadata().withNewStatus().endStatus();
    for (int i = 0; i < typeStatusReasonMessage.length; i += 4) {
      job.editStatus().addToConditions(new JobConditionBuilder().withType(typeStatusReasonMessage[i])
          .withStatus(typeStatusReasonMessage[i + 1]).withReason(typeStatusReasonMessage[i + 2])
          .withMessage(typeStatusReasonMessage[i + 3]).build()).endStatus();
    }
    return job.build();
  }

  static Stream<Arguments> jobs() {
    return Stream.of(
        Arguments.of("no status yet (just created)", new JobBuilder().withNewMetadata().withName("j").endMetadata().build(),
            JobState.Running, null),
        Arguments.of("a status without conditions (pods running)", job(), JobState.Running, null),
        Arguments.of("Complete=True", job("Complete", "True", "CompletionsReached", ""), JobState.Succeeded, null),
        Arguments.of("SuccessCriteriaMet then Complete (Kubernetes 1.31+)", job("SuccessCriteriaMet", "True",
            "CompletionsReached", "", "Complete", "True", "CompletionsReached", ""), JobState.Succeeded, null),
        Arguments.of("SuccessCriteriaMet alone: pods still terminating", job("SuccessCriteriaMet", "True",
            "CompletionsReached", ""), JobState.Running, null),
        Arguments.of("Failed=True after the backoff limit", job("Failed", "True", "BackoffLimitExceeded",
            "Job has reached the specified backoff limit"), JobState.Failed,
            "BackoffLimitExceeded: Job has reached the specified backoff limit"),
        Arguments.of("Failed=True at the deadline, no message", job("Failed", "True", "DeadlineExceeded", ""),
            JobState.Failed, "DeadlineExceeded"),
        Arguments.of("FailureTarget then Failed (pod failure policy)", job("FailureTarget", "True", "PodFailurePolicy",
            "x", "Failed", "True", "PodFailurePolicy", "Container train exited with 42"), JobState.Failed,
            "PodFailurePolicy: Container train exited with 42"),
        Arguments.of("a condition that is False does not count", job("Failed", "False", "BackoffLimitExceeded", ""),
            JobState.Running, null),
        Arguments.of("Suspended=True is still running", job("Suspended", "True", "JobSuspended", ""), JobState.Running,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jobs")
  void theJobStateIsReadFromTrueConditionsOnly(String description, Job job, JobState state, String failure) {
    assertThat(StepOutcome.state(job)).isEqualTo(state);
    assertThat(StepOutcome.failureReason(job)).isEqualTo(failure);
  }

  private static Pod pod(String name, String created, Integer exitCode, String message) {
    PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata();
    if (exitCode == null) {
      return pod.withNewStatus().addNewContainerStatus().withName("step").withNewState().withNewRunning().endRunning()
          .endState().endContainerStatus().endStatus().build();
    }
    return pod.withNewStatus().withContainerStatuses(new ContainerStatusBuilder().withName("step")
        .withImageID("docker-pullable://registry.example/train@sha256:" + "ab".repeat(32))
        .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(message)
        .withReason(exitCode == 0 ? "Completed" : "Error").endTerminated().endState().build()).endStatus().build();
  }

  static Stream<Arguments> pods() {
    return Stream.of(
        Arguments.of("no pods", List.of(), null),
        Arguments.of("one pod still running", List.of(pod("a", "2026-12-02T12:00:00Z", null, null)), null),
        Arguments.of("one finished pod", List.of(pod("a", "2026-12-02T12:00:00Z", 0, "{\"metrics\":{}}")), "a"),
        Arguments.of("retries: the newest finished pod counts", List.of(pod("a", "2026-12-02T12:00:00Z", 1, "oom"),
            pod("b", "2026-12-02T12:01:00Z", 0, "ok")), "b"),
        Arguments.of("retries listed newest first", List.of(pod("b", "2026-12-02T12:01:00Z", 0, "ok"),
            pod("a", "2026-12-02T12:00:00Z", 1, "oom")), "b"),
        Arguments.of("the newest pod still runs: the newest finished one counts", List.of(
            pod("a", "2026-12-02T12:00:00Z", 1, "a"), pod("b", "2026-12-02T12:01:00Z", null, null)), "a"),
        Arguments.of("same second: the name breaks the tie", List.of(pod("x-1", "2026-12-02T12:00:00Z", 1, "x-1"),
            pod("x-2", "2026-12-02T12:00:00Z", 0, "x-2")), "x-2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void theResultThatCountsIsTheNewestTerminatedPod(String description, List<Pod> pods, String expectedMessageOf) {
    var terminated = StepOutcome.lastTerminated(pods);
    if (expectedMessageOf == null) {
      assertThat(terminated).isEmpty();
      return;
    }
    String expected = pods.stream().filter(p -> p.getMetadata().getName().equals(expectedMessageOf)).findFirst()
        .orElseThrow().getStatus().getContainerStatuses().get(0).getState().getTerminated().getMessage();
    assertThat(terminated).hasValueSatisfying(t -> assertThat(t.message()).isEqualTo(expected));
  }

  private static Pod pending(String name, String created, String waitingReason, String message, boolean unschedulable) {
    PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
        .withNewStatus().withPhase("Pending").endStatus();
    if (unschedulable) {
      pod.editStatus().addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
          .withMessage(message).endCondition().endStatus();
    } else if (waitingReason != null) {
      pod.editStatus().addNewContainerStatus().withName("step").withNewState().withNewWaiting().withReason(waitingReason)
          .withMessage(message).endWaiting().endState().endContainerStatus().endStatus();
    }
    return pod.build();
  }

  static Stream<Arguments> pendingPods() {
    String t = "2026-12-02T12:00:00Z";
    return Stream.of(
        Arguments.of("a missing image", pending("a", t, "ImagePullBackOff", "Back-off pulling image \"x:1\"", false),
            "ImagePullBackOff", "Back-off pulling image"),
        Arguments.of("a pull error", pending("a", t, "ErrImagePull", "manifest unknown", false), "ErrImagePull",
            "manifest unknown"),
        Arguments.of("a missing Secret", pending("a", t, "CreateContainerConfigError", "secret \"s3\" not found", false),
            "CreateContainerConfigError", "secret \"s3\" not found"),
        Arguments.of("a volume that never mounts", pending("a", t, "ContainerCreating", null, false),
            "ContainerCreating", "a volume, Secret or ConfigMap it needs may be missing"),
        Arguments.of("no node fits", pending("a", t, null, "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
            true), "Unschedulable", "Insufficient nvidia.com/gpu"),
        Arguments.of("not yet looked at by the kubelet", pending("a", t, null, null, false), "Pending",
            "no container has been created yet"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pendingPods")
  void aPodThatCannotStartSaysWhyAndSinceWhen(String what, Pod pod, String reason, String message) {
    var stuck = StepOutcome.stuck(List.of(pod)).orElseThrow();
    assertThat(stuck.reason()).isEqualTo(reason);
    assertThat(stuck.message()).contains(message);
    assertThat(stuck.since()).isEqualTo(java.time.Instant.parse("2026-12-02T12:00:00Z"));
  }

  @Test
  void aPodThatStartedIsNotStuck() {
    assertThat(StepOutcome.stuck(List.of(pod("a", "2026-12-02T12:00:00Z", null, null)))).as("running").isEmpty();
    assertThat(StepOutcome.stuck(List.of(pod("a", "2026-12-02T12:00:00Z", 1, "x")))).as("finished").isEmpty();
    assertThat(StepOutcome.stuck(List.of())).isEmpty();
  }

  /** A step before Ferry's upload runs as an init container: its pod is Pending for the whole training. */
  @Test
  void aPodRunningItsInitContainersIsNotStuckButOneWhoseNextImageCannotBePulledIs() {
    Pod training = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("a")
        .withCreationTimestamp("2026-12-02T12:00:00Z").endMetadata()
        .withNewStatus().withPhase("Pending")
          .addNewInitContainerStatus().withName("fetch-dataset").withNewState().withNewTerminated().withExitCode(0)
            .endTerminated().endState().endInitContainerStatus()
          .addNewInitContainerStatus().withName("step").withNewState().withNewRunning().endRunning().endState()
            .endInitContainerStatus()
          .addNewContainerStatus().withName("publish-model").withNewState().withNewWaiting()
            .withReason("PodInitializing").endWaiting().endState().endContainerStatus()
        .endStatus().build();
    assertThat(StepOutcome.stuck(List.of(training))).as("training for hours is not a pod that cannot start").isEmpty();

    Pod cannotPull = new io.fabric8.kubernetes.api.model.PodBuilder(training).editStatus()
        .editLastInitContainerStatus().withNewState().withNewWaiting().withReason("ErrImagePull")
          .withMessage("manifest unknown").endWaiting().endState().endInitContainerStatus()
        .endStatus().build();
    assertThat(StepOutcome.stuck(List.of(cannotPull))).get().satisfies(s ->
        assertThat(s.reason()).isEqualTo("ErrImagePull"));

    Pod waitingForInit = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("b")
        .withCreationTimestamp("2026-12-02T12:00:00Z").endMetadata()
        .withNewStatus().withPhase("Pending")
          .addNewContainerStatus().withName("step").withNewState().withNewWaiting().withReason("PodInitializing")
            .endWaiting().endState().endContainerStatus()
        .endStatus().build();
    assertThat(StepOutcome.stuck(List.of(waitingForInit))).as("nothing started at all").isPresent();
  }

  @Test
  void theImageDigestIsTakenFromWhateverPrefixTheRuntimeWrites() {
    String digest = "sha256:" + "ab".repeat(32);
    assertThat(new StepOutcome.Terminated(0, "", "", "docker-pullable://r/t@" + digest).digest()).isEqualTo(digest);
    assertThat(new StepOutcome.Terminated(0, "", "", "r/t@" + digest).digest()).isEqualTo(digest);
    assertThat(new StepOutcome.Terminated(0, "", "", digest).digest()).as("containerd writes the bare digest")
        .isEqualTo(digest);
    assertThat(new StepOutcome.Terminated(0, "", "", "").digest()).isNull();
    assertThat(new StepOutcome.Terminated(0, "", "", null).digest()).isNull();
  }
}
