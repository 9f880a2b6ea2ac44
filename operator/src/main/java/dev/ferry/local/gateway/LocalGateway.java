package dev.ferry.local.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.net.ServiceUrls;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local mode's gateway: an HTTP proxy on loopback that does what a Gateway API implementation
 * does with the HTTPRoutes in the local API (whatever Gateway they name): each request goes to one
 * backend drawn by the weights of the rule it matches, mirrors get a copy whose answer is dropped,
 * header matches win over the weights. Backends are Services, reached through the local service
 * map as every local client reaches them. So a local canary at 10% sends one request in ten to
 * the candidate, not one replica's share.
 */
public final class LocalGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalGateway.class);
  /** Headers of one connection (RFC 9110 7.6.1) and those the JDK client sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "expect");

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY each answer waits for
    // the client's delayed ACK (about 40 ms). Read once per JVM, when its first HttpServer starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final SharedIndexInformer<HTTPRoute> routes;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> {
    Thread t = new Thread(r, "ferry-local-gateway");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong mirrored = new AtomicLong();

  private LocalGateway(HttpServer server, SharedIndexInformer<HTTPRoute> routes, Path servicesFile) {
    this.server = server;
    this.routes = routes;
    this.env = Map.of(ServiceUrls.ENV_LOCAL_SERVICES, servicesFile.toString());
  }

  /** Listens on loopback {@code port} (0: a free one), routing by the HTTPRoutes {@code client} sees. */
  public static LocalGateway start(KubernetesClient client, int port, Path servicesFile) throws IOException {
    SharedIndexInformer<HTTPRoute> routes = client.resources(HTTPRoute.class).inAnyNamespace().inform();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    LocalGateway gateway = new LocalGateway(server, routes, servicesFile);
    server.createContext("/", gateway::handle);
    server.setExecutor(gateway.workers);
    server.start();
    return gateway;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Mirrored copies sent so far (their answers are dropped). */
  public long mirrored() {
    return mirrored.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      URI uri = exchange.getRequestURI();
      RouteMatcher.Request request = new RouteMatcher.Request(exchange.getRequestMethod(),
          exchange.getRequestHeaders().getFirst("Host"), uri.getRawPath() == null ? "/" : uri.getRawPath(),
          exchange.getRequestHeaders(), query(uri.getRawQuery()));
      RouteMatcher.Decision decision = RouteMatcher.route(routes.getStore().list(), request,
          ThreadLocalRandom.current());
      for (RouteMatcher.Backend mirror : decision.mirrors()) {
        mirrored.incrementAndGet();
        http.sendAsync(forward(exchange, uri, body, mirror), HttpResponse.BodyHandlers.discarding())
            .exceptionally(e -> {
              LOG.debug("mirror to {} failed: {}", mirror.service(), e.getMessage());
              return null;
            });
      }
      if (decision.answer().isEmpty()) {
        reply(exchange, decision.route() == null ? 404 : 500, decision.problem());
        return;
      }
      RouteMatcher.Backend backend = decision.answer().get();
      HttpRequest forwarded = forward(exchange, uri, body, backend);
      if (forwarded == null) {
        reply(exchange, 503, "no ready endpoint for Service " + backend.namespace() + "/" + backend.service() + ":"
            + backend.port());
        return;
      }
      HttpResponse<InputStream> response;
      try {
        response = http.send(forwarded, HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        reply(exchange, 503, "Service " + backend.namespace() + "/" + backend.service() + " did not answer: "
            + e.getMessage());
        return;
      }
      response.headers().map().forEach((name, values) -> {
        if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      try (InputStream in = response.body()) {
        byte[] answer = in.readAllBytes();
        exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("local gateway: {}", e.toString());
      reply(exchange, 502, "local gateway: " + e.getMessage());
    }
  }

  /** The request for a backend, or null when the backend Service has no ready local server. */
  private HttpRequest forward(HttpExchange exchange, URI uri, byte[] body, RouteMatcher.Backend backend) {
    String target = "http://" + backend.service() + "." + backend.namespace() + ".svc:" + backend.port()
        + (uri.getRawPath() == null ? "/" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    URI resolved = ServiceUrls.resolve(URI.create(target), env);
    if (resolved.getHost() != null && resolved.getHost().endsWith(".svc")) {
      return null;
    }
    HttpRequest.Builder builder = HttpRequest.newBuilder(resolved).timeout(Duration.ofSeconds(30))
        .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
        values.forEach(v -> builder.header(name, v));
      }
    });
    return builder.build();
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return query;
  }

  private static void reply(HttpExchange exchange, int code, String message) {
    try {
      byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(code, text.length);
      exchange.getResponseBody().write(text);
    } catch (IOException e) {
      LOG.debug("local gateway: could not answer: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    routes.close();
    workers.shutdownNow();
  }
}
