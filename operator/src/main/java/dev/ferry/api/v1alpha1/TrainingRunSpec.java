package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** Desired state of a TrainingRun: which pipeline to run and why. Immutable once created. */
@ValidationRule(value = "self == oldSelf", message = TrainingRunSpec.IMMUTABLE)
public class TrainingRunSpec {
  public static final String IMMUTABLE = "a TrainingRun's spec is immutable; create a new run instead";

  @Required
  @JsonPropertyDescription("Name of the TrainingPipeline (same namespace) to run.")
  public String pipeline;

  @JsonPropertyDescription("What started this run. Default: Manual.")
  public Trigger trigger;

  @JsonPropertyDescription("Hyperparameters that override the pipeline's for this run only.")
  public Map<String, String> hyperparameters;

  @JsonPropertyDescription("Dataset URI that overrides the pipeline's for this run only.")
  public String datasetUri;

  /** Why a run started. */
  public static class Trigger {
    @JsonPropertyDescription("Schedule, DatasetChange, Manual or Drift.")
    public TriggerKind kind = TriggerKind.Manual;
    @JsonPropertyDescription("What fired it, e.g. DriftPolicy/churn-drift.")
    public String source;
    @JsonPropertyDescription("A human-readable reason, e.g. tenure PSI 0.31 > 0.20.")
    public String reason;
  }

  public enum TriggerKind { Schedule, DatasetChange, Manual, Drift }
}
