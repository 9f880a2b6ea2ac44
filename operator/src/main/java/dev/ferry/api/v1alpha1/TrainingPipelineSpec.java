package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Desired state of a TrainingPipeline. */
@ValidationRule(value = "self.steps.all(s, self.steps.exists_one(t, t.name == s.name))",
    message = "steps[].name must be unique")
public class TrainingPipelineSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @io.fabric8.generator.annotation.Size(max = 63)
  @JsonPropertyDescription("Name of the model this pipeline trains; its runs register ModelVersions <model>-v<N>. A lowercase DNS label of at most 63 characters (it is a label value).")
  public String model;

  @Required
  @JsonPropertyDescription("The training dataset: where it is, its format and the schema the validate-data step checks.")
  public DatasetSpec dataset;

  @JsonPropertyDescription("Hyperparameters handed to every step as FERRY_PARAM_<NAME> (upper-cased) and FERRY_PARAMS_JSON.")
  public Map<String, String> hyperparameters = new LinkedHashMap<>();

  @Required
  @io.fabric8.generator.annotation.Size(min = 1, max = 20)
  @JsonPropertyDescription("Steps run in order, one Job each; a failed step fails the run.")
  public List<StepSpec> steps = new ArrayList<>();

  @JsonPropertyDescription("Where steps write model artifacts: each run gets <uri>/runs/<run>/ as FERRY_MODEL_URI.")
  public ArtifactsSpec artifacts;

  @JsonPropertyDescription("How Ferry reaches s3:// or gs:// datasets and artifacts (endpoint, the Secret with the keys). Only Ferry's own download and upload containers get the keys, never the steps.")
  public StorageSpec storage;

  @JsonPropertyDescription("Gates a new ModelVersion must pass to become Validated; copied into each ModelVersion.")
  public ValidationSpec validation;

  @JsonPropertyDescription("What starts a run besides a person creating a TrainingRun.")
  public TriggersSpec triggers;

  @JsonPropertyDescription("What to do when a run is due while another runs: Forbid (skip the new one), Replace (stop the old one), Allow (run both). Default Forbid.")
  public ConcurrencyPolicy concurrencyPolicy = ConcurrencyPolicy.Forbid;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("How many finished TrainingRuns to keep; older ones and their Jobs are deleted. ModelVersions are never deleted. Default 10.")
  public Integer runHistoryLimit = 10;

  @JsonPropertyDescription("Defaults applied to every step's Job unless the step overrides them.")
  public StepDefaults stepDefaults;

  public enum ConcurrencyPolicy { Forbid, Replace, Allow }
}
