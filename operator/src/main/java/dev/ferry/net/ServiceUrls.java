package dev.ferry.net;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The one place that turns an in-cluster URL into one this process can reach. Every HTTP tool in
 * Ferry (smoke-test, the Prometheus client, webhooks) sends its URLs through {@link #resolve}.
 *
 * <p>On a cluster a URL is returned unchanged: Kubernetes DNS does the work. In Ferry's local mode
 * servers listen on loopback ports, and the local mode writes a small JSON file, named by the
 * environment variable {@value #ENV_LOCAL_SERVICES}, that maps each Service port to the local
 * address standing for it:
 *
 * <pre>{"churn-staging.default:8080": "127.0.0.1:40123", "prometheus.monitoring:9090": "127.0.0.1:40124"}</pre>
 *
 * <p>A URL whose host is {@code <svc>.<ns>}, {@code <svc>.<ns>.svc} or
 * {@code <svc>.<ns>.svc.cluster.local} (or a bare {@code <svc>} when {@value #ENV_NAMESPACE} names
 * the namespace) and whose port (explicit, or the scheme's default) is mapped gets the local
 * address instead; scheme, path, query and fragment are kept. Anything else is left alone.
 */
public final class ServiceUrls {
  /** Path of the services file written by the local mode; unset on a cluster. */
  public static final String ENV_LOCAL_SERVICES = "FERRY_LOCAL_SERVICES";
  /** Namespace that a bare Service name ({@code http://churn:8080}) is looked up in. */
  public static final String ENV_NAMESPACE = "FERRY_NAMESPACE";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  // A DNS-1123 label: what Kubernetes allows for Service and namespace names.
  private static final String LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
  private static final Pattern KEY = Pattern.compile(LABEL + "\\." + LABEL + ":[0-9]{1,5}");
  private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}");

  /**
   * Parsed services files by absolute path. The file is rewritten (by atomic rename) whenever a
   * local server starts or stops, so an entry is reused only while the file is the same one:
   * same modification time, size and file key.
   */
  private static final Map<Path, Snapshot> CACHE = new ConcurrentHashMap<>();

  private record Snapshot(Object fileKey, FileTime modified, long size, Map<String, String> services) {
    boolean matches(BasicFileAttributes attrs) {
      return Objects.equals(fileKey, attrs.fileKey()) && modified.equals(attrs.lastModifiedTime())
          && size == attrs.size();
    }
  }

  private ServiceUrls() {
  }

  /** The services file is unreadable or malformed: a fault of the local mode, not of the URL. */
  public static final class ServicesFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServicesFileException(String message) {
      super(message);
    }
  }

  /**
   * The URL this process should use for {@code uri}.
   *
   * @param env the environment ({@value #ENV_LOCAL_SERVICES}, {@value #ENV_NAMESPACE}); pass
   *     {@code System.getenv()} in a tool, the configured map elsewhere
   * @throws ServicesFileException when the services file exists but cannot be read or parsed
   */
  public static URI resolve(URI uri, Map<String, String> env) {
    String file = blankToNull(env.get(ENV_LOCAL_SERVICES));
    if (file == null || uri.getHost() == null || uri.getScheme() == null) {
      return uri;
    }
    String key = key(uri, blankToNull(env.get(ENV_NAMESPACE)));
    if (key == null) {
      return uri;
    }
    String local = services(Path.of(file)).get(key);
    if (local == null) {
      return uri;
    }
    StringBuilder b = new StringBuilder(uri.getScheme()).append("://");
    if (uri.getRawUserInfo() != null) {
      b.append(uri.getRawUserInfo()).append('@');
    }
    b.append(local);
    b.append(uri.getRawPath() == null ? "" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      b.append('?').append(uri.getRawQuery());
    }
    if (uri.getRawFragment() != null) {
      b.append('#').append(uri.getRawFragment());
    }
    return URI.create(b.toString());
  }

  /** {@link #resolve(URI, Map)} for a URL in a string. */
  public static String resolve(String url, Map<String, String> env) {
    return resolve(URI.create(url), env).toString();
  }

  /** The key of a Service port in the services file: {@code <service>.<namespace>:<port>}. */
  public static String key(String service, String namespace, int port) {
    return service + "." + namespace + ":" + port;
  }

  /**
   * Writes a services file for {@link #resolve} to read: {@code {"<svc>.<ns>:<port>": "<host>:<port>"}}.
   * The file is replaced atomically, so a reader never sees half of it.
   *
   * @throws IllegalArgumentException when a key or an address is malformed
   */
  public static void write(Path file, Map<String, String> services) throws IOException {
    Map<String, String> sorted = new TreeMap<>();
    services.forEach((k, v) -> {
      check(k, v, "services");
      sorted.put(k, v);
    });
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      Files.write(tmp, JSON.writeValueAsBytes(sorted));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The file's services, from the cache while the file is unchanged. A missing file has none yet. */
  static Map<String, String> services(Path file) {
    Path path = file.toAbsolutePath();
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      // The local mode may start a tool before any server runs; then no Service is local yet.
      CACHE.remove(path);
      return Map.of();
    } catch (IOException e) {
      throw new ServicesFileException("cannot read " + ENV_LOCAL_SERVICES + " file " + path + ": " + e);
    }
    Snapshot cached = CACHE.get(path);
    if (cached != null && cached.matches(attrs)) {
      return cached.services();
    }
    Map<String, String> services = parse(path);
    CACHE.put(path, new Snapshot(attrs.fileKey(), attrs.lastModifiedTime(), attrs.size(), services));
    return services;
  }

  private static Map<String, String> parse(Path path) {
    JsonNode root;
    try {
      byte[] bytes = Files.readAllBytes(path);
      root = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new ServicesFileException(ENV_LOCAL_SERVICES + " file " + path + " is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ServicesFileException("cannot read " + ENV_LOCAL_SERVICES + " file " + path + ": " + e);
    }
    if (root == null || !root.isObject()) {
      throw new ServicesFileException(ENV_LOCAL_SERVICES + " file " + path
          + " must hold one JSON object {\"<service>.<namespace>:<port>\": \"<host>:<port>\"}");
    }
    Map<String, String> services = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new ServicesFileException(path + ": the address of " + e.getKey() + " must be a string \"<host>:<port>\"");
      }
      try {
        check(e.getKey(), e.getValue().asText(), path.toString());
      } catch (IllegalArgumentException bad) {
        throw new ServicesFileException(bad.getMessage());
      }
      services.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText());
    }
    return Map.copyOf(services);
  }

  private static void check(String key, String address, String where) {
    if (key == null || !KEY.matcher(key.toLowerCase(Locale.ROOT)).matches()) {
      throw new IllegalArgumentException(where + ": key '" + key + "' is not <service>.<namespace>:<port>");
    }
    if (address == null || !ADDRESS.matcher(address).matches()) {
      throw new IllegalArgumentException(where + ": address '" + address + "' of " + key + " is not <host>:<port>");
    }
  }

  /** The services-file key for a URL's host and port, or null when the host is no Service name. */
  private static String key(URI uri, String namespace) {
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1); // an absolute DNS name
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(uri.getScheme());
    if (port < 0) {
      return null;
    }
    String[] labels = host.split("\\.", -1);
    String service;
    String ns;
    if (labels.length == 1 && namespace != null) {
      service = labels[0];
      ns = namespace.toLowerCase(Locale.ROOT);
    } else if (labels.length == 2
        || labels.length == 3 && labels[2].equals("svc")
        || labels.length == 5 && labels[2].equals("svc") && labels[3].equals("cluster") && labels[4].equals("local")) {
      service = labels[0];
      ns = labels[1];
    } else {
      return null;
    }
    return key(service, ns, port);
  }

  private static int defaultPort(String scheme) {
    return switch (scheme.toLowerCase(Locale.ROOT)) {
      case "http", "ws" -> 80;
      case "https", "wss" -> 443;
      default -> -1;
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
