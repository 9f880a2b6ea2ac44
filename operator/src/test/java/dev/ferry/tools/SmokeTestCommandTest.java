package dev.ferry.tools;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.net.ServiceUrls;
import dev.ferry.testing.FakeModelServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SmokeTestCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST = "{\"inputs\":[{\"name\":\"tenure\",\"datatype\":\"FP64\",\"shape\":[1],"
      + "\"data\":[12]},{\"name\":\"plan\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"pro\"]}]}";
  private static final String EXPECTED = "{\"outputs\":[{\"name\":\"probability\",\"data\":[0.25]},"
      + "{\"name\":\"churned\",\"data\":[0]}]}";

  @TempDir
  Path dir;

  Path requests;
  Path result;
  FakeModelServer server;

  @BeforeEach
  void setUp() throws IOException {
    requests = Files.createDirectories(dir.resolve("requests"));
    result = dir.resolve("out/result.json");
    server = FakeModelServer.start("churn");
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  record Run(int exit, String out, String err, JsonNode result) {
    JsonNode failure(int i) {
      return result.path("failures").path(i);
    }
  }

  private Run run(Map<String, String> env, String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new SmokeTestCommand(env));
    cl.setOverwrittenOptionsAllowed(true); // smoke(...) appends options that override its defaults
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    assertThat(err.toString()).doesNotContain("\tat ");
    JsonNode json = Files.exists(result) ? JSON.readTree(Files.readAllBytes(result)) : null;
    if (json != null) {
      assertThat(Files.size(result)).isLessThanOrEqualTo(4096);
    }
    return new Run(exit, out.toString(), err.toString(), json);
  }

  /** The usual options against the fake server, plus {@code more}. */
  private Run smoke(String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("--url", server.url(), "--model", "churn", "--requests",
        requests.toString(), "--result", result.toString(), "--ready-timeout-seconds", "2", "--timeout-seconds", "5"));
    args.addAll(List.of(more));
    return run(Map.of(), args.toArray(String[]::new));
  }

  private void file(String name, String content) throws IOException {
    Files.writeString(requests.resolve(name), content, UTF_8);
  }

  @Test
  void passesWhenEveryRequestAnswersAsExpected() throws IOException {
    file("a.json", REQUEST);
    file("a.expected.json", EXPECTED);
    file("b.json", REQUEST.replace("12", "40"));

    Run r = smoke("--version", "7", "--max-latency-ms", "5000");

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
    assertThat(r.result().at("/metrics/requests").asInt()).isEqualTo(6);
    assertThat(r.result().at("/metrics/failed").asInt()).isZero();
    assertThat(r.result().at("/metrics/p95LatencyMs").isNumber()).isTrue();
    assertThat(r.result().path("passed").asBoolean()).isTrue();
    assertThat(r.result().path("failures")).isEmpty();
    assertThat(r.result().path("message").asText())
        .startsWith("6 requests to model churn version 7 passed; p95 latency ").contains("<= max 5000 ms");
    assertThat(server.inferBodies()).hasSize(6).containsOnly(REQUEST, REQUEST.replace("12", "40"));
    assertThat(r.out()).contains("PASS  a.json  3/3 ok", "PASS  b.json  3/3 ok", "PASSED: ");
  }

  @Test
  void optionsComeFromTheEnvironmentInsideAJob() throws IOException {
    file("a.json", REQUEST);
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_SMOKE_URL", server.url() + "/");
    env.put("FERRY_MODEL_NAME", "churn");
    env.put("FERRY_MODEL_VERSION", "3");
    env.put("FERRY_SMOKE_REQUESTS_DIR", requests.toString());
    env.put("FERRY_SMOKE_MAX_LATENCY_MS", "5000");
    env.put("FERRY_SMOKE_REPEAT", "2");
    env.put("FERRY_RESULT_PATH", result.toString());

    Run r = run(env);

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
    assertThat(r.result().at("/metrics/requests").asInt()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).contains("model churn version 3");
  }

  @Test
  void aWrongOutputFailsNamingTheValue() throws IOException {
    file("a.json", REQUEST);
    file("a.expected.json", EXPECTED.replace("0.25", "0.5"));
    file("b.json", REQUEST);
    file("b.expected.json", EXPECTED.replace("0.25", "0.2500001")); // within 1e-6

    Run r = smoke();

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.result().path("passed").asBoolean()).isFalse();
    assertThat(r.result().at("/metrics/failed").asInt()).isEqualTo(3);
    assertThat(r.result().path("failures")).hasSize(1);
    assertThat(r.failure(0).path("request").asText()).isEqualTo("a.json");
    assertThat(r.failure(0).path("reason").asText())
        .isEqualTo("output 'probability'[0] = 0.25, expected 0.5 (tolerance 1.0E-6) (3 of 3 attempts failed)");
    assertThat(r.result().path("message").asText()).startsWith("3 of 6 requests to model churn failed; ")
        .contains("a.json: output 'probability'[0] = 0.25");
    assertThat(r.out()).contains("FAIL  a.json  0/3 ok", "PASS  b.json  3/3 ok", "FAILED: ");
  }

  @Test
  void aLooserToleranceAcceptsTheSameAnswer() throws IOException {
    file("a.json", REQUEST);
    file("a.expected.json", EXPECTED.replace("0.25", "0.26"));
    assertThat(smoke("--tolerance", "0.001").exit()).isEqualTo(1);
    assertThat(smoke("--tolerance", "0.02").exit()).isEqualTo(0);
  }

  @Test
  void http500FailsWithTheServersError() throws IOException {
    file("a.json", REQUEST);
    server.answer(500, "{\"error\":\"model crashed: division by zero\"}");

    Run r = smoke("--repeat", "2");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.failure(0).path("reason").asText())
        .isEqualTo("HTTP 500: model crashed: division by zero (2 of 2 attempts failed)");
    assertThat(r.result().at("/metrics/requests").asInt()).isEqualTo(2);
    assertThat(r.result().at("/metrics/failed").asInt()).isEqualTo(2);
  }

  @Test
  void anAnswerThatIsNotAnInferResponseFails() throws IOException {
    file("a.json", REQUEST);
    server.answer(200, "<html>hello</html>");
    assertThat(smoke().failure(0).path("reason").asText()).startsWith("the response is not JSON: <html>hello</html>");
    server.answer(200, "{\"model_name\":\"churn\"}");
    assertThat(smoke().failure(0).path("reason").asText()).startsWith("the response has no \"outputs\" array");
  }

  @Test
  void slowResponsesOverTheBoundFailTheLatencyCheck() throws IOException {
    file("a.json", REQUEST);
    server.delayMillis(150);

    Run r = smoke("--max-latency-ms", "50", "--repeat", "2");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.result().at("/metrics/failed").asInt()).as("every answer was right").isZero();
    assertThat(r.result().at("/metrics/p95LatencyMs").asDouble()).isGreaterThanOrEqualTo(150);
    assertThat(r.failure(0).path("request").asText()).isEqualTo("*");
    assertThat(r.failure(0).path("reason").asText()).startsWith("p95 latency ").endsWith(" > max 50 ms");
    assertThat(r.result().path("message").asText()).contains("> max 50 ms");
  }

  @Test
  void p95IsTheNearestRankSoOneSlowAnswerInTwentyIsTolerated() throws IOException {
    file("a.json", REQUEST);
    server.delayMillis(400, 0);
    assertThat(smoke("--max-latency-ms", "300", "--repeat", "20").exit()).isEqualTo(0);
    server.close();
    server = FakeModelServer.start("churn").delayMillis(400, 0);
    assertThat(smoke("--max-latency-ms", "300", "--repeat", "19").exit()).as("1 in 19 is over 5%").isEqualTo(1);
  }

  @Test
  void aServerThatNeverBecomesReadyCannotBeTested() throws IOException {
    file("a.json", REQUEST);
    server.ready(false);

    Run r = smoke("--ready-timeout-seconds", "1");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("passed").asBoolean()).isFalse();
    assertThat(r.result().path("message").asText())
        .isEqualTo("could not run: the server at " + server.url() + " was not ready after 1 s (last: HTTP 503 from"
            + " /v2/health/ready)");
    assertThat(server.readyChecks()).isGreaterThanOrEqualTo(2);
    assertThat(server.inferBodies()).isEmpty();
  }

  @Test
  void aServerThatBecomesReadyWithinTheWaitIsTested() throws Exception {
    file("a.json", REQUEST);
    server.ready(false);
    Thread flip = new Thread(() -> {
      try {
        Thread.sleep(800);
      } catch (InterruptedException e) {
        return;
      }
      server.ready(true);
    });
    flip.start();
    Run r = smoke("--ready-timeout-seconds", "10");
    flip.join();
    assertThat(r.exit()).as(r.out()).isEqualTo(0);
    assertThat(r.out()).contains("waiting up to 10 s for /v2/health/ready (HTTP 503 from /v2/health/ready)");
  }

  @Test
  void anUnreachableServerCannotBeTested() throws IOException {
    file("a.json", REQUEST);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Run r = run(Map.of(), "--url", "http://127.0.0.1:" + port, "--model", "churn", "--requests", requests.toString(),
        "--result", result.toString(), "--ready-timeout-seconds", "1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).contains("was not ready after 1 s (last: cannot connect");
    assertThat(r.err()).contains("smoke-test: the server at http://127.0.0.1:" + port);
  }

  @Test
  void aMalformedRequestFileStopsTheTestBeforeAnyRequest() throws IOException {
    file("a.json", REQUEST);
    file("b.json", "{\"inputs\": [\n  {\"name\": \"tenure\",}\n]}");

    Run r = smoke();

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).startsWith("could not run: b.json: not valid JSON at line 2, column");
    assertThat(server.inferBodies()).isEmpty();
    assertThat(server.readyChecks()).isZero();
  }

  @Test
  void requestFilesMustBeInferRequests() throws IOException {
    file("a.json", "{\"parameters\": {}}");
    assertThat(smoke().result().path("message").asText()).contains("a.json: not an Open Inference Protocol v2 infer"
        + " request: needs a non-empty \"inputs\" array");
    file("a.json", "{\"inputs\":[{\"name\":\"tenure\",\"shape\":[1],\"data\":[1]}]}");
    assertThat(smoke().result().path("message").asText()).contains("a.json: input 'tenure' has no \"datatype\"");
    file("a.json", REQUEST);
    file("a.expected.json", "{\"outputs\":[{\"name\":\"probability\"}]}");
    assertThat(smoke().result().path("message").asText()).contains("a.expected.json: output 'probability' needs"
        + " \"data\" (the values), \"range\" ({\"min\": a, \"max\": b}) or \"oneOf\" (the allowed values)");
    file("a.expected.json", "{\"outputs\":[{\"name\":\"probability\",\"range\":{\"min\":1,\"max\":0}}]}");
    assertThat(smoke().result().path("message").asText()).contains("output 'probability': range min 1 is above max 0");
    file("a.expected.json", "{\"outputs\":[{\"name\":\"probability\",\"data\":[0.2],\"absoluteTolerance\":-1}]}");
    assertThat(smoke().result().path("message").asText())
        .contains("output 'probability': absoluteTolerance must be a number >= 0, got -1");
    Files.delete(requests.resolve("a.json"));
    Run r = smoke();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).contains("a.expected.json has no request a.json");
  }

  @Test
  void noRequestsOrNoOptionsCannotRun() throws IOException {
    Run r = smoke();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).startsWith("could not run: no requests in " + requests);

    r = run(Map.of("FERRY_RESULT_PATH", result.toString()), "--model", "churn");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.result().path("message").asText()).isEqualTo("could not run: no server: give --url URL or set"
        + " FERRY_SMOKE_URL");
    assertThat(run(Map.of(), "--url", "churn:8080", "--model", "m", "--requests", "x").err())
        .contains("'churn:8080' is not an http(s) URL");
    assertThat(run(Map.of("FERRY_SMOKE_REPEAT", "three"), "--url", server.url(), "--model", "m", "--requests",
        requests.toString()).err()).contains("FERRY_SMOKE_REPEAT is not a whole number: 'three'");
    assertThat(run(Map.of(), "--repeat", "abc").exit()).as("picocli's usage error").isEqualTo(2);
  }

  @Test
  void theResultStaysWithin4KiBWhenEverythingFails() throws IOException {
    for (int i = 0; i < 60; i++) {
      file(String.format("request-with-a-rather-long-name-%03d.json", i), REQUEST);
    }
    server.answer(500, "{\"error\":\"" + "a very long server error message ".repeat(40) + "\"}");

    Run r = smoke("--repeat", "1");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(Files.size(result)).isLessThanOrEqualTo(4096).isGreaterThan(3000);
    assertThat(r.result().at("/metrics/requests").asInt()).isEqualTo(60);
    assertThat(r.result().at("/metrics/failed").asInt()).isEqualTo(60);
    int kept = r.result().path("failures").size();
    assertThat(kept).isPositive();
    assertThat(r.result().path("failuresOmitted").asInt()).isEqualTo(60 - kept);
    assertThat(r.failure(0).path("reason").asText()).hasSizeLessThanOrEqualTo(303);
  }

  @Test
  void aServiceUrlReachesTheLocalServerThroughServiceUrls() throws IOException {
    file("a.json", REQUEST);
    file("a.expected.json", EXPECTED);
    Path services = dir.resolve("services.json");
    ServiceUrls.write(services, Map.of("churn-staging.ml:8080", "127.0.0.1:" + server.port()));
    Map<String, String> env = Map.of(ServiceUrls.ENV_LOCAL_SERVICES, services.toString(), ServiceUrls.ENV_NAMESPACE, "ml");

    Run r = run(env, "--url", "http://churn-staging:8080", "--model", "churn", "--requests", requests.toString(),
        "--result", result.toString());

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
    assertThat(r.out()).contains("at http://churn-staging:8080 (http://127.0.0.1:" + server.port() + ")");
  }

  @Test
  void aMountedConfigMapIsReadThroughItsSymlinksAndHiddenEntriesAreSkipped() throws IOException {
    // The kubelet's layout: ..<timestamp>/ holds the files, ..data links to it, each key links through ..data.
    Path stamp = Files.createDirectories(requests.resolve("..2026_01_01_00_00_00.1"));
    Files.writeString(stamp.resolve("a.json"), REQUEST);
    Files.writeString(stamp.resolve("a.expected.json"), EXPECTED);
    Files.createSymbolicLink(requests.resolve("..data"), stamp.getFileName());
    Files.createSymbolicLink(requests.resolve("a.json"), Path.of("..data/a.json"));
    Files.createSymbolicLink(requests.resolve("a.expected.json"), Path.of("..data/a.expected.json"));
    Files.writeString(requests.resolve("README.md"), "not a request");

    Run r = smoke("--repeat", "1");

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
    assertThat(r.result().at("/metrics/requests").asInt()).isEqualTo(1);
  }

  @Test
  void jsonOutputPrintsTheResult() throws IOException {
    file("a.json", REQUEST);
    Run r = smoke("--output", "json", "--repeat", "1");
    assertThat(JSON.readTree(r.out()).path("passed").asBoolean()).isTrue();
  }

  @Test
  void helpNamesTheEnvironmentAndExitCodes() throws IOException {
    Run r = run(Map.of(), "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("FERRY_SMOKE_URL", "FERRY_SMOKE_REQUESTS_DIR", "--max-latency-ms",
        "the test could not run");
  }
}
