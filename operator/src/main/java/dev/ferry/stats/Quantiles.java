package dev.ferry.stats;

/**
 * Quantiles of a sorted sample, as {@code numpy.quantile(a, q)} with its default method
 * {@code 'linear'} (Hyndman and Fan's type 7), reproducing numpy's floating-point steps so the
 * results are bit for bit the same: the virtual index {@code h = (n - 1) * q}, its floor {@code
 * i}, the weight {@code g = h - i}, and numpy's two-sided interpolation ({@code a + (b - a) * g}
 * when {@code g < 0.5}, else {@code b - (b - a) * (1 - g)}).
 */
public final class Quantiles {
  private Quantiles() {}

  /** The probabilities of {@code numpy.linspace(0.1, 0.9, 9)}, computed as numpy does. */
  private static final double[] DECILES = linspace(0.1, 0.9, 9);

  /**
   * The q-quantile of the first {@code n} values of {@code sorted} (ascending, no NaN).
   *
   * @throws IllegalArgumentException when {@code n} is 0
   */
  public static double linear(double[] sorted, int n, double q) {
    if (n <= 0) {
      throw new IllegalArgumentException("the quantile of an empty sample is undefined");
    }
    double virtual = (n - 1) * q;
    if (virtual >= n - 1) {
      return sorted[n - 1];
    }
    if (virtual < 0) {
      return sorted[0];
    }
    double below = Math.floor(virtual);
    int i = (int) below;
    double gamma = virtual - below;
    double a = sorted[i];
    double b = sorted[i + 1];
    double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
  }

  /** The 9 inner decile edges (10%, 20%, ..., 90%) of a sorted sample, as numpy computes them. */
  public static double[] decileEdges(double[] sorted, int n) {
    double[] edges = new double[DECILES.length];
    for (int k = 0; k < edges.length; k++) {
      edges[k] = linear(sorted, n, DECILES[k]);
    }
    return edges;
  }

  /** The probabilities 0.1, 0.2, ..., 0.9 exactly as {@code numpy.linspace(0.1, 0.9, 9)} gives them. */
  public static double[] deciles() {
    return DECILES.clone();
  }

  /** {@code numpy.linspace(start, stop, num)}: {@code i * step + start}, the last one exactly {@code stop}. */
  static double[] linspace(double start, double stop, int num) {
    double[] out = new double[num];
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++) {
      out[i] = i * step + start;
    }
    out[num - 1] = stop;
    return out;
  }
}
