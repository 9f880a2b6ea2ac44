package dev.ferry.local.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request path of the Kubernetes REST API, taken apart:
 * {@code /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUBRESOURCE]]} or the core group's
 * {@code /api/v1/...}. The group of the core API is the empty string.
 */
public record ResourcePath(String group, String version, String namespace, String plural, String name,
    String subresource, Map<String, String> query) {
  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/(?<coreVersion>[^/]+)|apis/(?<group>[^/]+)/(?<version>[^/]+))"
          + "(?:/namespaces/(?<namespace>[^/]+))?/(?<plural>[^/]+)(?:/(?<name>[^/]+))?(?:/(?<sub>[^/]+))?/?$");

  /** The parts of {@code pathAndQuery}; empty for a path that names no resource (discovery, /version). */
  public static Optional<ResourcePath> parse(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : parseQuery(pathAndQuery.substring(q + 1));
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    String group = m.group("coreVersion") != null ? "" : m.group("group");
    String version = m.group("coreVersion") != null ? m.group("coreVersion") : m.group("version");
    String namespace = m.group("namespace");
    String plural = m.group("plural");
    String name = m.group("name");
    return Optional.of(new ResourcePath(group, version, namespace, plural, name, m.group("sub"), query));
  }

  public String query(String key) {
    return query.get(key);
  }

  public boolean watch() {
    return "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
  }

  /** "group/version", or "v1" for the core group, as apiVersion spells it. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(key, value);
    }
    return out;
  }
}
