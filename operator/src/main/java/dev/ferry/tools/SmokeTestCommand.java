package dev.ferry.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.net.ServiceUrls;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Sends Open Inference Protocol v2 infer requests to a model server and judges the answers: status
 * 200, a JSON body with {@code outputs}, the expected outputs where a request has them, and the
 * p95 latency (nearest rank, over every answered request) against a bound. It first waits, for a
 * bounded time, until the server is ready.
 *
 * <p>Exit codes: 0 every check passed, 1 a check failed, 2 the test could not run (no or bad
 * request files, bad options, a server that never became ready). Inside a Ferry Job the options
 * come from the environment, which is injected so tests and embedders can pass their own. The
 * result JSON (at most 4096 bytes) goes to {@code FERRY_RESULT_PATH}; a failure of the latency
 * bound is listed with request {@code "*"}.
 */
@Command(name = "smoke-test",
    description = "Sends Open Inference Protocol v2 infer requests to a model server and checks the status, the"
        + " outputs (against <name>.expected.json when present) and the p95 latency. Waits for the server to be"
        + " ready first.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every request passed",
        "1:a request failed, or the p95 latency is over the bound",
        "2:the test could not run: no or bad request files, bad options, or the server never became ready"},
    footerHeading = "%nEnvironment (used when the option is absent):%n",
    footer = {
        "  FERRY_SMOKE_URL                    --url",
        "  FERRY_MODEL_NAME                   --model",
        "  FERRY_MODEL_VERSION                --version",
        "  FERRY_SMOKE_REQUESTS_DIR           --requests",
        "  FERRY_SMOKE_MAX_LATENCY_MS         --max-latency-ms",
        "  FERRY_SMOKE_TOLERANCE              --tolerance",
        "  FERRY_SMOKE_REPEAT                 --repeat",
        "  FERRY_SMOKE_TIMEOUT_SECONDS        --timeout-seconds",
        "  FERRY_SMOKE_READY_TIMEOUT_SECONDS  --ready-timeout-seconds",
        "  FERRY_SMOKE_READY_PATH             --ready-path",
        "  FERRY_RESULT_PATH                  --result",
        "  FERRY_LOCAL_SERVICES, FERRY_NAMESPACE  how Service URLs are reached in Ferry's local mode"})
public class SmokeTestCommand implements Callable<Integer> {
  static final int PASSED = 0;
  static final int FAILED = 1;
  static final int COULD_NOT_RUN = 2;

  static final String ENV_URL = "FERRY_SMOKE_URL";
  static final String ENV_MODEL = "FERRY_MODEL_NAME";
  static final String ENV_VERSION = "FERRY_MODEL_VERSION";
  static final String ENV_REQUESTS_DIR = "FERRY_SMOKE_REQUESTS_DIR";
  static final String ENV_MAX_LATENCY_MS = "FERRY_SMOKE_MAX_LATENCY_MS";
  static final String ENV_TOLERANCE = "FERRY_SMOKE_TOLERANCE";
  static final String ENV_REPEAT = "FERRY_SMOKE_REPEAT";
  static final String ENV_TIMEOUT_SECONDS = "FERRY_SMOKE_TIMEOUT_SECONDS";
  static final String ENV_READY_TIMEOUT_SECONDS = "FERRY_SMOKE_READY_TIMEOUT_SECONDS";
  static final String ENV_READY_PATH = "FERRY_SMOKE_READY_PATH";
  static final String ENV_RESULT_PATH = "FERRY_RESULT_PATH";

