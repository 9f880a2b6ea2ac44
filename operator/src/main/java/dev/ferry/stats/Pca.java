package dev.ferry.stats;

import java.util.Arrays;
import java.util.Comparator;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;

/**
 * Principal components of standardized data, from its moments, and each row's reconstruction
 * error: the distance between a row and its projection on the kept components. A row that moves
 * the way the fitted data moved is reconstructed well; one that breaks the fitted correlations is
 * not, even when every feature alone stays in its usual range.
 */
public final class Pca {
  private final double[] mean;
  private final double[] scale;
  /** Kept components, one per row, each of unit length. */
  private final double[][] components;
  private final double explained;

  private Pca(double[] mean, double[] scale, double[][] components, double explained) {
    this.mean = mean;
    this.scale = scale;
    this.components = components;
    this.explained = explained;
  }

  /** Accumulates the moments of rows in one pass, shifted by the first row for numerical stability. */
  public static final class Moments {
    private final int d;
    private double[] shift;
    private final double[] sum;
    private final double[] cross;
    private long n;

    public Moments(int dimensions) {
      this.d = dimensions;
      this.sum = new double[dimensions];
      this.cross = new double[dimensions * dimensions];
    }

    public void add(double[] row) {
      if (shift == null) {
        shift = row.clone();
      }
      n++;
      double[] x = new double[d];
      for (int i = 0; i < d; i++) {
        x[i] = row[i] - shift[i];
        sum[i] += x[i];
      }
      for (int i = 0; i < d; i++) {
        double xi = x[i];
        int base = i * d;
        for (int j = i; j < d; j++) {
          cross[base + j] += xi * x[j];
        }
      }
    }

    public long count() {
      return n;
    }
  }

  /**
   * Fits on the moments: standardizes each feature by its mean and standard deviation (a constant
   * feature is centred only) and keeps the fewest components that explain at least {@code
   * varianceShare} of the variance, at most d - 1 so that something is left to reconstruct.
   */
  public static Pca fit(Moments m, double varianceShare) {
    int d = m.d;
    if (m.n < 2 || d < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 rows and 2 features");
    }
    double[] mean = new double[d];
    double[] cov = new double[d * d];
    for (int i = 0; i < d; i++) {
      mean[i] = m.shift[i] + m.sum[i] / m.n;
    }
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double c = (m.cross[i * d + j] - m.sum[i] * m.sum[j] / m.n) / (m.n - 1);
        cov[i * d + j] = c;
        cov[j * d + i] = c;
      }
    }
    double[] scale = new double[d];
    for (int i = 0; i < d; i++) {
      double sd = Math.sqrt(Math.max(cov[i * d + i], 0));
      scale[i] = sd > 0 ? sd : 1;
    }
    double[][] corr = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        corr[i][j] = cov[i * d + j] / (scale[i] * scale[j]);
      }
    }
    EigenDecompositionSymmetric eigen = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(corr, false));
    double[] values = eigen.getEigenvalues();
    Integer[] order = new Integer[d];
    for (int i = 0; i < d; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -values[i]));
    double total = 0;
    for (double v : values) {
      total += Math.max(v, 0);
    }
    int keep = 0;
    double covered = 0;
    while (keep < d - 1 && (total <= 0 || covered / total < varianceShare)) {
      covered += Math.max(values[order[keep]], 0);
      keep++;
    }
    double[][] components = new double[keep][];
    for (int k = 0; k < keep; k++) {
      components[k] = eigen.getEigenvector(order[k]).toArray();
    }
    return new Pca(mean, scale, components, total <= 0 ? 1 : covered / total);
  }

  /** Distance between the standardized row and its reconstruction from the kept components. */
  public double reconstructionError(double[] row) {
    int d = mean.length;
    double[] z = new double[d];
    double norm = 0;
    for (int i = 0; i < d; i++) {
      z[i] = (row[i] - mean[i]) / scale[i];
      norm += z[i] * z[i];
    }
    double projected = 0;
    for (double[] c : components) {
      double dot = 0;
      for (int i = 0; i < d; i++) {
        dot += c[i] * z[i];
      }
      projected += dot * dot;
    }
    return Math.sqrt(Math.max(norm - projected, 0));
  }

  public double mean(int feature) {
    return mean[feature];
  }

  public int components() {
    return components.length;
  }

  /** Share of the standardized variance the kept components explain. */
  public double explainedVariance() {
    return explained;
  }
}
