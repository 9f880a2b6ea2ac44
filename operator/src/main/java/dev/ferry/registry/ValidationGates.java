package dev.ferry.registry;

import dev.ferry.api.v1alpha1.MetricGate;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus.GateResult;
import dev.ferry.api.v1alpha1.MustBeatProduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Evaluates a ModelVersion's gates: metric bounds and champion/challenger. Pure. */
public final class ValidationGates {
  public static final String MUST_BEAT_PRODUCTION = "mustBeatProduction";

  private ValidationGates() {
  }

  /** The version serving production, if any, as the gate needs it. */
  public record Champion(long version, Map<String, Double> metrics) {
  }

  public static List<GateResult> evaluate(ModelVersionSpec spec, Champion champion) {
    List<GateResult> results = new ArrayList<>();
    Map<String, Double> metrics = spec.metrics == null ? Map.of() : spec.metrics;
    if (spec.validation == null) {
      return results;
    }
    for (MetricGate gate : spec.validation.metrics == null ? List.<MetricGate>of() : spec.validation.metrics) {
      results.add(bounds(gate, metrics.get(gate.name)));
    }
    if (spec.validation.mustBeatProduction != null) {
      results.add(beats(spec.validation.mustBeatProduction, metrics, champion));
    }
    return results;
  }

  private static GateResult bounds(MetricGate gate, Double value) {
    GateResult result = new GateResult();
    result.name = gate.name;
    result.value = value;
    List<String> parts = new ArrayList<>();
    if (gate.min != null) {
      parts.add(">= " + number(gate.min));
    }
    if (gate.max != null) {
      parts.add("<= " + number(gate.max));
    }
    result.bound = String.join(" and ", parts);
    if (value == null || value.isNaN()) {
      result.passed = false;
      result.message = "metric " + gate.name + " was not reported";
    } else {
      result.passed = (gate.min == null || value >= gate.min) && (gate.max == null || value <= gate.max);
      if (!result.passed) {
        result.message = gate.name + " = " + number(value) + ", needs " + result.bound;
      }
    }
    return result;
  }

  private static GateResult beats(MustBeatProduction rule, Map<String, Double> metrics, Champion champion) {
    GateResult result = new GateResult();
    result.name = MUST_BEAT_PRODUCTION;
    Double value = metrics.get(rule.metric);
    result.value = value;
    double delta = rule.minDelta == null ? 0.0 : rule.minDelta;
    boolean higherIsBetter = rule.higherIsBetter == null || rule.higherIsBetter;
    if (value == null || value.isNaN()) {
      result.bound = "beats production on " + rule.metric;
      result.passed = false;
      result.message = "metric " + rule.metric + " was not reported";
      return result;
    }
    if (champion == null) {
      result.bound = "beats production on " + rule.metric + " (none in production)";
      result.passed = true;
      return result;
    }
    Double best = champion.metrics() == null ? null : champion.metrics().get(rule.metric);
    if (best == null || best.isNaN()) {
      result.bound = "beats v" + champion.version() + " on " + rule.metric;
      result.passed = true;
      result.message = "v" + champion.version() + " in production has no " + rule.metric + "; nothing to beat";
      return result;
    }
    double target = higherIsBetter ? best + delta : best - delta;
    result.bound = (higherIsBetter ? "> " : "< ") + number(target) + " (v" + champion.version() + " in production: "
        + number(best) + ", minDelta " + number(delta) + ")";
    result.passed = higherIsBetter ? value > target : value < target;
    if (!result.passed) {
      result.message = rule.metric + " = " + number(value) + " does not beat v" + champion.version() + " (" + number(best)
          + ") by " + number(delta);
    }
    return result;
  }

  static String number(double value) {
    // Six significant digits, without trailing zeros of the fraction (100000 stays 100000).
    return java.math.BigDecimal.valueOf(value).round(new java.math.MathContext(6)).stripTrailingZeros()
        .toPlainString();
  }
}
