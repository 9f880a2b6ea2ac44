package dev.ferry.drift;

import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.data.Row;
import dev.ferry.stats.Pca;
import java.util.List;

/**
 * Multivariate drift by PCA reconstruction error (as NannyML's data reconstruction drift): fit
 * principal components on the baseline's standardized number features, keep those that explain
 * {@link #VARIANCE_SHARE} of the variance, and compare the mean distance between each row and its
 * reconstruction. Data whose features still move together as in the baseline is reconstructed as
 * well; data whose correlations changed is not, though every feature alone may look the same.
 *
 * <p>The threshold is the baseline's mean error plus three standard errors of a mean of as many
 * rows as the current data has: where the mean of that many baseline-like rows stays but once in
 * about 740 checks. Reads the baseline twice (moments, then its errors) and the current data once.
 * Rows missing a value in the baseline's fit are left out of it; elsewhere a missing value is the
 * baseline's mean, which adds no error of its own.
 */
public final class Multivariate {
  /** Share of the standardized variance the kept components explain (NannyML's default). */
  static final double VARIANCE_SHARE = 0.65;
  /** How many standard errors above the baseline's mean error is drift. */
  static final double SIGMAS = 3;

  /** Opens a source again, for one more pass. */
  @FunctionalInterface
  public interface Source {
    DatasetReader open() throws DatasetException;
  }

  /** What the test saw and decided. */
  public record Result(List<String> features, int components, double explainedVariance, long baselineRows,
      double baselineError, double baselineErrorStd, long currentRows, double currentError, double threshold,
      boolean drifted) {
    /** Current error over the baseline's: 1 is unchanged. */
    public double ratio() {
      return baselineError > 0 ? currentError / baselineError : currentError > 0 ? Double.POSITIVE_INFINITY : 1;
    }
  }

  private Multivariate() {
  }

  /** Runs the test on {@code features}, number columns of both sources. */
  public static Result check(Source baseline, Source current, List<String> features)
      throws DatasetException, DriftInputException {
    if (features.size() < 2) {
      throw new DriftInputException("--multivariate compares how number features move together: it needs at least 2"
          + " number features, and there " + (features.size() == 1 ? "is 1" : "are " + features.size()));
    }
    Pca.Moments moments = new Pca.Moments(features.size());
    try (DatasetReader r = baseline.open()) {
      int[] idx = indexes(r, features);
      double[] row = new double[features.size()];
      for (Row x = r.next(); x != null; x = r.next()) {
        if (parse(x, idx, row, null)) {
          moments.add(row);
        }
      }
    }
    if (moments.count() < 2) {
      throw new DriftInputException("--multivariate: the baseline has " + moments.count() + " row"
          + (moments.count() == 1 ? "" : "s") + " with a value in every number feature; at least 2 are needed");
    }
    Pca pca = Pca.fit(moments, VARIANCE_SHARE);
    double[] base = errors(baseline, features, pca);
    double[] cur = errors(current, features, pca);
    long nb = (long) base[0];
    long nc = (long) cur[0];
    if (nc == 0) {
      throw new DriftInputException("--multivariate: the current data has no data rows");
    }
    double threshold = base[1] + SIGMAS * base[2] / Math.sqrt(nc);
    return new Result(List.copyOf(features), pca.components(), pca.explainedVariance(), nb, base[1], base[2], nc,
        cur[1], threshold, cur[1] > threshold);
  }

  /** Count, mean and standard deviation of the rows' reconstruction errors (Welford). */
  private static double[] errors(Source source, List<String> features, Pca pca) throws DatasetException {
    long n = 0;
    double mean = 0;
    double m2 = 0;
    try (DatasetReader r = source.open()) {
      int[] idx = indexes(r, features);
      double[] row = new double[features.size()];
      for (Row x = r.next(); x != null; x = r.next()) {
        parse(x, idx, row, pca);
        double e = pca.reconstructionError(row);
        n++;
        double delta = e - mean;
        mean += delta / n;
        m2 += delta * (e - mean);
      }
    }
    return new double[] {n, mean, n > 1 ? Math.sqrt(m2 / (n - 1)) : 0};
  }

  private static int[] indexes(DatasetReader r, List<String> features) throws DatasetException {
    int[] idx = new int[features.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = r.columnIndex(features.get(i));
      if (idx[i] < 0) {
        throw new DatasetException(r.source(), "no column \"" + features.get(i) + "\" on this pass: did the file change"
            + " while it was checked?");
      }
    }
    return idx;
  }

  /**
   * Reads the features of a row into {@code out}; a missing value is the fitted mean when {@code
   * pca} is given, else the row is incomplete (false). The univariate pass has already checked
   * that every present value is a number.
   */
  private static boolean parse(Row x, int[] idx, double[] out, Pca pca) {
    for (int i = 0; i < idx.length; i++) {
      String v = x.value(idx[i]);
      double d = v == null ? Double.NaN : NumberText.parse(v);
      if (Double.isNaN(d)) {
        if (pca == null) {
          return false;
        }
        d = pca.mean(i);
      }
      out[i] = d;
    }
    return true;
  }
}
