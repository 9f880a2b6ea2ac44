package dev.ferry.testing;

import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Generated test cases for plain JUnit 5 parameterized tests: case i is drawn from a Random
 * seeded with i, so a failing case is named by its number and replays exactly. Edge values (0,
 * -0.0, ties, extremes) are drawn often, as a property-based generator would.
 *
 * <pre>
 * static Stream&lt;Arguments&gt; samples() { return Generated.cases(300, r -&gt; new Object[] {Generated.sample(r)}); }
 * </pre>
 */
public final class Generated {
  private static final double[] EDGES = {0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE,
      -Double.MAX_VALUE, 1e-300, 1e300, 0.1, 0.5};

  private Generated() {
  }

  /** {@code count} cases, the arguments of case i drawn by {@code draw} from {@code new Random(i)}. */
  public static Stream<Arguments> cases(int count, Function<Random, Object[]> draw) {
    return IntStream.range(0, count).mapToObj(i -> {
      Object[] drawn = draw.apply(new Random(i));
      Object[] withSeed = new Object[drawn.length + 1];
      withSeed[0] = i;
      System.arraycopy(drawn, 0, withSeed, 1, drawn.length);
      return Arguments.of(withSeed);
    });
  }

  /** A sample of 1 to {@code maxSize} values: smooth values in ±1e6, or small integers with many ties. */
  public static double[] sample(Random r, int maxSize) {
    int n = 1 + r.nextInt(maxSize);
    boolean ties = r.nextBoolean();
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = ties ? r.nextInt(7) - 3 : (r.nextDouble() * 2 - 1) * 1e6;
    }
    return x;
  }

  /** Any double, finite or not: edges often, random bit patterns otherwise (NaN and infinities included). */
  public static double anyDouble(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> EDGES[r.nextInt(EDGES.length)];
      case 1 -> r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
      default -> Double.longBitsToDouble(r.nextLong());
    };
  }

  /** Up to {@code maxSize} values of {@link #anyDouble}. */
  public static double[] anyDoubles(Random r, int maxSize) {
    double[] x = new double[r.nextInt(maxSize + 1)];
    for (int i = 0; i < x.length; i++) {
      x[i] = anyDouble(r);
    }
    return x;
  }

  /** {@code size} counts between 0 and {@code max}, not all zero. */
  public static long[] counts(Random r, int size, int max) {
    long[] c = new long[size];
    do {
      for (int i = 0; i < size; i++) {
        c[i] = r.nextInt(4) == 0 ? 0 : r.nextInt(max + 1);
      }
    } while (java.util.Arrays.stream(c).sum() == 0);
    return c;
  }

  /** Up to {@code maxLength} characters from {@code alphabet}. */
  public static String text(Random r, String alphabet, int maxLength) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(maxLength + 1);
    for (int i = 0; i < n; i++) {
      s.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  public static <T> T oneOf(Random r, T[] choices) {
    return choices[r.nextInt(choices.length)];
  }
}
