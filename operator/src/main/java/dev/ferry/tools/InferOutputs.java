package dev.ferry.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the outputs of an Open Inference Protocol v2 infer response with the expected ones.
 * Pure. An expected output is an OIP output with any of:
 * <ul>
 *   <li>{@code data}: the values, in row-major order (flat or nested). Numbers match within
 *       {@code absoluteTolerance} or {@code relativeTolerance * |expected|} when the output sets
 *       either (the larger wins when it sets both), else within the smoke test's tolerance
 *       {@code * max(1, |expected|)}; strings (BYTES), booleans and nulls match exactly;</li>
 *   <li>{@code range}: {@code {"min": a, "max": b}}, each bound optional: every value lies within
 *       (a regressor whose outputs move with every retrain);</li>
 *   <li>{@code oneOf}: every value is one of these (a classifier's labels).</li>
 * </ul>
 * Outputs the response has but the expectation does not name are ignored.
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
      List<JsonNode> g = flatten(got.path("data"));
      String outOfBounds = bounds(name, want, g);
      if (outOfBounds != null) {
        return outOfBounds;
      }
      if (!want.has("data")) {
        continue;
      }
      List<JsonNode> w = flatten(want.path("data"));
      Tolerance tol = Tolerance.of(want, tolerance);
      if (w.size() != g.size()) {
        return "output '" + name + "' has " + g.size() + " values, expected " + w.size();
      }
      int first = -1;
      int differing = 0;
      for (int i = 0; i < w.size(); i++) {
        if (!same(w.get(i), g.get(i), tol)) {
          differing++;
          if (first < 0) {
            first = i;
          }
        }
      }
      if (differing > 0) {
        String shown = "output '" + name + "'[" + first + "] = " + text(g.get(first)) + ", expected "
            + text(w.get(first)) + (w.get(first).isNumber() ? " (" + tol + ")" : "");
        return differing == 1 ? shown : shown + "; " + differing + " of " + w.size() + " values differ";
      }
    }
    return null;
  }

  /** How far a number may be from the expected one: an output's own tolerances, else the smoke test's. */
  record Tolerance(Double absolute, Double relative, double global) {
    static Tolerance of(JsonNode want, double global) {
      return new Tolerance(want.hasNonNull("absoluteTolerance") ? want.get("absoluteTolerance").asDouble() : null,
          want.hasNonNull("relativeTolerance") ? want.get("relativeTolerance").asDouble() : null, global);
    }

    double allowed(double expected) {
      if (absolute == null && relative == null) {
        return global * Math.max(1, Math.abs(expected));
      }
      return Math.max(absolute == null ? 0 : absolute, relative == null ? 0 : relative * Math.abs(expected));
    }

    @Override
    public String toString() {
      if (absolute == null && relative == null) {
        return "tolerance " + global;
      }
      return (absolute == null ? "" : "absoluteTolerance " + absolute) + (absolute != null && relative != null
          ? ", " : "") + (relative == null ? "" : "relativeTolerance " + relative);
    }
  }

  /** Why a value is outside the output's {@code range} or {@code oneOf}, or null. */
  private static String bounds(String name, JsonNode want, List<JsonNode> got) {
    JsonNode range = want.path("range");
    JsonNode oneOf = want.path("oneOf");
    for (int i = 0; i < got.size(); i++) {
      JsonNode value = got.get(i);
      if (range.isObject()) {
        boolean below = range.has("min") && (!value.isNumber() || value.asDouble() < range.get("min").asDouble());
        boolean above = range.has("max") && (!value.isNumber() || value.asDouble() > range.get("max").asDouble());
        if (below || above) {
          return "output '" + name + "'[" + i + "] = " + text(value) + ", outside the range ["
              + (range.has("min") ? range.get("min").toString() : "") + ", "
              + (range.has("max") ? range.get("max").toString() : "") + "]";
        }
      }
      if (oneOf.isArray() && !contains(oneOf, value)) {
        return "output '" + name + "'[" + i + "] = " + text(value) + ", not one of " + oneOf;
      }
    }
    return null;
  }

  private static boolean contains(JsonNode allowed, JsonNode value) {
    for (JsonNode a : allowed) {
      if (a.isNumber() && value.isNumber() ? a.asDouble() == value.asDouble() : a.equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static boolean same(JsonNode want, JsonNode got, Tolerance tolerance) {
    if (want.isNumber()) {
      if (!got.isNumber()) {
        return false;
      }
      double e = want.asDouble();
      double a = got.asDouble();
      return Math.abs(a - e) <= tolerance.allowed(e);
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
