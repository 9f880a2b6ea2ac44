package dev.ferry.drift;

import java.util.List;
import java.util.Locale;

/**
 * A drift report as one self-contained HTML page: no script, style sheet, font or image is fetched
 * (everything is inline, the charts are SVG), so it opens from a bucket, a pod's volume or an email
 * attachment alike. A summary table (feature, test, statistic, threshold, verdict) and, per
 * feature, the baseline's and the current data's shares over the same buckets drawn side by side.
 * Written as well-formed XHTML-compatible markup, so tools can read it back.
 */
public final class HtmlReport {
  static final int WIDTH = 720;
  static final int HEIGHT = 240;
  private static final int LEFT = 48;
  private static final int BOTTOM = 64;
  private static final int TOP = 16;

  private HtmlReport() {
  }

  public static String render(DriftReport report) {
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        .append("<title>").append(esc((report.datasetDrift() ? "Drift" : "No drift") + ": " + report.current.source()))
        .append("</title><style>").append(STYLE).append("</style></head><body>\n");
    boolean quality = !report.qualityFailures().isEmpty();
    h.append("<h1 class=\"verdict ").append(report.datasetDrift() || quality ? "drift" : "ok").append("\">")
        .append(quality ? "Data quality failed" : report.datasetDrift() ? "Dataset drift" : "No dataset drift")
        .append("</h1>\n");
    h.append("<p class=\"message\">").append(esc(report.message())).append("</p>\n");
    h.append("<table class=\"sources\"><tr><th>baseline</th><td>").append(esc(DriftReport.describe(report.baseline)))
        .append("</td></tr><tr><th>current</th><td>").append(esc(DriftReport.describe(report.current)))
        .append("</td></tr></table>\n");
    if (report.multivariate != null) {
      multivariate(h, report.multivariate);
    }
    summary(h, report);
    for (FeatureResult r : report.scores) {
      feature(h, r);
    }
    if (!report.skipped.isEmpty() || !report.warnings.isEmpty()) {
      h.append("<h2>Left out and warnings</h2><ul class=\"warnings\">");
      report.skipped.forEach(s -> h.append("<li>").append(esc(s.column() + ": " + s.reason())).append("</li>"));
      report.warnings.forEach(w -> h.append("<li>").append(esc(w)).append("</li>"));
      h.append("</ul>\n");
    }
    h.append("<p class=\"legend\"><span class=\"swatch baseline\"></span> baseline <span class=\"swatch current\">")
        .append("</span> current; bars are shares of each data set's rows with a value.</p>\n");
    return h.append("</body></html>\n").toString();
  }

