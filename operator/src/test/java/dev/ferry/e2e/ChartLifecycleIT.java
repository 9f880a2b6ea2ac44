package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ferry installed as a platform team installs it: {@code helm install} of the chart against the
 * real API server, the chart's own operator Deployment run by the node agent as the chart's
 * ServiceAccount (so with exactly the RBAC the chart grants), PodSecurity {@code restricted}
 * enforced on both namespaces; then the quickstart's manifests applied as shipped, and deleted
 * again to see the garbage collector remove exactly Ferry's children.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartLifecycleIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static final Duration LIFECYCLE = Duration.ofMinutes(6);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static String system;
  private static String ml;
  private static Helm chart;

  @BeforeAll
  static void install() throws IOException {
    system = cluster.namespace("ferry-system");
    ml = cluster.namespace("quickstart");
    Files.createDirectories(cluster.runDir().resolve("jna"));
    System.setProperty("jna.tmpdir", cluster.runDir().resolve("jna").toString());
    chart = new Helm(RealCluster.ROOT.resolve("helm").resolve("ferry"));
    chart.install().withName("ferry").withNamespace(system).withKubeConfig(cluster.plane().kubeconfig())
        // A Lease, as in production: the operator must start and stop cleanly with it.
        .set("leaderElection.enabled", "true")
        .call();
  }

  @AfterAll
  static void uninstall() {
    if (chart != null) {
      Helm.uninstall("ferry").withNamespace(system).withKubeConfig(cluster.plane().kubeconfig()).call();
    }
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  private static <T extends HasMetadata> T await(Class<T> type, String name, Predicate<T> condition) {
    return client().resources(type).inNamespace(ml).withName(name)
        .waitUntilCondition(r -> r != null && condition.test(r), LIFECYCLE.toSeconds(), TimeUnit.SECONDS);
  }

  /** The logs of every operator pod the chart made (one per install or upgrade). */
  private static List<Path> operatorLogs() throws IOException {
    try (Stream<Path> logs = Files.list(cluster.runDir().resolve("pods").resolve(system))) {
      // The pods' logs; their emptyDir volumes are folders beside them.
      List<Path> found = logs.filter(p -> p.getFileName().toString().startsWith("ferry-")
          && p.getFileName().toString().endsWith(".log")).sorted().toList();
      assertThat(found).as("operator logs in " + cluster.runDir().resolve("pods")).isNotEmpty();
      return found;
    }
  }

  @Test
  @Order(1)
  void theChartsOperatorBecomesAvailableAsItsServiceAccount() throws IOException {
    var deployment = client().apps().deployments().inNamespace(system).withName("ferry").waitUntilCondition(d ->
        d != null && d.getStatus() != null && d.getStatus().getAvailableReplicas() != null
            && d.getStatus().getAvailableReplicas() == 1, 180, TimeUnit.SECONDS);
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("ferry");
    Pod pod = client().pods().inNamespace(system).withLabel("app.kubernetes.io/name", "ferry").list().getItems().get(0);
    assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.node().nodeName());
    assertThat(Files.readString(operatorLogs().get(0))).contains("Ferry operator started");
  }

  @Test
  @Order(2)
  void theQuickstartAsShippedTrainsValidatesAndServesVersionOne() throws IOException {
    cluster.applyQuickstart(ml);
    ModelVersion v1 = await(ModelVersion.class, "churn-v1", v -> v.getStatus() != null
        && Conditions.isTrue(v.getStatus(), "Validated"));
    assertThat(v1.getSpec().metrics.get("auc")).isGreaterThan(0.75);
    ModelDeployment md = await(ModelDeployment.class, "churn", m -> m.getStatus() != null
        && Long.valueOf(1).equals(m.getStatus().productionVersion) && "Stable".equals(m.getStatus().phase));
    assertThat(Conditions.isTrue(md.getStatus(), "Ready")).isTrue();
    // The policy's CronJob, once its baseline (the production version's training data) is known.
    Instant deadline = Instant.now().plus(LIFECYCLE);
    while (client().batch().v1().cronjobs().inNamespace(ml).withLabel(Ferry.LABEL_DRIFT_POLICY, "churn-drift")
        .list().getItems().isEmpty()) {
      assertThat(Instant.now()).as("the DriftPolicy's CronJob appears").isBefore(deadline);
      sleep(500);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  @Order(3)
  void driftRetrainsAndTheNewVersionIsPromoted() {
    // The quickstart's production data has drifted: the policy retrains, and v2 passes the gates.
    ModelDeployment md = await(ModelDeployment.class, "churn", m -> Long.valueOf(2).equals(m.getStatus().productionVersion)
        && "Stable".equals(m.getStatus().phase));
    assertThat(md.getStatus().history).extracting(h -> h.version + " " + h.outcome).containsExactly("1 Replaced");
    assertThat(client().resources(TrainingRun.class).inNamespace(ml).list().getItems())
        .extracting(r -> r.getSpec().trigger.kind.toString()).containsExactlyInAnyOrder("DatasetChange", "Drift");
    await(ModelVersion.class, "churn-v1", v -> v.getStatus().stage == dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Retired);
    await(ModelVersion.class, "churn-v2", v -> v.getStatus().stage == dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production);
    // The real Deployment controller counts the pods the node agent made ready.
    client().apps().deployments().inNamespace(ml).withName("churn-v2").waitUntilCondition(d -> d.getStatus() != null
        && Integer.valueOf(2).equals(d.getStatus().getReadyReplicas())
        && Integer.valueOf(2).equals(d.getStatus().getReplicas()), 120, TimeUnit.SECONDS);
    // Staged, smoke tested, promoted: one pod template all along, so no pod was replaced.
    assertThat(client().apps().replicaSets().inNamespace(ml).withLabel(Ferry.LABEL_VERSION, "2").list().getItems())
        .as("ReplicaSets of v2 (a second one means its pods were replaced)").hasSize(1);
  }

  @Test
  @Order(4)
  void helmUpgradeReplacesTheOperatorAndTheModelsStayServed() {
    String before = client().pods().inNamespace(system).withLabel("app.kubernetes.io/name", "ferry").list().getItems()
        .get(0).getMetadata().getName();
    chart.upgrade().withName("ferry").withNamespace(system).withKubeConfig(cluster.plane().kubeconfig())
        .reuseValues().set("tmpSizeLimit", "128Mi").call();
    client().pods().inNamespace(system).withLabel("app.kubernetes.io/name", "ferry").waitUntilCondition(p -> p != null
        && !p.getMetadata().getName().equals(before) && p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
        180, TimeUnit.SECONDS);
    // With leader election the chart rolls with a surge: the new pod waits for the Lease the old one gives up.
    client().pods().inNamespace(system).withName(before).waitUntilCondition(p -> p == null, 120, TimeUnit.SECONDS);
    // The new operator reconciles everything again and changes nothing: v2 stays in production.
    ModelDeployment md = client().resources(ModelDeployment.class).inNamespace(ml).withName("churn").get();
    assertThat(md.getStatus().productionVersion).isEqualTo(2L);
    assertThat(client().resources(ModelVersion.class).inNamespace(ml).list().getItems()).hasSize(2);
  }

  @Test
  @Order(5)
  void aSecondDeploymentOfTheModelGetsAConflictAndServesNothing() {
    ModelDeployment second = new ModelDeployment();
    second.getMetadata().setName("churn-again");
    second.getMetadata().setNamespace(ml);
    second.setSpec(client().resources(ModelDeployment.class).inNamespace(ml).withName("churn").get().getSpec());
    client().resource(second).create();
    ModelDeployment idle = await(ModelDeployment.class, "churn-again", m -> m.getStatus() != null
        && Conditions.find(m.getStatus(), "Ready").map(c -> "Conflict".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(idle.getStatus(), "Ready").orElseThrow().getMessage()).contains("by ModelDeployment churn");
    assertThat(client().apps().deployments().inNamespace(ml).withLabel(Ferry.LABEL_DEPLOYMENT, "churn-again").list()
        .getItems()).isEmpty();
    assertThat(client().resources(ModelVersion.class).inNamespace(ml).withName("churn-v2").get().getStatus().stage)
        .isEqualTo(dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production);
    client().resource(idle).delete();
  }

  @Test
  @Order(6)
  void nothingWasForbiddenRefusedOrLoggedWithAStackTrace() throws IOException {
    List<String> refused = new ArrayList<>();
    for (String namespace : List.of(system, ml)) {
      for (Event e : client().v1().events().inNamespace(namespace).list().getItems()) {
        if (e.getMessage() != null && (e.getMessage().contains("violates PodSecurity")
            || e.getMessage().contains("forbidden"))) {
          refused.add(namespace + ": " + e.getReason() + ": " + e.getMessage());
        }
      }
    }
    assertThat(refused).as("pods or requests refused").isEmpty();

    // The API server's own account of every request the chart's operator made.
    String operatorUser = "system:serviceaccount:" + system + ":ferry";
    long requests = 0;
    List<String> forbidden = new ArrayList<>();
    List<String> rejectedPods = new ArrayList<>();
    Map<Integer, Long> codes = new java.util.TreeMap<>();
    for (String line : Files.readAllLines(cluster.plane().auditLog())) {
      JsonNode event = JSON.readTree(line);
      int code = event.path("responseStatus").path("code").asInt();
      String what = event.path("verb").asText() + " " + event.path("objectRef").path("resource").asText() + " "
          + event.path("objectRef").path("namespace").asText() + "/" + event.path("objectRef").path("name").asText();
      if (operatorUser.equals(event.path("user").path("username").asText())) {
        requests++;
        codes.merge(code, 1L, Long::sum);
        if (code == 403) {
          forbidden.add(what);
        }
      }
      if (code == 403 && "pods".equals(event.path("objectRef").path("resource").asText())
          && List.of(system, ml).contains(event.path("objectRef").path("namespace").asText())) {
        rejectedPods.add(event.path("user").path("username").asText() + ": " + what);
      }
    }
    System.out.printf("chart lifecycle: the operator made %d requests; response codes %s%n", requests, codes);
    assertThat(requests).as("requests by " + operatorUser + " in the audit log").isGreaterThan(100);
    assertThat(forbidden).as("the operator's requests the chart's RBAC refused").isEmpty();
    assertThat(rejectedPods).as("pods refused (PodSecurity restricted)").isEmpty();
    List<String> lines = new ArrayList<>();
    for (Path log : operatorLogs()) {
      lines.addAll(Files.readAllLines(log));
    }
    assertThat(lines).as("the operator's requests the chart's RBAC refused")
        .noneMatch(l -> l.contains("Forbidden") || l.contains("forbidden") || l.contains(" 403"));
    // A stack trace belongs to the log line above it (the exception's own lines come between).
    List<String> traces = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).startsWith("\tat ") && !lines.get(i - 1).startsWith("\tat ")) {
        int logLine = i - 1;
        while (logLine > 0 && !lines.get(logLine).matches("^\\d\\d:\\d\\d:\\d\\d.*")) {
          logLine--;
        }
        if (lines.get(logLine).contains(" WARN ") || lines.get(logLine).contains(" ERROR ")) {
          traces.add(lines.get(logLine));
        }
      }
    }
    assertThat(traces).as("WARN or ERROR lines followed by a stack trace").isEmpty();
  }

  @Test
  @Order(7)
  void deletingEachResourceRemovesExactlyItsChildrenAndNeverAModelVersion() {
    List<ModelVersion> versions = client().resources(ModelVersion.class).inNamespace(ml).list().getItems();
    assertThat(versions).isNotEmpty();

    client().resources(DriftPolicy.class).inNamespace(ml).withName("churn-drift").delete();
    client().batch().v1().cronjobs().inNamespace(ml).withLabel(Ferry.LABEL_DRIFT_POLICY, "churn-drift")
        .waitUntilCondition(c -> c == null, 60, TimeUnit.SECONDS);
    awaitEmpty(() -> client().batch().v1().cronjobs().inNamespace(ml).list().getItems(), "CronJobs");

    client().resources(ModelDeployment.class).inNamespace(ml).withName("churn").delete();
    awaitEmpty(() -> client().apps().deployments().inNamespace(ml).list().getItems(), "Deployments");
    awaitEmpty(() -> client().services().inNamespace(ml).withLabel(Ferry.LABEL_DEPLOYMENT).list().getItems(),
        "Services");
    awaitEmpty(() -> client().pods().inNamespace(ml).withLabel(Ferry.LABEL_DEPLOYMENT).list().getItems(),
        "serving and smoke-test pods");

    client().resources(TrainingPipeline.class).inNamespace(ml).withName("churn").delete();
    awaitEmpty(() -> client().resources(TrainingRun.class).inNamespace(ml).list().getItems(), "TrainingRuns");
    awaitEmpty(() -> client().batch().v1().jobs().inNamespace(ml).list().getItems(), "Jobs");

    assertThat(client().resources(ModelVersion.class).inNamespace(ml).list().getItems())
        .extracting(v -> v.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(versions.stream().map(v -> v.getMetadata().getName()).toList());
    assertThat(client().configMaps().inNamespace(ml).withName("churn-smoke").get())
        .as("the user's own ConfigMap is not Ferry's to delete").isNotNull();
  }

  private static void awaitEmpty(java.util.function.Supplier<List<? extends HasMetadata>> list, String what) {
    Instant deadline = Instant.now().plusSeconds(90);
    List<? extends HasMetadata> left = list.get();
    while (!left.isEmpty() && Instant.now().isBefore(deadline)) {
      sleep(500);
      left = list.get();
    }
    assertThat(left).as(what + " left after their owner was deleted").extracting(o -> o.getMetadata().getName())
        .isEmpty();
  }
}
