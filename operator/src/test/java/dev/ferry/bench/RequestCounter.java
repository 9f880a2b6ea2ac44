package dev.ferry.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests one Kubernetes client sends, by verb (get, list and watch are reads;
 * create, update, patch and delete are writes) and by verb and resource ("update trainingruns/status").
 * Installed as an HTTP interceptor on the operator's own client only, so the harness and the local
 * Job controller, which share another client, are not counted.
 */
final class RequestCounter implements Interceptor {
  enum Verb {
    GET, LIST, WATCH, CREATE, UPDATE, PATCH, DELETE, OTHER;

    boolean isWrite() {
      return this == CREATE || this == UPDATE || this == PATCH || this == DELETE;
    }
  }

  /** Counts at one moment; subtract two to get a phase's requests. */
  record Snapshot(Map<Verb, Long> byVerb, Map<String, Long> byVerbAndResource) {
    long get(Verb verb) {
      return byVerb.getOrDefault(verb, 0L);
    }

    long reads() {
      return get(Verb.GET) + get(Verb.LIST);
    }

    long writes() {
      return byVerb.entrySet().stream().filter(e -> e.getKey().isWrite()).mapToLong(Map.Entry::getValue).sum();
    }

    Snapshot minus(Snapshot earlier) {
      Map<Verb, Long> verbs = new EnumMap<>(Verb.class);
      byVerb.forEach((k, v) -> verbs.put(k, v - earlier.byVerb.getOrDefault(k, 0L)));
      Map<String, Long> detail = new TreeMap<>();
      byVerbAndResource.forEach((k, v) -> {
        long d = v - earlier.byVerbAndResource.getOrDefault(k, 0L);
        if (d != 0) {
          detail.put(k, d);
        }
      });
      return new Snapshot(verbs, detail);
    }
  }

  private final Map<Verb, LongAdder> byVerb = new EnumMap<>(Verb.class);
  private final Map<String, LongAdder> byVerbAndResource = new ConcurrentHashMap<>();

  RequestCounter() {
    for (Verb verb : Verb.values()) {
      byVerb.put(verb, new LongAdder());
    }
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    Verb verb = verb(request.method(), request.uri());
    byVerb.get(verb).increment();
    byVerbAndResource.computeIfAbsent(verb.name().toLowerCase() + " " + resource(request.uri()), k -> new LongAdder())
        .increment();
  }

  Snapshot snapshot() {
    Map<Verb, Long> verbs = new EnumMap<>(Verb.class);
    byVerb.forEach((k, v) -> verbs.put(k, v.sum()));
    Map<String, Long> detail = new TreeMap<>();
    byVerbAndResource.forEach((k, v) -> detail.put(k, v.sum()));
    return new Snapshot(verbs, detail);
  }

  static Verb verb(String method, URI uri) {
    switch (method.toUpperCase()) {
      case "GET":
        String query = uri.getRawQuery();
        if (query != null && Arrays.asList(query.split("&")).contains("watch=true")) {
          return Verb.WATCH;
        }
        return segments(uri).length == 1 ? Verb.LIST : Verb.GET;
      case "POST":
        return Verb.CREATE;
      case "PUT":
        return Verb.UPDATE;
      case "PATCH":
        return Verb.PATCH;
      case "DELETE":
        return Verb.DELETE;
      default:
        return Verb.OTHER;
    }
  }

  /**
   * The path below the API group and namespace: {@code [plural]} is a collection,
   * {@code [plural, name]} an object, {@code [plural, name, subresource]} a subresource.
   */
  private static String[] segments(URI uri) {
    String path = uri.getPath();
    String[] parts = path.replaceAll("^/+|/+$", "").split("/");
    int start;
    if (parts.length > 0 && parts[0].equals("api")) {
      start = 2;
    } else if (parts.length > 0 && parts[0].equals("apis")) {
      start = 3;
    } else {
      return parts;
    }
    if (parts.length > start + 2 && parts[start].equals("namespaces")) {
      start += 2;
    }
    return start >= parts.length ? new String[0] : Arrays.copyOfRange(parts, start, parts.length);
  }

  private static String resource(URI uri) {
    String[] s = segments(uri);
    if (s.length == 0) {
      return uri.getPath();
    }
    return s.length >= 3 ? s[0] + "/" + s[2] : s[0];
  }
}
