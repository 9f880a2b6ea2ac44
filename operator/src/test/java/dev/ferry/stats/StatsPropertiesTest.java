package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.testing.Generated;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties every drift statistic must have, on generated samples (case i is drawn from seed i). */
class StatsPropertiesTest {

  private static double[] sample(Random r) {
    return Generated.sample(r, 300);
  }

  static Stream<Arguments> one() {
    return Generated.cases(300, r -> new Object[] {sample(r)});
  }

  static Stream<Arguments> two() {
    return Generated.cases(300, r -> new Object[] {sample(r), sample(r)});
  }

  static Stream<Arguments> counts() {
    return Generated.cases(200, r -> new Object[] {Generated.counts(r, 10, 1000)});
  }

  /** Two count vectors of 1 to 12 categories, each category seen in at least one of them. */
  static Stream<Arguments> countPairs() {
    return Generated.cases(200, r -> {
      int k = 1 + r.nextInt(12);
      long[] a = Generated.counts(r, k, 500);
      long[] b = Generated.counts(r, k, 500);
      for (int i = 0; i < k; i++) {
        if (a[i] + b[i] == 0) {
          a[i] = 1;
        }
      }
      return new Object[] {new long[][] {a, b}};
    });
  }

  private static Ecdf ecdf(double[] values) {
    double[] copy = values.clone();
    return Ecdf.ofUnsorted(copy, copy.length);
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("counts")
  void psiAndJsOfADistributionWithItselfAreZero(int seed, long[] c) {
    assertThat(Divergence.psi(c, c)).isZero();
    assertThat(Divergence.jensenShannon(c, c)).isZero();
    assertThat(Divergence.linf(c, c)).isZero();
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("one")
  void psiAndJsOfADatasetWithItselfAreZero(int seed, double[] x) {
    Ecdf e = ecdf(x);
    double[] edges = Quantiles.decileEdges(sorted(x), x.length);
    long[] bins = Binning.countSorted(edges, e);
    assertThat(Divergence.psi(bins, bins)).isZero();
    assertThat(Divergence.jensenShannon(bins, bins)).isZero();
    assertThat(KolmogorovSmirnov.test(e, e).statistic()).isZero();
    assertThat(KolmogorovSmirnov.test(e, e).pValue()).isEqualTo(1.0);
    assertThat(Wasserstein.distance(e, e)).isZero();
  }

  /** The statistic is the largest gap between the two ECDFs, computed here the slow, obvious way. */
  @ParameterizedTest(name = "case {0}")
  @MethodSource("two")
  void ksIsTheLargestGapBetweenTheEcdfs(int seed, double[] a, double[] b) {
    double gap = 0;
    for (double[] side : new double[][] {a, b}) {
      for (double t : side) {
        gap = Math.max(gap, Math.abs(share(a, t) - share(b, t)));
      }
    }
    assertThat(KolmogorovSmirnov.test(ecdf(a), ecdf(b)).statistic()).isCloseTo(gap, within(1e-12));
  }

  /** For samples of the same sizes, a larger statistic never has a larger p-value. */
  @ParameterizedTest(name = "case {0}")
  @MethodSource("two")
  void aLargerKsStatisticHasNoLargerPValue(int seed, double[] a, double[] b) {
    Random r = new Random(1_000_000L + seed);
    double[] c = b.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] += r.nextGaussian() * 3; // another sample of b's size
    }
    KolmogorovSmirnov.Result ab = KolmogorovSmirnov.test(ecdf(a), ecdf(b));
    KolmogorovSmirnov.Result ac = KolmogorovSmirnov.test(ecdf(a), ecdf(c));
    KolmogorovSmirnov.Result low = ab.statistic() <= ac.statistic() ? ab : ac;
    KolmogorovSmirnov.Result high = low == ab ? ac : ab;
    if (low.statistic() < high.statistic()) {
      assertThat(low.pValue()).isGreaterThanOrEqualTo(high.pValue());
    }
  }

