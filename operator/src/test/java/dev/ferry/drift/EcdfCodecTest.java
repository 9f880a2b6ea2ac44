package dev.ferry.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.stats.Ecdf;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** The profile's text form of a distribution decodes to exactly what was encoded. */
class EcdfCodecTest {
  @Property(tries = 300)
  void roundTripIsExact(@ForAll @Size(max = 3000) double[] raw) {
    double[] values = Arrays.stream(raw).filter(Double::isFinite).toArray();
    Ecdf e = Ecdf.ofUnsorted(values.clone(), values.length);
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    Ecdf back = EcdfCodec.decode(enc, e.size(), 0, 0);
    assertThat(back.values()).isEqualTo(e.values());
    assertThat(back.cumulativeCounts()).isEqualTo(e.cumulativeCounts());
  }

  @Example
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

  @Example
  void damagedTextIsRefused() {
    Ecdf e = Ecdf.ofUnsorted(new double[] {1, 2, 3}, 3);
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    assertThatThrownBy(() -> EcdfCodec.decode(enc, 4, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EcdfCodec.decode(new EcdfCodec.Encoded(enc.values(), List.of("AA==")), 3, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
