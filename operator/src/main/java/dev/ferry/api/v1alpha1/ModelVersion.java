package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A registry entry: one trained model, its metrics and full lineage. Its spec never changes. */
@Group(Ferry.GROUP)
@Version(Ferry.VERSION)
@ShortNames("mv")
@AdditionalPrinterColumn(name = "Model", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.model")
@AdditionalPrinterColumn(name = "Version", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".spec.version")
@AdditionalPrinterColumn(name = "Validated", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.conditions[?(@.type==\"Validated\")].status")
@AdditionalPrinterColumn(name = "Stage", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.stage")
@AdditionalPrinterColumn(name = "Run", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.lineage.run")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class ModelVersion extends CustomResource<ModelVersionSpec, ModelVersionStatus> implements Namespaced {
  // Overridden only to carry descriptions: kubectl explain modelversion.spec / .status shows them.
  @Override
  @JsonPropertyDescription("The immutable record of the trained model: artifact, metrics, lineage and the gates it must pass.")
  public ModelVersionSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("The outcome of each gate and the version's stage in the delivery path.")
  public ModelVersionStatus getStatus() {
    return super.getStatus();
  }
}
