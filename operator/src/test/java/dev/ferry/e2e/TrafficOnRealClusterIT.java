package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.api.v1alpha1.AutoscalingSpec;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.TrafficSpec;
import dev.ferry.kube.Conditions;
import dev.ferry.local.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic on the real API server, with the Gateway API's HTTPRoute CRD as its release ships it
 * and the operator running with exactly the chart's RBAC (the golden rules, bound in the test's
 * namespace): the quickstart's v1 served with an autoscaler, then a v2 through a shadow and a 1%
 * canary. Every HTTPRoute, Service and HorizontalPodAutoscaler Ferry writes is admitted by the
 * real server's validation (the HTTPRoute CRD's own CEL rules included); the real HPA controller
 * takes the autoscaler; the audit log shows no request the RBAC refused.
 */
class TrafficOnRealClusterIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private Process operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.destroyForcibly();
    }
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  private static void installGatewayApi() {
    var crd = EmbeddedApiServer.gatewayApiCrd();
    crd.getMetadata().setManagedFields(null);
    client().resource(crd).fieldManager("ferry-e2e").forceConflicts().serverSideApply();
    client().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
        .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
            && c.getStatus().getConditions().stream().anyMatch(s -> "Established".equals(s.getType())
                && "True".equals(s.getStatus())), 60, TimeUnit.SECONDS);
  }

  /** A ServiceAccount with the chart's rules (operator/src/test/resources/golden/rbac-rules.yaml) in {@code ns}. */
  private static String chartRbacToken(String ns) throws Exception {
    JsonNode golden = YAML.readTree(Files.readString(RealCluster.ROOT.resolve(
        "operator/src/test/resources/golden/rbac-rules.yaml")));
    List<PolicyRule> rules = new ArrayList<>();
    for (JsonNode rule : golden.path("rules")) {
      rules.add(Serialization.jsonMapper().convertValue(rule, PolicyRule.class));
    }
    client().serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("ferry").endMetadata().build()).create();
    client().rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName("ferry")
        .endMetadata().withRules(rules).build()).create();
    client().rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("ferry").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
        .withName("ferry").endRoleRef().addNewSubject().withKind("ServiceAccount").withName("ferry")
        .withNamespace(ns).endSubject().build()).create();
    return client().serviceAccounts().inNamespace(ns).withName("ferry").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(6 * 3600L).endSpec().build()).getStatus().getToken();
  }

  /** The quickstart's pipeline and deployment, the deployment routed, autoscaled, shadowed and canaried. */
  private static void applyRoutedQuickstart(String ns) throws Exception {
    try (InputStream in = Files.newInputStream(RealCluster.QUICKSTART.resolve("pipeline.yaml"))) {
      for (HasMetadata object : client().load(in).items()) {
        object.getMetadata().setNamespace(ns);
        client().resource(object).create();
      }
    }
    try (InputStream in = Files.newInputStream(RealCluster.QUICKSTART.resolve("deployment.yaml"))) {
      for (HasMetadata loaded : client().load(in).items()) {
        // load() gives a generic resource for a kind this client has not used yet: read it as Ferry's type.
        HasMetadata object = "ModelDeployment".equals(loaded.getKind())
            ? Serialization.jsonMapper().convertValue(loaded, ModelDeployment.class) : loaded;
        object.getMetadata().setNamespace(ns);
        if (object instanceof ModelDeployment md) {
          ModelDeploymentSpec spec = md.getSpec();
          spec.traffic = new TrafficSpec();
          TrafficSpec.ParentRef parent = new TrafficSpec.ParentRef();
          parent.name = "public";
          parent.namespace = "gateways";
          spec.traffic.parentRefs = List.of(parent);
          spec.traffic.hostnames = List.of("churn.example.com");
          TrafficSpec.HeaderRoute header = new TrafficSpec.HeaderRoute();
          header.header = "x-model-track";
          header.value = "candidate";
          header.target = TrafficSpec.HeaderRoute.Target.Candidate;
          spec.traffic.headerRoutes.add(header);
          spec.autoscaling = new AutoscalingSpec();
          spec.autoscaling.minReplicas = 2;
          spec.autoscaling.maxReplicas = 4;
          spec.rollout.strategy = ModelDeploymentSpec.Rollout.Strategy.Canary;
          var step = new ModelDeploymentSpec.CanaryStep();
          step.weight = 1;
          step.pause = "1h";
          spec.rollout.steps = List.of(step);
          spec.rollout.shadow = new TrafficSpec.Shadow();
          spec.rollout.shadow.percent = 20;
          spec.rollout.shadow.pause = "20s";
        }
        client().resource(object).create();
      }
    }
  }

  private static ModelDeployment md(String ns) {
    return client().resources(ModelDeployment.class).inNamespace(ns).withName("churn").get();
  }

  private static ModelDeployment awaitMd(String ns, Duration within, Predicate<ModelDeployment> condition) {
    return await().atMost(within).pollInterval(Duration.ofMillis(200))
        .until(() -> md(ns), m -> m != null && m.getStatus() != null && condition.test(m));
  }

  private static HTTPRoute route(String ns) {
    return client().resources(HTTPRoute.class).inNamespace(ns).withName("churn").get();
  }

  private static Map<String, Integer> weights(HTTPRoute route) {
    List<HTTPRouteRule> rules = route.getSpec().getRules();
    Map<String, Integer> weights = new LinkedHashMap<>();
    rules.get(rules.size() - 1).getBackendRefs().forEach(b -> weights.put(b.getName(), b.getWeight()));
    return weights;
  }

  /** v2 registered by hand: v1's trained model copied to a folder of its own (artifacts are never shared). */
  private static void registerV2(String ns) throws Exception {
    ModelVersion v1 = client().resources(ModelVersion.class).inNamespace(ns).withName("churn-v1").get();
    String uri = v1.getSpec().artifact.uri;
    Path models = cluster.mappedFolder().resolve(".ferry-local").resolve("models");
    Path from = models.resolve(uri.substring("pvc://models/".length()));
    Path to = models.resolve("churn/imported/" + ns + "-v2");
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName().toString()));
      }
    }
    ModelVersion v2 = new ModelVersion();
    v2.getMetadata().setName("churn-v2");
    v2.getMetadata().setNamespace(ns);
    v2.getMetadata().setLabels(Map.of("ferry.dev/model", "churn"));
    v2.setSpec(new ModelVersionSpec());
    v2.getSpec().model = "churn";
    v2.getSpec().version = 2L;
    v2.getSpec().artifact = new ModelVersionSpec.Artifact();
    v2.getSpec().artifact.uri = "pvc://models/churn/imported/" + ns + "-v2/";
    v2.getSpec().metrics = v1.getSpec().metrics;
    client().resource(v2).create();
  }

  @Test
  void routesAutoscalersAndRbacAreWhatTheRealApiServerAdmits(TestInfo test) throws Exception {
    installGatewayApi();
    String ns = cluster.namespace(test.getTestMethod().orElseThrow().getName());
    String token = chartRbacToken(ns);
    assertThat(new dev.ferry.serving.GatewayApi(client(), java.time.Clock.systemUTC()).getAsBoolean())
        .as("discovery as the admin").isTrue();
    try (KubernetesClient asOperator = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
        new io.fabric8.kubernetes.client.ConfigBuilder(client().getConfiguration()).withOauthToken(token)
            .withUsername(null).withPassword(null).withClientCertData(null).withClientKeyData(null)
            .withClientCertFile(null).withClientKeyFile(null).build()).build()) {
      assertThat(new dev.ferry.serving.GatewayApi(asOperator, java.time.Clock.systemUTC()).getAsBoolean())
          .as("discovery with the chart's RBAC").isTrue();
    }
    operator = OperatorProcess.start(cluster, "traffic", ns, Map.of("KUBERNETES_AUTH_TOKEN", token));
    long auditFrom = Files.exists(cluster.plane().auditLog()) ? Files.readAllLines(cluster.plane().auditLog()).size() : 0;
    applyRoutedQuickstart(ns);

    ModelDeployment v1 = awaitMd(ns, Duration.ofMinutes(5), m -> Long.valueOf(1).equals(m.getStatus().productionVersion)
        && "Stable".equals(m.getStatus().phase) && Conditions.isTrue(m.getStatus(), "Ready"));
    assertThat(v1.getSpec().traffic).as("the routed spec was applied").isNotNull();
    assertThat(v1.getStatus().traffic.mode).as(v1.getStatus().traffic.message).isEqualTo("GatewayAPI");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(weights(route(ns)))
        .isEqualTo(Map.of("churn-v1", 100)));
    HTTPRoute admitted = route(ns);
    assertThat(admitted.getSpec().getParentRefs().get(0).getNamespace()).isEqualTo("gateways");
    assertThat(client().services().inNamespace(ns).withName("churn-v1").get()).isNotNull();

    // The real HPA controller takes the autoscaler: it finds the Deployment through the scale subresource.
    HorizontalPodAutoscaler hpa = await().atMost(Duration.ofSeconds(90)).until(
        () -> client().autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("churn-v1").get(),
        h -> h != null && h.getStatus() != null && h.getStatus().getConditions() != null
            && h.getStatus().getConditions().stream().anyMatch(c -> "AbleToScale".equals(c.getType())));
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getStatus().getConditions()).filteredOn(c -> "AbleToScale".equals(c.getType())).singleElement()
        .satisfies(c -> assertThat(c.getStatus()).as(c.getMessage()).isEqualTo("True"));

    // As the autoscaler would: 3 replicas, through the scale subresource. Ferry leaves them.
    client().apps().deployments().inNamespace(ns).withName("churn-v1").scale(3);
    await().atMost(Duration.ofSeconds(60)).until(() -> client().apps().deployments().inNamespace(ns)
        .withName("churn-v1").get().getStatus().getReadyReplicas(), r -> r != null && r == 3);

    registerV2(ns);
    ModelDeployment shadow = awaitMd(ns, Duration.ofMinutes(3), m -> m.getStatus().shadow != null
        && m.getStatus().shadow.startedAt != null);
    assertThat(shadow.getStatus().traffic.mirrorVersion).isEqualTo(2L);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var filters = route(ns).getSpec().getRules().get(route(ns).getSpec().getRules().size() - 1).getFilters();
      assertThat(filters).singleElement().satisfies(f -> {
        assertThat(f.getRequestMirror().getBackendRef().getName()).isEqualTo("churn-v2");
        assertThat(f.getRequestMirror().getPercent()).isEqualTo(20);
      });
    });

    ModelDeployment canary = awaitMd(ns, Duration.ofMinutes(2), m -> m.getStatus().canary != null
        && m.getStatus().canary.stepStartedAt != null);
    assertThat(canary.getStatus().canary.weight).isEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(weights(route(ns)))
        .isEqualTo(Map.of("churn-v1", 99, "churn-v2", 1)));
    List<HTTPRouteRule> rules = route(ns).getSpec().getRules();
    assertThat(rules.get(0).getBackendRefs()).extracting(b -> b.getName()).as("the header reaches the candidate")
        .containsExactly("churn-v2");
    assertThat(client().apps().deployments().inNamespace(ns).withName("churn-v1").get().getSpec().getReplicas())
        .as("the autoscaled stable version kept the replicas it was scaled to").isEqualTo(3);
    assertThat(client().autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("churn-v2").get()
        .getSpec().getMinReplicas()).as("the canary's autoscaler: at least 1% of 3 replicas").isEqualTo(1);

    // The chart's rules allowed every request the operator made.
    String user = "system:serviceaccount:" + ns + ":ferry";
    List<String> forbidden = new ArrayList<>();
    long requests = 0;
    List<String> lines = Files.readAllLines(cluster.plane().auditLog());
    for (String line : lines.subList((int) Math.min(auditFrom, lines.size()), lines.size())) {
      JsonNode event = Serialization.jsonMapper().readTree(line);
      if (user.equals(event.path("user").path("username").asText())) {
        requests++;
        if (event.path("responseStatus").path("code").asInt() == 403) {
          forbidden.add(event.path("verb").asText() + " " + event.path("objectRef").path("resource").asText());
        }
      }
    }
    assertThat(requests).isGreaterThan(50);
    assertThat(forbidden).as("the operator's requests the chart's RBAC refused").isEmpty();
  }
}
