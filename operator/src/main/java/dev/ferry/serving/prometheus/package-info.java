/**
 * Prometheus behind an interface: {@link dev.ferry.serving.prometheus.PrometheusClient} measures
 * one number with an instant query, {@link dev.ferry.serving.prometheus.MetricCheckEvaluator}
 * judges it against a {@link dev.ferry.api.v1alpha1.MetricCheck}. Canary analysis and drift
 * performance checks both use them; tests use {@code dev.ferry.testing.FakePrometheus}.
 */
package dev.ferry.serving.prometheus;
