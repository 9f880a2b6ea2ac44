package dev.ferry.serving.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.net.ServiceUrls;
import dev.ferry.testing.RealPrometheus;
import dev.ferry.serving.prometheus.Measurement.Failure;
import dev.ferry.serving.prometheus.Measurement.Kind;
import dev.ferry.serving.prometheus.Measurement.Value;
import dev.ferry.serving.prometheus.MetricCheckEvaluator.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HttpPrometheusClient against a real Prometheus (the Debian package, run as a plain process)
 * that scrapes a /metrics endpoint this test serves, every second. No skipping: without the
 * binary the test fails and says how to install it.
 */
class RealPrometheusTest {
  private static final String METRICS = """
      # HELP ferry_it_value A gauge the test sets.
      # TYPE ferry_it_value gauge
      ferry_it_value 0.25
      # HELP ferry_it_requests_total Requests by status code.
      # TYPE ferry_it_requests_total counter
      ferry_it_requests_total{code="200"} 40
      ferry_it_requests_total{code="500"} 2
      """;
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private static HttpServer target;
  private static RealPrometheus prometheus;
  private static String address;
  private static int port;
  private static final HttpPrometheusClient CLIENT = new HttpPrometheusClient(Map.of());

  @BeforeAll
  static void startPrometheus(@TempDir Path dir) throws Exception {
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    target.createContext("/metrics", exchange -> {
      byte[] body = METRICS.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    target.start();
    prometheus = RealPrometheus.scraping(dir, target.getAddress().getPort());
    address = prometheus.address();
    port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    awaitScrapedValue();
  }

  /** Until an instant query returns the sample scraped from the test's endpoint. */
  private static void awaitScrapedValue() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI uri = URI.create(address + "/api/v1/query?query=" + URLEncoder.encode("ferry_it_value", StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + STARTUP.toNanos();
    String last = "nothing yet";
    while (System.nanoTime() < deadline) {
      prometheus.assertAlive();
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().contains("\"0.25\"")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    fail("prometheus did not return the scraped sample within " + STARTUP.toSeconds() + " s; last answer: " + last
        + "\n" + prometheus.logTail());
  }

  @AfterAll
  static void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (target != null) {
      target.stop(0);
    }
  }

  private static Measurement query(String promql) {
    return CLIENT.query(query(address, promql));
  }

  private static PrometheusQuery query(String at, String promql) {
    PrometheusQuery q = new PrometheusQuery();
    q.address = at;
    q.query = promql;
    q.timeoutSeconds = 5;
    return q;
  }

  private static Failure failure(Measurement m, Kind kind) {
    assertThat(m).isInstanceOf(Failure.class);
    Failure f = (Failure) m;
    assertThat(f.kind()).as(f.message()).isEqualTo(kind);
    return f;
  }

  @Test
  void aScrapedGaugeIsMeasured() {
    assertThat(query("ferry_it_value")).isEqualTo(new Value(0.25));
    assertThat(query("sum(ferry_it_requests_total)")).isEqualTo(new Value(42));
    assertThat(query("scalar(ferry_it_value) * 2")).isEqualTo(new Value(0.5));
  }

  @Test
  void anErrorRateAboveItsBoundFailsTheCheck() {
    MetricCheck check = new MetricCheck();
    check.name = "error-rate";
    check.prometheus = query(address,
        "sum(ferry_it_requests_total{code!=\"200\"}) / sum(ferry_it_requests_total)");
    check.max = 0.01;
    MetricCheckEvaluator.Verdict verdict = MetricCheckEvaluator.check(check, CLIENT);
    assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(verdict.message()).isEqualTo("error-rate = 0.047619 > max 0.01");
  }

  @Test
  void whatPrometheusReallyAnswersForOddQueries() {
    assertThat(failure(query("ferry_it_requests_total"), Kind.MULTIPLE_SERIES).message())
        .contains("2 series", "code=\"500\"", "sum(...)");
    failure(query("ferry_it_not_scraped"), Kind.EMPTY);
    failure(query("vector(0) / 0"), Kind.NAN);
    assertThat(query("vector(1) / 0")).isEqualTo(new Value(Double.POSITIVE_INFINITY));
    assertThat(query("-vector(1) / 0")).isEqualTo(new Value(Double.NEGATIVE_INFINITY));
    assertThat(failure(query("sum("), Kind.HTTP_ERROR).message()).startsWith("HTTP 400: bad_data: ");
    failure(query("ferry_it_value[1m]"), Kind.BAD_RESPONSE);
    failure(query("\"hello\""), Kind.BAD_RESPONSE);
  }

  @Test
  void aServiceAddressReachesItInTheLocalMode(@TempDir Path dir) throws IOException {
    Path services = dir.resolve("services.json");
    ServiceUrls.write(services, Map.of("prometheus.monitoring:9090", "127.0.0.1:" + port));
    HttpPrometheusClient local = new HttpPrometheusClient(Map.of(ServiceUrls.ENV_LOCAL_SERVICES, services.toString()));
    assertThat(local.query(query("http://prometheus.monitoring.svc.cluster.local:9090", "ferry_it_value")))
        .isEqualTo(new Value(0.25));
  }
}
