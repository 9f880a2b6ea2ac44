package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step of several workers that train together, in PyTorch's conventions: an Indexed Job of N
 * pods, each with a stable host name {@code <job>-<index>.<job>} behind a headless Service, and
 * the environment torchrun gives its processes (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR,
 * MASTER_PORT), so rank 0 is the rendezvous. Pure builders.
 */
public final class DistributedStep {
  /** The port rank 0 listens on for the others: torch.distributed's default. */
  public static final int MASTER_PORT = 29500;
  /** The annotation the Job controller gives each pod of an Indexed Job: its index, the rank. */
  public static final String INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
  /** Room in a 63-character host name for "-<index>" (up to 255 workers). */
  static final int INDEX_SUFFIX = 4;

  private DistributedStep() {
  }

  public static int workers(StepSpec step) {
    return step.workers == null ? 1 : step.workers;
  }

  public static boolean isDistributed(StepSpec step) {
    return workers(step) > 1;
  }

  /** rank 0's address: its pod's host name under the Job's headless Service, in the run's namespace. */
  static String masterAddress(String jobName) {
    return jobName + "-0." + jobName;
  }

  static List<EnvVar> env(String jobName, int workers) {
    return List.of(
        new EnvVarBuilder().withName("WORLD_SIZE").withValue(String.valueOf(workers)).build(),
        new EnvVarBuilder().withName("RANK").withNewValueFrom().withNewFieldRef()
            .withFieldPath("metadata.annotations['" + INDEX_ANNOTATION + "']").endFieldRef().endValueFrom().build(),
        new EnvVarBuilder().withName("LOCAL_RANK").withValue("0").build(),
        new EnvVarBuilder().withName("LOCAL_WORLD_SIZE").withValue("1").build(),
        new EnvVarBuilder().withName("MASTER_ADDR").withValue(masterAddress(jobName)).build(),
        new EnvVarBuilder().withName("MASTER_PORT").withValue(String.valueOf(MASTER_PORT)).build());
  }

  /**
   * Makes the step's Job an Indexed Job of {@code workers} pods that all run at once. A failed
   * worker fails the Job (no pod is retried alone: it could not rejoin the others), and a
   * replacement pod is only created once the old one is gone, so two sets never run.
   */
  static void shape(Job job, int workers) {
    var spec = job.getSpec();
    spec.setCompletionMode("Indexed");
    spec.setCompletions(workers);
    spec.setParallelism(workers);
    spec.setBackoffLimit(0);
    spec.setPodReplacementPolicy("Failed");
    spec.getTemplate().getSpec().setSubdomain(job.getMetadata().getName());
  }

  /** The headless Service that gives each worker its DNS name; owned by the run, so it goes with it. */
  public static Service service(TrainingRun run, Job job) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Ferry.LABEL_RUN, run.getMetadata().getName());
    selector.put(Ferry.LABEL_STEP, job.getMetadata().getLabels().get(Ferry.LABEL_STEP));
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(job.getMetadata().getName())
          .withNamespace(job.getMetadata().getNamespace())
          .withLabels(job.getMetadata().getLabels())
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(Ferry.API_VERSION).withKind("TrainingRun")
              .withName(run.getMetadata().getName()).withUid(run.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec()
          .withClusterIP("None")
          .withSelector(selector)
          // Workers find each other before any of them is ready.
          .withPublishNotReadyAddresses(true)
          .addNewPort().withName("rendezvous").withPort(MASTER_PORT).withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }
}
