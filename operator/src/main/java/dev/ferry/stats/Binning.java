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
    Binner b = binner(edges);
    for (int i = 0; i < n; i++) {
      counts[b.bin(values[i])]++;
    }
  }

  /** A fast {@link #bin} for fixed edges. */
  public static Binner binner(double[] edges) {
    return new Binner(edges);
  }

  /**
   * Bins values by fixed edges. With at most 15 ascending edges (the usual 9 deciles), a
   * four-step branch-free search over the edges padded with +infinity to 16; otherwise the count
   * of {@link Binning#bin}. For ascending edges both give the number of edges strictly below.
   */
  public static final class Binner {
    private final double[] edges;
    private final double[] padded;

    Binner(double[] edges) {
      this.edges = edges.clone();
      boolean ascending = true;
      for (int i = 1; i < edges.length; i++) {
        ascending &= edges[i - 1] <= edges[i];
      }
      if (ascending && edges.length <= 15) {
        padded = new double[16];
        java.util.Arrays.fill(padded, Double.POSITIVE_INFINITY);
        System.arraycopy(edges, 0, padded, 0, edges.length);
      } else {
        padded = null;
      }
    }

    public int bin(double v) {
      double[] p = padded;
      if (p == null) {
        return Binning.bin(edges, v);
      }
      int i = p[7] < v ? 8 : 0;
      i += p[i + 3] < v ? 4 : 0;
      i += p[i + 1] < v ? 2 : 0;
      i += p[i] < v ? 1 : 0;
      return i;
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
