package dev.ferry.drift;

import dev.ferry.stats.Binning;
import dev.ferry.stats.Ecdf;
import dev.ferry.stats.Quantiles;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the check needs to know about one baseline column: for numbers the decile edges, the bin
 * counts, mean, standard deviation and the distribution (exact or a sketch) for KS and
 * Wasserstein; for categories the count of every category. Built from a baseline file or read from
 * a profile.
 */
final class BaselineFeature {
  /** Gives the baseline distribution of a numeric column, one column at a time. */
  interface EcdfSource {
    Ecdf load() throws DriftInputException;
  }

  final String name;
  final ColumnKind kind;
  final String kindOrigin;
  long count;
  long missing;
  // numbers
  double[] edges;
  long[] binCounts;
  double mean;
  double std;
  double min;
  double max;
  EcdfSource distribution;
  /** 0 for an exact distribution, else the sketch's bounds. */
  double cdfErrorBound;
  double wassersteinErrorBound;
  // categories
  Map<String, Long> categories;
  long otherCount;

  BaselineFeature(String name, ColumnKind kind, String kindOrigin) {
    this.name = name;
    this.kind = kind;
    this.kindOrigin = kindOrigin;
  }

  /** A category column from its counts. */
  static BaselineFeature categories(ColumnScan c) {
    BaselineFeature f = new BaselineFeature(c.name, ColumnKind.category, c.kindOrigin);
    f.count = c.present;
    f.missing = c.missing;
    f.categories = new LinkedHashMap<>();
    long tracked = 0;
    for (var k : c.categories.top(c.categories.distinct())) {
      f.categories.put(k.value(), k.count());
      tracked += k.count();
    }
    f.otherCount = c.categories.total() - tracked;
    return f;
  }

  /**
   * A number column from its spooled values: sorts them (in parallel where the machine has
   * cores), takes numpy's linear deciles as the 9 edges, counts the bins, and returns the exact
   * distribution for immediate use. Later {@link #distribution} loads and sorts it again.
   */
  static Prepared numbers(ColumnScan c) {
    BaselineFeature f = new BaselineFeature(c.name, ColumnKind.number, c.kindOrigin);
    f.count = c.present;
    f.missing = c.missing;
    Ecdf e = load(c);
    f.describe(e);
    f.distribution = () -> load(c);
    return new Prepared(f, e);
  }

  /** A baseline feature with its distribution already loaded. */
  record Prepared(BaselineFeature feature, Ecdf ecdf) {}

  /** Sets edges, bin counts and summary statistics from the exact sorted sample. */
  void describe(Ecdf e) {
    // Decile edges need the sorted values themselves, with ties: rebuild from the distinct values.
    edges = decileEdges(e);
    binCounts = Binning.countSorted(edges, e);
    mean = e.mean();
    std = e.std();
    min = e.min();
    max = e.max();
  }

  /** numpy's linear deciles of the sample an exact Ecdf describes, without expanding the ties. */
  static double[] decileEdges(Ecdf e) {
    long n = e.n();
    double[] out = new double[9];
    double[] qs = Quantiles.deciles();
    for (int k = 0; k < 9; k++) {
      out[k] = quantile(e, n, qs[k]);
    }
    return out;
  }

  /** {@link Quantiles#linear} on the expanded sample, reading ranks from the cumulative counts. */
  static double quantile(Ecdf e, long n, double q) {
    double virtual = (n - 1) * q;
    if (virtual >= n - 1) {
      return e.max();
    }
    if (virtual < 0) {
      return e.min();
    }
    double below = Math.floor(virtual);
    long i = (long) below;
    double gamma = virtual - below;
    double a = valueAtRank(e, i);
    double b = valueAtRank(e, i + 1);
    double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
  }

  /** The value at 0-based rank {@code r} of the sorted sample. */
  static double valueAtRank(Ecdf e, long r) {
    int lo = 0;
    int hi = e.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (e.cumulative(mid) > r) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return e.value(lo);
  }

  private static Ecdf load(ColumnScan c) {
    double[] values = c.spool.toArray();
    dev.ferry.stats.Sorting.sort(values, values.length);
    return Ecdf.ofSorted(values, values.length);
  }
}
