package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Serving a model: staging, smoke test, then production by hand or automatically, with canary steps and rollback. */
@Group(Ferry.GROUP)
@Version(Ferry.VERSION)
@ShortNames("md")
@AdditionalPrinterColumn(name = "Model", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.model")
@AdditionalPrinterColumn(name = "Production", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.productionVersion")
@AdditionalPrinterColumn(name = "Candidate", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.candidateVersion")
@AdditionalPrinterColumn(name = "Phase", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@io.fabric8.generator.annotation.ValidationRule(value = "!has(self.metadata.name) || self.metadata.name.size() <= 55",
    message = "metadata.name: at most 55 characters (its Services are named <name> and <name>-staging, at most 63 characters)")
@io.fabric8.generator.annotation.ValidationRule(
    value = "!has(self.metadata.name) || self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message = "metadata.name: a lowercase letter, then letters, digits and '-' (its Services are named after it, and a"
        + " Service name is a DNS-1035 label)")
public class ModelDeployment extends CustomResource<ModelDeploymentSpec, ModelDeploymentStatus> implements Namespaced {
  // Overridden only to carry descriptions: kubectl explain modeldeployment.spec / .status shows them.
  @Override
  @JsonPropertyDescription("Which model to serve, with which server, and how new versions reach production.")
  public ModelDeploymentSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Versions in production and on the way there, the canary in progress and the history.")
  public ModelDeploymentStatus getStatus() {
    return super.getStatus();
  }
}
