package dev.ferry.pipeline;

import static dev.ferry.testing.Fixtures.manualRun;
import static dev.ferry.testing.Fixtures.pipeline;
import static dev.ferry.testing.Fixtures.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Conditions;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContinuousTrainingTest extends OperatorTestBase {

  private void scriptHappyPath(double auc) {
    runner.succeed("validate", result(Map.of("metrics", Map.of("rows", 48210), "datasetDigest", "sha256:" + "d".repeat(64))))
        .succeed("train", result(Map.of("metrics", Map.of("train_auc", 0.95))))
        .succeed("evaluate", result(Map.of("metrics", Map.of("auc", auc, "accuracy", 0.88))));
  }

  @Test
  void manualRunRunsEveryStepInOrderAndRegistersAValidatedVersionWithLineage() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(run.getStatus().modelVersion).isEqualTo("churn-v1");
    assertThat(run.getStatus().steps).extracting(s -> s.name).containsExactly("validate", "train", "evaluate");
    assertThat(run.getStatus().steps).allSatisfy(s -> {
      assertThat(s.result).isEqualTo("Succeeded");
      assertThat(s.startedAt).isNotNull();
      assertThat(s.finishedAt).isNotNull();
    });
    assertThat(run.getStatus().steps.get(2).metrics).containsEntry("auc", 0.91);
    assertThat(runner.started).containsExactly("churn-r1-validate-0", "churn-r1-train-0", "churn-r1-evaluate-0");

    ModelVersion version = awaitValidation("churn-v1");
    assertThat(version.getMetadata().getOwnerReferences()).as("the registry outlives pipelines").isEmpty();
    assertThat(version.getSpec().version).isEqualTo(1L);
    assertThat(version.getSpec().metrics).containsEntry("auc", 0.91).containsEntry("train_auc", 0.95)
        .containsEntry("rows", 48210.0);
    assertThat(version.getSpec().artifact.uri).isEqualTo("pvc://models/churn/runs/churn-r1-"
        + dev.ferry.kube.Names.shortHash(get(TrainingRun.class, "churn-r1").getMetadata().getUid(), 8) + "/");
    var lineage = version.getSpec().lineage;
    assertThat(lineage.pipeline).isEqualTo("churn");
    assertThat(lineage.run).isEqualTo("churn-r1");
    assertThat(lineage.trigger).isEqualTo("Manual");
    assertThat(lineage.dataset.uri).isEqualTo("pvc://datasets/churn/2026-11.csv");
    assertThat(lineage.dataset.digest).isEqualTo("sha256:" + "d".repeat(64));
    assertThat(lineage.dataset.rows).isEqualTo(48210L);
    assertThat(lineage.hyperparameters).containsEntry("learningRate", "0.05");
    assertThat(lineage.images).extracting(i -> i.step + "=" + i.image + "@" + i.digest).containsExactly(
        "validate=registry.example/validate:1@sha256:" + "a".repeat(64),
        "train=registry.example/train:1@sha256:" + "a".repeat(64),
        "evaluate=registry.example/train:1@sha256:" + "a".repeat(64));
    assertThat(Conditions.isTrue(version.getStatus(), "Validated")).isTrue();
    assertThat(version.getStatus().gates).singleElement().satisfies(g -> {
      assertThat(g.name).isEqualTo("auc");
      assertThat(g.value).isEqualTo(0.91);
      assertThat(g.bound).isEqualTo(">= 0.8");
      assertThat(g.passed).isTrue();
    });
    assertThat(version.getStatus().stage.name()).isEqualTo("Candidate");
  }

  @Test
  void stepJobsFollowTheStepContractAndAreOwnedByTheRun() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    TrainingRun run = create(manualRun("churn-r1", "churn"));
    awaitRunFinished("churn-r1");

    String folder = "models/churn/runs/churn-r1-" + dev.ferry.kube.Names.shortHash(run.getMetadata().getUid(), 8);
    // Every step gets the whole contract, the first one (created in the pass that starts the run) included.
    for (String step : List.of("validate", "train")) {
      Job job = get(Job.class, "churn-r1-" + step);
      assertThat(job.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(run.getMetadata().getUid()));
      var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue()).as(step).contains(
          "FERRY_PIPELINE=churn", "FERRY_RUN=churn-r1", "FERRY_STEP=" + step, "FERRY_MODEL=churn",
          "FERRY_DATASET_PATH=/ferry/pvc/datasets/churn/2026-11.csv",
          "FERRY_MODEL_URI=pvc://" + folder + "/", "FERRY_MODEL_PATH=/ferry/pvc/" + folder,
          "FERRY_PARAM_LEARNINGRATE=0.05", "FERRY_RESULT_PATH=/dev/termination-log");
    }
  }

  @Test
  void failedStepFailsTheRunWithItsNameExitCodeAndMessageAndStopsThere() {
    scriptHappyPath(0.91);
    runner.fail("train", 3, "CUDA out of memory");
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Failed);
    var ready = Conditions.find(run.getStatus(), "Succeeded").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("StepFailed");
    assertThat(ready.getMessage()).contains("step train failed", "exit code 3", "CUDA out of memory");
    assertThat(run.getStatus().steps).extracting(s -> s.name + ":" + s.result)
        .containsExactly("validate:Succeeded", "train:Failed");
    assertThat(get(Job.class, "churn-r1-evaluate")).as("no step after a failed one").isNull();
    assertThat(run.getStatus().modelVersion).isNull();
    assertThat(client.resources(ModelVersion.class).inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void malformedResultFailsTheRunNamingTheStep() {
    scriptHappyPath(0.91);
    runner.succeed("evaluate", "{\"metrics\": {\"auc\": \"high\"}}");
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(Conditions.find(run.getStatus(), "Succeeded").orElseThrow().getMessage())
        .contains("step evaluate failed", "malformed result", "metric auc must be a number");
  }

  /** A step's result is untrusted input: each of these fails the step with a message naming the field. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "an infinite metric      | {\"metrics\": {\"auc\": 1e999}}                          | metric auc must be a finite number",
      "a negative infinity     | {\"metrics\": {\"loss\": -1e999}}                        | metric loss must be a finite number",
      "a digest that is none   | {\"datasetDigest\": \"abc\"}                               | datasetDigest must look like sha256:",
      "an uppercase digest     | {\"datasetDigest\": \"sha256:" + "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\"} | datasetDigest must look like",
      "another team's claim    | {\"artifactUri\": \"pvc://other-team/models/x/\"}          | is not under the pipeline's spec.artifacts.uri",
      "a root look-alike       | {\"artifactUri\": \"pvc://models/churn-evil/x/\"}          | is not under the pipeline's spec.artifacts.uri",
      "a climb out of the root | {\"artifactUri\": \"pvc://models/churn/../secrets/\"}      | may not contain \"..\"",
  })
  void aHostileStepResultFailsTheStepNamingTheField(String what, String result, String message) {
    scriptHappyPath(0.91);
    runner.succeed("evaluate", result);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(Conditions.find(run.getStatus(), "Succeeded").orElseThrow().getMessage())
        .contains("step evaluate failed", message);
    assertThat(client.resources(ModelVersion.class).inNamespace(NS).list().getItems()).as("nothing registered").isEmpty();
  }

  @Test
  void aPipelineAppliedAgainTrainsIntoANewFolderAndNeverIntoAVersionsArtifact() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    awaitRunFinished("churn-r1");
    String first = awaitValidation("churn-v1").getSpec().artifact.uri;

    client.resources(TrainingPipeline.class).inNamespace(NS).withName("churn").delete();
    await().atMost(Duration.ofSeconds(15)).until(() -> get(TrainingRun.class, "churn-r1") == null
        && client.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    TrainingRun again = awaitRunFinished("churn-r1");
    assertThat(again.getStatus().artifactUri).as("the same run name, another folder").isNotEqualTo(first)
        .startsWith("pvc://models/churn/runs/churn-r1-");
    assertThat(awaitValidation("churn-v2").getSpec().artifact.uri).isEqualTo(again.getStatus().artifactUri);
    assertThat(get(ModelVersion.class, "churn-v1").getSpec().artifact.uri).isEqualTo(first);
  }

  @Test
  void aStepThatPointsAtAnotherVersionsArtifactRegistersNothing() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    awaitRunFinished("churn-r1");
    String taken = awaitValidation("churn-v1").getSpec().artifact.uri;

    runner.succeed("evaluate", result(Map.of("metrics", Map.of("auc", 0.93), "artifactUri", taken)));
    create(manualRun("churn-r2", "churn"));
    TrainingRun run = awaitRunFinished("churn-r2");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Failed);
    var failed = Conditions.find(run.getStatus(), "Succeeded").orElseThrow();
    assertThat(failed.getReason()).isEqualTo("ArtifactInUse");
    assertThat(failed.getMessage()).contains(taken, "ModelVersion churn-v1");
    assertThat(get(ModelVersion.class, "churn-v2")).isNull();
  }

  @Test
  void backoffLimitRetriesAFailedPodBeforeFailingTheStep() {
    scriptHappyPath(0.91);
    runner.on("train", (pod, c, attempt) -> attempt == 0
        ? new dev.ferry.local.ContainerRunner.Exit(1, "flaky", "Error", null)
        : new dev.ferry.local.ContainerRunner.Exit(0, "{}", "Completed", null));
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().steps.get(1).backoffLimit = 1;
    create(pipeline);
    create(manualRun("churn-r1", "churn"));

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(runner.started).contains("churn-r1-train-0", "churn-r1-train-1");
    assertThat(get(Job.class, "churn-r1-train").getSpec().getBackoffLimit()).isEqualTo(1);
  }

  @Test
  void activeDeadlineFailsAStepThatRunsTooLong() {
    scriptHappyPath(0.91);
    runner.hold("train");
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().steps.get(1).activeDeadlineSeconds = 1L;
    create(pipeline);
    create(manualRun("churn-r1", "churn"));

    // The local Job controller measures the deadline on the operator's clock.
    await().atMost(Duration.ofSeconds(10)).until(() -> runner.started.contains("churn-r1-train-0"));
    clock.advance(Duration.ofSeconds(5));
    runner.release("train");
    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(Conditions.find(run.getStatus(), "Succeeded").orElseThrow().getMessage())
        .contains("step train failed", "DeadlineExceeded");
  }

  @Test
  void gateFailureRegistersTheVersionButDoesNotValidateIt() {
    scriptHappyPath(0.75);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));

    ModelVersion version = awaitValidation("churn-v1");
    var validated = Conditions.find(version.getStatus(), "Validated").orElseThrow();
    assertThat(validated.getStatus()).isEqualTo("False");
    assertThat(validated.getReason()).isEqualTo("GateFailed");
    assertThat(validated.getMessage()).contains("auc = 0.75, needs >= 0.8");
    assertThat(version.getStatus().gates).singleElement().satisfies(g -> assertThat(g.passed).isFalse());
  }

  @Test
  void concurrentRunsGetDistinctConsecutiveVersionNumbers() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    for (int i = 1; i <= 5; i++) {
      create(manualRun("churn-r" + i, "churn"));
    }
    for (int i = 1; i <= 5; i++) {
      assertThat(awaitRunFinished("churn-r" + i).getStatus().phase).isEqualTo(Phase.Succeeded);
    }
    List<ModelVersion> versions = client.resources(ModelVersion.class).inNamespace(NS).list().getItems();
    assertThat(versions).extracting(v -> v.getSpec().version).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(versions).extracting(v -> v.getSpec().lineage.run).doesNotHaveDuplicates().hasSize(5);
  }

  @Test
  void anEditToARegisteredVersionIsReportedAndIgnoredTheVerdictStands() {
    // Where no admission refuses the edit (an older CRD, the mock server): the operator's twin.
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    awaitValidation("churn-v1");

    editVersion(v -> v.getSpec().metrics.put("auc", 0.10));
    ModelVersion edited = awaitResource(ModelVersion.class, "churn-v1", v -> "InvalidSpec".equals(
        Conditions.find(v.getStatus(), "Ready").map(c -> c.getReason()).orElse(null)));
    assertThat(Conditions.find(edited.getStatus(), "Ready").orElseThrow().getMessage())
        .startsWith("spec: a ModelVersion's spec is immutable; register a new version instead");
    assertThat(Conditions.isTrue(edited.getStatus(), "Validated")).as("the verdict on what was registered stands").isTrue();
    assertThat(edited.getStatus().gates).singleElement().satisfies(g -> assertThat(g.value).isEqualTo(0.91));

    editVersion(v -> v.getSpec().metrics.put("auc", 0.91));
    ModelVersion restored = awaitResource(ModelVersion.class, "churn-v1",
        v -> Conditions.isTrue(v.getStatus(), "Ready"));
    assertThat(Conditions.find(restored.getStatus(), "Ready").orElseThrow().getReason()).isEqualTo("Registered");
    assertThat(restored.getStatus().gates).singleElement().satisfies(g -> assertThat(g.value).isEqualTo(0.91));
  }

  private void editVersion(java.util.function.Consumer<ModelVersion> change) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
        .until(() -> {
          ModelVersion current = get(ModelVersion.class, "churn-v1");
          change.accept(current);
          client.resource(current).update();
          return true;
        });
  }

  @Test
  void invalidPipelineIsReportedNotRun() {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().steps.get(2).name = "train";
    pipeline.getSpec().steps.get(0).builtin = dev.ferry.api.v1alpha1.StepSpec.Builtin.validateData;
    create(pipeline);
    create(manualRun("churn-r1", "churn"));

    TrainingPipeline seen = awaitPipeline("churn", p -> Conditions.find(p.getStatus(), "Ready").isPresent());
    var ready = Conditions.find(seen.getStatus(), "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("spec: steps[].name must be unique",
        "spec.steps[0]: a step sets exactly one of image or builtin");
    assertThat(ready.getObservedGeneration()).isEqualTo(seen.getMetadata().getGeneration());

    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(Conditions.find(run.getStatus(), "Ready").orElseThrow().getReason()).isEqualTo("InvalidSpec");
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void runOfAMissingPipelineWaitsAndSaysSo() {
    create(manualRun("orphan-r1", "nope"));
    TrainingRun run = awaitResource(TrainingRun.class, "orphan-r1", r -> r.getStatus() != null);
    assertThat(run.getStatus().phase).isEqualTo(Phase.Pending);
    assertThat(Conditions.find(run.getStatus(), "Ready").orElseThrow().getReason()).isEqualTo("PipelineNotFound");
  }

  @Test
  void deletingAPipelineDeletesItsRunsAndJobsButKeepsItsModelVersions() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    awaitRunFinished("churn-r1");
    awaitValidation("churn-v1");

    client.resources(TrainingPipeline.class).inNamespace(NS).withName("churn").delete();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(client.resources(TrainingRun.class).inNamespace(NS).list().getItems()).isEmpty();
      assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    });
    assertThat(get(ModelVersion.class, "churn-v1")).isNotNull();
  }

  @Test
  void stepPodsMeetTheRestrictedPodSecurityStandard() {
    scriptHappyPath(0.91);
    create(pipeline("churn"));
    create(manualRun("churn-r1", "churn"));
    awaitRunFinished("churn-r1");
    for (Pod pod : client.pods().inNamespace(NS).withLabel(Ferry.LABEL_RUN, "churn-r1").list().getItems()) {
      assertThat(dev.ferry.kube.RestrictedPodSecurity.violations(pod.getSpec())).as(pod.getMetadata().getName()).isEmpty();
    }
  }

  @Test
  void aChallengerThatDoesNotBeatProductionIsNotValidated() {
    TrainingPipeline pipeline = pipeline("churn");
    pipeline.getSpec().validation.mustBeatProduction = new dev.ferry.api.v1alpha1.MustBeatProduction();
    pipeline.getSpec().validation.mustBeatProduction.metric = "auc";
    create(pipeline);
    // Production is written with the operator stopped: the mock server does not lock status writes.
    stopOperator();
    ModelVersion champion = new ModelVersion();
    champion.getMetadata().setName("churn-v1");
    champion.getMetadata().setLabels(Map.of(Ferry.LABEL_MODEL, "churn"));
    champion.setSpec(new dev.ferry.api.v1alpha1.ModelVersionSpec());
    champion.getSpec().model = "churn";
    champion.getSpec().version = 1L;
    champion.getSpec().artifact = new dev.ferry.api.v1alpha1.ModelVersionSpec.Artifact();
    champion.getSpec().artifact.uri = "pvc://models/churn/by-hand/";
    champion.getSpec().metrics = Map.of("auc", 0.95);
    create(champion);
    var deployment = new dev.ferry.api.v1alpha1.ModelDeployment();
    deployment.getMetadata().setName("churn");
    deployment.setSpec(new dev.ferry.api.v1alpha1.ModelDeploymentSpec());
    deployment.getSpec().model = "churn";
    deployment = create(deployment);
    deployment.setStatus(new dev.ferry.api.v1alpha1.ModelDeploymentStatus());
    deployment.getStatus().productionVersion = 1L;
    client.resource(deployment).updateStatus();
    startOperator();

    scriptHappyPath(0.91);
    create(manualRun("churn-r1", "churn"));
    TrainingRun run = awaitRunFinished("churn-r1");
    assertThat(run.getStatus().modelVersion).isEqualTo("churn-v2");
    ModelVersion challenger = awaitValidation("churn-v2");
    assertThat(challenger.getSpec().lineage.parentVersion).isEqualTo(1L);
    var validated = Conditions.find(challenger.getStatus(), "Validated").orElseThrow();
    assertThat(validated.getStatus()).isEqualTo("False");
    assertThat(validated.getMessage()).contains("mustBeatProduction", "does not beat v1 (0.95)");
  }
}
