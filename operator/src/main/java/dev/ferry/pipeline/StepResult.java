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
