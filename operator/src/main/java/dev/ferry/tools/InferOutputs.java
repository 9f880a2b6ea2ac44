package dev.ferry.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the outputs of an Open Inference Protocol v2 infer response with the expected ones.
 * Pure. Numbers match within {@code tolerance * max(1, |expected|)} (absolute near zero, relative
 * for large values); strings (BYTES), booleans and nulls match exactly. Tensor data may be flat or
 * nested; it is compared in row-major order. Outputs the response has but the expectation does not
 * name are ignored.
 */
final class InferOutputs {
  private InferOutputs() {
  }

  /** Why the response does not match, or null when it does. */
  static String mismatch(JsonNode expected, JsonNode response, double tolerance) {
    Map<String, JsonNode> actual = new LinkedHashMap<>();
    for (JsonNode out : response.path("outputs")) {
      actual.put(out.path("name").asText(), out);
    }
    for (JsonNode want : expected.path("outputs")) {
      String name = want.path("name").asText();
      JsonNode got = actual.get(name);
      if (got == null) {
        return "output '" + name + "' is missing (the response has " + (actual.isEmpty() ? "no outputs"
            : String.join(", ", actual.keySet())) + ")";
      }
      if (want.has("datatype") && !want.get("datatype").asText().equals(got.path("datatype").asText())) {
        return "output '" + name + "' has datatype " + got.path("datatype").asText("(none)") + ", expected "
            + want.get("datatype").asText();
      }
      if (want.has("shape") && !want.get("shape").equals(got.path("shape"))) {
        return "output '" + name + "' has shape " + got.path("shape") + ", expected " + want.get("shape");
      }
      List<JsonNode> w = flatten(want.path("data"));
      List<JsonNode> g = flatten(got.path("data"));
      if (w.size() != g.size()) {
        return "output '" + name + "' has " + g.size() + " values, expected " + w.size();
      }
      int first = -1;
      int differing = 0;
      for (int i = 0; i < w.size(); i++) {
        if (!same(w.get(i), g.get(i), tolerance)) {
          differing++;
          if (first < 0) {
            first = i;
          }
        }
      }
      if (differing > 0) {
        String shown = "output '" + name + "'[" + first + "] = " + text(g.get(first)) + ", expected "
            + text(w.get(first)) + (w.get(first).isNumber() ? " (tolerance " + tolerance + ")" : "");
        return differing == 1 ? shown : shown + "; " + differing + " of " + w.size() + " values differ";
      }
    }
    return null;
  }

  private static boolean same(JsonNode want, JsonNode got, double tolerance) {
    if (want.isNumber()) {
      if (!got.isNumber()) {
        return false;
      }
      double e = want.asDouble();
      double a = got.asDouble();
      return Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e));
    }
    if (want.isTextual()) {
      return got.isTextual() && want.asText().equals(got.asText());
    }
    return want.equals(got); // booleans, nulls
  }

  private static List<JsonNode> flatten(JsonNode data) {
    List<JsonNode> flat = new ArrayList<>();
    flatten(data, flat);
    return flat;
  }

  private static void flatten(JsonNode node, List<JsonNode> into) {
    if (node.isArray()) {
      node.forEach(n -> flatten(n, into));
    } else if (!node.isMissingNode()) {
      into.add(node);
    }
  }

  private static String text(JsonNode n) {
    if (n.isTextual()) {
      String s = n.asText();
      return "\"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
    }
    return n.toString();
  }
}
