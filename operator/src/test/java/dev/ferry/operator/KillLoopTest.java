package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The kill loop on the mock server: the operator dies right after its 1st or 2nd write of each
 * life (a seeded draw) and a new one takes over, over and over, while it takes a model through
 * the lifecycle: train v1, stage, smoke test, promote; train v2, promote; roll back; and so on to
 * v6 with a second rollback. Every kill
 * lands between two writes of a moving lifecycle (unlike SIGKILLs by the clock in KillNineIT,
 * which also land in steady states), so the kill points are every write the lifecycle makes.
 * Nothing may be duplicated or lost: one Job per run and step, one version per run, one rollback
 * per request.
 */
class KillLoopTest extends OperatorTestBase {
  private static final int KILLS = 100;

  @Test
  void aKillAfterAnyWriteOfTheLifecycleDuplicatesAndLosesNothing() {
    create(new ConfigMapBuilder().withNewMetadata().withName("churn-smoke").endMetadata()
        .addToData("a.json", "{\"inputs\": []}").build());
    runner.succeed("validate", Fixtures.result(Map.of("metrics", Map.of("rows", 100), "datasetDigest",
            "sha256:" + "d".repeat(64))))
        .succeed("train", Fixtures.result(Map.of("metrics", Map.of("train_auc", 0.95))))
        .succeed("evaluate", Fixtures.result(Map.of("metrics", Map.of("auc", 0.9))))
        .succeed("smoke-test", "{\"metrics\": {\"p95LatencyMs\": 12}, \"message\": \"1 request passed\"}");

    Random random = new Random(7);
    restartAfterKill(nextLife(random));
    create(Fixtures.pipeline("churn"));
    create(deployment());

    // Each step is taken once the one before it holds; the operator keeps dying meanwhile.
    List<Step> lifecycle = List.of(
        new Step("run 1", () -> create(Fixtures.manualRun("churn-r1", "churn")), () -> serves(1)),
        new Step("run 2", () -> create(Fixtures.manualRun("churn-r2", "churn")), () -> serves(2)),
        new Step("rollback", () -> annotate(Ferry.ANNOTATION_ROLLBACK, "kill-loop"), () -> serves(1)),
        new Step("run 3", () -> create(Fixtures.manualRun("churn-r3", "churn")), () -> serves(3)),
        new Step("run 4", () -> create(Fixtures.manualRun("churn-r4", "churn")), () -> serves(4)),
        new Step("rollback", () -> annotate(Ferry.ANNOTATION_ROLLBACK, "kill-loop-2"), () -> serves(3)),
        new Step("run 5", () -> create(Fixtures.manualRun("churn-r5", "churn")), () -> serves(5)),
        new Step("run 6", () -> create(Fixtures.manualRun("churn-r6", "churn")), () -> serves(6)));
    int kills = 0;
    Instant budget = Instant.now().plus(Duration.ofMinutes(6));
    for (Step step : lifecycle) {
      step.action().run();
      while (!step.done().getAsBoolean()) {
        assertThat(Instant.now()).as(step.name() + " done after " + kills + " kills").isBefore(budget);
        if (dead) {
          restartAfterKill(kills >= KILLS * 3 ? Integer.MAX_VALUE : nextLife(random));
          kills++;
        } else {
          pause(5);
        }
      }
    }
    List<ModelVersion> versions = client.resources(ModelVersion.class).inNamespace(NS).list().getItems();
    assertThat(versions).extracting(v -> v.getSpec().version).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(versions).extracting(v -> v.getSpec().lineage.run)
        .containsExactlyInAnyOrder("churn-r1", "churn-r2", "churn-r3", "churn-r4", "churn-r5", "churn-r6");
    // A step is done once production serves its version; the run's own last status write may still
    // be on its way (a life can end between registering the version and writing Succeeded).
    Instant settle = Instant.now().plus(Duration.ofSeconds(60));
    while (!client.resources(TrainingRun.class).inNamespace(NS).list().getItems().stream()
        .allMatch(r -> r.getStatus() != null && r.getStatus().phase == Phase.Succeeded)) {
      assertThat(Instant.now()).as("every run Succeeded after " + kills + " kills").isBefore(settle);
      if (dead) {
        restartAfterKill(Integer.MAX_VALUE);
        kills++;
      } else {
        pause(5);
      }
    }
    List<TrainingRun> runs = client.resources(TrainingRun.class).inNamespace(NS).list().getItems();
    assertThat(runs).extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-r1", "churn-r2", "churn-r3", "churn-r4", "churn-r5", "churn-r6");
    assertThat(runs).allSatisfy(r -> assertThat(r.getStatus().phase).isEqualTo(Phase.Succeeded));
    Map<String, Long> jobsPerStep = new TreeMap<>();
    for (Job job : client.batch().v1().jobs().inNamespace(NS).withLabel(Ferry.LABEL_RUN).list().getItems()) {
      jobsPerStep.merge(job.getMetadata().getName(), 1L, Long::sum);
    }
    assertThat(jobsPerStep).hasSize(18);
    assertThat(runner.started.stream().collect(Collectors.groupingBy(p -> p, Collectors.counting())))
        .as("each step's container ran once").allSatisfy((pod, n) -> assertThat(n).as(pod).isEqualTo(1L));
    ModelDeployment md = get(ModelDeployment.class, "churn");
    // Newest first; a version back in production leaves the history (its period is open again).
    assertThat(md.getStatus().history).as("each rollback once, each promotion once")
        .extracting(h -> h.version + " " + h.outcome)
        .containsExactly("5 Replaced", "3 Replaced", "4 RolledBack", "1 Replaced", "2 RolledBack");
    assertThat(md.getStatus().rejectedVersions).containsExactly(2L, 4L);
    assertThat(kills).as("kill points over the lifecycle").isGreaterThanOrEqualTo(KILLS);
  }

  /** Writes before the next death: mostly one, so every write is a kill point; sometimes two, so a reconcile's second write is one too. */
  private static int nextLife(Random random) {
    return random.nextInt(3) == 0 ? 2 : 1;
  }

  private record Step(String name, Runnable action, BooleanSupplier done) {
  }

  private boolean serves(long version) {
    ModelDeployment md = get(ModelDeployment.class, "churn");
    return md != null && md.getStatus() != null && Long.valueOf(version).equals(md.getStatus().productionVersion)
        && "Stable".equals(md.getStatus().phase);
  }

  private static ModelDeployment deployment() {
    return Fixtures.deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, 2);
  }

  private void annotate(String key, String value) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = get(ModelDeployment.class, "churn");
      md.getMetadata().getAnnotations().put(key, value);
      client.resource(md).update();
      return true;
    });
  }
}
