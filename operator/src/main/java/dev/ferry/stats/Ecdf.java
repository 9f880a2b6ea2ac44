package dev.ferry.stats;

import java.util.Arrays;

/**
 * An empirical distribution as its distinct values, ascending, and for each the number of sample
 * values at or below it (the empirical CDF times {@code n}, taken right-continuous as
 * {@code searchsorted(side='right')} does). Ties cost nothing: a column of 1,000,000 integers
 * between 0 and 99 has 100 entries.
 *
 * <p>An Ecdf is either exact, built from every value, or a <em>sketch</em> ({@link #sketch(int)}):
 * a subset of the entries, every {@code n / k}-th in rank, each with its exact count. Between two
 * kept entries the sketch's CDF stays at the lower one's count, so it is never more than {@code
 * 1 / k} from the exact CDF (see {@link #cdfErrorBound()}), and moving the mass of the left-out
 * values up to the next kept value moves the distribution by at most {@code (max - min) / k} in
 * Wasserstein distance (see {@link #wassersteinErrorBound()}).
 */
public final class Ecdf {
  private final double[] values;
  private final long[] cumulative;
  private final int size;
  private final long n;
  private final double cdfErrorBound;
  private final double wassersteinErrorBound;

  private Ecdf(double[] values, long[] cumulative, int size, double cdfErrorBound, double wassersteinErrorBound) {
    this.values = values;
    this.cumulative = cumulative;
    this.size = size;
    this.n = size == 0 ? 0 : cumulative[size - 1];
    this.cdfErrorBound = cdfErrorBound;
    this.wassersteinErrorBound = wassersteinErrorBound;
  }

  /**
   * The exact distribution of the first {@code count} values of {@code sorted} (ascending, finite).
   * The array is reused for the distinct values: the caller must not use it afterwards.
   */
  public static Ecdf ofSorted(double[] sorted, int count) {
    long[] cum = new long[Math.max(count, 0)];
    int size = 0;
    for (int i = 0; i < count; i++) {
      double v = sorted[i];
      // == also merges -0.0 and 0.0, which Arrays.sort keeps apart but numpy treats as equal.
      if (size > 0 && sorted[size - 1] == v) {
        cum[size - 1] = i + 1;
      } else {
        sorted[size] = v;
        cum[size] = i + 1;
        size++;
      }
    }
    return new Ecdf(sorted, size < cum.length / 2 ? Arrays.copyOf(cum, size) : cum, size, 0, 0);
  }

  /** Sorts the first {@code count} values (in place) and returns their exact distribution. */
  public static Ecdf ofUnsorted(double[] values, int count) {
    Arrays.sort(values, 0, count);
    return ofSorted(values, count);
  }

  /**
   * A distribution given by its parts, as stored in a profile.
   *
   * @param values distinct, strictly ascending
   * @param cumulative strictly ascending counts, the last one the sample size
   * @throws IllegalArgumentException when the parts do not make a distribution
   */
  public static Ecdf of(double[] values, long[] cumulative, double cdfErrorBound, double wassersteinErrorBound) {
    if (values.length != cumulative.length) {
      throw new IllegalArgumentException("values and counts differ in length");
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException("value " + i + " is not finite");
      }
      if (i > 0 && !(values[i] > values[i - 1])) {
        throw new IllegalArgumentException("values are not strictly ascending at " + i);
      }
      if (cumulative[i] <= (i == 0 ? 0 : cumulative[i - 1])) {
        throw new IllegalArgumentException("counts are not strictly ascending at " + i);
      }
    }
    return new Ecdf(values, cumulative, values.length, cdfErrorBound, wassersteinErrorBound);
  }

  /**
   * A sketch keeping about {@code k + 1} entries: the smallest value, the largest, and every
   * entry where the count passes a multiple of {@code n / k}. Returns this distribution when it
   * has no more entries than that.
   */
  public Ecdf sketch(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("a sketch needs k >= 1");
    }
    if (size <= k + 1) {
      return this;
    }
    double[] v = new double[k + 2];
    long[] c = new long[k + 2];
    int m = 0;
    double step = (double) n / k;
    double next = step;
    for (int i = 0; i < size; i++) {
      boolean keep = i == 0 || i == size - 1 || cumulative[i] >= next;
      if (keep) {
        v[m] = values[i];
        c[m] = cumulative[i];
        m++;
        while (next <= cumulative[i]) {
          next += step;
        }
      }
    }
    double range = values[size - 1] - values[0];
    return new Ecdf(Arrays.copyOf(v, m), Arrays.copyOf(c, m), m, 1.0 / k, range / k);
  }

  /** Number of values in the sample. */
  public long n() {
    return n;
  }

  /** Number of entries (distinct values kept). */
  public int size() {
    return size;
  }

  public double value(int i) {
    return values[i];
  }

  /** Values at or below {@link #value(int) value(i)}. */
  public long cumulative(int i) {
    return cumulative[i];
  }

  /** The distinct values (a copy). */
  public double[] values() {
    return Arrays.copyOf(values, size);
  }

  /** The cumulative counts (a copy). */
  public long[] cumulativeCounts() {
    return Arrays.copyOf(cumulative, size);
  }

  public double min() {
    return values[0];
  }

  public double max() {
    return values[size - 1];
  }

  /** True for a sketch, false when every distinct value is kept. */
  public boolean isSketch() {
    return cdfErrorBound > 0;
  }

  /** Largest difference between this CDF and the exact one: 0 when exact, {@code 1/k} for a sketch. */
  public double cdfErrorBound() {
    return cdfErrorBound;
  }

  /** Largest Wasserstein distance between this distribution and the exact one. */
  public double wassersteinErrorBound() {
    return wassersteinErrorBound;
  }

  /**
   * How many values are at or below {@code x} (for a sketch: at or below the largest kept value not
   * above {@code x}).
   */
  public long countAtOrBelow(double x) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == 0 ? 0 : cumulative[lo - 1];
  }

  /** Mean of the values (exact distributions only give the exact mean). */
  public double mean() {
    double s = 0;
    long prev = 0;
    for (int i = 0; i < size; i++) {
      s += values[i] * (cumulative[i] - prev);
      prev = cumulative[i];
    }
    return s / n;
  }

  /** Population standard deviation of the values. */
  public double std() {
    double mean = mean();
    double s = 0;
    long prev = 0;
    for (int i = 0; i < size; i++) {
      double d = values[i] - mean;
      s += d * d * (cumulative[i] - prev);
      prev = cumulative[i];
    }
    return Math.sqrt(s / n);
  }
}
