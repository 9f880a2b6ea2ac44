package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.DatasetSpec;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.local.LocalDeploymentController;
import dev.ferry.local.LocalGarbageCollector;
import dev.ferry.local.LocalJobController;
import dev.ferry.local.ServerRunner;
import dev.ferry.operator.FerryConfig;
import dev.ferry.operator.FerryOperator;
import dev.ferry.operator.OutsideSystems;
import dev.ferry.serving.RolloutPlanner;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.ScriptedRunner;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/**
 * Walks the operator through a whole lifecycle (training, registration, delivery with a canary,
 * drift with retrain and rollback, leader election) while recording every API call its client
 * makes, then checks each call against the rules the chart grants. A new client call without a
 * rule fails here, before it fails in a cluster with 403.
 */
class OperatorCallsAreGrantedTest {
  private static final String NS = "ml";

  /** Records (verb, group, resource) of every request, the way the API server's authorizer sees it. */
  static final class Recorder implements Interceptor {
    final Set<String> calls = new ConcurrentSkipListSet<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      calls.add(describe(request.method(), request.uri()));
    }

    static String describe(String method, URI uri) {
      String[] parts = uri.getPath().replaceAll("^/+|/+$", "").split("/");
      String group;
      int start;
      if (parts[0].equals("api")) {
        group = "";
        start = 2;
      } else {
        group = parts[1];
        start = 3;
      }
      if (parts.length > start + 1 && parts[start].equals("namespaces") && parts.length > start + 2) {
        start += 2;
      }
      String[] rest = Arrays.copyOfRange(parts, start, parts.length);
      String resource = rest.length >= 3 ? rest[0] + "/" + rest[2] : rest[0];
      boolean collection = rest.length == 1;
      String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
      String verb = switch (method) {
        case "GET" -> query.contains("watch=true") ? "watch" : collection ? "list" : "get";
        case "POST" -> "create";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> collection ? "deletecollection" : "delete";
        default -> method.toLowerCase();
      };
      return verb + " " + group + " " + resource;
    }
  }

  @Test
  void everyCallOfAWholeLifecycleIsGrantedByTheChartsRules() throws Exception {
    Recorder recorder = new Recorder();
    try (EmbeddedApiServer api = EmbeddedApiServer.start(0);
        dev.ferry.testing.FakePrometheus prometheus = dev.ferry.testing.FakePrometheus.start()) {
      KubernetesClient harness = api.client();
      harness.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ferry-system").endMetadata()
          .build()).create();
      KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(harness.getConfiguration())
          .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("rbac", recorder)).build();
      ScriptedRunner runner = new ScriptedRunner()
          .succeed("evaluate", "{\"metrics\": {\"auc\": 0.9}}")
          .succeed("smoke-test", "{\"message\": \"ok\"}")
          .succeed("drift-check", "{\"result\":\"Drift\",\"features\":1,\"driftedFeatures\":1,\"scores\":[{\"feature\":"
              + "\"tenure\",\"test\":\"psi\",\"score\":0.5,\"threshold\":0.2,\"drifted\":true}]}");
      var election = new FerryConfig.LeaderElection("ferry-leader", "ferry-system", "one", Duration.ofSeconds(4),
          Duration.ofSeconds(3), Duration.ofMillis(500), false);
      List<AutoCloseable> parts = new ArrayList<>();
      try {
        parts.add(new LocalJobController(harness, runner, Clock.systemUTC(), 4).start());
        parts.add(new LocalGarbageCollector(harness).start(300));
        parts.add(new LocalDeploymentController(harness, new ServerRunner() {
          @Override
          public int ensureRunning(Deployment d) {
            return d.getSpec().getReplicas();
          }

          @Override
          public void stop(Deployment d) {
          }
        }).start(300));
        FerryOperator operator = new FerryOperator(operatorClient, new FerryConfig("ferry:test", Set.of(),
            Optional.of(election)), Clock.systemUTC(), false, new OutsideSystems(
                check -> new RolloutPlanner.AnalysisResult(check.name, true, "ok"),
                new dev.ferry.serving.prometheus.HttpPrometheusClient(Map.of()), Map.of()),
            new SimpleMeterRegistry());
        parts.add(operator);
        new Thread(operator::start).start();

        lifecycle(harness, prometheus);
      } finally {
        for (AutoCloseable part : parts) {
          part.close();
        }
      }
    }

    JsonNode cluster = ChartRender.one(ChartRender.objects(Scenarios.DEFAULTS), "ClusterRole").orElseThrow()
        .get("rules");
    JsonNode lease = ChartRender.ofKind(ChartRender.objects("leaderElection: {enabled: true}\n"), "Role").stream()
        .filter(r -> r.at("/metadata/name").asText().endsWith("-leader-election")).findFirst().orElseThrow()
        .get("rules");
    JsonNode secrets = ChartRender.ofKind(ChartRender.objects(Scenarios.DEFAULTS), "Role").stream()
        .filter(r -> r.at("/metadata/name").asText().endsWith("-webhook-secrets")
            && "ferry-system".equals(r.at("/metadata/namespace").asText())).findFirst().orElseThrow().get("rules");
    Set<String> denied = new TreeSet<>();
    for (String call : recorder.calls) {
      String[] c = call.split(" ");
      if (c[1].equals("authorization.k8s.io")) {
        continue; // SelfSubjectRulesReview: every authenticated subject may ask what it may do.
      }
      if (!allowed(cluster, c) && !allowed(lease, c) && !allowed(secrets, c)) {
        denied.add(call);
      }
    }
    assertThat(recorder.calls).as("the walk exercised the operator").hasSizeGreaterThan(20);
    assertThat(denied).as("""
        calls the operator made that the chart does not grant; add a rule with its reason to the
        ferry.rules template in helm/ferry/templates/_helpers.tpl, then regenerate the golden file""").isEmpty();
  }

  private static boolean allowed(JsonNode rules, String[] call) {
    for (JsonNode rule : rules) {
      boolean group = contains(rule.path("apiGroups"), call[1]);
      boolean resource = contains(rule.path("resources"), call[2]);
      boolean verb = contains(rule.path("verbs"), call[0]);
      if (group && resource && verb) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode item : array) {
      if (item.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void lifecycle(KubernetesClient client, dev.ferry.testing.FakePrometheus prometheus) {
    var pipeline = Fixtures.pipeline("churn");
    pipeline.getMetadata().setNamespace(NS);
    pipeline.getSpec().runHistoryLimit = 1;
    client.resource(pipeline).create();
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("smoke").withNamespace(NS).endMetadata()
        .addToData("a.json", "{}").build()).create();
    // Kept in Ferry's own namespace: the only one where the default chart lets it read Secrets.
    client.resource(new SecretBuilder().withNewMetadata().withName("hook").withNamespace("ferry-system").endMetadata()
        .addToStringData("url", "http://127.0.0.1:1/hook").build()).create();

    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("churn");
    md.getMetadata().setNamespace(NS);
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().promotion.mode = ModelDeploymentSpec.Promotion.Mode.Automatic;
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.image = "mlserver:1";
    md.getSpec().smokeTest = new ModelDeploymentSpec.SmokeTest();
    md.getSpec().smokeTest.requests = new ModelDeploymentSpec.ConfigMapRef();
    md.getSpec().smokeTest.requests.configMapRef = "smoke";
    md.getSpec().rollout = new ModelDeploymentSpec.Rollout();
    md.getSpec().rollout.strategy = ModelDeploymentSpec.Rollout.Strategy.Canary;
    var step = new ModelDeploymentSpec.CanaryStep();
    step.weight = 50;
    step.pause = "1s";
    md.getSpec().rollout.steps = List.of(step);
    client.resource(md).create();

    train(client, "churn-r1");
    awaitProduction(client, 1);
    train(client, "churn-r2");
    awaitProduction(client, 2);

    prometheus.respond("errors", dev.ferry.testing.FakePrometheus.vector(0.5));
    DriftPolicy policy = new DriftPolicy();
    policy.getMetadata().setName("churn-drift");
    policy.getMetadata().setNamespace(NS);
    policy.setSpec(new DriftPolicySpec());
    policy.getSpec().deployment = "churn";
    policy.getSpec().schedule = "0 * * * *";
    policy.getSpec().current = new DatasetSpec();
    policy.getSpec().current.uri = "pvc://logs/latest.csv";
    var breach = new dev.ferry.api.v1alpha1.MetricCheck();
    breach.name = "errors";
    breach.prometheus = new dev.ferry.api.v1alpha1.PrometheusQuery();
    breach.prometheus.address = prometheus.address();
    breach.prometheus.query = "errors";
    breach.max = 0.1;
    policy.getSpec().performance = List.of(breach);
    policy.getSpec().actions = new DriftPolicySpec.Actions();
    policy.getSpec().actions.rollback = true;
    policy.getSpec().actions.retrain = new DriftPolicySpec.Retrain();
    policy.getSpec().actions.retrain.pipeline = "churn";
    var notify = new DriftPolicySpec.Notify();
    notify.webhook = new DriftPolicySpec.Webhook();
    notify.webhook.urlSecretRef = new DriftPolicySpec.SecretKeyRef();
    notify.webhook.urlSecretRef.name = "hook";
    notify.webhook.urlSecretRef.key = "url";
    notify.webhook.urlSecretRef.namespace = "ferry-system";
    policy.getSpec().actions.notify = List.of(notify);
    client.resource(policy).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      ModelDeployment now = client.resources(ModelDeployment.class).inNamespace(NS).withName("churn").get();
      return now.getStatus().rejectedVersions.contains(2L);
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(TrainingRun.class).inNamespace(NS).list()
        .getItems().stream().anyMatch(r -> r.getSpec().trigger != null
            && r.getSpec().trigger.kind == dev.ferry.api.v1alpha1.TrainingRunSpec.TriggerKind.Drift));
    assertNoSpecWasWritten(client, List.of(pipeline, md, policy));
  }

  /**
   * Ferry never writes a user's spec, so a GitOps tool (Argo CD) sees no drift after Ferry acts:
   * every object the user applied keeps generation 1 and the spec it was created with.
   */
  private static void assertNoSpecWasWritten(KubernetesClient client, List<io.fabric8.kubernetes.api.model.HasMetadata>
      applied) {
    for (var object : applied) {
      var now = client.resource(object).get();
      assertThat(now.getMetadata().getGeneration()).as(now.getKind() + " " + now.getMetadata().getName())
          .isEqualTo(1L);
      assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(((io.fabric8.kubernetes.client.CustomResource<?, ?>)
          now).getSpec())).isEqualTo(io.fabric8.kubernetes.client.utils.Serialization.asJson(
              ((io.fabric8.kubernetes.client.CustomResource<?, ?>) object).getSpec()));
    }
  }

  private static void train(KubernetesClient client, String name) {
    var run = Fixtures.manualRun(name, "churn");
    run.getMetadata().setNamespace(NS);
    client.resource(run).create();
  }

  private static void awaitProduction(KubernetesClient client, long version) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      ModelDeployment md = client.resources(ModelDeployment.class).inNamespace(NS).withName("churn").get();
      return md != null && md.getStatus() != null && Long.valueOf(version).equals(md.getStatus().productionVersion);
    });
  }
}
