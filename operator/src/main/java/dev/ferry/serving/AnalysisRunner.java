package dev.ferry.serving;

import dev.ferry.api.v1alpha1.MetricCheck;

/** Measures one analysis metric of a canary; Prometheus in production, a fake in tests. */
@FunctionalInterface
public interface AnalysisRunner {
  RolloutPlanner.AnalysisResult check(MetricCheck check);
}
