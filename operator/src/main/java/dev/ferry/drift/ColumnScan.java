package dev.ferry.drift;

import dev.ferry.data.CategoryCounter;
import dev.ferry.data.DataValues;
import dev.ferry.stats.Binning;

/**
 * One column as seen in one pass over a dataset: how many values are missing, and either its
 * numbers (bin counts and, when a test needs them, the values in a {@link DoubleSpool}) or its
 * category counts. Never holds the rows themselves.
 */
final class ColumnScan {
  final String name;
  final int index;
  final ColumnKind kind;
  /** Why the column has its kind, for messages: "declared", or "inferred from the first N values". */
  final String kindOrigin;
  long missing;
  long present;
  /** Numbers: the values, when kept. */
  DoubleSpool spool;
  /** Numbers: the bin edges, when known during the pass. */
  final double[] edges;
  /** Numbers: counts per bin of {@link #edges}. */
  final long[] bins;
  private final Binning.Binner binner;
  /** Numbers: smallest and largest. */
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  /** Categories: counts. */
  final CategoryCounter categories;
  /** Numbers: the baseline's range when known during the pass (else NaN), and how many values fell outside it. */
  final double lo;
  final double hi;
  long outside;

  ColumnScan(String name, int index, ColumnKind kind, String kindOrigin, DoubleSpool spool, double[] edges, double lo,
      double hi) {
    this.lo = lo;
    this.hi = hi;
    this.name = name;
    this.index = index;
    this.kind = kind;
    this.kindOrigin = kindOrigin;
    this.spool = spool;
    this.edges = edges;
    this.bins = edges == null ? null : new long[edges.length + 1];
    this.binner = edges == null ? null : Binning.binner(edges);
    this.categories = kind == ColumnKind.category ? new CategoryCounter(CategoryCounter.DEFAULT_CAP) : null;
  }

  /** Takes one cell; {@code null} (and, for numbers, blank text) is a missing value. */
  void accept(String v, long line, String source, String side) throws DriftInputException {
    if (v == null) {
      missing++;
      return;
    }
    if (kind == ColumnKind.category) {
      present++;
      categories.add(v);
      return;
    }
    double d = NumberText.parse(v);
    if (Double.isNaN(d)) {
      if (v.isBlank()) {
        missing++;
        return;
      }
      throw DriftInputException.at(source, line, name, "\"" + clip(v, 40) + "\" is not a number, but the column is "
          + "numeric (" + kindOrigin + ")" + ("current".equals(side)
              ? ": a column that holds numbers in the baseline must hold numbers in the current data"
              : "; declare its type as category if it holds text"));
    }
    present++;
    if (d < min) {
      min = d;
    }
    if (d > max) {
      max = d;
    }
    if (bins != null) {
      bins[binner.bin(d)]++;
    }
    if (d < lo || d > hi) {
      outside++;
    }
    if (spool != null) {
      spool.add(d);
    }
  }

  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  /** For numbers: the same rule as {@link DataValues#parseNumber(String)}. */
  static boolean isNumber(String v) {
    return !Double.isNaN(NumberText.parse(v));
  }
}
