package dev.ferry.drift;

import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;

/**
 * The test and threshold a feature gets when the configuration names none. The table, with the
 * source of every entry, is in {@code docs/drift-check.md}:
 *
 * <table>
 *   <caption>Default test by column kind and baseline size</caption>
 *   <tr><th>column</th><th>baseline values</th><th>test</th><th>threshold</th></tr>
 *   <tr><td>number</td><td>at most 1000</td><td>ks</td><td>p-value 0.05</td></tr>
 *   <tr><td>number</td><td>more than 1000</td><td>js</td><td>0.1</td></tr>
 *   <tr><td>category</td><td>at most 1000</td><td>chi2</td><td>p-value 0.05</td></tr>
 *   <tr><td>category</td><td>more than 1000</td><td>js</td><td>0.1</td></tr>
 * </table>
 *
 * <p>Small samples get a test, because a test knows its sample size (Evidently's choice for
 * reference data of at most 1000 rows, and Alibi Detect's TabularDrift); larger ones get a
 * distance, because with a million rows every test finds a "significant" difference too small to
 * matter (Evidently switches at 1000 rows; Jensen-Shannon with 0.1 is NannyML's default method and
 * threshold and Evidently's for categories). Jensen-Shannon rather than Evidently's Wasserstein for
 * large numeric columns: it needs only bin counts, so a scheduled check holds no rows.
 */
public final class DefaultTests {
  /** Baseline size up to which the default is a statistical test rather than a distance. */
  public static final long SMALL_SAMPLE = 1000;

  private DefaultTests() {}

  /** The default test of a column. */
  public static DriftTest test(ColumnKind kind, long baselineValues) {
    boolean small = baselineValues <= SMALL_SAMPLE;
    if (kind == ColumnKind.number) {
      return small ? DriftTest.ks : DriftTest.js;
    }
    return small ? DriftTest.chi2 : DriftTest.js;
  }

  /**
   * The default threshold of a test: 0.05 for p-values (Evidently, Alibi Detect), 0.1 for PSI
   * (Evidently), Jensen-Shannon (Evidently, NannyML), L-infinity (NannyML) and the Wasserstein
   * distance divided by the baseline's standard deviation (Evidently's normed Wasserstein).
   */
  public static double threshold(DriftTest test) {
    return switch (test) {
      case ks, chi2 -> 0.05;
      case psi, js, linf, wasserstein -> 0.1;
    };
  }

  /** True for tests whose score is a p-value (drift below the threshold). */
  public static boolean isPValue(DriftTest test) {
    return test == DriftTest.ks || test == DriftTest.chi2;
  }

  /** True for tests that need the values themselves, not only counts (KS, Wasserstein). */
  public static boolean needsValues(DriftTest test) {
    return test == DriftTest.ks || test == DriftTest.wasserstein;
  }
}
