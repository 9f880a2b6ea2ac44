package dev.ferry.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1alpha1.DriftPolicySpec.Correction;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a drift check, rendered as text for people ({@link #toText()}), as the full JSON
 * report ({@link #toJson()}) and as the compact JSON result of at most 4 KiB for a Kubernetes
 * termination message ({@link #toCompact(int)}). Field names are documented in {@code
 * docs/drift-check.md} and stable: new fields may be added, none renamed or removed within
 * {@code version} 1.
 */
public final class DriftReport implements CheckOutcome {
  /** The termination-message limit the compact form fits in. */
  public static final int COMPACT_LIMIT = 4096;
  /** JSON format version. */
  public static final int VERSION = 1;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final ObjectMapper PRETTY = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** A data source as reported. */
  public record Source(String source, long rows, String digest, boolean profile) {}

  /** A column left out, and why. */
  public record Skipped(String column, String reason) {}

  final Source baseline;
  final Source current;
  final List<FeatureResult> scores;
  final List<Skipped> skipped;
  final List<String> warnings;
  final double datasetDriftShare;
  final Correction correction;
  final int pValueTests;
  final boolean allTests;
  /** The multivariate test, when it was asked for (--multivariate). */
  final Multivariate.Result multivariate;

  DriftReport(Source baseline, Source current, List<FeatureResult> results, List<Skipped> skipped,
      List<String> warnings, double datasetDriftShare, Correction correction, int pValueTests, boolean allTests) {
    this(baseline, current, results, skipped, warnings, datasetDriftShare, correction, pValueTests, allTests, null);
  }

  private DriftReport(Source baseline, Source current, List<FeatureResult> results, List<Skipped> skipped,
      List<String> warnings, double datasetDriftShare, Correction correction, int pValueTests, boolean allTests,
      Multivariate.Result multivariate) {
    this.multivariate = multivariate;
    this.baseline = baseline;
    this.current = current;
    List<FeatureResult> sorted = new ArrayList<>(results);
    sorted.sort(SEVERITY);
    this.scores = Collections.unmodifiableList(sorted);
    this.skipped = List.copyOf(skipped);
    this.warnings = List.copyOf(warnings);
    this.datasetDriftShare = datasetDriftShare;
    this.correction = correction;
    this.pValueTests = pValueTests;
    this.allTests = allTests;
  }

  /** Drifted first; then no score (a feature with no current values) before the highest severity; then by name. */
  static final Comparator<FeatureResult> SEVERITY = Comparator
      .comparing((FeatureResult r) -> !r.drifted)
      .thenComparing(r -> r.severity != null)
      .thenComparing(r -> r.severity == null ? 0 : -r.severity)
      .thenComparing(r -> r.feature);

  /** Inputs of the model tested (its prediction and target are counted apart). */
  public int features() {
    return (int) scores.stream().filter(r -> r.role == FeatureResult.Role.feature).count();
  }

  public int driftedFeatures() {
    return (int) scores.stream().filter(r -> r.role == FeatureResult.Role.feature && r.drifted).count();
  }

  /** Whether the model's prediction column drifted (false when none was named). */
  public boolean predictionDrift() {
    return scores.stream().anyMatch(r -> r.role == FeatureResult.Role.prediction && r.drifted);
  }

  /** Whether the target (the label) drifted (false when none was named). */
  public boolean targetDrift() {
    return scores.stream().anyMatch(r -> r.role == FeatureResult.Role.target && r.drifted);
  }

  /** Every data-quality gate failed, as "column: missing 12.00% > 10.00%". */
  public List<String> qualityFailures() {
    List<String> out = new ArrayList<>();
    scores.forEach(r -> r.qualityFailures.forEach(f -> out.add(r.feature + ": " + f)));
    return out;
  }

  /** Share of features that drifted. */
  public double driftShare() {
    return scores.isEmpty() ? 0 : (double) driftedFeatures() / features();
  }

  /**
   * The dataset drifts when at least one feature does and their share reaches datasetDriftShare,
   * or when the multivariate test, asked for, finds that the features no longer move together.
   */
  @Override
  public boolean datasetDrift() {
    return driftedFeatures() > 0 && driftShare() >= datasetDriftShare
        || multivariate != null && multivariate.drifted() || predictionDrift() || targetDrift();
  }

  /**
   * This report with one more result (the target, from labels read apart), which takes part in
   * the verdict like the others.
   */
  public DriftReport with(FeatureResult extra) {
    List<FeatureResult> all = new ArrayList<>(scores);
    all.add(extra);
    return new DriftReport(baseline, current, all, skipped, warnings, datasetDriftShare, correction,
        pValueTests + (DefaultTests.isPValue(extra.test) ? 1 : 0), allTests, multivariate);
  }

  /** This report with the multivariate test's result, which takes part in the verdict. */
  public DriftReport withMultivariate(Multivariate.Result result) {
    return new DriftReport(baseline, current, scores, skipped, warnings, datasetDriftShare, correction, pValueTests,
        allTests, result);
  }

  public Multivariate.Result multivariate() {
    return multivariate;
  }

  /**
   * {@code DataQualityFailed} when a data-quality gate failed (the data is not fit to judge drift
   * by, nor to retrain on), else {@code Drift} or {@code NoDrift}.
   */
  @Override
  public String result() {
    return !qualityFailures().isEmpty() ? DATA_QUALITY_FAILED : datasetDrift() ? "Drift" : "NoDrift";
  }

  /** Results, most severe first. */
  public List<FeatureResult> scores() {
    return scores;
  }

  public List<Skipped> skipped() {
    return skipped;
  }

  public List<String> warnings() {
    return warnings;
  }

  /** One line: the verdict and the count. */
  public String message() {
    int d = driftedFeatures();
    List<String> quality = qualityFailures();
    String outputs = scores.stream().filter(r -> r.role != FeatureResult.Role.feature)
        .map(r -> "; " + r.role + " " + r.feature + (r.drifted ? " drifted" : " did not drift"))
        .reduce("", String::concat);
    return (quality.isEmpty() ? "" : "data quality failed: " + String.join(", ", quality.subList(0,
        Math.min(5, quality.size()))) + (quality.size() > 5 ? " and " + (quality.size() - 5) + " more" : "") + "; ")
        + (datasetDrift() ? "dataset drift: " : "no dataset drift: ") + d + " of " + features() + " features drifted ("
        + percent(driftShare()) + ", dataset drift at " + percent(datasetDriftShare) + ")" + outputs
        + (multivariate == null ? "" : "; multivariate: reconstruction error " + num(multivariate.currentError())
            + (multivariate.drifted() ? " above " : " within ") + num(multivariate.threshold()));
  }

  // ---------------------------------------------------------------- JSON

  /** The full report. */
  public ObjectNode toJson() {
    ObjectNode n = F.objectNode();
    n.put("kind", "DriftReport");
    n.put("version", VERSION);
    n.put("result", result());
    n.put("datasetDrift", datasetDrift());
    n.put("predictionDrift", predictionDrift());
    n.put("targetDrift", targetDrift());
    ArrayNode q = n.putArray("qualityFailures");
    qualityFailures().forEach(q::add);
    n.put("driftedFeatures", driftedFeatures());
    n.put("features", features());
    n.put("driftShare", driftShare());
    n.put("datasetDriftShare", datasetDriftShare);
    n.put("correction", correctionName(correction));
    n.put("pValueTests", pValueTests);
    n.put("allTests", allTests);
    n.put("message", message());
    n.set("baseline", source(baseline));
    n.set("current", source(current));
    if (multivariate != null) {
      n.set("multivariate", multivariateJson(multivariate, true));
    }
    ArrayNode s = n.putArray("scores");
    for (FeatureResult r : scores) {
      s.add(full(r));
    }
    ArrayNode k = n.putArray("skipped");
    for (Skipped x : skipped) {
      k.addObject().put("column", x.column()).put("reason", x.reason());
    }
    ArrayNode w = n.putArray("warnings");
    warnings.forEach(w::add);
    return n;
  }

  static ObjectNode multivariateJson(Multivariate.Result m, boolean full) {
    ObjectNode n = F.objectNode();
    n.put("method", "pca-reconstruction");
    putNumber(n, "error", m.currentError());
    putNumber(n, "threshold", m.threshold());
    n.put("drifted", m.drifted());
    if (full) {
      putNumber(n, "baselineError", m.baselineError());
      putNumber(n, "baselineErrorStd", m.baselineErrorStd());
      putNumber(n, "ratio", m.ratio());
      n.put("components", m.components());
      putNumber(n, "explainedVariance", m.explainedVariance());
      n.put("baselineRows", m.baselineRows());
      n.put("currentRows", m.currentRows());
      ArrayNode f = n.putArray("features");
      m.features().forEach(f::add);
    }
    return n;
  }

  private static ObjectNode source(Source s) {
    ObjectNode n = F.objectNode();
    n.put("source", s.source());
    n.put("rows", s.rows());
    if (s.digest() != null) {
      n.put("digest", s.digest());
    }
    n.put("profile", s.profile());
    return n;
  }

  private static ObjectNode full(FeatureResult r) {
    ObjectNode n = compact(r, 1000);
    n.put("type", r.kind.name());
    ArrayNode failures = n.putArray("qualityFailures");
    r.qualityFailures.forEach(failures::add);
    putNumber(n, "pValue", r.pValue);
    putNumber(n, "severity", r.severity);
    n.put("baselineCount", r.baselineCount);
    n.put("currentCount", r.currentCount);
    ObjectNode st = n.putObject("statistics");
    r.statistics.forEach((k, v) -> putNumber(st, k, v));
    ArrayNode notes = n.putArray("notes");
    r.notes.forEach(notes::add);
    return n;
  }

  /** The fields of DriftPolicy status.lastCheck.scores[]. */
  private static ObjectNode compact(FeatureResult r, int maxName) {
    ObjectNode n = F.objectNode();
    n.put("feature", ColumnScan.clip(r.feature, maxName));
    if (r.role != FeatureResult.Role.feature) {
      n.put("role", r.role.name());
    }
    n.put("test", r.test.name());
    putNumber(n, "score", r.score);
    n.put("threshold", r.threshold);
    n.put("drifted", r.drifted);
    n.put("baselineMissing", r.baselineMissing);
    n.put("currentMissing", r.currentMissing);
    if (r.unseenShare != null) {
      putNumber(n, "unseenShare", r.unseenShare);
    }
    if (r.outOfRangeShare != null) {
      putNumber(n, "outOfRangeShare", r.outOfRangeShare);
    }
    return n;
  }

  private static void putNumber(ObjectNode n, String field, Double v) {
    if (v == null || !Double.isFinite(v)) {
      n.putNull(field);
    } else {
      n.put(field, v.doubleValue());
    }
  }

  /**
   * The compact result, at most {@code limit} bytes of UTF-8: the verdict, the counts, and the
   * scores of the most severe features (drifted first) in the fields of DriftPolicy {@code
   * status.lastCheck}; {@code scoresOmitted} counts the ones left out to fit.
   */
  public byte[] toCompact(int limit) {
    return toCompact(limit, null);
  }

  /** As {@link #toCompact(int)}, with the location of the check's HTML page when one was written. */
  @Override
  public byte[] toCompact(int limit, String report) {
    return bytes(compactNode(limit, report));
  }

  /** The compact result as a tree, for {@link WindowedReport} to build on; it fits in {@code limit} bytes. */
  ObjectNode compactNode(int limit, String report) {
    ObjectNode head = F.objectNode();
    head.put("result", result());
    if (report != null) {
      head.put("report", report);
    }
    if (multivariate != null) {
      head.set("multivariate", multivariateJson(multivariate, false));
    }
    List<String> quality = qualityFailures();
    if (!quality.isEmpty()) {
      ArrayNode q = head.putArray("qualityFailures");
      quality.stream().limit(10).forEach(f -> q.add(ColumnScan.clip(f, 120)));
    }
    head.put("driftedFeatures", driftedFeatures());
    head.put("features", features());
    head.put("driftShare", driftShare());
    head.put("datasetDriftShare", datasetDriftShare);
    List<ObjectNode> all = new ArrayList<>();
    for (FeatureResult r : scores) {
      all.add(compact(r, 64));
    }
    int lo = 0;
    int hi = all.size();
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (bytes(withScores(head, all, mid)).length <= limit) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    ObjectNode n = withScores(head, all, lo);
    if (bytes(n).length > limit) {
      // Cannot happen with a limit of 4096 (the head is about 200 bytes); keep the contract anyway.
      return errorNode("the drift result does not fit in " + limit + " bytes");
    }
    return n;
  }

  private ObjectNode withScores(ObjectNode head, List<ObjectNode> all, int count) {
    ObjectNode n = head.deepCopy();
    ArrayNode a = n.putArray("scores");
    for (int i = 0; i < count; i++) {
      a.add(all.get(i));
    }
    if (count < all.size()) {
      n.put("scoresOmitted", all.size() - count);
    }
    n.put("message", message());
    return n;
  }

  /** The compact result of a check that could not run: {@code {"result":"Error","message":...}}. */
  public static byte[] errorResult(String message, int limit) {
    ObjectNode n = errorNode(message);
    byte[] b = bytes(n);
    int keep = message.length();
    while (b.length > limit && keep > 0) {
      keep = Math.max(0, keep - Math.max(1, b.length - limit) - 3);
      n.put("message", message.substring(0, keep) + "...");
      b = bytes(n);
    }
    return b;
  }

  private static ObjectNode errorNode(String message) {
    ObjectNode n = F.objectNode();
    n.put("result", "Error");
    n.put("message", message);
    return n;
  }

  static byte[] bytes(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String pretty(ObjectNode n) {
    try {
      return PRETTY.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String correctionName(Correction c) {
    return c == Correction.benjaminiHochberg ? "benjamini-hochberg" : c.name();
  }

  // ---------------------------------------------------------------- text

  @Override
  public String toHtml() {
    return HtmlReport.render(this);
  }

  @Override
  public String toPrettyJson() {
    return pretty(toJson());
  }

  /** The report for people: the verdict first, then a table sorted by severity. */
  @Override
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append(datasetDrift() ? "DRIFT" : "NO DRIFT").append(": ").append(driftedFeatures()).append(" of ")
        .append(features()).append(" features drifted (").append(percent(driftShare()))
        .append("; the dataset drifts at ").append(percent(datasetDriftShare)).append(")\n");
    List<String> quality = qualityFailures();
    if (!quality.isEmpty()) {
      b.insert(0, "DATA QUALITY FAILED: " + String.join(", ", quality) + "\n");
    }
    for (FeatureResult r : scores) {
      if (r.role != FeatureResult.Role.feature) {
        b.append(r.role).append(": ").append(r.feature).append(' ').append(r.test.name()).append(' ')
            .append(num(r.score)).append(DefaultTests.isPValue(r.test) ? " < " : " > ").append(num(r.threshold))
            .append(r.drifted ? ": DRIFT" : ": no drift").append('\n');
      }
    }
    b.append("baseline: ").append(describe(baseline)).append('\n');
    b.append("current:  ").append(describe(current)).append('\n');
    if (multivariate != null) {
      Multivariate.Result m = multivariate;
      b.append("multivariate: PCA reconstruction error ").append(num(m.currentError())).append(" against ")
          .append(num(m.baselineError())).append(" in the baseline (x").append(String.format(Locale.ROOT, "%.2f", m.ratio()))
          .append("; threshold ").append(num(m.threshold())).append(", ").append(m.components()).append(" of ")
          .append(m.features().size()).append(" components, ").append(percent(m.explainedVariance()))
          .append(" of the variance): ").append(m.drifted() ? "DRIFT" : "no drift").append('\n');
    }
    if (pValueTests > 0) {
      b.append("p-values: ").append(correctionName(correction)).append(" correction over ").append(pValueTests)
          .append(" p-value test").append(pValueTests == 1 ? "" : "s")
          .append("; the score of a p-value test is its corrected p-value\n");
    }
    b.append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"feature", "type", "test", "score", "threshold", "drift", "severity", "missing b/c",
        "unseen/out"});
    for (FeatureResult r : scores) {
      String name = ColumnScan.clip(r.feature, 40) + (r.role == FeatureResult.Role.feature ? "" : " (" + r.role + ")");
      rows.add(new String[] {name, r.kind.name(), r.test.name(), num(r.score),
          (DefaultTests.isPValue(r.test) ? "< " : "> ") + num(r.threshold), r.drifted ? "DRIFT" : "-",
          r.severity == null ? "-" : String.format(Locale.ROOT, "%.2f", r.severity),
          percent(r.baselineMissing) + "/" + percent(r.currentMissing),
          (r.unseenShare != null ? percent(r.unseenShare) : r.outOfRangeShare != null ? percent(r.outOfRangeShare) : "-")
              + (r.qualityFailures.isEmpty() ? "" : " FAILED")});
    }
    table(b, rows);
    if (allTests) {
      b.append("\nall statistics (p-values uncorrected):\n");
      List<String[]> st = new ArrayList<>();
      String[] names = {"psi", "js", "ks", "ksPValue", "wasserstein", "wassersteinNormed", "chi2PValue", "linf"};
      String[] header = new String[names.length + 1];
      header[0] = "feature";
      System.arraycopy(names, 0, header, 1, names.length);
      st.add(header);
      for (FeatureResult r : scores) {
        String[] row = new String[names.length + 1];
        row[0] = ColumnScan.clip(r.feature, 40);
        for (int i = 0; i < names.length; i++) {
          Double v = r.statistics.get(names[i]);
          row[i + 1] = v == null ? "" : num(v);
        }
        st.add(row);
      }
      table(b, st);
    }
    boolean anyNotes = scores.stream().anyMatch(r -> !r.notes.isEmpty());
    if (anyNotes) {
      b.append("\nnotes:\n");
      for (FeatureResult r : scores) {
        for (String note : r.notes) {
          b.append("  ").append(r.feature).append(": ").append(note).append('\n');
        }
      }
    }
    if (!skipped.isEmpty()) {
      b.append("\nleft out:\n");
      for (Skipped s : skipped) {
        b.append("  ").append(s.column()).append(": ").append(s.reason()).append('\n');
      }
    }
    for (String w : warnings) {
      b.append("\nwarning: ").append(w).append('\n');
    }
    return b.toString();
  }

  static String describe(Source s) {
    return s.source() + " (" + s.rows() + " rows" + (s.profile() ? ", from a profile" : "") + ")";
  }

  private static void table(StringBuilder b, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        line.append(r[i]);
        if (i < cols - 1) {
          line.append(" ".repeat(w[i] - r[i].length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
  }

  static String num(Double v) {
    if (v == null) {
      return "-";
    }
    double a = Math.abs(v);
    if (v == 0) {
      return "0";
    }
    if (a >= 1e-3 && a < 1e6) {
      return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }
    return String.format(Locale.ROOT, "%.3e", v);
  }

  static String percent(double share) {
    double p = share * 100;
    if (p == 0 || p >= 10 || p == Math.rint(p)) {
      return String.format(Locale.ROOT, "%.0f%%", p);
    }
    return String.format(Locale.ROOT, "%.1f%%", p);
  }
}
