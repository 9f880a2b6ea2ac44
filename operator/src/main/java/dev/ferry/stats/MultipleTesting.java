package dev.ferry.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Adjusted p-values for testing several features at once. A feature drifts when its adjusted
 * p-value is below its threshold, which keeps the chance of a false alarm over the whole family
 * (Bonferroni) or the expected share of false alarms among the alarms (Benjamini-Hochberg) at the
 * threshold.
 */
public final class MultipleTesting {
  private MultipleTesting() {}

  /** Bonferroni: {@code min(1, p * m)} for {@code m} tests. */
  public static double[] bonferroni(double[] p) {
    int m = p.length;
    double[] out = new double[m];
    for (int i = 0; i < m; i++) {
      out[i] = Math.min(1.0, p[i] * m);
    }
    return out;
  }

  /**
   * Benjamini-Hochberg step-up: the p-value of rank {@code i} (ascending, 1-based) becomes {@code
   * min over j >= i of p_(j) * m / j}, at most 1 (as R's {@code p.adjust(p, "BH")} and statsmodels'
   * {@code fdr_bh}).
   */
  public static double[] benjaminiHochberg(double[] p) {
    int m = p.length;
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
    double[] out = new double[m];
    double running = 1.0;
    for (int r = m - 1; r >= 0; r--) {
      int i = order[r];
      running = Math.min(running, Math.max(p[i], (double) m / (r + 1) * p[i]));
      out[i] = running;
    }
    return out;
  }
}
