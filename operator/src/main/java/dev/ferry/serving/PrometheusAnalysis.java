package dev.ferry.serving;

import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.serving.prometheus.MetricCheckEvaluator;
import dev.ferry.serving.prometheus.PrometheusClient;

/** Canary analysis against Prometheus: a measurement that cannot be taken counts as a failed one. */
public class PrometheusAnalysis implements AnalysisRunner {
  private final PrometheusClient prometheus;

  public PrometheusAnalysis(PrometheusClient prometheus) {
    this.prometheus = prometheus;
  }

  @Override
  public RolloutPlanner.AnalysisResult check(MetricCheck check) {
    MetricCheckEvaluator.Verdict verdict = MetricCheckEvaluator.check(check, prometheus);
    return new RolloutPlanner.AnalysisResult(check.name, verdict.passed(), verdict.message());
  }
}
