package dev.ferry.drift;

import dev.ferry.api.v1alpha1.DriftPolicySpec.Correction;
import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;
import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.drift.DriftConfig.FeatureSetting;
import dev.ferry.drift.DriftReport.Skipped;
import dev.ferry.drift.DriftReport.Source;
import dev.ferry.stats.Binning;
import dev.ferry.stats.ChiSquare;
import dev.ferry.stats.Divergence;
import dev.ferry.stats.Ecdf;
import dev.ferry.stats.KolmogorovSmirnov;
import dev.ferry.stats.MultipleTesting;
import dev.ferry.stats.Wasserstein;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs a drift check: reads the baseline (a file, or a stored {@link DriftProfile}) and the
 * current data in one streaming pass each, computes every feature's statistics one column at a
 * time, and decides.
 *
 * <p>Memory: the tests that need only counts (PSI, Jensen-Shannon, chi-square, L-infinity) keep
 * 10 bin counts per number column and one count per category; the current rows are never held.
 * KS and Wasserstein need the values: a number column under one of them keeps its values (8 bytes
 * each) in a {@link DoubleSpool} during the pass, on the heap up to the spool budget and on disk
 * beyond it, and the analysis then loads, sorts and compares one column at a time (per side). A
 * baseline file always keeps its number columns this way, since its deciles need sorting.
 *
 * <p>When every number column needs its values anyway (KS or Wasserstein everywhere, or {@code
 * --all-tests}), the baseline and the current file are read at the same time, on two threads.
 */
public final class DriftCheck {
  /** Names a column is taken to be the label by, unless {@code --label} says otherwise. */
  static final Set<String> LABEL_NAMES = Set.of("label", "target");

  /**
   * How to run; {@code leftOut} names more columns to leave out and why (the column windows are
   * split by, say).
   */
  public record Options(DriftConfig config, boolean allTests, long spoolBytes, Path spoolDir, String label,
      Map<String, String> leftOut) {
    public Options {
      if (config == null) {
        config = DriftConfig.defaults();
      }
      leftOut = leftOut == null ? Map.of() : Map.copyOf(leftOut);
    }

    public Options(DriftConfig config, boolean allTests, long spoolBytes, Path spoolDir, String label) {
      this(config, allTests, spoolBytes, spoolDir, label, Map.of());
    }

    Options with(DriftConfig other) {
      return new Options(other, allTests, spoolBytes, spoolDir, label, leftOut);
    }

    /** These options, comparing only {@code column} of {@code columns} (the others left out). */
    public Options only(String column, List<String> columns) {
      Map<String, String> more = new LinkedHashMap<>(leftOut);
      for (String c : columns) {
        if (!c.equals(column)) {
          more.put(c, "not the target");
        }
      }
      return new Options(config, allTests, spoolBytes, spoolDir, label, more);
    }

    public Options leavingOut(String column, String why) {
      Map<String, String> more = new LinkedHashMap<>(leftOut);
      more.put(column, why);
      return new Options(config, allTests, spoolBytes, spoolDir, label, more);
    }

    DoubleSpool.Budget budget() {
      return new DoubleSpool.Budget(spoolBytes, spoolDir);
    }
  }

  private DriftCheck() {}

  // ------------------------------------------------------------------ columns

  /** The columns to leave out and why: the label and the configuration's label and id columns. */
  static Map<String, String> excluded(List<String> columns, Options o) {
    Map<String, String> out = new LinkedHashMap<>();
    String target = o.config().outputs().target();
    for (String c : columns) {
      if (o.leftOut().containsKey(c)) {
        out.put(c, o.leftOut().get(c));
      } else if (c.equals(target) || c.equals(o.config().outputs().prediction())) {
        continue; // the model's own columns, tested in their roles
      } else if (o.config().excluded().contains(c)) {
        out.put(c, "label or id in the configuration's schema");
      } else if (o.label() != null ? o.label().equals(c)
          : LABEL_NAMES.contains(c.toLowerCase(Locale.ROOT)) && !o.config().features().containsKey(c)) {
        out.put(c, o.label() != null ? "the label (--label)" : "the label, by its name (--label COLUMN names another)");
      }
    }
    return out;
  }

