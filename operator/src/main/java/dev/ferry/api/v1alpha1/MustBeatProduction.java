package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The champion/challenger gate: compare with the version a ModelDeployment serves in production. */
public class MustBeatProduction {
  @Required
  @JsonPropertyDescription("Metric to compare, e.g. auc.")
  public String metric;

  @JsonPropertyDescription("How much better the new version must be; negative tolerates a small loss. Default 0.")
  public Double minDelta = 0.0;

  @JsonPropertyDescription("Whether a larger value is better (auc, accuracy: true; loss, rmse: false). Default true.")
  public Boolean higherIsBetter = true;
}
