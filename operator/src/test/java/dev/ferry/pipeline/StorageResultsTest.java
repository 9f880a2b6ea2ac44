package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading a step's pod when Ferry's storage containers ran around it. */
class StorageResultsTest {
  private static final String DATA = "sha256:" + "a".repeat(64);
  private static final String MODEL = "sha256:" + "b".repeat(64);

  private static ContainerStatus ended(String name, int code, String message) {
    return new ContainerStatusBuilder().withName(name).withImageID("docker.io/x@sha256:" + "c".repeat(64))
        .withNewState().withNewTerminated().withExitCode(code).withMessage(message).endTerminated().endState().build();
  }

  private static Pod pod(String name, String created, List<ContainerStatus> init, List<ContainerStatus> main) {
    return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
        .withNewStatus().withPhase("Succeeded").withInitContainerStatuses(init).withContainerStatuses(main).endStatus()
        .build();
  }

  @Test
  void theStepsResultComesFromItsInitContainerAndTheDigestsFromFerrysContainers() {
    Pod pod = pod("p", "2026-12-03T10:00:00Z", List.of(
        ended("fetch-dataset", 0, "{\"bytes\":10,\"objects\":1,\"sha256\":\"" + DATA + "\"}"),
        ended("fetch-model", 0, "{\"bytes\":0,\"objects\":0}"),
        ended("step", 0, "{\"metrics\":{\"auc\":0.9}}")),
        List.of(ended("publish-model", 0, "{\"bytes\":5,\"objects\":1,\"sha256\":\"" + MODEL + "\"}")));

    assertThat(StepOutcome.lastTerminated(List.of(pod))).get()
        .satisfies(t -> assertThat(t.message()).contains("auc"));
    assertThat(StorageResults.datasetDigest(List.of(pod))).contains(DATA);
    assertThat(StorageResults.artifactDigest(List.of(pod))).contains(MODEL);
    assertThat(StorageResults.failure(List.of(pod))).isEmpty();
  }

  @Test
  void aFailedUploadFailsTheStepWithItsOwnMessageAndANewerPodCounts() {
    Pod old = pod("a", "2026-12-03T10:00:00Z", List.of(ended("step", 0, "{}")),
        List.of(ended("publish-model", 1, "storage: bucket ml-models does not exist at http://minio:9000")));
    assertThat(StorageResults.failure(List.of(old))).contains(
        "publish-model failed: storage: bucket ml-models does not exist at http://minio:9000");
    assertThat(StorageResults.artifactDigest(List.of(old))).isEmpty();

    Pod retried = pod("b", "2026-12-03T10:05:00Z", List.of(ended("step", 0, "{}")),
        List.of(ended("publish-model", 0, "{\"sha256\":\"" + MODEL + "\"}")));
    assertThat(StorageResults.failure(List.of(old, retried))).isEmpty();
    assertThat(StorageResults.artifactDigest(List.of(old, retried))).contains(MODEL);
  }

  @Test
  void aDigestThatDoesNotLookLikeOneIsIgnored() {
    Pod pod = pod("p", "2026-12-03T10:00:00Z", List.of(
        ended("fetch-dataset", 0, "{\"sha256\":\"sha256:../../etc\"}"), ended("step", 0, "{}")),
        List.of(ended("publish-model", 0, "not json")));
    assertThat(StorageResults.datasetDigest(List.of(pod))).isEmpty();
    assertThat(StorageResults.artifactDigest(List.of(pod))).isEmpty();
  }

  @Test
  void aPodFromBeforeStorageContainersStillReadsItsFirstContainer() {
    Pod pod = pod("p", "2026-12-03T10:00:00Z", List.of(), List.of(ended("trainer", 3, "boom")));
    assertThat(StepOutcome.lastTerminated(List.of(pod))).get().satisfies(t -> assertThat(t.exitCode()).isEqualTo(3));
  }
}
