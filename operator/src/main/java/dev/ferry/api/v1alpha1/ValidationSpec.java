package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Gates a new ModelVersion must pass before it may be deployed. */
public class ValidationSpec {
  @JsonPropertyDescription("Metric bounds: every named metric must be reported and lie within min and max.")
  public List<MetricGate> metrics = new ArrayList<>();

  @JsonPropertyDescription("Champion/challenger: the new version must beat the version in production on this metric.")
  public MustBeatProduction mustBeatProduction;
}
