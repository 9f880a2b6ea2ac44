package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A {@code fieldSelector} ({@code involvedObject.name=churn,type!=Normal}) evaluated on objects:
 * the mock API selects by {@code metadata.name} and {@code metadata.namespace} only and ignores the
 * rest, so the gateway passes those two on and applies every requirement itself.
 */
record FieldSelector(List<Requirement> requirements) {
  static final FieldSelector NONE = new FieldSelector(List.of());
  private static final java.util.Set<String> MOCK_SELECTS = java.util.Set.of("metadata.name", "metadata.namespace");

  record Requirement(String field, String value, boolean equal) {
    boolean matches(JsonNode object) {
      JsonNode node = object.at("/" + field.replace('.', '/'));
      String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
      return actual.equals(value) == equal;
    }

    String text() {
      return field + (equal ? "=" : "!=") + value;
    }
  }

  static FieldSelector parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return NONE;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : selector.split(",")) {
      int ne = part.indexOf("!=");
      if (ne > 0) {
        out.add(new Requirement(part.substring(0, ne).trim(), part.substring(ne + 2).trim(), false));
        continue;
      }
      String[] kv = part.split("==?", 2);
      if (kv.length == 2) {
        out.add(new Requirement(kv[0].trim(), kv[1].trim(), true));
      }
    }
    return new FieldSelector(List.copyOf(out));
  }

  boolean matches(JsonNode object) {
    return requirements.stream().allMatch(r -> r.matches(object));
  }

  /** The request for the mock: only the requirements it understands stay in the query. */
  String forwardedPathAndQuery(String pathAndQuery) {
    if (requirements.isEmpty()) {
      return pathAndQuery;
    }
    int q = pathAndQuery.indexOf('?');
    Map<String, String> query = ResourcePath.parseQuery(pathAndQuery.substring(q + 1));
    String kept = requirements.stream().filter(r -> r.equal() && MOCK_SELECTS.contains(r.field()))
        .map(Requirement::text).collect(Collectors.joining(","));
    if (kept.isEmpty()) {
      query.remove("fieldSelector");
    } else {
      query.put("fieldSelector", kept);
    }
    String rebuilt = query.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(),
            StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return pathAndQuery.substring(0, q) + (rebuilt.isEmpty() ? "" : "?" + rebuilt);
  }
}
