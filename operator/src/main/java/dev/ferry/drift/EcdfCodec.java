package dev.ferry.drift;

import dev.ferry.stats.Ecdf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The text form of a baseline distribution in a profile, exact and compact. Values are taken as
 * order-preserving 64-bit integers ({@code bits ^ ((bits >> 63) & 0x7fff...)}, so ascending
 * doubles give ascending integers), and each is stored as its difference from the one before, an
 * unsigned LEB128 varint; the count of each value (how many baseline values equal it) is a varint
 * too. The bytes are base64, cut into strings of at most {@link #CHUNK} entries so no JSON string
 * grows large. Dense sorted data takes about 5 bytes a value, a tie 2; decoding is exact.
 */
final class EcdfCodec {
  static final int CHUNK = 1 << 16;
  static final String ENCODING = "delta-varint-base64";

  private EcdfCodec() {}

  /** The encoded values and counts, one string per chunk of entries. */
  record Encoded(List<String> values, List<String> counts) {}

  static Encoded encode(Ecdf e) {
    List<String> values = new ArrayList<>();
    List<String> counts = new ArrayList<>();
    Base64.Encoder b64 = Base64.getEncoder();
    long prevKey = 0;
    long prevCum = 0;
    for (int start = 0; start < e.size(); start += CHUNK) {
      int end = Math.min(e.size(), start + CHUNK);
      ByteArrayOutputStream vb = new ByteArrayOutputStream((end - start) * 6);
      ByteArrayOutputStream cb = new ByteArrayOutputStream(end - start);
      for (int i = start; i < end; i++) {
        long key = key(e.value(i));
        varint(vb, key - prevKey);
        prevKey = key;
        long cum = e.cumulative(i);
        varint(cb, cum - prevCum);
        prevCum = cum;
      }
      values.add(b64.encodeToString(vb.toByteArray()));
      counts.add(b64.encodeToString(cb.toByteArray()));
    }
    return new Encoded(values, counts);
  }

  /**
   * Decodes {@code size} entries.
   *
   * @throws IllegalArgumentException when the text is not a valid encoding of {@code size} entries
   */
  static Ecdf decode(Encoded enc, int size, double cdfErrorBound, double wassersteinErrorBound) {
    if (enc.values().size() != enc.counts().size()) {
      throw new IllegalArgumentException("values and counts have different numbers of chunks");
    }
    double[] values = new double[size];
    long[] cum = new long[size];
    int at = 0;
    long key = 0;
    long c = 0;
    Base64.Decoder b64 = Base64.getDecoder();
    for (int k = 0; k < enc.values().size(); k++) {
      byte[] vb = b64.decode(enc.values().get(k));
      byte[] cb = b64.decode(enc.counts().get(k));
      int[] vp = {0};
      int[] cp = {0};
      while (vp[0] < vb.length) {
        if (at >= size) {
          throw new IllegalArgumentException("more entries than the stated size " + size);
        }
        key += readVarint(vb, vp);
        if (cp[0] >= cb.length) {
          throw new IllegalArgumentException("fewer counts than values");
        }
        c += readVarint(cb, cp);
        values[at] = value(key);
        cum[at] = c;
        at++;
      }
      if (cp[0] != cb.length) {
        throw new IllegalArgumentException("more counts than values");
      }
    }
    if (at != size) {
      throw new IllegalArgumentException("found " + at + " entries, expected " + size);
    }
    return Ecdf.of(values, cum, cdfErrorBound, wassersteinErrorBound);
  }

  static long key(double v) {
    long bits = Double.doubleToRawLongBits(v);
    return bits ^ ((bits >> 63) & 0x7fffffffffffffffL);
  }

  static double value(long key) {
    long bits = key ^ ((key >> 63) & 0x7fffffffffffffffL);
    return Double.longBitsToDouble(bits);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarint(byte[] b, int[] pos) {
    long v = 0;
    int shift = 0;
    while (true) {
      if (pos[0] >= b.length) {
        throw new IllegalArgumentException("truncated varint");
      }
      int x = b[pos[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
      shift += 7;
      if (shift > 63) {
        throw new IllegalArgumentException("varint too long");
      }
    }
  }
}
