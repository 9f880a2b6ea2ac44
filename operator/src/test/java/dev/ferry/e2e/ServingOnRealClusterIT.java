package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.kube.Conditions;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Serving on the real API server, controllers and garbage collector: the quickstart as shipped
 * goes to v2, and then promotion, rollback (warm and cold) and convergence are checked the way
 * the cluster itself reports them: ReplicaSets, pod UIDs, Service selectors, generations, and
 * the API server's audit log of the operator's own writes (it runs as its own ServiceAccount).
 */
class ServingOnRealClusterIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static final ObjectMapper JSON = new ObjectMapper();
  private Process operator;
  private Watch podWatch;

  @AfterEach
  void stop() {
    if (podWatch != null) {
      podWatch.close();
    }
    if (operator != null) {
      operator.destroyForcibly();
    }
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  /** A ServiceAccount for the operator, admin in the namespace, so the audit log tells its requests apart. */
  private static String operatorToken(String ns) {
    client().serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("ferry-e2e").endMetadata().build()).create();
    client().rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("ferry-e2e-admin").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName("admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
        .withName("ferry-e2e").withNamespace(ns).endSubject().build()).create();
    client().rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("ferry-e2e-ferry").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName("cluster-admin").endRoleRef().addNewSubject().withKind("ServiceAccount")
        .withName("ferry-e2e").withNamespace(ns).endSubject().build()).create();
    return client().serviceAccounts().inNamespace(ns).withName("ferry-e2e").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(6 * 3600L).endSpec().build()).getStatus().getToken();
  }

  private static ModelDeployment md(String ns) {
    return client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
  }

  private static ModelDeployment awaitMd(String ns, Duration within, Predicate<ModelDeployment> condition) {
    return await().atMost(within).pollInterval(Duration.ofMillis(100))
        .until(() -> md(ns), m -> m != null && m.getStatus() != null && condition.test(m));
  }

  private static Predicate<ModelDeployment> servesReady(long version) {
    return m -> Long.valueOf(version).equals(m.getStatus().productionVersion) && "Stable".equals(m.getStatus().phase)
        && Conditions.isTrue(m.getStatus(), "Ready");
  }

  /** A user's edit: read, change, write, and again on a 409 (the operator writes the status meanwhile). */
  private static void edit(String ns, java.util.function.Consumer<ModelDeployment> change) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(
        io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
          ModelDeployment md = md(ns);
          change.accept(md);
          client().resource(md).update();
          return true;
        });
  }

  private static void annotate(String ns, String key, String value) {
    edit(ns, m -> m.getMetadata().getAnnotations().put(key, value));
  }

  private static Set<String> podUids(String ns, long version) {
    return Set.copyOf(client().pods().inNamespace(ns).withLabel(Ferry.LABEL_VERSION, String.valueOf(version)).list()
        .getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> !p.getMetadata().getLabels().containsKey("job-name"))
        .map(p -> p.getMetadata().getUid()).toList());
  }

  private static String selectedVersion(String ns) {
    var service = client().services().inNamespace(ns).withName("churn").get();
    return service == null ? null : service.getSpec().getSelector().get(Ferry.LABEL_VERSION);
  }

  /** Writes the operator (as {@code user}) made in the namespace to serving objects since audit line {@code from}. */
  private static List<String> servingWrites(String ns, String user, long from) throws Exception {
    List<String> writes = new ArrayList<>();
    List<String> lines = Files.readAllLines(cluster.plane().auditLog());
    for (String line : lines.subList((int) Math.min(from, lines.size()), lines.size())) {
      JsonNode event = JSON.readTree(line);
      JsonNode ref = event.path("objectRef");
      String resource = ref.path("resource").asText() + (ref.has("subresource") ? "/" + ref.path("subresource").asText()
          : "");
      if (user.equals(event.path("user").path("username").asText()) && ns.equals(ref.path("namespace").asText())
          && List.of("create", "update", "patch", "delete").contains(event.path("verb").asText())
          && List.of("deployments", "services", "jobs", "modeldeployments", "modeldeployments/status").contains(resource)) {
        writes.add(event.path("verb").asText() + " " + resource + " " + ref.path("name").asText());
      }
    }
    return writes;
  }

  private static long auditLines() throws Exception {
    try (var lines = Files.lines(cluster.plane().auditLog())) {
      return lines.count();
    }
  }

  @Test
  void promotionReplacesNoPodRollbackMovesTheServiceAndAConvergedDeploymentWritesNothing(TestInfo test)
      throws Exception {
    String ns = cluster.namespace(test.getDisplayName());
    String user = "system:serviceaccount:" + ns + ":ferry-e2e";
    Map<String, String> created = new ConcurrentHashMap<>();
    Map<String, String> deleted = new ConcurrentHashMap<>();
    podWatch = client().pods().inNamespace(ns).withLabel(Ferry.LABEL_VERSION, "2").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        if (pod.getMetadata().getLabels().containsKey("job-name")) {
          return; // the smoke test's pod is not a server
        }
        if (action == Action.ADDED) {
          created.put(pod.getMetadata().getUid(), pod.getMetadata().getName());
        } else if (action == Action.DELETED) {
          deleted.put(pod.getMetadata().getUid(), pod.getMetadata().getName());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    });
    operator = OperatorProcess.start(cluster, "serving", ns, Map.of("KUBERNETES_AUTH_TOKEN", operatorToken(ns)));
    cluster.applyQuickstart(ns);

    // The quickstart as shipped: v1, drift, retrain, v2 promoted automatically after its smoke test.
    awaitMd(ns, Duration.ofMinutes(6), servesReady(2));
    Deployment v2 = client().apps().deployments().inNamespace(ns).withName("churn-v2").get();
    var replicaSets = client().apps().replicaSets().inNamespace(ns).withLabel(Ferry.LABEL_VERSION, "2").list()
        .getItems();
    assertThat(replicaSets).as("one pod template from staging to production: promotion rolled nothing")
        .hasSize(1);
    assertThat(deleted).as("v2 pods replaced at promotion").isEmpty();
    assertThat(created).as("the staging pod, plus one to reach 2 production replicas").hasSize(v2.getSpec().getReplicas());
    assertThat(podUids(ns, 2)).containsExactlyInAnyOrderElementsOf(created.keySet());
    assertThat(selectedVersion(ns)).isEqualTo("2");

    // Warm rollback: v1 still runs out of traffic; the Service moves and no pod starts.
    Set<String> warmV1 = podUids(ns, 1);
    assertThat(warmV1).as("v1 kept warm after its replacement").hasSize(2);
    long start = System.nanoTime();
    annotate(ns, Ferry.ANNOTATION_ROLLBACK, "e2e-warm");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> "1".equals(selectedVersion(ns)));
    long warmMillis = (System.nanoTime() - start) / 1_000_000;
    awaitMd(ns, Duration.ofSeconds(30), servesReady(1));
    assertThat(podUids(ns, 1)).as("the warm pods took the traffic").isEqualTo(warmV1);

    // Convergence: a spec change reaches the serving Deployment once; then reconciles write nothing.
    long before = client().apps().deployments().inNamespace(ns).withName("churn-v1").get().getMetadata()
        .getGeneration();
    edit(ns, m -> m.getSpec().server.env.add(new EnvVar("FERRY_E2E_CHANGE", "1", null)));
    await().atMost(Duration.ofSeconds(60)).until(() -> client().apps().deployments().inNamespace(ns)
        .withName("churn-v1").get(), d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .anyMatch(e -> "FERRY_E2E_CHANGE".equals(e.getName())) && d.getStatus() != null
        && Long.valueOf(d.getMetadata().getGeneration()).equals(d.getStatus().getObservedGeneration())
        && Integer.valueOf(2).equals(d.getStatus().getUpdatedReplicas()) && Integer.valueOf(2).equals(
            d.getStatus().getReadyReplicas()) && Integer.valueOf(2).equals(d.getStatus().getReplicas()));
    assertThat(client().apps().deployments().inNamespace(ns).withName("churn-v1").get().getMetadata().getGeneration())
        .as("one update for one change").isEqualTo(before + 1);
    awaitMd(ns, Duration.ofSeconds(60), servesReady(1));
    Thread.sleep(2000); // let the status writes of the rollout itself land before the quiet window
    long mark = auditLines();
    for (int i = 0; i < 5; i++) {
      annotate(ns, "test.ferry.dev/poke", String.valueOf(i));
      Thread.sleep(400);
    }
    Thread.sleep(2000);
    assertThat(servingWrites(ns, user, mark)).as("writes of a converged ModelDeployment over 5 reconciles").isEmpty();

    // Cold rollback: v2 tried again, promoted with no warm predecessor; back to v1 it says RollingBack.
    edit(ns, m -> m.getSpec().rollout.scaleDownDelaySeconds = 0);
    annotate(ns, Ferry.ANNOTATION_RETRY, "2");
    awaitMd(ns, Duration.ofMinutes(3), servesReady(2));
    await().atMost(Duration.ofSeconds(60)).until(() -> podUids(ns, 1).isEmpty());
    List<String> phases = new ArrayList<>();
    List<String> readyDuring = new ArrayList<>();
    long coldStart = System.nanoTime();
    annotate(ns, Ferry.ANNOTATION_ROLLBACK, "e2e-cold");
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
      ModelDeployment m = md(ns);
      phases.add(m.getStatus().phase);
      if ("RollingBack".equals(m.getStatus().phase)) {
        Deployment v1 = client().apps().deployments().inNamespace(ns).withName("churn-v1").get();
        int v1Ready = v1 == null || v1.getStatus() == null || v1.getStatus().getReadyReplicas() == null ? 0
            : v1.getStatus().getReadyReplicas();
        readyDuring.add(selectedVersion(ns) + "/" + Conditions.isTrue(m.getStatus(), "Ready") + "/" + v1Ready);
      }
      return servesReady(1).test(m) && "1".equals(selectedVersion(ns));
    });
    long coldMillis = (System.nanoTime() - coldStart) / 1_000_000;
    assertThat(phases).as("never Stable before v1 is ready").contains("RollingBack");
    assertThat(readyDuring).as("while rolling back (selector/Ready/v1 ready pods): Ready=False, and the Service"
        + " moves to v1 only once v1 is ready").isNotEmpty().allMatch(s -> s.contains("/false/"))
        .allMatch(s -> !s.startsWith("1/") || s.endsWith("/2"));
    System.out.printf("serving on the real control plane: warm rollback %d ms to the Service, cold %d ms"
        + " (cold/warm %.1f)%n", warmMillis, coldMillis, (double) coldMillis / Math.max(1, warmMillis));
  }
}
