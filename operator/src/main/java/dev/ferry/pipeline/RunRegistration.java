package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec.TriggerKind;
import dev.ferry.api.v1alpha1.TrainingRunStatus;
import dev.ferry.api.v1alpha1.TrainingRunStatus.StepStatus;
import dev.ferry.kube.StatusChange;
import dev.ferry.registry.ModelRegistrar;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Turns a finished run into the ModelVersion it registers: artifact, metrics and lineage. */
final class RunRegistration {
  private final ModelRegistrar registrar;

  RunRegistration(ModelRegistrar registrar) {
    this.registrar = registrar;
  }

  static Optional<String> problem(TrainingRunStatus status) {
    return artifactUri(status).isPresent() ? Optional.empty()
        : Optional.of("no artifact to register: set spec.artifacts.uri on the pipeline or report artifactUri from a step");
  }

  ModelVersion register(TrainingRun run, TrainingRunStatus status) {
    String namespace = run.getMetadata().getNamespace();
    TrainingPipelineSpec pipeline = status.pipelineSnapshot;
    Optional<ModelVersion> production = registrar.productionVersion(namespace, pipeline.model);
    return registrar.register(namespace, run.getMetadata().getUid(), spec(run, status, production));
  }

  static ModelVersionSpec spec(TrainingRun run, TrainingRunStatus status, Optional<ModelVersion> production) {
    TrainingPipelineSpec pipeline = status.pipelineSnapshot;
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.model = pipeline.model;
    spec.artifact = new ModelVersionSpec.Artifact();
    spec.artifact.uri = artifactUri(status).orElseThrow();
    spec.artifact.format = pipeline.artifacts == null ? null : pipeline.artifacts.format;
    spec.artifact.digest = status.steps.stream().map(s -> s.artifactDigest).filter(Objects::nonNull)
        .reduce((a, b) -> b).orElse(null);
    Map<String, Double> metrics = new LinkedHashMap<>();
    status.steps.stream().filter(s -> s.metrics != null).forEach(s -> metrics.putAll(s.metrics));
    spec.metrics = metrics;

    ModelVersionSpec.Lineage lineage = new ModelVersionSpec.Lineage();
    lineage.pipeline = run.getSpec().pipeline;
    lineage.run = run.getMetadata().getName();
    TriggerKind trigger = run.getSpec().trigger == null ? TriggerKind.Manual : run.getSpec().trigger.kind;
    lineage.trigger = trigger.name();
    lineage.triggerReason = run.getSpec().trigger == null ? null : run.getSpec().trigger.reason;
    lineage.dataset = new ModelVersionSpec.DatasetRef();
    lineage.dataset.uri = pipeline.dataset.uri;
    lineage.dataset.digest = status.steps.stream().map(s -> s.datasetDigest).filter(Objects::nonNull)
        .reduce((a, b) -> b).orElse(null);
    lineage.dataset.rows = status.steps.stream()
        .filter(s -> s.metrics != null && s.metrics.containsKey("rows") && s.datasetDigest != null)
        .map(s -> s.metrics.get("rows").longValue()).findFirst().orElse(null);
    lineage.hyperparameters = new LinkedHashMap<>(pipeline.hyperparameters == null ? Map.of() : pipeline.hyperparameters);
    for (StepSpec step : pipeline.steps) {
      StepStatus stepStatus = status.steps.stream().filter(s -> step.name.equals(s.name)).findFirst().orElse(null);
      ModelVersionSpec.StepImage image = new ModelVersionSpec.StepImage();
      image.step = step.name;
      image.image = stepStatus != null && stepStatus.image != null ? stepStatus.image : step.image;
      image.digest = stepStatus == null ? null : stepStatus.imageDigest;
      image.imageID = stepStatus == null ? null : stepStatus.imageID;
      lineage.images.add(image);
    }
    lineage.parentVersion = production.map(v -> v.getSpec().version).orElse(null);
    spec.lineage = lineage;
    spec.validation = StatusChange.copy(pipeline.validation, dev.ferry.api.v1alpha1.ValidationSpec.class);
    return spec;
  }

  /** The artifact a step reported (the last one wins), else the run's artifact folder. */
  private static Optional<String> artifactUri(TrainingRunStatus status) {
    return status.steps.stream().map(s -> s.artifactUri).filter(Objects::nonNull).reduce((a, b) -> b)
        .or(() -> Optional.ofNullable(status.artifactUri));
  }
}
