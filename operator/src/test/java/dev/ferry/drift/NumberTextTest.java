package dev.ferry.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.data.DataValues;
import dev.ferry.testing.Generated;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fast number reader gives exactly what DataValues.parseNumber gives. */
class NumberTextTest {
  /** Decimal-looking text: sign, digits, a dot, digits, an exponent, each part possibly empty or odd. */
  static Stream<Arguments> decimals() {
    return Generated.cases(3000, r -> new Object[] {Generated.oneOf(r, new String[] {"", "-", "+"})
        + Generated.text(r, "0123456789", 20) + Generated.oneOf(r, new String[] {"", "."})
        + Generated.text(r, "0123456789", 25) + Generated.oneOf(r, new String[] {"", "e5", "E-3", "e+300", "e"})});
  }

  @ParameterizedTest(name = "case {0}: {1}")
  @MethodSource("decimals")
  void sameAsDataValues(int seed, String s) {
    assertThat(Double.doubleToRawLongBits(NumberText.parse(s)))
        .as(s).isEqualTo(Double.doubleToRawLongBits(DataValues.parseNumber(s)));
  }

  static Stream<Arguments> doubles() {
    return Generated.cases(3000, r -> new Object[] {Generated.anyDouble(r)});
  }

  @ParameterizedTest(name = "case {0}: {1}")
  @MethodSource("doubles")
  void sameAsDataValuesOnPrintedDoubles(int seed, double d) {
    String s = Double.toString(d);
    // Compared as Doubles, so NaN (printed "NaN") equals NaN and -0.0 differs from 0.0.
    assertThat(Double.valueOf(NumberText.parse(s))).as(s).isEqualTo(Double.valueOf(DataValues.parseNumber(s)));
    String g = String.format(java.util.Locale.ROOT, "%.6g", d);
    assertThat(Double.valueOf(NumberText.parse(g))).as(g).isEqualTo(Double.valueOf(DataValues.parseNumber(g)));
  }

  @Test
  void edgeCases() {
    for (String s : new String[] {"", "-", ".", "-0", "0.", ".5", " 1", "1 ", "1e", "NaN", "Infinity", "0x10", "1d",
        "123456789012345678901234567890", "0.1", "9007199254740993", "1e400"}) {
      assertThat(Double.doubleToRawLongBits(NumberText.parse(s))).as(s)
          .isEqualTo(Double.doubleToRawLongBits(DataValues.parseNumber(s)));
    }
  }
}
