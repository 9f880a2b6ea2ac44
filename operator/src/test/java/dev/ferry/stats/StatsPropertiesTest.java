package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties every drift statistic must have, on random samples. */
class StatsPropertiesTest {

  @Provide
  Arbitrary<double[]> samples() {
    Arbitrary<Double> smooth = Arbitraries.doubles().between(-1e6, 1e6);
    Arbitrary<Double> ties = Arbitraries.integers().between(-3, 3).map(i -> (double) i);
    return Arbitraries.oneOf(smooth, ties).list().ofMinSize(1).ofMaxSize(300)
        .map(l -> l.stream().mapToDouble(Double::doubleValue).toArray());
  }

  @Provide
  Arbitrary<long[]> counts() {
    return Arbitraries.longs().between(0, 1000).array(long[].class).ofSize(10)
        .filter(a -> Arrays.stream(a).sum() > 0);
  }

  @Provide
  Arbitrary<long[][]> countPairs() {
    return Arbitraries.integers().between(1, 12).flatMap(k -> Combinators.combine(
        Arbitraries.longs().between(0, 500).array(long[].class).ofSize(k),
        Arbitraries.longs().between(0, 500).array(long[].class).ofSize(k)).as((a, b) -> new long[][] {a, b}))
        .filter(p -> Arrays.stream(p[0]).sum() > 0 && Arrays.stream(p[1]).sum() > 0)
        .filter(p -> {
          for (int i = 0; i < p[0].length; i++) {
            if (p[0][i] + p[1][i] == 0) {
              return false;
            }
          }
          return true;
        });
  }

  private static Ecdf ecdf(double[] values) {
    double[] copy = values.clone();
    return Ecdf.ofUnsorted(copy, copy.length);
  }

  @Property
  void psiAndJsOfADistributionWithItselfAreZero(@ForAll("counts") long[] c) {
    assertThat(Divergence.psi(c, c)).isZero();
    assertThat(Divergence.jensenShannon(c, c)).isZero();
    assertThat(Divergence.linf(c, c)).isZero();
  }

  @Property(tries = 300)
  void psiAndJsOfADatasetWithItselfAreZero(@ForAll("samples") double[] x) {
    Ecdf e = ecdf(x);
    double[] edges = Quantiles.decileEdges(sorted(x), x.length);
    long[] bins = Binning.countSorted(edges, e);
    assertThat(Divergence.psi(bins, bins)).isZero();
    assertThat(Divergence.jensenShannon(bins, bins)).isZero();
    assertThat(KolmogorovSmirnov.test(e, e).statistic()).isZero();
    assertThat(KolmogorovSmirnov.test(e, e).pValue()).isEqualTo(1.0);
    assertThat(Wasserstein.distance(e, e)).isZero();
  }

  @Property(tries = 300)
  void ksIsBetweenZeroAndOneAndSoIsItsPValue(@ForAll("samples") double[] a, @ForAll("samples") double[] b) {
    KolmogorovSmirnov.Result r = KolmogorovSmirnov.test(ecdf(a), ecdf(b));
    assertThat(r.statistic()).isBetween(0.0, 1.0);
    assertThat(r.pValue()).isBetween(0.0, 1.0);
  }

  @Property(tries = 300)
  void symmetricTestsAreSymmetric(@ForAll("samples") double[] a, @ForAll("samples") double[] b) {
    Ecdf ea = ecdf(a);
    Ecdf eb = ecdf(b);
    KolmogorovSmirnov.Result ab = KolmogorovSmirnov.test(ea, eb);
    KolmogorovSmirnov.Result ba = KolmogorovSmirnov.test(eb, ea);
    assertThat(ba.statistic()).isEqualTo(ab.statistic());
    assertThat(ba.pValue()).isCloseTo(ab.pValue(), within(1e-12));
    double w = Wasserstein.distance(ea, eb);
    assertThat(Wasserstein.distance(eb, ea)).isCloseTo(w, within(1e-12 * Math.max(1, w)));
  }

  @Property
  void symmetricDistancesOverCountsAreSymmetric(@ForAll("countPairs") long[][] p) {
    assertThat(Divergence.jensenShannon(p[1], p[0])).isCloseTo(Divergence.jensenShannon(p[0], p[1]), within(1e-12));
    assertThat(Divergence.psi(p[1], p[0])).isCloseTo(Divergence.psi(p[0], p[1]), within(1e-12));
    assertThat(Divergence.linf(p[1], p[0])).isEqualTo(Divergence.linf(p[0], p[1]));
    assertThat(ChiSquare.test(p[1], p[0]).pValue()).isCloseTo(ChiSquare.test(p[0], p[1]).pValue(), within(1e-12));
    double js = Divergence.jensenShannon(p[0], p[1]);
    assertThat(js).isBetween(0.0, 1.0);
    assertThat(Divergence.linf(p[0], p[1])).isBetween(0.0, 1.0);
  }

  @Property(tries = 300)
  void scalingBothSamplesLeavesKsUnchanged(@ForAll("samples") double[] a, @ForAll("samples") double[] b,
      @ForAll @DoubleRange(min = 0.01, max = 1000) double scale, @ForAll boolean negate) {
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

  @Property(tries = 300)
  void theFastBinnerCountsEdgesStrictlyBelow(@ForAll("samples") double[] edgeSource, @ForAll("samples") double[] values) {
    double[] edges = Arrays.copyOf(sorted(edgeSource), Math.min(edgeSource.length, 15));
    Arrays.sort(edges);
    Binning.Binner b = Binning.binner(edges);
    for (double v : values) {
      assertThat(b.bin(v)).isEqualTo(Binning.bin(edges, v));
    }
  }

  @Property
  void radixSortSortsAsArraysSortDoes(@ForAll @Size(max = 20000) double[] values) {
    double[] expected = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
    double[] actual = expected.clone();
    Arrays.sort(expected);
    Sorting.sort(actual, actual.length);
    assertThat(actual).isEqualTo(expected);
  }

  @Property(tries = 50)
  void radixSortOnLargeArrays(@ForAll @IntRange(min = 4096, max = 30000) int n, @ForAll long seed) {
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

  @Property(tries = 300)
  void aSketchStaysWithinItsBounds(@ForAll("samples") double[] a, @ForAll("samples") double[] b,
      @ForAll @IntRange(min = 1, max = 50) int k) {
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

  @Property
  void bonferroniAndBenjaminiHochbergStayBetweenRawAndOne(
      @ForAll @Size(min = 1, max = 30) double[] raw) {
    double[] p = Arrays.stream(raw).map(x -> Double.isFinite(x) ? Math.abs(x) % 1.0 : 0.5).toArray();
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