  static final double DEFAULT_TOLERANCE = 1e-6;
  static final int DEFAULT_REPEAT = 3;
  static final int DEFAULT_TIMEOUT_SECONDS = 30;
  static final int DEFAULT_READY_TIMEOUT_SECONDS = 60;
  static final String DEFAULT_READY_PATH = "/v2/health/ready";
  /** Body text quoted in a failure reason. */
  private static final int SNIPPET = 200;
  private static final Duration READY_POLL = Duration.ofMillis(500);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What stdout shows. */
  public enum Output { text, json }

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--url", paramLabel = "URL",
      description = "Base URL of the model server, e.g. http://churn-staging.ml.svc:8080.")
  String url;

  @Option(names = "--model", paramLabel = "NAME", description = "Model name in /v2/models/<name>/infer.")
  String model;

  @Option(names = "--version", paramLabel = "VERSION",
      description = "Model version, for the report only (requests go to /v2/models/<name>/infer).")
  String version;

  @Option(names = "--requests", paramLabel = "DIR",
      description = "Directory of <name>.json infer requests, each with an optional <name>.expected.json"
          + " {\"outputs\": [{\"name\", \"data\"}]}.")
  Path requests;

  @Option(names = "--max-latency-ms", paramLabel = "MS",
      description = "Largest acceptable p95 latency in milliseconds. Default: no bound.")
  Double maxLatencyMs;

  @Option(names = "--tolerance", paramLabel = "X",
      description = "Numbers match when |actual - expected| <= X * max(1, |expected|). Default 1e-6.")
  Double tolerance;

  @Option(names = "--repeat", paramLabel = "N", description = "Send each request N times. Default 3.")
  Integer repeat;

  @Option(names = "--timeout-seconds", paramLabel = "S", description = "Timeout of each request. Default 30.")
  Integer timeoutSeconds;

  @Option(names = "--ready-timeout-seconds", paramLabel = "S",
      description = "How long to wait for the server to be ready. Default 60.")
  Integer readyTimeoutSeconds;

  @Option(names = "--ready-path", paramLabel = "PATH",
      description = "Readiness path that answers 200 when the server is ready. Default /v2/health/ready.")
  String readyPath;

  @Option(names = "--result", paramLabel = "PATH",
      description = "Write the result JSON (at most 4096 bytes) here, e.g. /dev/termination-log.")
  Path result;

  @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
      description = "What stdout shows: text for people (default) or the result JSON.")
  Output output = Output.text;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  /** Reads the environment of the process. */
  public SmokeTestCommand() {
    this(System.getenv());
  }

  /** Reads {@code env} instead of the environment of the process. */
  public SmokeTestCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The options as used, after the environment and the defaults. */
  private record Settings(URI base, String shownUrl, String model, String version, Path requests, Double maxLatencyMs,
      double tolerance, int repeat, int timeoutSeconds, int readyTimeoutSeconds, String readyPath) {
  }

  /** One infer call: how long it took when it got an answer, and why it failed if it did. */
  private record Attempt(Double latencyMs, String failure) {
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path resultPath = result != null ? result : path(env(ENV_RESULT_PATH));
    SmokeTestResult outcome;
    int exit;
    try {
      Settings s = settings();
      List<SmokeTestCases.Case> cases = SmokeTestCases.load(s.requests());
      HttpClient http = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(Math.min(s.timeoutSeconds(), 10)))
          .build();
      if (output == Output.text) {
        out.printf("smoke-test: model %s%s at %s: %d request file(s) x %d%n", s.model(),
            s.version() == null ? "" : " version " + s.version(), s.shownUrl(), cases.size(), s.repeat());
        out.flush();
      }
      awaitReady(http, s, out);
      outcome = run(http, s, cases, out);
      exit = outcome.passed() ? PASSED : FAILED;
    } catch (SmokeTestCases.Unusable e) {
      err.println("smoke-test: " + e.getMessage());
      err.flush();
      outcome = SmokeTestResult.couldNotRun("could not run: " + e.getMessage());
      exit = COULD_NOT_RUN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = SmokeTestResult.couldNotRun("could not run: interrupted");
      exit = COULD_NOT_RUN;
    } catch (RuntimeException e) {
      // A bug, not bad input; still one line, not a stack trace, and still a result for the operator.
      err.println("smoke-test: internal error: " + e);
      err.flush();
      outcome = SmokeTestResult.couldNotRun("could not run: internal error: " + e);
      exit = COULD_NOT_RUN;
    }
    if (output == Output.json) {
      out.println(outcome.toJsonString());
    } else {
      out.println((exit == PASSED ? "PASSED: " : exit == FAILED ? "FAILED: " : "ERROR: ") + outcome.message());
    }
    out.flush();
    if (resultPath != null) {
      try {
        Path parent = resultPath.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.write(resultPath, outcome.toJson(SmokeTestResult.LIMIT));
      } catch (IOException e) {
        err.println("smoke-test: cannot write the result to " + resultPath + ": " + e.getMessage());
        err.flush();
        return COULD_NOT_RUN;
      }
    }
    return exit;
  }

  // ---- Checks ----

  private void awaitReady(HttpClient http, Settings s, PrintWriter out) throws SmokeTestCases.Unusable,
      InterruptedException {
    URI ready = URI.create(join(s.base(), s.readyPath()));
    long deadline = System.nanoTime() + Duration.ofSeconds(s.readyTimeoutSeconds()).toNanos();
    String last;
    boolean told = false;
    while (true) {
      long left = deadline - System.nanoTime();
      Duration timeout = Duration.ofNanos(Math.max(Math.min(left, Duration.ofSeconds(5).toNanos()),
          Duration.ofMillis(200).toNanos()));
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(timeout).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = "HTTP " + r.statusCode() + " from " + s.readyPath();
      } catch (IOException e) {
        last = ioReason(e, timeout);
      }
      if (System.nanoTime() + READY_POLL.toNanos() > deadline) {
        throw new SmokeTestCases.Unusable("the server at " + s.shownUrl() + " was not ready after "
            + s.readyTimeoutSeconds() + " s (last: " + last + ")");
      }
      if (!told && output == Output.text) {
        out.println("waiting up to " + s.readyTimeoutSeconds() + " s for " + s.readyPath() + " (" + last + ")");
        out.flush();
        told = true;
      }
      Thread.sleep(READY_POLL.toMillis());
    }
  }

  private SmokeTestResult run(HttpClient http, Settings s, List<SmokeTestCases.Case> cases, PrintWriter out)
      throws InterruptedException {
    URI infer = URI.create(join(s.base(), "/v2/models/" + URLEncoder.encode(s.model(), StandardCharsets.UTF_8)
        .replace("+", "%20") + "/infer"));
    List<Double> latencies = new ArrayList<>();
    List<SmokeTestResult.Failure> failures = new ArrayList<>();
    int sent = 0;
    int failed = 0;
    for (SmokeTestCases.Case c : cases) {
      String firstFailure = null;
      int caseFailed = 0;
      List<Double> caseLatencies = new ArrayList<>();
      for (int i = 0; i < s.repeat(); i++) {
        Attempt a = send(http, infer, c, s);
        sent++;
        if (a.latencyMs() != null) {
          latencies.add(a.latencyMs());
          caseLatencies.add(a.latencyMs());
        }
        if (a.failure() != null) {
          caseFailed++;
          if (firstFailure == null) {
            firstFailure = a.failure();
          }
        }
      }
      failed += caseFailed;
      if (firstFailure != null) {
        failures.add(new SmokeTestResult.Failure(c.name(), firstFailure + (s.repeat() > 1
            ? " (" + caseFailed + " of " + s.repeat() + " attempts failed)" : "")));
      }
      if (output == Output.text) {
        Double p95 = SmokeTestResult.p95(caseLatencies);
        out.printf(Locale.ROOT, "  %s  %s  %d/%d ok%s%s%n", firstFailure == null ? "PASS" : "FAIL", c.name(),
            s.repeat() - caseFailed, s.repeat(), p95 == null ? "" : String.format(Locale.ROOT, "  p95 %.1f ms", p95),
            firstFailure == null ? "" : "  " + firstFailure);
        out.flush();
      }
    }
    Double p95 = SmokeTestResult.p95(latencies);
    boolean slow = s.maxLatencyMs() != null && p95 != null && p95 > s.maxLatencyMs();
    String latency = p95 == null ? "no response to measure latency"
        : "p95 latency " + ms(p95) + (s.maxLatencyMs() == null ? "" : (slow ? " > max " : " <= max ")
            + ms(s.maxLatencyMs()));
    if (slow) {
      failures.add(0, new SmokeTestResult.Failure(SmokeTestResult.ALL_REQUESTS, latency));
    }
    boolean passed = failed == 0 && !slow;
    String who = "model " + s.model() + (s.version() == null ? "" : " version " + s.version());
    StringBuilder message = new StringBuilder();
    if (passed) {
      message.append(sent).append(" requests to ").append(who).append(" passed; ").append(latency);
    } else {
      message.append(failed).append(" of ").append(sent).append(" requests to ").append(who).append(" failed; ")
          .append(latency);
      for (SmokeTestResult.Failure f : failures) {
        if (!f.request().equals(SmokeTestResult.ALL_REQUESTS) && message.length() < 600) {
          message.append("; ").append(f.request()).append(": ").append(shorten(f.reason(), 200));
        }
      }
    }
    return new SmokeTestResult(sent, failed, p95, passed, failures, message.toString());
  }

  private Attempt send(HttpClient http, URI infer, SmokeTestCases.Case c, Settings s) throws InterruptedException {
    Duration timeout = Duration.ofSeconds(s.timeoutSeconds());
    HttpRequest request = HttpRequest.newBuilder(infer).timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(c.body()))
        .build();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return new Attempt(null, ioReason(e, timeout));
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    String body = new String(r.body(), StandardCharsets.UTF_8);
    if (r.statusCode() != 200) {
      return new Attempt(ms, "HTTP " + r.statusCode() + ": " + errorText(body));
    }
    JsonNode response;
    try {
      response = JSON.readTree(body);
    } catch (IOException e) {
      response = null;
    }
    if (response == null || !response.isObject()) {
      return new Attempt(ms, "the response is not JSON: " + snippet(body));
    }
    if (!response.path("outputs").isArray()) {
      return new Attempt(ms, "the response has no \"outputs\" array: " + snippet(body));
    }
    if (c.expected() != null) {
      String mismatch = InferOutputs.mismatch(c.expected(), response, s.tolerance());
      if (mismatch != null) {
        return new Attempt(ms, mismatch);
      }
    }
    return new Attempt(ms, null);
  }

  // ---- Options ----

  private Settings settings() throws SmokeTestCases.Unusable {
    String rawUrl = first(url, env(ENV_URL));
    if (rawUrl == null) {
      throw new SmokeTestCases.Unusable("no server: give --url URL or set " + ENV_URL);
    }
    URI base;
    try {
      base = URI.create(rawUrl.trim());
    } catch (IllegalArgumentException e) {
      throw new SmokeTestCases.Unusable("the server URL '" + rawUrl + "' is not a URL: " + e.getMessage());
    }
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
      throw new SmokeTestCases.Unusable("the server URL '" + rawUrl + "' is not an http(s) URL");
    }
    try {
      base = ServiceUrls.resolve(base, env);
    } catch (ServiceUrls.ServicesFileException e) {
      throw new SmokeTestCases.Unusable(e.getMessage());
    }
    String shown = base.toString().equals(rawUrl.trim()) ? rawUrl.trim() : rawUrl.trim() + " (" + base + ")";
    String name = first(model, env(ENV_MODEL));
    if (name == null) {
      throw new SmokeTestCases.Unusable("no model: give --model NAME or set " + ENV_MODEL);
    }
    String dir = requests != null ? requests.toString() : env(ENV_REQUESTS_DIR);
    if (dir == null) {
      throw new SmokeTestCases.Unusable("no requests: give --requests DIR or set " + ENV_REQUESTS_DIR);
    }
    Double maxLatency = maxLatencyMs != null ? maxLatencyMs : number(ENV_MAX_LATENCY_MS, null);
    double tol = tolerance != null ? tolerance : number(ENV_TOLERANCE, DEFAULT_TOLERANCE);
    int n = integer(repeat, ENV_REPEAT, DEFAULT_REPEAT, "--repeat");
    int timeout = integer(timeoutSeconds, ENV_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS, "--timeout-seconds");
    int readyTimeout = integer(readyTimeoutSeconds, ENV_READY_TIMEOUT_SECONDS, DEFAULT_READY_TIMEOUT_SECONDS,
        "--ready-timeout-seconds");
    String ready = first(readyPath, env(ENV_READY_PATH));
    ready = ready == null ? DEFAULT_READY_PATH : ready.startsWith("/") ? ready : "/" + ready;
    if (maxLatency != null && !(maxLatency > 0)) {
      throw new SmokeTestCases.Unusable("the latency bound must be a positive number of milliseconds, got " + maxLatency);
    }
    if (!(tol >= 0) || Double.isInfinite(tol)) {
      throw new SmokeTestCases.Unusable("the tolerance must be a finite number >= 0, got " + tol);
    }
    return new Settings(base, shown, name, first(version, env(ENV_VERSION)), Path.of(dir), maxLatency, tol, n, timeout,
        readyTimeout, ready);
  }

  private Double number(String name, Double fallback) throws SmokeTestCases.Unusable {
    String v = env(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new SmokeTestCases.Unusable(name + " is not a number: '" + v + "'");
    }
  }

  private int integer(Integer option, String name, int fallback, String optionName) throws SmokeTestCases.Unusable {
    int value;
    if (option != null) {
      value = option;
    } else if (env(name) == null) {
      value = fallback;
    } else {
      try {
        value = Integer.parseInt(env(name).trim());
      } catch (NumberFormatException e) {
        throw new SmokeTestCases.Unusable(name + " is not a whole number: '" + env(name) + "'");
      }
    }
    if (value < 1) {
      throw new SmokeTestCases.Unusable(optionName + " (or " + name + ") must be at least 1, got " + value);
    }
    return value;
  }

  private String env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  private static String first(String option, String fromEnv) {
    return option != null && !option.isBlank() ? option : fromEnv;
  }

  private static Path path(String s) {
    return s == null ? null : Path.of(s);
  }

  // ---- Text ----

  private static String join(URI base, String path) {
    return base.toString().replaceAll("/+$", "") + path;
  }

  private static String ioReason(IOException e, Duration timeout) {
    if (e instanceof HttpConnectTimeoutException) {
      return "cannot connect: no answer within " + timeout.toSeconds() + " s";
    }
    if (e instanceof HttpTimeoutException) {
      return "no response within " + timeout.toMillis() / 1000.0 + " s";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "cannot connect: unknown host";
      }
    }
    if (e instanceof ConnectException) {
      return "cannot connect: " + (e.getMessage() == null ? "connection refused" : e.getMessage().toLowerCase(Locale.ROOT));
    }
    return "no response: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  /** The {"error": ...} text of an OIP error body, or the start of the body. */
  private static String errorText(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.path("error").isTextual()) {
        return shorten(n.get("error").asText(), SNIPPET);
      }
    } catch (IOException e) {
      // not JSON: quote it
    }
    return snippet(body);
  }

  private static String snippet(String body) {
    return body == null || body.isBlank() ? "(empty body)" : shorten(body.strip().replaceAll("\\s+", " "), SNIPPET);
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  private static String ms(double value) {
    return (value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value)) + " ms";
  }
}
