package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.pipeline.DistributedStep;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A distributed step under the kill loop: the operator dies after its first write of each life,
 * over and over, while a run's train step of three workers is created and runs. However often it
 * restarts, there is one Service and one Job for the step, so one set of three workers, and one
 * version for the run; rank 0's result is the one recorded.
 */
class DistributedStepKillTest extends OperatorTestBase {
  @Test
  void restartsAtEveryWriteNeverStartASecondSetOfWorkers() {
    runner.succeed("validate", Fixtures.result(Map.of("metrics", Map.of("rows", 100))))
        .on("train", (pod, container, attempt) -> {
          String rank = pod.getMetadata().getAnnotations().get(DistributedStep.INDEX_ANNOTATION);
          return new dev.ferry.local.ContainerRunner.Exit(0, Fixtures.result(Map.of("metrics",
              Map.of("rank_seen", Double.parseDouble(rank), "auc", 0.9))), "Completed", null);
        })
        .succeed("evaluate", Fixtures.result(Map.of("metrics", Map.of("auc", 0.9))));
    TrainingPipeline pipeline = Fixtures.pipeline("churn");
    pipeline.getSpec().steps.get(1).workers = 3;

    restartAfterKill(1);
    create(pipeline);
    create(Fixtures.manualRun("churn-r1", "churn"));
    int kills = 0;
    Instant budget = Instant.now().plus(Duration.ofMinutes(3));
    while (true) {
      TrainingRun run = get(TrainingRun.class, "churn-r1");
      if (run != null && run.getStatus() != null && run.getStatus().phase == Phase.Succeeded) {
        break;
      }
      assertThat(Instant.now()).as("the run finishes despite " + kills + " kills").isBefore(budget);
      if (dead) {
        restartAfterKill(kills >= 40 ? Integer.MAX_VALUE : 1);
        kills++;
      } else {
        pause(5);
      }
    }
    assertThat(kills).as("kills while the run moved").isGreaterThan(5);
    String job = dev.ferry.pipeline.StepJobBuilder.jobName("churn-r1", pipeline.getSpec().steps.get(1));
    assertThat(client.batch().v1().jobs().inNamespace(NS).withLabel(Ferry.LABEL_STEP, "train").list().getItems())
        .extracting(j -> j.getMetadata().getName()).containsExactly(job);
    assertThat(client.services().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
        .containsExactly(job);
    assertThat(client.pods().inNamespace(NS).withLabel(Ferry.LABEL_STEP, "train").list().getItems())
        .as("one set of workers").hasSize(3);
    assertThat(client.resources(ModelVersion.class).inNamespace(NS).list().getItems()).singleElement()
        .satisfies(v -> assertThat(v.getSpec().metrics).as("rank 0 speaks for the step")
            .containsEntry("rank_seen", 0.0));
  }
}
