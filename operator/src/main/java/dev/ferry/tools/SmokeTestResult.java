package dev.ferry.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The result of a smoke test as the operator reads it from the termination message (at most 4096
 * bytes): {@code {"metrics":{"requests":N,"failed":K,"p95LatencyMs":x},"passed":bool,
 * "failures":[{"request":"a.json","reason":"..."}],"message":"..."}}. When everything does not
 * fit, failures are dropped from the end ({@code "failuresOmitted"} counts them), then the
 * message is shortened.
 */
record SmokeTestResult(int requests, int failed, Double p95LatencyMs, boolean passed, List<Failure> failures,
    String message) {
  static final int LIMIT = 4096;
  /** Longest reason kept per failure, in characters. */
  static final int REASON_CHARS = 300;
  /** A latency failure concerns every request, not one file. */
  static final String ALL_REQUESTS = "*";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What went wrong with one request file (or with all of them: {@link #ALL_REQUESTS}). */
  record Failure(String request, String reason) {
  }

  /** The test could not run: no metrics worth reporting. */
  static SmokeTestResult couldNotRun(String message) {
    return new SmokeTestResult(0, 0, null, false, List.of(), message);
  }

  /** Nearest-rank 95th percentile: the smallest sample with at least 95% of the samples at or below it. */
  static Double p95(List<Double> samples) {
    if (samples.isEmpty()) {
      return null;
    }
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(0.95 * sorted.size());
    return sorted.get(Math.max(rank, 1) - 1);
  }

  /** The JSON, at most {@code limit} bytes of UTF-8. */
  byte[] toJson(int limit) {
    int keep = failures.size();
    byte[] bytes = bytes(node(keep, message));
    if (bytes.length <= limit) {
      return bytes;
    }
    // Drop failures from the end: find how many fit by halving.
    int lo = 0;
    int hi = keep;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (bytes(node(mid, message)).length <= limit) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    bytes = bytes(node(lo, message));
    if (bytes.length <= limit) {
      return bytes;
    }
    // Still too long: the message itself. Keep the longest prefix that fits (bytes, not chars, count).
    int keepChars = 0;
    hi = message.length();
    while (keepChars < hi) {
      int mid = (keepChars + hi + 1) / 2;
      if (bytes(node(lo, message.substring(0, mid) + "...")).length <= limit) {
        keepChars = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (keepChars > 0 && Character.isHighSurrogate(message.charAt(keepChars - 1))) {
      keepChars--; // never half a character
    }
    return bytes(node(lo, message.substring(0, keepChars) + "..."));
  }

  /** The whole result, for {@code --output json}. */
  String toJsonString() {
    return new String(bytes(node(failures.size(), message)), StandardCharsets.UTF_8);
  }

  private ObjectNode node(int keepFailures, String text) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode metrics = n.putObject("metrics");
    metrics.put("requests", requests);
    metrics.put("failed", failed);
    if (p95LatencyMs != null) {
      metrics.put("p95LatencyMs", Math.round(p95LatencyMs * 10) / 10.0);
    }
    n.put("passed", passed);
    ArrayNode list = n.putArray("failures");
    for (Failure f : failures.subList(0, keepFailures)) {
      String reason = f.reason().length() <= REASON_CHARS ? f.reason() : f.reason().substring(0, REASON_CHARS) + "...";
      list.addObject().put("request", f.request()).put("reason", reason);
    }
    if (keepFailures < failures.size()) {
      n.put("failuresOmitted", failures.size() - keepFailures);
    }
    n.put("message", text);
    return n;
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
