package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.StorageSpec;
import dev.ferry.kube.RestrictedPodSecurity;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.junit.jupiter.api.Test;

/** A model server whose version lives in a bucket gets it from a storage initializer, checked against its digest. */
class ServingFromBucketsTest {
  private static final String DIGEST = "sha256:" + "d".repeat(64);

  private static ModelVersion version(String uri, String digest) {
    ModelVersion version = new ModelVersion();
    version.getMetadata().setName("churn-v3");
    version.setSpec(new ModelVersionSpec());
    version.getSpec().model = "churn";
    version.getSpec().version = 3L;
    version.getSpec().artifact = new ModelVersionSpec.Artifact();
    version.getSpec().artifact.uri = uri;
    version.getSpec().artifact.digest = digest;
    return version;
  }

  private static String env(io.fabric8.kubernetes.api.model.Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  @Test
  void aBucketArtifactIsDownloadedBeforeTheServerStartsAndMustHaveItsRecordedDigest() {
    var md = Fixtures.deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, 2);
    md.getMetadata().setNamespace("ml");
    md.getMetadata().setUid("uid-md");
    md.getSpec().storage = new StorageSpec();
    md.getSpec().storage.secretRef = "model-bucket";
    var pod = ServingBuilders.deployment(md, version("s3://ml-models/churn/runs/r3-1a2b3c4d/", DIGEST), 2,
        ServingBuilders.PRODUCTION, "ferry:1.2").getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
      assertThat(init.getName()).isEqualTo("fetch-model");
      assertThat(init.getImage()).isEqualTo("ferry:1.2");
      assertThat(init.getArgs()).containsSubsequence("--expect-sha256", DIGEST, "s3://ml-models/churn/runs/r3-1a2b3c4d/",
          "/ferry/model");
      assertThat(init.getEnvFrom()).extracting(f -> f.getSecretRef().getName()).containsExactly("model-bucket");
    });
    var server = pod.getContainers().get(0);
    assertThat(env(server, "FERRY_MODEL_PATH")).isEqualTo("/ferry/model");
    assertThat(env(server, "FERRY_MODEL_URI")).isEqualTo("s3://ml-models/churn/runs/r3-1a2b3c4d/");
    assertThat(server.getEnvFrom()).as("the server never gets the keys").isNullOrEmpty();
    assertThat(server.getVolumeMounts()).extracting(m -> m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("/ferry/model:true");
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
  }

  @Test
  void oneObjectIsServedAsAFileAndAVersionWithoutADigestIsStillServed() {
    var md = Fixtures.deployment(ModelDeploymentSpec.Promotion.Mode.Manual, 1);
    var pod = ServingBuilders.deployment(md, version("gs://ml-models/churn/model.onnx", null), 1,
        ServingBuilders.STAGING, "ferry:1").getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers().get(0).getArgs()).doesNotContain("--expect-sha256")
        .endsWith("gs://ml-models/churn/model.onnx", "/ferry/model/model.onnx");
    assertThat(env(pod.getContainers().get(0), "FERRY_MODEL_PATH")).isEqualTo("/ferry/model/model.onnx");
  }

  @Test
  void aClaimArtifactNeedsNoInitializer() {
    var md = Fixtures.deployment(ModelDeploymentSpec.Promotion.Mode.Manual, 1);
    var pod = ServingBuilders.deployment(md, version("pvc://models/churn/runs/r3/", null), 1,
        ServingBuilders.STAGING, "ferry:1").getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(env(pod.getContainers().get(0), "FERRY_MODEL_PATH")).isEqualTo("/ferry/pvc/models/churn/runs/r3");
  }
}
