package dev.ferry.drift;

import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict on one feature: the deciding test, its score and threshold, whether it drifted, and
 * every statistic computed for it.
 */
public final class FeatureResult {
  /** What the column is to the model: an input, its prediction, or its target (the label). */
  public enum Role { feature, prediction, target }

  final String feature;
  final ColumnKind kind;
  final DriftTest test;
  final double threshold;
  /** A distance, or for p-value tests the adjusted p-value; null when the current data has no value. */
  Double score;
  /** For p-value tests: the p-value before the correction. */
  Double pValue;
  boolean drifted;
  /** How far past its threshold: above 1 means drifted; null when there is no score. */
  Double severity;
  final long baselineCount;
  final long currentCount;
  final double baselineMissing;
  final double currentMissing;
  final Map<String, Double> statistics = new LinkedHashMap<>();
  final List<String> notes = new ArrayList<>();
  Role role = Role.feature;
  /** Categories: share of the current values the baseline never had; null for numbers. */
  Double unseenShare;
  /** Numbers: share of the current values outside the baseline's range; null for categories. */
  Double outOfRangeShare;
  /** Data-quality gates this column failed, each as "missing 12.0% > 10.0%". */
  final List<String> qualityFailures = new ArrayList<>();
  /** Baseline and current counts over the buckets the tests compare, for the HTML report; null without current values. */
  Distribution distribution;

  FeatureResult(String feature, ColumnKind kind, DriftTest test, double threshold, long baselineCount,
      long baselineMissing, long currentCount, long currentMissing) {
    this.feature = feature;
    this.kind = kind;
    this.test = test;
    this.threshold = threshold;
    this.baselineCount = baselineCount;
    this.currentCount = currentCount;
    this.baselineMissing = share(baselineMissing, baselineCount + baselineMissing);
    this.currentMissing = share(currentMissing, currentCount + currentMissing);
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  public String feature() {
    return feature;
  }

  public ColumnKind kind() {
    return kind;
  }

  public DriftTest test() {
    return test;
  }

  public double threshold() {
    return threshold;
  }

  public Double score() {
    return score;
  }

  public Double pValue() {
    return pValue;
  }

  public boolean drifted() {
    return drifted;
  }

  public Double severity() {
    return severity;
  }

  /** Every statistic computed, by name: psi, js, ks, ksPValue, wasserstein, wassersteinNormed, chi2, chi2PValue, linf. */
  public Map<String, Double> statistics() {
    return statistics;
  }

  public Distribution distribution() {
    return distribution;
  }

  public List<String> notes() {
    return notes;
  }

  public double baselineMissing() {
    return baselineMissing;
  }

  public double currentMissing() {
    return currentMissing;
  }

  public Role role() {
    return role;
  }

  public Double unseenShare() {
    return unseenShare;
  }

  public Double outOfRangeShare() {
    return outOfRangeShare;
  }

  public List<String> qualityFailures() {
    return qualityFailures;
  }
}
