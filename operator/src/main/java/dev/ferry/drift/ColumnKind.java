package dev.ferry.drift;

import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;
import java.util.EnumSet;
import java.util.Set;

/** How drift-check treats a column: as numbers or as categories. */
public enum ColumnKind {
  /** Numbers: PSI, Kolmogorov-Smirnov, Jensen-Shannon over decile bins, Wasserstein. */
  number(EnumSet.of(DriftTest.psi, DriftTest.ks, DriftTest.js, DriftTest.wasserstein)),
  /** Categories (any text): chi-square, Jensen-Shannon, L-infinity. */
  category(EnumSet.of(DriftTest.chi2, DriftTest.js, DriftTest.linf));

  private final Set<DriftTest> tests;

  ColumnKind(Set<DriftTest> tests) {
    this.tests = tests;
  }

  /** The tests that apply to this kind, in report order. */
  public Set<DriftTest> tests() {
    return tests;
  }
}
