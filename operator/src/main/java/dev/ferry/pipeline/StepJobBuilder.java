package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.StepDefaults;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Names;
import dev.ferry.kube.PodSecurity;
import dev.ferry.kube.PvcUris;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Builds the Job of one step from a run and its pipeline snapshot: a pure function, the step contract in code. */
public final class StepJobBuilder {
  /** Where Kubernetes reads the termination message from; the step writes its result there. */
  public static final String RESULT_PATH = "/dev/termination-log";

  private StepJobBuilder() {
  }

  public static String jobName(String run, String step) {
    return Names.join(Names.MAX_LABEL, run, step);
  }

  /**
   * The Job of one step. {@code artifactUri} is the run's artifact folder from the status being
   * written in this very pass (not the run's stored status, which has none before the first step).
   */
  public static Job build(TrainingRun run, String artifactUri, TrainingPipelineSpec pipeline, StepSpec step,
      String ferryImage) {
    String runName = run.getMetadata().getName();
    String jobName = jobName(runName, step.name);
    StepDefaults defaults = pipeline.stepDefaults == null ? new StepDefaults() : pipeline.stepDefaults;
    Map<String, String> labels = labels(run, pipeline, step);

    List<EnvVar> env = new ArrayList<>(contractEnv(run, artifactUri, pipeline, step));
    if (step.env != null) {
      env.addAll(step.env);
    }
    Mounts mounts = mounts(pipeline, artifactUri);
    boolean builtin = step.builtin != null;

    var container = new ContainerBuilder()
        .withName("step")
        .withImage(builtin ? ferryImage : step.image)
        .withCommand(builtin ? null : step.command)
        .withArgs(builtin ? List.of(step.builtin.command()) : step.args)
        .withEnv(env)
        .withVolumeMounts(mounts.mounts())
        .withResources(Optional.ofNullable(step.resources).orElse(defaults.resources))
        .withTerminationMessagePath(RESULT_PATH)
        // On a crash with no result written, the log tail explains the failure.
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(PodSecurity.restrictedContainer())
        .build();
    if (container.getResources() == null) {
      container.setResources(new ResourceRequirements());
    }

    return new JobBuilder()
        .withNewMetadata()
          .withName(jobName)
          .withNamespace(run.getMetadata().getNamespace())
          .withLabels(labels)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(Ferry.API_VERSION).withKind("TrainingRun")
              .withName(runName).withUid(run.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec()
          .withBackoffLimit(firstNonNull(step.backoffLimit, defaults.backoffLimit, 0))
          .withActiveDeadlineSeconds(step.activeDeadlineSeconds != null ? step.activeDeadlineSeconds
              : defaults.activeDeadlineSeconds)
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              .withServiceAccountName(defaults.serviceAccountName)
              .withSecurityContext(PodSecurity.restrictedPod())
              .withContainers(container)
              .withVolumes(mounts.volumes())
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  static Map<String, String> labels(TrainingRun run, TrainingPipelineSpec pipeline, StepSpec step) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
    labels.put(Ferry.LABEL_PIPELINE, run.getSpec().pipeline);
    labels.put(Ferry.LABEL_RUN, run.getMetadata().getName());
    labels.put(Ferry.LABEL_STEP, step.name);
    labels.put(Ferry.LABEL_MODEL, pipeline.model);
    return labels;
  }

  /** The environment every step gets (see the step contract in the README). */
  static List<EnvVar> contractEnv(TrainingRun run, String artifactUri, TrainingPipelineSpec pipeline, StepSpec step) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("FERRY_PIPELINE", run.getSpec().pipeline);
    env.put("FERRY_RUN", run.getMetadata().getName());
    env.put("FERRY_STEP", step.name);
    env.put("FERRY_MODEL", pipeline.model);
    env.put("FERRY_DATASET_URI", pipeline.dataset.uri);
    env.put("FERRY_DATASET_PATH", PvcUris.containerPath(pipeline.dataset.uri));
    env.put("FERRY_DATASET_FORMAT", pipeline.dataset.format == null ? "csv" : pipeline.dataset.format.name());
    if (artifactUri != null) {
      env.put("FERRY_MODEL_URI", artifactUri);
      env.put("FERRY_MODEL_PATH", PvcUris.containerPath(artifactUri));
    }
    Map<String, String> params = pipeline.hyperparameters == null ? Map.of() : pipeline.hyperparameters;
    params.forEach((name, value) -> env.put("FERRY_PARAM_" + paramEnvName(name), value));
    env.put("FERRY_PARAMS_JSON", Serialization.asJson(params));
    if (step.builtin != null && pipeline.dataset.schema != null) {
      env.put("FERRY_DATASET_SCHEMA_JSON", Serialization.asJson(pipeline.dataset.schema));
    }
    env.put("FERRY_RESULT_PATH", RESULT_PATH);
    return env.entrySet().stream()
        .map(e -> new EnvVarBuilder().withName(e.getKey()).withValue(e.getValue()).build())
        .toList();
  }

  /** learningRate becomes LEARNINGRATE, max-depth becomes MAX_DEPTH: valid, predictable env names. */
  public static String paramEnvName(String name) {
    return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
  }

  private record Mounts(List<Volume> volumes, List<VolumeMount> mounts) {
  }

  /** One volume per claim named by the dataset or artifact URI; the dataset's is read-only unless shared. */
  private static Mounts mounts(TrainingPipelineSpec pipeline, String artifactUri) {
    Map<String, Boolean> claimsReadOnly = new LinkedHashMap<>();
    PvcUris.parse(pipeline.dataset.uri).ifPresent(p -> claimsReadOnly.put(p.claim(), true));
    PvcUris.parse(artifactUri).ifPresent(p -> claimsReadOnly.put(p.claim(), false));
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    claimsReadOnly.forEach((claim, readOnly) -> {
      var uri = new PvcUris.PvcUri(claim, "");
      volumes.add(new VolumeBuilder().withName(uri.volumeName())
          .withNewPersistentVolumeClaim().withClaimName(claim).withReadOnly(readOnly).endPersistentVolumeClaim()
          .build());
      mounts.add(new VolumeMountBuilder().withName(uri.volumeName()).withMountPath(uri.mountPath())
          .withReadOnly(readOnly).build());
    });
    return new Mounts(volumes, mounts);
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T value : values) {
      if (value != null) {
        return value;
      }
    }
    return null;
  }
}
