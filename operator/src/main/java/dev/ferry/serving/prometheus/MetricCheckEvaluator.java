package dev.ferry.serving.prometheus;

import dev.ferry.api.v1alpha1.MetricCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Judges a {@link MetricCheck} by what Prometheus measured. Pure: no client, no clock. Bounds are
 * inclusive. A measurement that failed gives INCONCLUSIVE, never PASS: the caller decides how many
 * of those it tolerates (a canary counts them against {@code analysis.failureLimit}).
 */
public final class MetricCheckEvaluator {
  private MetricCheckEvaluator() {
  }

  public enum Outcome { PASS, FAIL, INCONCLUSIVE }

  /**
   * The verdict on one check.
   *
   * @param metric the check's name
   * @param bound the bounds as text, e.g. {@code "<= 0.01"} or {@code ">= 0.8 and <= 1"}
   * @param message one line for status and events, e.g. {@code "error-rate = 0.03 > max 0.01"}
   */
  public record Verdict(String metric, Outcome outcome, Measurement measurement, String bound, String message) {
    public boolean passed() {
      return outcome == Outcome.PASS;
    }

    /** The measured number, when there is one. */
    public OptionalDouble value() {
      return measurement instanceof Measurement.Value v ? OptionalDouble.of(v.value()) : OptionalDouble.empty();
    }

    /** Why there is no number, when there is none. */
    public Optional<Measurement.Kind> failureKind() {
      return measurement instanceof Measurement.Failure f ? Optional.of(f.kind()) : Optional.empty();
    }
  }

  /** Queries {@code client} for the check's value and judges it. */
  public static Verdict check(MetricCheck check, PrometheusClient client) {
    return evaluate(check, client.query(check.prometheus));
  }

  public static Verdict evaluate(MetricCheck check, Measurement measurement) {
    String name = check.name;
    List<String> parts = new ArrayList<>();
    if (check.min != null) {
      parts.add(">= " + number(check.min));
    }
    if (check.max != null) {
      parts.add("<= " + number(check.max));
    }
    String bound = String.join(" and ", parts);
    if (measurement instanceof Measurement.Failure f) {
      return new Verdict(name, Outcome.INCONCLUSIVE, measurement, bound,
          name + ": no value (" + f.kind() + "): " + f.message());
    }
    double value = ((Measurement.Value) measurement).value();
    String shown = name + " = " + number(value);
    if (check.min == null && check.max == null) {
      // The API refuses this (CEL); a check that cannot fail must not pass silently either.
      return new Verdict(name, Outcome.INCONCLUSIVE, measurement, bound, shown + ", but the check has neither min nor max");
    }
    if (check.min != null && value < check.min) {
      return new Verdict(name, Outcome.FAIL, measurement, bound, shown + " < min " + number(check.min));
    }
    if (check.max != null && value > check.max) {
      return new Verdict(name, Outcome.FAIL, measurement, bound, shown + " > max " + number(check.max));
    }
    return new Verdict(name, Outcome.PASS, measurement, bound, shown + ", within " + bound);
  }

  /** Six significant digits without trailing zeros; infinities as PromQL writes them. */
  static String number(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    String s = String.format(Locale.ROOT, "%.6g", value);
    int e = s.indexOf('e');
    String mantissa = e < 0 ? s : s.substring(0, e);
    if (mantissa.contains(".")) { // only zeros after a decimal point are padding: 100000 stays 100000
      mantissa = mantissa.replaceAll("\\.?0+$", "");
    }
    return mantissa + (e < 0 ? "" : s.substring(e));
  }
}
