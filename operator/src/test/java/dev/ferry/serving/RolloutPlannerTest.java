package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus;
import dev.ferry.kube.Conditions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RolloutPlanner on its own: what it decides from what it observes. */
class RolloutPlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  private static ModelVersion validated(long n) {
    ModelVersion v = new ModelVersion();
    v.getMetadata().setName("churn-v" + n);
    v.setSpec(new ModelVersionSpec());
    v.getSpec().model = "churn";
    v.getSpec().version = n;
    v.setStatus(new ModelVersionStatus());
    Conditions.set(v.getStatus(), "Validated", Conditions.TRUE, "GatesPassed", "", 1L, NOW);
    return v;
  }

  @Test
  void aPinOnTheRolledBackVersionIsNamedAboveVersion127() {
    // Boxed Longs above 127 are distinct objects: the pin must be compared by value.
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("churn");
    md.getMetadata().setNamespace("ml");
    md.getMetadata().setAnnotations(Map.of(Ferry.ANNOTATION_ROLLBACK, "now"));
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().version = Long.valueOf(200);
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.image = "registry.example/mlserver:1.6";
    md.setStatus(new ModelDeploymentStatus());
    md.getStatus().productionVersion = Long.valueOf(200);
    md.getStatus().productionSince = "2026-12-02T11:00:00Z";
    var previous = new ModelDeploymentStatus.HistoryEntry();
    previous.version = 199L;
    previous.outcome = "Replaced";
    md.getStatus().history = new java.util.ArrayList<>(List.of(previous));
    assertThat(md.getSpec().version).isNotSameAs(md.getStatus().productionVersion);

    var plan = RolloutPlanner.plan(new RolloutPlanner.Observed(md, List.of(validated(199), validated(200)), Map.of(),
        Optional.empty(), List.of(), NOW));

    assertThat(plan.status().productionVersion).isEqualTo(199L);
    assertThat(Conditions.find(plan.status(), "RolledBack").orElseThrow().getMessage())
        .contains("rolled back from v200 to v199", "spec.version still pins v200");
  }
}
