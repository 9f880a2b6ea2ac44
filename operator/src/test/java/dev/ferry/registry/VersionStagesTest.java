package dev.ferry.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus.Stage;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class VersionStagesTest {
  private static ModelVersion version(long n) {
    ModelVersion v = new ModelVersion();
    v.getMetadata().setName("churn-v" + n);
    v.getMetadata().setNamespace("ml");
    v.setSpec(new ModelVersionSpec());
    v.getSpec().model = "churn";
    v.getSpec().version = n;
    return v;
  }

  private static ModelDeployment deployment(String name, String created, ModelDeploymentStatus status) {
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName(name);
    md.getMetadata().setNamespace("ml");
    md.getMetadata().setCreationTimestamp(created);
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.setStatus(status);
    return md;
  }

  private static ModelDeploymentStatus.VersionStage entry(long version, Stage stage, String reason) {
    var e = new ModelDeploymentStatus.VersionStage();
    e.version = version;
    e.stage = stage;
    e.rejectedReason = reason;
    return e;
  }

  @Test
  void theServingDeploymentsEntryDecides() {
    var status = new ModelDeploymentStatus();
    status.versions = List.of(entry(1, Stage.Retired, null), entry(2, Stage.None, "smoke test of v2 failed"));
    status.productionVersion = 3L;
    var md = deployment("churn", "2026-01-01T00:00:00Z", status);
    assertThat(VersionStages.placement(version(1), Stream.of(md)).stage()).isEqualTo(Stage.Retired);
    assertThat(VersionStages.placement(version(2), Stream.of(md)))
        .isEqualTo(new VersionStages.Placement(Stage.None, "smoke test of v2 failed"));
    assertThat(VersionStages.placement(version(3), Stream.of(md)).stage()).as("no entry: from the rollout")
        .isEqualTo(Stage.Production);
    assertThat(VersionStages.placement(version(4), Stream.of(md)).stage()).isEqualTo(Stage.Candidate);
  }

  @Test
  void aDeploymentFromBeforeStatusVersionsIsReadFromItsRollout() {
    var status = new ModelDeploymentStatus();
    status.productionVersion = 2L;
    status.candidateVersion = 4L;
    status.rejectedVersions = List.of(3L);
    var h = new ModelDeploymentStatus.HistoryEntry();
    h.version = 1L;
    status.history = List.of(h);
    var md = deployment("churn", "2026-01-01T00:00:00Z", status);
    assertThat(Stream.of(1L, 2L, 3L, 4L, 5L).map(n -> VersionStages.placement(version(n), Stream.of(md)).stage()))
        .containsExactly(Stage.Retired, Stage.Production, Stage.None, Stage.Staging, Stage.Candidate);
  }

  @Test
  void onlyTheOldestDeploymentOfTheModelCounts() {
    var first = new ModelDeploymentStatus();
    first.productionVersion = 1L;
    var second = new ModelDeploymentStatus();
    second.versions = List.of(entry(1, Stage.None, "rolled back"));
    var older = deployment("churn", "2026-01-01T00:00:00Z", first);
    var newer = deployment("churn-again", "2026-02-01T00:00:00Z", second);
    assertThat(VersionStages.placement(version(1), Stream.of(newer, older)).stage()).isEqualTo(Stage.Production);
    assertThat(VersionStages.placement(version(1), Stream.empty()).stage()).as("no deployment")
        .isEqualTo(Stage.Candidate);
  }
}
