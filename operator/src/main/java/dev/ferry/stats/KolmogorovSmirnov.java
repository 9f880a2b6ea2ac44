package dev.ferry.stats;

/**
 * The two-sample Kolmogorov-Smirnov test, two-sided, as {@code scipy.stats.ks_2samp(a, b)} with
 * its defaults ({@code alternative='two-sided', method='auto'}).
 *
 * <p>The statistic is the largest distance between the two empirical CDFs, evaluated at every
 * value of either sample. The p-value is exact when both samples have at most 10,000 values
 * (scipy's {@code MAX_AUTO_N}): the statistic is rounded to a multiple {@code h / lcm(n1, n2)} and
 * the probability that a random lattice path leaves the band {@code |x/n1 - y/n2| < h / lcm} is
 * computed by Hodges' method as scipy does (for equal sizes the closed alternating sum, otherwise
 * the inside-band recursion of Viehmann that computes {@code 1 - p} directly). When the exact
 * computation fails or the samples are larger, the p-value is the survival function of the
 * one-sample two-sided KS distribution at {@code d} with {@code n = round(n1 n2 / (n1 + n2))}
 * ({@link KolmogorovDistribution}), as scipy's {@code kstwo.sf}.
 */
public final class KolmogorovSmirnov {
  /** Largest sample size for which scipy's default computes the exact p-value. */
  public static final int MAX_EXACT_N = 10_000;

  private KolmogorovSmirnov() {}

  /** How the p-value was computed. */
  public enum Method { exact, asymp }

  /** The statistic (in [0, 1]), its p-value and how the p-value was computed. */
  public record Result(double statistic, double pValue, Method method) {}

  /** The statistic alone: the largest absolute difference of the two empirical CDFs. */
  public static double statistic(Ecdf a, Ecdf b) {
    double[] mm = extremes(a, b);
    double maxS = mm[0];
    double minS = Math.min(Math.max(-mm[1], 0), 1);
    return minS > maxS ? minS : maxS;
  }

  /** Largest and smallest of {@code F_a(x) - F_b(x)} over the values of both samples. */
  private static double[] extremes(Ecdf a, Ecdf b) {
    if (a.n() == 0 || b.n() == 0) {
      throw new IllegalArgumentException("the Kolmogorov-Smirnov test needs two non-empty samples");
    }
    double na = a.n();
    double nb = b.n();
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    int i = 0;
    int j = 0;
    long ca = 0;
    long cb = 0;
    int sa = a.size();
    int sb = b.size();
    while (i < sa || j < sb) {
      double x;
      if (i < sa) {
        x = j < sb ? Math.min(a.value(i), b.value(j)) : a.value(i);
      } else {
        x = b.value(j);
      }
      if (i < sa && a.value(i) == x) {
        ca = a.cumulative(i++);
      }
      if (j < sb && b.value(j) == x) {
        cb = b.cumulative(j++);
      }
      double diff = ca / na - cb / nb;
      if (diff > max) {
        max = diff;
      }
      if (diff < min) {
        min = diff;
      }
    }
    return new double[] {max, min};
  }

  /** The statistic and its two-sided p-value. */
  public static Result test(Ecdf a, Ecdf b) {
    double d = statistic(a, b);
    long n1 = a.n();
    long n2 = b.n();
    if (Math.max(n1, n2) <= MAX_EXACT_N) {
      long g = gcd(n1, n2);
      long lcm = (n1 / g) * n2;
      long h = (long) Math.rint(d * lcm);
      double dExact = h * 1.0 / lcm;
      if (h == 0) {
        return new Result(dExact, 1.0, Method.exact);
      }
      double p = n1 == n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
      if (p >= 0 && p <= 1) {
        return new Result(dExact, p, Method.exact);
      }
      d = dExact; // scipy falls back to the asymptotic p-value of the rounded statistic
    }
    double m = Math.max(n1, n2);
    double n = Math.min(n1, n2);
    double en = m * n / (m + n);
    double p = KolmogorovDistribution.sf(d, Math.rint(en));
    return new Result(d, Math.min(Math.max(p, 0), 1), Method.asymp);
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /**
   * {@code P(D_{n,n} >= h/n)}: {@code 2 * (A0 - A0 A1 + A0 A1 A2 - ...)}, each {@code A_k} a ratio
   * of binomial coefficients built factor by factor and the sum nested Horner-style (scipy's {@code
   * _compute_prob_outside_square}).
   */
  static double probOutsideSquare(long n, long h) {
    double p = 0.0;
    long k = (long) Math.floor((double) n / h);
    while (k >= 0) {
      double p1 = 1.0;
      for (long j = 0; j < h; j++) {
        p1 = (double) (n - k * h - j) * p1 / (double) (n + k * h + j + 1);
      }
      p = p1 * (1.0 - p);
      k--;
    }
    return 2 * p;
  }

  /**
   * {@code P(D_{m,n} >= h / lcm(m, n))} for {@code m != n}: one minus the share of lattice paths
   * from (0, 0) to (m, n) that stay strictly inside {@code |x/m - y/n| < h / lcm}, with the
   * recursion carried on the complement and rescaled at every column so nothing overflows
   * (Hodges 1958; Viehmann 2021; scipy's {@code _compute_outer_prob_inside_method}).
   */
  static double probOutsideBand(long m0, long n0, long g, long h) {
    long m = Math.max(m0, n0);
    long n = Math.min(m0, n0);
    long mg = m / g;
    long ng = n / g;
    int minj = 0;
    int maxj = (int) Math.min((long) Math.ceil((double) h / mg), n + 1);
    int curlen = maxj - minj;
    int lenA = (int) Math.min(2L * maxj + 2, n + 1);
    double[] a = new double[lenA];
    java.util.Arrays.fill(a, 1.0);
    for (int x = minj; x < maxj; x++) {
      a[x] = 0.0;
    }
    for (long i = 1; i <= m; i++) {
      int lastminj = minj;
      int lastlen = curlen;
      minj = (int) Math.max((long) Math.floor((double) (ng * i - h) / mg) + 1, 0);
      minj = (int) Math.min(minj, n);
      maxj = (int) Math.min((long) Math.ceil((double) (ng * i + h) / mg), n + 1);
      if (maxj <= minj) {
        return 1.0;
      }
      double val = minj == 0 ? 0.0 : 1.0;
      for (int jj = 0; jj < maxj - minj; jj++) {
        long j = jj + minj;
        val = (a[jj + minj - lastminj] * i + val * j) / (i + j);
        a[jj] = val;
      }
      curlen = maxj - minj;
      if (lastlen > curlen) {
        int from = Math.min(maxj - minj, lenA);
        java.util.Arrays.fill(a, from, Math.min(from + (lastlen - curlen), lenA), 1.0);
      }
    }
    return a[maxj - minj - 1];
  }
}
