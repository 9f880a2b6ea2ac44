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
import java.nio.file.Path;
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

  /**
   * examples/distributed on the real control plane with the operator: the Job controller starts
   * three pods, the node agent runs them (the workers meet on loopback as the pod network would
   * connect them), and the run registers the model three workers trained together.
   */
  @Test
  void threeWorkersTrainTogetherOnTheRealControlPlane(TestInfo test) throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    Path example = Fixtures.projectRoot().resolve("examples/distributed");
    java.nio.file.Files.copy(example.resolve("data/houses.csv"), cluster.mappedFolder().resolve("data/houses.csv"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.Files.copy(example.resolve("train/DataParallelTrain.java"),
        cluster.mappedFolder().resolve("train/DataParallelTrain.java"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String pipeline = java.nio.file.Files.readString(example.resolve("pipeline.yaml"))
        .replace("namespace: default", "namespace: " + ns)
        .replace("/ferry/pvc/models/distributed/train/", "/ferry/pvc/models/quickstart/train/");
    Process operator = OperatorProcess.start(cluster, "distributed", ns, java.util.Map.of());
    try {
      for (var object : cluster.admin().load(new java.io.ByteArrayInputStream(
          pipeline.getBytes(java.nio.charset.StandardCharsets.UTF_8))).items()) {
        cluster.admin().resource(object).create();
      }
      var version = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
          .until(() -> cluster.admin().resources(dev.ferry.api.v1alpha1.ModelVersion.class).inNamespace(ns)
              .withName("houses-v1").get(), v -> v != null);
      assertThat(version.getSpec().metrics).containsEntry("workers", 3.0).containsEntry("rows", 3000.0);
      assertThat(version.getSpec().metrics.get("mse")).isLessThan(0.05);
      String run = version.getSpec().lineage.run;
      assertThat(cluster.admin().services().inNamespace(ns).withName(StepJobBuilder.jobName(run, "train")).get())
          .as("the workers' headless Service").isNotNull();
    } finally {
      operator.destroyForcibly();
    }
  }
}
