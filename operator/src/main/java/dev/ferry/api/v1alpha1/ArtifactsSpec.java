package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where a pipeline's runs write their model artifacts. */
public class ArtifactsSpec {
  @Required
  @io.fabric8.generator.annotation.ValidationRule(value = "self.startsWith('pvc://') || self.startsWith('s3://') || self.startsWith('gs://')",
      message = "uri must be pvc://claim/path, s3://bucket/prefix or gs://bucket/prefix")
  @JsonPropertyDescription("Base URI of artifacts: pvc://models/churn (a claim mounted into each step) or s3://bucket/prefix, gs://bucket/prefix (Ferry downloads the run's folder before each step and uploads it after, with spec.storage). Each run writes under its own folder below it.")
  public String uri;

  @JsonPropertyDescription("Artifact format recorded in each ModelVersion (sklearn, onnx, json, ...), free text.")
  public String format;
}
