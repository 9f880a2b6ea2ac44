package dev.ferry.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Known values, worked by hand or from R, and the edge cases. */
class StatsTest {
  @Test
  void linearQuantileInterpolatesAsNumpy() {
    double[] a = {1, 2, 3, 4};
    assertThat(Quantiles.linear(a, 4, 0.5)).isEqualTo(2.5);
    assertThat(Quantiles.linear(a, 4, 0.0)).isEqualTo(1);
    assertThat(Quantiles.linear(a, 4, 1.0)).isEqualTo(4);
    assertThat(Quantiles.linear(new double[] {5}, 1, 0.3)).isEqualTo(5);
    assertThatThrownBy(() -> Quantiles.linear(a, 0, 0.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void binsCountEdgesStrictlyBelow() {
    double[] edges = {1, 2, 2, 3};
    assertThat(Binning.bin(edges, 1)).isZero();
    assertThat(Binning.bin(edges, 2)).isEqualTo(1);
    assertThat(Binning.bin(edges, 2.5)).isEqualTo(3);
    assertThat(Binning.bin(edges, 9)).isEqualTo(4);
  }

  @Test
  void psiFloorsEmptyBins() {
    // p = (0.5, 0.5, 0), q = (0.5, 0, 0.5): two floored bins of 1e-4 against 0.5
    double psi = Divergence.psi(new long[] {1, 1, 0}, new long[] {1, 0, 1});
    double term = (0.5 - 1e-4) * Math.log(0.5 / 1e-4);
    assertThat(psi).isCloseTo(2 * term, within(1e-12));
  }

  @Test
  void jensenShannonOfDisjointDistributionsIsOne() {
    assertThat(Divergence.jensenShannon(new long[] {3, 0}, new long[] {0, 5})).isCloseTo(1.0, within(1e-15));
  }

  @Test
  void benjaminiHochbergMatchesR() {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
    double[] bh = MultipleTesting.benjaminiHochberg(new double[] {0.01, 0.04, 0.03, 0.005});
    assertThat(bh).containsExactly(new double[] {0.02, 0.04, 0.04, 0.02}, within(1e-15));
    assertThat(MultipleTesting.bonferroni(new double[] {0.01, 0.5})).containsExactly(0.02, 1.0);
  }

  @Test
  void chiSquareOfOneCategoryIsOne() {
    assertThat(ChiSquare.test(new long[] {5}, new long[] {9}).pValue()).isEqualTo(1.0);
    assertThatThrownBy(() -> ChiSquare.test(new long[] {0, 0}, new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void exactKsOfTwoDisjointSamples() {
    // scipy.stats.ks_2samp([1, 2, 3], [4, 5, 6]): statistic 1, p-value 0.1 exactly (2 / C(6, 3))
    KolmogorovSmirnov.Result r = KolmogorovSmirnov.test(Ecdf.ofUnsorted(new double[] {1, 2, 3}, 3),
        Ecdf.ofUnsorted(new double[] {4, 5, 6}, 3));
    assertThat(r.statistic()).isEqualTo(1.0);
    assertThat(r.pValue()).isCloseTo(0.1, within(1e-15));
    assertThat(r.method()).isEqualTo(KolmogorovSmirnov.Method.exact);
  }

  @Test
  void ecdfMergesTiesAndSignedZeros() {
    Ecdf e = Ecdf.ofUnsorted(new double[] {0.0, -0.0, 2, 2, 1}, 5);
    assertThat(e.size()).isEqualTo(3);
    assertThat(e.n()).isEqualTo(5);
    assertThat(e.cumulativeCounts()).containsExactly(2, 3, 5);
    assertThat(e.countAtOrBelow(1.5)).isEqualTo(3);
    assertThat(e.countAtOrBelow(-1)).isZero();
  }
}
