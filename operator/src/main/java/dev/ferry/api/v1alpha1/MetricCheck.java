package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A Prometheus metric with bounds it must stay within. */
@ValidationRule(value = "has(self.min) || has(self.max)", message = "a metric check needs min or max")
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "min must not exceed max")
public class MetricCheck {
  @Required
  @JsonPropertyDescription("Name shown in status and events.")
  public String name;

  @Required
  @JsonPropertyDescription("The query that yields the value.")
  public PrometheusQuery prometheus;

  @JsonPropertyDescription("Smallest acceptable value (inclusive).")
  public Double min;

  @JsonPropertyDescription("Largest acceptable value (inclusive).")
  public Double max;
}
