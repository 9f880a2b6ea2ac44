package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Watching a served model for data drift and performance decay, and what to do about it. */
@Group(Ferry.GROUP)
@Version(Ferry.VERSION)
@ShortNames("dp")
@AdditionalPrinterColumn(name = "Deployment", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.deployment")
@AdditionalPrinterColumn(name = "Verdict", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.lastCheck.result")
@AdditionalPrinterColumn(name = "Drifting", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.lastCheck.driftedFeatures")
@AdditionalPrinterColumn(name = "Last Check", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".status.lastCheck.time")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@io.fabric8.generator.annotation.ValidationRule(value = "!has(self.metadata.name) || self.metadata.name.size() <= 63",
    message = "metadata.name: at most 63 characters (it is the value of the ferry.dev/drift-policy label on its check Jobs)")
public class DriftPolicy extends CustomResource<DriftPolicySpec, DriftPolicyStatus> implements Namespaced {
  // Overridden only to carry descriptions: kubectl explain driftpolicy.spec / .status shows them.
  @Override
  @JsonPropertyDescription("What to compare, how often, which tests and thresholds, and what to do on drift or decay.")
  public DriftPolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("The last check with per-feature scores, and the last action taken.")
  public DriftPolicyStatus getStatus() {
    return super.getStatus();
  }
}
