package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operator.FerryConfig;
import dev.ferry.operator.OperatorOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the chart renders for the default values and for a set that switches everything on. */
class ChartRenderTest {
  /** The operator's configuration, as the chart hands it over; the operator reads exactly these. */
  static final List<String> OPERATOR_ENV = List.of("FERRY_WATCH_NAMESPACES", "FERRY_IMAGE", "FERRY_LEADER_ELECTION",
      "FERRY_LEASE_NAME", "FERRY_LEASE_NAMESPACE", "FERRY_METRICS_PORT", "FERRY_LOG_FORMAT", "FERRY_LOG_LEVEL",
      "POD_NAME", "POD_NAMESPACE");

  @Test
  void defaultsRenderOneOperatorWatchingEveryNamespace() throws Exception {
    List<ObjectNode> objects = ChartRender.objects(Scenarios.DEFAULTS);
    assertThat(objects).extracting(o -> o.path("kind").asText())
        .containsExactlyInAnyOrder("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "Deployment",
            "Role", "RoleBinding"); // the Role: reading webhook Secrets in Ferry's own namespace only

    Deployment deployment = deployment(objects);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getStrategy().getType()).as("no leader election: never two operators at once")
        .isEqualTo("Recreate");
    Container operator = operator(deployment);
    assertThat(operator.getImage()).isEqualTo(FerryConfig.DEFAULT_IMAGE);
    assertThat(operator.getArgs()).containsExactly("operator");
    assertThat(values(operator)).containsEntry("FERRY_WATCH_NAMESPACES", "")
        .containsEntry("FERRY_IMAGE", FerryConfig.DEFAULT_IMAGE)
        .containsEntry("FERRY_LEADER_ELECTION", "false")
        .containsEntry("FERRY_LEASE_NAME", "ferry-leader")
        .containsEntry("FERRY_METRICS_PORT", "8080")
        .containsEntry("FERRY_LOG_FORMAT", "text")
        .containsEntry("FERRY_LOG_LEVEL", "info");
    assertThat(env(operator).get("FERRY_LEASE_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .as("the Lease lives in the pod's namespace by default").isEqualTo("metadata.namespace");
    assertThat(env(operator).get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env(operator).get("POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
  }

  @Test
  void theOperatorGetsExactlyItsConfigurationFromEnv() throws Exception {
    for (String values : Scenarios.all().values()) {
      Container operator = operator(deployment(ChartRender.objects(values)));
      List<String> names = operator.getEnv().stream().map(EnvVar::getName)
          .filter(n -> !n.equals("JAVA_TOOL_OPTIONS")).toList();
      assertThat(names).as("env of the operator container").containsExactlyElementsOf(OPERATOR_ENV);
    }
  }

  @Test
  void everythingSwitchedOn() throws Exception {
    List<ObjectNode> objects = ChartRender.objects(Scenarios.EVERYTHING);
    assertThat(objects).extracting(ChartRender::describe).containsExactlyInAnyOrder(
        "ServiceAccount ferry-system/ferry",
        "Role a/ferry", "RoleBinding a/ferry", "Role b/ferry", "RoleBinding b/ferry",
        "Role ferry-system/ferry-leader-election", "RoleBinding ferry-system/ferry-leader-election",
        "Role ferry-system/ferry-webhook-secrets", "RoleBinding ferry-system/ferry-webhook-secrets",
        "Service ferry-system/ferry-metrics", "Deployment ferry-system/ferry",
        "PodDisruptionBudget ferry-system/ferry", "ServiceMonitor ferry-system/ferry",
        "PrometheusRule ferry-system/ferry", "ConfigMap ferry-system/ferry-dashboard");

    Deployment deployment = deployment(objects);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    Container operator = operator(deployment);
    assertThat(values(operator)).containsEntry("FERRY_WATCH_NAMESPACES", "a,b")
        .containsEntry("FERRY_LEADER_ELECTION", "true")
        .containsEntry("FERRY_LOG_FORMAT", "json")
        .containsEntry("FERRY_LOG_LEVEL", "debug")
        .containsEntry("JAVA_TOOL_OPTIONS", "-Dhttps.proxyHost=proxy.example -Dhttps.proxyPort=3128");
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(45L);
    assertThat(pod.getImagePullSecrets()).extracting("name").containsExactly("regcred");
    assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(pod.getTolerations()).extracting("key").containsExactly("dedicated");
    assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("example.com/owner", "ml-platform");

    ObjectNode pdb = ChartRender.one(objects, "PodDisruptionBudget").orElseThrow();
    assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(pdb.at("/spec/selector")).as("the PDB selects the operator's pods")
        .isEqualTo(ChartRender.one(objects, "Deployment").orElseThrow().at("/spec/selector"));
    ObjectNode monitor = ChartRender.one(objects, "ServiceMonitor").orElseThrow();
    assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("metrics");
    ObjectNode service = ChartRender.one(objects, "Service").orElseThrow();
    assertThat(monitor.at("/spec/selector/matchLabels").properties()).allSatisfy(label ->
        assertThat(service.at("/metadata/labels").path(label.getKey()).asText()).isEqualTo(label.getValue().asText()));
  }

  /** The chart's comma list is what the operator's --namespaces option (env FERRY_WATCH_NAMESPACES) reads. */
  @Test
  void watchNamespacesReachTheOperatorAsItParsesThem() throws Exception {
    String rendered = values(operator(deployment(ChartRender.objects(Scenarios.EVERYTHING)))).get("FERRY_WATCH_NAMESPACES");
    OperatorOptions options = CommandLine.populateCommand(new OperatorOptions(), "--namespaces", rendered);
    assertThat(options.toConfig().namespaces()).isEqualTo(Set.of("a", "b"));

    String all = values(operator(deployment(ChartRender.objects(Scenarios.DEFAULTS)))).get("FERRY_WATCH_NAMESPACES");
    assertThat(CommandLine.populateCommand(new OperatorOptions(), "--namespaces", all).toConfig().namespaces())
        .as("an empty value watches every namespace").isEmpty();
  }

  @Test
  void probesAndPortsFollowMetricsPort() throws Exception {
    List<ObjectNode> objects = ChartRender.objects("metrics: {port: 9090}");
    Container operator = operator(deployment(objects));
    assertThat(operator.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(9090);
    });
    assertThat(values(operator)).containsEntry("FERRY_METRICS_PORT", "9090");
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(List.of(operator.getStartupProbe(), operator.getLivenessProbe(), operator.getReadinessProbe()))
        .allSatisfy(p -> assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo("metrics"));
    ObjectNode service = ChartRender.one(objects, "Service").orElseThrow();
    assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(9090);
    assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("metrics");
  }

  @Test
  void aPodDisruptionBudgetOnlyWithSeveralReplicas() {
    assertThat(ChartRender.one(ChartRender.objects("leaderElection: {enabled: true}"), "PodDisruptionBudget"))
        .as("one replica: a PDB would only block node drains").isEmpty();
    assertThat(ChartRender.one(ChartRender.objects("{replicas: 3, leaderElection: {enabled: true}}"), "PodDisruptionBudget"))
        .isPresent();
    assertThat(ChartRender.one(ChartRender.objects(
        "{replicas: 3, leaderElection: {enabled: true}, podDisruptionBudget: {enabled: false}}"), "PodDisruptionBudget"))
        .isEmpty();
  }

  @Test
  void leaseAndJobImageCanBeSetApart() throws Exception {
    List<ObjectNode> objects = ChartRender.objects(Scenarios.LEASE_ELSEWHERE);
    Container operator = operator(deployment(objects));
    assertThat(operator.getImage()).as("tag and digest").isEqualTo("ghcr.io/ferry-ml/ferry:0.1.0@sha256:" + "0".repeat(64));
    assertThat(values(operator)).containsEntry("FERRY_IMAGE", "registry.example/mirror/ferry:0.1.0")
        .containsEntry("FERRY_LEASE_NAME", "ferry-lock")
        .containsEntry("FERRY_LEASE_NAMESPACE", "ops")
        .containsEntry("FERRY_LEADER_ELECTION", "true");
    assertThat(ChartRender.ofKind(objects, "Role")).extracting(ChartRender::describe)
        .containsExactlyInAnyOrder("Role ops/ferry-leader-election", "Role ferry-system/ferry-webhook-secrets");
    assertThat(ChartRender.ofKind(objects, "RoleBinding").stream().filter(b -> b.at("/metadata/namespace").asText()
        .equals("ops")).findFirst().orElseThrow().at("/subjects/0/namespace").asText())
        .as("the binding in the Lease's namespace names the operator's ServiceAccount in the release namespace")
        .isEqualTo(ChartRender.NAMESPACE);
  }

  @Test
  void aDigestAloneIsReferencedWithAt() throws Exception {
    Container operator = operator(deployment(ChartRender.objects(
        "image: {repository: 'localhost:5000/ferry', tag: 'sha256:" + "1".repeat(64) + "'}")));
    assertThat(operator.getImage()).isEqualTo("localhost:5000/ferry@sha256:" + "1".repeat(64));
    assertThat(values(operator)).containsEntry("FERRY_IMAGE", operator.getImage());
  }

  @Test
  void aReleaseNotNamedFerryPrefixesItsObjects() {
    String manifests = ChartRender.helm().template().withName("team-a").withNamespace("team-a").call();
    assertThat(ChartRender.parse(manifests)).extracting(o -> o.at("/metadata/name").asText())
        .containsOnly("team-a-ferry", "team-a-ferry-metrics", "team-a-ferry-webhook-secrets");
  }

  static Deployment deployment(List<ObjectNode> objects) throws Exception {
    return ChartRender.STRICT.treeToValue(ChartRender.one(objects, "Deployment").orElseThrow(), Deployment.class);
  }

  static Container operator(Deployment deployment) {
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).extracting(Container::getName).containsExactly("operator");
    return containers.get(0);
  }

  static Map<String, EnvVar> env(Container container) {
    Map<String, EnvVar> env = new LinkedHashMap<>();
    container.getEnv().forEach(e -> env.put(e.getName(), e));
    return env;
  }

  /** Env values given literally (not from the downward API). */
  static Map<String, String> values(Container container) {
    Map<String, String> values = new LinkedHashMap<>();
    container.getEnv().stream().filter(e -> e.getValueFrom() == null).forEach(e -> values.put(e.getName(), e.getValue()));
    return values;
  }
}
