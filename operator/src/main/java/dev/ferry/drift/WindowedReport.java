package dev.ferry.drift;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The result of a check by windows: each window's verdict and per-feature statistics, and the
 * learned thresholds. The data drifted when any window did; the compact result carries the
 * window that drifted most (the latest of equals), so a status shows the worst of the period.
 */
public final class WindowedReport implements CheckOutcome {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  final Windows.Spec spec;
  final List<WindowedCheck.WindowResult> windows;
  final Map<String, WindowedCheck.Learned> learned;
  final String baselineSource;
  final String currentSource;
  final String currentDigest;

  WindowedReport(Windows.Spec spec, List<WindowedCheck.WindowResult> windows, Map<String, WindowedCheck.Learned> learned,
      String baselineSource, String currentSource, String currentDigest) {
    this.spec = spec;
    this.windows = List.copyOf(windows);
    this.learned = Map.copyOf(learned);
    this.baselineSource = baselineSource;
    this.currentSource = currentSource;
    this.currentDigest = currentDigest;
  }

  public List<WindowedCheck.WindowResult> windows() {
    return windows;
  }

  public int driftedWindows() {
    return (int) windows.stream().filter(w -> w.report().datasetDrift()).count();
  }

  @Override
  public boolean datasetDrift() {
    return driftedWindows() > 0;
  }

  /** DataQualityFailed when a window failed a data-quality gate, else Drift when one drifted, else NoDrift. */
  @Override
  public String result() {
    return windows.stream().anyMatch(w -> !w.report().qualityFailures().isEmpty()) ? DATA_QUALITY_FAILED
        : datasetDrift() ? "Drift" : "NoDrift";
  }

  /** The window with the most drifted features; the latest of equals. */
  public WindowedCheck.WindowResult worst() {
    return windows.stream().max(Comparator.comparingInt((WindowedCheck.WindowResult w) -> w.report().datasetDrift() ? 1 : 0)
        .thenComparingInt(w -> w.report().driftedFeatures()).thenComparingInt(w -> w.window().index())).orElseThrow();
  }

  public String message() {
    int d = driftedWindows();
    WindowedCheck.WindowResult worst = worst();
    return (d > 0 ? "dataset drift in " + d + " of " + windows.size() + " windows" : "no dataset drift in "
        + windows.size() + " window" + (windows.size() == 1 ? "" : "s")) + " of " + spec + "; most drifted: "
        + worst.label() + ", " + worst.report().driftedFeatures() + " of " + worst.report().features() + " features"
        + (learned.isEmpty() ? "" : " (thresholds learned from the baseline's windows)");
  }

  /** Features in the order of the first window's report (most severe first there). */
  List<String> features() {
    Set<String> names = new LinkedHashSet<>();
    windows.forEach(w -> w.report().scores.forEach(r -> names.add(r.feature)));
    return new ArrayList<>(names);
  }

  // ---------------------------------------------------------------- JSON

  public ObjectNode toJson() {
    ObjectNode n = F.objectNode();
    n.put("kind", "DriftReport");
    n.put("version", DriftReport.VERSION);
    n.put("result", result());
    n.put("datasetDrift", datasetDrift());
    n.put("window", spec.toString());
    n.put("windows", windows.size());
    n.put("driftedWindows", driftedWindows());
    n.put("message", message());
    n.putObject("baseline").put("source", baselineSource);
    ObjectNode current = n.putObject("current").put("source", currentSource);
    if (currentDigest != null) {
      current.put("digest", currentDigest);
    }
    ObjectNode thresholds = n.putObject("learnedThresholds");
    learned.values().stream().sorted(Comparator.comparing(WindowedCheck.Learned::feature)).forEach(l ->
        thresholds.putObject(l.feature()).put("test", l.test().name()).put("threshold", l.threshold())
            .put("windows", l.windows()).put("min", l.min()).put("max", l.max()));
    ArrayNode a = n.putArray("byWindow");
    for (WindowedCheck.WindowResult w : windows) {
      ObjectNode wn = a.addObject();
      wn.put("index", w.window().index());
      wn.put("label", w.label());
      if (w.window().from() != null) {
        wn.put("from", w.window().from().toString());
        wn.put("to", w.window().to().toString());
      }
      wn.put("firstRow", w.window().firstRow());
      wn.put("rows", w.report().current.rows());
      wn.setAll(w.report().compactNode(Integer.MAX_VALUE, null));
    }
    return n;
  }

  /**
   * The compact result: the verdict over all windows, and the worst window's counts and scores in
   * the fields of status.lastCheck, within {@code limit} bytes.
   */
  @Override
  public byte[] toCompact(int limit, String report) {
    WindowedCheck.WindowResult worst = worst();
    ObjectNode n = worst.report().compactNode(limit - 200, report);
    n.put("result", result());
    n.put("windows", windows.size());
    n.put("driftedWindows", driftedWindows());
    n.put("window", ColumnScan.clip(worst.label(), 80));
    n.put("message", ColumnScan.clip(message(), 400));
    byte[] b = DriftReport.bytes(n);
    return b.length <= limit ? b : DriftReport.errorResult("the drift result does not fit in " + limit + " bytes", limit);
  }

  /** The verdict, then one line per window and a column per feature (the statistic; * where it drifted). */
  @Override
  public String toText() {
    StringBuilder t = new StringBuilder();
    t.append(datasetDrift() ? "DRIFT: " : "NO DRIFT: ").append(message()).append('\n');
    t.append("baseline ").append(baselineSource).append("  current ").append(currentSource).append('\n');
    List<String> features = features();
    t.append(String.format("%-44s %8s  %-7s", "window", "rows", "verdict"));
    features.forEach(f -> t.append(String.format("  %12s", ColumnScan.clip(f, 12))));
    t.append('\n');
    for (WindowedCheck.WindowResult w : windows) {
      t.append(String.format("%-44s %8d  %-7s", ColumnScan.clip(w.label(), 44), w.report().current.rows(),
          w.report().datasetDrift() ? "Drift" : "NoDrift"));
      for (String f : features) {
        FeatureResult r = w.report().scores.stream().filter(x -> x.feature.equals(f)).findFirst().orElse(null);
        String cell = r == null || r.score == null ? "-" : DriftReport.num(r.score) + (r.drifted ? "*" : "");
        t.append(String.format("  %12s", cell));
      }
      t.append('\n');
    }
    t.append(String.format("%-62s", "threshold"));
    for (String f : features) {
      WindowedCheck.Learned l = learned.get(f);
      FeatureResult any = windows.get(0).report().scores.stream().filter(x -> x.feature.equals(f)).findFirst()
          .orElse(null);
      String cell = any == null ? "-" : (DefaultTests.isPValue(any.test) ? "<" : ">") + DriftReport.num(any.threshold)
          + (l != null ? " L" : "");
      t.append(String.format("  %12s", cell));
    }
    t.append('\n');
    if (!learned.isEmpty()) {
      t.append("L: learned from ").append(learned.values().iterator().next().windows())
          .append(" windows of the baseline (outside their range drifts)\n");
    }
    return t.toString();
  }

  @Override
  public String toHtml() {
    return HtmlReport.render(this);
  }

  @Override
  public String toPrettyJson() {
    return DriftReport.pretty(toJson());
  }
}
