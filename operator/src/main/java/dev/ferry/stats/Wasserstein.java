package dev.ferry.stats;

/**
 * The first Wasserstein (earth mover's) distance between two samples of numbers, as {@code
 * scipy.stats.wasserstein_distance(u, v)}: the area between the two empirical CDFs, {@code
 * sum(|F_u(x_k) - F_v(x_k)| * (x_{k+1} - x_k))} over the merged sorted values. In the units of the
 * data; 0 for equal samples; symmetric; adding a constant to both samples leaves it unchanged and
 * scaling both scales it.
 *
 * <p>The terms are the same floating-point numbers as scipy's; they are added with Neumaier's
 * compensated summation, which is at least as accurate as numpy's pairwise summation, so the two
 * agree to about 1e-15 relative.
 */
public final class Wasserstein {
  private Wasserstein() {}

  public static double distance(Ecdf u, Ecdf v) {
    if (u.n() == 0 || v.n() == 0) {
      throw new IllegalArgumentException("the Wasserstein distance needs two non-empty samples");
    }
    double nu = u.n();
    double nv = v.n();
    int i = 0;
    int j = 0;
    long cu = 0;
    long cv = 0;
    double sum = 0;
    double comp = 0;
    double x = Math.min(u.value(0), v.value(0));
    while (true) {
      if (i < u.size() && u.value(i) == x) {
        cu = u.cumulative(i++);
      }
      if (j < v.size() && v.value(j) == x) {
        cv = v.cumulative(j++);
      }
      double next;
      if (i < u.size()) {
        next = j < v.size() ? Math.min(u.value(i), v.value(j)) : u.value(i);
      } else if (j < v.size()) {
        next = v.value(j);
      } else {
        break;
      }
      double term = Math.abs(cu / nu - cv / nv) * (next - x);
      double t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? (sum - t) + term : (term - t) + sum;
      sum = t;
      x = next;
    }
    return sum + comp;
  }
}
