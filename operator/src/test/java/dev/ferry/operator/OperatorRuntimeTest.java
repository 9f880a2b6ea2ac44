package dev.ferry.operator;

import static dev.ferry.testing.Fixtures.manualRun;
import static dev.ferry.testing.Fixtures.pipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.local.LocalJobController;
import dev.ferry.testing.ScriptedRunner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator as it runs for real: metrics, health, leader election, JSON logs and SIGTERM. */
class OperatorRuntimeTest {
  private EmbeddedApiServer api;
  private KubernetesClient client;
  private LocalJobController jobs;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start(0);
    client = api.client();
    ScriptedRunner runner = new ScriptedRunner()
        .succeed("evaluate", "{\"metrics\": {\"auc\": 0.9}}");
    jobs = new LocalJobController(client, runner, Clock.systemUTC(), 4).start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    jobs.close();
    api.close();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void trainOnce(String namespace, String run) {
    var p = pipeline("churn");
    p.getMetadata().setNamespace(namespace);
    if (client.resources(p.getClass()).inNamespace(namespace).withName("churn").get() == null) {
      client.resource(p).create();
    }
    var r = manualRun(run, "churn");
    r.getMetadata().setNamespace(namespace);
    client.resource(r).create();
  }

  private boolean succeeded(String namespace, String run) {
    TrainingRun r = client.resources(TrainingRun.class).inNamespace(namespace).withName(run).get();
    return r != null && r.getStatus() != null && r.getStatus().phase != null
        && r.getStatus().phase.name().equals("Succeeded");
  }

  @Test
  void metricsAndHealthAreServedWithFerrysOwnMetrics() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FerryOperator operator = new FerryOperator(client, FerryConfig.defaults(), Clock.systemUTC(), false,
        OutsideSystems.real(java.util.Map.of()), registry).start();
    closeables.add(operator);
    OperatorHttpServer server = OperatorHttpServer.start(0, operator.operator(), registry);
    closeables.add(server);

    trainOnce("ml", "churn-r1");
    await().atMost(Duration.ofSeconds(30)).until(() -> succeeded("ml", "churn-r1"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String metrics = get(server.port(), "/metrics").body();
      assertThat(metrics).contains("ferry_training_runs_started_total{trigger=\"Manual\"} 1.0",
          "ferry_training_runs_finished_total{result=\"Succeeded\"} 1.0",
          "ferry_step_duration_seconds_count{step=\"train\"} 1",
          "ferry_model_versions_registered_total 1.0",
          "operator_sdk_reconciliations");
    });
    assertThat(get(server.port(), "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(server.port(), "/readyz").statusCode()).isEqualTo(200);
    operator.close();
    assertThat(get(server.port(), "/readyz").statusCode()).as("a stopped operator is not ready").isEqualTo(503);
  }

  @Test
  void withLeaderElectionOneReplicaReconcilesAndTheOtherTakesOverWhenItStops() {
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName("ferry-system").endMetadata().build()).create();
    FerryOperator first = elected("first");
    await().atMost(Duration.ofSeconds(10)).until(() -> holder().filter("first"::equals).isPresent());
    FerryOperator second = elected("second");
    trainOnce("ml", "churn-r1");
    await().atMost(Duration.ofSeconds(30)).until(() -> succeeded("ml", "churn-r1"));
    assertThat(holder()).contains("first");
    assertThat(reconciles(second)).as("the standby replica reconciles nothing").isZero();

    first.close();
    await().atMost(Duration.ofSeconds(20)).until(() -> holder().filter("second"::equals).isPresent());
    trainOnce("ml", "churn-r2");
    await().atMost(Duration.ofSeconds(30)).until(() -> succeeded("ml", "churn-r2"));
    assertThat(reconciles(second)).isPositive();
  }

  private FerryOperator elected(String identity) {
    var election = new FerryConfig.LeaderElection("ferry-operator", "ferry-system", identity, Duration.ofSeconds(4),
        Duration.ofSeconds(3), Duration.ofMillis(500), false);
    FerryOperator operator = new FerryOperator(client, new FerryConfig("ferry:test", Set.of(), Optional.of(election)),
        Clock.systemUTC(), false, OutsideSystems.real(java.util.Map.of()),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    closeables.add(operator);
    // JOSDK starts the controllers only once this replica holds the lease; start() itself returns at once.
    new Thread(operator::start, "start-" + identity).start();
    return operator;
  }

  private Optional<String> holder() {
    var lease = client.leases().inNamespace("ferry-system").withName("ferry-operator").get();
    return lease == null || lease.getSpec() == null ? Optional.empty()
        : Optional.ofNullable(lease.getSpec().getHolderIdentity());
  }

  private static double reconciles(FerryOperator operator) {
    return operator.metrics().registry().find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  @Test
  void theOperatorCommandLogsJsonWithTheResourceAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        contexts: [{name: mock, context: {cluster: mock, user: mock}}]
        current-context: mock
        users: [{name: mock, user: {}}]
        """.formatted(api.url()));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ferry.Main",
        "operator", "--log-format", "json", "--metrics-port", "0").redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    Process process = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // The process ended.
      }
    });
    reader.start();
    try {
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream().anyMatch(l -> l.contains("Ferry operator started")));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("the operator did not log that it started; it printed:\n" + String.join("\n", lines), e);
      }
      trainOnce("ml", "churn-r1");
      await().atMost(Duration.ofSeconds(30)).until(() -> succeeded("ml", "churn-r1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.contains("registered ModelVersion")));
    } finally {
      // SIGTERM through the handle: Process.destroy() would also close our end of its output.
      process.toHandle().destroy();
    }
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    reader.join(5000);
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> parsed = new ArrayList<>();
    for (String line : lines) {
      parsed.add(json.readTree(line));
    }
    assertThat(parsed).as("every line is JSON").allSatisfy(n -> assertThat(n.has("level")).isTrue());
    JsonNode registered = parsed.stream().filter(n -> n.path("formattedMessage").asText().contains("registered ModelVersion"))
        .findFirst().orElseThrow();
    assertThat(registered.path("mdc").path("resource.namespace").asText()).isEqualTo("ml");
    assertThat(registered.path("mdc").path("resource.name").asText()).isEqualTo("churn-r1");
    assertThat(String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())))
        .as("the shutdown is logged").contains("stopping");
  }
}
