package dev.ferry.serving.prometheus;

import dev.ferry.api.v1alpha1.PrometheusQuery;

/** Measures one number with an instant PromQL query. Never throws: a failure is a {@link Measurement}. */
public interface PrometheusClient {
  Measurement query(PrometheusQuery query);
}
