package dev.ferry.serving;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.kube.Names;
import dev.ferry.kube.PodSecurity;
import dev.ferry.kube.PodTemplates;
import dev.ferry.kube.PvcUris;
import dev.ferry.storage.ObjectUri;
import dev.ferry.storage.StorageContainers;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** Pure functions from a ModelDeployment to the objects that serve it. */
public final class ServingBuilders {
  public static final String STAGING = "staging";
  /** The track of a replaced production version kept running out of traffic, for an instant rollback. */
  public static final String WARM = "warm";
  public static final String PRODUCTION = "production";
  /** Where the smoke test's request ConfigMap is mounted. */
  public static final String SMOKE_REQUESTS_DIR = "/ferry/smoke";

  private ServingBuilders() {
  }

  public static String deploymentName(ModelDeployment md, long version) {
    return Names.join(Names.MAX_LABEL, md.getMetadata().getName(), "v" + version);
  }

  public static String stagingServiceName(ModelDeployment md) {
    return Names.join(Names.MAX_LABEL, md.getMetadata().getName(), "staging");
  }

  public static String smokeJobName(ModelDeployment md, long version) {
    return Names.join(Names.MAX_LABEL, md.getMetadata().getName(), "smoke", "v" + version);
  }

  public static String url(ModelDeployment md, String service) {
    return "http://" + service + "." + md.getMetadata().getNamespace() + ".svc:" + port(md);
  }

  static int port(ModelDeployment md) {
    return md.getSpec().server.port == null ? 8080 : md.getSpec().server.port;
  }

  static OwnerReference owner(ModelDeployment md) {
    return new OwnerReferenceBuilder().withApiVersion(Ferry.API_VERSION).withKind("ModelDeployment")
        .withName(md.getMetadata().getName()).withUid(md.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
  }

  static Map<String, String> labels(ModelDeployment md) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
    labels.put(Ferry.LABEL_DEPLOYMENT, md.getMetadata().getName());
    labels.put(Ferry.LABEL_MODEL, md.getSpec().model);
    return labels;
  }

  /** The Deployment serving one version on one track with a number of replicas. */
  public static Deployment deployment(ModelDeployment md, ModelVersion version, int replicas, String track) {
    return deployment(md, version, replicas, track, null);
  }

  /**
   * The Deployment serving one version; {@code ferryImage} runs the storage initializer that
   * downloads an s3:// or gs:// artifact into the pod before the server starts.
   */
  public static Deployment deployment(ModelDeployment md, ModelVersion version, int replicas, String track,
      String ferryImage) {
    ModelDeploymentSpec.Server server = md.getSpec().server;
    long number = version.getSpec().version;
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Ferry.LABEL_DEPLOYMENT, md.getMetadata().getName());
    selector.put(Ferry.LABEL_VERSION, String.valueOf(number));
    // The pods' labels never change: traffic moves by Service selectors, so the pods that passed
    // the smoke test are the pods that serve production. The track is on the Deployment only.
    Map<String, String> podLabels = labels(md);
    podLabels.put(Ferry.LABEL_VERSION, String.valueOf(number));
    Map<String, String> labels = new LinkedHashMap<>(podLabels);
    labels.put(Ferry.LABEL_TRACK, track);

    String artifact = version.getSpec().artifact.uri;
    List<EnvVar> env = new ArrayList<>();
    env.add(env("FERRY_MODEL_NAME", md.getSpec().model));
    env.add(env("FERRY_MODEL_VERSION", String.valueOf(number)));
    env.add(env("FERRY_MODEL_URI", artifact));
    Optional<ObjectUri> inBucket = ObjectUri.parse(artifact);
    env.add(env("FERRY_MODEL_PATH", inBucket.map(StorageContainers::servedModelPath)
        .orElseGet(() -> PvcUris.containerPath(artifact))));
    env.add(env("FERRY_SERVER_PORT", String.valueOf(port(md))));
    if (server.env != null) {
      env.addAll(server.env);
    }
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    List<Container> inits = new ArrayList<>();
    inBucket.ifPresent(uri -> {
      if (ferryImage == null) {
        throw new IllegalArgumentException("an s3:// or gs:// artifact needs Ferry's image for its download");
      }
      inits.add(StorageContainers.fetchServedModel(uri, version.getSpec().artifact.digest, md.getSpec().storage,
          ferryImage));
      volumes.add(StorageContainers.scratch(StorageContainers.MODEL_VOLUME));
      mounts.add(StorageContainers.mount(StorageContainers.MODEL_VOLUME, StorageContainers.MODEL_DIR, true));
    });
    PvcUris.parse(artifact).ifPresent(pvc -> {
      volumes.add(new VolumeBuilder().withName(pvc.volumeName()).withNewPersistentVolumeClaim()
          .withClaimName(pvc.claim()).withReadOnly(true).endPersistentVolumeClaim().build());
      mounts.add(new VolumeMountBuilder().withName(pvc.volumeName()).withMountPath(pvc.mountPath())
          .withReadOnly(true).build());
    });

