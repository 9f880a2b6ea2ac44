package dev.ferry.local.gateway;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What the Gateway API says a gateway does with one request, as a pure function of the HTTPRoutes:
 * which rule matches (host names, path, method, headers, query parameters; ties broken by the
 * specification's precedence), which backend of its weighted list answers, and which mirrors get a
 * copy. Only what Ferry writes and what users commonly add is modelled: Exact and PathPrefix
 * paths, Exact headers and query parameters, RequestMirror with percent or fraction. A rule using
 * anything else never matches (a conformant gateway would reject it rather than guess).
 */
public final class RouteMatcher {
  private RouteMatcher() {
  }

  /** A request as the gateway sees it; header names in any case. */
  public record Request(String method, String host, String path, Map<String, List<String>> headers,
      Map<String, List<String>> query) {
    Optional<String> header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst();
    }
  }

  /** A backend Service port in a namespace. */
  public record Backend(String namespace, String service, int port) {
  }

  /** The decision: who answers, who gets copies; or why nobody can. */
  public record Decision(Optional<Backend> answer, List<Backend> mirrors, String route, String problem) {
  }

  private record Candidate(HTTPRoute route, int ruleIndex, HTTPRouteRule rule, HTTPRouteMatch match) {
  }

  /** Routes {@code request} through {@code routes}; {@code random} draws the weights and mirror shares. */
  public static Decision route(List<HTTPRoute> routes, Request request, RandomGenerator random) {
    List<Candidate> matching = new ArrayList<>();
    for (HTTPRoute route : routes) {
      if (route.getSpec() == null || route.getSpec().getRules() == null || !hostMatches(route, request.host())) {
        continue;
      }
      List<HTTPRouteRule> rules = route.getSpec().getRules();
      for (int i = 0; i < rules.size(); i++) {
        HTTPRouteRule rule = rules.get(i);
        List<HTTPRouteMatch> matches = rule.getMatches() == null || rule.getMatches().isEmpty()
            ? List.of(new HTTPRouteMatch()) : rule.getMatches();
        for (HTTPRouteMatch match : matches) {
          if (matches(match, request)) {
            matching.add(new Candidate(route, i, rule, match));
          }
        }
      }
    }
    Optional<Candidate> best = matching.stream().min(PRECEDENCE);
    if (best.isEmpty()) {
      return new Decision(Optional.empty(), List.of(), null, "no HTTPRoute rule matches " + request.method() + " "
          + request.path());
    }
    Candidate chosen = best.get();
    String routeName = chosen.route().getMetadata().getNamespace() + "/" + chosen.route().getMetadata().getName();
    String namespace = chosen.route().getMetadata().getNamespace();
    List<Backend> mirrors = new ArrayList<>();
    for (HTTPRouteFilter filter : chosen.rule().getFilters() == null ? List.<HTTPRouteFilter>of()
        : chosen.rule().getFilters()) {
      if ("RequestMirror".equals(filter.getType()) && filter.getRequestMirror() != null
          && random.nextDouble() < share(filter.getRequestMirror())) {
        var ref = filter.getRequestMirror().getBackendRef();
        mirrors.add(new Backend(ref.getNamespace() == null ? namespace : ref.getNamespace(), ref.getName(),
            ref.getPort() == null ? 80 : ref.getPort()));
      }
    }
    Optional<Backend> answer = pick(chosen.rule().getBackendRefs(), namespace, random);
    return new Decision(answer, mirrors, routeName, answer.isPresent() ? null
        : "rule " + chosen.ruleIndex() + " of HTTPRoute " + routeName + " has no backend with a weight above 0");
  }

  /** The share of requests a mirror gets: percent, fraction, or all of them (the specification's default). */
  static double share(HTTPRequestMirrorFilter mirror) {
    if (mirror.getPercent() != null) {
      return mirror.getPercent() / 100.0;
    }
    if (mirror.getFraction() != null && mirror.getFraction().getNumerator() != null) {
      int denominator = mirror.getFraction().getDenominator() == null ? 100 : mirror.getFraction().getDenominator();
      return denominator <= 0 ? 0 : (double) mirror.getFraction().getNumerator() / denominator;
    }
    return 1.0;
  }

  private static Optional<Backend> pick(List<HTTPBackendRef> refs, String namespace, RandomGenerator random) {
    if (refs == null) {
      return Optional.empty();
    }
    long total = refs.stream().mapToLong(RouteMatcher::weight).sum();
    if (total <= 0) {
      return Optional.empty();
    }
    long draw = random.nextLong(total);
    for (HTTPBackendRef ref : refs) {
      draw -= weight(ref);
      if (draw < 0) {
        return Optional.of(new Backend(ref.getNamespace() == null ? namespace : ref.getNamespace(), ref.getName(),
            ref.getPort() == null ? 80 : ref.getPort()));
      }
    }
    return Optional.empty();
  }

  private static long weight(HTTPBackendRef ref) {
    return ref.getWeight() == null ? 1 : Math.max(0, ref.getWeight());
  }

  static boolean hostMatches(HTTPRoute route, String host) {
    List<String> hostnames = route.getSpec().getHostnames();
    if (hostnames == null || hostnames.isEmpty()) {
      return true;
    }
    String name = host == null ? "" : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
    return hostnames.stream().map(h -> h.toLowerCase(Locale.ROOT)).anyMatch(h -> h.startsWith("*.")
        ? name.endsWith(h.substring(1)) && name.length() > h.length() - 1 : h.equals(name));
  }

  static boolean matches(HTTPRouteMatch match, Request request) {
    var path = match.getPath();
    String type = path == null || path.getType() == null ? "PathPrefix" : path.getType();
    String value = path == null || path.getValue() == null ? "/" : path.getValue();
    boolean pathOk = switch (type) {
      case "Exact" -> request.path().equals(value);
      case "PathPrefix" -> prefixMatches(value, request.path());
      default -> false;
    };
    if (!pathOk || match.getMethod() != null && !match.getMethod().equalsIgnoreCase(request.method())) {
      return false;
    }
    for (HTTPHeaderMatch header : match.getHeaders() == null ? List.<HTTPHeaderMatch>of() : match.getHeaders()) {
      if (header.getType() != null && !"Exact".equals(header.getType())
          || !request.header(header.getName()).map(v -> v.equals(header.getValue())).orElse(false)) {
        return false;
      }
    }
    for (var query : match.getQueryParams() == null ? List.<io.fabric8.kubernetes.api.model.gatewayapi.v1
        .HTTPQueryParamMatch>of() : match.getQueryParams()) {
      List<String> values = request.query().getOrDefault(query.getName(), List.of());
      if (query.getType() != null && !"Exact".equals(query.getType()) || values.isEmpty()
          || !values.get(0).equals(query.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** PathPrefix matches by whole path elements: /v2 matches /v2 and /v2/models, not /v2x. */
  static boolean prefixMatches(String prefix, String path) {
    String p = prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    return "/".equals(p) || path.equals(p) || path.startsWith(p + "/");
  }

  /**
   * The Gateway API's precedence among matching rules: an Exact path, the longest path, a method,
   * the most header matches, the most query matches; then the oldest route, then namespace/name,
   * then the rule's order in its route.
   */
  private static final Comparator<Candidate> PRECEDENCE = Comparator
      .comparingInt((Candidate c) -> c.match().getPath() != null && "Exact".equals(c.match().getPath().getType()) ? 0 : 1)
      .thenComparingInt(c -> -(c.match().getPath() == null || c.match().getPath().getValue() == null ? 1
          : c.match().getPath().getValue().length()))
      .thenComparingInt(c -> c.match().getMethod() != null ? 0 : 1)
      .thenComparingInt(c -> -(c.match().getHeaders() == null ? 0 : c.match().getHeaders().size()))
      .thenComparingInt(c -> -(c.match().getQueryParams() == null ? 0 : c.match().getQueryParams().size()))
      .thenComparing(c -> String.valueOf(c.route().getMetadata().getCreationTimestamp()))
      .thenComparing(c -> c.route().getMetadata().getNamespace() + "/" + c.route().getMetadata().getName())
      .thenComparingInt(Candidate::ruleIndex);
}
