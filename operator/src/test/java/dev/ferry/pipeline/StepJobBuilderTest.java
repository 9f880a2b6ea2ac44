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
}
