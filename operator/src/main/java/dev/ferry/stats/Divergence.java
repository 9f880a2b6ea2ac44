package dev.ferry.stats;

/**
 * Distances between two discrete distributions given as counts over the same bins or categories:
 * the population stability index, the Jensen-Shannon distance and the L-infinity distance.
 */
public final class Divergence {
  /** Proportions below this are raised to it in the PSI, so an empty bin does not make it infinite. */
  public static final double PSI_FLOOR = 1e-4;

  private Divergence() {}

  /**
   * Population stability index {@code sum((q - p) * ln(q / p))} over the bins, with {@code p}
   * (baseline) and {@code q} (current) the proportions floored at {@link #PSI_FLOOR}. Symmetric,
   * 0 for equal proportions, no upper bound.
   */
  public static double psi(long[] baseline, long[] current) {
    return psi(Binning.proportions(baseline), Binning.proportions(current));
  }

  /** {@link #psi(long[], long[])} over proportions. */
  public static double psi(double[] p, double[] q) {
    check(p, q);
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      double fb = Math.max(p[i], PSI_FLOOR);
      double fc = Math.max(q[i], PSI_FLOOR);
      s += (fc - fb) * Math.log(fc / fb);
    }
    return s;
  }

  /**
   * Jensen-Shannon distance with base-2 logarithms, as {@code
   * scipy.spatial.distance.jensenshannon(p, q, base=2)}: the square root of the mean of the two
   * Kullback-Leibler divergences to the midpoint {@code m = (p + q) / 2}. Between 0 (equal) and 1
   * (disjoint); symmetric; a metric.
   */
  public static double jensenShannon(long[] baseline, long[] current) {
    return jensenShannon(Binning.proportions(baseline), Binning.proportions(current));
  }

  /** {@link #jensenShannon(long[], long[])} over proportions (normalised again, as scipy does). */
  public static double jensenShannon(double[] p, double[] q) {
    check(p, q);
    double sp = 0;
    double sq = 0;
    for (int i = 0; i < p.length; i++) {
      sp += p[i];
      sq += q[i];
    }
    double left = 0;
    double right = 0;
    for (int i = 0; i < p.length; i++) {
      double pi = p[i] / sp;
      double qi = q[i] / sq;
      double m = (pi + qi) / 2.0;
      left += relEntr(pi, m);
      right += relEntr(qi, m);
    }
    double js = (left + right) / Math.log(2);
    // Rounding can leave -1e-17 where the exact value is 0; scipy would answer NaN there.
    return Math.sqrt(Math.max(js, 0) / 2.0);
  }

  /** {@code scipy.special.rel_entr}: {@code x ln(x / y)}, 0 when {@code x} is 0. */
  static double relEntr(double x, double y) {
    if (x > 0 && y > 0) {
      return x * Math.log(x / y);
    }
    if (x == 0 && y >= 0) {
      return 0;
    }
    return Double.POSITIVE_INFINITY;
  }

  /** Largest absolute difference of the proportions, between 0 and 1. */
  public static double linf(long[] baseline, long[] current) {
    double[] p = Binning.proportions(baseline);
    double[] q = Binning.proportions(current);
    check(p, q);
    double max = 0;
    for (int i = 0; i < p.length; i++) {
      max = Math.max(max, Math.abs(p[i] - q[i]));
    }
    return max;
  }

  private static void check(double[] p, double[] q) {
    if (p.length != q.length) {
      throw new IllegalArgumentException("the two distributions have " + p.length + " and " + q.length + " bins");
    }
    if (p.length == 0) {
      throw new IllegalArgumentException("no bins");
    }
  }
}
