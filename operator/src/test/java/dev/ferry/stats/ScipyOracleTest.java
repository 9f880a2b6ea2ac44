package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.drift.Python;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kernels against scipy directly, over the branches the generated datasets do not all reach:
 * every method of kstwo.sf (Ruben-Gambino, Durbin matrix, Pomeranz, Smirnov, Pelz-Good, the
 * approximation above a million), ks_2samp's exact path for equal and unequal sizes and its
 * fallback, chi-square p-values with many categories, and numpy's quantiles.
 */
class ScipyOracleTest {

  @Test
  void kolmogorovDistributionEqualsKstwoSf() throws IOException {
    Python.requireScipy();
    String out = Python.script(String.join("\n",
        "from scipy.stats import kstwo",
        "import numpy as np",
        "rng = np.random.default_rng(3)",
        "for n in [1, 2, 3, 5, 10, 37, 100, 139, 140, 141, 200, 1000, 5000, 20000, 100000, 100001, 250000, 1000001, 3000000]:",
        "    xs = list(rng.uniform(0, 1, 8)) + list(rng.uniform(0, 3 / np.sqrt(n), 12)) + list(np.sqrt(rng.uniform(0, 30, 6) / n))",
        "    for x in xs:",
        "        if x < 1:",
        "            print(n, repr(float(x)), repr(float(kstwo.sf(x, n))))"), null);
    int checked = 0;
    for (String line : out.split("\n")) {
      String[] f = line.trim().split(" ");
      long n = Long.parseLong(f[0]);
      double x = Double.parseDouble(f[1]);
      double expected = Double.parseDouble(f[2]);
      assertThat(Math.abs(KolmogorovDistribution.sf(x, n) - expected)).as("kstwo.sf(%s, %d)", x, n)
          .isLessThanOrEqualTo(1e-9);
      checked++;
    }
    assertThat(checked).isGreaterThan(400);
  }

  @Test
  void twoSampleKsEqualsKs2samp() throws IOException {
    Python.requireScipy();
    String out = Python.script(String.join("\n",
        "from scipy import stats",
        "import numpy as np",
        "rng = np.random.default_rng(5)",
        "sizes = [(1, 1), (1, 2), (2, 3), (3, 3), (5, 7), (10, 10), (10, 13), (50, 60), (100, 100), (137, 211),",
        "         (500, 499), (1000, 1500), (3000, 3000), (2000, 7000), (10000, 10000), (10001, 50), (20000, 30000),",
        "         (10001, 3), (15000, 140)]",
        "for n1, n2 in sizes:",
        "    for kind in range(3):",
        "        if kind == 0: a = rng.normal(0, 1, n1); b = rng.normal(0.1, 1, n2)",
        "        elif kind == 1: a = rng.integers(0, 5, n1).astype(float); b = rng.integers(0, 6, n2).astype(float)",
        "        else: a = np.round(rng.normal(0, 1, n1), 1); b = np.round(rng.normal(0.3, 2, n2), 1)",
        "        r = stats.ks_2samp(a, b)",
        "        w = stats.wasserstein_distance(a, b)",
        "        print(','.join(repr(float(x)) for x in a) + '|' + ','.join(repr(float(x)) for x in b) + '|'",
        "              + repr(float(r.statistic)) + '|' + repr(float(r.pvalue)) + '|' + repr(float(w)))"), null);
    int checked = 0;
    for (String line : out.split("\n")) {
      String[] parts = line.split("\\|");
      double[] a = parse(parts[0]);
      double[] b = parse(parts[1]);
      KolmogorovSmirnov.Result r = KolmogorovSmirnov.test(Ecdf.ofUnsorted(a.clone(), a.length),
          Ecdf.ofUnsorted(b.clone(), b.length));
      String what = "ks_2samp of sizes " + a.length + ", " + b.length;
      assertThat(r.statistic()).as(what).isCloseTo(Double.parseDouble(parts[2]),
          org.assertj.core.api.Assertions.within(1e-12));
      assertThat(Math.abs(r.pValue() - Double.parseDouble(parts[3]))).as(what + " p-value").isLessThanOrEqualTo(1e-9);
      double w = Double.parseDouble(parts[4]);
      assertThat(Math.abs(Wasserstein.distance(Ecdf.ofUnsorted(a, a.length), Ecdf.ofUnsorted(b, b.length)) - w))
          .as(what + " wasserstein").isLessThanOrEqualTo(1e-12 * w);
      checked++;
    }
    assertThat(checked).isEqualTo(19 * 3);
  }

  @Test
  void chiSquareEqualsChi2Contingency() throws IOException {
    Python.requireScipy();
    String out = Python.script(String.join("\n",
        "from scipy import stats",
        "import numpy as np",
        "rng = np.random.default_rng(7)",
        "for k in [1, 2, 3, 5, 20, 200, 1000]:",
        "    for rep in range(3):",
        "        a = rng.integers(1, 50, k) * (rep + 1); b = rng.integers(1, 50, k)",
        "        r = stats.chi2_contingency(np.vstack([a, b]).astype(float), correction=False)",
        "        print(','.join(map(str, a)) + '|' + ','.join(map(str, b)) + '|' + repr(float(r.statistic)) + '|' + repr(float(r.pvalue)))"),
        null);
    for (String line : out.split("\n")) {
      String[] parts = line.split("\\|");
      long[] a = Arrays.stream(parts[0].split(",")).mapToLong(Long::parseLong).toArray();
      long[] b = Arrays.stream(parts[1].split(",")).mapToLong(Long::parseLong).toArray();
      ChiSquare.Result r = ChiSquare.test(a, b);
      double stat = Double.parseDouble(parts[2]);
      assertThat(Math.abs(r.statistic() - stat)).as("chi2 of %d categories", a.length)
          .isLessThanOrEqualTo(1e-9 * Math.max(1, stat));
      assertThat(Math.abs(r.pValue() - Double.parseDouble(parts[3]))).isLessThanOrEqualTo(1e-9);
    }
  }

  @Test
  void quantilesEqualNumpyBitForBit() throws IOException {
    Python.requireScipy();
    String out = Python.script(String.join("\n",
        "import numpy as np",
        "rng = np.random.default_rng(9)",
        "for n in [1, 2, 3, 7, 10, 11, 99, 1000, 12345]:",
        "    a = np.sort(np.concatenate([rng.normal(0, 1e3, n - n // 3), rng.integers(-5, 5, n // 3)]).astype(float))",
        "    q = np.quantile(a, np.linspace(0.1, 0.9, 9))",
        "    print(','.join(repr(float(x)) for x in a) + '|' + ','.join(repr(float(x)) for x in q))"), null);
    for (String line : out.split("\n")) {
      String[] parts = line.split("\\|");
      double[] a = parse(parts[0]);
      double[] expected = parse(parts[1]);
      assertThat(Quantiles.decileEdges(a, a.length)).as("deciles of %d values", a.length).isEqualTo(expected);
    }
  }

  private static double[] parse(String s) {
    return Arrays.stream(s.trim().split(",")).mapToDouble(Double::parseDouble).toArray();
  }
}
