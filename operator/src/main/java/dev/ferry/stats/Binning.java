package dev.ferry.stats;

/**
 * Fixed bins given by inner edges: a value goes to the bin numbered by how many edges are strictly
 * below it, so {@code k} edges make {@code k + 1} bins. For sorted edges this is {@code
 * numpy.searchsorted(edges, v, side='left')}. The count is branch-free: with the 9 decile edges it
 * is faster than a binary search, whose branches a CPU cannot predict.
 */
public final class Binning {
  private Binning() {}

  /** The bin of {@code v}: how many of {@code edges} are strictly below it. */
  public static int bin(double[] edges, double v) {
    int b = 0;
    for (double e : edges) {
      b += e < v ? 1 : 0;
    }
    return b;
  }

  /** Adds the bins of the first {@code n} values to {@code counts} (length {@code edges.length + 1}). */
  public static void count(double[] edges, double[] values, int n, long[] counts) {
    if (edges.length == 9) {
      count9(edges, values, n, counts);
      return;
    }
    for (int i = 0; i < n; i++) {
      counts[bin(edges, values[i])]++;
    }
  }

  private static void count9(double[] e, double[] values, int n, long[] counts) {
    double e0 = e[0], e1 = e[1], e2 = e[2], e3 = e[3], e4 = e[4], e5 = e[5], e6 = e[6], e7 = e[7], e8 = e[8];
    for (int i = 0; i < n; i++) {
      double v = values[i];
      int b = (e0 < v ? 1 : 0) + (e1 < v ? 1 : 0) + (e2 < v ? 1 : 0) + (e3 < v ? 1 : 0) + (e4 < v ? 1 : 0)
          + (e5 < v ? 1 : 0) + (e6 < v ? 1 : 0) + (e7 < v ? 1 : 0) + (e8 < v ? 1 : 0);
      counts[b]++;
    }
  }

  /**
   * The bin counts of a sorted sample, found with one binary search per edge instead of one
   * comparison per value and edge; equal to {@link #count} for sorted edges.
   */
  public static long[] countSorted(double[] edges, Ecdf sample) {
    long[] counts = new long[edges.length + 1];
    long before = 0;
    for (int k = 0; k < edges.length; k++) {
      long atOrBelow = sample.countAtOrBelow(edges[k]);
      counts[k] = atOrBelow - before;
      before = atOrBelow;
    }
    counts[edges.length] = sample.n() - before;
    return counts;
  }

  /** Counts divided by their sum, as {@code counts / len(sample)} in numpy. */
  public static double[] proportions(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double[] p = new double[counts.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = (double) counts[i] / total;
    }
    return p;
  }
}
