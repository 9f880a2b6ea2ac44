package dev.ferry.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step reports: one JSON object in its termination message, at most 4 KiB.
 * {@code {"metrics": {"auc": 0.91}, "artifactUri": "...", "datasetDigest": "sha256:..."}}.
 */
public record StepResult(Map<String, Double> metrics, String artifactUri, String datasetDigest, String message) {
  private static final ObjectMapper JSON = new ObjectMapper();

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
      metrics.put(field.getKey(), field.getValue().asDouble());
    }
    return new StepResult(metrics, text(root, "artifactUri"), text(root, "datasetDigest"), text(root, "message"));
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("");
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
