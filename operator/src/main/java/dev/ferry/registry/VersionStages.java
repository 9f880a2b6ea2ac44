package dev.ferry.registry;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus.VersionStage;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionStatus.Stage;
import dev.ferry.serving.ModelOwnership;
import java.util.Objects;
import java.util.stream.Stream;

/** Where a validated version stands: as the deployment serving its model records it, or Candidate. */
public final class VersionStages {
  public record Placement(Stage stage, String rejectedReason) {
  }

  private VersionStages() {
  }

  public static Placement placement(ModelVersion version, Stream<ModelDeployment> deploymentsInNamespace) {
    return ModelOwnership.servingDeployment(version.getSpec().model, version.getMetadata().getNamespace(),
            deploymentsInNamespace)
        .filter(d -> d.getStatus() != null)
        .flatMap(d -> d.getStatus().versions.stream()
            .filter(entry -> Objects.equals(entry.version, version.getSpec().version)).findFirst())
        .map(VersionStages::placement)
        .orElse(new Placement(Stage.Candidate, null));
  }

  private static Placement placement(VersionStage entry) {
    return new Placement(entry.stage == null ? Stage.Candidate : entry.stage, entry.rejectedReason);
  }
}
