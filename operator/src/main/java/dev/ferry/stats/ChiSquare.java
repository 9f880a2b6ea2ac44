package dev.ferry.stats;

import org.hipparchus.special.Gamma;

/**
 * Pearson's chi-square test of homogeneity for two samples of categories, as {@code
 * scipy.stats.chi2_contingency(table, correction=False)} on the 2-by-k table of counts: expected
 * counts {@code row * column / total}, statistic {@code sum((observed - expected)^2 / expected)},
 * {@code k - 1} degrees of freedom, p-value from the chi-square survival function.
 *
 * <p>The survival function is the regularized upper incomplete gamma function {@code Q(dof/2,
 * x/2)}, taken from Hipparchus ({@link Gamma#regularizedGammaQ(double, double)}): a maintained,
 * tested implementation (series and continued fraction to 1e-15) is a better bet than a new one,
 * and it agrees with scipy's (Cephes {@code igamc}) far inside the 1e-6 the checks need.
 */
public final class ChiSquare {
  private ChiSquare() {}

  /** The statistic, degrees of freedom and p-value. */
  public record Result(double statistic, int degreesOfFreedom, double pValue) {}

  /**
   * Tests whether two rows of counts over the same categories come from one distribution.
   *
   * @throws IllegalArgumentException when a row or a column sums to 0 (scipy refuses such tables:
   *     an expected count would be 0)
   */
  public static Result test(long[] a, long[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("the two rows must count the same, non-empty list of categories");
    }
    int k = a.length;
    double ra = 0;
    double rb = 0;
    for (int i = 0; i < k; i++) {
      ra += a[i];
      rb += b[i];
    }
    double total = ra + rb;
    double stat = 0;
    for (int i = 0; i < k; i++) {
      double col = (double) a[i] + (double) b[i];
      double ea = ra * col / total;
      double eb = rb * col / total;
      if (ea == 0 || eb == 0) {
        throw new IllegalArgumentException("an expected count is 0: a sample is empty or a category never occurs");
      }
      double da = a[i] - ea;
      double db = b[i] - eb;
      stat += da * da / ea + db * db / eb;
    }
    int dof = k - 1;
    if (dof == 0) {
      return new Result(0.0, 0, 1.0);
    }
    return new Result(stat, dof, survival(stat, dof));
  }

  /** The chi-square survival function {@code P(X > x)} with {@code dof} degrees of freedom. */
  public static double survival(double x, double dof) {
    if (x <= 0) {
      return 1.0;
    }
    if (Double.isInfinite(x)) {
      return 0.0;
    }
    return Gamma.regularizedGammaQ(dof / 2.0, x / 2.0);
  }
}
