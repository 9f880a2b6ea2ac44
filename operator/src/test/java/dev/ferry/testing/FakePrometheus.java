package dev.ferry.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Prometheus HTTP API on a loopback port for tests: {@code GET /api/v1/query} answers with what
 * {@link #respond} set for the exact query text, and with an empty vector (what Prometheus says
 * for an unknown series) otherwise.
 *
 * <pre>
 * try (FakePrometheus prometheus = FakePrometheus.start()) {
 *   prometheus.respond("sum(rate(errors[1m]))", FakePrometheus.vector(0.02));
 *   check.prometheus.address = prometheus.address();
 *   ...
 *   prometheus.slow(3);   // every answer now takes 3 s
 *   prometheus.down();    // connections are refused until up()
 * }
 * </pre>
 */
public final class FakePrometheus implements AutoCloseable {
  private record Answer(int status, String json) {
  }

  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<String> queries = new CopyOnWriteArrayList<>();
  /** The port, fixed once first bound so that up() after down() comes back at the same address. */
  private int port;
  private volatile long delayMillis;
  private HttpServer server;
  private ExecutorService executor;

  private FakePrometheus() {
  }

  /** Starts on a free loopback port. */
  public static FakePrometheus start() {
    FakePrometheus fake = new FakePrometheus();
    fake.up();
    return fake;
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}, for {@code PrometheusQuery.address}. */
  public String address() {
    return "http://127.0.0.1:" + port();
  }

  public synchronized int port() {
    return port;
  }

  /** Answers {@code query} (exact text) with HTTP 200 and {@code json}. */
  public FakePrometheus respond(String query, String json) {
    return respond(query, 200, json);
  }

  /** Answers {@code query} (exact text) with {@code status} and {@code json}. */
  public FakePrometheus respond(String query, int status, String json) {
    answers.put(query, new Answer(status, json));
    return this;
  }

  /** Every answer waits this long first (0 for none). */
  public FakePrometheus slow(double seconds) {
    delayMillis = Math.round(seconds * 1000);
    return this;
  }

  /** Stops listening: connections are refused (until {@link #up}). */
  public synchronized void down() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow(); // wakes handlers sleeping in slow()
      server = null;
    }
  }

  /** Listens again, on the same port as before {@link #down}. */
  public synchronized void up() {
    if (server != null) {
      return;
    }
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("FakePrometheus cannot listen on 127.0.0.1:" + port, e);
    }
    port = server.getAddress().getPort();
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-prometheus");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The queries received so far, in order. */
  public List<String> queries() {
    return List.copyOf(queries);
  }

  @Override
  public void close() {
    down();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Answer answer;
      if (!path.equals("/api/v1/query")) {
        answer = new Answer(404, "404 page not found");
      } else {
        String query = param(exchange.getRequestURI().getRawQuery(), "query");
        if (query == null && "POST".equals(exchange.getRequestMethod())) {
          query = param(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "query");
        }
        if (query == null) {
          answer = new Answer(400, error("bad_data", "invalid parameter \"query\": parse error: no expression found"));
        } else {
          queries.add(query);
          answer = answers.getOrDefault(query, new Answer(200, vector()));
        }
      }
      long delay = delayMillis;
      if (delay > 0) {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] body = answer.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(answer.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      // The client went away (it timed out): nothing to answer.
    }
  }

  private static String param(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ---- Bodies as Prometheus writes them ----

  /** A vector result with one unlabelled sample per value (none: an empty vector). */
  public static String vector(double... values) {
    StringBuilder b = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ",").append("{\"metric\":{\"instance\":\"i").append(i).append("\"},\"value\":[1700000000.123,\"")
          .append(text(values[i])).append("\"]}");
    }
    return b.append("]}}").toString();
  }

  /** A scalar result. */
  public static String scalar(double value) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1700000000.123,\"" + text(value)
        + "\"]}}";
  }

  /** An error body; send it with the status Prometheus uses (400 bad_data, 422 execution, 503 timeout). */
  public static String error(String errorType, String message) {
    return "{\"status\":\"error\",\"errorType\":\"" + errorType + "\",\"error\":\"" + message.replace("\\", "\\\\")
        .replace("\"", "\\\"") + "\"}";
  }

  /** A number as Prometheus writes sample values: NaN, +Inf, -Inf, or Go's shortest float text. */
  public static String text(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
        : Double.toString(value).toLowerCase(Locale.ROOT);
  }
}
