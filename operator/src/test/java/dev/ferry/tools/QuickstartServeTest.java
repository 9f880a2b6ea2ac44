package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The quickstart's serving path for real: Train.java trains a model from the committed dataset,
 * {@code java Serve.java} serves it as a separate process, and smoke-test runs the committed
 * requests of examples/quickstart/smoke against it. Their expected outputs were produced the same
 * way, so this also proves they can be regenerated (serve/README.md says how).
 */
class QuickstartServeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START = Duration.ofSeconds(90);

  private static Path quickstart;
  private static Path modelDir;
  private static Process serve;
  private static Path serveLog;
  private static String url;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void trainAndServe(@TempDir Path dir) throws Exception {
    quickstart = Path.of(System.getProperty("ferry.projectRoot", "..")).toAbsolutePath().normalize()
        .resolve("examples/quickstart");
    modelDir = dir.resolve("model");
    Process train = java("train/Train.java", Map.of(
        "FERRY_DATASET_PATH", quickstart.resolve("data/churn.csv").toString(),
        "FERRY_MODEL_PATH", modelDir.toString(),
        "FERRY_RESULT_PATH", dir.resolve("train.json").toString()), dir.resolve("train.log"));
    if (!train.waitFor(START.toSeconds(), TimeUnit.SECONDS)) {
      train.destroyForcibly();
      fail("Train.java took over " + START.toSeconds() + " s");
    }
    assertThat(train.exitValue()).as(Files.readString(dir.resolve("train.log"))).isZero();

    serveLog = dir.resolve("serve.log");
    serve = java("serve/Serve.java", Map.of(
        "FERRY_MODEL_PATH", modelDir.toString(),
        "FERRY_SERVER_PORT", "0",
        "FERRY_MODEL_NAME", "churn",
        "FERRY_MODEL_VERSION", "1"), serveLog);
    Process started = serve;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    url = "http://127.0.0.1:" + awaitReady();
  }

  private static Process java(String source, Map<String, String> env, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), source)
        .directory(quickstart.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** The port Serve.java printed, once it also printed that the model is ready. */
  private static int awaitReady() throws Exception {
    Pattern listening = Pattern.compile("listening on port (\\d+)");
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      String log = Files.readString(serveLog);
      Matcher m = listening.matcher(log);
      if (m.find() && log.contains("model churn version 1 ready")) {
        return Integer.parseInt(m.group(1));
      }
      if (!serve.isAlive()) {
        fail("Serve.java exited with " + serve.exitValue() + ":\n" + log);
      }
      Thread.sleep(100);
    }
    fail("Serve.java was not ready within " + START.toSeconds() + " s:\n" + Files.readString(serveLog));
    return -1;
  }

  @AfterAll
  static void stopServing() throws InterruptedException {
    if (serve != null) {
      serve.destroy(); // SIGTERM, as the kubelet sends
      if (!serve.waitFor(10, TimeUnit.SECONDS)) {
        serve.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Its exit code, and what it printed (for assertion messages). */
  private record Smoke(int exit, String out) {
  }

  private static Smoke smokeTest(Path requests, Path result) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new SmokeTestCommand(Map.of()));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    int exit = cl.execute("--url", url, "--model", "churn", "--version", "1", "--requests", requests.toString(),
        "--max-latency-ms", "1000", "--result", result.toString());
    return new Smoke(exit, out.toString());
  }

  @Test
  void theCommittedSmokeRequestsPassAgainstAFreshlyTrainedModel(@TempDir Path dir) throws Exception {
    Path result = dir.resolve("result.json");
    Smoke smoke = smokeTest(quickstart.resolve("smoke"), result);
    assertThat(smoke.exit()).as(smoke.out()).isZero();
    JsonNode json = JSON.readTree(Files.readAllBytes(result));
    assertThat(json.path("passed").asBoolean()).isTrue();
    assertThat(json.at("/metrics/requests").asInt()).isEqualTo(6);
    assertThat(json.at("/metrics/failed").asInt()).isZero();
    assertThat(json.at("/metrics/p95LatencyMs").asDouble()).isLessThan(1000);
  }

  @Test
  void aWrongExpectationFailsTheSmokeTestAgainstTheRealServer(@TempDir Path dir) throws Exception {
    Path requests = Files.createDirectories(dir.resolve("requests"));
    try (Stream<Path> files = Files.list(quickstart.resolve("smoke"))) {
      for (Path f : files.toList()) {
        Files.copy(f, requests.resolve(f.getFileName()));
      }
    }
    Path expected = requests.resolve("one-customer.expected.json");
    Files.writeString(expected, Files.readString(expected).replace("\"data\":[1]", "\"data\":[0]"));
    Path result = dir.resolve("result.json");

    Smoke smoke = smokeTest(requests, result);
    assertThat(smoke.exit()).as(smoke.out()).isEqualTo(1);
    JsonNode json = JSON.readTree(Files.readAllBytes(result));
    assertThat(json.at("/failures/0/request").asText()).isEqualTo("one-customer.json");
    assertThat(json.at("/failures/0/reason").asText()).startsWith("output 'churned'[0] = 1, expected 0");
  }

  @Test
  void healthAndMetadataFollowTheProtocol() throws Exception {
    assertThat(get("/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/v2/models/churn/versions/1/ready").statusCode()).isEqualTo(200);

    HttpResponse<String> meta = get("/v2/models/churn");
    assertThat(meta.statusCode()).isEqualTo(200);
    JsonNode m = JSON.readTree(meta.body());
    assertThat(m.path("name").asText()).isEqualTo("churn");
    assertThat(m.path("versions").toString()).isEqualTo("[\"1\"]");
    assertThat(m.path("inputs").findValuesAsText("name"))
        .containsExactly("tenure", "monthly_charges", "support_calls", "plan", "channel");
    assertThat(m.path("inputs").findValuesAsText("datatype")).containsExactly("FP64", "FP64", "FP64", "BYTES", "BYTES");
    assertThat(m.path("outputs").findValuesAsText("name")).containsExactly("probability", "churned");

    assertThat(get("/v2/models/other").statusCode()).isEqualTo(404);
    assertThat(get("/v2/models/churn/versions/2").statusCode()).isEqualTo(404);
    assertThat(get("/v2/models/churn/infer").statusCode()).isEqualTo(405);
  }

  @Test
  void inferAnswersEveryRowAndVersionedPathsWork() throws Exception {
    String request = Files.readString(quickstart.resolve("smoke/four-customers.json"));
    HttpResponse<String> r = post("/v2/models/churn/versions/1/infer", request);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("model_name").asText()).isEqualTo("churn");
    assertThat(body.path("model_version").asText()).isEqualTo("1");
    JsonNode probability = body.at("/outputs/0");
    JsonNode churned = body.at("/outputs/1");
    assertThat(probability.path("datatype").asText()).isEqualTo("FP64");
    assertThat(churned.path("datatype").asText()).isEqualTo("INT64");
    assertThat(probability.path("shape").toString()).isEqualTo("[4]");
    for (int i = 0; i < 4; i++) {
      double p = probability.path("data").get(i).asDouble();
      assertThat(p).isBetween(0.0, 1.0);
      assertThat(churned.path("data").get(i).asInt()).isEqualTo(p >= 0.5 ? 1 : 0);
    }
  }

  @Test
  void aMissingInputIsA400NamingIt() throws Exception {
    String request = Files.readString(quickstart.resolve("smoke/one-customer.json"))
        .replaceAll("\\s*\\{\"name\": \"plan\"[^}]*},", "");
    assertThat(request).doesNotContain("\"plan\"");
    HttpResponse<String> r = post("/v2/models/churn/infer", request);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").asText()).startsWith("missing input 'plan'");

    r = post("/v2/models/churn/infer", "{\"inputs\": [");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").asText()).startsWith("the request body is not valid JSON");
  }

  @Test
  void metricsCountInferRequestsInPrometheusFormat() throws Exception {
    long ok = counter("ferry_model_requests_total{code=\"200\"}");
    long bad = counter("ferry_model_requests_total{code=\"400\"}");
    long count = counter("ferry_model_request_duration_seconds_count");
    post("/v2/models/churn/infer", Files.readString(quickstart.resolve("smoke/one-customer.json")));
    post("/v2/models/churn/infer", "{}");

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(metrics.body()).contains("# TYPE ferry_model_requests_total counter",
        "# TYPE ferry_model_request_duration_seconds summary", "ferry_model_request_duration_seconds_sum ");
    assertThat(counter("ferry_model_requests_total{code=\"200\"}")).isEqualTo(ok + 1);
    assertThat(counter("ferry_model_requests_total{code=\"400\"}")).isEqualTo(bad + 1);
    assertThat(counter("ferry_model_request_duration_seconds_count")).isEqualTo(count + 2);
  }

  private static long counter(String series) throws Exception {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return (long) Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    return 0;
  }

  @Test
  void withoutAModelServeExitsWithAMessage(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("serve.log");
    Process p = java("serve/Serve.java", Map.of("FERRY_MODEL_PATH", dir.resolve("none").toString(),
        "FERRY_SERVER_PORT", "0"), log);
    assertThat(p.waitFor(START.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(log)).contains("error: model file not found: " + dir.resolve("none/model.json"))
        .doesNotContain("\tat ");
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSizeLessThanOrEqualTo(2);
  }
}
