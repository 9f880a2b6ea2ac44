package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An instant PromQL query against a Prometheus HTTP API. */
public class PrometheusQuery {
  @Required
  @JsonPropertyDescription("Prometheus base URL, e.g. http://prometheus.monitoring:9090.")
  public String address;

  @Required
  @JsonPropertyDescription("PromQL instant query that returns one number (a scalar or a one-sample vector).")
  public String query;

  @JsonPropertyDescription("Query timeout in seconds. Default 10.")
  public Integer timeoutSeconds;
}
