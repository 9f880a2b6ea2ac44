package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A bound on one reported metric. */
@ValidationRule(value = "has(self.min) || has(self.max)", message = "a metric gate needs min or max")
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "min must not exceed max")
public class MetricGate {
  @Required
  @JsonPropertyDescription("Metric name as the steps report it, e.g. auc.")
  public String name;

  @JsonPropertyDescription("Smallest acceptable value (inclusive).")
  public Double min;

  @JsonPropertyDescription("Largest acceptable value (inclusive).")
  public Double max;
}
