package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.AutoscalingSpec;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.TrafficSpec;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Serving with spec.traffic on an API that serves HTTPRoutes (the embedded one installs the
 * Gateway API's own CRD): what lands in the HTTPRoute and per-version Services through a canary,
 * a rollback, a shadow, a managed route, and under an autoscaler, as a user reading them with
 * kubectl would see it.
 */
class TrafficServingTest extends OperatorTestBase {
  private final AtomicInteger pokes = new AtomicInteger();

  @BeforeEach
  void smokeRequests() {
    create(new ConfigMapBuilder().withNewMetadata().withName("churn-smoke").endMetadata()
        .addToData("a.json", "{\"inputs\": []}").build());
    runner.succeed("smoke-test", "{\"metrics\": {\"p95LatencyMs\": 12}, \"message\": \"3 requests passed\"}");
    analysis = check -> new RolloutPlanner.AnalysisResult(check.name, true, "error-rate = 0.001");
  }

  private void version(long n) {
    create(Fixtures.modelVersion(n, true));
    awaitValidation("churn-v" + n);
  }

  private static TrafficSpec gateway() {
    TrafficSpec traffic = new TrafficSpec();
    TrafficSpec.ParentRef parent = new TrafficSpec.ParentRef();
    parent.name = "public";
    parent.namespace = "gateways";
    traffic.parentRefs = List.of(parent);
    traffic.hostnames = List.of("churn.example.com");
    return traffic;
  }

  private static void canary(ModelDeploymentSpec spec, int... weights) {
    spec.rollout = new ModelDeploymentSpec.Rollout();
    spec.rollout.strategy = ModelDeploymentSpec.Rollout.Strategy.Canary;
    for (int w : weights) {
      var step = new ModelDeploymentSpec.CanaryStep();
      step.weight = w;
      step.pause = "1m";
      spec.rollout.steps.add(step);
    }
    spec.rollout.analysis = new ModelDeploymentSpec.Analysis();
    var check = new dev.ferry.api.v1alpha1.MetricCheck();
    check.name = "error-rate";
    check.prometheus = new dev.ferry.api.v1alpha1.PrometheusQuery();
    check.prometheus.address = "http://prometheus:9090";
    check.prometheus.query = "sum(rate(errors{ferry_version=\"{{canary}}\"}[1m]))";
    check.max = 0.01;
    spec.rollout.analysis.metrics = List.of(check);
  }

  private ModelDeployment deployment(Consumer<ModelDeploymentSpec> change) {
    ModelDeployment md = Fixtures.deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, 4);
    change.accept(md.getSpec());
    return create(md);
  }

  private ModelDeployment awaitMd(Predicate<ModelDeployment> condition) {
    return awaitResource(ModelDeployment.class, "churn", m -> m.getStatus() != null && condition.test(m));
  }

  private ModelDeployment stable(long version) {
    return awaitMd(m -> Long.valueOf(version).equals(m.getStatus().productionVersion)
        && "Stable".equals(m.getStatus().phase));
  }

  private void poke() {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = get(ModelDeployment.class, "churn");
      md.getMetadata().getAnnotations().put("test/poke", String.valueOf(pokes.incrementAndGet()));
      client.resource(md).update();
      return true;
    });
  }

  private HTTPRoute route(String name) {
    return get(HTTPRoute.class, name);
  }

  /** The default rule's backends as version Service name to weight. */
  private static Map<String, Integer> weights(HTTPRoute route) {
    List<HTTPRouteRule> rules = route.getSpec().getRules();
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (HTTPBackendRef ref : rules.get(rules.size() - 1).getBackendRefs()) {
      weights.put(ref.getName(), ref.getWeight());
    }
    return weights;
  }

  private void awaitWeights(String route, Map<String, Integer> expected) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HTTPRoute r = route(route);
      assertThat(r).isNotNull();
      assertThat(weights(r)).isEqualTo(expected);
    });
  }

  private Integer replicasOf(long version) {
    Deployment d = get(Deployment.class, "churn-v" + version);
    return d == null ? null : d.getSpec().getReplicas();
  }

  @Test
  void aOnePercentCanaryIsAWeightInTheRouteWhileTheStableVersionKeepsItsReplicas() {
    version(1);
    deployment(s -> {
      s.traffic = gateway();
      canary(s, 1, 50);
    });
    ModelDeployment md = stable(1);
    assertThat(md.getStatus().traffic.mode).isEqualTo("GatewayAPI");
    HTTPRoute route = route("churn");
    assertThat(route.getSpec().getParentRefs()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("public");
      assertThat(p.getNamespace()).isEqualTo("gateways");
      assertThat(p.getKind()).isEqualTo("Gateway");
    });
    assertThat(route.getSpec().getHostnames()).containsExactly("churn.example.com");
    assertThat(route.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(md.getMetadata().getUid()));
    assertThat(weights(route)).isEqualTo(Map.of("churn-v1", 100));
    assertThat(get(Service.class, "churn-v1").getSpec().getSelector())
        .containsEntry(Ferry.LABEL_DEPLOYMENT, "churn").containsEntry(Ferry.LABEL_VERSION, "1");

    version(2);
    awaitWeights("churn", Map.of("churn-v1", 99, "churn-v2", 1));
    ModelDeployment inCanary = awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.stepStartedAt != null);
    assertThat(inCanary.getStatus().traffic.backends).extracting(b -> b.service + "=" + b.weight)
        .containsExactly("churn-v1=99", "churn-v2=1");
    assertThat(replicasOf(1)).as("the route sets the share: the stable version keeps its replicas").isEqualTo(4);
    assertThat(replicasOf(2)).isEqualTo(1);
    assertThat(get(Service.class, "churn-v2").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "2");

    clock.advance(Duration.ofSeconds(61));
    poke();
    awaitWeights("churn", Map.of("churn-v1", 50, "churn-v2", 50));
    assertThat(replicasOf(2)).isEqualTo(2);
    assertThat(replicasOf(1)).isEqualTo(4);

    clock.advance(Duration.ofSeconds(61));
    poke();
    stable(2);
    awaitWeights("churn", Map.of("churn-v2", 100));
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "2");
  }

  @Test
  void aFailedAnalysisFlipsTheRouteBackBeforeTheCandidateGoes() {
    version(1);
    deployment(s -> {
      s.traffic = gateway();
      canary(s, 10);
    });
    stable(1);
    version(2);
    awaitWeights("churn", Map.of("churn-v1", 90, "churn-v2", 10));

    analysis = check -> new RolloutPlanner.AnalysisResult(check.name, false, "error-rate = 0.2 > max 0.01");
    clock.advance(Duration.ofSeconds(11));
    poke();
    awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    awaitWeights("churn", Map.of("churn-v1", 100));
    await().untilAsserted(() -> {
      assertThat(get(Deployment.class, "churn-v2")).isNull();
      assertThat(get(Service.class, "churn-v2")).as("the Service of a version that no longer runs").isNull();
    });
  }

  @Test
  void aShadowMirrorsItsShareToTheCandidateBeforeTheCanary() {
    version(1);
    deployment(s -> {
      s.traffic = gateway();
      canary(s, 50);
      s.rollout.shadow = new TrafficSpec.Shadow();
      s.rollout.shadow.percent = 20;
      s.rollout.shadow.pause = "2m";
    });
    stable(1);
    version(2);

    ModelDeployment shadowing = awaitMd(m -> m.getStatus().shadow != null && m.getStatus().shadow.startedAt != null);
    assertThat(shadowing.getStatus().phase).isEqualTo("Shadow");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HTTPRouteRule rule = route("churn").getSpec().getRules().get(0);
      assertThat(rule.getFilters()).singleElement().satisfies(f -> {
        assertThat(f.getType()).isEqualTo("RequestMirror");
        assertThat(f.getRequestMirror().getBackendRef().getName()).isEqualTo("churn-v2");
        assertThat(f.getRequestMirror().getPercent()).isEqualTo(20);
      });
    });
    assertThat(weights(route("churn"))).as("production answers every request").isEqualTo(Map.of("churn-v1", 100));

    clock.advance(Duration.ofMinutes(2).plusSeconds(1));
    poke();
    awaitWeights("churn", Map.of("churn-v1", 50, "churn-v2", 50));
    assertThat(route("churn").getSpec().getRules().get(0).getFilters()).as("the mirror ends with the first step")
        .isNullOrEmpty();
  }

  @Test
  void headerRoutesComeBeforeTheWeightsAndFollowTheirRole() {
    version(1);
    deployment(s -> {
      s.traffic = gateway();
      TrafficSpec.HeaderRoute staging = new TrafficSpec.HeaderRoute();
      staging.header = "x-model-track";
      staging.value = "staging";
      staging.target = TrafficSpec.HeaderRoute.Target.Staging;
      s.traffic.headerRoutes.add(staging);
      s.promotion.mode = ModelDeploymentSpec.Promotion.Mode.Manual;
    });
    // Manual: v1 waits for approval on staging; the header already reaches it through the route.
    awaitMd(m -> "AwaitingApproval".equals(m.getStatus().phase));
    annotateApproval("1");
    stable(1);
    version(2);
    awaitMd(m -> "AwaitingApproval".equals(m.getStatus().phase) && Long.valueOf(2).equals(m.getStatus().candidateVersion));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<HTTPRouteRule> rules = route("churn").getSpec().getRules();
      assertThat(rules).hasSize(2);
      assertThat(rules.get(0).getMatches().get(0).getHeaders()).singleElement().satisfies(h -> {
        assertThat(h.getName()).isEqualTo("x-model-track");
        assertThat(h.getValue()).isEqualTo("staging");
        assertThat(h.getType()).isEqualTo("Exact");
      });
      assertThat(rules.get(0).getBackendRefs()).extracting(HTTPBackendRef::getName).containsExactly("churn-v2");
      assertThat(weights(route("churn"))).isEqualTo(Map.of("churn-v1", 100));
    });
  }

  private void annotateApproval(String version) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = get(ModelDeployment.class, "churn");
      md.getMetadata().getAnnotations().put(Ferry.ANNOTATION_APPROVE, version);
      client.resource(md).update();
      return true;
    });
  }

  @Test
  void aManagedRouteGetsOnlyItsRulesAndAForeignRouteOfTheSameNameIsLeftAlone() {
    create(new HTTPRouteBuilder().withNewMetadata().withName("public-models").endMetadata()
        .withNewSpec().addNewParentRef().withName("edge").endParentRef().withHostnames("models.example.com")
        .addNewRule().addNewBackendRef().withName("placeholder").withPort(80).endBackendRef().endRule()
        .endSpec().build());
    create(new HTTPRouteBuilder().withNewMetadata().withName("churn").endMetadata()
        .withNewSpec().addNewParentRef().withName("someone-elses").endParentRef().endSpec().build());
    version(1);
    deployment(s -> {
      s.traffic = new TrafficSpec();
      s.traffic.httpRoute = "public-models";
    });
    stable(1);
    awaitWeights("public-models", Map.of("churn-v1", 100));
    HTTPRoute managed = route("public-models");
    assertThat(managed.getSpec().getParentRefs()).extracting(p -> p.getName()).containsExactly("edge");
    assertThat(managed.getSpec().getHostnames()).containsExactly("models.example.com");
    assertThat(managed.getMetadata().getOwnerReferences()).as("not Ferry's to delete").isNullOrEmpty();

    // Asked to own a route whose name someone else's route already has.
    ModelDeployment md = get(ModelDeployment.class, "churn");
    md.getSpec().traffic = gateway();
    client.resource(md).update();
    ModelDeployment refused = awaitMd(m -> m.getStatus().traffic != null && m.getStatus().traffic.message != null
        && m.getStatus().traffic.message.contains("is not this ModelDeployment's"));
    assertThat(refused.getStatus().traffic.message).contains("HTTPRoute churn exists");
    assertThat(route("churn").getSpec().getParentRefs()).extracting(p -> p.getName()).containsExactly("someone-elses");
  }

  @Test
  void anAutoscaledDeploymentKeepsTheReplicasItsAutoscalerChoseAndWritesNothing() {
    version(1);
    deployment(s -> {
      s.traffic = gateway();
      s.autoscaling = new AutoscalingSpec();
      s.autoscaling.minReplicas = 2;
      s.autoscaling.maxReplicas = 10;
    });
    stable(1);
    HorizontalPodAutoscaler hpa = awaitResource(HorizontalPodAutoscaler.class, "churn-v1", h -> true);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("churn-v1");
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(m -> {
      assertThat(m.getResource().getName()).isEqualTo("cpu");
      assertThat(m.getResource().getTarget().getAverageUtilization()).isEqualTo(80);
    });

    // The autoscaler scales up: the operator leaves it there, and writes nothing for it.
    Deployment d = get(Deployment.class, "churn-v1");
    d.getSpec().setReplicas(7);
    client.resource(d).update();
    await().untilAsserted(() -> assertThat(get(Deployment.class, "churn-v1").getStatus().getReadyReplicas())
        .isEqualTo(7));
    poke();
    long before = operatorWrites.get();
    for (int i = 0; i < 5; i++) {
      poke();
      pause(200);
    }
    stable(1);
    assertThat(replicasOf(1)).isEqualTo(7);
    assertThat(operatorWrites.get() - before).as("writes over 5 reconciles of a converged autoscaled deployment")
        .isZero();

    // Below the autoscaler's minimum (someone scaled it by hand): lifted, as the autoscaler would.
    d = get(Deployment.class, "churn-v1");
    d.getSpec().setReplicas(1);
    client.resource(d).update();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(replicasOf(1)).isEqualTo(2));
  }

  @Test
  void removingSpecTrafficDeletesTheOwnedRouteAndTheVersionServices() {
    version(1);
    deployment(s -> s.traffic = gateway());
    stable(1);
    awaitWeights("churn", Map.of("churn-v1", 100));
    ModelDeployment md = get(ModelDeployment.class, "churn");
    md.getSpec().traffic = null;
    client.resource(md).update();
    ModelDeployment ratio = awaitMd(m -> m.getStatus().traffic != null && "ReplicaRatio".equals(m.getStatus().traffic.mode));
    assertThat(ratio.getStatus().traffic.message).startsWith("no spec.traffic");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(route("churn")).isNull();
      assertThat(get(Service.class, "churn-v1")).isNull();
    });
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");
  }
}
