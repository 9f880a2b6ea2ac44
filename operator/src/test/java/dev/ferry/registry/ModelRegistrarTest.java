package dev.ferry.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.local.EmbeddedApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Registration against an API server, with the faults a real one shows: a committed create that looks failed. */
class ModelRegistrarTest {
  private EmbeddedApiServer api;
  private KubernetesClient admin;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start(0);
    admin = api.client();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static ModelVersionSpec spec(String artifact) {
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.model = "churn";
    spec.artifact = new ModelVersionSpec.Artifact();
    spec.artifact.uri = artifact;
    return spec;
  }

  /**
   * A client whose first create of a ModelVersion is committed on the server but answered as if it
   * were not: the client's own retry then meets 409 AlreadyExists (a 504 from a proxy, retried).
   */
  private KubernetesClient clientWithACommittedCreateThatTimesOut(String runUid) {
    AtomicBoolean done = new AtomicBoolean();
    return new KubernetesClientBuilder().withConfig(admin.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("commit-then-409", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            if ("POST".equals(request.method()) && request.uri().getPath().endsWith("/modelversions")
                && done.compareAndSet(false, true)) {
              ModelVersion committed = new ModelVersion();
              committed.getMetadata().setName("churn-v1");
              committed.getMetadata().setNamespace("ml");
              committed.getMetadata().setLabels(java.util.Map.of(ModelRegistrar.LABEL_RUN_UID, runUid,
                  dev.ferry.api.v1alpha1.Ferry.LABEL_MODEL, "churn"));
              ModelVersionSpec s = spec("pvc://models/churn/runs/r1-aaaa/");
              s.version = 1L;
              committed.setSpec(s);
              admin.resource(committed).create();
            }
          }
        })).build();
  }

  @Test
  void aCommittedCreateAnsweredAsFailedStillLeavesOneVersion() {
    try (KubernetesClient client = clientWithACommittedCreateThatTimesOut("run-1")) {
      ModelVersion registered = new ModelRegistrar(client).register("ml", "run-1", spec("pvc://models/churn/runs/r1-aaaa/"));
      assertThat(registered.getMetadata().getName()).isEqualTo("churn-v1");
    }
    assertThat(admin.resources(ModelVersion.class).inNamespace("ml").list().getItems()).as("no twin")
        .extracting(v -> v.getMetadata().getName()).containsExactly("churn-v1");
  }

  @Test
  void aNumberTakenByAnotherRunMovesOnToTheNext() {
    try (KubernetesClient client = clientWithACommittedCreateThatTimesOut("another-run")) {
      ModelVersion registered = new ModelRegistrar(client).register("ml", "run-2", spec("pvc://models/churn/runs/r2-bbbb/"));
      assertThat(registered.getMetadata().getName()).isEqualTo("churn-v2");
    }
  }

  @Test
  void anArtifactInsideAnotherVersionsArtifactIsRefused() {
    ModelRegistrar registrar = new ModelRegistrar(admin);
    registrar.register("ml", "run-1", spec("pvc://models/churn/runs/r1-aaaa/"));
    for (String overlapping : new String[] {"pvc://models/churn/runs/r1-aaaa", "pvc://models/churn/runs/r1-aaaa/sub/",
        "pvc://models/churn/"}) {
      assertThatThrownBy(() -> registrar.register("ml", "run-x", spec(overlapping)))
          .isInstanceOf(ModelRegistrar.ArtifactInUseException.class)
          .hasMessageContaining("ModelVersion churn-v1").hasMessageContaining(overlapping);
    }
    assertThat(registrar.register("ml", "run-3", spec("pvc://models/churn/runs/r1-aaaab/")).getSpec().version)
        .as("a sibling with a common prefix is another folder").isEqualTo(2L);
  }
}
