package dev.ferry.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.MetricGate;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.MustBeatProduction;
import dev.ferry.api.v1alpha1.ValidationSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidationGatesTest {
  private static ModelVersionSpec version(Map<String, Double> metrics) {
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.metrics = metrics;
    spec.validation = new ValidationSpec();
    MetricGate auc = new MetricGate();
    auc.name = "auc";
    auc.min = 0.8;
    MetricGate latency = new MetricGate();
    latency.name = "latency_ms";
    latency.max = 50.0;
    spec.validation.metrics = List.of(auc, latency);
    spec.validation.mustBeatProduction = new MustBeatProduction();
    spec.validation.mustBeatProduction.metric = "auc";
    spec.validation.mustBeatProduction.minDelta = 0.01;
    return spec;
  }

  @Test
  void boundsPassAndFailWithTheValueAndTheBound() {
    var results = ValidationGates.evaluate(version(Map.of("auc", 0.79, "latency_ms", 20.0)), null);
    assertThat(results).extracting(g -> g.name + ":" + g.passed + ":" + g.bound)
        .containsExactly("auc:false:>= 0.8", "latency_ms:true:<= 50", "mustBeatProduction:true:"
            + "beats production on auc (none in production)");
    assertThat(results.get(0).message).isEqualTo("auc = 0.79, needs >= 0.8");
  }

  @Test
  void aMissingMetricFailsItsGate() {
    var results = ValidationGates.evaluate(version(Map.of("auc", 0.9)), null);
    assertThat(results.get(1).passed).isFalse();
    assertThat(results.get(1).message).isEqualTo("metric latency_ms was not reported");
  }

  @Test
  void challengerMustBeatTheChampionByMinDelta() {
    var champion = new ValidationGates.Champion(6, Map.of("auc", 0.85));
    var close = ValidationGates.evaluate(version(Map.of("auc", 0.855, "latency_ms", 1.0)), champion);
    assertThat(close.get(2).passed).isFalse();
    assertThat(close.get(2).bound).isEqualTo("> 0.86 (v6 in production: 0.85, minDelta 0.01)");
    var better = ValidationGates.evaluate(version(Map.of("auc", 0.87, "latency_ms", 1.0)), champion);
    assertThat(better.get(2).passed).isTrue();
  }

  @Test
  void lowerIsBetterMetricsCompareTheOtherWay() {
    ModelVersionSpec spec = version(Map.of("auc", 0.9, "latency_ms", 1.0, "rmse", 0.4));
    spec.validation.mustBeatProduction.metric = "rmse";
    spec.validation.mustBeatProduction.higherIsBetter = false;
    spec.validation.mustBeatProduction.minDelta = 0.0;
    assertThat(ValidationGates.evaluate(spec, new ValidationGates.Champion(2, Map.of("rmse", 0.5))).get(2).passed)
        .isTrue();
    assertThat(ValidationGates.evaluate(spec, new ValidationGates.Champion(2, Map.of("rmse", 0.3))).get(2).passed)
        .isFalse();
  }
}
