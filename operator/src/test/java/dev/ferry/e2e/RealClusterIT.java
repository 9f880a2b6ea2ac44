package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node agent on a real control plane: the real Job, ReplicaSet, Deployment and garbage
 * collector controllers act on the pod status it writes, and PodSecurity admission is in force.
 */
class RealClusterIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();

  private static io.fabric8.kubernetes.api.model.PodSpecBuilder restricted(String image, String... args) {
    return new io.fabric8.kubernetes.api.model.PodSpecBuilder()
        .withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault")
        .endSeccompProfile().endSecurityContext()
        .addNewContainer().withName("main").withImage(image).withArgs(args)
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL")
        .endCapabilities().withRunAsUser(1000L).endSecurityContext()
        .endContainer();
  }

  @Test
  void theRealJobControllerCompletesAJobWhosePodTheNodeAgentRan(TestInfo test) {
    String ns = cluster.namespace(test.getDisplayName());
    KubernetesClient client = cluster.admin();
    Job job = new JobBuilder().withNewMetadata().withName("version").withNamespace(ns).endMetadata()
        .withNewSpec().withBackoffLimit(0).withNewTemplate().withSpec(restricted(RealCluster.FERRY_IMAGE, "--version")
            .withRestartPolicy("Never").build()).endTemplate().endSpec().build();
    client.resource(job).create();

    Job done = client.batch().v1().jobs().inNamespace(ns).withName("version").waitUntilCondition(j -> j.getStatus() != null
        && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() == 1, 120, TimeUnit.SECONDS);
    assertThat(done.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Complete"));
    Pod pod = client.pods().inNamespace(ns).withLabel("job-name", "version").list().getItems().get(0);
    assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.node().nodeName());
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    var terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isZero();
    assertThat(terminated.getReason()).isEqualTo("Completed");
  }

  @Test
  void aFailingContainerFailsTheJobWithItsExitCode(TestInfo test) {
    String ns = cluster.namespace(test.getDisplayName());
    KubernetesClient client = cluster.admin();
    client.resource(new JobBuilder().withNewMetadata().withName("bad").withNamespace(ns).endMetadata()
        .withNewSpec().withBackoffLimit(1).withNewTemplate().withSpec(restricted(RealCluster.FERRY_IMAGE,
            "no-such-subcommand").withRestartPolicy("Never").build()).endTemplate().endSpec().build()).create();

    Job failed = client.batch().v1().jobs().inNamespace(ns).withName("bad").waitUntilCondition(j -> j.getStatus() != null
        && j.getStatus().getConditions() != null && j.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Failed") && c.getStatus().equals("True")), 180, TimeUnit.SECONDS);
    assertThat(failed.getStatus().getConditions()).anyMatch(c -> "BackoffLimitExceeded".equals(c.getReason()));
    // backoffLimit 1: the real controller made a second pod after the first failed.
    assertThat(client.pods().inNamespace(ns).withLabel("job-name", "bad").list().getItems()).hasSize(2)
        .allSatisfy(p -> assertThat(p.getStatus().getContainerStatuses().get(0).getState().getTerminated()
            .getExitCode()).isNotZero());
  }

  @Test
  void podSecurityRestrictedRefusesAPodWithoutItsSecurityContext(TestInfo test) {
    String ns = cluster.namespace(test.getDisplayName());
    Pod unrestricted = new PodBuilder().withNewMetadata().withName("root").withNamespace(ns).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage(RealCluster.FERRY_IMAGE).endContainer()
        .endSpec().build();
    assertThatThrownBy(() -> cluster.admin().resource(unrestricted).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted")
        .hasMessageContaining("allowPrivilegeEscalation != false")
        .hasMessageContaining("runAsNonRoot != true");
  }

  @Test
  void deletingAJobRemovesItsPodsThroughTheGarbageCollector(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    KubernetesClient client = cluster.admin();
    client.resource(new JobBuilder().withNewMetadata().withName("once").withNamespace(ns).endMetadata()
        .withNewSpec().withBackoffLimit(0).withNewTemplate().withSpec(restricted(RealCluster.FERRY_IMAGE, "--version")
            .withRestartPolicy("Never").build()).endTemplate().endSpec().build()).create();
    client.batch().v1().jobs().inNamespace(ns).withName("once").waitUntilCondition(j -> j.getStatus() != null
        && j.getStatus().getSucceeded() != null, 120, TimeUnit.SECONDS);
    assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);

    client.batch().v1().jobs().inNamespace(ns).withName("once")
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
    client.pods().inNamespace(ns).informOnCondition(java.util.List::isEmpty).get(60, TimeUnit.SECONDS);
  }

  @Test
  void theRealCronJobControllerStartsAJobOnScheduleAndTheNodeAgentRunsIt(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    KubernetesClient client = cluster.admin();
    client.resource(new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder().withNewMetadata().withName("every-minute")
        .withNamespace(ns).endMetadata().withNewSpec().withSchedule("* * * * *").withNewJobTemplate().withNewSpec()
        .withBackoffLimit(0).withNewTemplate().withSpec(restricted(RealCluster.FERRY_IMAGE, "--version")
            .withRestartPolicy("Never").build()).endTemplate().endSpec().endJobTemplate().endSpec().build()).create();
    // At the next whole minute: up to 60 s, and the controller looks every 10 s.
    Job fired = client.batch().v1().jobs().inNamespace(ns).informOnCondition(jobs -> jobs.stream().anyMatch(j ->
        j.getStatus() != null && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() == 1))
        .get(150, TimeUnit.SECONDS).get(0);
    assertThat(fired.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("CronJob"));
  }
}
