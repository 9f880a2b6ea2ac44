package dev.ferry.testing;

import dev.ferry.api.v1alpha1.ArtifactsSpec;
import dev.ferry.api.v1alpha1.DatasetSpec;
import dev.ferry.api.v1alpha1.MetricGate;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec;
import dev.ferry.api.v1alpha1.ValidationSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builders of test objects, in one place. */
public final class Fixtures {
  private Fixtures() {
  }

  /** A three-step pipeline (validate, train, evaluate) of model "churn" with an auc gate of 0.8. */
  public static TrainingPipeline pipeline(String name) {
    TrainingPipeline pipeline = new TrainingPipeline();
    pipeline.getMetadata().setName(name);
    TrainingPipelineSpec spec = new TrainingPipelineSpec();
    spec.model = "churn";
    spec.dataset = new DatasetSpec();
    spec.dataset.uri = "pvc://datasets/churn/2026-11.csv";
    spec.hyperparameters = new java.util.LinkedHashMap<>(Map.of("learningRate", "0.05"));
    spec.steps = new java.util.ArrayList<>(List.of(step("validate", "registry.example/validate:1"),
        step("train", "registry.example/train:1"), step("evaluate", "registry.example/train:1")));
    spec.artifacts = new ArtifactsSpec();
    spec.artifacts.uri = "pvc://models/churn";
    spec.validation = new ValidationSpec();
    MetricGate auc = new MetricGate();
    auc.name = "auc";
    auc.min = 0.8;
    spec.validation.metrics = new java.util.ArrayList<>(List.of(auc));
    pipeline.setSpec(spec);
    return pipeline;
  }

  public static StepSpec step(String name, String image) {
    StepSpec step = new StepSpec();
    step.name = name;
    step.image = image;
    return step;
  }

  public static TrainingRun manualRun(String name, String pipeline) {
    TrainingRun run = new TrainingRun();
    run.getMetadata().setName(name);
    run.setSpec(new TrainingRunSpec());
    run.getSpec().pipeline = pipeline;
    return run;
  }

  public static String result(Map<String, Object> fields) {
    return Serialization.asJson(fields);
  }

  /** The repository root, handed to tests by surefire. */
  public static Path projectRoot() {
    return Path.of(System.getProperty("ferry.projectRoot", "..")).toAbsolutePath().normalize();
  }

  /** A copy of examples/quickstart under {@code work}, without any earlier local-mode state. */
  public static Path copyQuickstart(Path work) throws IOException {
    return dev.ferry.e2e.RealCluster.copyTree(projectRoot().resolve("examples/quickstart"), work.resolve("quickstart"));
  }

  public static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** ModelDeployment "churn" of model churn, with a smoke test from ConfigMap churn-smoke; not yet created. */
  public static dev.ferry.api.v1alpha1.ModelDeployment deployment(
      dev.ferry.api.v1alpha1.ModelDeploymentSpec.Promotion.Mode mode, int replicas) {
    var md = new dev.ferry.api.v1alpha1.ModelDeployment();
    md.getMetadata().setName("churn");
    var spec = new dev.ferry.api.v1alpha1.ModelDeploymentSpec();
    spec.model = "churn";
    spec.promotion.mode = mode;
    spec.server = new dev.ferry.api.v1alpha1.ModelDeploymentSpec.Server();
    spec.server.image = "registry.example/mlserver:1.6";
    spec.replicas = replicas;
    spec.smokeTest = new dev.ferry.api.v1alpha1.ModelDeploymentSpec.SmokeTest();
    spec.smokeTest.requests = new dev.ferry.api.v1alpha1.ModelDeploymentSpec.ConfigMapRef();
    spec.smokeTest.requests.configMapRef = "churn-smoke";
    md.setSpec(spec);
    return md;
  }

  /** ModelVersion churn-v{@code n} whose auc gate passes ({@code validated}) or fails. */
  public static dev.ferry.api.v1alpha1.ModelVersion modelVersion(long n, boolean validated) {
    var v = new dev.ferry.api.v1alpha1.ModelVersion();
    v.getMetadata().setName("churn-v" + n);
    v.getMetadata().setLabels(java.util.Map.of(dev.ferry.api.v1alpha1.Ferry.LABEL_MODEL, "churn"));
    v.setSpec(new dev.ferry.api.v1alpha1.ModelVersionSpec());
    v.getSpec().model = "churn";
    v.getSpec().version = n;
    v.getSpec().artifact = new dev.ferry.api.v1alpha1.ModelVersionSpec.Artifact();
    v.getSpec().artifact.uri = "pvc://models/churn/runs/r" + n + "/";
    v.getSpec().metrics = java.util.Map.of("auc", validated ? 0.9 : 0.1);
    v.getSpec().validation = new dev.ferry.api.v1alpha1.ValidationSpec();
    var gate = new dev.ferry.api.v1alpha1.MetricGate();
    gate.name = "auc";
    gate.min = 0.5;
    v.getSpec().validation.metrics = java.util.List.of(gate);
    return v;
  }
}
