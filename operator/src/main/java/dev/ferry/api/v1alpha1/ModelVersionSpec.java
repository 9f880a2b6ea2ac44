package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The immutable record of a trained model. */
@ValidationRule(value = "self == oldSelf", message = ModelVersionSpec.IMMUTABLE)
public class ModelVersionSpec {
  public static final String IMMUTABLE = "a ModelVersion's spec is immutable; register a new version instead";

  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @io.fabric8.generator.annotation.Size(max = 63)
  @JsonPropertyDescription("Model name; every version of a model shares it. At most 63 characters (it is a label value).")
  public String model;

  @Required
  @Min(1)
  @JsonPropertyDescription("Version number, unique per model, counted from 1.")
  public Long version;

  @Required
  @JsonPropertyDescription("Where the trained artifact is.")
  public Artifact artifact;

  @JsonPropertyDescription("Metrics the run reported (from every step; a later step's value wins).")
  public Map<String, Double> metrics = new LinkedHashMap<>();

  @JsonPropertyDescription("What produced this model, so it can be reproduced.")
  public Lineage lineage;

  @JsonPropertyDescription("Gates this version must pass; copied from the pipeline when registered.")
  public ValidationSpec validation;

  /** A model artifact. */
  public static class Artifact {
    @Required
    @JsonPropertyDescription("Artifact URI, e.g. pvc://models/churn/runs/churn-r7/.")
    public String uri;
    @JsonPropertyDescription("Artifact format, free text (sklearn, onnx, json, ...).")
    public String format;
    @JsonPropertyDescription("sha256 of the artifact as Ferry uploaded it (s3:// or gs://): of each file's path and sha256, in order; a server's download is checked against it.")
    @io.fabric8.generator.annotation.Pattern("^sha256:[0-9a-f]{64}$")
    public String digest;
  }

  /** Everything that went into a model. */
  public static class Lineage {
    @JsonPropertyDescription("TrainingPipeline that trained it.")
    public String pipeline;
    @JsonPropertyDescription("TrainingRun that trained it.")
    public String run;
    @JsonPropertyDescription("What started the run: Schedule, DatasetChange, Manual or Drift.")
    public String trigger;
    @JsonPropertyDescription("Why the run started, when the trigger said.")
    public String triggerReason;
    @JsonPropertyDescription("The training data.")
    public DatasetRef dataset;
    @JsonPropertyDescription("Hyperparameters the run used.")
    public Map<String, String> hyperparameters = new LinkedHashMap<>();
    @JsonPropertyDescription("Image of every step, with its digest when the pod reported one.")
    public List<StepImage> images = new ArrayList<>();
    @JsonPropertyDescription("The version in production when this one was trained, if any.")
    public Long parentVersion;
  }

  /** A dataset as it was used. */
  public static class DatasetRef {
    @JsonPropertyDescription("Dataset URI.")
    public String uri;
    @JsonPropertyDescription("Content digest (sha256:...) reported by validate-data, when it ran.")
    public String digest;
    @JsonPropertyDescription("Data rows, when validate-data reported them.")
    public Long rows;
  }

  /** The image a step ran. */
  public static class StepImage {
    @JsonPropertyDescription("Step name.")
    public String step;
    @JsonPropertyDescription("Image reference as written in the pipeline.")
    public String image;
    @JsonPropertyDescription("Image digest the kubelet reported, when known.")
    public String digest;
    @JsonPropertyDescription("The container's imageID as the kubelet reported it (repository@digest); in the local"
        + " mode, the image, the command and the digest of the file it ran.")
    public String imageID;
  }
}
