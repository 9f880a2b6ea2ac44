package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.StepDefaults;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Names;
import dev.ferry.kube.PodSecurity;
import dev.ferry.kube.PodTemplates;
import dev.ferry.kube.PvcUris;
import dev.ferry.storage.ObjectUri;
import dev.ferry.storage.StorageContainers;
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
  /** The container that runs the user's step, whichever list it is in. */
  public static final String STEP_CONTAINER = "step";
  /** kubectl logs and exec pick this container by default. */
  static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

  private StepJobBuilder() {
  }

  public static String jobName(String run, String step) {
    return Names.join(Names.MAX_LABEL, run, step);
  }

  /** The step's Job; a distributed step's leaves room for "-<index>" in its pods' 63-character host names. */
  public static String jobName(String run, StepSpec step) {
    return DistributedStep.isDistributed(step)
        ? Names.join(Names.MAX_LABEL - DistributedStep.INDEX_SUFFIX, run, step.name) : jobName(run, step.name);
  }

  /**
   * The Job of one step. {@code artifactUri} is the run's artifact folder from the status being
   * written in this very pass (not the run's stored status, which has none before the first step).
   */
  public static Job build(TrainingRun run, String artifactUri, TrainingPipelineSpec pipeline, StepSpec step,
      String ferryImage) {
    String runName = run.getMetadata().getName();
    String jobName = jobName(runName, step);
    StepDefaults defaults = pipeline.stepDefaults == null ? new StepDefaults() : pipeline.stepDefaults;
    Map<String, String> labels = labels(run, pipeline, step);

    List<EnvVar> env = new ArrayList<>(contractEnv(run, artifactUri, pipeline, step));
    if (DistributedStep.isDistributed(step)) {
      env.addAll(DistributedStep.env(jobName, DistributedStep.workers(step)));
    }
    if (step.env != null) {
      env.addAll(step.env);
    }
    Mounts mounts = mounts(pipeline, artifactUri);
    boolean builtin = step.builtin != null;
    Storage storage = storage(pipeline, artifactUri, ferryImage);
    mounts.volumes().addAll(storage.volumes());
    mounts.mounts().addAll(storage.stepMounts());

    var container = new ContainerBuilder()
        .withName(STEP_CONTAINER)
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
    // With the model in a bucket the step runs as the last init container and Ferry's upload is
    // the pod's one container: it starts only once the step has succeeded, in the same pod.
    List<io.fabric8.kubernetes.api.model.Container> inits = new ArrayList<>(storage.before());
    List<io.fabric8.kubernetes.api.model.Container> containers = new ArrayList<>();
    if (storage.after() != null) {
      inits.add(container);
      containers.add(storage.after());
    } else {
      containers.add(container);
    }

    Job job = new JobBuilder()
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
            .withNewMetadata().withLabels(labels)
              .withAnnotations(Map.of(DEFAULT_CONTAINER_ANNOTATION, STEP_CONTAINER)).endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              .withSecurityContext(PodSecurity.restrictedPod())
              .withInitContainers(inits)
              .withContainers(containers)
              .withVolumes(mounts.volumes())
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
    if (DistributedStep.isDistributed(step)) {
      DistributedStep.shape(job, DistributedStep.workers(step));
    }
    // Placement, identity and the overlay: the pipeline's defaults, then the step's own.
    job.getSpec().setTemplate(PodTemplates.apply(job.getSpec().getTemplate(), List.of(defaults, step)));
    return job;
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
    env.put("FERRY_DATASET_PATH", ObjectUri.parse(pipeline.dataset.uri).map(StorageContainers::datasetPath)
        .orElseGet(() -> PvcUris.containerPath(pipeline.dataset.uri)));
    env.put("FERRY_DATASET_FORMAT", pipeline.dataset.format == null ? "csv" : pipeline.dataset.format.name());
    if (artifactUri != null) {
      env.put("FERRY_MODEL_URI", artifactUri);
      env.put("FERRY_MODEL_PATH", ObjectUri.isObjectStorage(artifactUri) ? StorageContainers.MODEL_DIR
          : PvcUris.containerPath(artifactUri));
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

  /** Ferry's containers around the step for data and models in buckets: downloads before, the upload after. */
  private record Storage(List<io.fabric8.kubernetes.api.model.Container> before,
      io.fabric8.kubernetes.api.model.Container after, List<Volume> volumes, List<VolumeMount> stepMounts) {
  }

  private static Storage storage(TrainingPipelineSpec pipeline, String artifactUri, String ferryImage) {
    List<io.fabric8.kubernetes.api.model.Container> before = new ArrayList<>();
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> stepMounts = new ArrayList<>();
    Optional<ObjectUri> dataset = ObjectUri.parse(pipeline.dataset.uri);
    if (dataset.isPresent()) {
      before.add(StorageContainers.fetchDataset(dataset.get(), pipeline.storage, ferryImage));
      volumes.add(StorageContainers.scratch(StorageContainers.DATASET_VOLUME));
      stepMounts.add(StorageContainers.mount(StorageContainers.DATASET_VOLUME, StorageContainers.DATASET_DIR, true));
    }
    io.fabric8.kubernetes.api.model.Container after = null;
    if (artifactUri != null && ObjectUri.isObjectStorage(artifactUri)) {
      // Earlier steps' files first, so an evaluate step finds the model the train step wrote.
      before.add(StorageContainers.fetchModel(artifactUri, pipeline.storage, ferryImage));
      after = StorageContainers.publishModel(artifactUri, pipeline.storage, ferryImage);
      volumes.add(StorageContainers.scratch(StorageContainers.MODEL_VOLUME));
      volumes.add(StorageContainers.scratch(StorageContainers.STATE_VOLUME));
      stepMounts.add(StorageContainers.mount(StorageContainers.MODEL_VOLUME, StorageContainers.MODEL_DIR, false));
    }
    return new Storage(before, after, volumes, stepMounts);
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
