package dev.ferry.registry;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
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
        .map(d -> d.getStatus().versions.stream()
            .filter(entry -> Objects.equals(entry.version, version.getSpec().version)).findFirst()
            .map(VersionStages::placement)
            .orElseGet(() -> fromRollout(d.getStatus(), version.getSpec().version)))
        .orElse(new Placement(Stage.Candidate, null));
  }

  /**
   * A version the deployment has no entry for, placed from where its rollout stands. Deployments
   * reconciled by Ferry before status.versions existed have none, and an upgrade must not send
   * their production version back to Candidate.
   */
  private static Placement fromRollout(ModelDeploymentStatus status, Long version) {
    if (Objects.equals(status.productionVersion, version)) {
      return new Placement(Stage.Production, null);
    }
    if (status.rejectedVersions.contains(version)) {
      return new Placement(Stage.None, null);
    }
    if (Objects.equals(status.candidateVersion, version) || Objects.equals(status.stagingVersion, version)) {
      return new Placement(Stage.Staging, null);
    }
    if (status.history.stream().anyMatch(h -> Objects.equals(h.version, version))) {
      return new Placement(Stage.Retired, null);
    }
    return new Placement(Stage.Candidate, null);
  }

  private static Placement placement(VersionStage entry) {
    return new Placement(entry.stage == null ? Stage.Candidate : entry.stage, entry.rejectedReason);
  }
}