    var container = new ContainerBuilder()
        .withName("server")
        .withImage(server.image)
        .withArgs(server.args)
        .withEnv(env)
        .addNewPort().withName("http").withContainerPort(port(md)).withProtocol("TCP").endPort()
        .withNewReadinessProbe()
          .withNewHttpGet().withPath(server.readinessPath == null ? "/v2/health/ready" : server.readinessPath)
            .withPort(new IntOrString("http")).endHttpGet()
          .withPeriodSeconds(5).withFailureThreshold(3)
        .endReadinessProbe()
        .withResources(server.resources)
        .withVolumeMounts(mounts)
        .withSecurityContext(PodSecurity.restrictedContainer())
        .build();

    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata()
          .withName(deploymentName(md, number))
          .withNamespace(md.getMetadata().getNamespace())
          .withLabels(labels)
          .withOwnerReferences(owner(md))
        .endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withProgressDeadlineSeconds(md.getSpec().progressDeadlineSeconds)
          .withNewSelector().withMatchLabels(selector).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(podLabels).endMetadata()
            .withNewSpec()
              .withSecurityContext(PodSecurity.restrictedPod())
              .withInitContainers(inits)
              .withContainers(container)
              .withVolumes(volumes)
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
    deployment.getSpec().setTemplate(PodTemplates.apply(deployment.getSpec().getTemplate(), List.of(server)));
    return deployment;
  }

  /**
   * The production Service. With one version on the production track it selects that version's
   * pods; during a canary (two versions on it) it selects every pod of the deployment, so the
   * replicas set the weight (the planner runs no other version then); before any version is in
   * production it selects none. Only the selector moves: no pod is relabelled or restarted.
   */
  public static Service productionService(ModelDeployment md, java.util.Collection<Long> productionVersions) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Ferry.LABEL_DEPLOYMENT, md.getMetadata().getName());
    if (productionVersions.isEmpty()) {
      selector.put(Ferry.LABEL_VERSION, "none");
    } else if (productionVersions.size() == 1) {
      selector.put(Ferry.LABEL_VERSION, String.valueOf(productionVersions.iterator().next()));
    }
    return service(md, md.getMetadata().getName(), selector);
  }

  /** The Service over the staging track: the pods of one version. */
  public static Service stagingService(ModelDeployment md, long version) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Ferry.LABEL_DEPLOYMENT, md.getMetadata().getName());
    selector.put(Ferry.LABEL_VERSION, String.valueOf(version));
    return service(md, stagingServiceName(md), selector);
  }

  static Service service(ModelDeployment md, String name, Map<String, String> selector) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(md.getMetadata().getNamespace())
          .withLabels(labels(md)).withOwnerReferences(owner(md)).endMetadata()
        .withNewSpec()
          .withSelector(selector)
          .addNewPort().withName("http").withPort(port(md)).withTargetPort(new IntOrString("http"))
            .withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /**
   * The Job that runs Ferry's smoke-test against the staging Service. {@code retry} is the
   * ferry.dev/retry request that made the version the candidate again (null otherwise): it is part
   * of the desired state, so a retried version gets a new Job instead of its old failed one.
   */
  public static Job smokeJob(ModelDeployment md, long version, String ferryImage, String retry) {
    ModelDeploymentSpec.SmokeTest smoke = md.getSpec().smokeTest;
    Map<String, String> labels = labels(md);
    labels.put(Ferry.LABEL_VERSION, String.valueOf(version));
    List<EnvVar> env = List.of(
        env("FERRY_SMOKE_URL", url(md, stagingServiceName(md))),
        env("FERRY_NAMESPACE", md.getMetadata().getNamespace()),
        env("FERRY_MODEL_NAME", md.getSpec().model),
        env("FERRY_MODEL_VERSION", String.valueOf(version)),
        env("FERRY_SMOKE_REQUESTS_DIR", SMOKE_REQUESTS_DIR),
        env("FERRY_SMOKE_MAX_LATENCY_MS", String.valueOf(smoke.maxLatencyMs == null ? 1000 : smoke.maxLatencyMs)),
        env("FERRY_RESULT_PATH", "/dev/termination-log"));
    return new JobBuilder()
        .withNewMetadata().withName(smokeJobName(md, version)).withNamespace(md.getMetadata().getNamespace())
          .withLabels(labels).withAnnotations(retry == null ? Map.of() : Map.of(Ferry.ANNOTATION_RETRY, retry))
          .withOwnerReferences(owner(md)).endMetadata()
        .withNewSpec()
          .withBackoffLimit(0)
          .withActiveDeadlineSeconds(600L)
          .withNewTemplate()
            .withNewMetadata().withLabels(smokePodLabels(md, version)).endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              .withSecurityContext(PodSecurity.restrictedPod())
              .addNewContainer()
                .withName("smoke-test").withImage(ferryImage).withArgs("smoke-test").withEnv(env)
                .withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .addNewVolumeMount().withName("requests").withMountPath(SMOKE_REQUESTS_DIR).withReadOnly(true)
                .endVolumeMount()
                .withSecurityContext(PodSecurity.restrictedContainer())
              .endContainer()
              .addNewVolume().withName("requests").withNewConfigMap()
                .withName(smoke.requests.configMapRef).endConfigMap().endVolume()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The smoke-test pod's labels: not the deployment and version labels the Services select on,
   * or the Services would count the test's own pod as a server endpoint.
   */
  private static Map<String, String> smokePodLabels(ModelDeployment md, long version) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
    labels.put(Ferry.LABEL_MODEL, md.getSpec().model);
    labels.put(Ferry.GROUP + "/smoke-test", smokeJobName(md, version));
    return labels;
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
