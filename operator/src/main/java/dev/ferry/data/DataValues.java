package dev.ferry.data;

/**
 * How cell text is read as a typed value, the same way wherever Ferry looks at data (validation,
 * drift). Surrounding whitespace is ignored for numbers and booleans.
 */
public final class DataValues {
  private DataValues() {}

  /**
   * The value of a plain decimal number ({@code 42}, {@code -1.5}, {@code .5}, {@code 6.02e23}), or
   * {@code NaN} when the text is not one or is out of the double range. Java-only forms such as
   * {@code 1d}, {@code 0x1p3}, {@code NaN} and {@code Infinity} are not numbers here.
   */
  public static double parseNumber(String text) {
    if (text == null) {
      return Double.NaN;
    }
    String s = text.strip();
    if (!isDecimal(s)) {
      return Double.NaN;
    }
    double v = Double.parseDouble(s);
    return Double.isFinite(v) ? v : Double.NaN;
  }

  /** True when {@code v} is a finite whole number ({@code 3}, {@code 3.0}, {@code 1e3}). */
  public static boolean isWhole(double v) {
    return Double.isFinite(v) && v == Math.rint(v);
  }

  /** {@code true}/{@code 1} and {@code false}/{@code 0} in any case, else {@code null}. */
  public static Boolean parseBoolean(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.equals("1") || s.equalsIgnoreCase("true")) {
      return Boolean.TRUE;
    }
    if (s.equals("0") || s.equalsIgnoreCase("false")) {
      return Boolean.FALSE;
    }
    return null;
  }

  private static boolean isDecimal(String s) {
    int n = s.length();
    int i = 0;
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exp++;
      }
      if (exp == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
