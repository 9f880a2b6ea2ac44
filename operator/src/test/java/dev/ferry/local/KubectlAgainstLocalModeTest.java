package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl against the default local mode, with the kubeconfig it writes: every command a
 * status message or the docs tell a user to run works here as it does against a cluster, and the
 * local mode refuses what a cluster's admission refuses, in the API server's words.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlAgainstLocalModeTest {
  @TempDir
  static Path work;
  private Path dir;
  private LocalMode local;
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  record Result(int exit, String out, String err) {
    String all() {
      return out + err;
    }
  }

  @BeforeAll
  void startTheQuickstart() throws Exception {
    assertThat(kubectlBinary()).as("kubectl must be on the PATH (every machine here has it; install it from"
        + " https://kubernetes.io/docs/tasks/tools/ elsewhere)").isNotNull();
    dir = Fixtures.copyQuickstart(work);
    local = new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60), FerryConfig.defaults(),
        ProcessContainerRunner.selfCommand(), new PrintStream(output, true, StandardCharsets.UTF_8)));
    assertThat(local.start()).isEmpty();
    local.awaitIdle(Duration.ofMinutes(4));
  }

  @AfterAll
  void stop() {
    if (local != null) {
      local.close();
    }
  }

  @Test
  @Order(1)
  void getPrintsEachKindWithItsCrdsColumns() throws Exception {
    Result r = kubectl("get", "md,mv,tr,tp,dp");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("modeldeployment.ferry.dev/churn", "modelversion.ferry.dev/churn-v1",
        "trainingrun.ferry.dev/churn-data-g1", "trainingpipeline.ferry.dev/churn", "driftpolicy.ferry.dev/churn-drift");
    // The printer columns of the CRDs, evaluated on the server: v2 serves production after the drift retrain.
    assertThat(line(r.out(), "modeldeployment.ferry.dev/churn")).contains("Stable").endsWith(" 2");
    assertThat(line(r.out(), "modelversion.ferry.dev/churn-v2")).contains("True", "Production");
    assertThat(r.out()).contains("PRODUCTION", "VALIDATED", "STAGE", "VERDICT");

    Result builtIn = kubectl("get", "pods,jobs,deploy,svc,cm");
    assertThat(builtIn.exit()).as(builtIn.all()).isZero();
    assertThat(line(builtIn.out(), "job.batch/churn-data-g1-train")).contains("Complete", "1/1");
    assertThat(line(builtIn.out(), "pod/churn-data-g1-train-0")).contains("Completed");
    // The drift check that found drift is a Job that did its job; the verdict is the DriftPolicy's.
    assertThat(builtIn.out().lines().filter(l -> l.startsWith("job.batch/churn-drift-")).toList())
        .hasSizeGreaterThanOrEqualTo(2).allSatisfy(l -> assertThat(l).contains("Complete"));
    assertThat(line(builtIn.out(), "deployment.apps/churn-v2")).contains("2/2");
    assertThat(builtIn.out()).contains("service/churn ", "configmap/churn-smoke");
  }

  @Test
  @Order(1)
  void lineageRecordsTheCommandAndTheDigestOfTheFileThatRan() throws Exception {
    Result r = kubectl("get", "mv", "churn-v1", "-o",
        "jsonpath={.spec.lineage.images[?(@.step==\"train\")].imageID}|{.spec.lineage.images[?(@.step==\"train\")].digest}");
    String[] parts = r.out().split("\\|");
    String train = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(dir.resolve("train/Train.java"))));
    assertThat(parts[0]).startsWith("ferry-local://eclipse-temurin:17-jdk?run=").contains("Train.java")
        .endsWith("@" + train);
    assertThat(parts[1]).isEqualTo(train);
    // A built-in step ran Ferry's own code: its identity is never empty either.
    assertThat(kubectl("get", "mv", "churn-v1", "-o",
        "jsonpath={.spec.lineage.images[?(@.step==\"validate\")].imageID}").out()).startsWith("ferry-local://")
        .contains("@sha256:");
  }

  @Test
  @Order(2)
  void describeShowsConditionsAndTheObjectsOwnEvents() throws Exception {
    Result r = kubectl("describe", "md", "churn");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).containsPattern("Production Version:\\s+2\\n").contains("Events:", "Promoted",
        "v2 serves production");

    Result events = kubectl("get", "events", "--field-selector", "involvedObject.name=churn,involvedObject.kind="
        + "ModelDeployment");
    assertThat(events.exit()).as(events.all()).isZero();
    assertThat(events.out()).contains("LAST SEEN", "REASON", "Promoted", "modeldeployment/churn")
        .doesNotContain("driftpolicy/", "trainingrun/");
  }

  @Test
  @Order(3)
  void logsOfAJobAreItsPodsLog() throws Exception {
    Result r = kubectl("logs", "job/churn-data-g1-train");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("train AUC");
  }

  @Test
  @Order(4)
  void applyRefusesWhatTheCrdRefusesNamingEachField() throws Exception {
    Path bad = write("bad.yaml", """
        apiVersion: ferry.dev/v1alpha1
        kind: ModelDeployment
        metadata: {name: bad}
        spec:
          model: churn
          replicas: 0
          server: {image: registry.example/serve:1, prot: 8080}
        """);
    Result unknown = kubectl("apply", "-f", bad.toString());
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("strict decoding error: unknown field \"spec.server.prot\"");

    Files.writeString(bad, Files.readString(bad).replace(", prot: 8080", ""));
    Result invalid = kubectl("apply", "-f", bad.toString());
    assertThat(invalid.exit()).isNotZero();
    assertThat(invalid.err()).contains("The ModelDeployment \"bad\" is invalid",
        "spec.replicas: Invalid value: 0: must be greater than or equal to 1");
    assertThat(kubectl("get", "md", "bad").err()).contains("NotFound");

    Result dataset = kubectl("apply", "-f", write("ftp.yaml", """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: elsewhere}
        spec:
          model: elsewhere
          dataset: {uri: "ftp://files.example/data.csv"}
          artifacts: {uri: "https://models.example/elsewhere"}
          steps: [{name: train, image: local/train}]
        """).toString());
    assertThat(dataset.exit()).isNotZero();
    assertThat(dataset.err()).contains("spec.dataset.uri", "spec.artifacts.uri",
        "uri must be pvc://claim/path, s3://bucket/prefix or gs://bucket/prefix");
  }

  @Test
  @Order(5)
  void aRegisteredVersionCannotBeEdited() throws Exception {
    Result r = kubectl("patch", "mv", "churn-v1", "--type", "merge", "-p", "{\"spec\":{\"version\":7}}");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("The ModelVersion \"churn-v1\" is invalid", "immutable");
    assertThat(kubectl("get", "mv", "churn-v1", "-o", "jsonpath={.spec.version}").out()).isEqualTo("1");
  }

  @Test
  @Order(6)
  void createLabelAndDeleteBuiltInObjects() throws Exception {
    // Typed kubectl commands send protobuf bodies.
    assertThat(kubectl("create", "namespace", "ml").all()).contains("namespace/ml created");
    assertThat(kubectl("-n", "ml", "create", "secret", "generic", "slack-hook", "--from-literal=url=http://127.0.0.1:9/x")
        .all()).contains("secret/slack-hook created");
    assertThat(kubectl("create", "configmap", "notes", "--from-file=" + dir.resolve("smoke")).all())
        .contains("configmap/notes created");
    Result secrets = kubectl("-n", "ml", "get", "secret", "slack-hook", "-o", "jsonpath={.data.url}");
    assertThat(new String(java.util.Base64.getDecoder().decode(secrets.out()), StandardCharsets.UTF_8))
        .isEqualTo("http://127.0.0.1:9/x");
    assertThat(kubectl("get", "ns").out()).contains("default", "ml");

    assertThat(kubectl("label", "md", "churn", "team=ml").all()).contains("labeled");
    assertThat(kubectl("get", "md", "-l", "team=ml", "-o", "name").out().trim())
        .isEqualTo("modeldeployment.ferry.dev/churn");

    Result deleted = kubectl("delete", "configmap", "notes");
    assertThat(deleted.all()).contains("configmap \"notes\" deleted");
    assertThat(kubectl("get", "configmap", "notes").err()).contains("NotFound");
  }

  @Test
  @Order(7)
  void aRunCreatedByHandTrainsAndRegistersTheNextVersion() throws Exception {
    String run = createRun();
    assertThat(run).as("a generated name as an API server makes it").matches("churn-by-hand-[a-z0-9]{5}");
    awaitKubectl(Duration.ofMinutes(2), "Succeeded", "get", "tr", run, "-o", "jsonpath={.status.phase}");
    assertThat(kubectl("get", "mv", "churn-v3", "-o", "jsonpath={.spec.lineage.run}").out()).isEqualTo(run);
    awaitKubectl(Duration.ofMinutes(2), "3", "get", "md", "churn", "-o", "jsonpath={.status.productionVersion}");
  }

  @Test
  @Order(8)
  void theApprovalAStatusMessageAsksForIsOneKubectlCommand() throws Exception {
    Result manual = kubectl("patch", "md", "churn", "--type", "merge", "-p", "{\"spec\":{\"promotion\":{\"mode\":"
        + "\"Manual\"}}}");
    assertThat(manual.all()).contains("patched");
    createRun();
    // The message names the command; run exactly that.
    String message = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() ->
        kubectl("get", "md", "churn", "-o",
            "jsonpath={.status.conditions[?(@.type==\"AwaitingApproval\")].message}").out(),
        m -> m.contains("approve with: kubectl"));
    String command = message.substring(message.indexOf("approve with: kubectl ") + "approve with: kubectl ".length());
    assertThat(command).startsWith("annotate md churn ferry.dev/approve=4");
    assertThat(kubectl(command.trim().split(" ")).all()).contains("annotated");
    awaitKubectl(Duration.ofMinutes(2), "4", "get", "md", "churn", "-o", "jsonpath={.status.productionVersion}");
  }

  @Test
  @Order(9)
  void watchStreamsEachChangeAndARollbackIsOneAnnotation() throws Exception {
    Process watch = process(List.of("get", "md", "churn", "--watch", "--output-watch-events"));
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try {
        watch.getInputStream().transferTo(streamed);
      } catch (IOException e) {
        // the watch was stopped
      }
    });
    reader.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> streamed.toString(StandardCharsets.UTF_8).contains("churn"));
      Result annotated = kubectl("annotate", "md", "churn", "ferry.dev/rollback=kubectl-1", "--overwrite");
      assertThat(annotated.all()).contains("annotated");
      awaitKubectl(Duration.ofMinutes(1), "3", "get", "md", "churn", "-o", "jsonpath={.status.productionVersion}");
      await().atMost(Duration.ofSeconds(30)).until(() -> streamed.toString(StandardCharsets.UTF_8).lines()
          .anyMatch(l -> l.startsWith("MODIFIED") && l.trim().endsWith(" 3")));
    } finally {
      watch.destroy();
      watch.waitFor(5, TimeUnit.SECONDS);
      reader.join(5000);
    }
    assertThat(streamed.toString(StandardCharsets.UTF_8)).contains("EVENT", "ADDED");
  }

  @Test
  @Order(10)
  void aRolledBackVersionIsTriedAgainWithOneAnnotation() throws Exception {
    // v4 was rolled back above; the docs' retry command makes it the candidate again: staging and
    // a smoke test again, and production, since the approval annotation still names v4.
    assertThat(kubectl("annotate", "md", "churn", "ferry.dev/retry=4", "--overwrite").all()).contains("annotated");
    awaitKubectl(Duration.ofMinutes(2), "4", "get", "md", "churn", "-o", "jsonpath={.status.productionVersion}");
    assertThat(kubectl("get", "events", "--field-selector", "involvedObject.name=churn,reason=Retry").out())
        .contains("v4 is the candidate again on request (4)");
  }

  @Test
  @Order(11)
  void explainReadsTheCrdsDocumentation() throws Exception {
    Result r = kubectl("explain", "md.spec.promotion.mode");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("KIND:       ModelDeployment", "Automatic", "Manual");
  }

  @Test
  @Order(12)
  void ferryLocalGetFindsTheInstanceFromItsFolderAndShowsWhereModelsAnswer() throws Exception {
    assertThat(LocalGetCommand.instance(null, dir.resolve("train"))).contains(dir);
    assertThat(LocalGetCommand.instance(null, work.resolve("elsewhere")).map(Path::toAbsolutePath))
        .as("from a folder outside any local mode: the last one started on this machine").contains(dir);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    PrintStream previous = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new picocli.CommandLine(new LocalGetCommand()).execute("md", "--dir", dir.toString());
    } finally {
      System.setOut(previous);
    }
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern(
        "churn\\s+\\w+  production=v4  http://127\\.0\\.0\\.1:\\d+ \\(churn\\.default\\.svc:8080\\)");
  }

  /** A TrainingRun created by hand, as the docs show it; returns the name the API server gave it. */
  private String createRun() throws Exception {
    Result created = kubectl("create", "-f", write("run.yaml", """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingRun
        metadata: {generateName: churn-by-hand-}
        spec:
          pipeline: churn
          trigger: {kind: Manual, source: user/test, reason: kubectl against the local mode}
        """).toString());
    assertThat(created.exit()).as(created.all()).isZero();
    Matcher name = Pattern.compile("trainingrun.ferry.dev/(\\S+) created").matcher(created.out());
    assertThat(name.find()).as(created.out()).isTrue();
    return name.group(1);
  }

  private void awaitKubectl(Duration atMost, String expected, String... args) {
    await().atMost(atMost).pollInterval(Duration.ofSeconds(1)).until(() -> kubectl(args).out(), expected::equals);
  }

  private static String line(String output, String prefix) {
    return output.lines().filter(l -> l.startsWith(prefix + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + prefix + " in:\n" + output)).replaceAll("\\s+$", "");
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(work.resolve(name), text);
  }

  private Result kubectl(String... args) throws IOException, InterruptedException {
    Process p = process(List.of(args));
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  private Process process(List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(kubectlBinary(), "--cache-dir", work.resolve("kube-cache")
        .toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", LocalMode.kubeconfig(dir).toString());
    return builder.start();
  }

  private static String kubectlBinary() {
    for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(folder, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
