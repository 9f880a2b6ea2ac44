package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local mode's API as kubectl needs it, in front of the embedded (mock) API server: discovery,
 * OpenAPI v3, server-side printing (Tables with the CRDs' printer columns), field selectors on any
 * field (kubectl describe finds an object's events by {@code involvedObject.name}), watches as
 * HTTP streams ({@code kubectl get -w}, {@code delete --wait}: the mock only streams over
 * WebSockets, which kubectl does not use), and pod logs from the local processes' log files.
 * Everything else passes through unchanged, admission included (the dispatcher's).
 */
public final class KubectlGateway implements AutoCloseable {
  /** Where a local pod's log is: namespace, pod name, and the container ({@code kubectl logs -c}) or null for the default one. */
  @FunctionalInterface
  public interface PodLogs {
    Optional<Path> logFile(String namespace, String pod, String container);
  }

  private static final Logger LOG = LoggerFactory.getLogger(KubectlGateway.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "content-length", "upgrade",
      "transfer-encoding", "keep-alive", "expect");
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI backend;
  private final HttpClient http;
  private final PodLogs logs;
  private final Clock clock;

  private KubectlGateway(HttpServer server, ExecutorService executor, URI backend, PodLogs logs, Clock clock) {
    this.server = server;
    this.executor = executor;
    this.backend = backend;
    this.logs = logs;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(executor).build();
  }

  /** Listens on loopback {@code port} (0: any free one) and forwards to {@code backend}. */
  public static KubectlGateway start(int port, URI backend, PodLogs logs, Clock clock) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    ExecutorService executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kubectl-gateway");
      t.setDaemon(true);
      return t;
    });
    KubectlGateway gateway = new KubectlGateway(server, executor, backend, logs, clock);
    server.setExecutor(executor);
    server.createContext("/", gateway::handle);
    server.start();
    return gateway;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      String pathAndQuery = query == null ? path : path + "?" + query;
      String method = exchange.getRequestMethod();
      if ("GET".equals(method) && discovery(exchange, path)) {
        return;
      }
      Optional<ResourcePath> resource = ResourcePath.parse(pathAndQuery);
      if ("GET".equals(method) && resource.isPresent() && "pods".equals(resource.get().plural())
          && "log".equals(resource.get().subresource())) {
        podLog(exchange, resource.get());
        return;
      }
      if ("GET".equals(method) && resource.isPresent() && resource.get().watch()) {
        watch(exchange, resource.get(), pathAndQuery);
        return;
      }
      forward(exchange, method, pathAndQuery, resource.orElse(null));
    } catch (IOException e) {
      LOG.debug("kubectl request {} {} ended: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("kubectl request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      try {
        reply(exchange, 500, Statuses.status(500, "InternalError", String.valueOf(e.getMessage())));
      } catch (IOException ignored) {
        // the client has gone
      }
    }
  }

  /** Discovery, /version and OpenAPI; false if {@code path} is none of them. */
  private boolean discovery(HttpExchange exchange, String path) throws IOException {
    String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    if (p.equals("/version")) {
      reply(exchange, 200, Discovery.version());
      return true;
    }
    if (!p.equals("/api") && !p.equals("/apis") && !p.startsWith("/openapi/") && !p.matches("/api/[^/]+")
        && !p.matches("/apis/[^/]+/[^/]+")) {
      return false;
    }
    List<JsonNode> crds = crds();
    Discovery discovery = Discovery.of(crds);
    Optional<ObjectNode> doc;
    if (p.equals("/api")) {
      doc = Optional.of(discovery.coreVersions());
    } else if (p.equals("/apis")) {
      doc = Optional.of(discovery.groups());
    } else if (p.equals("/openapi/v3")) {
      doc = Optional.of(new OpenApiV3(discovery, crds).root());
    } else if (p.startsWith("/openapi/v3/api/")) {
      doc = new OpenApiV3(discovery, crds).document("", p.substring("/openapi/v3/api/".length()));
    } else if (p.startsWith("/openapi/v3/apis/")) {
      String[] gv = p.substring("/openapi/v3/apis/".length()).split("/");
      doc = gv.length == 2 ? new OpenApiV3(discovery, crds).document(gv[0], gv[1]) : Optional.empty();
    } else if (p.startsWith("/openapi/")) {
      doc = Optional.empty(); // v2 is not served: kubectl uses v3 when it is there
    } else if (p.startsWith("/api/")) {
      doc = discovery.resourceList("", p.substring("/api/".length()));
    } else {
      String[] gv = p.substring("/apis/".length()).split("/");
      doc = discovery.resourceList(gv[0], gv[1]);
    }
    if (doc.isPresent()) {
      reply(exchange, 200, doc.get());
    } else {
      reply(exchange, 404, Statuses.status(404, "NotFound", "the server could not find the requested resource"));
    }
    return true;
  }

  private List<JsonNode> crds() throws IOException {
    JsonNode list = get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    List<JsonNode> out = new ArrayList<>();
    list.path("items").forEach(out::add);
    return out;
  }

  private JsonNode get(String pathAndQuery) throws IOException {
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(backend.resolve(pathAndQuery))
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Passes a request to the embedded API; a list or object asked for as a Table comes back as one. */
  private void forward(HttpExchange exchange, String method, String pathAndQuery, ResourcePath resource)
      throws IOException {
    FieldSelector selector = resource == null ? FieldSelector.NONE : FieldSelector.parse(resource.query("fieldSelector"));
    String forwarded = resource == null ? pathAndQuery : selector.forwardedPathAndQuery(pathAndQuery);
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null && contentType.startsWith(ProtobufBodies.CONTENT_TYPE) && body.length > 0) {
      Optional<ObjectNode> json = ProtobufBodies.toJson(body);
      if (json.isEmpty()) {
        reply(exchange, 415, Statuses.status(415, "UnsupportedMediaType", "the local mode reads protobuf bodies of "
            + ProtobufBodies.supported() + " only; write this object as YAML and use kubectl apply -f"));
        return;
      }
      body = JSON.writeValueAsBytes(json.get());
      contentType = "application/json";
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(backend.resolve(forwarded)).timeout(Duration.ofMinutes(2))
        .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP_BY_HOP.contains(name.toLowerCase()) && !"content-type".equalsIgnoreCase(name)) {
        values.forEach(v -> request.header(name, v));
      }
    });
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    byte[] answer = response.body();
    if (response.statusCode() == 404 && answer.length == 0 && resource != null && resource.name() != null) {
      // The mock answers a missing object with an empty 404; kubectl prints an API server's Status.
      String what = resource.plural() + (resource.group().isEmpty() ? "" : "." + resource.group());
      ObjectNode status = Statuses.status(404, "NotFound", what + " \"" + resource.name() + "\" not found");
      status.putObject("details").put("name", resource.name()).put("group", resource.group())
          .put("kind", resource.plural());
      reply(exchange, 404, status);
      return;
    }
    if ("GET".equals(method) && response.statusCode() == 200 && resource != null) {
      JsonNode tree = JSON.readTree(answer);
      if (tree.has("items") && selector != FieldSelector.NONE) {
        ArrayNode kept = ((ObjectNode) tree).putArray("items");
        JSON.readTree(answer).path("items").forEach(item -> {
          if (selector.matches(item)) {
            kept.add(item);
          }
        });
      }
      if (tree.has("items") && resource.name() == null) {
        typed((ObjectNode) tree, resource);
      }
      Optional<Tables> table = wantsTable(exchange) ? tables(resource) : Optional.empty();
      answer = JSON.writeValueAsBytes(table.isPresent() ? table.get().table(tree) : tree);
    }
    exchange.getResponseHeaders().set("Content-Type",
        response.headers().firstValue("Content-Type").orElse("application/json"));
    response.headers().firstValue("Warning").ifPresent(w -> exchange.getResponseHeaders().set("Warning", w));
    if (answer.length == 0) {
      exchange.sendResponseHeaders(response.statusCode(), -1);
    } else {
      exchange.sendResponseHeaders(response.statusCode(), answer.length);
      exchange.getResponseBody().write(answer);
    }
  }

  /**
   * The mock answers every list as {@code kind: List}; typed clients (kubectl describe reads
   * events into an EventList) need the kind's own list type, as an API server names it.
   */
  private void typed(ObjectNode list, ResourcePath resource) throws IOException {
    Optional<String> kind = Discovery.of(crds()).find(resource.group(), resource.version(), resource.plural())
        .map(Discovery.Resource::kind);
    if (kind.isPresent()) {
      list.put("apiVersion", resource.apiVersion());
      list.put("kind", kind.get() + "List");
      if (!list.has("metadata")) {
        list.putObject("metadata");
      }
    }
  }

  private static boolean wantsTable(HttpExchange exchange) {
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    return accept != null && accept.contains("as=Table");
  }

  private Optional<Tables> tables(ResourcePath resource) throws IOException {
    if (resource.subresource() != null) {
      return Optional.empty();
    }
    for (JsonNode crd : crds()) {
      if (crd.at("/spec/group").asText().equals(resource.group())
          && crd.at("/spec/names/plural").asText().equals(resource.plural())) {
        return Optional.of(Tables.forCrd(crd, resource.version(), clock.instant()));
      }
    }
    return Discovery.BUILT_IN.stream().filter(r -> r.group().equals(resource.group())
            && r.plural().equals(resource.plural())).findFirst()
        .map(r -> Tables.forBuiltIn(r.kind(), clock.instant()));
  }

  /**
   * A watch as kubectl reads it: one JSON event per line on a chunked response, bridged from the
   * mock's WebSocket watch of the same path. Ends when either side goes away.
   */
  private void watch(HttpExchange exchange, ResourcePath resource, String pathAndQuery) throws IOException {
    FieldSelector selector = FieldSelector.parse(resource.query("fieldSelector"));
    Optional<Tables> tables = wantsTable(exchange) ? tables(resource) : Optional.empty();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    String closed = "\u0000closed";
    URI ws = URI.create(backend.toString().replaceFirst("^http", "ws")).resolve(
        selector.forwardedPathAndQuery(pathAndQuery));
    WebSocket socket;
    try {
      socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(ws,
          new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              partial.append(data);
              if (last) {
                events.add(partial.toString());
                partial.setLength(0);
              }
              webSocket.request(1);
              return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
              events.add(closed);
              return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
              events.add(closed);
            }
          }).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      reply(exchange, 503, Statuses.status(503, "ServiceUnavailable", "cannot watch: " + e.getMessage()));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    boolean first = true;
    try {
      out.flush();
      while (true) {
        String event = events.poll(15, TimeUnit.SECONDS);
        if (closed.equals(event)) {
          return;
        }
        if (event == null) {
          continue; // nothing changed; a write would tell a gone client, but kubectl keeps watching
        }
        JsonNode parsed = JSON.readTree(event);
        JsonNode object = parsed.path("object");
        if (!selector.matches(object)) {
          continue;
        }
        if (tables.isPresent()) {
          ObjectNode table = tables.get().table(object);
          if (!first) {
            table.putArray("columnDefinitions");
          }
          ((ObjectNode) parsed).set("object", table);
        }
        first = false;
        out.write(JSON.writeValueAsBytes(parsed));
        out.write('\n');
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      socket.abort();
    }
  }

  /** {@code kubectl logs}: the local process's log file; with {@code follow} until the pod ends. */
  private void podLog(HttpExchange exchange, ResourcePath resource) throws IOException {
    Optional<Path> file = logs.logFile(resource.namespace(), resource.name(), resource.query("container"))
        .filter(Files::exists);
    if (file.isEmpty()) {
      reply(exchange, 404, Statuses.status(404, "NotFound", "pods \"" + resource.name() + "\" not found or has no"
          + " log yet"));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    boolean follow = "true".equals(resource.query("follow"));
    if (!follow) {
      byte[] bytes = Files.readAllBytes(file.get());
      exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
      exchange.getResponseBody().write(bytes);
      return;
    }
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    String podPath = "/api/v1/namespaces/" + resource.namespace() + "/pods/" + resource.name();
    try (InputStream in = Files.newInputStream(file.get())) {
      byte[] buffer = new byte[8192];
      while (true) {
        int n = in.read(buffer);
        if (n > 0) {
          out.write(buffer, 0, n);
          out.flush();
          continue;
        }
        String phase = get(podPath).at("/status/phase").asText("");
        if (phase.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) {
          if (in.available() == 0) {
            return;
          }
          continue;
        }
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange exchange, int code, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
