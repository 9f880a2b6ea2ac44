package dev.ferry.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.storage.StorageContainers;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What Ferry's download and upload containers around a step reported: the digests they measured
 * and, when one failed, why. Their output is Ferry's own, but it arrives through the pod's status
 * like a step's, so it is parsed as carefully. Pure.
 */
final class StorageResults {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DIGEST = Pattern.compile("^sha256:[0-9a-f]{64}$");
  private static final List<String> CONTAINERS = List.of(StorageContainers.FETCH_DATASET,
      StorageContainers.FETCH_MODEL, StorageContainers.PUBLISH_MODEL);

  private StorageResults() {
  }

  /** The sha256 of the dataset as downloaded, if the step's pod downloaded it. */
  static Optional<String> datasetDigest(List<Pod> pods) {
    return digest(pods, StorageContainers.FETCH_DATASET);
  }

  /** The sha256 of the model folder as uploaded after the step, if it uploaded any file. */
  static Optional<String> artifactDigest(List<Pod> pods) {
    return digest(pods, StorageContainers.PUBLISH_MODEL);
  }

  /** "publish-model failed: ...", for the first of Ferry's storage containers that failed in the newest pod. */
  static Optional<String> failure(List<Pod> pods) {
    for (String name : CONTAINERS) {
      Optional<StepOutcome.Terminated> t = StepOutcome.lastTerminated(pods, name);
      if (t.isPresent() && t.get().exitCode() != null && t.get().exitCode() != 0) {
        String said = Optional.ofNullable(t.get().message()).map(String::strip).filter(m -> !m.isEmpty())
            .map(StepResult::abbreviate).orElse("exit code " + t.get().exitCode());
        return Optional.of(name + " failed: " + said);
      }
    }
    return Optional.empty();
  }

  private static Optional<String> digest(List<Pod> pods, String container) {
    return StepOutcome.lastTerminated(pods, container)
        .filter(t -> t.exitCode() != null && t.exitCode() == 0 && t.message() != null)
        .flatMap(t -> {
          try {
            JsonNode sha = JSON.readTree(t.message()).path("sha256");
            return sha.isTextual() && DIGEST.matcher(sha.asText()).matches() ? Optional.of(sha.asText())
                : Optional.empty();
          } catch (java.io.IOException e) {
            return Optional.empty();
          }
        });
  }
}
