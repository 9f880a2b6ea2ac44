package dev.ferry.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.stats.Ecdf;
import java.util.Arrays;
import java.util.List;
import dev.ferry.testing.Generated;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The profile's text form of a distribution decodes to exactly what was encoded. */
class EcdfCodecTest {
  static Stream<Arguments> samples() {
    return Generated.cases(300, r -> new Object[] {r.nextBoolean() ? Generated.anyDoubles(r, 3000)
        : Generated.sample(r, 3000)});
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("samples")
  void roundTripIsExact(int seed, double[] raw) {
    double[] values = Arrays.stream(raw).filter(Double::isFinite).toArray();
    Ecdf e = Ecdf.ofUnsorted(values.clone(), values.length);
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    Ecdf back = EcdfCodec.decode(enc, e.size(), 0, 0);
    assertThat(back.values()).isEqualTo(e.values());
    assertThat(back.cumulativeCounts()).isEqualTo(e.cumulativeCounts());
  }

  @Test
  void extremesAndChunks() {
    int n = EcdfCodec.CHUNK * 2 + 17;
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = i % 5 == 0 ? -Double.MAX_VALUE : i % 7 == 0 ? Double.MAX_VALUE : i % 11 == 0 ? -0.0 : (i - n / 2) * 1e-3;
    }
    Ecdf e = Ecdf.ofUnsorted(v, n);
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    Ecdf back = EcdfCodec.decode(enc, e.size(), 0, 0);
    assertThat(back.values()).isEqualTo(e.values());
    assertThat(back.n()).isEqualTo(n);
  }

  @Test
  void damagedTextIsRefused() {
    Ecdf e = Ecdf.ofUnsorted(new double[] {1, 2, 3}, 3);
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    assertThatThrownBy(() -> EcdfCodec.decode(enc, 4, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EcdfCodec.decode(new EcdfCodec.Encoded(enc.values(), List.of("AA==")), 3, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
