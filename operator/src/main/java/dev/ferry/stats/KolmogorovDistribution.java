package dev.ferry.stats;

import org.hipparchus.special.Gamma;

/**
 * The survival function {@code P(D_n > x)} of the one-sample two-sided Kolmogorov-Smirnov
 * statistic for a sample of size {@code n}, as {@code scipy.stats.kstwo.sf(x, n)}: Simard and
 * L'Ecuyer's choice among exact and approximate methods (Ruben-Gambino near the ends of the
 * support, the Durbin matrix of Marsaglia-Tsang-Wang, the Pomeranz recursion, twice the one-sided
 * Smirnov tail, the Pelz-Good expansion), with scipy's cut-over points.
 *
 * <p>The one-sided tail {@link #smirnovSf(long, double)} is the Birnbaum-Tingey sum in double
 * precision with logarithms (scipy evaluates it in double-double); all its terms are positive, so
 * the difference stays near 1e-12 relative, far inside the 1e-6 absolute that p-values are checked
 * to.
 */
public final class KolmogorovDistribution {
  private static final double E128 = Math.scalb(1.0, 128);
  private static final double EM128 = Math.scalb(1.0, -128);
  private static final double SQRT2PI = Math.sqrt(2 * Math.PI);
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final double MIN_LOG = -708;
  private static final double CEPHES_MINLOG = -7.08396418532264106224E2;
  private static final double PI_SQUARED = Math.PI * Math.PI;
  private static final double PI_FOUR = PI_SQUARED * PI_SQUARED;
  private static final double PI_SIX = PI_FOUR * PI_SQUARED;
  private static final double SQRT3 = Math.sqrt(3);
  private static final double[] STIRLING = {-2.955065359477124183e-2, 6.4102564102564102564e-3,
      -1.9175269175269175269e-3, 8.4175084175084175084e-4, -5.952380952380952381e-4,
      7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2};

  private KolmogorovDistribution() {}

  /** {@code kstwo.sf(x, n)}: 1 at or below the support's start {@code 0.5/n}, 0 at or above 1. */
  public static double sf(double x, double n) {
    if (Double.isNaN(x) || !(n >= 1) || n != Math.rint(n)) {
      return Double.NaN;
    }
    if (x <= 0.5 / n) {
      return 1.0;
    }
    if (x >= 1.0) {
      return 0.0;
    }
    return kolmogn((long) n, x, false);
  }

