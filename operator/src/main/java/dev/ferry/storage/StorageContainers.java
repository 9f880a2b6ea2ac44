package dev.ferry.storage;

import dev.ferry.api.v1alpha1.StorageSpec;
import dev.ferry.kube.PodSecurity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The containers that move bytes between a bucket and a pod, so that steps and model servers
 * stay storage-agnostic: they read and write local paths, and Ferry's own image downloads before
 * them (an init container) and uploads after them. Only these containers get the storage
 * credentials; the user's code never sees them. Pure builders.
 */
public final class StorageContainers {
  /** The pod volume (an emptyDir) a downloaded dataset lands in, and where it is mounted. */
  public static final String DATASET_VOLUME = "ferry-dataset";
  public static final String DATASET_DIR = "/ferry/dataset";
  /** The pod volume (an emptyDir) holding the model folder: downloaded, written by steps, uploaded. */
  public static final String MODEL_VOLUME = "ferry-model";
  public static final String MODEL_DIR = "/ferry/model";
  /** Ferry's own notes between its containers (what fetch-model downloaded), never seen by the step. */
  public static final String STATE_VOLUME = "ferry-state";
  public static final String STATE_DIR = "/ferry/state";
  static final String MODEL_MANIFEST = STATE_DIR + "/model-files.json";

  public static final String FETCH_DATASET = "fetch-dataset";
  public static final String FETCH_MODEL = "fetch-model";
  public static final String PUBLISH_MODEL = "publish-model";

  /** Where these containers write their JSON result (bytes, objects, sha256), read as the kubelet reports it. */
  public static final String RESULT_PATH = "/dev/termination-log";

  private StorageContainers() {
  }

  /** The path a step or server sees for an object-storage dataset: the object's file name in the dataset volume. */
  public static String datasetPath(ObjectUri uri) {
    String key = uri.key();
    if (key.isEmpty() || key.endsWith("/")) {
      return DATASET_DIR; // a prefix becomes a folder
    }
    return DATASET_DIR + "/" + key.substring(key.lastIndexOf('/') + 1);
  }

  /** A prefix URI for a model folder: the objects under it are the folder's files. */
  public static String prefix(String uri) {
    return uri.endsWith("/") ? uri : uri + "/";
  }

  public static Volume scratch(String name) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
  }

  public static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
  }

  /** Downloads the dataset object (or prefix) into the dataset volume. */
  public static Container fetchDataset(ObjectUri dataset, StorageSpec storage, String ferryImage) {
    return copy(FETCH_DATASET, List.of(dataset.toString(), datasetPath(dataset)), storage, ferryImage,
        mount(DATASET_VOLUME, DATASET_DIR, false));
  }

  /**
   * Downloads what earlier steps of the run published under the model prefix; nothing there yet
   * (the first step) is not an error.
   */
  public static Container fetchModel(String modelUri, StorageSpec storage, String ferryImage) {
    return copy(FETCH_MODEL, List.of("--if-exists", "--manifest", MODEL_MANIFEST, prefix(modelUri), MODEL_DIR),
        storage, ferryImage, mount(MODEL_VOLUME, MODEL_DIR, false), mount(STATE_VOLUME, STATE_DIR, false));
  }

  /** Where a server finds an artifact from a bucket: the folder for a prefix, the file for one object. */
  public static String servedModelPath(ObjectUri artifact) {
    String key = artifact.key();
    return key.isEmpty() || key.endsWith("/") ? MODEL_DIR : MODEL_DIR + "/" + key.substring(key.lastIndexOf('/') + 1);
  }

  /**
   * A model server's storage initializer: downloads the version's artifact before the server
   * starts, and refuses bytes whose digest is not the one recorded at registration.
   */
  public static Container fetchServedModel(ObjectUri artifact, String digest, StorageSpec storage, String ferryImage) {
    List<String> args = new ArrayList<>();
    if (digest != null) {
      args.addAll(List.of("--expect-sha256", digest));
    }
    args.addAll(List.of(artifact.toString(), servedModelPath(artifact)));
    return copy(FETCH_MODEL, args, storage, ferryImage, mount(MODEL_VOLUME, MODEL_DIR, false));
  }

  /** Uploads the model folder under the run's model prefix, after the step wrote it. */
  public static Container publishModel(String modelUri, StorageSpec storage, String ferryImage) {
    // Files the step left as fetch-model found them are not sent again.
    return copy(PUBLISH_MODEL, List.of("--if-exists", "--rank-zero-only", "--manifest", MODEL_MANIFEST, MODEL_DIR,
        prefix(modelUri)), storage, ferryImage, mount(MODEL_VOLUME, MODEL_DIR, true), mount(STATE_VOLUME, STATE_DIR, true));
  }

  private static Container copy(String name, List<String> paths, StorageSpec storage, String ferryImage,
      VolumeMount... mounts) {
    List<String> args = new ArrayList<>(List.of("storage", "cp", "--result", RESULT_PATH));
    args.addAll(paths);
    return new ContainerBuilder()
        .withName(name)
        .withImage(ferryImage)
        .withArgs(args)
        .withEnv(env(storage))
        .withEnvFrom(secret(storage))
        .withVolumeMounts(mounts)
        .withTerminationMessagePath(RESULT_PATH)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(PodSecurity.restrictedContainer())
        .build();
  }

  /** The storage settings that are not secret, as the environment Ferry's storage client reads. */
  public static List<EnvVar> env(StorageSpec storage) {
    List<EnvVar> env = new ArrayList<>();
    if (storage == null) {
      return env;
    }
    if (storage.endpoint != null) {
      env.add(new EnvVarBuilder().withName("FERRY_S3_ENDPOINT").withValue(storage.endpoint).build());
    }
    if (storage.region != null) {
      env.add(new EnvVarBuilder().withName("AWS_REGION").withValue(storage.region).build());
    }
    if (storage.pathStyle != null) {
      env.add(new EnvVarBuilder().withName("FERRY_S3_PATH_STYLE").withValue(storage.pathStyle.toString()).build());
    }
    return env;
  }

  /** The keys: the Secret's entries become the container's environment; Ferry never reads them. */
  public static List<EnvFromSource> secret(StorageSpec storage) {
    if (storage == null || storage.secretRef == null) {
      return List.of();
    }
    return List.of(new EnvFromSourceBuilder().withNewSecretRef()
        .withName(storage.secretRef).withOptional(false).endSecretRef().build());
  }
}