  /**
   * A check by windows: the verdict, a table of each window's statistic per feature, and per
   * feature its statistic over the windows against the threshold, then the worst window's
   * distributions as a single check draws them.
   */
  public static String render(WindowedReport report) {
    StringBuilder h = new StringBuilder(32_768);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        .append("<title>").append(esc((report.datasetDrift() ? "Drift" : "No drift") + ": " + report.currentSource))
        .append("</title><style>").append(STYLE).append("</style></head><body>\n");
    h.append("<h1 class=\"verdict ").append(report.datasetDrift() ? "drift" : "ok").append("\">")
        .append(report.datasetDrift() ? "Dataset drift" : "No dataset drift").append("</h1>\n");
    h.append("<p class=\"message\">").append(esc(report.message())).append("</p>\n");
    h.append("<table class=\"sources\"><tr><th>baseline</th><td>").append(esc(report.baselineSource))
        .append("</td></tr><tr><th>current</th><td>").append(esc(report.currentSource))
        .append("</td></tr><tr><th>windows</th><td>").append(esc(report.spec.toString())).append("</td></tr></table>\n");
    List<String> features = report.features();
    h.append("<h2>Windows</h2>\n<table class=\"windows\"><thead><tr><th>window</th><th>rows</th><th>verdict</th>");
    features.forEach(f -> h.append("<th>").append(esc(f)).append("</th>"));
    h.append("</tr></thead><tbody>\n");
    for (WindowedCheck.WindowResult w : report.windows) {
      h.append("<tr class=\"").append(w.report().datasetDrift() ? "drift" : "ok").append("\" data-window=\"")
          .append(w.window().index()).append("\"><td>").append(esc(w.label())).append("</td><td>")
          .append(w.report().current.rows()).append("</td><td class=\"verdict\">")
          .append(w.report().datasetDrift() ? "drift" : "no drift").append("</td>");
      for (String f : features) {
        FeatureResult r = find(w.report(), f);
        h.append("<td class=\"").append(r != null && r.drifted ? "cell drift" : "cell").append("\">")
            .append(r == null ? "" : DriftReport.num(r.score)).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n");
    for (String f : features) {
      trend(h, report, f);
    }
    WindowedCheck.WindowResult worst = report.worst();
    h.append("<h2>Distributions in ").append(esc(worst.label())).append("</h2>\n");
    for (FeatureResult r : worst.report().scores) {
      feature(h, r);
    }
    h.append("<p class=\"legend\"><span class=\"swatch baseline\"></span> baseline <span class=\"swatch current\">")
        .append("</span> current; bars are shares of each data set's rows with a value.</p>\n");
    return h.append("</body></html>\n").toString();
  }

  private static void multivariate(StringBuilder h, Multivariate.Result m) {
    h.append("<section class=\"multivariate ").append(m.drifted() ? "drift" : "ok").append("\"><h2>Multivariate</h2>")
        .append("<p class=\"stats\">PCA reconstruction error of the ").append(m.features().size())
        .append(" number features together: ").append(DriftReport.num(m.currentError())).append(" against ")
        .append(DriftReport.num(m.baselineError())).append(" in the baseline (threshold ")
        .append(DriftReport.num(m.threshold())).append("; ").append(m.components()).append(" components explain ")
        .append(DriftReport.percent(m.explainedVariance())).append(" of the variance): <strong>")
        .append(m.drifted() ? "drift" : "no drift").append("</strong>. It sees a change in how the features move"
            + " together that the tests of each feature alone may not.</p></section>\n");
  }

  private static FeatureResult find(DriftReport report, String feature) {
    for (FeatureResult r : report.scores) {
      if (r.feature.equals(feature)) {
        return r;
      }
    }
    return null;
  }

  /** One feature's statistic per window as points on a line, with its threshold dashed across. */
  private static void trend(StringBuilder h, WindowedReport report, String feature) {
    List<Double> values = new java.util.ArrayList<>();
    FeatureResult first = null;
    for (WindowedCheck.WindowResult w : report.windows) {
      FeatureResult r = find(w.report(), feature);
      first = first == null ? r : first;
      values.add(r == null ? null : r.score);
    }
    if (first == null) {
      return;
    }
    double threshold = first.threshold;
    double max = threshold;
    for (Double v : values) {
      if (v != null && Double.isFinite(v)) {
        max = Math.max(max, v);
      }
    }
    double top = max <= 0 ? 1 : niceCeiling(max * 1.05);
    int n = values.size();
    double plotW = WIDTH - LEFT - 8;
    double plotH = HEIGHT - TOP - BOTTOM;
    double step = n == 1 ? 0 : plotW / (n - 1);
    WindowedCheck.Learned learned = report.learned.get(feature);
    h.append("<section class=\"trend\" data-feature=\"").append(esc(feature)).append("\"><h3>").append(esc(feature))
        .append("</h3><p class=\"stats\">").append(first.test.name()).append(" per window against ")
        .append(DefaultTests.isPValue(first.test) ? "&lt; " : "&gt; ").append(DriftReport.num(threshold))
        .append(learned == null ? " (configured)" : " (learned: the range of " + learned.windows()
            + " baseline windows, " + DriftReport.num(learned.min()) + " to " + DriftReport.num(learned.max()) + ")")
        .append("</p>\n<svg class=\"chart\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"statistic per window\">");
    grid(h, plotH, t -> DriftReport.num(top * t / 4));
    double ty = TOP + plotH - plotH * Math.min(threshold, top) / top;
    h.append("<line class=\"threshold\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - 8)
        .append("\" y1=\"").append(fmt(ty)).append("\" y2=\"").append(fmt(ty)).append("\"/>");
    StringBuilder path = new StringBuilder();
    StringBuilder dots = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Double v = values.get(i);
      if (v == null || !Double.isFinite(v)) {
        continue;
      }
      double x = LEFT + (n == 1 ? plotW / 2 : step * i);
      double y = TOP + plotH - plotH * v / top;
      path.append(path.length() == 0 ? "M" : " L").append(fmt(x)).append(' ').append(fmt(y));
      FeatureResult r = find(report.windows.get(i).report(), feature);
      dots.append("<circle class=\"point ").append(r.drifted ? "drift" : "ok").append("\" cx=\"").append(fmt(x))
          .append("\" cy=\"").append(fmt(y)).append("\" r=\"4\" data-window=\"").append(i)
          .append("\" data-statistic=\"").append(String.format(Locale.ROOT, "%.6g", v)).append("\"><title>")
          .append(esc(report.windows.get(i).label() + ": " + DriftReport.num(v))).append("</title></circle>");
    }
    h.append("<path class=\"line\" d=\"").append(path).append("\"/>").append(dots).append("</svg></section>\n");
  }

  private static void summary(StringBuilder h, DriftReport report) {
    h.append("<h2>Features</h2>\n<table class=\"summary\"><thead><tr><th>feature</th><th>type</th><th>test</th>")
        .append("<th>statistic</th><th>threshold</th><th>verdict</th><th>missing (baseline / current)</th>")
        .append("<th>unseen / out of range</th>")
        .append("</tr></thead><tbody>\n");
    for (FeatureResult r : report.scores) {
      boolean p = DefaultTests.isPValue(r.test);
      h.append("<tr class=\"").append(r.drifted ? "drift" : "ok").append("\" data-feature=\"").append(esc(r.feature))
          .append("\"><td><a href=\"#").append(anchor(r.feature)).append("\">").append(esc(r.feature))
          .append("</a>").append(r.role == FeatureResult.Role.feature ? "" : " <span class=\"role\">" + r.role + "</span>")
          .append("</td><td>").append(r.kind.name()).append("</td><td>").append(r.test.name())
          .append(p ? " (p-value)" : "").append("</td><td>").append(DriftReport.num(r.score)).append("</td><td>").append(p ? "&lt; " : "&gt; ")
          .append(DriftReport.num(r.threshold)).append("</td><td class=\"verdict\">")
          .append(r.score == null ? "no current values" : r.drifted ? "drift" : "no drift").append("</td><td>")
          .append(DriftReport.percent(r.baselineMissing)).append(" / ").append(DriftReport.percent(r.currentMissing))
          .append("</td><td class=\"").append(r.qualityFailures.isEmpty() ? "quality" : "quality failed").append("\">")
          .append(r.unseenShare != null ? DriftReport.percent(r.unseenShare) + " unseen"
              : r.outOfRangeShare != null ? DriftReport.percent(r.outOfRangeShare) + " out of range" : "")
          .append(esc(r.qualityFailures.isEmpty() ? "" : ": " + String.join(", ", r.qualityFailures)))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
  }

  private static void feature(StringBuilder h, FeatureResult r) {
    h.append("<section class=\"feature ").append(r.drifted ? "drift" : "ok").append("\" id=\"").append(anchor(r.feature))
        .append("\" data-feature=\"").append(esc(r.feature)).append("\"><h3>").append(esc(r.feature))
        .append(" <span class=\"badge\">").append(r.drifted ? "drift" : "no drift").append("</span></h3>\n");
    h.append("<p class=\"stats\">").append(r.kind.name()).append(", ").append(r.test.name()).append(" ")
        .append(DriftReport.num(r.score)).append(DefaultTests.isPValue(r.test) ? " (corrected p-value) against &lt; "
            : " against &gt; ").append(DriftReport.num(r.threshold));
    // The deciding test's own statistic is already there; the others (--all-tests) follow.
    r.statistics.forEach((name, value) -> {
      if (!name.equals(r.test.name())) {
        h.append("; ").append(esc(name)).append(" ").append(DriftReport.num(value));
      }
    });
    h.append("</p>\n");
    if (r.distribution == null) {
      h.append("<p class=\"nochart\">no current values to draw</p>\n");
    } else {
      chart(h, r.distribution, r.drifted);
    }
    for (String note : r.notes) {
      h.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
    }
    h.append("</section>\n");
  }

  /** Grouped bars: per bucket the baseline's share, then the current data's, on one scale. */
  static void chart(StringBuilder h, Distribution d, boolean drifted) {
    int n = d.labels().size();
    double max = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.max(d.share(d.baseline(), i), d.share(d.current(), i)));
    }
    double top = max <= 0 ? 1 : niceCeiling(max);
    double plotW = WIDTH - LEFT - 8;
    double plotH = HEIGHT - TOP - BOTTOM;
    double slot = plotW / n;
    double bar = Math.max(1, slot * 0.38);
    h.append("<svg class=\"chart\" width=\"").append(WIDTH).append("\" height=\"")
        .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"baseline and current shares per bucket\">");
    grid(h, plotH, t -> String.format(Locale.ROOT, "%.0f%%", top * 100 * t / 4));
    for (int i = 0; i < n; i++) {
      double x = LEFT + slot * i + slot * 0.1;
      bar(h, "baseline", x, bar, d.share(d.baseline(), i), d.baseline()[i], top, plotH, d.labels().get(i));
      bar(h, drifted ? "current drifted" : "current", x + bar, bar, d.share(d.current(), i), d.current()[i], top,
          plotH, d.labels().get(i));
      double cx = LEFT + slot * i + slot / 2;
      double ly = TOP + plotH + 12;
      h.append("<text class=\"label\" x=\"").append(fmt(cx)).append("\" y=\"").append(fmt(ly))
          .append("\" text-anchor=\"end\" transform=\"rotate(-35 ").append(fmt(cx)).append(' ').append(fmt(ly))
          .append(")\">").append(esc(clip(d.labels().get(i), 18))).append("</text>");
    }
    h.append("</svg>\n");
  }