  /** Checks that configured features exist among the compared columns. */
  static void checkConfigured(Options o, Set<String> features, String where) throws DriftInputException {
    for (String name : o.config().features().keySet()) {
      if (!features.contains(name)) {
        throw new DriftInputException("configuration: features[] names \"" + name + "\", which is not compared: "
            + where);
      }
    }
  }

  static DriftTest testOf(Options o, String name, ColumnKind kind, long baselineValues) throws DriftInputException {
    FeatureSetting s = o.config().features().get(name);
    DriftTest t = s == null || s.test() == null ? DefaultTests.test(kind, baselineValues) : s.test();
    if (!kind.tests().contains(t)) {
      throw new DriftInputException("configuration: features[] gives \"" + name + "\" the test " + t
          + ", which does not apply to a " + kind + " column (use one of " + kind.tests() + ")");
    }
    return t;
  }

  static double thresholdOf(Options o, String name, DriftTest t) {
    FeatureSetting s = o.config().features().get(name);
    return s == null || s.threshold() == null ? DefaultTests.threshold(t) : s.threshold();
  }

  // ------------------------------------------------------------------ baseline file vs current file

  /** Compares a baseline file with current data. */
  public static DriftReport compare(DatasetReader baseline, DatasetReader current, Options o)
      throws DatasetException, DriftInputException {
    List<String> bcols = baseline.columns();
    List<String> ccols = current.columns();
    List<Skipped> skipped = new ArrayList<>();
    Map<String, String> excluded = excluded(bcols, o);
    excluded.putAll(excluded(ccols, o));
    List<String> features = new ArrayList<>();
    for (String c : bcols) {
      if (excluded.containsKey(c)) {
        continue;
      }
      if (ccols.contains(c)) {
        features.add(c);
      } else {
        skipped.add(new Skipped(c, "only in the baseline"));
      }
    }
    for (String c : ccols) {
      if (!excluded.containsKey(c) && !bcols.contains(c)) {
        skipped.add(new Skipped(c, "only in the current data"));
      }
    }
    excluded.forEach((c, why) -> skipped.add(new Skipped(c, why)));
    if (features.isEmpty()) {
      throw new DriftInputException("no common columns to compare: " + baseline.source() + " has "
          + list(bcols) + " and " + current.source() + " has " + list(ccols)
          + (excluded.isEmpty() ? "" : " (left out: " + list(new ArrayList<>(excluded.keySet())) + ")"));
    }
    checkConfigured(o, new LinkedHashSet<>(features), "the columns in both files are " + list(features));

    DatasetScan bscan = new DatasetScan(baseline, "baseline");
    DatasetScan cscan = new DatasetScan(current, "current");
    DoubleSpool.Budget budget = o.budget();
    try {
      List<DatasetScan.Plan> bplans = bscan.planColumns(features, o.config().declaredKinds());
      Map<String, ColumnKind> kinds = new LinkedHashMap<>();
      bplans.forEach(plan -> kinds.put(plan.name(), plan.kind()));
      boolean parallel = readBothAtOnce(o, features, kinds, current);
      Map<String, BaselineFeature> prepared = new LinkedHashMap<>();
      if (parallel) {
        // Every number column keeps its values on both sides: read the two files at once.
        List<DatasetScan.Plan> cplans = List.copyOf(bplans);
        FutureTask<Void> task = new FutureTask<>(() -> {
          bscan.run(bplans, budget);
          return null;
        });
        Thread t = new Thread(task, "drift-baseline");
        t.setDaemon(true);
        t.start();
        Exception currentFailure = null;
        try {
          cscan.run(cplans, budget);
        } catch (DatasetException | DriftInputException | RuntimeException e) {
          currentFailure = e;
        }
        try {
          task.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DriftInputException("interrupted while reading " + baseline.source());
        } catch (ExecutionException e) {
          // The baseline's problem comes first: it is the one people fix first.
          rethrow(e.getCause());
        }
        if (currentFailure != null) {
          rethrow(currentFailure);
        }
        requireRows(bscan, cscan);
      } else {
        bscan.run(bplans, budget);
        requireRows(bscan, null);
        List<DatasetScan.Plan> cplans = new ArrayList<>();
        for (String f : features) {
          ColumnScan b = bscan.columns.get(f);
          if (b.present == 0) {
            cplans.add(new DatasetScan.Plan(f, ColumnKind.category, b.kindOrigin, false, null));
            continue;
          }
          if (b.kind == ColumnKind.number) {
            BaselineFeature bf = BaselineFeature.numbers(b).feature();
            prepared.put(f, bf);
            DriftTest test = testOf(o, f, ColumnKind.number, b.present);
            boolean keep = o.allTests() || DefaultTests.needsValues(test);
            if (!keep) {
              // Edges and counts are all this feature needs from now on: free its values before the current pass.
              b.spool.close();
              b.spool = null;
            }
            cplans.add(new DatasetScan.Plan(f, ColumnKind.number, b.kindOrigin, keep, bf.edges, bf.min, bf.max));
          } else {
            cplans.add(new DatasetScan.Plan(f, ColumnKind.category, b.kindOrigin, false, null));
          }
        }
        cscan.run(cplans, budget);
        requireRows(bscan, cscan);
      }
      List<FeatureResult> results = new ArrayList<>();
      List<String> warnings = new ArrayList<>();
      for (String f : features) {
        ColumnScan b = bscan.columns.get(f);
        ColumnScan c = cscan.columns.get(f);
        if (b.present == 0) {
          skipped.add(new Skipped(f, "no values in the baseline (all " + b.missing + " missing)"));
          continue;
        }
        if (b.kind == ColumnKind.number) {
          BaselineFeature bf = prepared.get(f);
          Ecdf be = null;
          if (bf == null) {
            BaselineFeature.Prepared p = BaselineFeature.numbers(b);
            bf = p.feature();
            be = p.ecdf();
          }
          results.add(numeric(o, bf, be, c));
        } else {
          results.add(categorical(o, BaselineFeature.categories(b), c, warnings));
        }
        if (b.spool != null) {
          b.spool.close();
        }
        if (c.spool != null) {
          c.spool.close();
        }
      }
      return finish(o, results, skipped, warnings,
          new Source(baseline.source(), bscan.rows, bscan.digest, false),
          new Source(current.source(), cscan.rows, cscan.digest, false));
    } finally {
      bscan.close();
      cscan.close();
    }
  }

