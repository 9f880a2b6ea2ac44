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
 * lifecycle (train, validate, stage, smoke test, promote, drift, retrain, promote again, then
 * manual runs and rollbacks) on the real API server, at 100 points where something was moving. A
 * restart at any point must duplicate nothing and lose nothing: one Job per run and step, one run
 * per trigger, one version per run, one retrain per drift, each rollback once.
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

    // The quickstart as shipped (train v1, validate, stage, smoke test, promote, drift, retrain,
    // promote v2), then, each time it settles, the lifecycle is moved again as a user would: a
    // manual run (train, stage, smoke test, promote the next version) or a rollback. Each process
    // is killed 0 to 1.5 s after it says it has started (a seeded draw, so a failure can be
    // replayed), until KILLS kills have landed while something was moving.
    Random random = new Random(9);
    List<String> killedDuring = new ArrayList<>();
    Round round = new Round(0, 2, null);
    List<Round> rounds = new ArrayList<>(List.of(round));
    int moving = 0;
    Instant budget = Instant.now().plus(Duration.ofMinutes(25));
    for (int kill = 0; moving < KILLS; kill++) {
      assertThat(Instant.now()).as(moving + " kills while moving so far").isBefore(budget);
      if (settled(ns, round.production())) {
        round = next(ns, round);
        rounds.add(round);
      }
      awaitStarted(kill + 1);
      Thread.sleep(random.nextInt(1500));
      boolean settledNow = settled(ns, round.production());
      moving += settledNow ? 0 : 1;
      killedDuring.add((settledNow ? "settled " : "") + phase(ns));
      operator.destroyForcibly();
      assertThat(operator.waitFor(10, TimeUnit.SECONDS)).isTrue();
      operator = OperatorProcess.start(cluster, "kill-nine", ns, Map.of());
    }
    System.out.println("kill -9 at " + killedDuring.size() + " points, " + moving + " while the lifecycle moved, over "
        + rounds.size() + " rounds " + rounds + "; during: " + killedDuring);

    // Left alone, it finishes the last round.
    Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
    while (!settled(ns, round.production())) {
      assertThat(Instant.now()).as("the lifecycle settles after the kills; now " + phase(ns)).isBefore(deadline);
      Thread.sleep(1000);
    }

    long manualRuns = rounds.stream().filter(r -> r.run() != null).count();
    long expectedVersions = 2 + manualRuns;
    List<ModelVersion> versions = client().resources(ModelVersion.class).inNamespace(ns).list().getItems();
    assertThat(versions).as("one version per run, none lost, none twice").hasSize((int) expectedVersions)
        .extracting(v -> v.getSpec().version).containsExactlyInAnyOrderElementsOf(
            java.util.stream.LongStream.rangeClosed(1, expectedVersions).boxed().toList());
    assertThat(versions.stream().map(v -> v.getSpec().lineage.run).collect(Collectors.toSet()))
        .as("one version per run").hasSize((int) expectedVersions);
    assertThat(versions.stream().filter(v -> "Drift".equals(v.getSpec().lineage.trigger)).count())
        .as("one retrain for the one drift").isEqualTo(1);

    List<TrainingRun> runs = client().resources(TrainingRun.class).inNamespace(ns).list().getItems();
    assertThat(runs.stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet()))
        .as("no run started twice (names are the triggers')").hasSize(runs.size());
    Map<String, Long> jobsPerStep = new TreeMap<>();
    for (Job job : client().batch().v1().jobs().inNamespace(ns).withLabel(Ferry.LABEL_RUN).list().getItems()) {
      jobsPerStep.merge(job.getMetadata().getLabels().get(Ferry.LABEL_RUN) + "/"
          + job.getMetadata().getLabels().get(Ferry.LABEL_STEP), 1L, Long::sum);
    }
    assertThat(jobsPerStep).as("Jobs per run and step (runs beyond runHistoryLimit are pruned with their Jobs)")
        .hasSize(3 * runs.size()).allSatisfy((step, count) -> assertThat(count).as(step).isEqualTo(1L));

    // Every rollback happened once: production is where the last round put it (a repeated
    // rollback would have gone one version further back), and nothing was rejected.
    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    assertThat(md.getStatus().productionVersion).isEqualTo(round.production());
    java.util.Set<Long> rolledBackFrom = rounds.stream().filter(r -> r.rollback() != null).map(Round::from)
        .collect(Collectors.toSet());
    assertThat(md.getStatus().rejectedVersions).as("only versions rolled back from")
        .allSatisfy(v -> assertThat(rolledBackFrom).contains(v));
  }

  /** One move of the lifecycle: a manual run or a rollback, and where production ends up. */
  private record Round(long from, long production, String rollback, String run) {
    Round(long from, long production, String rollback) {
      this(from, production, rollback, null);
    }

    @Override
    public String toString() {
      return run != null ? "run->v" + production : rollback != null ? "rollback->v" + production : "quickstart->v"
          + production;
    }
  }

  /** The next move: a manual run after a rollback or every other round, else a rollback to the previous version. */
  private static Round next(String ns, Round last) {
    long versions = client().resources(ModelVersion.class).inNamespace(ns).list().getItems().size();
    boolean runNext = last.rollback() != null || last.run() == null;
    if (runNext) {
      String name = "churn-manual-" + (versions + 1);
      TrainingRun run = new TrainingRun();
      run.getMetadata().setName(name);
      run.setSpec(new dev.ferry.api.v1alpha1.TrainingRunSpec());
      run.getSpec().pipeline = "churn";
      client().resource(run).inNamespace(ns).create();
      return new Round(last.production(), versions + 1, null, name);
    }
    String request = "kill-nine-" + versions;
    await(() -> {
      ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
      md.getMetadata().getAnnotations().put(Ferry.ANNOTATION_ROLLBACK, request);
      client().resource(md).update();
    });
    long previous = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get().getStatus()
        .history.stream().filter(h -> !java.util.Objects.equals(h.version, last.production()))
        .map(h -> h.version).findFirst().orElseThrow();
    return new Round(last.production(), previous, request, null);
  }

  /** A user's write: again on a 409 (the operator writes the status meanwhile). */
  private static void await(Runnable write) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
        .until(() -> {
          write.run();
          return true;
        });
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

  private static boolean settled(String ns, long production) {
    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    boolean jobsDone = client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .allMatch(j -> j.getStatus() != null && j.getStatus().getCompletionTime() != null
            || j.getStatus() != null && j.getStatus().getFailed() != null && j.getStatus().getFailed() > 0);
    boolean runsDone = client().resources(TrainingRun.class).inNamespace(ns).list().getItems().stream()
        .allMatch(r -> r.getStatus() != null && (r.getStatus().phase == dev.ferry.api.v1alpha1.TrainingRunStatus.Phase.Succeeded
            || r.getStatus().phase == dev.ferry.api.v1alpha1.TrainingRunStatus.Phase.Failed));
    return jobsDone && runsDone && md != null && md.getStatus() != null
        && Long.valueOf(production).equals(md.getStatus().productionVersion) && "Stable".equals(md.getStatus().phase);
  }
}
