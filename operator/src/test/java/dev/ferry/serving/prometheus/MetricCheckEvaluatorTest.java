package dev.ferry.serving.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.serving.prometheus.MetricCheckEvaluator.Outcome;
import dev.ferry.serving.prometheus.MetricCheckEvaluator.Verdict;
import dev.ferry.testing.FakePrometheus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricCheckEvaluatorTest {

  private static MetricCheck check(String name, Double min, Double max) {
    MetricCheck c = new MetricCheck();
    c.name = name;
    c.min = min;
    c.max = max;
    c.prometheus = new PrometheusQuery();
    c.prometheus.address = "http://prometheus:9090";
    c.prometheus.query = "q";
    return c;
  }

  private static Verdict judge(MetricCheck c, double value) {
    return MetricCheckEvaluator.evaluate(c, Measurement.of(value));
  }

  @Test
  void aValueAboveMaxFailsWithBothNumbers() {
    Verdict v = judge(check("error-rate", null, 0.01), 0.03);
    assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(v.message()).isEqualTo("error-rate = 0.03 > max 0.01");
    assertThat(v.bound()).isEqualTo("<= 0.01");
    assertThat(v.value()).hasValue(0.03);
    assertThat(v.failureKind()).isEmpty();
  }

  @Test
  void aValueBelowMinFails() {
    Verdict v = judge(check("accuracy", 0.8, 1.0), 0.7512);
    assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(v.message()).isEqualTo("accuracy = 0.7512 < min 0.8");
    assertThat(v.bound()).isEqualTo(">= 0.8 and <= 1");
  }

  @Test
  void boundsAreInclusive() {
    assertThat(judge(check("a", 0.8, null), 0.8).outcome()).isEqualTo(Outcome.PASS);
    assertThat(judge(check("a", null, 0.01), 0.01).outcome()).isEqualTo(Outcome.PASS);
    Verdict v = judge(check("accuracy", 0.8, 1.0), 0.9);
    assertThat(v.passed()).isTrue();
    assertThat(v.message()).isEqualTo("accuracy = 0.9, within >= 0.8 and <= 1");
  }

  @Test
  void infinitiesAreJudgedLikeAnyNumber() {
    Verdict v = judge(check("p99-latency", null, 0.5), Double.POSITIVE_INFINITY);
    assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(v.message()).isEqualTo("p99-latency = +Inf > max 0.5");
    assertThat(judge(check("a", 0.0, null), Double.NEGATIVE_INFINITY).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(judge(check("a", 0.0, null), Double.POSITIVE_INFINITY).outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void everyFailedMeasurementIsInconclusiveNeverAPass() {
    for (Measurement.Kind kind : Measurement.Kind.values()) {
      Verdict v = MetricCheckEvaluator.evaluate(check("error-rate", null, 0.01), Measurement.failure(kind, "why"));
      assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
      assertThat(v.failureKind()).hasValue(kind);
      assertThat(v.value()).isEmpty();
      assertThat(v.message()).isEqualTo("error-rate: no value (" + kind + "): why");
    }
    assertThat(judge(check("error-rate", null, 0.01), Double.NaN).failureKind()).hasValue(Measurement.Kind.NAN);
  }

  @Test
  void aCheckWithoutBoundsIsInconclusive() {
    Verdict v = judge(check("x", null, null), 1);
    assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(v.message()).contains("neither min nor max");
  }

  @Test
  void numbersAreShortButExact() {
    assertThat(MetricCheckEvaluator.number(100000)).isEqualTo("100000");
    assertThat(MetricCheckEvaluator.number(120)).isEqualTo("120");
    assertThat(MetricCheckEvaluator.number(0.030000000000000002)).isEqualTo("0.03");
    assertThat(MetricCheckEvaluator.number(1e-7)).isEqualTo("1e-07");
    assertThat(MetricCheckEvaluator.number(1234567)).isEqualTo("1.23457e+06");
    assertThat(MetricCheckEvaluator.number(-0.5)).isEqualTo("-0.5");
    assertThat(MetricCheckEvaluator.number(0)).isEqualTo("0");
  }

  @Test
  void checkQueriesTheClientWithTheChecksQuery() {
    try (FakePrometheus prometheus = FakePrometheus.start()) {
      MetricCheck c = check("error-rate", null, 0.01);
      c.prometheus.address = prometheus.address();
      prometheus.respond("q", FakePrometheus.vector(0.002));
      Verdict v = MetricCheckEvaluator.check(c, new HttpPrometheusClient(Map.of()));
      assertThat(v.passed()).isTrue();
      assertThat(v.message()).isEqualTo("error-rate = 0.002, within <= 0.01");
    }
  }
}