  /**
   * Whether to read the baseline and the current file at the same time, on two threads. The
   * current file's number columns must then keep their values (their bins need the baseline's
   * deciles, known only at the end of its pass): always so when their tests need the values, and
   * otherwise when the current data is a local file of at most {@link #READ_AT_ONCE_MAX_BYTES}
   * (its values, about its own size, go to the spool and past its memory to a temporary file). A
   * larger file, or a source of unknown size (a URL, a bucket), is binned as it streams, after the
   * baseline, and needs no temporary space.
   */
  static boolean readBothAtOnce(Options o, List<String> features, Map<String, ColumnKind> kinds, DatasetReader current) {
    boolean allNeedValues = true;
    for (String f : features) {
      if (kinds.get(f) == ColumnKind.number && !o.allTests()) {
        FeatureSetting s = o.config().features().get(f);
        if (s == null || s.test() == null || !DefaultTests.needsValues(s.test())) {
          allNeedValues = false;
        }
      }
    }
    return allNeedValues || current.sizeHint() >= 0 && current.sizeHint() <= READ_AT_ONCE_MAX_BYTES;
  }

  /** The largest current file read beside the baseline when its tests need only counts. */
  static final long READ_AT_ONCE_MAX_BYTES = 512L << 20;

  private static void requireRows(DatasetScan b, DatasetScan c) throws DriftInputException {
    if (b != null && b.rows == 0) {
      throw new DriftInputException(b.reader.source() + ": the baseline has no data rows (only a header)");
    }
    if (c != null && c.rows == 0) {
      throw new DriftInputException(c.reader.source() + ": the current data has no data rows (only a header)");
    }
  }