  /** Five horizontal grid lines, each labelled on the left by {@code label} of its step (0 to 4). */
  private static void grid(StringBuilder h, double plotH, java.util.function.IntFunction<String> label) {
    for (int t = 0; t <= 4; t++) {
      double y = TOP + plotH - plotH * t / 4;
      h.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - 8).append("\" y1=\"")
          .append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/><text class=\"axis\" x=\"").append(LEFT - 4)
          .append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\">").append(label.apply(t))
          .append("</text>");
    }
  }

  private static void bar(StringBuilder h, String cls, double x, double w, double share, long count, double top,
      double plotH, String label) {
    double height = plotH * share / top;
    double y = TOP + plotH - height;
    h.append("<rect class=\"bar ").append(cls).append("\" x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y))
        .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(fmt(height)).append("\" data-share=\"")
        .append(String.format(Locale.ROOT, "%.6f", share)).append("\"><title>")
        .append(esc((cls.startsWith("baseline") ? "baseline " : "current ") + label + ": "
            + String.format(Locale.ROOT, "%.1f%%", share * 100) + " (" + count + " rows)"))
        .append("</title></rect>");
  }

  /** 1, 2 or 5 times a power of ten at or above {@code v}: round grid lines. */
  static double niceCeiling(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v - 1e-12) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  /** An id from a feature name: letters, digits and '-' only, with a prefix so it never starts with a digit. */
  static String anchor(String feature) {
    StringBuilder b = new StringBuilder("f-");
    for (char c : feature.toCharArray()) {
      b.append(Character.isLetterOrDigit(c) && c < 128 ? c : '-');
    }
    return b.append('-').append(Integer.toHexString(feature.hashCode())).toString();
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') {
            b.append(' '); // control characters are not allowed in XML-compatible markup
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  private static final String STYLE = String.join("",
      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:780px;color:#1f2933}",
      "h1.verdict.drift{color:#b42318}h1.verdict.ok{color:#1a7f37}",
      "table{border-collapse:collapse;margin:8px 0 16px}th,td{padding:4px 10px;border-bottom:1px solid #e4e7eb;text-align:left}",
      "tr.drift td.verdict{color:#b42318;font-weight:600}",
      "section.feature{border-top:1px solid #cbd2d9;padding-top:8px;margin-top:16px}",
      ".badge{font-size:12px;padding:1px 6px;border-radius:8px;background:#e4e7eb}",
      "section.drift .badge{background:#fde2e1;color:#b42318}",
      ".bar.baseline,.swatch.baseline{fill:#9aa5b1;background:#9aa5b1}",
      ".bar.current,.swatch.current{fill:#2b7bb9;background:#2b7bb9}.bar.current.drifted{fill:#d1453b}",
      ".grid{stroke:#e4e7eb}.axis,.label{font-size:11px;fill:#52606d}",
      ".swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}",
      ".note,.nochart{color:#52606d;font-size:13px}",
      ".threshold{stroke:#b42318;stroke-dasharray:4 3}.line{fill:none;stroke:#2b7bb9;stroke-width:1.5}",
      ".point.ok{fill:#2b7bb9}.point.drift{fill:#d1453b}td.cell.drift{color:#b42318;font-weight:600}",
      "table.windows{font-size:12px;display:block;overflow-x:auto}",
      "td.quality.failed{color:#b42318;font-weight:600}.role{font-size:11px;padding:0 4px;border-radius:6px;",
      "background:#e1effe;color:#1a56db}");
}
