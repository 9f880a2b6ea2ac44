package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The local mode, for real: steps run as local processes, as a newcomer's first command runs them. */
class LocalModeTest {
  @TempDir
  Path work;

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  private LocalMode localMode(Path dir) {
    return new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60), FerryConfig.defaults(),
        ProcessContainerRunner.selfCommand(), new PrintStream(output, true, StandardCharsets.UTF_8)));
  }

  private Path copyQuickstart() throws IOException {
    return Fixtures.copyQuickstart(work);
  }

  @Test
  void quickstartTrainsARealModelToAValidatedVersionWithFullLineage() throws Exception {
    Path dir = copyQuickstart();
    try (LocalMode local = localMode(dir)) {
      assertThat(local.start()).isEmpty();
      local.awaitIdle(Duration.ofMinutes(3));

      ModelVersion version = local.client().resources(ModelVersion.class).inNamespace("default").withName("churn-v1").get();
      assertThat(version).as("output:\n" + output).isNotNull();
      assertThat(Conditions.isTrue(version.getStatus(), "Validated")).as(output.toString()).isTrue();
      assertThat(version.getSpec().metrics.get("auc")).isBetween(0.75, 0.95);
      assertThat(version.getSpec().metrics.get("accuracy")).isBetween(0.7, 1.0);
      assertThat(version.getSpec().metrics.get("rows")).isEqualTo(5000.0);
      var lineage = version.getSpec().lineage;
      assertThat(lineage.dataset.digest).isEqualTo(sha256(dir.resolve("data/churn.csv")));
      assertThat(lineage.trigger).isEqualTo("DatasetChange");
      assertThat(lineage.hyperparameters).containsEntry("epochs", "200");
      assertThat(lineage.images).extracting(i -> i.step).containsExactly("validate", "train", "evaluate");
      assertThat(version.getSpec().artifact.uri).as("the run's name and a hash of its uid: no later run takes it")
          .matches("pvc://models/churn/runs/churn-data-g1-[0-9a-f]{8}/");
      String folder = version.getSpec().artifact.uri.substring("pvc://models/".length());
      assertThat(dir.resolve(".ferry-local/models").resolve(folder).resolve("model.json")).exists();
      assertThat(local.failures()).isEmpty();
      assertThat(output.toString()).contains("ModelVersion", "churn-v1", "Validated=True", "log: ");
      assertThat(Files.list(local.runDir().resolve("pods/default")).map(p -> p.getFileName().toString()))
          .contains("churn-data-g1-train-0.log");

      // The loop: served in production, drift found, retrained on production data, promoted, clean again.
      var md = local.client().resources(dev.ferry.api.v1alpha1.ModelDeployment.class).inNamespace("default")
          .withName("churn").get();
      assertThat(md.getStatus().productionVersion).as(output.toString()).isEqualTo(2L);
      assertThat(md.getStatus().history).extracting(h -> h.version + ":" + h.outcome).containsExactly("1:Replaced");
      var policy = local.client().resources(dev.ferry.api.v1alpha1.DriftPolicy.class).inNamespace("default")
          .withName("churn-drift").get();
      assertThat(policy.getStatus().lastCheck.result).isEqualTo("NoDrift");
      assertThat(policy.getStatus().history).extracting(c -> c.result).containsExactly("NoDrift", "Drift");
      assertThat(policy.getStatus().lastAction.kind).isEqualTo("Retrain");
      ModelVersion retrained = local.client().resources(ModelVersion.class).inNamespace("default").withName("churn-v2")
          .get();
      assertThat(retrained.getSpec().lineage.trigger).isEqualTo("Drift");
      assertThat(retrained.getSpec().lineage.dataset.uri).isEqualTo("pvc://datasets/churn-production.csv");
      assertThat(Files.readString(local.runDir().resolve("pods/default/churn-smoke-v2-0.log"))).contains("PASSED");

      // Each check wrote its page; the local mode serves the latest and every one of the history.
      assertThat(policy.getStatus().history).extracting(c -> c.report)
          .allMatch(r -> r != null && r.matches("pvc://reports/churn-drift/\\d{8}T\\d{6}\\.\\d{3}Z\\.html"))
          .doesNotHaveDuplicates();
      assertThat(policy.getStatus().report).isEqualTo(policy.getStatus().lastCheck.report);
      String reports = "http://127.0.0.1:" + local.reportsPort();
      assertThat(output.toString()).contains("drift reports " + reports + "/drift/");
      var latest = httpGet(reports + "/drift/default/churn-drift");
      assertThat(latest.statusCode()).isEqualTo(200);
      assertThat(latest.body()).contains("No dataset drift", "tenure");
      String drifted = policy.getStatus().history.get(1).report;
      var older = httpGet(reports + "/drift/default/churn-drift/" + drifted.substring(drifted.lastIndexOf('/') + 1));
      assertThat(older.statusCode()).isEqualTo(200);
      assertThat(older.body()).contains("Dataset drift");
      assertThat(httpGet(reports + "/drift/").body()).contains("default/churn-drift", "NoDrift",
          "href=\"/drift/default/churn-drift\"");
      assertThat(httpGet(reports + "/drift/default/churn-drift/..%2F..%2Fkubeconfig").statusCode()).isEqualTo(404);
      assertThat(httpGet(reports + "/drift/default/nothing-here").body()).contains("no DriftPolicy nothing-here");

      String get = runGet(dir, "mv");
      assertThat(get).contains("churn-v1", "Validated=True");

      local.client().resources(TrainingPipeline.class).inNamespace("default").withName("churn").delete();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(local.client().resources(TrainingRun.class).inAnyNamespace().list().getItems()).isEmpty();
        assertThat(local.client().batch().v1().jobs().inAnyNamespace().withLabel(dev.ferry.api.v1alpha1.Ferry.LABEL_RUN)
            .list().getItems()).isEmpty();
        assertThat(local.client().pods().inAnyNamespace().withLabel(dev.ferry.api.v1alpha1.Ferry.LABEL_RUN)
            .list().getItems()).isEmpty();
      });
      assertThat(local.client().resources(ModelVersion.class).inAnyNamespace().list().getItems()).hasSize(2);
    }
  }

  private static java.net.http.HttpResponse<String> httpGet(String url) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private String runGet(Path dir, String kind) {
    PrintStream previous = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new LocalGetCommand()).execute(kind, "--dir", dir.toString());
      assertThat(code).isZero();
    } finally {
      System.setOut(previous);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static String sha256(Path file) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** A folder with one single-step pipeline per failure mode, each mapped to a shell command. */
  private Path failingSteps() throws IOException {
    Path dir = work.resolve("failing");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/d.csv"), "x\n1\n");
    Files.writeString(dir.resolve(LocalMapping.FILE_NAME), """
        images:
          local/exit1:
            command: [sh, -c, 'echo "loss exploded" >&2; exit 1']
          local/malformed:
            command: [sh, -c, 'echo "{not json" > "$FERRY_RESULT_PATH"']
          local/slow:
            command: [sleep, "30"]
        volumes:
          data: data
        """);
    StringBuilder yaml = new StringBuilder();
    for (String[] p : List.of(new String[] {"exits", "local/exit1", "0"}, new String[] {"garbles", "local/malformed", "0"},
        new String[] {"hangs", "local/slow", "2"}, new String[] {"unmapped", "registry.example/nowhere:1", "0"})) {
      yaml.append("""
          apiVersion: ferry.dev/v1alpha1
          kind: TrainingPipeline
          metadata: {name: %s}
          spec:
            model: m-%s
            dataset: {uri: pvc://data/d.csv}
            artifacts: {uri: pvc://data/models}
            triggers: {onDatasetChange: true}
            stepDefaults: {activeDeadlineSeconds: %s}
            steps:
            - name: only
              image: %s
          ---
          """.formatted(p[0], p[0], p[2].equals("0") ? "600" : p[2], p[1]));
    }
    Files.writeString(dir.resolve("pipelines.yaml"), yaml.toString());
    return dir;
  }

  /**
   * The most common pipeline, one step, writes its model where FERRY_MODEL_PATH says; deleting the
   * pipeline and applying it again starts its run numbering anew, and the new run's model goes to a
   * new folder: v1's files keep their digest.
   */
  @Test
  void aOneStepPipelineWritesItsModelAndAPipelineAppliedAgainNeverOverwritesIt() throws Exception {
    Path dir = work.resolve("one-step");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/d.csv"), "x\n1\n");
    Files.writeString(dir.resolve(LocalMapping.FILE_NAME), """
        images:
          local/train:
            command: [sh, -c, 'mkdir -p "$FERRY_MODEL_PATH" && echo "trained by $FERRY_RUN at $(date +%s%N)" > "$FERRY_MODEL_PATH/model.txt" && echo {} > "$FERRY_RESULT_PATH"']
        volumes:
          data: data
        """);
    String pipeline = """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: tiny, namespace: default}
        spec:
          model: tiny
          dataset: {uri: pvc://data/d.csv}
          artifacts: {uri: pvc://data/models}
          triggers: {onDatasetChange: true}
          steps: [{name: train, image: local/train}]
        """;
    Files.writeString(dir.resolve("pipeline.yaml"), pipeline);
    try (LocalMode local = localMode(dir)) {
      assertThat(local.start()).isEmpty();
      local.awaitIdle(Duration.ofMinutes(2));
      ModelVersion v1 = local.client().resources(ModelVersion.class).inNamespace("default").withName("tiny-v1").get();
      assertThat(v1).as(output.toString()).isNotNull();
      Path v1File = dir.resolve(v1.getSpec().artifact.uri.replace("pvc://data/", "data/")).resolve("model.txt");
      assertThat(v1File).as("the only step got FERRY_MODEL_PATH and wrote there").exists();
      String v1Digest = sha256(v1File);

      local.client().resources(dev.ferry.api.v1alpha1.TrainingPipeline.class).inNamespace("default").withName("tiny")
          .delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> local.client().resources(TrainingRun.class)
          .inNamespace("default").list().getItems().isEmpty()
          && local.client().batch().v1().jobs().inNamespace("default").list().getItems().isEmpty());
      local.client().load(new java.io.ByteArrayInputStream(pipeline.getBytes(StandardCharsets.UTF_8))).items()
          .forEach(o -> local.client().resource(o).create());
      await().atMost(Duration.ofMinutes(2)).until(() -> local.client().resources(ModelVersion.class)
          .inNamespace("default").withName("tiny-v2").get() != null);
      ModelVersion v2 = local.client().resources(ModelVersion.class).inNamespace("default").withName("tiny-v2").get();
      assertThat(v2.getSpec().lineage.run).as("the run name repeats").isEqualTo(v1.getSpec().lineage.run);
      assertThat(v2.getSpec().artifact.uri).isNotEqualTo(v1.getSpec().artifact.uri);
      assertThat(sha256(v1File)).as("v1's model is untouched").isEqualTo(v1Digest);
    }
  }

  @Test
  void failingStepsFailTheirRunsWithTheStepNameAndWhyAndTheExitCodeSaysSo() throws Exception {
    Path dir = failingSteps();
    Path dump = work.resolve("dump");
    PrintStream previous = System.out;
    System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new LocalCommand()).execute(dir.toString(), "--exit-when-idle", "--dump", dump.toString());
    } finally {
      System.setOut(previous);
    }
    String out = output.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isEqualTo(1);
    assertThat(out).contains("failed: TrainingRun/exits-data-g1: step only failed (exit code 1)", "loss exploded");
    assertThat(out).contains("failed: TrainingRun/garbles-data-g1: step only failed", "malformed result");
    assertThat(out).contains("failed: TrainingRun/hangs-data-g1: step only failed", "DeadlineExceeded");
    assertThat(out).contains("failed: TrainingRun/unmapped-data-g1: step only failed",
        "image registry.example/nowhere:1 is not mapped to a local command", LocalMapping.FILE_NAME);
    assertThat(dump.resolve("trainingruns.yaml")).content().contains("exits-data-g1", "phase: \"Failed\"");
    assertThat(dump.resolve("pods.yaml")).exists();
    assertThat(dump.resolve("jobs.yaml")).content().contains("BackoffLimitExceeded", "DeadlineExceeded");
  }

  @Test
  void badManifestsAreNamedAndTheRestStillRuns() throws Exception {
    Path dir = work.resolve("bad");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("a-broken.yaml"), "apiVersion: ferry.dev/v1alpha1\nkind: [unclosed\n");
    Files.writeString(dir.resolve("b-mixed.yaml"), """
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w}
        ---
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: misfit}
        spec: {model: m, steps: 5}
        ---
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: dupes}
        spec:
          model: m
          dataset: {uri: /data.csv}
          steps: [{name: a, image: x}, {name: a, image: y}]
        ---
        apiVersion: ferry.dev/v1alpha1
        kind: ModelDeployment
        metadata: {name: typo}
        spec:
          model: m
          server: {image: x}
          rollout:
            strategy: Canary
            steps: [{weight: 50}]
            analysis:
              metrics: [{name: e, max: 1, prometheus: {address: "http://p:9090", query: "up{v=\\"{{canry}}\\"}"}}]
        """);
    Files.writeString(dir.resolve("c-config.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: requests}
        data: [a, b]
        """);
    try (LocalMode local = localMode(dir)) {
      List<String> problems = local.start();
      assertThat(problems).hasSize(6);
      assertThat(problems.get(0)).contains("a-broken.yaml, line 2", "not valid YAML");
      assertThat(problems.get(1)).contains("b-mixed.yaml", "document 1", "unknown kind Widget");
      // Refused as a cluster's admission refuses them: every problem, at the line of its field, in its words.
      assertThat(problems.get(2)).contains("b-mixed.yaml, line 8 (document 2): TrainingPipeline/misfit: spec.dataset:",
          "Required value");
      assertThat(problems.get(3)).contains("b-mixed.yaml, line 8 (document 2): TrainingPipeline/misfit: spec.steps:",
          "Invalid value: 5: must be of type array").doesNotContain("java.", "JsonToken");
      assertThat(problems.get(4)).contains("b-mixed.yaml, line 13 (document 3): TrainingPipeline/dupes: spec:",
          "steps[].name must be unique");
      assertThat(problems.get(5)).isEqualTo(dir.resolve("c-config.yaml") + ", line 4 (document 1): ConfigMap/requests:"
          + " data: Invalid value: must be of type object");
      assertThat(local.client().resources(TrainingPipeline.class).inNamespace("default").withName("dupes").get())
          .as("a refused manifest is not applied, as a cluster would not store it").isNull();
      var typo = await().atMost(Duration.ofSeconds(20)).until(() -> local.client()
          .resources(dev.ferry.api.v1alpha1.ModelDeployment.class).inNamespace("default").withName("typo").get(),
          d -> d != null && d.getStatus() != null);
      assertThat(Conditions.find(typo.getStatus(), "Ready").orElseThrow().getMessage())
          .contains("spec.rollout.analysis.metrics[0].prometheus.query: unknown placeholder {{canry}}");
      // An invalid deployment has no phase; the local mode waits for a fix instead of aborting.
      local.awaitIdle(Duration.ofSeconds(30));
      assertThat(local.isIdle()).isTrue();
    }
  }

  @Test
  void terminationMessagesAreTruncatedAt4KiBAsTheKubeletDoes() {
    String long5k = "x".repeat(5000);
    assertThat(LocalJobController.truncate(long5k)).hasSize(4096);
    assertThat(LocalJobController.truncate("short")).isEqualTo("short");
  }

  @Test
  void ferryImageMapsToThisProgram() {
    assertThat(ProcessContainerRunner.selfCommand()).contains("dev.ferry.Main");
    assertThat(Set.of(ProcessContainerRunner.selfCommand().get(2).split(java.io.File.pathSeparator)))
        .allSatisfy(entry -> assertThat(Path.of(entry)).isAbsolute());
  }
}
