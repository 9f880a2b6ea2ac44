package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator killed with SIGKILL over and over while it takes the quickstart through its whole
 * lifecycle (train, validate, stage, smoke test, promote, drift, retrain, promote again) on the
 * real API server. A restart at any point must duplicate nothing: one Job per run and step, one
 * run per trigger, one version per run, one retrain per drift, no rollback.
 */
class KillNineIT {
  private static final int KILLS = 100;
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private Process operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.destroyForcibly();
    }
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  @Test
  void aRestartAtAnyPointOfTheLifecycleDuplicatesNothing(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    operator = OperatorProcess.start(cluster, "kill-nine", ns, Map.of());
    cluster.applyQuickstart(ns);

    // Kill points spread over the lifecycle: each process is killed 0 to 1.5 s after it says it
    // has started (a seeded draw, so a failure can be replayed), so every life moves the
    // lifecycle on a little and the kills land in every phase of it, the steady state included.
    Random random = new Random(9);
    List<String> killedDuring = new ArrayList<>();
    for (int kill = 0; kill < KILLS; kill++) {
      awaitStarted(kill + 1);
      Thread.sleep(random.nextInt(1500));
      killedDuring.add(phase(ns));
      operator.destroyForcibly();
      assertThat(operator.waitFor(10, TimeUnit.SECONDS)).isTrue();
      operator = OperatorProcess.start(cluster, "kill-nine", ns, Map.of());
    }
    System.out.println("kill -9 at " + KILLS + " points, during: " + killedDuring);

    // Left alone, it finishes: the retrained version in production, every Job done.
    Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
    while (!settled(ns)) {
      assertThat(Instant.now()).as("the lifecycle settles after the kills; now " + phase(ns)).isBefore(deadline);
      Thread.sleep(1000);
    }

    List<TrainingRun> runs = client().resources(TrainingRun.class).inNamespace(ns).list().getItems();
    assertThat(runs).as("the first dataset's run and one drift retrain")
        .extracting(r -> r.getSpec().trigger.kind.toString()).containsExactlyInAnyOrder("DatasetChange", "Drift");
    List<ModelVersion> versions = client().resources(ModelVersion.class).inNamespace(ns).list().getItems();
    assertThat(versions).extracting(v -> v.getMetadata().getName()).containsExactlyInAnyOrder("churn-v1", "churn-v2");
    assertThat(versions.stream().map(v -> v.getSpec().lineage.run).collect(Collectors.toSet()))
        .as("one version per run").hasSize(2);

    Map<String, Long> jobsPerStep = new TreeMap<>();
    for (Job job : client().batch().v1().jobs().inNamespace(ns).withLabel(Ferry.LABEL_RUN).list().getItems()) {
      jobsPerStep.merge(job.getMetadata().getLabels().get(Ferry.LABEL_RUN) + "/"
          + job.getMetadata().getLabels().get(Ferry.LABEL_STEP), 1L, Long::sum);
    }
    assertThat(jobsPerStep).as("Jobs per run and step").hasSize(6).allSatisfy((step, count) ->
        assertThat(count).as(step).isEqualTo(1L));

    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    assertThat(md.getStatus().productionVersion).isEqualTo(2L);
    assertThat(md.getStatus().history).as("v1 replaced by v2, nothing rolled back")
        .extracting(h -> h.version + " " + h.outcome).containsExactly("1 Replaced");
    assertThat(md.getStatus().rejectedVersions).isEmpty();
  }

  /** Waits until the log says the n-th process started (its informers synced, reconciling). */
  private static void awaitStarted(int n) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (countStarted() < n) {
      assertThat(Instant.now()).as("operator process " + n + " starts").isBefore(deadline);
      Thread.sleep(100);
    }
  }

  private static long countStarted() throws java.io.IOException {
    java.nio.file.Path log = OperatorProcess.log(cluster, "kill-nine");
    if (!Files.exists(log)) {
      return 0;
    }
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains("Ferry operator started")).count();
    }
  }

  /** Where the lifecycle stands, for the report of what each kill interrupted. */
  private static String phase(String ns) {
    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    long runs = client().resources(TrainingRun.class).inNamespace(ns).list().getItems().size();
    long versions = client().resources(ModelVersion.class).inNamespace(ns).list().getItems().size();
    String serving = md == null || md.getStatus() == null ? "-" : md.getStatus().phase + "/v" + md.getStatus().productionVersion;
    return "runs=" + runs + " versions=" + versions + " md=" + serving;
  }

  private static boolean settled(String ns) {
    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    boolean jobsDone = client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .allMatch(j -> j.getStatus() != null && j.getStatus().getCompletionTime() != null
            || j.getStatus() != null && j.getStatus().getFailed() != null && j.getStatus().getFailed() > 0);
    return jobsDone && md != null && md.getStatus() != null && Long.valueOf(2).equals(md.getStatus().productionVersion)
        && "Stable".equals(md.getStatus().phase);
  }
}
