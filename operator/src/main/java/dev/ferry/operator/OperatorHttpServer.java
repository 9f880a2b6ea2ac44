package dev.ferry.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The operator's HTTP endpoints on one port: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (liveness: the process and its operator are up; a standby replica waiting for
 * the lease is alive) and {@code /readyz} (readiness: every informer is healthy).
 */
public final class OperatorHttpServer implements AutoCloseable {
  private final HttpServer server;

  private OperatorHttpServer(HttpServer server) {
    this.server = server;
  }

  public static OperatorHttpServer start(int port, Operator operator, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "ferry-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/metrics", exchange -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    server.createContext("/healthz", exchange -> send(exchange, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", exchange -> {
      var info = operator.getRuntimeInfo();
      boolean ready = info.isStarted() && info.allEventSourcesAreHealthy();
      send(exchange, ready ? 200 : 503, "text/plain", ready ? "ready\n"
          : "not ready: " + (info.isStarted() ? "unhealthy event sources " + info.unhealthyEventSources().keySet()
              : "operator not started") + "\n");
    });
    server.start();
    return new OperatorHttpServer(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
