package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.pipeline.DistributedStep;
import dev.ferry.pipeline.StepJobBuilder;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a distributed step asks of Kubernetes, decided by the real API server and Job controller:
 * the Indexed Job (with podReplacementPolicy Failed) and its headless Service are admitted, and
 * the controller creates one pod per rank, each with its index and the stable host name under
 * the Service that MASTER_ADDR names.
 */
class DistributedStepOnRealClusterIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();

  @Test
  void theIndexedJobAndItsHeadlessServiceAreAdmittedAndEveryRankGetsItsHostName(TestInfo test) {
    String ns = cluster.namespace(test.getDisplayName());
    TrainingRun run = Fixtures.manualRun("houses-r1", "houses");
    run.getMetadata().setNamespace(ns);
    run.getMetadata().setUid("0b7c2a9e-0000-4000-8000-000000000001");
    TrainingPipelineSpec pipeline = Fixtures.pipeline("houses").getSpec();
    StepSpec train = pipeline.steps.get(1);
    train.workers = 3;
    Job job = StepJobBuilder.build(run, "pvc://models/houses/runs/houses-r1-0b7c2a9e/", pipeline, train, "ferry:1");
    // No TrainingRun exists here to own them: the API server would garbage-collect them at once.
    job.getMetadata().setOwnerReferences(List.of());
    var service = DistributedStep.service(run, job);
    service.getMetadata().setOwnerReferences(List.of());

    cluster.admin().resource(service).create();
    cluster.admin().resource(job).create();

    var admitted = cluster.admin().services().inNamespace(ns).withName(job.getMetadata().getName()).get();
    assertThat(admitted.getSpec().getClusterIP()).isEqualTo("None");
    Job stored = cluster.admin().batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
    assertThat(stored.getSpec().getCompletionMode()).isEqualTo("Indexed");
    assertThat(stored.getSpec().getPodReplacementPolicy()).isEqualTo("Failed");

    List<Pod> created = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .until(() -> cluster.admin().pods().inNamespace(ns).withLabel("job-name", job.getMetadata().getName()).list()
            .getItems(), p -> p.size() == 3);
    List<Pod> pods = created.stream().sorted(Comparator.comparing(p -> p.getMetadata().getAnnotations()
        .get(DistributedStep.INDEX_ANNOTATION))).toList();
    for (int rank = 0; rank < 3; rank++) {
      Pod pod = pods.get(rank);
      assertThat(pod.getMetadata().getAnnotations()).containsEntry(DistributedStep.INDEX_ANNOTATION,
          String.valueOf(rank));
      assertThat(pod.getSpec().getHostname()).isEqualTo(job.getMetadata().getName() + "-" + rank);
      assertThat(pod.getSpec().getSubdomain()).isEqualTo(job.getMetadata().getName());
    }
    var env = pods.get(0).getSpec().getContainers().get(0).getEnv();
    assertThat(env).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("MASTER_ADDR");
      assertThat(e.getValue()).isEqualTo(pods.get(0).getSpec().getHostname() + "." + pods.get(0).getSpec()
          .getSubdomain());
    });
  }
}
