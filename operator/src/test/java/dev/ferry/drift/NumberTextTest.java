package dev.ferry.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.data.DataValues;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The fast number reader gives exactly what DataValues.parseNumber gives. */
class NumberTextTest {
  @Provide
  Arbitrary<String> decimals() {
    Arbitrary<String> sign = Arbitraries.of("", "-", "+");
    Arbitrary<String> intPart = Arbitraries.strings().withCharRange('0', '9').ofMinLength(0).ofMaxLength(20);
    Arbitrary<String> frac = Arbitraries.strings().withCharRange('0', '9').ofMinLength(0).ofMaxLength(25);
    Arbitrary<String> dot = Arbitraries.of("", ".");
    Arbitrary<String> exp = Arbitraries.of("", "e5", "E-3", "e+300", "e");
    return Combinators.combine(sign, intPart, dot, frac, exp).as((s, i, d, f, e) -> s + i + d + f + e);
  }

  @Property(tries = 3000)
  void sameAsDataValues(@ForAll("decimals") String s) {
    assertThat(Double.doubleToRawLongBits(NumberText.parse(s)))
        .as(s).isEqualTo(Double.doubleToRawLongBits(DataValues.parseNumber(s)));
  }

  @Property(tries = 3000)
  void sameAsDataValuesOnPrintedDoubles(@ForAll double d) {
    String s = Double.toString(d);
    assertThat(NumberText.parse(s)).as(s).isEqualTo(DataValues.parseNumber(s));
    String g = String.format(java.util.Locale.ROOT, "%.6g", d);
    assertThat(NumberText.parse(g)).as(g).isEqualTo(DataValues.parseNumber(g));
  }

  @Example
  void edgeCases() {
    for (String s : new String[] {"", "-", ".", "-0", "0.", ".5", " 1", "1 ", "1e", "NaN", "Infinity", "0x10", "1d",
        "123456789012345678901234567890", "0.1", "9007199254740993", "1e400"}) {
      assertThat(Double.doubleToRawLongBits(NumberText.parse(s))).as(s)
          .isEqualTo(Double.doubleToRawLongBits(DataValues.parseNumber(s)));
    }
  }
}
