package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A step whose pod cannot start, on the real API server and Job controller: the pod waits with
 * the kubelet's reason (here ErrImagePull, from the node agent), and the run fails with that
 * reason after stepDefaults.pendingDeadlineSeconds instead of showing Running forever; the
 * pipeline's next run is not blocked behind it.
 */
class StepFailuresOnRealClusterIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private Process operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.destroyForcibly();
    }
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  private static void apply(String ns, String yaml) {
    for (HasMetadata object : client().load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      object.getMetadata().setNamespace(ns);
      client().resource(object).create();
    }
  }

  private static TrainingRun awaitFinished(String ns, String name, Duration within) {
    return await().atMost(within).pollInterval(Duration.ofMillis(500))
        .until(() -> client().resources(TrainingRun.class).inNamespace(ns).withName(name).get(),
            r -> r != null && r.getStatus() != null && (r.getStatus().phase == Phase.Failed
                || r.getStatus().phase == Phase.Succeeded));
  }

  @Test
  void aStepWhosePodCannotStartFailsAfterThePendingDeadlineWithThePodsReason(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    operator = OperatorProcess.start(cluster, "step-failures", ns, Map.of());
    apply(ns, """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: missing-image}
        spec:
          model: churn
          dataset: {uri: /data/churn.csv}
          concurrencyPolicy: Forbid
          stepDefaults: {pendingDeadlineSeconds: 30}
          steps: [{name: train, image: registry.example/does-not-exist:1}]
        ---
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingRun
        metadata: {name: missing-image-r1}
        spec: {pipeline: missing-image}
        """);
    long start = System.nanoTime();
    TrainingRun failed = awaitFinished(ns, "missing-image-r1", Duration.ofMinutes(3));
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertThat(failed.getStatus().phase).isEqualTo(Phase.Failed);
    var condition = Conditions.find(failed.getStatus(), "Succeeded").orElseThrow();
    assertThat(condition.getReason()).isEqualTo("StepCannotStart");
    assertThat(condition.getMessage()).contains("step train failed", "ErrImagePull", "registry.example/does-not-exist:1",
        "pendingDeadlineSeconds, 30 s");
    assertThat(seconds).as("failed soon after the 30 s deadline, not never").isGreaterThanOrEqualTo(29);
    await().atMost(Duration.ofSeconds(60)).until(() -> client().batch().v1().jobs().inNamespace(ns)
        .withName("missing-image-r1-train").get() == null);

    // The next run of the pipeline starts (Forbid counts only runs in flight) and meets the same fate.
    apply(ns, """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingRun
        metadata: {name: missing-image-r2}
        spec: {pipeline: missing-image}
        """);
    TrainingRun next = awaitFinished(ns, "missing-image-r2", Duration.ofMinutes(3));
    assertThat(Conditions.find(next.getStatus(), "Succeeded").orElseThrow().getReason()).isEqualTo("StepCannotStart");
    assertThat(client().resources(TrainingPipeline.class).inNamespace(ns).withName("missing-image").get()).isNotNull();
  }
}
