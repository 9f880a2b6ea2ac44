package dev.ferry.data;

/**
 * Count, min, max, mean and standard deviation of a stream of numbers in constant memory
 * (Welford's online algorithm, numerically stable).
 */
public final class NumericStats {
  private long count;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double mean;
  private double m2;

  public void add(double v) {
    count++;
    if (v < min) {
      min = v;
    }
    if (v > max) {
      max = v;
    }
    double delta = v - mean;
    mean += delta / count;
    m2 += delta * (v - mean);
  }

  public long count() {
    return count;
  }

  /** Smallest value; {@code NaN} when empty. */
  public double min() {
    return count == 0 ? Double.NaN : min;
  }

  /** Largest value; {@code NaN} when empty. */
  public double max() {
    return count == 0 ? Double.NaN : max;
  }

  /** Arithmetic mean; {@code NaN} when empty. */
  public double mean() {
    return count == 0 ? Double.NaN : mean;
  }

  /** Sample variance (n - 1 in the denominator); 0 for a single value, {@code NaN} when empty. */
  public double variance() {
    if (count == 0) {
      return Double.NaN;
    }
    return count == 1 ? 0 : m2 / (count - 1);
  }

  /** Sample standard deviation; 0 for a single value, {@code NaN} when empty. */
  public double std() {
    return Math.sqrt(variance());
  }
}
