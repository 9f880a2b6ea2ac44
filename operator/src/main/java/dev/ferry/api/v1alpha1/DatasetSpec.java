package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A dataset: where it is, its format, and optionally the schema it must follow. */
public class DatasetSpec {
  @Required
  @ValidationRule(value = "self.startsWith('pvc://') || self.startsWith('https://') || self.startsWith('http://') || self.startsWith('file:/') || self.startsWith('/') || self.startsWith('s3://') || self.startsWith('gs://')",
      message = "uri must be pvc://claim/path, http(s)://..., s3://bucket/key, gs://bucket/key, file:/... or an absolute path")
  @JsonPropertyDescription("Location of the data: pvc://<claim>/<path> (mounted into each step), https://..., s3://bucket/key or gs://bucket/key (downloaded before each step by Ferry with spec.storage), or an absolute path inside the step image.")
  public String uri;

  @JsonPropertyDescription("File format: csv (with a header row) or jsonl (one JSON object per line). Default csv.")
  public DataFormat format = DataFormat.csv;

  @JsonPropertyDescription("The schema the built-in validate-data step checks the data against.")
  public DatasetSchema schema;

  public enum DataFormat { csv, jsonl }
}
