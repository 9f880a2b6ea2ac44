package dev.ferry.drift;

import dev.ferry.data.DataValues;

/**
 * Reads a cell as a number with exactly the result of {@link DataValues#parseNumber(String)} (the
 * correctly rounded double, NaN for anything that is not a plain decimal), faster for the common
 * short forms: when the digits form an integer below 2^53 and the power of ten is at most 22,
 * {@code digits / 10^k} or {@code digits * 10^k} is one correctly rounded IEEE operation on two
 * exact doubles (Clinger's fast path), so it equals what {@link Double#parseDouble} returns.
 * Anything else goes to {@link DataValues#parseNumber(String)}.
 */
final class NumberText {
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  private NumberText() {}

  static double parse(String s) {
    int n = s.length();
    int i = 0;
    boolean negative = false;
    if (n == 0) {
      return Double.NaN;
    }
    char c = s.charAt(0);
    if (c == '-' || c == '+') {
      negative = c == '-';
      i++;
    }
    long digits = 0;
    int count = 0;
    int scale = 0;
    boolean dot = false;
    int start = i;
    for (; i < n; i++) {
      c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (count < 18) {
          digits = digits * 10 + (c - '0');
          if (digits != 0) {
            count++;
          }
          if (dot) {
            scale++;
          }
        } else {
          return DataValues.parseNumber(s);
        }
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        return DataValues.parseNumber(s);
      }
    }
    if (i == start || (dot && i == start + 1)) {
      return DataValues.parseNumber(s);
    }
    if (digits >= (1L << 53) || scale > 22) {
      return DataValues.parseNumber(s);
    }
    double v = scale == 0 ? (double) digits : (double) digits / POW10[scale];
    return negative ? -v : v;
  }
}
