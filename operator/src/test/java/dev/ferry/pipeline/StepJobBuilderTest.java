package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.DatasetSchema;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus;
import dev.ferry.kube.RestrictedPodSecurity;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepJobBuilderTest {
  private static TrainingRun run() {
    TrainingRun run = Fixtures.manualRun("churn-r7", "churn");
    run.getMetadata().setNamespace("ml");
    run.getMetadata().setUid("uid-7");
    run.setStatus(new TrainingRunStatus());
    run.getStatus().artifactUri = "pvc://models/churn/runs/churn-r7/";
    return run;
  }

  @Test
  void builtinStepRunsFerrysImageWithItsSubcommandAndTheSchema() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    spec.dataset.schema = new DatasetSchema();
    spec.dataset.schema.minRows = 10L;
    StepSpec step = new StepSpec();
    step.name = "validate";
    step.builtin = StepSpec.Builtin.validateData;

    Job job = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, step, "ferry:1.2");
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("ferry:1.2");
    assertThat(container.getArgs()).containsExactly("validate-data");
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("FERRY_DATASET_SCHEMA_JSON");
      assertThat(e.getValue()).contains("\"minRows\":10");
    });
  }

  @Test
  void pvcUrisAreMountedOnceEachAndTheDatasetReadOnly() {
    Job job = StepJobBuilder.build(run(), run().getStatus().artifactUri, Fixtures.pipeline("churn").getSpec(),
        Fixtures.pipeline("churn").getSpec().steps.get(1), "ferry:1");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).extracting(v -> v.getPersistentVolumeClaim().getClaimName() + ":"
        + v.getPersistentVolumeClaim().getReadOnly()).containsExactly("datasets:true", "models:false");
    assertThat(pod.getContainers().get(0).getVolumeMounts()).extracting(m -> m.getMountPath())
        .containsExactly("/ferry/pvc/datasets", "/ferry/pvc/models");
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
  }

  @Test
  void namesAreDeterministicAndFitInALabel() {
    String name = StepJobBuilder.jobName("a-very-long-pipeline-name-that-goes-on-and-on", "evaluate-on-holdout-split");
    assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(StepJobBuilder.jobName("a-very-long-pipeline-name-that-goes-on-and-on", "evaluate-on-holdout-split"))
        .isEqualTo(name);
    assertThat(StepJobBuilder.jobName("churn-r7", "train")).isEqualTo("churn-r7-train");
  }

  @Test
  void stepSettingsOverrideDefaultsAndThePodIsRestricted() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    spec.stepDefaults = new dev.ferry.api.v1alpha1.StepDefaults();
    spec.stepDefaults.backoffLimit = 2;
    spec.stepDefaults.activeDeadlineSeconds = 600L;
    spec.stepDefaults.resources = new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("1")).build();
    StepSpec train = spec.steps.get(1);
    train.backoffLimit = 0;
    train.resources = new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("4")).build();

    Job trainJob = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, train, "ferry:1");
    Job evaluateJob = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, spec.steps.get(2), "ferry:1");
    assertThat(trainJob.getSpec().getBackoffLimit()).isZero();
    assertThat(evaluateJob.getSpec().getBackoffLimit()).isEqualTo(2);
    assertThat(evaluateJob.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(trainJob.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().get("cpu"))
        .isEqualTo(new Quantity("4"));
    assertThat(evaluateJob.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests()
        .get("cpu")).isEqualTo(new Quantity("1"));
    assertThat(RestrictedPodSecurity.violations(trainJob.getSpec().getTemplate().getSpec())).isEmpty();
  }

  @Test
  void hyperparameterNamesBecomeValidEnvNames() {
    assertThat(StepJobBuilder.paramEnvName("learningRate")).isEqualTo("LEARNINGRATE");
    assertThat(StepJobBuilder.paramEnvName("max-depth.v2")).isEqualTo("MAX_DEPTH_V2");
  }

  @Test
  void theRestrictedCheckCatchesWhatItMust() {
    var pod = StepJobBuilder.build(run(), run().getStatus().artifactUri, Fixtures.pipeline("churn").getSpec(),
        Fixtures.pipeline("churn").getSpec().steps.get(1), "ferry:1").getSpec().getTemplate().getSpec();
    pod.getContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(true);
    pod.getContainers().get(0).getSecurityContext().getCapabilities().setDrop(java.util.List.of());
    pod.setHostNetwork(true);
    assertThat(RestrictedPodSecurity.violations(pod)).hasSize(3)
        .anySatisfy(v -> assertThat(v).contains("allowPrivilegeEscalation"))
        .anySatisfy(v -> assertThat(v).contains("capabilities.drop"))
        .anySatisfy(v -> assertThat(v).contains("hostNetwork"));
  }

  private static TrainingPipelineSpec inBuckets() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    spec.dataset.uri = "s3://ml-data/churn/2026-12/churn.csv";
    spec.artifacts.uri = "s3://ml-models/churn";
    spec.storage = new dev.ferry.api.v1alpha1.StorageSpec();
    spec.storage.secretRef = "bucket-keys";
    spec.storage.endpoint = "https://minio.example:9000";
    return spec;
  }

  private static java.util.Map<String, String> env(io.fabric8.kubernetes.api.model.Container c) {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    return env;
  }

  @Test
  void aStepWithDataAndModelInBucketsRunsBetweenFerrysDownloadsAndItsUploadInOnePod() {
    String artifact = "s3://ml-models/churn/runs/churn-r7-1a2b3c4d/";
    TrainingPipelineSpec spec = inBuckets();
    Job job = StepJobBuilder.build(run(), artifact, spec, spec.steps.get(1), "ferry:1.2");
    var pod = job.getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).extracting(c -> c.getName())
        .containsExactly("fetch-dataset", "fetch-model", "step");
    assertThat(pod.getContainers()).extracting(c -> c.getName()).containsExactly("publish-model");
    assertThat(job.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("kubectl.kubernetes.io/default-container", "step");

    var fetchData = pod.getInitContainers().get(0);
    assertThat(fetchData.getImage()).isEqualTo("ferry:1.2");
    assertThat(fetchData.getArgs()).containsExactly("storage", "cp", "--result", "/dev/termination-log",
        "s3://ml-data/churn/2026-12/churn.csv", "/ferry/dataset/churn.csv");
    assertThat(pod.getInitContainers().get(1).getArgs()).containsSubsequence("--if-exists", artifact, "/ferry/model");
    assertThat(pod.getContainers().get(0).getArgs()).containsSubsequence("--if-exists", "/ferry/model", artifact);

    var step = pod.getInitContainers().get(2);
    assertThat(env(step)).containsEntry("FERRY_DATASET_PATH", "/ferry/dataset/churn.csv")
        .containsEntry("FERRY_DATASET_URI", "s3://ml-data/churn/2026-12/churn.csv")
        .containsEntry("FERRY_MODEL_PATH", "/ferry/model").containsEntry("FERRY_MODEL_URI", artifact);
    assertThat(step.getVolumeMounts()).extracting(m -> m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("/ferry/dataset:true", "/ferry/model:false");
    assertThat(pod.getVolumes()).extracting(v -> v.getName() + ":" + (v.getEmptyDir() != null))
        .containsExactly("ferry-dataset:true", "ferry-model:true", "ferry-state:true");
    assertThat(step.getVolumeMounts()).as("Ferry's notes are not the step's").noneMatch(m -> m.getName()
        .equals("ferry-state"));

    // The keys reach Ferry's own containers only; the user's code never sees them.
    assertThat(step.getEnvFrom()).isNullOrEmpty();
    for (var ferry : List.of(fetchData, pod.getInitContainers().get(1), pod.getContainers().get(0))) {
      assertThat(ferry.getEnvFrom()).extracting(f -> f.getSecretRef().getName()).containsExactly("bucket-keys");
      assertThat(env(ferry)).containsEntry("FERRY_S3_ENDPOINT", "https://minio.example:9000");
    }
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
  }

  @Test
  void onlyTheDatasetInABucketKeepsTheStepThePodsContainerAndAPrefixBecomesAFolder() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    spec.dataset.uri = "gs://ml-data/churn/daily/";
    Job job = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, spec.steps.get(1), "ferry:1");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(c -> c.getName()).containsExactly("fetch-dataset");
    assertThat(pod.getContainers()).extracting(c -> c.getName()).containsExactly("step");
    assertThat(env(pod.getContainers().get(0))).containsEntry("FERRY_DATASET_PATH", "/ferry/dataset")
        .containsEntry("FERRY_MODEL_PATH", "/ferry/pvc/models/churn/runs/churn-r7");
    assertThat(pod.getInitContainers().get(0).getEnvFrom()).as("no Secret named: the pod's own identity").isEmpty();
  }

  @Test
  void withoutBucketsThePodIsAsBefore() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    var pod = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, spec.steps.get(1), "ferry:1")
        .getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getContainers()).extracting(c -> c.getName()).containsExactly("step");
  }

  @Test
  void aStepOfThreeWorkersIsAnIndexedJobWhoseRanksFindRankZeroByName() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    StepSpec train = spec.steps.get(1);
    train.workers = 3;
    Job job = StepJobBuilder.build(run(), run().getStatus().artifactUri, spec, train, "ferry:1");
    assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
    assertThat(job.getSpec().getCompletions()).isEqualTo(3);
    assertThat(job.getSpec().getParallelism()).as("all workers at once").isEqualTo(3);
    assertThat(job.getSpec().getBackoffLimit()).as("no worker is retried alone").isZero();
    assertThat(job.getSpec().getPodReplacementPolicy()).isEqualTo("Failed");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getSubdomain()).isEqualTo("churn-r7-train");
    var env = pod.getContainers().get(0).getEnv();
    assertThat(env).extracting(e -> e.getName() + "=" + e.getValue()).contains("WORLD_SIZE=3",
        "MASTER_ADDR=churn-r7-train-0.churn-r7-train", "MASTER_PORT=29500", "LOCAL_RANK=0");
    assertThat(env).filteredOn(e -> e.getName().equals("RANK")).singleElement().satisfies(e -> assertThat(
        e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo(
            "metadata.annotations['batch.kubernetes.io/job-completion-index']"));

    var service = DistributedStep.service(run(), job);
    assertThat(service.getMetadata().getName()).isEqualTo(pod.getSubdomain());
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(service.getSpec().getSelector()).containsEntry("ferry.dev/run", "churn-r7")
        .containsEntry("ferry.dev/step", "train");
    assertThat(service.getMetadata().getOwnerReferences()).extracting(o -> o.getKind()).containsExactly("TrainingRun");
  }

  @Test
  void aWorkersHostNameFitsInALabelWhateverTheNames() {
    StepSpec step = new StepSpec();
    step.name = "s".repeat(StepSpec.MAX_NAME);
    step.workers = 256;
    String job = StepJobBuilder.jobName("r".repeat(63), step);
    assertThat((job + "-255").length()).isLessThanOrEqualTo(63);
    assertThat(job).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    step.workers = 1;
    assertThat(StepJobBuilder.jobName("r".repeat(63), step)).hasSize(63);
  }
}
