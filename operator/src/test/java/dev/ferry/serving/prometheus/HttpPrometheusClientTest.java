package dev.ferry.serving.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.net.ServiceUrls;
import dev.ferry.serving.prometheus.Measurement.Failure;
import dev.ferry.serving.prometheus.Measurement.Kind;
import dev.ferry.serving.prometheus.Measurement.Value;
import dev.ferry.testing.FakePrometheus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpPrometheusClientTest {
  private static final String Q = "sum(rate(ferry_model_requests_total{code!=\"200\"}[1m]))";

  FakePrometheus prometheus;
  HttpPrometheusClient client = new HttpPrometheusClient(Map.of());

  @BeforeEach
  void start() {
    prometheus = FakePrometheus.start();
  }

  @AfterEach
  void stop() {
    prometheus.close();
  }

  private PrometheusQuery query(String address, String promql, Integer timeoutSeconds) {
    PrometheusQuery q = new PrometheusQuery();
    q.address = address;
    q.query = promql;
    q.timeoutSeconds = timeoutSeconds;
    return q;
  }

  private Measurement measure(String json) {
    prometheus.respond(Q, json);
    return client.query(query(prometheus.address(), Q, null));
  }

  private static Failure failure(Measurement m, Kind kind) {
    assertThat(m).isInstanceOf(Failure.class);
    Failure f = (Failure) m;
    assertThat(f.kind()).as(f.message()).isEqualTo(kind);
    return f;
  }

  @Test
  void aOneSampleVectorIsItsValue() {
    assertThat(measure(FakePrometheus.vector(0.0125))).isEqualTo(new Value(0.0125));
    assertThat(prometheus.queries()).containsExactly(Q);
  }

  @Test
  void aScalarIsItsValue() {
    assertThat(measure(FakePrometheus.scalar(42))).isEqualTo(new Value(42));
  }

  @Test
  void infinitiesAreValuesButNanIsNot() {
    assertThat(measure(FakePrometheus.vector(Double.POSITIVE_INFINITY))).isEqualTo(new Value(Double.POSITIVE_INFINITY));
    assertThat(measure(FakePrometheus.scalar(Double.NEGATIVE_INFINITY))).isEqualTo(new Value(Double.NEGATIVE_INFINITY));
    assertThat(failure(measure(FakePrometheus.vector(Double.NaN)), Kind.NAN).message()).contains("NaN");
    failure(measure(FakePrometheus.scalar(Double.NaN)), Kind.NAN);
  }

  @Test
  void anEmptyVectorIsEmpty() {
    assertThat(failure(measure(FakePrometheus.vector()), Kind.EMPTY).message()).contains("no samples");
    // A query nobody configured: Prometheus answers an empty vector for an unknown series.
    failure(client.query(query(prometheus.address(), "nothing_here", null)), Kind.EMPTY);
  }

  @Test
  void severalSeriesAskForAnAggregation() {
    String json = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"value\":[1,\"1\"]},"
        + "{\"metric\":{\"__name__\":\"up\",\"job\":\"b\"},\"value\":[1,\"0\"]},"
        + "{\"metric\":{\"__name__\":\"up\",\"job\":\"c\"},\"value\":[1,\"1\"]},"
        + "{\"metric\":{\"__name__\":\"up\",\"job\":\"d\"},\"value\":[1,\"1\"]}]}}";
    Failure f = failure(measure(json), Kind.MULTIPLE_SERIES);
    assertThat(f.message()).contains("4 series", "up{job=\"a\"}", "up{job=\"c\"}", "...", "sum(...)")
        .doesNotContain("job=\"d\"");
  }

  @Test
  void matricesStringsAndOddBodiesAreBadResponses() {
    String matrix = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
        + "\"values\":[[1,\"1\"],[2,\"2\"]]}]}}";
    assertThat(failure(measure(matrix), Kind.BAD_RESPONSE).message()).contains("range vector", "rate(x[5m])");
    String string = "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"hello\"]}}";
    assertThat(failure(measure(string), Kind.BAD_RESPONSE).message()).contains("a string");
    assertThat(failure(measure("<html>hello</html>"), Kind.BAD_RESPONSE).message()).contains("not JSON", "<html>");
    String word = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"many\"]}}";
    assertThat(failure(measure(word), Kind.BAD_RESPONSE).message()).contains("'many' is not a number");
    String histogram = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
        + "\"histogram\":[1,{\"count\":\"3\",\"sum\":\"1\"}]}]}}";
    assertThat(failure(measure(histogram), Kind.BAD_RESPONSE).message()).contains("native histogram");
  }

  @Test
  void errorStatusesCarryTheStatusAndPrometheusMessage() {
    prometheus.respond(Q, 400, FakePrometheus.error("bad_data", "1:5: parse error: unexpected end of input"));
    Failure f = failure(client.query(query(prometheus.address(), Q, null)), Kind.HTTP_ERROR);
    assertThat(f.message()).isEqualTo("HTTP 400: bad_data: 1:5: parse error: unexpected end of input");

    prometheus.respond(Q, 502, "<html><body>Bad Gateway</body></html>");
    f = failure(client.query(query(prometheus.address(), Q, null)), Kind.HTTP_ERROR);
    assertThat(f.message()).startsWith("HTTP 502: ").contains("Bad Gateway");

    // Prometheus's own query timeout (--query.timeout) is a timeout, whatever the status.
    prometheus.respond(Q, 503, FakePrometheus.error("timeout", "query timed out in expression evaluation"));
    failure(client.query(query(prometheus.address(), Q, null)), Kind.TIMEOUT);
  }

  @Test
  void aSlowPrometheusTimesOutWithinTheQueryTimeout() {
    prometheus.respond(Q, FakePrometheus.vector(1)).slow(5);
    long t0 = System.nanoTime();
    Failure f = failure(client.query(query(prometheus.address(), Q, 1)), Kind.TIMEOUT);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ms).isBetween(900L, 3000L);
    assertThat(f.message()).contains("within 1 s");

    prometheus.slow(0);
    assertThat(client.query(query(prometheus.address(), Q, 1))).isEqualTo(new Value(1));
  }

  @Test
  void aPrometheusThatIsDownIsUnreachableUntilItIsUp() {
    prometheus.respond(Q, FakePrometheus.vector(3));
    prometheus.down();
    Failure f = failure(client.query(query(prometheus.address(), Q, 2)), Kind.UNREACHABLE);
    assertThat(f.message()).contains(prometheus.address(), "connection refused");
    prometheus.up();
    assertThat(client.query(query(prometheus.address(), Q, 2))).isEqualTo(new Value(3));
  }

  @Test
  void anUnknownHostOrANonUrlIsUnreachable() {
    Failure f = failure(client.query(query("http://no-such-prometheus.invalid:9090", Q, 5)), Kind.UNREACHABLE);
    assertThat(f.message()).contains("no-such-prometheus.invalid");
    f = failure(client.query(query("prometheus:9090", Q, null)), Kind.UNREACHABLE);
    assertThat(f.message()).contains("'prometheus:9090' is not an http(s) URL");
    failure(client.query(query("", Q, null)), Kind.UNREACHABLE);
  }

  @Test
  void theQueryTextArrivesIntactWithATimeoutAndAnyPathPrefix() {
    String promql = "sum(rate(x{code=~\"5..\",path=\"/a&b\"}[1m])) / 2 + 1";
    prometheus.respond(promql, FakePrometheus.vector(7));
    assertThat(client.query(query(prometheus.address() + "/", promql, null))).isEqualTo(new Value(7));
    assertThat(prometheus.queries()).containsExactly(promql);
    // A prefix (Prometheus behind --web.route-prefix) is kept; the fake serves none, so 404 proves it was sent.
    Failure f = failure(client.query(query(prometheus.address() + "/prom", promql, null)), Kind.HTTP_ERROR);
    assertThat(f.message()).startsWith("HTTP 404");
  }

  @Test
  void aServiceAddressReachesTheLocalPrometheusThroughServiceUrls(@TempDir Path dir) throws Exception {
    Path services = dir.resolve("services.json");
    ServiceUrls.write(services, Map.of("prometheus.monitoring:9090", "127.0.0.1:" + prometheus.port()));
    HttpPrometheusClient local = new HttpPrometheusClient(Map.of(ServiceUrls.ENV_LOCAL_SERVICES, services.toString()));
    prometheus.respond(Q, FakePrometheus.vector(0.5));
    assertThat(local.query(query("http://prometheus.monitoring.svc:9090", Q, null))).isEqualTo(new Value(0.5));
  }

  @Test
  void parseHandlesBodiesTheFakeCannotMake() {
    failure(HttpPrometheusClient.parse(200, ""), Kind.BAD_RESPONSE);
    failure(HttpPrometheusClient.parse(500, ""), Kind.HTTP_ERROR);
    failure(HttpPrometheusClient.parse(200, "{\"status\":\"error\",\"error\":\"odd\"}"), Kind.HTTP_ERROR);
    failure(HttpPrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}"),
        Kind.BAD_RESPONSE);
    failure(HttpPrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,2]}}"),
        Kind.BAD_RESPONSE);
    failure(HttpPrometheusClient.parse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"exotic\"}}"),
        Kind.BAD_RESPONSE);
    assertThat(HttpPrometheusClient.parse(200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"1e-3\"]}]}}"))
        .isEqualTo(new Value(0.001));
  }
}
