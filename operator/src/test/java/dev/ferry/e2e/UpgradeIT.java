package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionStatus.Stage;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upgrade as a platform team does one: the quickstart brought to production by the operator
 * and CRDs of an earlier commit, then this build's CRDs applied over them and this build's
 * operator started in its place. What the earlier one made keeps reconciling: nothing is
 * retrained, registered again or moved out of production, and new requests are acted on.
 */
class UpgradeIT {
  /** Ferry as of 2026-11-27, before this release's CRD and status changes (its CRDs: src/test/resources/upgrade/). */
  static final String EARLIER = "c3f3bfa";
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    started.forEach(Process::destroyForcibly);
    // Whatever happened, later tests get this build's CRDs.
    RealCluster.installCrds(cluster.admin());
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  @Test
  void whatTheEarlierOperatorMadeKeepsReconcilingAfterTheUpgrade(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    Path earlierJar = EarlierBuild.jar(EARLIER);
    RealCluster.installCrds(client(), RealCluster.ROOT.resolve("operator/src/test/resources/upgrade").resolve(EARLIER));
    Process earlier = OperatorProcess.start(cluster, List.of(javaBin(), "-jar", earlierJar.toString()),
        "earlier", ns, Map.of());
    started.add(earlier);
    cluster.applyQuickstart(ns);
    ModelDeployment before = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn")
        .waitUntilCondition(m -> m != null && m.getStatus() != null && Long.valueOf(1).equals(m.getStatus().productionVersion)
            && "Stable".equals(m.getStatus().phase), 300, TimeUnit.SECONDS);
    client().resources(ModelVersion.class).inNamespace(ns).withName("churn-v1").waitUntilCondition(v ->
        v.getStatus() != null && v.getStatus().stage == Stage.Production, 60, TimeUnit.SECONDS);
    assertThat(before.getStatus().versions).as("the earlier operator knows no status.versions").isEmpty();

    earlier.destroy();
    assertThat(earlier.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Map<String, String> runs = names(client().resources(TrainingRun.class).inNamespace(ns).list().getItems());
    Map<String, String> versions = names(client().resources(ModelVersion.class).inNamespace(ns).list().getItems());
    RealCluster.installCrds(client());
    started.add(OperatorProcess.start(cluster, "upgraded", ns, Map.of()));

    // It acts on a new request: a drift check now, whose result lands in the policy's status.
    DriftPolicy policy = client().resources(DriftPolicy.class).inNamespace(ns).withName("churn-drift").edit(p -> {
      p.getMetadata().getAnnotations().put(Ferry.ANNOTATION_CHECK_NOW, "after-upgrade");
      return p;
    });
    String job = dev.ferry.monitoring.DriftCronJobBuilder.checkNowJobName(policy, "after-upgrade");
    client().resources(DriftPolicy.class).inNamespace(ns).withName("churn-drift").waitUntilCondition(p ->
        p.getStatus() != null && p.getStatus().history.stream().anyMatch(c -> job.equals(c.job)), 240,
        TimeUnit.SECONDS);

    ModelDeployment after = client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
    assertThat(after.getStatus().productionVersion).isEqualTo(1L);
    assertThat(Conditions.isTrue(after.getStatus(), "Ready")).isTrue();
    assertThat(client().resources(ModelVersion.class).inNamespace(ns).withName("churn-v1").get().getStatus().stage)
        .as("production stays production after the upgrade").isEqualTo(Stage.Production);
    Map<String, String> runsAfter = names(client().resources(TrainingRun.class).inNamespace(ns).list().getItems());
    Map<String, String> versionsAfter = names(client().resources(ModelVersion.class).inNamespace(ns).list().getItems());
    // The drift check may retrain (the quickstart's production data drifts); what existed is untouched.
    assertThat(runsAfter).containsAllEntriesOf(runs);
    assertThat(versionsAfter).containsAllEntriesOf(versions);
    assertThat(runsAfter.keySet()).as("only drift retrains are new")
        .allMatch(name -> runs.containsKey(name) || name.startsWith("churn-drift"));
  }

  private static Map<String, String> names(List<? extends HasMetadata> objects) {
    return objects.stream().collect(Collectors.toMap(o -> o.getMetadata().getName(), o -> o.getMetadata().getUid()));
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
