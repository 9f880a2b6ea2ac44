package dev.ferry.pipeline;

import static dev.ferry.testing.Fixtures.manualRun;
import static dev.ferry.testing.Fixtures.pipeline;
import static dev.ferry.testing.Fixtures.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec.ConcurrencyPolicy;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.api.v1alpha1.TriggersSpec;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TriggersTest extends OperatorTestBase {

  @BeforeEach
  void scriptSteps() {
    runner.succeed("validate", "{}").succeed("train", "{}")
        .succeed("evaluate", result(Map.of("metrics", Map.of("auc", 0.9))));
  }

  private List<TrainingRun> runs() {
    return client.resources(TrainingRun.class).inNamespace(NS).list().getItems();
  }

  private List<String> runNames() {
    return runs().stream().map(r -> r.getMetadata().getName()).sorted().toList();
  }

  /** Edits the pipeline; a spec edit is also how a test makes the operator look at it now. */
  private void edit(Consumer<TrainingPipeline> change) {
    // The operator writes status concurrently; a stale edit gets 409 and is retried, as kubectl does.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      TrainingPipeline current = get(TrainingPipeline.class, "churn");
      change.accept(current);
      client.resource(current).update();
      return true;
    });
  }

  private static TrainingPipeline scheduled(String cron) {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().triggers = new TriggersSpec();
    pipeline.getSpec().triggers.schedule = cron;
    return pipeline;
  }

  @Test
  void scheduleFiresAtItsTimeOnceAndReschedules() {
    create(scheduled("*/5 * * * *"));
    TrainingPipeline seen = awaitPipeline("churn", p -> p.getStatus().nextScheduledRun != null);
    assertThat(seen.getStatus().nextScheduledRun).isEqualTo("2030-01-01T10:05:00Z");
    assertThat(runs()).as("nothing is due before the first scheduled time").isEmpty();

    clock.set(Instant.parse("2030-01-01T10:05:02Z"));
    edit(p -> p.getSpec().hyperparameters.put("epochs", "3"));
    awaitResource(TrainingRun.class, "churn-20300101-1005", r -> true);
    TrainingPipeline after = awaitPipeline("churn", p -> "2030-01-01T10:10:00Z".equals(p.getStatus().nextScheduledRun));
    assertThat(after.getStatus().lastScheduleTime).isEqualTo("2030-01-01T10:05:00Z");
    TrainingRun run = get(TrainingRun.class, "churn-20300101-1005");
    assertThat(run.getSpec().trigger.kind.name()).isEqualTo("Schedule");
    assertThat(run.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("churn"));

    awaitRunFinished("churn-20300101-1005");
    edit(p -> p.getSpec().hyperparameters.put("epochs", "4"));
    awaitPipeline("churn", p -> p.getStatus().observedGeneration == 3L);
    assertThat(runNames()).as("the same scheduled time never starts a second run").containsExactly("churn-20300101-1005");

    clock.set(Instant.parse("2030-01-01T10:20:30Z"));
    edit(p -> p.getSpec().hyperparameters.put("epochs", "5"));
    awaitResource(TrainingRun.class, "churn-20300101-1020", r -> true);
    assertThat(runNames()).as("missed times collapse into the latest one")
        .containsExactly("churn-20300101-1005", "churn-20300101-1020");
  }

  @Test
  void newDatasetStartsExactlyOneRun() {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().triggers = new TriggersSpec();
    pipeline.getSpec().triggers.onDatasetChange = true;
    create(pipeline);
    TrainingRun first = awaitRunFinished("churn-data-g1");
    assertThat(first.getSpec().trigger.kind.name()).isEqualTo("DatasetChange");

    edit(p -> p.getSpec().dataset.uri = "pvc://datasets/churn/2026-12.csv");
    TrainingRun second = awaitRunFinished("churn-data-g2");
    assertThat(second.getSpec().trigger.reason).contains("2026-12.csv");
    ModelVersion version = get(ModelVersion.class, second.getStatus().modelVersion);
    assertThat(version.getSpec().lineage.dataset.uri).isEqualTo("pvc://datasets/churn/2026-12.csv");
    assertThat(version.getSpec().lineage.trigger).isEqualTo("DatasetChange");

    edit(p -> p.getSpec().hyperparameters.put("epochs", "9"));
    awaitPipeline("churn", p -> p.getStatus().observedGeneration == 3L);
    assertThat(runNames()).containsExactly("churn-data-g1", "churn-data-g2");
  }

  private TrainingPipeline withPolicy(ConcurrencyPolicy policy) {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().triggers = new TriggersSpec();
    pipeline.getSpec().triggers.onDatasetChange = true;
    pipeline.getSpec().concurrencyPolicy = policy;
    return pipeline;
  }

  @Test
  void forbidLetsNewDataWaitForTheActiveRun() {
    runner.hold("train");
    create(withPolicy(ConcurrencyPolicy.Forbid));
    awaitResource(TrainingRun.class, "churn-data-g1", r -> r.getStatus() != null && "train".equals(r.getStatus().currentStep));

    edit(p -> p.getSpec().dataset.uri = "pvc://datasets/churn/2026-12.csv");
    awaitPipeline("churn", p -> p.getStatus().observedGeneration == 2L);
    assertThat(runNames()).containsExactly("churn-data-g1");

    runner.release("train");
    assertThat(awaitRunFinished("churn-data-g2").getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(get(TrainingRun.class, "churn-data-g1").getStatus().phase).isEqualTo(Phase.Succeeded);
  }

  @Test
  void replaceStopsTheActiveRunAndStartsTheNewOne() {
    runner.hold("train");
    create(withPolicy(ConcurrencyPolicy.Replace));
    awaitResource(TrainingRun.class, "churn-data-g1", r -> r.getStatus() != null && "train".equals(r.getStatus().currentStep));

    edit(p -> p.getSpec().dataset.uri = "pvc://datasets/churn/2026-12.csv");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(runNames()).containsExactly("churn-data-g2"));
    runner.release("train");
    assertThat(awaitRunFinished("churn-data-g2").getStatus().phase).isEqualTo(Phase.Succeeded);
  }

  @Test
  void allowRunsBothAtOnce() {
    runner.hold("train");
    create(withPolicy(ConcurrencyPolicy.Allow));
    awaitResource(TrainingRun.class, "churn-data-g1", r -> r.getStatus() != null && "train".equals(r.getStatus().currentStep));

    edit(p -> p.getSpec().dataset.uri = "pvc://datasets/churn/2026-12.csv");
    awaitResource(TrainingRun.class, "churn-data-g2", r -> r.getStatus() != null && "train".equals(r.getStatus().currentStep));
    assertThat(awaitPipeline("churn", p -> p.getStatus().activeRuns != null && p.getStatus().activeRuns == 2)
        .getStatus().activeRuns).isEqualTo(2);
    runner.release("train");
    assertThat(awaitRunFinished("churn-data-g1").getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(awaitRunFinished("churn-data-g2").getStatus().phase).isEqualTo(Phase.Succeeded);
  }

  @Test
  void historyLimitDeletesOldRunsAndTheirJobsButNeverModelVersions() {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().runHistoryLimit = 2;
    create(pipeline);
    for (int i = 1; i <= 4; i++) {
      create(manualRun("churn-r" + i, "churn"));
      awaitRunFinished("churn-r" + i);
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(runNames()).containsExactly("churn-r3", "churn-r4");
      assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems())
          .allSatisfy(j -> assertThat(j.getMetadata().getName()).matches("churn-r[34]-.*"));
    });
    assertThat(client.resources(ModelVersion.class).inNamespace(NS).list().getItems()).hasSize(4);
  }
}
