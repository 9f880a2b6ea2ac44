package dev.ferry.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataValuesTest {

  @Test
  void numbersArePlainFiniteDecimals() {
    assertThat(DataValues.parseNumber("42")).isEqualTo(42);
    assertThat(DataValues.parseNumber(" -1.5 ")).isEqualTo(-1.5);
    assertThat(DataValues.parseNumber(".5")).isEqualTo(0.5);
    assertThat(DataValues.parseNumber("5.")).isEqualTo(5);
    assertThat(DataValues.parseNumber("+6.02E23")).isEqualTo(6.02e23);
    for (String no : List.of("", " ", "abc", "1d", "1f", "0x10", "NaN", "Infinity", "-", ".", "1e", "1e+",
        "1.2.3", "1,5", "1e999")) {
      assertThat(DataValues.parseNumber(no)).as(no).isNaN();
    }
    assertThat(DataValues.parseNumber(null)).isNaN();
  }

  @Test
  void wholeNumbersAndBooleans() {
    assertThat(DataValues.isWhole(3.0)).isTrue();
    assertThat(DataValues.isWhole(1e3)).isTrue();
    assertThat(DataValues.isWhole(3.5)).isFalse();
    assertThat(DataValues.isWhole(Double.NaN)).isFalse();
    assertThat(DataValues.parseBoolean("TRUE")).isTrue();
    assertThat(DataValues.parseBoolean(" 0 ")).isFalse();
    assertThat(DataValues.parseBoolean("yes")).isNull();
    assertThat(DataValues.parseBoolean("2")).isNull();
  }

  @Test
  void welfordMatchesTwoPassStatistics() {
    Random random = new Random(7);
    double[] xs = new double[10_000];
    NumericStats s = new NumericStats();
    for (int i = 0; i < xs.length; i++) {
      xs[i] = 1e6 + random.nextGaussian() * 3; // a large offset breaks the naive sum-of-squares formula
      s.add(xs[i]);
    }
    double mean = 0;
    for (double x : xs) {
      mean += x / xs.length;
    }
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    assertThat(s.count()).isEqualTo(xs.length);
    assertThat(s.mean()).isCloseTo(mean, within(1e-6));
    assertThat(s.std()).isCloseTo(Math.sqrt(ss / (xs.length - 1)), within(1e-9));
    assertThat(s.min()).isEqualTo(java.util.Arrays.stream(xs).min().getAsDouble());
    assertThat(new NumericStats().mean()).isNaN();
    NumericStats one = new NumericStats();
    one.add(4);
    assertThat(one.std()).isZero();
  }

  @Test
  void categoryCounterCapsDistinctValues() {
    CategoryCounter c = new CategoryCounter(3);
    for (String v : List.of("b", "a", "b", "c", "d", "b", "a", "e")) {
      c.add(v);
    }
    assertThat(c.total()).isEqualTo(8);
    assertThat(c.distinct()).isEqualTo(3);
    assertThat(c.capped()).isTrue();
    assertThat(c.count("d")).isZero();
    assertThat(c.top(2)).containsExactly(new CategoryCounter.Count("b", 3), new CategoryCounter.Count("a", 2));
    CategoryCounter exact = new CategoryCounter();
    exact.add("x");
    assertThat(exact.capped()).isFalse();
    assertThat(exact.top(5)).containsExactly(new CategoryCounter.Count("x", 1));
  }
}
