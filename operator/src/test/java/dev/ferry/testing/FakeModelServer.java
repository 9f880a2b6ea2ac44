package dev.ferry.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Open Inference Protocol v2 model server on a loopback port for tests: {@code GET
 * /v2/health/ready} (200, or 503 after {@code ready(false)}) and {@code POST
 * /v2/models/<model>/infer}, which answers every request with the same configurable status and
 * body, after a configurable delay.
 */
public final class FakeModelServer implements AutoCloseable {
  /** The default answer: one row, churn probability 0.25, not churned. */
  public static final String DEFAULT_RESPONSE = "{\"model_name\":\"churn\",\"outputs\":["
      + "{\"name\":\"probability\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[0.25]},"
      + "{\"name\":\"churned\",\"datatype\":\"INT64\",\"shape\":[1],\"data\":[0]}]}";

  static {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed
    // ACK: about 40 ms per answer. Read once per JVM, when the first HttpServer starts: best effort.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String model;
  private final HttpServer server;
  private final ExecutorService executor;
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final AtomicInteger readyChecks = new AtomicInteger();
  private volatile boolean ready = true;
  private volatile int status = 200;
  private volatile String body = DEFAULT_RESPONSE;
  private volatile long[] delays = {0};

  private FakeModelServer(String model) {
    this.model = model;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-model-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Serves {@code model} on a free loopback port. */
  public static FakeModelServer start(String model) {
    return new FakeModelServer(model);
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Whether {@code /v2/health/ready} answers 200 (else 503). */
  public FakeModelServer ready(boolean ready) {
    this.ready = ready;
    return this;
  }

  /** Every infer request gets this status and body. */
  public FakeModelServer answer(int status, String body) {
    this.status = status;
    this.body = body;
    return this;
  }

  /** The n-th infer request waits {@code millis[n]} first; the last value holds for the rest. */
  public FakeModelServer delayMillis(long... millis) {
    this.delays = millis.length == 0 ? new long[] {0} : millis.clone();
    return this;
  }

  /** The bodies of the infer requests received, in order. */
  public List<String> inferBodies() {
    return List.copyOf(bodies);
  }

  public int readyChecks() {
    return readyChecks.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/v2/health/ready") && method.equals("GET")) {
        readyChecks.incrementAndGet();
        send(exchange, ready ? 200 : 503, ready ? "" : "{\"error\":\"model not loaded\"}");
      } else if (path.equals("/v2/models/" + model + "/infer") && method.equals("POST")) {
        int n = bodies.size();
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        long[] d = delays;
        long delay = d[Math.min(n, d.length - 1)];
        if (delay > 0) {
          Thread.sleep(delay);
        }
        send(exchange, status, body);
      } else {
        send(exchange, 404, "{\"error\":\"not found: " + method + " " + path + "\"}");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The client went away (it timed out).
    }
  }

  private static void send(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
