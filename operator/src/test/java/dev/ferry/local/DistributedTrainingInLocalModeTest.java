package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/distributed in the local mode: three worker processes find rank 0 through the
 * environment Ferry gives them, sum their gradients over TCP every epoch, and end with the model
 * one worker would have trained on all the rows; a failing worker fails the step with its words.
 */
class DistributedTrainingInLocalModeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  Path work;

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  @Test
  void threeWorkersTrainTogetherToTheModelOfOneAndAFailingWorkerFailsTheStep() throws Exception {
    Path dir = dev.ferry.e2e.RealCluster.copyTree(Fixtures.projectRoot().resolve("examples/distributed"),
        work.resolve("distributed"));
    String pipeline = Files.readString(dir.resolve("pipeline.yaml"));
    // The same training by one worker, and by three of which rank 2 fails.
    Files.writeString(dir.resolve("variants.yaml"), pipeline
        .replace("name: houses\n", "name: houses-single\n").replace("model: houses\n", "model: houses-single\n")
        .replace("workers: 3", "workers: 1").replace("pvc://models/houses", "pvc://models/houses-single")
        + "---\n" + pipeline
        .replace("name: houses\n", "name: houses-broken\n").replace("model: houses\n", "model: houses-broken\n")
        .replace("pvc://models/houses", "pvc://models/houses-broken")
        .replace("    learningRate: \"0.5\"\n", "    learningRate: \"0.5\"\n    failRank: \"2\"\n"));

    try (LocalMode local = new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60),
        FerryConfig.defaults(), ProcessContainerRunner.selfCommand(),
        new PrintStream(output, true, StandardCharsets.UTF_8)))) {
      assertThat(local.start()).isEmpty();
      local.awaitIdle(Duration.ofMinutes(3));

      ModelVersion together = version(local, "houses-v1");
      ModelVersion alone = version(local, "houses-single-v1");
      assertThat(together.getSpec().metrics).containsEntry("workers", 3.0).containsEntry("rows", 3000.0);
      assertThat(alone.getSpec().metrics).containsEntry("workers", 1.0);
      JsonNode modelTogether = model(dir, together);
      JsonNode modelAlone = model(dir, alone);
      for (int j = 0; j < 3; j++) {
        assertThat(modelTogether.at("/weights/" + j).asDouble())
            .as("weight %d: summed gradients are the full batch's", j)
            .isCloseTo(modelAlone.at("/weights/" + j).asDouble(), org.assertj.core.data.Offset.offset(1e-9));
      }
      assertThat(modelTogether.get("weights").get(0).asDouble()).as("and it learned").isBetween(1.9, 2.1);

      String run = together.getSpec().lineage.run;
      for (int rank = 0; rank < 3; rank++) {
        Path log = local.runDir().resolve("pods/default/" + run + "-train-" + rank + ".log");
        assertThat(Files.readString(log)).contains("rank " + rank + " of 3 joined", "over 3000 rows");
      }

      TrainingRun broken = local.client().resources(TrainingRun.class).inNamespace("default").list().getItems().stream()
          .filter(r -> r.getSpec().pipeline.equals("houses-broken")).findFirst().orElseThrow();
      assertThat(broken.getStatus().phase).as(output.toString()).isEqualTo(dev.ferry.api.v1alpha1.TrainingRunStatus.Phase.Failed);
      assertThat(broken.getStatus().steps.get(0).message).contains("worker 2 (exit code 3)",
          "rank 2 failed on purpose");
      assertThat(local.client().resources(ModelVersion.class).inNamespace("default").withName("houses-broken-v1").get())
          .isNull();
    }
  }

  private static ModelVersion version(LocalMode local, String name) {
    ModelVersion version = local.client().resources(ModelVersion.class).inNamespace("default").withName(name).get();
    assertThat(version).as(name).isNotNull();
    return version;
  }

  private static JsonNode model(Path dir, ModelVersion version) throws Exception {
    String folder = version.getSpec().artifact.uri.substring("pvc://models/".length());
    return JSON.readTree(dir.resolve(".ferry-local/models").resolve(folder).resolve("model.json").toFile());
  }
}
