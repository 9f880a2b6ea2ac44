package dev.ferry.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.drift.ReportStore;
import dev.ferry.kube.PvcUris;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local mode's drift reports on loopback: {@code /drift/} lists the DriftPolicies with their
 * latest verdict, {@code /drift/<namespace>/<name>} is the policy's latest HTML page (its
 * status.report), and {@code /drift/<namespace>/<name>/<page>.html} one page of its history. Pages
 * are read from the folder that stands for the policy's pvc:// report folder in the mapping file;
 * only time-stamped page names are served, so no request reaches outside that folder.
 */
public final class LocalReports implements AutoCloseable {
  private static final Pattern POLICY = Pattern.compile("^/drift/([a-z0-9-]{1,63})/([a-z0-9.-]{1,253})/?$");
  private static final Pattern PAGE =
      Pattern.compile("^/drift/([a-z0-9-]{1,63})/([a-z0-9.-]{1,253})/([^/]+)$");

  private final HttpServer server;
  private final KubernetesClient client;
  private final LocalMapping mapping;

  private LocalReports(HttpServer server, KubernetesClient client, LocalMapping mapping) {
    this.server = server;
    this.client = client;
    this.mapping = mapping;
  }

  /** Listens on loopback {@code port} (0: a free one). */
  public static LocalReports start(KubernetesClient client, LocalMapping mapping, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    LocalReports reports = new LocalReports(server, client, mapping);
    server.createContext("/", reports::handle);
    server.start();
    return reports;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The local folder standing for a pvc:// folder: the mapping's deepest claim or claim/path entry
   * that holds it; empty for a bucket or an unmapped claim.
   */
  static Optional<Path> localFolder(String uri, LocalMapping mapping) {
    Optional<PvcUris.PvcUri> pvc = PvcUris.parse(uri);
    if (pvc.isEmpty()) {
      return Optional.empty();
    }
    String full = pvc.get().path().isEmpty() ? pvc.get().claim() : pvc.get().claim() + "/" + pvc.get().path();
    return mapping.volumes().entrySet().stream()
        .filter(e -> full.equals(e.getKey()) || full.startsWith(e.getKey() + "/"))
        .max(Comparator.comparingInt(e -> e.getKey().length()))
        .map(e -> full.equals(e.getKey()) ? e.getValue() : e.getValue().resolve(full.substring(e.getKey().length() + 1)));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain", "only GET\n");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/") || path.equals("/drift") || path.equals("/drift/")) {
        send(exchange, 200, "text/html", index());
        return;
      }
      Matcher page = PAGE.matcher(path);
      Matcher latest = POLICY.matcher(path);
      boolean isPage = page.matches() && ReportStore.isPageName(page.group(3));
      if (!isPage && !latest.matches()) {
        send(exchange, 404, "text/plain", "no such page: the reports are under /drift/\n");
        return;
      }
      Matcher m = isPage ? page : latest;
      DriftPolicy policy = policy(m.group(1), m.group(2));
      if (policy == null) {
        send(exchange, 404, "text/plain", "no DriftPolicy " + m.group(2) + " in namespace " + m.group(1) + "\n");
        return;
      }
      if (policy.getSpec() == null || policy.getSpec().report == null) {
        send(exchange, 404, "text/plain", "DriftPolicy " + m.group(2) + " has no spec.report: its checks write no page\n");
        return;
      }
      String uri = isPage ? pageUri(policy, page.group(3))
          : Optional.ofNullable(policy.getStatus()).map(s -> s.report).orElse(null);
      if (uri == null) {
        send(exchange, 404, "text/plain", "DriftPolicy " + m.group(2) + " has no report yet: no check has finished\n");
        return;
      }
      String name = uri.substring(uri.lastIndexOf('/') + 1);
      Optional<Path> folder = localFolder(uri.substring(0, uri.lastIndexOf('/')), mapping);
      if (folder.isEmpty()) {
        send(exchange, 404, "text/plain", "the page is at " + uri + "; the local mode serves pages in claims mapped"
            + " under volumes: in " + mapping.file() + "\n");
        return;
      }
      Path file = folder.get().resolve(name);
      if (!Files.isRegularFile(file)) {
        send(exchange, 404, "text/plain", "no page " + uri + " (looked for " + file + ")\n");
        return;
      }
      send(exchange, 200, "text/html", Files.readString(file));
    }
  }

  /** Where a page of the history is: as its check recorded it (its Job's folder), else in today's spec.report folder. */
  private static String pageUri(DriftPolicy policy, String name) {
    return Optional.ofNullable(policy.getStatus()).stream().flatMap(s -> s.history.stream())
        .map(c -> c.report).filter(r -> r != null && r.endsWith("/" + name)).findFirst()
        .orElse(policy.getSpec().report.uri.replaceAll("/+$", "") + "/" + name);
  }

  private DriftPolicy policy(String namespace, String name) {
    try {
      return client.resources(DriftPolicy.class).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      return null;
    }
  }

  /** A page listing every DriftPolicy, its latest verdict and its pages. */
  private String index() {
    StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
        + "<title>Ferry drift reports</title><style>body{font:14px system-ui,sans-serif;margin:2em}"
        + "td,th{padding:.3em .8em;text-align:left;border-bottom:1px solid #ddd}</style></head><body>"
        + "<h1>Drift reports</h1><table><thead><tr><th>DriftPolicy</th><th>Latest check</th><th>Verdict</th>"
        + "<th>Report</th></tr></thead><tbody>\n");
    List<DriftPolicy> policies = client.resources(DriftPolicy.class).inAnyNamespace().list().getItems();
    for (DriftPolicy p : policies) {
      String ns = p.getMetadata().getNamespace();
      String name = p.getMetadata().getName();
      DriftPolicyStatus s = p.getStatus();
      String time = s == null || s.lastCheck == null ? "" : s.lastCheck.time;
      String verdict = s == null || s.lastCheck == null ? "no check yet" : s.lastCheck.result;
      String link = s == null || s.report == null ? (p.getSpec() != null && p.getSpec().report != null ? "none yet"
          : "no spec.report") : "<a href=\"/drift/" + ns + "/" + name + "\">latest</a>";
      h.append("<tr><td>").append(escape(ns + "/" + name)).append("</td><td>").append(escape(time))
          .append("</td><td>").append(escape(verdict)).append("</td><td>").append(link).append("</td></tr>\n");
    }
    return h.append("</tbody></table></body></html>\n").toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    // The pages are self-contained: nothing they load, so nothing to allow.
    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline';"
        + " img-src data:");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