  /** {@code P(D_n <= x)} ({@code cdf}) or {@code P(D_n > x)}: scipy's {@code _kolmogn}. */
  static double kolmogn(long n, double x, boolean cdf) {
    if (x >= 1.0) {
      return select(1.0, 0.0, cdf);
    }
    if (x <= 0.0) {
      return select(0.0, 1.0, cdf);
    }
    double t = n * x;
    if (t <= 1.0) {
      if (t <= 0.5) {
        return select(0.0, 1.0, cdf);
      }
      double prob;
      if (n <= 140) {
        prob = 1.0;
        double r = 1.0 / n;
        for (long i = 1; i <= n; i++) {
          prob *= i * r * (2 * t - 1);
        }
      } else {
        prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
      }
      return select(prob, 1.0 - prob, cdf);
    }
    if (t >= n - 1) {
      double prob = 2 * Math.pow(1.0 - x, n);
      return select(1 - prob, prob, cdf);
    }
    if (x >= 0.5) {
      double prob = 2 * smirnovSf(n, x);
      return select(1.0 - prob, prob, cdf);
    }
    double nxsquared = t * x;
    if (n <= 140) {
      if (nxsquared <= 0.754693) {
        double prob = durbinMatrix(n, x);
        return select(prob, 1.0 - prob, cdf);
      }
      if (nxsquared <= 4) {
        double prob = pomeranz(n, x);
        return select(prob, 1.0 - prob, cdf);
      }
      double prob = 2 * smirnovSf(n, x);
      return select(1.0 - prob, prob, cdf);
    }
    if (!cdf) {
      if (nxsquared >= 370.0) {
        return 0.0;
      }
      if (nxsquared >= 2.2) {
        return clip(2 * smirnovSf(n, x));
      }
    }
    double cdfprob;
    if (nxsquared >= 18.0) {
      cdfprob = 1.0;
    } else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) {
      cdfprob = durbinMatrix(n, x);
    } else {
      cdfprob = pelzGood(n, x);
    }
    return select(cdfprob, 1.0 - cdfprob, cdf);
  }

  private static double select(double cdfprob, double sfprob, boolean cdf) {
    return clip(cdf ? cdfprob : sfprob);
  }

  private static double clip(double p) {
    return Math.min(Math.max(p, 0.0), 1.0);
  }

  /** {@code log(n! / n^n)} by Stirling's series with {@code n log n} taken out. */
  static double logNFactorialDivNPowN(long n) {
    double rn = 1.0 / n;
    double x = rn / n;
    double poly = 0;
    for (double c : STIRLING) {
      poly = poly * x + c;
    }
    return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
  }

  /** {@code P(D_n <= d)} by Durbin's matrix, powered by squaring with rescaling (Marsaglia, Tsang, Wang 2003). */
  static double durbinMatrix(long n, double d) {
    if (d >= 1.0) {
      return 1.0;
    }
    double nd = n * d;
    if (nd <= 0.5) {
      return 0.0;
    }
    int k = (int) Math.ceil(nd);
    double h = k - nd;
    int m = 2 * k - 1;
    double[][] hm = new double[m][m];
    double[] v = new double[m];
    double[] w = new double[m];
    double fac = 1.0;
    for (int j = 1; j <= m; j++) {
      v[j - 1] = 1.0 - Math.pow(h, j);
      w[j - 1] = fac;
      fac /= j;
      v[j - 1] *= fac;
    }
    double tt = Math.pow(Math.max(2 * h - 1.0, 0), m) - 2 * Math.pow(h, m);
    v[m - 1] = (1.0 + tt) * fac;
    for (int i = 1; i < m; i++) {
      for (int r = i - 1; r < m; r++) {
        hm[r][i] = w[r - (i - 1)];
      }
    }
    for (int r = 0; r < m; r++) {
      hm[r][0] = v[r];
    }
    for (int c = 0; c < m; c++) {
      hm[m - 1][c] = v[m - 1 - c];
    }
    double[][] pw = identity(m);
    long nn = n;
    int expnt = 0;
    int hexpnt = 0;
    while (nn > 0) {
      if (nn % 2 == 1) {
        pw = multiply(pw, hm);
        expnt += hexpnt;
      }
      hm = multiply(hm, hm);
      hexpnt *= 2;
      if (Math.abs(hm[k - 1][k - 1]) > E128) {
        for (double[] row : hm) {
          for (int c = 0; c < m; c++) {
            row[c] /= E128;
          }
        }
        hexpnt += 128;
      }
      nn /= 2;
    }
    double p = pw[k - 1][k - 1];
    for (long i = 1; i <= n; i++) {
      p = i * p / n;
      if (Math.abs(p) < EM128) {
        p *= E128;
        expnt -= 128;
      }
    }
    if (expnt != 0) {
      p = Math.scalb(p, expnt);
    }
    return clip(p);
  }

  private static double[][] identity(int m) {
    double[][] a = new double[m][m];
    for (int i = 0; i < m; i++) {
      a[i][i] = 1.0;
    }
    return a;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    int m = a.length;
    double[][] c = new double[m][m];
    for (int i = 0; i < m; i++) {
      double[] ci = c[i];
      double[] ai = a[i];
      for (int l = 0; l < m; l++) {
        double ail = ai[l];
        if (ail == 0) {
          continue;
        }
        double[] bl = b[l];
        for (int j = 0; j < m; j++) {
          ci[j] += ail * bl[j];
        }
      }
    }
    return c;
  }

  /** {@code P(D_n <= x)} by the Pomeranz recursion (1974), for small {@code n}. */
  static double pomeranz(long nl, double x) {
    int n = (int) nl;
    double t = n * x;
    int ll = (int) Math.floor(t);
    double f = t - ll;
    double g = Math.min(f, 1.0 - f);
    int ceilf = f > 0 ? 1 : 0;
    int roundf = f > 0.5 ? 1 : 0;
    int npwrs = 2 * (ll + 1);
    double[] gpower = new double[npwrs];
    double[] twogpower = new double[npwrs];
    double[] onem2gpower = new double[npwrs];
    gpower[0] = 1.0;
    twogpower[0] = 1.0;
    onem2gpower[0] = 1.0;
    int expnt = 0;
    double gOverN = g / n;
    double twoGOverN = 2 * g / n;
    double oneMinusTwoGOverN = (1 - 2 * g) / n;
    for (int m = 1; m < npwrs; m++) {
      gpower[m] = gpower[m - 1] * gOverN / m;
      twogpower[m] = twogpower[m - 1] * twoGOverN / m;
      onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
    }
    double[] v0 = new double[npwrs];
    double[] v1 = new double[npwrs];
    v1[0] = 1;
    int v0s = 0;
    int v1s = 0;
    int[] j12 = pomeranzJ1J2(0, n, ll, ceilf, roundf);
    int j1 = j12[0];
    for (int i = 1; i < 2 * n + 2; i++) {
      int k1 = j1;
      double[] tmp = v0;
      v0 = v1;
      v1 = tmp;
      int ts = v0s;
      v0s = v1s;
      v1s = ts;
      java.util.Arrays.fill(v1, 0.0);
      j12 = pomeranzJ1J2(i, n, ll, ceilf, roundf);
      j1 = j12[0];
      int j2 = j12[1];
      double[] pwrs = (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 == 1 ? twogpower : onem2gpower);
      int ln2 = j2 - k1 + 1;
      if (ln2 > 0) {
        // np.convolve(V0[k1 - V0s : k1 - V0s + ln2], pwrs[:ln2]), entries conv_start.. of it
        int base = k1 - v0s;
        int convStart = j1 - k1;
        int convLen = j2 - j1 + 1;
        double max = 0;
        for (int r = 0; r < convLen; r++) {
          int idx = convStart + r;
          double s = 0;
          for (int a = Math.max(0, idx - (ln2 - 1)); a <= Math.min(idx, ln2 - 1); a++) {
            int vi = base + a;
            int pi = idx - a;
            if (vi >= 0 && vi < npwrs && pi < npwrs) {
              s += v0[vi] * pwrs[pi];
            }
          }
          v1[r] = s;
          max = Math.max(max, s);
        }
        if (max > 0 && max < EM128) {
          for (int r = 0; r < npwrs; r++) {
            v1[r] *= E128;
          }
          expnt -= 128;
        }
        v1s = v0s + j1 - k1;
      }
    }
    double ans = v1[n - v1s];
    for (int m = 1; m <= n; m++) {
      if (Math.abs(ans) > E128) {
        ans *= EM128;
        expnt += 128;
      }
      ans *= m;
    }
    if (expnt != 0) {
      ans = Math.scalb(ans, expnt);
    }
    return clip(ans);
  }

  private static int[] pomeranzJ1J2(int i, int n, int ll, int ceilf, int roundf) {
    int j1;
    int j2;
    if (i == 0) {
      j1 = -ll - ceilf - 1;
      j2 = ll + ceilf - 1;
    } else {
      int ip1div2 = (i + 1) / 2;
      int ip1mod2 = (i + 1) % 2;
      if (ip1mod2 == 0) {
        if (ip1div2 == n + 1) {
          j1 = n - ll - ceilf - 1;
          j2 = n + ll + ceilf - 1;
        } else {
          j1 = ip1div2 - 1 - ll - roundf - 1;
          j2 = ip1div2 + ll - 1 + ceilf - 1;
        }
      } else {
        j1 = ip1div2 - 1 - ll - 1;
        j2 = ip1div2 + ll + roundf - 1;
      }
    }
    return new int[] {Math.max(j1 + 2, 0), Math.min(j2, n)};
  }

  /** The Pelz-Good (1976) approximation of {@code P(D_n <= x)}, for large {@code n}. */
  static double pelzGood(long n, double x) {
    if (x <= 0.0) {
      return 0.0;
    }
    if (x >= 1.0) {
      return 1.0;
    }
    double z = Math.sqrt((double) n) * x;
    double zsquared = z * z;
    double zthree = zsquared * z;
    double zfour = zsquared * zsquared;
    double zsix = zfour * zsquared;
    double qlog = -PI_SQUARED / 8 / zsquared;
    if (qlog < MIN_LOG) {
      return 0.0;
    }
    double q = Math.exp(qlog);
    double k1a = -zsquared;
    double k1b = PI_SQUARED / 4;
    double k2a = 6 * zsix + 2 * zfour;
    double k2b = (2 * zfour - 5 * zsquared) * PI_SQUARED / 4;
    double k2c = PI_FOUR * (1 - 2 * zsquared) / 16;
    double k3d = PI_SIX * (5 - 30 * zsquared) / 64;
    double k3c = PI_FOUR * (-60 * zsquared + 212 * zfour) / 16;
    double k3b = PI_SQUARED * (135 * zfour - 96 * zsix) / 4;
    double k3a = -30 * zsix - 90 * Math.pow(z, 8);
    double[] kk = new double[4];
    int maxk = (int) Math.ceil(16 * z / Math.PI);
    for (int k = maxk; k > 0; k--) {
      double m = 2 * k - 1;
      double msquared = m * m;
      double mfour = msquared * msquared;
      double msix = mfour * msquared;
      double qpower = Math.pow(q, 8 * k);
      double c1 = k1a + k1b * msquared;
      double c2 = k2a + k2b * msquared + k2c * mfour;
      double c3 = k3a + k3b * msquared + k3c * mfour + k3d * msix;
      kk[0] = kk[0] * qpower + 1.0;
      kk[1] = kk[1] * qpower + c1;
      kk[2] = kk[2] * qpower + c2;
      kk[3] = kk[3] * qpower + c3;
    }
    double[] div = {z, 6 * zfour, 72 * Math.pow(z, 7), 6480 * Math.pow(z, 10)};
    for (int i = 0; i < 4; i++) {
      kk[i] = kk[i] * q * SQRT2PI / div[i];
    }
    double q2 = Math.exp(-PI_SQUARED / 2 / zsquared);
    double sqrt3z = SQRT3 * z;
    double k2extra = 0;
    double k3extra = 0;
    for (int k = maxk; k > 0; k--) {
      double ksq = (double) k * k;
      double kspi = Math.PI * k;
      double qp = Math.pow(q2, ksq);
      k2extra += ksq * qp;
      k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
    }
    k2extra *= PI_SQUARED * SQRT2PI / (-36 * zthree);
    k3extra *= PI_SQUARED * SQRT2PI / (216 * zsix);
    kk[2] += k2extra;
    kk[3] += k3extra;
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      sum += kk[i] / Math.pow((double) n, i / 2.0);
    }
    return sum;
  }

  /**
   * The one-sided Smirnov tail {@code P(D_n^+ > x)}: {@code x * sum over v = 0..floor(n(1 - x)) of
   * C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)} (Birnbaum and Tingey 1951), each term in
   * logarithms, with the closed forms near the ends of the support and, above a million, the
   * approximation {@code exp(-(6nx + 1)^2 / 18n)}, as scipy.special.smirnov.
   */
  public static double smirnovSf(long n, double x) {
    if (!(n > 0 && x >= 0.0 && x <= 1.0)) {
      return Double.NaN;
    }
    if (n == 1) {
      return 1 - x;
    }
    if (x == 0.0) {
      return 1.0;
    }
    if (x == 1.0) {
      return 0.0;
    }
    double nx = n * x;
    long nxfl = (long) Math.floor(nx);
    double alpha = nx - nxfl;
    if (nxfl == 0 || (nxfl == 1 && alpha == 0)) {
      return 1 - x * Math.pow(1 + x, n - 1);
    }
    if (-2 * n * x * x < CEPHES_MINLOG) {
      return 0.0;
    }
    if (nxfl >= n - 1) {
      return Math.pow(1 - x, n);
    }
    if (n > 1_000_000) {
      double logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
      return logp < -Math.log(2) ? Math.exp(logp) : 1 + Math.expm1(logp);
    }
    long last = n - nxfl - (alpha == 0 ? 1 : 0);
    double logX = Math.log(x);
    double logNFact = Gamma.logGamma(n + 1.0);
    double sum = 0;
    double comp = 0;
    double maxLog = Double.NEGATIVE_INFINITY;
    double logC = 0;
    // The terms are spread over most of 0..n (for n = 10^6 about a million of similar size), so
    // each costs little: log C(n, v) is carried from term to term and re-anchored on log-gamma
    // every 1024 terms, which bounds its rounding drift to about 1e-9 relative.
    for (long v = 0; v <= last; v++) {
      double up = (double) v / n + x;
      double down = (double) (n - v) / n - x;
      if (down <= 0) {
        break;
      }
      if ((v & 1023) == 0) {
        logC = logNFact - Gamma.logGamma(v + 1.0) - Gamma.logGamma(n - v + 1.0);
      } else {
        logC += Math.log((double) (n - v + 1) / v);
      }
      double logTerm = logC + (v - 1) * Math.log(up) + (n - v) * Math.log(down) + logX;
      double term = Math.exp(logTerm);
      double t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? (sum - t) + term : (term - t) + sum;
      sum = t;
      // Terms rise then fall; stop once the rest can no longer change the sum.
      if (logTerm > maxLog) {
        maxLog = logTerm;
      } else if (term * (last - v) < 1e-17 * sum) {
        break;
      }
    }
    return clip(sum + comp);
  }
}
