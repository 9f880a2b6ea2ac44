package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where a pipeline's runs write their model artifacts. */
public class ArtifactsSpec {
  @Required
  @JsonPropertyDescription("Base URI of artifacts, e.g. pvc://models/churn; each run writes under <uri>/runs/<run>/.")
  public String uri;

  @JsonPropertyDescription("Artifact format recorded in each ModelVersion (sklearn, onnx, json, ...), free text.")
  public String format;
}
