package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** How a model is trained, and when: the steps of a training run and the triggers that start one. */
@Group(Ferry.GROUP)
@Version(Ferry.VERSION)
@ShortNames("tp")
@AdditionalPrinterColumn(name = "Model", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.model")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Last Run", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.lastRun.name")
@AdditionalPrinterColumn(name = "Result", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.lastRun.result")
// A string, not a date: kubectl prints a date column as an age, and a future time as <invalid>.
@AdditionalPrinterColumn(name = "Next Run", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.nextScheduledRun")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@io.fabric8.generator.annotation.ValidationRule(value = "!has(self.metadata.name) || self.metadata.name.size() <= 63",
    message = "metadata.name: at most 63 characters (it is the value of the ferry.dev/pipeline label on every run, Job and pod)")
public class TrainingPipeline extends CustomResource<TrainingPipelineSpec, TrainingPipelineStatus> implements Namespaced {
  // Overridden only to carry descriptions: kubectl explain trainingpipeline.spec / .status shows them.
  @Override
  @JsonPropertyDescription("How the model is trained (dataset, steps, validation gates) and when (schedule, dataset change).")
  public TrainingPipelineSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("What the operator observed: the last run, the next scheduled run and the conditions.")
  public TrainingPipelineStatus getStatus() {
    return super.getStatus();
  }
}
