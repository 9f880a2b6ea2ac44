package dev.ferry.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.Check;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.FeatureScore;
import java.io.IOException;

/**
 * Reads a finished drift-check from its termination message: the compact result of
 * {@code drift-check --compact}, whose fields are those of {@code status.lastCheck}. A check
 * that could not run (bad data, unreachable file, a crash) is an Error with the reason, never
 * "no drift".
 */
public final class DriftCheckResults {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DriftCheckResults() {
  }

  /** A check whose pod never started: an Error that says why. */
  public static Check notStarted(String job, String time, String why) {
    Check check = new Check();
    check.job = job;
    check.time = time;
    return error(check, why);
  }

  /**
   * Reads a check's result; {@code reportFolder} is the Job's spec.report.uri, and the check's
   * page is recorded in it when the result names one.
   */
  public static Check read(String job, String time, Integer exitCode, String message, String jobFailure,
      String reportFolder) {
    Check check = new Check();
    check.job = job;
    check.time = time;
    if (message == null || message.isBlank()) {
      return error(check, "the check wrote no report" + (jobFailure == null ? "" : " (" + jobFailure + ")")
          + (exitCode == null ? "" : ", exit code " + exitCode));
    }
    JsonNode report;
    try {
      report = JSON.readTree(message);
    } catch (IOException e) {
      return error(check, abbreviate(message));
    }
    if (report == null || !report.isObject() || !report.hasNonNull("result")) {
      return error(check, abbreviate(report == null ? message : report.path("message").asText(message)));
    }
    String verdict = report.path("result").asText();
    if (!verdict.equals(DriftActions.DRIFT) && !verdict.equals(DriftActions.NO_DRIFT)
        && !verdict.equals(DriftActions.DATA_QUALITY_FAILED)) {
      return error(check, report.path("message").asText("verdict " + verdict));
    }
    check.result = verdict;
    check.features = report.path("features").asInt(0);
    check.driftedFeatures = report.path("driftedFeatures").asInt(0);
    for (JsonNode feature : report.path("scores")) {
      FeatureScore score = new FeatureScore();
      score.feature = feature.path("feature").asText();
      score.test = feature.path("test").asText(null);
      score.score = number(feature.get("score"));
      score.threshold = number(feature.get("threshold"));
      score.drifted = feature.path("drifted").asBoolean(false);
      score.baselineMissing = number(feature.get("baselineMissing"));
      score.currentMissing = number(feature.get("currentMissing"));
      score.role = feature.hasNonNull("role") ? abbreviate(feature.path("role").asText()) : null;
      score.unseenShare = number(feature.get("unseenShare"));
      score.outOfRangeShare = number(feature.get("outOfRangeShare"));
      check.scores.add(score);
    }
    check.message = report.path("message").asText(null);
    check.report = page(reportFolder, report.path("report").asText(null));
    for (JsonNode failure : report.path("qualityFailures")) {
      if (check.qualityFailures.size() < 10) {
        check.qualityFailures.add(abbreviate(failure.asText()));
      }
    }
    JsonNode multivariate = report.path("multivariate");
    if (multivariate.isObject()) {
      check.multivariate = new DriftPolicyStatus.MultivariateScore();
      check.multivariate.error = number(multivariate.get("error"));
      check.multivariate.threshold = number(multivariate.get("threshold"));
      check.multivariate.drifted = multivariate.path("drifted").asBoolean(false);
    }
    if (report.hasNonNull("windows")) {
      check.windows = report.path("windows").asInt();
      check.driftedWindows = report.path("driftedWindows").asInt(0);
      check.window = abbreviate(report.path("window").asText(""));
    }
    return check;
  }

  private static String page(String folder, String written) {
    if (folder == null || written == null) {
      return null;
    }
    String name = written.substring(written.lastIndexOf('/') + 1);
    // Only a time-stamped page name: a result cannot point the status anywhere but into the folder.
    return dev.ferry.drift.ReportStore.isPageName(name) ? folder.replaceAll("/+$", "") + "/" + name : null;
  }

  private static Double number(JsonNode node) {
    return node == null || !node.isNumber() ? null : node.asDouble();
  }

  private static Check error(Check check, String why) {
    check.result = DriftActions.ERROR;
    check.message = why;
    check.features = 0;
    check.driftedFeatures = 0;
    return check;
  }

  private static String abbreviate(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.length() <= 300 ? line : line.substring(0, 300) + "...";
  }
}
