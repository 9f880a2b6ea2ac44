package dev.ferry.serving.prometheus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.net.ServiceUrls;
import dev.ferry.serving.prometheus.Measurement.Kind;
import java.io.IOException;
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
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link PrometheusClient} over Prometheus's HTTP API: {@code GET <address>/api/v1/query?query=...}.
 * The address goes through {@link ServiceUrls}, so {@code http://prometheus.monitoring:9090} works
 * in the local mode too. The timeout ({@code timeoutSeconds}, default 10) bounds the whole call,
 * and is passed to Prometheus so it stops evaluating too.
 */
public final class HttpPrometheusClient implements PrometheusClient {
  public static final int DEFAULT_TIMEOUT_SECONDS = 10;
  /** Body text quoted in a message. */
  private static final int SNIPPET = 200;
  /** Series named in a MULTIPLE_SERIES message. */
  private static final int SERIES_SHOWN = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Map<String, String> env;

  /** A client with its own JDK HttpClient; {@code env} is what {@link ServiceUrls} reads. */
  public HttpPrometheusClient(Map<String, String> env) {
    this(HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS))
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build(), env);
  }

  public HttpPrometheusClient(HttpClient http, Map<String, String> env) {
    this.http = http;
    this.env = Map.copyOf(env);
  }

  @Override
  public Measurement query(PrometheusQuery query) {
    String address = query.address == null ? "" : query.address.trim();
    int timeout = query.timeoutSeconds == null || query.timeoutSeconds < 1 ? DEFAULT_TIMEOUT_SECONDS : query.timeoutSeconds;
    URI uri;
    try {
      uri = queryUri(address, query.query == null ? "" : query.query, timeout);
      uri = ServiceUrls.resolve(uri, env);
    } catch (IllegalArgumentException e) {
      return Measurement.failure(Kind.UNREACHABLE, "Prometheus address '" + address + "' is not an http(s) URL");
    } catch (ServiceUrls.ServicesFileException e) {
      return Measurement.failure(Kind.UNREACHABLE, e.getMessage());
    }
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(timeout))
        .header("Accept", "application/json")
        .GET()
        .build();
    CompletableFuture<HttpResponse<String>> call = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> response;
    try {
      // The request timeout ends at the response headers; this bounds the body as well.
      response = call.get(timeout, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      return Measurement.failure(Kind.TIMEOUT, "Prometheus at " + address + " did not answer within " + timeout + " s");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      return Measurement.failure(Kind.TIMEOUT, "interrupted while querying Prometheus at " + address);
    } catch (ExecutionException e) {
      return ioFailure(e.getCause(), address, timeout);
    }
    return parse(response.statusCode(), response.body());
  }

  private static URI queryUri(String address, String query, int timeout) {
    URI base = URI.create(address);
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
      throw new IllegalArgumentException(address);
    }
    String prefix = address.replaceAll("[?#].*$", "").replaceAll("/+$", "");
    return URI.create(prefix + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
        + "&timeout=" + timeout + "s");
  }

  private static Measurement ioFailure(Throwable e, String address, int timeout) {
    if (e instanceof HttpConnectTimeoutException) {
      return Measurement.failure(Kind.UNREACHABLE, "cannot connect to Prometheus at " + address + ": no answer within "
          + timeout + " s");
    }
    if (e instanceof HttpTimeoutException) {
      return Measurement.failure(Kind.TIMEOUT, "Prometheus at " + address + " did not answer within " + timeout + " s");
    }
    if (e instanceof ConnectException) {
      return Measurement.failure(Kind.UNREACHABLE, "cannot connect to Prometheus at " + address + ": " + reason(e));
    }
    if (e instanceof IOException) {
      return Measurement.failure(Kind.UNREACHABLE, "no answer from Prometheus at " + address + ": " + reason(e));
    }
    return Measurement.failure(Kind.UNREACHABLE, "cannot query Prometheus at " + address + ": " + e);
  }

  private static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
    }
    String m = e.getMessage();
    if (e instanceof ConnectException) {
      return m == null || m.isBlank() ? "connection refused" : m.toLowerCase(Locale.ROOT);
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** Reads an answer of {@code /api/v1/query}. Package-private for the tests of odd bodies. */
  static Measurement parse(int status, String body) {
    boolean ok = status >= 200 && status < 300;
    JsonNode root;
    try {
      root = JSON.readTree(body == null ? "" : body);
    } catch (JsonProcessingException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return ok ? Measurement.failure(Kind.BAD_RESPONSE, "Prometheus answered with something that is not JSON: "
          + snippet(body)) : Measurement.failure(Kind.HTTP_ERROR, "HTTP " + status + ": " + snippet(body));
    }
    if (!ok || !"success".equals(root.path("status").asText())) {
      String type = root.path("errorType").asText("");
      String error = root.path("error").asText("");
      String text = (type.isEmpty() ? "" : type + ": ") + (error.isEmpty() ? snippet(body) : error);
      if (type.equals("timeout")) {
        return Measurement.failure(Kind.TIMEOUT, "Prometheus timed out evaluating the query: " + text);
      }
      return Measurement.failure(Kind.HTTP_ERROR, "HTTP " + status + ": " + text);
    }
    JsonNode data = root.path("data");
    String type = data.path("resultType").asText("");
    JsonNode result = data.path("result");
    switch (type) {
      case "scalar":
        return sample(result);
      case "vector":
        if (!result.isArray()) {
          return Measurement.failure(Kind.BAD_RESPONSE, "a vector result without a result array: " + snippet(body));
        }
        if (result.isEmpty()) {
          return Measurement.failure(Kind.EMPTY, "the query returned no samples (an empty vector): the series does not"
              + " exist (yet) or has no recent data");
        }
        if (result.size() > 1) {
          StringBuilder shown = new StringBuilder();
          for (int i = 0; i < Math.min(SERIES_SHOWN, result.size()); i++) {
            shown.append(i == 0 ? "" : ", ").append(series(result.get(i).path("metric")));
          }
          return Measurement.failure(Kind.MULTIPLE_SERIES, "the query returned " + result.size() + " series ("
              + shown + (result.size() > SERIES_SHOWN ? ", ..." : "") + "); it must return one number: aggregate"
              + " it, e.g. sum(...), max(...) or avg(...)");
        }
        JsonNode one = result.get(0);
        if (one.has("histogram") && !one.has("value")) {
          return Measurement.failure(Kind.BAD_RESPONSE, "the sample is a native histogram, not a number: use"
              + " histogram_quantile(...) or histogram_count(...)");
        }
        return sample(one.path("value"));
      case "matrix":
        return Measurement.failure(Kind.BAD_RESPONSE, "the query returned a range vector (matrix); an instant query"
            + " must return one number: e.g. rate(x[5m]) instead of x[5m]");
      case "string":
        return Measurement.failure(Kind.BAD_RESPONSE, "the query returned a string, not a number");
      default:
        return Measurement.failure(Kind.BAD_RESPONSE, "unknown resultType '" + type + "': " + snippet(body));
    }
  }

  /** A sample [unixTime, "value"]. Prometheus writes NaN, +Inf and -Inf as such. */
  private static Measurement sample(JsonNode pair) {
    if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isTextual()) {
      return Measurement.failure(Kind.BAD_RESPONSE, "a sample is not [time, \"value\"]: " + snippet(pair.toString()));
    }
    String v = pair.get(1).asText().trim();
    switch (v) {
      case "NaN":
        return Measurement.of(Double.NaN);
      case "+Inf":
      case "Inf":
        return Measurement.of(Double.POSITIVE_INFINITY);
      case "-Inf":
        return Measurement.of(Double.NEGATIVE_INFINITY);
      default:
        try {
          return Measurement.of(Double.parseDouble(v));
        } catch (NumberFormatException e) {
          return Measurement.failure(Kind.BAD_RESPONSE, "the sample value '" + snippet(v) + "' is not a number");
        }
    }
  }

  /** A series as PromQL shows it: name{label="value",...}. */
  private static String series(JsonNode metric) {
    StringBuilder b = new StringBuilder(metric.path("__name__").asText(""));
    StringBuilder labels = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = metric.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("__name__")) {
        labels.append(labels.length() == 0 ? "" : ",").append(e.getKey()).append("=\"").append(e.getValue().asText())
            .append('"');
      }
    }
    return b.append('{').append(labels).append('}').toString();
  }

  private static String snippet(String s) {
    if (s == null || s.isBlank()) {
      return "(empty body)";
    }
    String one = s.strip().replaceAll("\\s+", " ");
    return one.length() <= SNIPPET ? one : one.substring(0, SNIPPET) + "...";
  }
}
