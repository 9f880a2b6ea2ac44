package dev.ferry.data;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.Reader;
import org.junit.jupiter.api.Test;

class Utf8ReaderTest {

  /** Returns at most 3 bytes per read, so multi-byte characters and CRLF straddle reads. */
  private static InputStream trickle(byte[] bytes) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 3));
      }
    };
  }

  private static String readAll(Reader r) throws Exception {
    StringBuilder b = new StringBuilder();
    char[] buf = new char[5];
    for (int n = r.read(buf, 0, buf.length); n >= 0; n = r.read(buf, 0, buf.length)) {
      b.append(buf, 0, n);
    }
    return b.toString();
  }

  @Test
  void decodesAcrossSmallReads() throws Exception {
    String text = "h\u00e9llo\r\nw\u00f6rld \u20ac \ud83d\ude00\n";
    Utf8Reader r = new Utf8Reader(trickle(("\uFEFF" + text).getBytes(UTF_8)));
    assertThat(readAll(r)).isEqualTo(text);
    assertThat(r.inputEnded()).isTrue();
  }

  @Test
  void deliversTheGoodTextBeforeReportingTheBadByteWithItsLine() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write("one\r\ntwo\rthree\n".getBytes(UTF_8)); // CRLF, lone CR and LF each end one line
    b.write(new byte[] {'f', 'o', (byte) 0x80, 'r'});
    Utf8Reader r = new Utf8Reader(trickle(b.toByteArray()));
    StringBuilder got = new StringBuilder();
    char[] buf = new char[64];
    assertThatThrownBy(() -> {
      for (int n = r.read(buf, 0, buf.length); n >= 0; n = r.read(buf, 0, buf.length)) {
        got.append(buf, 0, n);
      }
    }).isInstanceOfSatisfying(Utf8Reader.MalformedTextException.class, e -> {
      assertThat(e.line).isEqualTo(4);
      assertThat(e.byteOffset).isEqualTo(17);
      assertThat(e.badByte).isEqualTo(0x80);
    });
    assertThat(got.toString()).isEqualTo("one\r\ntwo\rthree\nfo");
  }
}
