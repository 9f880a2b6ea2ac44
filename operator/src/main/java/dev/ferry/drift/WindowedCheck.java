package dev.ferry.drift;

import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;
import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A drift check per window of the current data, each window against the whole baseline. The
 * thresholds are the configured ones, or learned from the baseline itself as NannyML does: the
 * baseline is split into windows the same way, each baseline window is scored against the whole
 * baseline, and a current window drifts on a feature when its statistic lies outside the range the
 * baseline's own windows reached (above the highest distance, below the lowest p-value). So a
 * threshold fits the window size and the feature's own noise instead of one number for all.
 */
public final class WindowedCheck {
  /** Fewest baseline windows a learned threshold is taken from: fewer say nothing about the noise. */
  static final int MIN_LEARNING_WINDOWS = 3;

  /** A threshold learned from the baseline's windows: the range their statistic took. */
  public record Learned(String feature, DriftTest test, double threshold, int windows, double min, double max) {}

  /** One current window and its check. */
  public record WindowResult(Windows.Window window, String label, DriftReport report) {}

  private WindowedCheck() {
  }

  /**
   * Scores each window of {@code current} against {@code profile}; with {@code learnFrom} (the
   * baseline's data, read a second time), thresholds are learned from its windows first.
   */
  public static WindowedReport run(DriftProfile profile, DatasetReader learnFrom, DatasetReader current,
      Windows.Spec spec, DriftCheck.Options options) throws DatasetException, DriftInputException {
    DriftCheck.Options o = spec.byTime()
        ? options.leavingOut(spec.column(), "the timestamp the windows are split by") : options;
    Map<String, Learned> learned = new LinkedHashMap<>();
    if (learnFrom != null) {
      learned = learn(profile, learnFrom, spec, o);
      Map<String, Double> thresholds = new LinkedHashMap<>();
      learned.forEach((f, l) -> thresholds.put(f, l.threshold()));
      o = o.with(o.config().withThresholds(thresholds));
    }
    List<WindowResult> windows = new ArrayList<>();
    Windows.Splitter splitter = new Windows.Splitter(current, spec, "current");
    for (Windows.Window w = splitter.next(); w != null; w = splitter.next()) {
      try (DatasetReader rows = w.rows()) {
        DriftReport r = DriftCheck.compare(profile, rows, o);
        windows.add(new WindowResult(w, label(w, r), r));
      }
    }
    if (windows.isEmpty()) {
      throw new DriftInputException(current.source() + ": the current data has no data rows (only a header)");
    }
    return new WindowedReport(spec, windows, learned, profile.source, current.source(), current.digest());
  }

  /**
   * The whole baseline as an exact profile, which every window is compared with: written to a
   * temporary file under {@code spoolDir} (the default temporary folder when null) and read back.
   */
  public static DriftProfile profile(DatasetReader baseline, Windows.Spec spec, DriftCheck.Options options,
      java.nio.file.Path spoolDir) throws DatasetException, DriftInputException, java.io.IOException {
    DriftCheck.Options o = spec.byTime()
        ? options.leavingOut(spec.column(), "the timestamp the windows are split by") : options;
    java.nio.file.Path file = spoolDir == null ? java.nio.file.Files.createTempFile("ferry-baseline", ".json")
        : java.nio.file.Files.createTempFile(spoolDir, "ferry-baseline", ".json");
    try {
      try (var out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file))) {
        DriftProfile.write(baseline, o, 0, out);
      }
      return DriftProfile.read(file);
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  private static String label(Windows.Window w, DriftReport r) {
    return w.label() != null ? w.label() : "rows " + w.firstRow() + "-" + (w.firstRow() + r.current.rows() - 1);
  }

  /** Scores every baseline window against the whole baseline and keeps each feature's range. */
  static Map<String, Learned> learn(DriftProfile profile, DatasetReader baseline, Windows.Spec spec,
      DriftCheck.Options o) throws DatasetException, DriftInputException {
    Map<String, List<Double>> scores = new LinkedHashMap<>();
    Map<String, DriftTest> tests = new LinkedHashMap<>();
    int count = 0;
    Windows.Splitter splitter = new Windows.Splitter(baseline, spec, "baseline");
    for (Windows.Window w = splitter.next(); w != null; w = splitter.next()) {
      try (DatasetReader rows = w.rows()) {
        DriftReport r = DriftCheck.compare(profile, rows, o);
        count++;
        for (FeatureResult f : r.scores) {
          tests.put(f.feature, f.test);
          if (f.score != null && Double.isFinite(f.score)) {
            scores.computeIfAbsent(f.feature, k -> new ArrayList<>()).add(f.score);
          }
        }
      }
    }
    if (count < MIN_LEARNING_WINDOWS) {
      throw new DriftInputException("learning thresholds: the baseline " + baseline.source() + " splits into " + count
          + " window" + (count == 1 ? "" : "s") + " of " + spec + "; at least " + MIN_LEARNING_WINDOWS
          + " are needed to see how much a statistic moves by chance (use smaller windows)");
    }
    Map<String, Learned> out = new LinkedHashMap<>();
    for (var e : scores.entrySet()) {
      DriftTest test = tests.get(e.getKey());
      double min = e.getValue().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      double max = e.getValue().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      out.put(e.getKey(), new Learned(e.getKey(), test, DefaultTests.isPValue(test) ? min : max, e.getValue().size(),
          min, max));
    }
    return out;
  }
}
