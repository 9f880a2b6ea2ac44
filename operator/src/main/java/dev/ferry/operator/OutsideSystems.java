package dev.ferry.operator;

import dev.ferry.serving.AnalysisRunner;
import dev.ferry.serving.PrometheusAnalysis;
import dev.ferry.serving.prometheus.HttpPrometheusClient;
import dev.ferry.serving.prometheus.PrometheusClient;
import java.util.Map;

/**
 * Everything outside the cluster the operator talks to, in one place, so tests can fake it:
 * Prometheus (canary analysis and online performance) and the environment HTTP clients read
 * (the local mode's service map).
 */
public record OutsideSystems(AnalysisRunner analysis, PrometheusClient prometheus, Map<String, String> env) {
  public static OutsideSystems real(Map<String, String> env) {
    PrometheusClient prometheus = new HttpPrometheusClient(env);
    return new OutsideSystems(new PrometheusAnalysis(prometheus), prometheus, env);
  }
}
