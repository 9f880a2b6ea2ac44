package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.RestrictedPodSecurity;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServingTest extends OperatorTestBase {
  private final AtomicInteger pokes = new AtomicInteger();

  @BeforeEach
  void smokeRequests() {
    create(new ConfigMapBuilder().withNewMetadata().withName("churn-smoke").endMetadata()
        .addToData("a.json", "{\"inputs\": []}").build());
    runner.succeed("smoke-test", "{\"metrics\": {\"p95LatencyMs\": 12}, \"message\": \"3 requests passed\"}");
  }

  private ModelVersion version(long n, boolean validated) {
    create(Fixtures.modelVersion(n, validated));
    return awaitValidation("churn-v" + n);
  }

  private ModelDeployment deployment(ModelDeploymentSpec.Promotion.Mode mode, Consumer<ModelDeploymentSpec> change) {
    ModelDeployment md = Fixtures.deployment(mode, 4);
    change.accept(md.getSpec());
    return create(md);
  }

  private ModelDeployment awaitMd(Predicate<ModelDeployment> condition) {
    return awaitResource(ModelDeployment.class, "churn", m -> m.getStatus() != null && condition.test(m));
  }

  private void annotate(String key, String value) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = get(ModelDeployment.class, "churn");
      md.getMetadata().getAnnotations().put(key, value);
      client.resource(md).update();
      return true;
    });
  }

  /** Makes the operator look again now (a test moves the clock; the operator sleeps on the real one). */
  private void poke() {
    annotate("test/poke", String.valueOf(pokes.incrementAndGet()));
  }

  private Integer replicasOf(long version) {
    Deployment d = get(Deployment.class, "churn-v" + version);
    return d == null ? null : d.getSpec().getReplicas();
  }

  private ModelDeployment promotedAutomatically(long version) {
    return awaitMd(m -> Long.valueOf(version).equals(m.getStatus().productionVersion)
        && "Stable".equals(m.getStatus().phase));
  }

  private List<String> eventReasons() {
    return client.v1().events().inNamespace(NS).list().getItems().stream().map(Event::getReason).toList();
  }

  @Test
  void continuousDeploymentTakesAValidatedVersionThroughStagingAndSmokeTestToProduction() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });

    ModelDeployment md = promotedAutomatically(1);
    assertThat(md.getStatus().url).isEqualTo("http://churn.ml.svc:8080");
    assertThat(Conditions.isTrue(md.getStatus(), "Ready")).isTrue();
    assertThat(get(Job(), "churn-smoke-v1")).isNotNull();
    Deployment served = get(Deployment.class, "churn-v1");
    assertThat(served.getSpec().getReplicas()).isEqualTo(4);
    assertThat(served.getMetadata().getLabels()).containsEntry(Ferry.LABEL_TRACK, "production");
    assertThat(served.getSpec().getTemplate().getMetadata().getLabels()).as("pods are never relabelled")
        .doesNotContainKey(Ferry.LABEL_TRACK);
    var container = served.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue()).contains(
        "FERRY_MODEL_NAME=churn", "FERRY_MODEL_VERSION=1", "FERRY_MODEL_URI=pvc://models/churn/runs/r1/",
        "FERRY_MODEL_PATH=/ferry/pvc/models/churn/runs/r1");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    assertThat(RestrictedPodSecurity.violations(served.getSpec().getTemplate().getSpec())).isEmpty();
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");
    assertThat(get(Service.class, "churn-staging").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");
    var smokePod = get(Job(), "churn-smoke-v1").getSpec().getTemplate().getMetadata().getLabels();
    for (String service : List.of("churn", "churn-staging")) {
      assertThat(smokePod.entrySet()).as("Service %s must not count the smoke test's pod as a server", service)
          .doesNotContainAnyElementsOf(Map.of(Ferry.LABEL_DEPLOYMENT, "churn").entrySet())
          .isNotEmpty();
      assertThat(get(Service.class, service).getSpec().getSelector()).containsKey(Ferry.LABEL_DEPLOYMENT);
    }
    assertThat(awaitResource(ModelVersion.class, "churn-v1",
        v -> v.getStatus().stage == dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production)).isNotNull();
    await().untilAsserted(() -> assertThat(eventReasons()).contains("Candidate", "SmokeTestPassed", "Promoted"));
  }

  @Test
  void aSecondDeploymentOfAServedModelGetsAConflictAndTouchesNothing() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    ModelDeployment second = new ModelDeployment();
    second.getMetadata().setName("churn-again");
    second.setSpec(get(ModelDeployment.class, "churn").getSpec());
    create(second);

    ModelDeployment idle = awaitResource(ModelDeployment.class, "churn-again", m -> m.getStatus() != null
        && Conditions.find(m.getStatus(), "Ready").map(c -> ModelOwnership.CONFLICT.equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(idle.getStatus(), "Ready").orElseThrow().getMessage())
        .contains("model churn is already served", "by ModelDeployment churn");
    assertThat(idle.getStatus().productionVersion).isNull();
    assertThat(client.apps().deployments().inNamespace(NS).withLabel(Ferry.LABEL_DEPLOYMENT, "churn-again").list()
        .getItems()).isEmpty();
    // The version's stage is its own reconciler's to write, read from the deployment that serves it.
    assertThat(get(ModelDeployment.class, "churn").getStatus().versions).singleElement()
        .satisfies(e -> assertThat(e.stage).isEqualTo(dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production));
    assertThat(get(ModelVersion.class, "churn-v1").getStatus().stage)
        .isEqualTo(dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production);
  }

  @Test
  void promotionMovesTheServiceSelectorAndLeavesThePodsThatPassedTheSmokeTestAlone() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Manual, s -> { });
    awaitMd(m -> Conditions.isTrue(m.getStatus(), "AwaitingApproval"));
    var staged = get(Deployment.class, "churn-v1").getSpec().getTemplate();
    assertThat(get(Service.class, "churn").getSpec().getSelector()).as("nothing in production yet")
        .containsEntry(Ferry.LABEL_VERSION, "none");

    annotate(Ferry.ANNOTATION_APPROVE, "1");
    promotedAutomatically(1);
    assertThat(get(Deployment.class, "churn-v1").getSpec().getTemplate()).as("the pod template at promotion")
        .isEqualTo(staged);
    assertThat(get(Deployment.class, "churn-v1").getSpec().getReplicas()).isEqualTo(4);
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");
  }

  @Test
  void everyChangeOfTheServerSpecReachesTheServingDeploymentOnce() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    record Change(String what, Consumer<ModelDeploymentSpec> edit, Predicate<Deployment> seen) {
    }
    java.util.function.Function<Deployment, io.fabric8.kubernetes.api.model.Container> server =
        d -> d.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<Change> changes = List.of(
        new Change("image", s -> s.server.image = "registry.example/mlserver:1.7",
            d -> server.apply(d).getImage().equals("registry.example/mlserver:1.7")),
        new Change("args", s -> s.server.args = List.of("--workers", "2"),
            d -> List.of("--workers", "2").equals(server.apply(d).getArgs())),
        new Change("env", s -> s.server.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar("MLSERVER_DEBUG", "1", null)),
            d -> server.apply(d).getEnv().stream().anyMatch(e -> e.getName().equals("MLSERVER_DEBUG"))),
        new Change("resources", s -> s.server.resources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
            .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("2Gi")).build(),
            d -> server.apply(d).getResources() != null && server.apply(d).getResources().getLimits() != null
                && "2Gi".equals(server.apply(d).getResources().getLimits().get("memory").toString())),
        new Change("readiness probe", s -> s.server.readinessPath = "/ready",
            d -> server.apply(d).getReadinessProbe().getHttpGet().getPath().equals("/ready")),
        new Change("port", s -> s.server.port = 9000,
            d -> server.apply(d).getPorts().get(0).getContainerPort() == 9000),
        new Change("replicas", s -> s.replicas = 3, d -> d.getSpec().getReplicas() == 3));
    for (Change change : changes) {
      await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
        ModelDeployment md = get(ModelDeployment.class, "churn");
        change.edit().accept(md.getSpec());
        client.resource(md).update();
        return true;
      });
      await(change.what()).atMost(Duration.ofSeconds(20))
          .until(() -> change.seen().test(get(Deployment.class, "churn-v1")));
    }
    assertThat(get(Service.class, "churn").getSpec().getPorts().get(0).getPort()).as("the Service follows the port")
        .isEqualTo(9000);
  }

  @Test
  void aConvergedDeploymentMakesNoWritesHoweverOftenItIsReconciled() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    // Settled: the version mirrors its stage (the last write of a promotion).
    awaitResource(ModelVersion.class, "churn-v1",
        v -> v.getStatus().stage == dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production);
    reconcileAgain();
    long before = operatorWrites.get();
    for (int i = 0; i < 10; i++) {
      reconcileAgain();
    }
    // One more: reconciles of one resource never overlap, so the tenth has finished its writes.
    long after = operatorWrites.get();
    reconcileAgain();
    assertThat(after - before).as("writes by the operator over 10 reconciles of a converged deployment").isZero();
  }

  private static Class<io.fabric8.kubernetes.api.model.batch.v1.Job> Job() {
    return io.fabric8.kubernetes.api.model.batch.v1.Job.class;
  }

  /** Pokes the deployment and waits until the operator has reconciled it (each reconcile lists the model's versions). */
  private void reconcileAgain() {
    long lists = versionLists();
    poke();
    await().atMost(Duration.ofSeconds(10)).until(() -> versionLists() > lists);
  }

  private long versionLists() {
    return operatorRequests.stream().filter(r -> r.startsWith("GET ") && r.contains("/modelversions?")
        && r.contains("labelSelector") && !r.contains("watch=true")).count();
  }

  @Test
  void continuousDeliveryWaitsForApprovalOfTheCandidate() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Manual, s -> { });
    ModelDeployment waiting = awaitMd(m -> Conditions.isTrue(m.getStatus(), "AwaitingApproval"));
    assertThat(waiting.getStatus().candidateVersion).isEqualTo(1L);
    assertThat(waiting.getStatus().productionVersion).isNull();
    assertThat(Conditions.find(waiting.getStatus(), "AwaitingApproval").orElseThrow().getMessage())
        .contains("kubectl annotate md churn ferry.dev/approve=1");

    annotate(Ferry.ANNOTATION_APPROVE, "7");
    ModelDeployment wrong = awaitMd(m -> Conditions.find(m.getStatus(), "AwaitingApproval")
        .map(c -> c.getMessage().contains("does not match")).orElse(false));
    assertThat(wrong.getStatus().productionVersion).isNull();

    annotate(Ferry.ANNOTATION_APPROVE, "1");
    promotedAutomatically(1);
    assertThat(eventReasons()).contains("AwaitingApproval", "Approved");
  }

  @Test
  void failedSmokeTestRejectsTheCandidateAndProductionStays() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    runner.fail("smoke-test", 1, "{\"message\": \"b.json: expected churned=1, got 0\"}");
    version(2, true);

    ModelDeployment md = awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    assertThat(md.getStatus().productionVersion).isEqualTo(1L);
    var rolledBack = Conditions.find(md.getStatus(), "RolledBack").orElseThrow();
    assertThat(rolledBack.getStatus()).isEqualTo("True");
    assertThat(rolledBack.getMessage()).contains("smoke test of v2 failed", "expected churned=1", "stays on v1");
    await().untilAsserted(() -> assertThat(get(Deployment.class, "churn-v2")).isNull());
    assertThat(awaitResource(ModelVersion.class, "churn-v2", v -> v.getStatus().rejectedReason != null)
        .getStatus().rejectedReason).contains("smoke test of v2 failed");
    assertThat(replicasOf(1)).isEqualTo(4);

    runner.succeed("smoke-test", "{\"message\": \"ok\"}");
    version(3, true);
    assertThat(promotedAutomatically(3).getStatus().history).extracting(h -> h.version + ":" + h.outcome)
        .containsExactly("1:Replaced");
  }

  @Test
  void aSmokeTestWhosePodCannotStartFailsAtThePendingDeadlineWithThePodsReason() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> s.smokeTest.pendingDeadlineSeconds = 120);
    promotedAutomatically(1);
    runner.hold("smoke-test");
    version(2, true);
    podCannotStart("churn-smoke-v2");

    clock.advance(Duration.ofSeconds(121));
    ModelDeployment md = awaitMd(m -> {
      poke();
      return m.getStatus().rejectedVersions.contains(2L);
    });
    assertThat(Conditions.find(md.getStatus(), "RolledBack").orElseThrow().getMessage()).contains(
        "smoke test of v2 failed", "ErrImagePull: pull access denied for registry.example/ferry",
        "smokeTest.pendingDeadlineSeconds, 120 s", "stays on v1");
    assertThat(md.getStatus().productionVersion).isEqualTo(1L);
    poke();
    awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    assertThat(runner.started.stream().filter(p -> p.startsWith("churn-smoke-v2"))).as("the try is not repeated")
        .hasSize(1);
    runner.release("smoke-test");
  }

  @Test
  void aRejectedVersionCanBeTriedAgainAndGetsANewSmokeTest() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Manual, s -> s.version = 1L);
    awaitMd(m -> Long.valueOf(1).equals(m.getStatus().productionVersion) && "Stable".equals(m.getStatus().phase));
    runner.fail("smoke-test", 1, "{\"message\": \"staging Service unreachable\"}");
    version(2, true);
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment pinned = get(ModelDeployment.class, "churn");
      pinned.getSpec().version = null;
      client.resource(pinned).update();
      return true;
    });
    awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    String failedJob = get(Job(), "churn-smoke-v2").getMetadata().getUid();

    // Approving or pinning a rejected version is not acted on, and says so.
    annotate(Ferry.ANNOTATION_APPROVE, "2");
    ModelDeployment ignored = awaitMd(m -> Conditions.isTrue(m.getStatus(), RolloutPlanner.REQUEST_IGNORED));
    assertThat(Conditions.find(ignored.getStatus(), RolloutPlanner.REQUEST_IGNORED).orElseThrow().getMessage())
        .contains("ferry.dev/approve=2", "v2 was rejected here", "ferry.dev/retry=2");
    await().untilAsserted(() -> assertThat(eventReasons()).contains("RequestIgnored"));

    runner.succeed("smoke-test", "{\"message\": \"3 requests passed\"}");
    annotate(Ferry.ANNOTATION_RETRY, "2");
    // The approval of v2 given earlier now names the candidate: it is acted on.
    ModelDeployment retried = awaitMd(m -> "Stable".equals(m.getStatus().phase)
        && Long.valueOf(2).equals(m.getStatus().productionVersion)
        && !Conditions.isTrue(m.getStatus(), RolloutPlanner.REQUEST_IGNORED));
    assertThat(retried.getStatus().rejectedVersions).doesNotContain(2L);
    assertThat(Conditions.find(retried.getStatus(), "RolledBack").orElseThrow().getReason()).isEqualTo("Retried");
    await().untilAsserted(() -> assertThat(eventReasons()).contains("Retry"));
    assertThat(get(Job(), "churn-smoke-v2").getMetadata().getUid()).as("a new smoke test, not the failed one")
        .isNotEqualTo(failedJob);
    assertThat(awaitResource(ModelVersion.class, "churn-v2", v -> v.getStatus().rejectedReason == null
        && v.getStatus().stage == dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Production)).isNotNull();
  }

  @Test
  void aDeletedProductionVersionMakesTheDeploymentDegradedWhileItsPodsKeepServing() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").delete();

    ModelDeployment md = awaitMd(m -> Conditions.isTrue(m.getStatus(), RolloutPlanner.DEGRADED));
    assertThat(Conditions.find(md.getStatus(), RolloutPlanner.DEGRADED).orElseThrow().getMessage())
        .contains("ModelVersion churn-v1", "no longer exists");
    assertThat(md.getStatus().productionVersion).isEqualTo(1L);
    assertThat(replicasOf(1)).as("what runs keeps serving").isEqualTo(4);
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");

    version(1, true);
    awaitMd(m -> Conditions.find(m.getStatus(), RolloutPlanner.DEGRADED).map(c -> "False".equals(c.getStatus()))
        .orElse(false));
  }

  private void canary(ModelDeploymentSpec spec) {
    spec.rollout = new ModelDeploymentSpec.Rollout();
    spec.rollout.strategy = ModelDeploymentSpec.Rollout.Strategy.Canary;
    var first = new ModelDeploymentSpec.CanaryStep();
    first.weight = 25;
    first.pause = "1m";
    var second = new ModelDeploymentSpec.CanaryStep();
    second.weight = 50;
    second.pause = "1m";
    spec.rollout.steps = List.of(first, second);
    spec.rollout.analysis = new ModelDeploymentSpec.Analysis();
    MetricCheck errors = new MetricCheck();
    errors.name = "error-rate";
    errors.prometheus = new PrometheusQuery();
    errors.prometheus.address = "http://prometheus:9090";
    // Baseline versus canary in one query: the placeholders become the two versions.
    errors.prometheus.query = "sum(rate(errors{ferry_version=\"{{canary}}\"}[1m]))"
        + " - sum(rate(errors{ferry_version=\"{{stable}}\"}[1m]))";
    errors.max = 0.01;
    spec.rollout.analysis.metrics = List.of(errors);
  }

  @Test
  void canaryMovesReplicasStepByStepWhileAnalysisPassesThenPromotes() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, this::canary);
    promotedAutomatically(1);
    AtomicInteger measured = new AtomicInteger();
    List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
    analysis = check -> {
      measured.incrementAndGet();
      queries.add(check.prometheus.query);
      return new RolloutPlanner.AnalysisResult(check.name, true, "error-rate = 0.001");
    };
    version(2, true);

    ModelDeployment first = awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.stepStartedAt != null);
    assertThat(first.getStatus().canary.weight).isEqualTo(25);
    assertThat(replicasOf(2)).isEqualTo(1);
    assertThat(replicasOf(1)).isEqualTo(3);
    assertThat(awaitResource(ModelVersion.class, "churn-v2", v -> v.getStatus().stage != null).getStatus().stage)
        .as("a canary is not production until its promotion completes")
        .isEqualTo(dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.Canary);
    await().untilAsserted(() -> assertThat(queries).isNotEmpty());
    assertThat(queries.get(0)).isEqualTo("sum(rate(errors{ferry_version=\"2\"}[1m]))"
        + " - sum(rate(errors{ferry_version=\"1\"}[1m]))");

    clock.advance(Duration.ofSeconds(61));
    poke();
    awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.step == 1 && m.getStatus().canary.stepStartedAt != null);
    assertThat(replicasOf(2)).isEqualTo(2);
    assertThat(replicasOf(1)).isEqualTo(2);

    clock.advance(Duration.ofSeconds(61));
    poke();
    ModelDeployment done = promotedAutomatically(2);
    assertThat(measured.get()).isPositive();
    assertThat(replicasOf(2)).isEqualTo(4);
    // v1 stays warm out of traffic (rollout.scaleDownDelaySeconds), the Service on v2 alone.
    await().untilAsserted(() -> assertThat(get(Deployment.class, "churn-v1").getMetadata().getLabels())
        .containsEntry(Ferry.LABEL_TRACK, ServingBuilders.WARM));
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "2");
    assertThat(done.getStatus().history).extracting(h -> h.version + ":" + h.outcome).containsExactly("1:Replaced");
    assertThat(eventReasons()).contains("CanaryStarted", "CanaryStep", "Promoted");
  }

  @Test
  void failedAnalysisAbortsTheCanaryAndRollsBack() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, this::canary);
    promotedAutomatically(1);
    analysis = check -> new RolloutPlanner.AnalysisResult(check.name, false, "error-rate = 0.2 > max 0.01");
    version(2, true);

    ModelDeployment md = awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    assertThat(md.getStatus().productionVersion).isEqualTo(1L);
    assertThat(Conditions.find(md.getStatus(), "RolledBack").orElseThrow().getMessage())
        .contains("analysis failed", "error-rate = 0.2 > max 0.01");
    await().untilAsserted(() -> {
      assertThat(replicasOf(1)).isEqualTo(4);
      assertThat(get(Deployment.class, "churn-v2")).isNull();
    });
  }

  /**
   * Serves per-version request and error counters as a model server would (label ferry_version,
   * as relabelled from the pods' ferry.dev/version), growing with time at the given error shares.
   */
  private static com.sun.net.httpserver.HttpServer modelMetrics(Map<String, Double> errorShareByVersion) throws Exception {
    long start = System.nanoTime();
    var server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", exchange -> {
      double seconds = (System.nanoTime() - start) / 1e9;
      StringBuilder body = new StringBuilder("# TYPE model_requests_total counter\n# TYPE model_errors_total counter\n");
      errorShareByVersion.forEach((version, share) -> body
          .append("model_requests_total{ferry_version=\"").append(version).append("\"} ").append(100 * seconds).append('\n')
          .append("model_errors_total{ferry_version=\"").append(version).append("\"} ").append(100 * seconds * share)
          .append('\n'));
      byte[] bytes = body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
      exchange.sendResponseHeaders(200, bytes.length);
      try (var out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    return server;
  }

  /** One 50% step whose analysis compares the canary's error share with the stable version's, on a real Prometheus. */
  private void canaryAgainst(dev.ferry.testing.RealPrometheus prometheus, ModelDeploymentSpec spec) {
    canary(spec);
    var step = new ModelDeploymentSpec.CanaryStep();
    step.weight = 50;
    step.pause = "1m";
    spec.rollout.steps = List.of(step);
    String share = "sum(rate(model_errors_total{ferry_version=\"{{v}}\"}[10s]))"
        + " / sum(rate(model_requests_total{ferry_version=\"{{v}}\"}[10s]))";
    MetricCheck worse = spec.rollout.analysis.metrics.get(0);
    worse.name = "error-share-above-stable";
    worse.prometheus.address = prometheus.address();
    worse.prometheus.query = "(" + share.replace("{{v}}", "{{canary}}") + ") - (" + share.replace("{{v}}", "{{stable}}")
        + ")";
    worse.max = 0.02;
  }

  private List<RolloutPlanner.AnalysisResult> measuredByRealPrometheus(dev.ferry.testing.RealPrometheus prometheus) {
    List<RolloutPlanner.AnalysisResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    var real = new PrometheusAnalysis(new dev.ferry.serving.prometheus.HttpPrometheusClient(Map.of()));
    // Until both versions have two samples in the window, the query has no value: wait for one first.
    MetricCheck probe = new MetricCheck();
    probe.name = "probe";
    probe.min = 0.0;
    probe.prometheus = new PrometheusQuery();
    probe.prometheus.address = prometheus.address();
    probe.prometheus.query = "sum(rate(model_requests_total{ferry_version=\"2\"}[10s]))";
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      prometheus.assertAlive();
      assertThat(real.check(probe).passed()).as(real.check(probe).message()).isTrue();
    });
    analysis = check -> {
      var result = real.check(check);
      results.add(result);
      return result;
    };
    return results;
  }

  @Test
  void aCanaryAsGoodAsStableOnARealPrometheusIsPromoted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    var metrics = modelMetrics(Map.of("1", 0.01, "2", 0.01));
    try (var prometheus = dev.ferry.testing.RealPrometheus.scraping(dir, metrics.getAddress().getPort())) {
      version(1, true);
      deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> canaryAgainst(prometheus, s));
      promotedAutomatically(1);
      var results = measuredByRealPrometheus(prometheus);
      version(2, true);
      awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.lastAnalysisAt != null);
      clock.advance(Duration.ofSeconds(61));
      poke();
      promotedAutomatically(2);
      assertThat(results).isNotEmpty().allSatisfy(r -> {
        assertThat(r.passed()).as(r.message()).isTrue();
        assertThat(r.message()).startsWith("error-share-above-stable = ").contains("within <= 0.02");
      });
    } finally {
      metrics.stop(0);
    }
  }

  @Test
  void aCanaryWorseThanStableOnARealPrometheusIsAbortedAndProductionStays(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    var metrics = modelMetrics(Map.of("1", 0.01, "2", 0.2));
    try (var prometheus = dev.ferry.testing.RealPrometheus.scraping(dir, metrics.getAddress().getPort())) {
      version(1, true);
      deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> canaryAgainst(prometheus, s));
      promotedAutomatically(1);
      var results = measuredByRealPrometheus(prometheus);
      version(2, true);
      ModelDeployment md = awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
      assertThat(md.getStatus().productionVersion).isEqualTo(1L);
      assertThat(Conditions.find(md.getStatus(), "RolledBack").orElseThrow().getMessage())
          .contains("analysis failed 1 time(s)", "error-share-above-stable = 0.19", "> max 0.02");
      assertThat(results).singleElement().satisfies(r -> assertThat(r.passed()).isFalse());
      await().untilAsserted(() -> {
        assertThat(replicasOf(1)).isEqualTo(4);
        assertThat(get(Deployment.class, "churn-v2")).isNull();
      });
    } finally {
      metrics.stop(0);
    }
  }

  @Test
  void aNameTooLongForItsServicesIsAnInvalidSpecNamingTheField() {
    // The CRD refuses it at apply (AdmissionIT); one that slipped past gets the same answer here.
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("m".repeat(56));
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.image = "registry.example/mlserver:1.6";
    create(md);
    ModelDeployment seen = awaitResource(ModelDeployment.class, "m".repeat(56), m -> m.getStatus() != null);
    var ready = Conditions.find(seen.getStatus(), "Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo(Conditions.INVALID_SPEC);
    assertThat(ready.getMessage()).startsWith("metadata.name: at most 55 characters (its Services are named");
    assertThat(client.services().inNamespace(NS).list().getItems()).as("nothing created").isEmpty();
  }

  @Test
  void unreachablePrometheusIsToleratedUpToTheFailureLimit() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> {
      canary(s);
      s.rollout.analysis.failureLimit = 1;
    });
    promotedAutomatically(1);
    AtomicBoolean down = new AtomicBoolean(true);
    analysis = check -> down.get() ? new RolloutPlanner.AnalysisResult(check.name, false, "Prometheus unreachable")
        : new RolloutPlanner.AnalysisResult(check.name, true, "ok");
    version(2, true);
    ModelDeployment once = awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.analysisFailures == 1);
    assertThat(once.getStatus().rejectedVersions).isEmpty();
    clock.advance(Duration.ofSeconds(11));
    poke();
    ModelDeployment aborted = awaitMd(m -> m.getStatus().rejectedVersions.contains(2L));
    assertThat(Conditions.find(aborted.getStatus(), "RolledBack").orElseThrow().getMessage())
        .contains("analysis failed 2 time(s) (failureLimit 1)", "Prometheus unreachable");
  }

  @Test
  void rollbackAnnotationReturnsToThePreviousGoodVersionOrSaysThereIsNone() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    annotate(Ferry.ANNOTATION_ROLLBACK, "first");
    ModelDeployment none = awaitMd(m -> "first".equals(m.getStatus().handledRollback));
    var impossible = Conditions.find(none.getStatus(), "RolledBack").orElseThrow();
    assertThat(impossible.getStatus()).isEqualTo("False");
    assertThat(impossible.getReason()).isEqualTo("NoPreviousVersion");
    assertThat(none.getStatus().productionVersion).isEqualTo(1L);

    version(2, true);
    promotedAutomatically(2);
    annotate(Ferry.ANNOTATION_ROLLBACK, "drift-policy-churn-1");
    ModelDeployment back = awaitMd(m -> "drift-policy-churn-1".equals(m.getStatus().handledRollback));
    assertThat(back.getStatus().productionVersion).isEqualTo(1L);
    assertThat(back.getStatus().rejectedVersions).contains(2L);
    assertThat(back.getStatus().history).extracting(h -> h.version + ":" + h.outcome).containsExactly("2:RolledBack");
    await().untilAsserted(() -> {
      assertThat(replicasOf(1)).isEqualTo(4);
      assertThat(get(Deployment.class, "churn-v2")).isNull();
    });
    assertThat(get(ModelDeployment.class, "churn").getSpec().version).as("rollback never edits spec").isNull();
  }

  @Test
  void theReplacedVersionStaysWarmOutOfTrafficSoARollbackOnlyMovesTheService() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    promotedAutomatically(1);
    version(2, true);
    promotedAutomatically(2);
    Deployment warm = get(Deployment.class, "churn-v1");
    assertThat(warm.getSpec().getReplicas()).as("v1 kept at full size after v2's promotion").isEqualTo(4);
    assertThat(warm.getMetadata().getLabels()).containsEntry(Ferry.LABEL_TRACK, ServingBuilders.WARM);
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "2");
    var template = warm.getSpec().getTemplate();

    long asked = System.nanoTime();
    annotate(Ferry.ANNOTATION_ROLLBACK, "warm");
    await().atMost(Duration.ofSeconds(10)).until(() ->
        "1".equals(get(Service.class, "churn").getSpec().getSelector().get(Ferry.LABEL_VERSION)));
    System.out.printf("rollback to a warm version: traffic moved in %d ms%n", (System.nanoTime() - asked) / 1_000_000);
    ModelDeployment back = awaitMd(m -> "warm".equals(m.getStatus().handledRollback));
    assertThat(back.getStatus().phase).isEqualTo("Stable");
    assertThat(get(Deployment.class, "churn-v1").getSpec().getTemplate()).as("the warm pods themselves take traffic")
        .isEqualTo(template);
  }

  @Test
  void aRollbackToAColdVersionSaysRollingBackAndKeepsTrafficUntilItIsReady() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> {
      s.rollout = new ModelDeploymentSpec.Rollout();
      s.rollout.scaleDownDelaySeconds = 0;
    });
    promotedAutomatically(1);
    version(2, true);
    promotedAutomatically(2);
    await().untilAsserted(() -> assertThat(get(Deployment.class, "churn-v1")).as("no delay: v1 goes").isNull());

    neverReady.add("registry.example/mlserver:1.6");
    annotate(Ferry.ANNOTATION_ROLLBACK, "cold");
    ModelDeployment rollingBack = awaitMd(m -> "RollingBack".equals(m.getStatus().phase));
    assertThat(rollingBack.getStatus().productionVersion).isEqualTo(1L);
    assertThat(Conditions.isTrue(rollingBack.getStatus(), "Ready")).as("never Ready before the target is").isFalse();
    assertThat(Conditions.find(rollingBack.getStatus(), "Progressing").orElseThrow().getReason()).isEqualTo("RollingBack");
    assertThat(get(Deployment.class, "churn-v2")).as("v2 serves until v1 can").isNotNull();

    neverReady.clear();
    poke();
    ModelDeployment stable = awaitMd(m -> "Stable".equals(m.getStatus().phase)
        && Conditions.isTrue(m.getStatus(), "Ready"));
    assertThat(stable.getStatus().productionVersion).isEqualTo(1L);
    await().untilAsserted(() -> assertThat(get(Deployment.class, "churn-v2")).isNull());
    assertThat(get(Service.class, "churn").getSpec().getSelector()).containsEntry(Ferry.LABEL_VERSION, "1");
  }

  @Test
  void pinnedVersionIsServedWithoutApprovalAndAPinnedRejectedVersionIsExplained() {
    version(1, true);
    version(2, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Manual, s -> s.version = 1L);
    assertThat(promotedAutomatically(1).getStatus().candidateVersion).isNull();

    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = get(ModelDeployment.class, "churn");
      md.getSpec().version = 2L;
      client.resource(md).update();
      return true;
    });
    promotedAutomatically(2);
    annotate(Ferry.ANNOTATION_ROLLBACK, "bad");
    ModelDeployment md = awaitMd(m -> "bad".equals(m.getStatus().handledRollback)
        && Conditions.find(m.getStatus(), "Progressing").map(c -> "PinnedVersionRejected".equals(c.getReason()))
            .orElse(false));
    assertThat(md.getStatus().productionVersion).isEqualTo(1L);
    assertThat(Conditions.find(md.getStatus(), "Progressing").orElseThrow().getMessage())
        .contains("spec.version pins v2", "Change spec.version in git");
  }

  @Test
  void aServerThatNeverGetsReadyIsRolledBackAfterTheProgressDeadline() {
    version(1, true);
    neverReady.add("registry.example/broken:1");
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> {
      s.server.image = "registry.example/broken:1";
      s.progressDeadlineSeconds = 60;
    });
    awaitMd(m -> "Staging".equals(m.getStatus().phase));
    clock.advance(Duration.ofSeconds(61));
    poke();
    ModelDeployment md = awaitMd(m -> m.getStatus().rejectedVersions.contains(1L));
    assertThat(Conditions.find(md.getStatus(), "RolledBack").orElseThrow().getMessage())
        .contains("did not become ready on staging within 60 s");
    assertThat(Conditions.find(md.getStatus(), "Ready").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void restartInTheMiddleOfACanaryResumesWhereItWas() {
    version(1, true);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, this::canary);
    promotedAutomatically(1);
    version(2, true);
    ModelDeployment before = awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.stepStartedAt != null);

    stopOperator();
    operatorRequests.clear();
    startOperator();
    poke();
    // The new operator has reconciled once it listed the model's versions (it does so in every pass).
    await().atMost(Duration.ofSeconds(10)).until(() -> operatorRequests.stream()
        .anyMatch(r -> r.startsWith("GET ") && r.contains("/modelversions?labelSelector")));
    ModelDeployment now = get(ModelDeployment.class, "churn");
    assertThat(now.getStatus().canary.step).isZero();
    assertThat(now.getStatus().canary.stepStartedAt).as("the step's pause goes on, not anew")
        .isEqualTo(before.getStatus().canary.stepStartedAt);
    assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-v1", "churn-v2");
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-smoke-v1", "churn-smoke-v2");
    clock.advance(Duration.ofSeconds(61));
    poke();
    awaitMd(m -> m.getStatus().canary != null && m.getStatus().canary.step == 1);
  }

  @Test
  void noValidatedVersionAndInvalidSpecsAreExplained() {
    version(1, false);
    deployment(ModelDeploymentSpec.Promotion.Mode.Automatic, s -> { });
    ModelDeployment waiting = awaitMd(m -> Conditions.find(m.getStatus(), "Ready").isPresent());
    assertThat(Conditions.find(waiting.getStatus(), "Ready").orElseThrow().getReason()).isEqualTo("NoValidatedVersion");
    assertThat(waiting.getStatus().phase).isEqualTo("Waiting");

    ModelDeployment bad = new ModelDeployment();
    bad.getMetadata().setName("bad");
    bad.setSpec(new ModelDeploymentSpec());
    bad.getSpec().model = "churn";
    create(bad);
    ModelDeployment invalid = awaitResource(ModelDeployment.class, "bad", m -> m.getStatus() != null);
    assertThat(Conditions.find(invalid.getStatus(), "Ready").orElseThrow().getMessage())
        .isEqualTo("spec.server: Required value");
  }
}