  private static void rethrow(Throwable t) throws DatasetException, DriftInputException {
    if (t instanceof DatasetException e) {
      throw e;
    }
    if (t instanceof DriftInputException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }

  // ------------------------------------------------------------------ profile vs current file

  /** Compares a stored baseline profile with current data; reads only the current data. */
  public static DriftReport compare(DriftProfile profile, DatasetReader current, Options o)
      throws DatasetException, DriftInputException {
    List<String> ccols = current.columns();
    List<Skipped> skipped = new ArrayList<>();
    Map<String, String> excluded = excluded(ccols, o);
    List<String> pcols = new ArrayList<>();
    for (BaselineFeature f : profile.features) {
      pcols.add(f.name);
    }
    excluded.putAll(excluded(pcols, o));
    List<BaselineFeature> features = new ArrayList<>();
    for (BaselineFeature f : profile.features) {
      if (excluded.containsKey(f.name)) {
        continue;
      }
      if (ccols.contains(f.name)) {
        ColumnKind declared = o.config().declaredKinds().get(f.name);
        if (declared != null && declared != f.kind) {
          throw new DriftInputException("configuration declares \"" + f.name + "\" a " + declared
              + " column, but the profile " + profile.source + " holds it as a " + f.kind
              + " column; make the profile again with the same declaration");
        }
        features.add(f);
      } else {
        skipped.add(new Skipped(f.name, "only in the baseline"));
      }
    }
    for (String c : ccols) {
      if (!excluded.containsKey(c) && !pcols.contains(c) && !profile.skippedColumns().contains(c)) {
        skipped.add(new Skipped(c, "only in the current data"));
      }
    }
    profile.skipped.forEach(s -> {
      if (ccols.contains(s.column()) && !excluded.containsKey(s.column())) {
        skipped.add(s);
      }
    });
    excluded.forEach((c, why) -> skipped.add(new Skipped(c, why)));
    if (features.isEmpty()) {
      throw new DriftInputException("no common columns to compare: the profile " + profile.source + " has "
          + list(pcols) + " and " + current.source() + " has " + list(ccols));
    }
    Set<String> names = new LinkedHashSet<>();
    features.forEach(f -> names.add(f.name));
    checkConfigured(o, names, "the columns in both the profile and the data are " + list(new ArrayList<>(names)));
    List<DatasetScan.Plan> plans = new ArrayList<>();
    for (BaselineFeature f : features) {
      if (f.kind == ColumnKind.number) {
        DriftTest test = testOf(o, f.name, f.kind, f.count);
        boolean keep = o.allTests() || DefaultTests.needsValues(test);
        plans.add(new DatasetScan.Plan(f.name, f.kind, f.kindOrigin, keep, f.edges, f.min, f.max));
      } else {
        plans.add(new DatasetScan.Plan(f.name, f.kind, f.kindOrigin, false, null));
      }
    }
    DatasetScan cscan = new DatasetScan(current, "current");
    try {
      cscan.run(plans, o.budget());
      requireRows(null, cscan);
      List<FeatureResult> results = new ArrayList<>();
      List<String> warnings = new ArrayList<>();
      for (BaselineFeature f : features) {
        ColumnScan c = cscan.columns.get(f.name);
        results.add(f.kind == ColumnKind.number ? numeric(o, f, null, c) : categorical(o, f, c, warnings));
        if (c.spool != null) {
          c.spool.close();
        }
      }
      return finish(o, results, skipped, warnings, new Source(profile.source, profile.rows, profile.digest, true),
          new Source(current.source(), cscan.rows, cscan.digest, false));
    } finally {
      cscan.close();
    }
  }

  // ------------------------------------------------------------------ statistics

  private static FeatureResult numeric(Options o, BaselineFeature bf, Ecdf be, ColumnScan c)
      throws DriftInputException {
    DriftTest test = testOf(o, bf.name, ColumnKind.number, bf.count);
    FeatureResult r = new FeatureResult(bf.name, ColumnKind.number, test, thresholdOf(o, bf.name, test), bf.count,
        bf.missing, c.present, c.missing);
    if (bf.min == bf.max) {
      r.notes.add("constant in the baseline (" + DriftReport.num(bf.min) + "): every other value is a change");
    }
    if (c.present == 0) {
      noValues(r, c);
      return r;
    }
    Set<DriftTest> tests = o.allTests() ? ColumnKind.number.tests() : Set.of(test);
    Ecdf ce = null;
    long[] bins = c.bins;
    long outside = c.outside;
    boolean needValues = tests.contains(DriftTest.ks) || tests.contains(DriftTest.wasserstein);
    if (c.spool != null && !needValues) {
      // Read at the same time as the baseline, for counts only: bin the values, no sort needed.
      double[] values = c.spool.toArray();
      bins = new long[bf.edges.length + 1];
      Binning.count(bf.edges, values, values.length, bins);
      outside = countOutside(values, bf.min, bf.max, values.length);
    } else if (c.spool != null) {
      double[] values = c.spool.toArray();
      dev.ferry.stats.Sorting.sort(values, values.length);
      outside = countOutside(values, bf.min, bf.max, values.length);
      ce = Ecdf.ofSorted(values, values.length);
      if (bins == null) {
        bins = Binning.countSorted(bf.edges, ce);
      }
    }
    if (c.spool != null || !Double.isNaN(c.lo)) {
      r.outOfRangeShare = (double) outside / c.present;
    }
    if (bins != null && bf.edges != null && bf.binCounts != null) {
      r.distribution = Distribution.ofBins(bf.edges, bf.binCounts, bins);
    }
    for (DriftTest t : ColumnKind.number.tests()) {
      if (!tests.contains(t)) {
        continue;
      }
      switch (t) {
        case psi -> r.statistics.put("psi", Divergence.psi(bf.binCounts, bins));
        case js -> r.statistics.put("js", Divergence.jensenShannon(bf.binCounts, bins));
        case ks -> {
          be = be != null ? be : bf.distribution.load();
          KolmogorovSmirnov.Result ks = KolmogorovSmirnov.test(be, ce);
          r.statistics.put("ks", ks.statistic());
          r.statistics.put("ksPValue", ks.pValue());
        }
        case wasserstein -> {
          be = be != null ? be : bf.distribution.load();
          double w = Wasserstein.distance(be, ce);
          r.statistics.put("wasserstein", w);
          r.statistics.put("wassersteinNormed", w / (bf.std > 0 ? bf.std : 1));
          if (!(bf.std > 0)) {
            r.notes.add("the baseline's standard deviation is 0: wassersteinNormed is the raw distance");
          }
        }
        default -> throw new IllegalStateException(t.name());
      }
    }
    if (bf.cdfErrorBound > 0 && (tests.contains(DriftTest.ks) || tests.contains(DriftTest.wasserstein))) {
      r.notes.add("the baseline is a sketch: ks is within " + DriftReport.num(bf.cdfErrorBound)
          + " and wasserstein within " + DriftReport.num(bf.wassersteinErrorBound) + " of the exact values");
    }
    switch (test) {
      case psi -> r.score = r.statistics.get("psi");
      case js -> r.score = r.statistics.get("js");
      case wasserstein -> r.score = r.statistics.get("wassersteinNormed");
      case ks -> r.pValue = r.statistics.get("ksPValue");
      default -> throw new IllegalStateException(test.name());
    }
    return r;
  }

  private static FeatureResult categorical(Options o, BaselineFeature bf, ColumnScan c, List<String> warnings)
      throws DriftInputException {
    DriftTest test = testOf(o, bf.name, ColumnKind.category, bf.count);
    FeatureResult r = new FeatureResult(bf.name, ColumnKind.category, test, thresholdOf(o, bf.name, test), bf.count,
        bf.missing, c.present, c.missing);
    if (bf.categories.size() == 1 && bf.otherCount == 0) {
      r.notes.add("constant in the baseline (\"" + ColumnScan.clip(bf.categories.keySet().iterator().next(), 40)
          + "\"): every other value is a change");
    }
    if (c.present == 0) {
      noValues(r, c);
      return r;
    }
    Map<String, Long> cur = new LinkedHashMap<>();
    long tracked = 0;
    for (var k : c.categories.top(c.categories.distinct())) {
      cur.put(k.value(), k.count());
      tracked += k.count();
    }
    long curOther = c.categories.total() - tracked;
    long unseen = 0;
    for (var e : cur.entrySet()) {
      if (!bf.categories.containsKey(e.getKey())) {
        unseen += e.getValue();
      }
    }
    // A value the baseline counted among its rarer ones ("other") looks unseen: then this is an upper bound.
    r.unseenShare = (double) unseen / c.present;
    TreeSet<String> union = new TreeSet<>(bf.categories.keySet());
    union.addAll(cur.keySet());
    boolean other = bf.otherCount > 0 || curOther > 0;
    int k = union.size() + (other ? 1 : 0);
    long[] nb = new long[k];
    long[] nc = new long[k];
    int i = 0;
    for (String v : union) {
      nb[i] = bf.categories.getOrDefault(v, 0L);
      nc[i] = cur.getOrDefault(v, 0L);
      i++;
    }
    if (other) {
      nb[i] = bf.otherCount;
      nc[i] = curOther;
      r.notes.add("more than " + dev.ferry.data.CategoryCounter.DEFAULT_CAP
          + " distinct values: the rarer ones are counted together as one category, so the statistics are approximate");
    }
    List<String> labels = new ArrayList<>(union);
    if (other) {
      labels.add(Distribution.OTHER);
    }
    r.distribution = Distribution.ofCategories(labels, nb, nc);
    Set<DriftTest> tests = o.allTests() ? ColumnKind.category.tests() : Set.of(test);
    if (tests.contains(DriftTest.chi2)) {
      ChiSquare.Result chi = ChiSquare.test(nb, nc);
      r.statistics.put("chi2", chi.statistic());
      r.statistics.put("chi2PValue", chi.pValue());
    }
    if (tests.contains(DriftTest.js)) {
      r.statistics.put("js", Divergence.jensenShannon(nb, nc));
    }
    if (tests.contains(DriftTest.linf)) {
      r.statistics.put("linf", Divergence.linf(nb, nc));
    }
    switch (test) {
      case js -> r.score = r.statistics.get("js");
      case linf -> r.score = r.statistics.get("linf");
      case chi2 -> r.pValue = r.statistics.get("chi2PValue");
      default -> throw new IllegalStateException(test.name());
    }
    return r;
  }

  /** How many of the first {@code n} values lie below {@code min} or above {@code max}. */
  static long countOutside(double[] values, double min, double max, int n) {
    long out = 0;
    for (int i = 0; i < n; i++) {
      if (values[i] < min || values[i] > max) {
        out++;
      }
    }
    return out;
  }

  private static void noValues(FeatureResult r, ColumnScan c) {
    r.drifted = true;
    r.notes.add("no values in the current data (all " + c.missing + " missing): counted as drifted");
  }

  // ------------------------------------------------------------------ decisions

  static DriftReport finish(Options o, List<FeatureResult> results, List<Skipped> skipped, List<String> warnings,
      Source baseline, Source current) {
    List<FeatureResult> pTests = new ArrayList<>();
    for (FeatureResult r : results) {
      if (DefaultTests.isPValue(r.test) && r.pValue != null) {
        pTests.add(r);
      }
    }
    double[] p = new double[pTests.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = pTests.get(i).pValue;
    }
    double[] adjusted = o.config().correction() == Correction.benjaminiHochberg
        ? MultipleTesting.benjaminiHochberg(p) : MultipleTesting.bonferroni(p);
    for (int i = 0; i < p.length; i++) {
      pTests.get(i).score = adjusted[i];
    }
    DriftConfig.Outputs outputs = o.config().outputs();
    for (FeatureResult r : results) {
      r.role = r.feature.equals(outputs.target()) ? FeatureResult.Role.target
          : r.feature.equals(outputs.prediction()) ? FeatureResult.Role.prediction : r.role;
      gate(r, "missing", r.currentMissing, outputs.maxMissingShare());
      gate(r, "unseen categories", r.unseenShare, outputs.maxUnseenShare());
      gate(r, "out of the baseline's range", r.outOfRangeShare, outputs.maxOutOfRangeShare());
    }
    for (FeatureResult r : results) {
      if (r.score == null) {
        continue;
      }
      double s = r.score;
      if (DefaultTests.isPValue(r.test)) {
        r.drifted = s < r.threshold;
        double t = Math.min(Math.max(r.threshold, 1e-300), 1 - 1e-12);
        r.severity = r.threshold <= 0 ? 0.0 : Math.log(Math.max(s, 1e-300)) / Math.log(t);
      } else {
        r.drifted = s > r.threshold;
        r.severity = s / Math.max(r.threshold, 1e-12);
      }
    }
    return new DriftReport(baseline, current, results, skipped, warnings, o.config().datasetDriftShare(),
        o.config().correction(), p.length, o.allTests());
  }

  private static void gate(FeatureResult r, String what, Double share, Double max) {
    if (share != null && max != null && share > max) {
      r.qualityFailures.add(String.format(Locale.ROOT, "%s %.2f%% > %.2f%%", what, share * 100, max * 100));
    }
  }

  static String list(List<String> names) {
    String s = String.join(", ", names);
    return "[" + (s.length() > 300 ? s.substring(0, 297) + "..." : s) + "]";
  }
}
