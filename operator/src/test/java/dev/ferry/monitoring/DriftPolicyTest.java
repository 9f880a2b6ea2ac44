package dev.ferry.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.v1alpha1.DatasetSpec;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.RestrictedPodSecurity;
import dev.ferry.serving.prometheus.HttpPrometheusClient;
import dev.ferry.testing.FakePrometheus;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DriftPolicyTest extends OperatorTestBase {
  static final String DRIFT = "{\"result\":\"Drift\",\"features\":3,\"driftedFeatures\":2,\"scores\":["
      + "{\"feature\":\"tenure\",\"test\":\"psi\",\"score\":0.31,\"threshold\":0.2,\"drifted\":true,\"baselineMissing\":0,"
      + "\"currentMissing\":0.01},{\"feature\":\"plan\",\"test\":\"chi2\",\"score\":0.001,\"threshold\":0.05,"
      + "\"drifted\":true},{\"feature\":\"channel\",\"test\":\"chi2\",\"score\":0.4,\"threshold\":0.05,\"drifted\":false}]}";
  static final String NO_DRIFT = "{\"result\":\"NoDrift\",\"features\":3,\"driftedFeatures\":0,\"scores\":[]}";

  private FakePrometheus fakePrometheus;
  private final AtomicInteger pokes = new AtomicInteger();
  private HttpServer webhook;
  private final List<String> received = new CopyOnWriteArrayList<>();
  /** The X-Ferry-Delivery header of every request the webhook received, accepted or not. */
  private final List<String> deliveryIds = new CopyOnWriteArrayList<>();
  /** How many more requests the webhook answers with HTTP 503. */
  private final AtomicInteger webhookFailures = new AtomicInteger();

  @BeforeEach
  void production() throws IOException {
    fakePrometheus = FakePrometheus.start();
    stopOperator();
    prometheus = new HttpPrometheusClient(Map.of());
    startOperator();
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/hooks/T000/B000/secret-token", exchange -> {
      deliveryIds.add(String.valueOf(exchange.getRequestHeaders().getFirst(Deliveries.HEADER)));
      if (webhookFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        exchange.sendResponseHeaders(503, -1);
        exchange.close();
        return;
      }
      received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    webhook.start();

    for (long n = 1; n <= 3; n++) {
      ModelVersion v = new ModelVersion();
      v.getMetadata().setName("churn-v" + n);
      v.getMetadata().setLabels(Map.of(Ferry.LABEL_MODEL, "churn"));
      v.setSpec(new ModelVersionSpec());
      v.getSpec().model = "churn";
      v.getSpec().version = n;
      v.getSpec().artifact = new ModelVersionSpec.Artifact();
      v.getSpec().artifact.uri = "pvc://models/v" + n;
      v.getSpec().lineage = new ModelVersionSpec.Lineage();
      v.getSpec().lineage.dataset = new ModelVersionSpec.DatasetRef();
      v.getSpec().lineage.dataset.uri = "pvc://datasets/churn-" + n + ".csv";
      create(v);
    }
    create(Fixtures.pipeline("churn"));
  }

  @AfterEach
  void stopServers() {
    fakePrometheus.close();
    webhook.stop(0);
  }

  /** A deployment already serving; written with the operator stopped, as the mock server does not lock status writes. */
  private void deployment(Long production, Long previous) {
    deployment(production, previous == null ? new long[0] : new long[] {previous});
  }

  /** Serving {@code production}, having replaced {@code previous} (newest first). */
  private void deployment(Long production, long... previous) {
    stopOperator();
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("churn");
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.image = "mlserver:1";
    md.getSpec().version = production;
    md = create(md);
    md.setStatus(new ModelDeploymentStatus());
    md.getStatus().productionVersion = production;
    md.getStatus().productionSince = "2030-01-01T09:00:00Z";
    for (long replaced : previous) {
      var entry = new ModelDeploymentStatus.HistoryEntry();
      entry.version = replaced;
      entry.outcome = "Replaced";
      md.getStatus().history.add(entry);
    }
    client.resource(md).updateStatus();
    startOperator();
  }

  private DriftPolicy policy(Consumer<DriftPolicySpec> change) {
    DriftPolicy policy = new DriftPolicy();
    policy.getMetadata().setName("churn-drift");
    DriftPolicySpec spec = new DriftPolicySpec();
    spec.deployment = "churn";
    spec.schedule = "0 * * * *";
    spec.current = new DatasetSpec();
    spec.current.uri = "pvc://inference-log/churn/latest.csv";
    spec.actions = new DriftPolicySpec.Actions();
    spec.actions.retrain = new DriftPolicySpec.Retrain();
    spec.actions.retrain.pipeline = "churn";
    change.accept(spec);
    policy.setSpec(spec);
    return create(policy);
  }

  private void checkNow() {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DriftPolicy p = get(DriftPolicy.class, "churn-drift");
      p.getMetadata().getAnnotations().put(Ferry.ANNOTATION_CHECK_NOW, "n" + pokes.incrementAndGet());
      client.resource(p).update();
      return true;
    });
  }

  private DriftPolicy awaitPolicy(java.util.function.Predicate<DriftPolicy> condition) {
    return awaitResource(DriftPolicy.class, "churn-drift", p -> p.getStatus() != null && condition.test(p));
  }

  private List<TrainingRun> driftRuns() {
    return client.resources(TrainingRun.class).inNamespace(NS).list().getItems().stream()
        .filter(r -> r.getSpec().trigger != null && r.getSpec().trigger.kind.name().equals("Drift")).toList();
  }

  @Test
  void policyBecomesACronJobCheckingAgainstTheProductionTrainingData() {
    deployment(2L, 1L);
    policy(s -> { });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    assertThat(cron.getSpec().getSchedule()).isEqualTo("0 * * * *");
    assertThat(cron.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(cron.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(3);
    var pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getArgs()).containsSubsequence("--baseline",
        "/ferry/pvc/datasets/churn-2.csv", "--current", "/ferry/pvc/inference-log/churn/latest.csv");
    assertThat(pod.getVolumes()).extracting(v -> v.getPersistentVolumeClaim().getClaimName())
        .containsExactly("datasets", "inference-log");
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
    var resources = pod.getContainers().get(0).getResources();
    assertThat(resources.getLimits()).as("a limit sizes the check's heap: not from the node's memory")
        .containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("512Mi"));
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(cron.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("DriftPolicy"));
    DriftPolicy policy = awaitPolicy(p -> p.getStatus().nextCheck != null);
    assertThat(Conditions.isTrue(policy.getStatus(), "Ready")).isTrue();
  }

  @Test
  void dataInABucketIsReadByTheCheckItselfWithTheSecretsKeysAsItsEnvironment() {
    deployment(2L, 1L);
    policy(s -> {
      s.current.uri = "s3://inference-logs/churn/latest.csv";
      s.baseline = new dev.ferry.api.v1alpha1.DatasetSpec();
      s.baseline.uri = "gs://training-data/churn/2026-11.csv";
      s.storage = new dev.ferry.api.v1alpha1.StorageSpec();
      s.storage.secretRef = "s3-keys";
      s.storage.endpoint = "https://minio.example:9000";
    });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    var pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getArgs()).containsSubsequence("--baseline", "gs://training-data/churn/2026-11.csv",
        "--current", "s3://inference-logs/churn/latest.csv");
    assertThat(pod.getVolumes()).as("no claim to mount: drift-check streams the objects").isEmpty();
    assertThat(container.getEnvFrom()).singleElement().satisfies(e -> {
      assertThat(e.getSecretRef().getName()).isEqualTo("s3-keys");
      assertThat(e.getSecretRef().getOptional()).isFalse();
    });
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("FERRY_S3_ENDPOINT");
      assertThat(e.getValue()).isEqualTo("https://minio.example:9000");
    });
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
  }

  @Test
  void eachCheckWritesItsPageIntoTheReportFolderAndTheStatusPointsAtTheLatestOnly() {
    deployment(2L, 1L);
    // A hostile or broken check may report any string as its page: only a time-stamped name counts.
    runner.succeed("drift-check", "{\"result\":\"NoDrift\",\"features\":1,\"driftedFeatures\":0,"
        + "\"report\":\"/ferry/pvc/reports/churn/20301204T090005.123Z.html\"}");
    policy(s -> {
      s.report = new DriftPolicySpec.ReportSpec();
      s.report.uri = "pvc://datasets/reports/churn/";
    });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    var template = cron.getSpec().getJobTemplate();
    assertThat(template.getMetadata().getAnnotations()).as("old Jobs keep the folder they wrote to")
        .containsEntry(Ferry.ANNOTATION_REPORT_URI, "pvc://datasets/reports/churn");
    var pod = template.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getArgs()).containsSubsequence("--report-to", "/ferry/pvc/datasets/reports/churn");
    assertThat(pod.getVolumes()).as("the baseline's claim is the report's: mounted once, writable; the current"
        + " data's stays read-only").extracting(v -> v.getPersistentVolumeClaim().getClaimName() + ":"
            + v.getPersistentVolumeClaim().getReadOnly())
        .containsExactly("datasets:false", "inference-log:true");
    assertThat(pod.getContainers().get(0).getVolumeMounts()).extracting(m -> m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("/ferry/pvc/datasets:false", "/ferry/pvc/inference-log:true");
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();

    DriftPolicy first = awaitPolicy(p -> p.getStatus().lastCheck != null);
    assertThat(first.getStatus().lastCheck.report).isEqualTo("pvc://datasets/reports/churn/20301204T090005.123Z.html");
    assertThat(first.getStatus().report).isEqualTo(first.getStatus().lastCheck.report);

    runner.succeed("drift-check", "{\"result\":\"NoDrift\",\"features\":1,\"driftedFeatures\":0,"
        + "\"report\":\"../../../etc/passwd\"}");
    checkNow();
    DriftPolicy second = awaitPolicy(p -> p.getStatus().history.size() == 2);
    assertThat(second.getStatus().lastCheck.report).as("not a page name: not recorded").isNull();
    assertThat(second.getStatus().report).as("the latest page there is").isEqualTo(first.getStatus().report);
  }

  @Test
  void windowsByTimeGoToTheCheckAndTheWorstWindowIsInTheStatus() {
    deployment(2L, 1L);
    runner.succeed("drift-check", "{\"result\":\"Drift\",\"windows\":7,\"driftedWindows\":2,"
        + "\"window\":\"2030-01-03T00:00:00Z/2030-01-04T00:00:00Z\",\"features\":3,\"driftedFeatures\":2}");
    policy(s -> {
      s.window = new DriftPolicySpec.WindowSpec();
      s.window.timestampColumn = "served_at";
      s.window.period = "1d";
      s.window.learnThresholds = true;
    });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    assertThat(cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("--window", "served_at:1d", "--learn-thresholds");
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastCheck != null);
    assertThat(seen.getStatus().lastCheck.multivariate).as("not asked for").isNull();
    assertThat(seen.getStatus().lastCheck.windows).isEqualTo(7);
    assertThat(seen.getStatus().lastCheck.driftedWindows).isEqualTo(2);
    assertThat(seen.getStatus().lastCheck.window).isEqualTo("2030-01-03T00:00:00Z/2030-01-04T00:00:00Z");
  }

  @Test
  void theMultivariateTestGoesToTheCheckAndItsVerdictIsInTheStatus() {
    deployment(2L, 1L);
    runner.succeed("drift-check", "{\"result\":\"Drift\",\"features\":3,\"driftedFeatures\":0,"
        + "\"multivariate\":{\"method\":\"pca-reconstruction\",\"error\":1.9,\"threshold\":0.71,\"drifted\":true}}");
    policy(s -> {
      s.multivariate = true;
      s.resources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
          .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("2Gi")).build();
    });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    assertThat(cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--multivariate");
    assertThat(cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getResources()
        .getLimits()).as("spec.resources wins").containsOnlyKeys("memory")
        .containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("2Gi"));
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastCheck != null && p.getStatus().lastAction != null);
    assertThat(seen.getStatus().lastCheck.multivariate.drifted).isTrue();
    assertThat(seen.getStatus().lastCheck.multivariate.error).isEqualTo(1.9);
    assertThat(seen.getStatus().lastCheck.multivariate.threshold).isEqualTo(0.71);
    assertThat(Conditions.isTrue(seen.getStatus(), "DriftDetected")).isTrue();
    assertThat(seen.getStatus().lastAction.kind).as("dataset drift by the joint test retrains too").isEqualTo("Retrain");
    assertThat(Conditions.find(seen.getStatus(), "DriftDetected").orElseThrow().getMessage())
        .contains("0 of 3 features drifted", "together (PCA reconstruction error) 1.900 > 0.7100");
  }

  @Test
  void dataThatFailsItsQualityGatesIsNotifiedAndNeverRetrainedOn() {
    deployment(2L, 1L);
    runner.succeed("drift-check", "{\"result\":\"DataQualityFailed\",\"features\":3,\"driftedFeatures\":3,"
        + "\"qualityFailures\":[\"tenure: missing 40.00% > 10.00%\"],\"scores\":[{\"feature\":\"score\","
        + "\"role\":\"prediction\",\"test\":\"psi\",\"score\":0.4,\"threshold\":0.2,\"drifted\":true,"
        + "\"outOfRangeShare\":0.07}]}");
    policy(s -> {
      s.outputs = new DriftPolicySpec.Outputs();
      s.outputs.prediction = "score";
      s.outputs.label = "churned";
      s.outputs.labels = new DatasetSpec();
      s.outputs.labels.uri = "pvc://labels/churn/week.csv";
      s.dataQuality = new DriftPolicySpec.DataQuality();
      s.dataQuality.maxMissingShare = 0.1;
    });
    CronJob cron = awaitResource(CronJob.class, "churn-drift-drift", c -> true);
    var container = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs()).containsSubsequence("--labels", "/ferry/pvc/labels/churn/week.csv");
    assertThat(container.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/ferry/pvc/labels");
      assertThat(m.getReadOnly()).isTrue();
    });
    String config = container.getEnv().stream().filter(e -> e.getName().equals("FERRY_DRIFT_CONFIG_JSON")).findFirst()
        .orElseThrow().getValue();
    assertThat(config).contains("\"outputs\":{\"prediction\":\"score\",\"label\":\"churned\"}",
        "\"dataQuality\":{\"maxMissingShare\":0.1");

    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastCheck != null && p.getStatus().notifiedVerdict != null);
    var check = seen.getStatus().lastCheck;
    assertThat(check.result).isEqualTo("DataQualityFailed");
    assertThat(check.qualityFailures).containsExactly("tenure: missing 40.00% > 10.00%");
    assertThat(check.scores).singleElement().satisfies(sc -> {
      assertThat(sc.role).isEqualTo("prediction");
      assertThat(sc.outOfRangeShare).isEqualTo(0.07);
    });
    var condition = Conditions.find(seen.getStatus(), "DriftDetected").orElseThrow();
    assertThat(condition.getStatus()).as("bad data says nothing about drift").isEqualTo("Unknown");
    assertThat(condition.getMessage()).contains("failed its data-quality gates", "tenure: missing 40.00%");
    assertThat(driftRuns()).as("a broken feed is not retrained on").isEmpty();
  }

  @Test
  void aReportFolderThatCannotBeWrittenIsAnInvalidSpecNamingTheField() {
    deployment(2L, 1L);
    policy(s -> {
      s.report = new DriftPolicySpec.ReportSpec();
      s.report.uri = "pvc:///reports";
    });
    DriftPolicy policy = awaitPolicy(p -> Conditions.find(p.getStatus(), "Ready")
        .map(c -> "InvalidSpec".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(policy.getStatus(), "Ready").orElseThrow().getMessage())
        .contains("spec.report.uri", "pvc:///reports");
  }

  @Test
  void aMalformedBucketUriIsAnInvalidSpecNamingTheField() {
    deployment(2L, 1L);
    policy(s -> s.current.uri = "s3://Bad_Bucket/latest.csv");
    DriftPolicy policy = awaitPolicy(p -> Conditions.find(p.getStatus(), "Ready")
        .map(c -> "InvalidSpec".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(policy.getStatus(), "Ready").orElseThrow().getMessage())
        .contains("spec.current.uri", "s3://Bad_Bucket/latest.csv", "is not an object URI");
  }

  @Test
  void aDeletedProductionVersionIsNamedAsTheMissingBaseline() {
    deployment(2L, 1L);
    policy(s -> { });
    awaitPolicy(p -> Conditions.isTrue(p.getStatus(), "Ready"));
    client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v2").delete();

    DriftPolicy policy = awaitPolicy(p -> Conditions.find(p.getStatus(), "Ready")
        .map(c -> "ProductionVersionMissing".equals(c.getReason())).orElse(false));
    assertThat(Conditions.find(policy.getStatus(), "Ready").orElseThrow().getMessage())
        .contains("serves v2", "ModelVersion churn-v2 no longer exists", "spec.baseline");
  }

  @Test
  void driftIsReportedPerFeatureAndStartsOneRetrainWithinTheGuardRails() {
    deployment(2L, 1L);
    runner.succeed("drift-check", DRIFT);
    policy(s -> { });
    // A check runs at once when the policy first has a baseline.
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastCheck != null && p.getStatus().lastAction != null);
    var check = seen.getStatus().lastCheck;
    assertThat(check.result).isEqualTo("Drift");
    assertThat(check.driftedFeatures).isEqualTo(2);
    assertThat(check.scores).extracting(s -> s.feature + ":" + s.drifted).contains("tenure:true", "channel:false");
    assertThat(check.scores.get(0).currentMissing).isEqualTo(0.01);
    assertThat(Conditions.isTrue(seen.getStatus(), "DriftDetected")).isTrue();
    assertThat(seen.getStatus().lastAction.kind).isEqualTo("Retrain");
    await().untilAsserted(() -> assertThat(driftRuns()).singleElement().satisfies(r -> {
      assertThat(r.getSpec().trigger.source).isEqualTo("DriftPolicy/churn-drift");
      assertThat(r.getSpec().trigger.reason).contains("2 of 3 features drifted", "tenure psi 0.31");
    }));

    checkNow();
    DriftPolicy again = awaitPolicy(p -> p.getStatus().history.size() >= 2 && p.getStatus().lastAction != null
        && p.getStatus().lastAction.kind.equals("RetrainSkipped"));
    assertThat(again.getStatus().lastAction.message).containsAnyOf("already running", "cooldown");
    assertThat(driftRuns()).hasSize(1);
  }

  @Test
  void aCheckWhosePodCannotStartIsAnErrorAtThePendingDeadlineAndLaterChecksRun() {
    deployment(2L, 1L);
    runner.hold("drift-check");
    policy(s -> s.pendingDeadlineSeconds = 90);
    String job = awaitResource(DriftPolicy.class, "churn-drift", p -> p.getStatus() != null && p.getStatus().baseline != null)
        .getMetadata().getName();
    String stuck = await().atMost(Duration.ofSeconds(20)).until(() -> client.batch().v1().jobs().inNamespace(NS)
        .withLabel(Ferry.LABEL_DRIFT_POLICY, "churn-drift").list().getItems(), l -> !l.isEmpty()).get(0)
        .getMetadata().getName();
    podCannotStart(stuck);

    clock.advance(Duration.ofSeconds(91));
    DriftPolicy seen = awaitPolicy(p -> {
      poke();
      return p.getStatus().lastCheck != null;
    });
    assertThat(seen.getStatus().lastCheck.job).isEqualTo(stuck);
    assertThat(seen.getStatus().lastCheck.result).isEqualTo("Error");
    assertThat(seen.getStatus().lastCheck.message).contains("ErrImagePull: pull access denied",
        "spec.pendingDeadlineSeconds, 90 s");
    assertThat(Conditions.find(seen.getStatus(), "DriftDetected").orElseThrow().getStatus()).isEqualTo("Unknown");
    await().untilAsserted(() -> assertThat(client.batch().v1().jobs().inNamespace(NS).withName(stuck).get())
        .as("the stuck check no longer blocks the next one").isNull());

    runner.release("drift-check");
    runner.succeed("drift-check", "{\"result\":\"NoDrift\",\"features\":1,\"driftedFeatures\":0}");
    checkNow();
    DriftPolicy next = awaitPolicy(p -> p.getStatus().lastCheck != null && !stuck.equals(p.getStatus().lastCheck.job));
    assertThat(next.getStatus().lastCheck.result).isEqualTo("NoDrift");
    assertThat(next.getStatus().history).extracting(c -> c.job).contains(stuck).doesNotHaveDuplicates();
    assertThat(job).isEqualTo("churn-drift");
  }

  @Test
  void aCheckThatCannotRunIsAnErrorNeverNoDrift() {
    deployment(2L, 1L);
    runner.fail("drift-check", 2, "{\"result\":\"Error\",\"message\":\"latest.csv, line 7: ragged row\"}");
    policy(s -> { });
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastCheck != null);
    assertThat(seen.getStatus().lastCheck.result).isEqualTo("Error");
    assertThat(seen.getStatus().lastCheck.message).contains("line 7: ragged row");
    assertThat(Conditions.find(seen.getStatus(), "DriftDetected").orElseThrow().getStatus()).isEqualTo("Unknown");
    assertThat(driftRuns()).isEmpty();
  }

  @Test
  void webhooksHearOfAChangeOfVerdictOnceAndTheUrlStaysSecret() {
    deployment(2L, 1L);
    String url = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks/T000/B000/secret-token";
    create(new SecretBuilder().withNewMetadata().withName("slack-hook").endMetadata()
        .addToStringData("url", url).build());
    runner.succeed("drift-check", DRIFT);
    policy(s -> {
      var notify = new DriftPolicySpec.Notify();
      notify.webhook = new DriftPolicySpec.Webhook();
      notify.webhook.urlSecretRef = new DriftPolicySpec.SecretKeyRef();
      notify.webhook.urlSecretRef.name = "slack-hook";
      notify.webhook.urlSecretRef.key = "url";
      s.actions.notify = List.of(notify);
      s.actions.retrain = null;
    });
    await().untilAsserted(() -> assertThat(received).hasSize(1));
    assertThat(received.get(0)).contains("\"text\"", "churn-drift", "Drift", "tenure");
    checkNow();
    awaitPolicy(p -> p.getStatus().history.size() >= 2);
    assertThat(received).as("the same verdict again is not news").hasSize(1);

    String everything = Serialization.asYaml(get(DriftPolicy.class, "churn-drift"))
        + client.v1().events().inNamespace(NS).list().getItems().stream().map(Event::getMessage).toList();
    assertThat(everything).doesNotContain("secret-token").doesNotContain(url);
  }

  private void performance(DriftPolicySpec spec, double max) {
    MetricCheck accuracy = new MetricCheck();
    accuracy.name = "error-rate";
    accuracy.prometheus = new PrometheusQuery();
    accuracy.prometheus.address = fakePrometheus.address();
    accuracy.prometheus.query = "sum(rate(errors[5m]))";
    accuracy.max = max;
    spec.performance = List.of(accuracy);
    spec.actions.rollback = true;
    spec.actions.retrain = null;
  }

  @Test
  void aPerformanceBreachRollsTheDeploymentBack() {
    deployment(2L, 1L);
    fakePrometheus.respond("sum(rate(errors[5m]))", FakePrometheus.vector(0.2));
    policy(s -> performance(s, 0.05));
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastAction != null);
    assertThat(seen.getStatus().lastAction.kind).isEqualTo("Rollback");
    assertThat(seen.getStatus().performance).singleElement().satisfies(r -> assertThat(r.passed).isFalse());
    await().untilAsserted(() -> assertThat(get(ModelDeployment.class, "churn").getMetadata().getAnnotations())
        .containsKey(Ferry.ANNOTATION_ROLLBACK));
  }

  /**
   * The first status write of the policy once {@code acted} holds fails: the action was taken,
   * its record is lost. The clock moves on a second, as it would for a real crash and restart.
   */
  private void crashBeforeRecording(java.util.function.BooleanSupplier acted) {
    faults.add(request -> {
      boolean fire = request.startsWith("PUT ") && request.contains("/driftpolicies/churn-drift/status")
          && acted.getAsBoolean();
      if (fire) {
        clock.advance(Duration.ofSeconds(1));
      }
      return fire;
    });
  }

  @Test
  void aCrashBetweenARollbackAndItsRecordRollsBackOnce() {
    deployment(3L, 2L, 1L);
    fakePrometheus.respond("sum(rate(errors[5m]))", FakePrometheus.vector(0.2));
    crashBeforeRecording(() -> get(ModelDeployment.class, "churn").getMetadata().getAnnotations()
        .containsKey(Ferry.ANNOTATION_ROLLBACK));
    policy(s -> performance(s, 0.05));
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastAction != null && "Rollback".equals(p.getStatus().lastAction.kind));
    assertThat(injected).as("the fault fired").hasSize(1);
    ModelDeployment md = awaitResource(ModelDeployment.class, "churn", m -> m.getStatus() != null
        && Long.valueOf(2).equals(m.getStatus().productionVersion));
    poke();
    awaitPolicy(p -> p.getStatus().performance.size() == 1 && Boolean.FALSE.equals(p.getStatus().performance.get(0).passed)
        && p.getStatus().observedGeneration != null);
    assertThat(get(ModelDeployment.class, "churn").getStatus().productionVersion)
        .as("v3 to v2 once, not on to v1").isEqualTo(2L);
    assertThat(get(ModelDeployment.class, "churn").getStatus().history).extracting(h -> h.version + ":" + h.outcome)
        .containsExactly("3:RolledBack", "1:Replaced");
    assertThat(seen.getStatus().lastAction.target).isEqualTo("ModelDeployment/churn");
    assertThat(md.getMetadata().getAnnotations().get(Ferry.ANNOTATION_ROLLBACK)).startsWith("churn-drift-v3-");
  }

  @Test
  void aCrashBetweenARetrainAndItsRecordStartsOneRun() {
    deployment(2L, 1L);
    runner.succeed("drift-check", DRIFT);
    crashBeforeRecording(() -> !driftRuns().isEmpty());
    policy(s -> { });
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().actedOnCheck != null && p.getStatus().lastAction != null
        && "Retrain".equals(p.getStatus().lastAction.kind));
    assertThat(injected).hasSize(1);
    assertThat(driftRuns()).hasSize(1);
    assertThat(seen.getStatus().retrainTimes).hasSize(1);
  }

  @Test
  void aCrashBetweenAWebhookDeliveryAndItsRecordSendsTheSameDeliveryAndRecordsItOnce() throws Exception {
    deployment(2L, 1L);
    notifySlack();
    runner.succeed("drift-check", DRIFT);
    crashBeforeRecording(() -> !deliveryIds.isEmpty());
    policy(s -> {
      s.actions.notify = List.of(slack());
      s.actions.retrain = null;
    });
    DriftPolicy seen = awaitPolicy(p -> !p.getStatus().deliveries.isEmpty());
    assertThat(injected).hasSize(1);
    assertThat(deliveryIds).as("delivered at least once, under one id").hasSizeGreaterThanOrEqualTo(2)
        .containsOnly(seen.getStatus().deliveries.get(0).id);
    assertThat(seen.getStatus().deliveries).as("recorded once").singleElement().satisfies(d -> {
      assertThat(d.delivered).isTrue();
      assertThat(d.verdict).isEqualTo("Drift");
      assertThat(d.target).isEqualTo("Secret ml/slack-hook key url");
    });
  }

  @Test
  void aFailingReceiverIsTriedAgainWithBackoffUnderTheSameId() {
    deployment(2L, 1L);
    notifySlack();
    webhookFailures.set(2);
    runner.succeed("drift-check", DRIFT);
    policy(s -> {
      s.actions.notify = List.of(slack());
      s.actions.retrain = null;
    });
    DriftPolicy first = awaitPolicy(p -> !p.getStatus().deliveries.isEmpty());
    var delivery = first.getStatus().deliveries.get(0);
    assertThat(delivery.delivered).isFalse();
    assertThat(delivery.message).contains("answered HTTP 503").doesNotContain("secret-token");
    assertThat(delivery.nextAttemptAt).isEqualTo(dev.ferry.kube.Times.format(clock.instant().plusSeconds(10)));
    clock.advance(Duration.ofSeconds(11));
    poke();
    awaitPolicy(p -> p.getStatus().deliveries.get(0).attempts == 2);
    clock.advance(Duration.ofSeconds(21));
    poke();
    DriftPolicy done = awaitPolicy(p -> Boolean.TRUE.equals(p.getStatus().deliveries.get(0).delivered));
    assertThat(done.getStatus().deliveries).singleElement().satisfies(d -> {
      assertThat(d.attempts).isEqualTo(3);
      assertThat(d.nextAttemptAt).isNull();
    });
    assertThat(deliveryIds).hasSize(3).containsOnly(delivery.id);
    assertThat(received).hasSize(1);
  }

  @Test
  void aSecretFerryMayNotReadIsReportedWithWhatToDo() {
    deployment(2L, 1L);
    notifySlack();
    forbidden.add(request -> request.startsWith("GET ") && request.contains("/namespaces/ml/secrets/"));
    runner.succeed("drift-check", DRIFT);
    policy(s -> {
      s.actions.notify = List.of(slack());
      s.actions.retrain = null;
    });
    DriftPolicy seen = awaitPolicy(p -> Conditions.find(p.getStatus(), "NotificationsDelivered").isPresent());
    var condition = Conditions.find(seen.getStatus(), "NotificationsDelivered").orElseThrow();
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getMessage()).contains("Secret ml/slack-hook", "Ferry may not read Secrets in namespace ml",
        "urlSecretRef.namespace", "rbac.secretNamespaces").doesNotContain("secret-token");
    assertThat(deliveryIds).as("nothing sent").isEmpty();
    assertThat(Conditions.isTrue(seen.getStatus(), "Ready")).as("the policy itself still works").isTrue();
  }

  private void notifySlack() {
    String url = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks/T000/B000/secret-token";
    create(new SecretBuilder().withNewMetadata().withName("slack-hook").endMetadata()
        .addToStringData("url", url).build());
  }

  private static DriftPolicySpec.Notify slack() {
    var notify = new DriftPolicySpec.Notify();
    notify.webhook = new DriftPolicySpec.Webhook();
    notify.webhook.urlSecretRef = new DriftPolicySpec.SecretKeyRef();
    notify.webhook.urlSecretRef.name = "slack-hook";
    notify.webhook.urlSecretRef.key = "url";
    return notify;
  }

  /** Makes the operator look again now (the test moves the clock; the operator sleeps on the real one). */
  private void poke() {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DriftPolicy p = get(DriftPolicy.class, "churn-drift");
      p.getMetadata().getAnnotations().put("test/poke", "p" + pokes.incrementAndGet());
      client.resource(p).update();
      return true;
    });
  }

  @Test
  void aRollbackWithNoPreviousVersionIsReportedNotAttempted() {
    deployment(2L, new long[0]);
    fakePrometheus.respond("sum(rate(errors[5m]))", FakePrometheus.vector(0.2));
    policy(s -> performance(s, 0.05));
    DriftPolicy seen = awaitPolicy(p -> p.getStatus().lastAction != null);
    assertThat(seen.getStatus().lastAction.kind).isEqualTo("RollbackSkipped");
    assertThat(seen.getStatus().lastAction.message).contains("no previous good version");
    assertThat(get(ModelDeployment.class, "churn").getMetadata().getAnnotations())
        .doesNotContainKey(Ferry.ANNOTATION_ROLLBACK);
  }

  @Test
  void prometheusDownIsReportedAsUnmeasuredNotAsABreach() {
    deployment(2L, 1L);
    fakePrometheus.down();
    policy(s -> performance(s, 0.05));
    DriftPolicy seen = awaitPolicy(p -> !p.getStatus().performance.isEmpty());
    assertThat(seen.getStatus().performance.get(0).passed).isNull();
    assertThat(seen.getStatus().performance.get(0).message).isNotBlank();
    assertThat(seen.getStatus().lastAction).isNull();
  }

  @Test
  void aRestartBetweenACheckAndItsActionNeitherLosesNorRepeatsIt() {
    deployment(2L, 1L);
    runner.succeed("drift-check", DRIFT);
    policy(s -> { });
    awaitPolicy(p -> p.getStatus().actedOnCheck != null);
    assertThat(driftRuns()).hasSize(1);
    stopOperator();
    // As if the operator died after recording the check and before acting on it.
    DriftPolicy p = get(DriftPolicy.class, "churn-drift");
    p.getStatus().actedOnCheck = null;
    p.getStatus().retrainTimes = new java.util.ArrayList<>();
    p.getStatus().lastAction = null;
    client.resource(p).updateStatus();
    startOperator();
    DriftPolicy acted = awaitPolicy(x -> x.getStatus().actedOnCheck != null);
    // The run is created before the status that records it is written: this is the final count.
    assertThat(driftRuns()).as("not repeated").hasSize(1);
    assertThat(acted.getStatus().lastAction.kind).as("not lost: the action is recorded again").isEqualTo("Retrain");
    assertThat(acted.getStatus().lastAction.target).isEqualTo("TrainingRun/" + driftRuns().get(0).getMetadata().getName());
    assertThat(acted.getStatus().retrainTimes).hasSize(1);
  }
}
