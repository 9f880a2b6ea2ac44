package dev.ferry.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.DatasetSpec;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TriggersSpec;
import dev.ferry.monitoring.DriftActions;
import dev.ferry.monitoring.DriftCronJobBuilder;
import dev.ferry.pipeline.RunTriggers;
import dev.ferry.pipeline.StepJobBuilder;
import dev.ferry.registry.ModelRegistrar;
import dev.ferry.serving.ServingBuilders;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every name Ferry makes from a user's names fits Kubernetes' limits, whatever those names are
 * within what the CRDs admit: every kind's name at its CRD bound, a step name of 30, a model name
 * of 63, a claim name of 253 with dots, a version number of 11 digits. What is checked is what
 * the API server would refuse: object names (DNS subdomain; a Service's a DNS-1035 label of 63),
 * label values (63, their own syntax), volume and container names (DNS labels), CronJob names (52,
 * the controller appends a time to them).
 */
class GeneratedNamesFitTest {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_1035 = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

  private static final String PIPELINE = "p".repeat(63);
  private static final String RUN = "r".repeat(63);
  private static final String DEPLOYMENT = "d".repeat(55);
  private static final String POLICY = "q".repeat(63);
  private static final String MODEL = "m".repeat(63);
  private static final String CLAIM = "data.team-a." + "c".repeat(241);
  private static final long VERSION = 99_999_999_999L;

  private final List<String> problems = new ArrayList<>();

  @Test
  void everyGeneratedNameAndLabelIsOneTheApiServerAccepts() {
    assertThat(CLAIM).hasSize(253);
    Instant now = Instant.parse("2026-12-02T10:00:00Z");
    TrainingPipeline pipeline = Fixtures.pipeline(PIPELINE);
    pipeline.getMetadata().setGeneration(VERSION);
    pipeline.getMetadata().setUid("8e0c3b2a-0000-4000-8000-000000000001");
    pipeline.getSpec().model = MODEL;
    pipeline.getSpec().dataset.uri = "pvc://" + CLAIM + "/churn.csv";
    pipeline.getSpec().artifacts.uri = "pvc://" + CLAIM + "/models";
    pipeline.getSpec().steps.get(1).name = "s".repeat(StepSpec.MAX_NAME);
    pipeline.getSpec().triggers = new TriggersSpec();
    pipeline.getSpec().triggers.onDatasetChange = true;
    pipeline.getSpec().triggers.schedule = "* * * * *";
    pipeline.setStatus(new dev.ferry.api.v1alpha1.TrainingPipelineStatus());
    pipeline.getStatus().lastScheduleTime = Times.format(now.minusSeconds(300));

    // Runs the pipeline starts (new data, a schedule), a user's run at the bound, a drift retrain.
    List<String> runNames = new ArrayList<>(RunTriggers.plan(pipeline, List.of(), now).create().stream()
        .map(RunTriggers.NewRun::name).toList());
    pipeline.getSpec().triggers.onDatasetChange = false;
    RunTriggers.plan(pipeline, List.of(), now).create().forEach(r -> runNames.add(r.name()));
    pipeline.getSpec().triggers.onDatasetChange = true;
    assertThat(runNames).as("a data run and a scheduled run").hasSize(2).doesNotHaveDuplicates();
    DriftPolicy policy = policy();
    DriftPolicyStatus.Check check = new DriftPolicyStatus.Check();
    check.job = "q".repeat(52) + "-29000000";
    runNames.add(DriftActions.retrainRunName(policy, check));
    runNames.add(RUN);
    for (String runName : runNames) {
      objectName("TrainingRun", runName, 63, DNS_SUBDOMAIN);
      label("ferry.dev/run", runName);
      TrainingRun run = Fixtures.manualRun(runName, PIPELINE);
      run.getMetadata().setUid("8e0c3b2a-0000-4000-8000-000000000002");
      for (StepSpec step : pipeline.getSpec().steps) {
        Job job = StepJobBuilder.build(run, "pvc://" + CLAIM + "/models/runs/" + runName + "-8e0c3b2a/",
            pipeline.getSpec(), step, "ferry:1");
        job(job);
      }
    }
    objectName("ModelVersion", ModelRegistrar.name(MODEL, VERSION), 253, DNS_SUBDOMAIN);

    ModelDeployment md = deployment();
    ModelVersion version = version();
    for (String track : List.of(ServingBuilders.STAGING, ServingBuilders.PRODUCTION, ServingBuilders.WARM)) {
      Deployment deployment = ServingBuilders.deployment(md, version, 2, track);
      objectName("Deployment", deployment.getMetadata().getName(), 63, DNS_LABEL);
      labels(deployment);
      labels(deployment.getSpec().getSelector().getMatchLabels());
      template(deployment.getSpec().getTemplate());
    }
    for (Service service : List.of(ServingBuilders.productionService(md, List.of(VERSION - 1, VERSION)),
        ServingBuilders.stagingService(md, VERSION))) {
      objectName("Service", service.getMetadata().getName(), 63, DNS_1035);
      labels(service);
      labels(service.getSpec().getSelector());
    }
    job(ServingBuilders.smokeJob(md, VERSION, "ferry:1", "7.2"));

    CronJob cronJob = DriftCronJobBuilder.cronJob(policy, "pvc://" + CLAIM + "/churn.csv", "ferry:1");
    objectName("CronJob", cronJob.getMetadata().getName(), 52, DNS_SUBDOMAIN);
    labels(cronJob);
    labels(cronJob.getSpec().getJobTemplate().getMetadata() == null ? Map.of()
        : cronJob.getSpec().getJobTemplate().getMetadata().getLabels());
    template(cronJob.getSpec().getJobTemplate().getSpec().getTemplate());
    job(DriftCronJobBuilder.checkNowJob(policy, "x".repeat(300), "pvc://" + CLAIM + "/churn.csv", "ferry:1"));

    assertThat(problems).as("names the API server would refuse").isEmpty();
  }

  @Test
  void aClaimNameNoPodCouldMountIsRefusedNamingTheField() {
    assertThat(DataUris.readableProblem("spec.dataset.uri", "pvc://Team_Data/churn.csv")).hasValue(
        "spec.dataset.uri: \"Team_Data\" is not a PersistentVolumeClaim name (lowercase letters, digits, '-' and"
            + " '.', at most 253 characters) in \"pvc://Team_Data/churn.csv\"");
    assertThat(DataUris.writableProblem("spec.artifacts.uri", "pvc://" + "c".repeat(254) + "/m")).isPresent();
    assertThat(DataUris.readableProblem("spec.dataset.uri", "pvc://" + CLAIM + "/churn.csv")).isEmpty();
  }

  private DriftPolicy policy() {
    DriftPolicy policy = new DriftPolicy();
    policy.getMetadata().setName(POLICY);
    policy.getMetadata().setNamespace("ml");
    policy.getMetadata().setUid("8e0c3b2a-0000-4000-8000-000000000003");
    DriftPolicySpec spec = new DriftPolicySpec();
    spec.deployment = DEPLOYMENT;
    spec.schedule = "0 * * * *";
    spec.current = new DatasetSpec();
    spec.current.uri = "pvc://" + CLAIM + "/latest.csv";
    spec.actions = new DriftPolicySpec.Actions();
    spec.actions.retrain = new DriftPolicySpec.Retrain();
    spec.actions.retrain.pipeline = PIPELINE;
    policy.setSpec(spec);
    return policy;
  }

  private static ModelDeployment deployment() {
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName(DEPLOYMENT);
    md.getMetadata().setNamespace("ml");
    md.getMetadata().setUid("8e0c3b2a-0000-4000-8000-000000000004");
    ModelDeploymentSpec spec = new ModelDeploymentSpec();
    spec.model = MODEL;
    spec.server = new ModelDeploymentSpec.Server();
    spec.server.image = "registry.example/mlserver:1.6";
    spec.smokeTest = new ModelDeploymentSpec.SmokeTest();
    spec.smokeTest.requests = new ModelDeploymentSpec.ConfigMapRef();
    spec.smokeTest.requests.configMapRef = "s".repeat(253);
    md.setSpec(spec);
    return md;
  }

  private static ModelVersion version() {
    ModelVersion version = new ModelVersion();
    version.getMetadata().setName(ModelRegistrar.name(MODEL, VERSION));
    version.setSpec(new ModelVersionSpec());
    version.getSpec().model = MODEL;
    version.getSpec().version = VERSION;
    version.getSpec().artifact = new ModelVersionSpec.Artifact();
    version.getSpec().artifact.uri = "pvc://" + CLAIM + "/models/runs/r-8e0c3b2a/";
    return version;
  }

  private void job(Job job) {
    objectName("Job", job.getMetadata().getName(), 63, DNS_LABEL);
    label("job-name (set by the Job controller)", job.getMetadata().getName());
    labels(job);
    template(job.getSpec().getTemplate());
  }

  private void template(PodTemplateSpec template) {
    if (template.getMetadata() != null) {
      labels(template.getMetadata().getLabels());
    }
    PodSpec pod = template.getSpec();
    pod.getVolumes().forEach(v -> objectName("volume", v.getName(), 63, DNS_LABEL));
    pod.getContainers().forEach(c -> {
      objectName("container", c.getName(), 63, DNS_LABEL);
      c.getVolumeMounts().forEach(m -> assertThat(pod.getVolumes()).as("mount " + m.getName())
          .anyMatch(v -> v.getName().equals(m.getName())));
    });
    assertThat(pod.getVolumes().stream().map(v -> v.getName()).distinct().count()).as("volume names are unique")
        .isEqualTo(pod.getVolumes().size());
  }

  private void labels(HasMetadata object) {
    labels(object.getMetadata().getLabels());
  }

  private void labels(Map<String, String> labels) {
    if (labels != null) {
      labels.forEach(this::label);
    }
  }

  private void label(String key, String value) {
    if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
      problems.add("label " + key + "=" + value + " (" + value.length() + " characters)");
    }
  }

  private void objectName(String kind, String name, int max, Pattern syntax) {
    if (name.length() > max || !syntax.matcher(name).matches()) {
      problems.add(kind + " " + name + " (" + name.length() + " characters, at most " + max + ")");
    }
  }
}
