package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One run of a pipeline, and the record of what happened in it. */
@Group(Ferry.GROUP)
@Version(Ferry.VERSION)
@ShortNames("tr")
@AdditionalPrinterColumn(name = "Pipeline", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.pipeline")
@AdditionalPrinterColumn(name = "Trigger", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.trigger.kind")
@AdditionalPrinterColumn(name = "Phase", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Step", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.currentStep")
@AdditionalPrinterColumn(name = "Model Version", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.modelVersion")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@io.fabric8.generator.annotation.ValidationRule(value = "!has(self.metadata.name) || self.metadata.name.size() <= 63",
    message = "metadata.name: at most 63 characters (it is the value of the ferry.dev/run label on its Jobs and pods)")
public class TrainingRun extends CustomResource<TrainingRunSpec, TrainingRunStatus> implements Namespaced {
  // Overridden only to carry descriptions: kubectl explain trainingrun.spec / .status shows them.
  @Override
  @JsonPropertyDescription("Which pipeline to run and why, with optional per-run overrides. Immutable once created.")
  public TrainingRunSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Progress of the run: its phase, each step's Job and result, and the ModelVersion it registered.")
  public TrainingRunStatus getStatus() {
    return super.getStatus();
  }
}