  private static double share(double[] x, double t) {
    return Arrays.stream(x).filter(v -> v <= t).count() / (double) x.length;
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("two")
  void symmetricTestsAreSymmetric(int seed, double[] a, double[] b) {
    Ecdf ea = ecdf(a);
    Ecdf eb = ecdf(b);
    KolmogorovSmirnov.Result ab = KolmogorovSmirnov.test(ea, eb);
    KolmogorovSmirnov.Result ba = KolmogorovSmirnov.test(eb, ea);
    assertThat(ba.statistic()).isEqualTo(ab.statistic());
    assertThat(ba.pValue()).isCloseTo(ab.pValue(), within(1e-12));
    double w = Wasserstein.distance(ea, eb);
    assertThat(Wasserstein.distance(eb, ea)).isCloseTo(w, within(1e-12 * Math.max(1, w)));
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("countPairs")
  void symmetricDistancesOverCountsAreSymmetric(int seed, long[][] p) {
    assertThat(Divergence.jensenShannon(p[1], p[0])).isCloseTo(Divergence.jensenShannon(p[0], p[1]), within(1e-12));
    assertThat(Divergence.psi(p[1], p[0])).isCloseTo(Divergence.psi(p[0], p[1]), within(1e-12));
    assertThat(Divergence.linf(p[1], p[0])).isEqualTo(Divergence.linf(p[0], p[1]));
    assertThat(ChiSquare.test(p[1], p[0]).pValue()).isCloseTo(ChiSquare.test(p[0], p[1]).pValue(), within(1e-12));
    double js = Divergence.jensenShannon(p[0], p[1]);
    assertThat(js).isBetween(0.0, 1.0);
    assertThat(Divergence.linf(p[0], p[1])).isBetween(0.0, 1.0);
  }

  static Stream<Arguments> twoAndAScale() {
    return Generated.cases(300, r -> new Object[] {sample(r), sample(r), 0.01 + r.nextDouble() * 999.99,
        r.nextBoolean()});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("twoAndAScale")
  void scalingBothSamplesLeavesKsUnchanged(int seed, double[] a, double[] b, double scale, boolean negate) {
    double s = negate ? -scale : scale;
    KolmogorovSmirnov.Result before = KolmogorovSmirnov.test(ecdf(a), ecdf(b));
    KolmogorovSmirnov.Result after = KolmogorovSmirnov.test(ecdf(times(a, s)), ecdf(times(b, s)));
    if (s > 0) {
      assertThat(after.statistic()).isEqualTo(before.statistic());
      assertThat(after.pValue()).isEqualTo(before.pValue());
    }
    double w = Wasserstein.distance(ecdf(a), ecdf(b));
    assertThat(Wasserstein.distance(ecdf(times(a, s)), ecdf(times(b, s))))
        .isCloseTo(w * scale, within(1e-9 * Math.max(1, w * scale)));
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("two")
  void theFastBinnerCountsEdgesStrictlyBelow(int seed, double[] edgeSource, double[] values) {
    double[] edges = Arrays.copyOf(sorted(edgeSource), Math.min(edgeSource.length, 15));
    Arrays.sort(edges);
    Binning.Binner b = Binning.binner(edges);
    for (double v : values) {
      assertThat(b.bin(v)).isEqualTo(Binning.bin(edges, v));
    }
  }

  static Stream<Arguments> anyDoubles() {
    return Generated.cases(200, r -> new Object[] {Generated.anyDoubles(r, r.nextInt(10) == 0 ? 20000 : 300)});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("anyDoubles")
  void radixSortSortsAsArraysSortDoes(int seed, double[] values) {
    double[] expected = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
    double[] actual = expected.clone();
    Arrays.sort(expected);
    Sorting.sort(actual, actual.length);
    assertThat(actual).isEqualTo(expected);
  }

  static Stream<Arguments> largeSizes() {
    return Generated.cases(50, r -> new Object[] {4096 + r.nextInt(30000 - 4096 + 1)});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("largeSizes")
  void radixSortOnLargeArrays(int seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = switch (i % 4) {
        case 0 -> r.nextGaussian() * 1e300;
        case 1 -> r.nextInt(5) - 2;
        case 2 -> i % 8 == 2 ? -0.0 : 0.0;
        default -> r.nextDouble() * 1e-300;
      };
    }
    double[] expected = a.clone();
    Arrays.sort(expected);
    Sorting.sort(a, n);
    assertThat(a).isEqualTo(expected);
  }

  static Stream<Arguments> twoAndK() {
    return Generated.cases(300, r -> new Object[] {sample(r), sample(r), 1 + r.nextInt(50)});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("twoAndK")
  void aSketchStaysWithinItsBounds(int seed, double[] a, double[] b, int k) {
    Ecdf ea = ecdf(a);
    Ecdf eb = ecdf(b);
    Ecdf sketch = ea.sketch(k);
    assertThat(sketch.n()).isEqualTo(ea.n());
    double ks = KolmogorovSmirnov.statistic(ea, eb);
    assertThat(Math.abs(KolmogorovSmirnov.statistic(sketch, eb) - ks)).isLessThanOrEqualTo(sketch.cdfErrorBound() + 1e-12);
    double w = Wasserstein.distance(ea, eb);
    assertThat(Math.abs(Wasserstein.distance(sketch, eb) - w))
        .isLessThanOrEqualTo(sketch.wassersteinErrorBound() * (1 + 1e-9) + 1e-9 * Math.max(1, w));
  }

  static Stream<Arguments> pValues() {
    return Generated.cases(300, r -> new Object[] {r.doubles(1 + r.nextInt(30))
        .map(x -> r.nextInt(5) == 0 ? Math.pow(x, 8) : x).toArray()});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("pValues")
  void bonferroniAndBenjaminiHochbergStayBetweenRawAndOne(int seed, double[] p) {
    double[] bonf = MultipleTesting.bonferroni(p);
    double[] bh = MultipleTesting.benjaminiHochberg(p);
    for (int i = 0; i < p.length; i++) {
      assertThat(bh[i]).isBetween(p[i], 1.0);
      assertThat(bonf[i]).isBetween(p[i], 1.0);
      assertThat(bh[i]).isLessThanOrEqualTo(bonf[i]);
    }
  }

  private static double[] sorted(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s;
  }

  private static double[] times(double[] x, double s) {
    return Arrays.stream(x).map(v -> v * s).toArray();
  }
}
