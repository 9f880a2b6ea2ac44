package dev.ferry.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a step reports: one JSON object in its termination message, at most 4 KiB.
 * {@code {"metrics": {"auc": 0.91}, "artifactUri": "...", "datasetDigest": "sha256:..."}}.
 */
public record StepResult(Map<String, Double> metrics, String artifactUri, String datasetDigest, String message) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DIGEST = Pattern.compile("^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$");

  public static StepResult empty() {
    return new StepResult(Map.of(), null, null, null);
  }

  /** Parses a termination message; a blank one is an empty result, anything else must be a JSON object. */
  public static StepResult parse(String text) throws MalformedResultException {
    if (text == null || text.isBlank()) {
      return empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new MalformedResultException("result is not JSON (" + firstLine(e.getMessage()) + "): "
          + abbreviate(text));
    }
    if (root == null || !root.isObject()) {
      throw new MalformedResultException("result must be a JSON object, got: " + abbreviate(text));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    JsonNode metricsNode = root.path("metrics");
    if (!metricsNode.isMissingNode() && !metricsNode.isObject()) {
      throw new MalformedResultException("result field metrics must be an object of numbers");
    }
    for (var it = metricsNode.fields(); it.hasNext(); ) {
      var field = it.next();
      if (!field.getValue().isNumber()) {
        throw new MalformedResultException("metric " + field.getKey() + " must be a number, got "
            + abbreviate(field.getValue().toString()));
      }
      double value = field.getValue().asDouble();
      if (!Double.isFinite(value)) {
        // 1e999 parses as Infinity, which passes every gate and cannot be stored by the API server.
        throw new MalformedResultException("metric " + field.getKey() + " must be a finite number, got "
            + abbreviate(field.getValue().toString()));
      }
      metrics.put(field.getKey(), value);
    }
    String digest = text(root, "datasetDigest");
    if (digest != null && !DIGEST.matcher(digest).matches()) {
      throw new MalformedResultException("datasetDigest must look like sha256:<64 lowercase hex digits>, got "
          + abbreviate(digest));
    }
    return new StepResult(metrics, text(root, "artifactUri"), digest, text(root, "message"));
  }

  /**
   * What is wrong with the artifact a step reports, for a run whose pipeline keeps artifacts under
   * {@code artifactsRoot} (null when it sets none): it must lie under that root, so a step cannot
   * point production at another team's files, and may not climb out of it with "..".
   */
  public static Optional<String> artifactProblem(String artifactUri, String artifactsRoot) {
    if (artifactUri == null) {
      return Optional.empty();
    }
    if (artifactUri.isBlank() || artifactUri.chars().anyMatch(Character::isISOControl)) {
      return Optional.of("artifactUri must be a URI, got " + abbreviate(artifactUri));
    }
    if (java.util.Arrays.asList(artifactUri.split("/")).contains("..")) {
      return Optional.of("artifactUri may not contain \"..\": " + abbreviate(artifactUri));
    }
    if (artifactsRoot != null) {
      String root = artifactsRoot.replaceAll("/+$", "") + "/";
      if (!(artifactUri.replaceAll("/+$", "") + "/").startsWith(root)) {
        return Optional.of("artifactUri " + abbreviate(artifactUri) + " is not under the pipeline's spec.artifacts.uri "
            + artifactsRoot);
      }
    }
    return Optional.empty();
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("");
  }

  /** Violations listed in a failed data validation's message; the rest are counted. */
  static final int VIOLATIONS_SHOWN = 10;

  /**
   * What a failed step said, for people: the message of its result and, for a failed data
   * validation, each violation as rule, column, rows and first lines; a termination message that
   * is no result, shortened.
   */
  static String failureMessage(String raw) {
    JsonNode result;
    try {
      result = JSON.readTree(raw);
    } catch (IOException e) {
      return abbreviate(raw);
    }
    if (result == null || !result.isObject()) {
      return abbreviate(raw);
    }
    JsonNode violations = result.path("violations");
    if (violations.isArray() && !violations.isEmpty()) {
      String message = result.path("message").asText("the data breaks its schema");
      int colon = message.indexOf(" rows: ");
      StringBuilder b = new StringBuilder(colon > 0 ? message.substring(0, colon + " rows".length()) : message);
      int shown = Math.min(VIOLATIONS_SHOWN, violations.size());
      for (int i = 0; i < shown; i++) {
        b.append(i == 0 ? ": " : "; ").append(violation(violations.get(i)));
      }
      int omitted = violations.size() - shown + result.path("violationsOmitted").asInt(0);
      if (omitted > 0) {
        b.append("; and ").append(omitted).append(" more (the step's log has all)");
      }
      return b.toString();
    }
    if (result.hasNonNull("message")) {
      String message = result.get("message").asText().strip();
      return message.length() <= 1000 ? message : message.substring(0, 1000) + "...";
    }
    return abbreviate(raw);
  }

  /** {@code rule min on column tenure: 3 rows, first lines 4, 9, 17 (seen -3, allowed 0)}. */
  private static String violation(JsonNode v) {
    StringBuilder b = new StringBuilder("rule ").append(v.path("rule").asText("?"));
    if (v.hasNonNull("column")) {
      b.append(" on column ").append(v.get("column").asText());
    }
    if (v.hasNonNull("rows")) {
      long rows = v.get("rows").asLong();
      b.append(": ").append(rows).append(rows == 1 ? " row" : " rows");
      java.util.List<String> lines = new java.util.ArrayList<>();
      v.path("lines").forEach(l -> lines.add(l.asText()));
      if (!lines.isEmpty()) {
        b.append(lines.size() == 1 ? ", line " : ", first lines ").append(String.join(", ", lines));
      }
    }
    String seen = text(v.get("observed"));
    String allowed = text(v.get("bound"));
    if (!seen.isEmpty() || !allowed.isEmpty()) {
      b.append(" (").append(seen.isEmpty() ? "" : "seen " + seen).append(!seen.isEmpty() && !allowed.isEmpty()
          ? ", " : "").append(allowed.isEmpty() ? "" : "allowed " + allowed).append(')');
    }
    return b.toString();
  }

  private static String text(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "";
    }
    String t = n.isValueNode() ? n.asText() : n.toString();
    return t.length() <= 80 ? t : t.substring(0, 80) + "...";
  }

  static String abbreviate(String text) {
    String oneLine = text.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
  }

  /** A termination message that is not a valid step result. */
  public static class MalformedResultException extends Exception {
    public MalformedResultException(String message) {
      super(message);
    }
  }
}
