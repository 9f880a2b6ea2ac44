package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a ModelDeployment. */
// rollout.strategy is optional (default Recreate): read it only behind has().
@ValidationRule(value = "!has(self.rollout) || !has(self.rollout.strategy) || self.rollout.strategy != 'Canary' || (has(self.rollout.steps) && size(self.rollout.steps) > 0)",
    message = "rollout.strategy Canary needs at least one rollout.steps entry")
@ValidationRule(value = "!has(self.rollout) || !has(self.rollout.shadow) || has(self.traffic)",
    message = "rollout.shadow mirrors requests through an HTTPRoute: it needs spec.traffic")
public class ModelDeploymentSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @io.fabric8.generator.annotation.Size(max = 63)
  @JsonPropertyDescription("Model whose ModelVersions this deployment serves; at most 63 characters (it is a label value).")
  public String model;

  @Min(1)
  @JsonPropertyDescription("Pin a version (promotion by pull request). Without it, the newest Validated version is the candidate.")
  public Long version;

  @JsonPropertyDescription("How a candidate reaches production after its smoke test.")
  public Promotion promotion = new Promotion();

  @Required
  @JsonPropertyDescription("The model server: any Open Inference Protocol (v2) server.")
  public Server server;

  @JsonPropertyDescription("How Ferry reaches a ModelVersion's s3:// or gs:// artifact: an init container of Ferry's image downloads it into the pod before the server starts (a storage initializer). Only that container gets the keys.")
  public StorageSpec storage;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Production replicas, 1 to 1000. Default 2.")
  public Integer replicas = 2;

  @JsonPropertyDescription("Autoscale production (and a canary) with a HorizontalPodAutoscaler; replicas is then"
      + " only the size a new production version starts at.")
  public AutoscalingSpec autoscaling;

  @JsonPropertyDescription("Per-request traffic through the Gateway API (an HTTPRoute): canary weights of any percent,"
      + " a shadow rollout, header routes. Without the Gateway API installed, the replica-ratio canary stays.")
  public TrafficSpec traffic;

  @JsonPropertyDescription("The staging track a candidate runs on before production.")
  public Staging staging;

  @JsonPropertyDescription("Requests sent to staging before any production traffic.")
  public SmokeTest smokeTest;

  @JsonPropertyDescription("How production moves to a new version.")
  public Rollout rollout;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("How many entries status.history keeps. Default 5.")
  public Integer revisionHistoryLimit = 5;

  @Min(30)
  @JsonPropertyDescription("Seconds a new version's pods have to become ready before it is rolled back. Default 600.")
  public Integer progressDeadlineSeconds = 600;

  /** How a candidate is promoted. */
  public static class Promotion {
    @JsonPropertyDescription("Manual (continuous delivery: a person approves with the ferry.dev/approve annotation) or Automatic (continuous deployment). Default Manual.")
    public Mode mode = Mode.Manual;

    public enum Mode { Manual, Automatic }
  }

  /** The model server container. */
  public static class Server extends PodSettings {
    @Required
    @JsonPropertyDescription("Server image, e.g. docker.io/seldonio/mlserver:1.6.")
    public String image;
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("Port the server listens on. Default 8080.")
    public Integer port = 8080;
    @JsonPropertyDescription("Readiness probe path. Default /v2/health/ready (Open Inference Protocol v2).")
    public String readinessPath = "/v2/health/ready";
    @JsonPropertyDescription("Arguments for the server.")
    public List<String> args;
    @JsonPropertyDescription("Extra environment variables.")
    public List<EnvVar> env = new ArrayList<>();
    @JsonPropertyDescription("CPU and memory per server pod.")
    public ResourceRequirements resources;
  }

  /** The staging track. */
  public static class Staging {
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Staging replicas. Default 1.")
    public Integer replicas = 1;
  }

  /** The smoke test run against staging. */
  public static class SmokeTest {
    @Required
    @JsonPropertyDescription("ConfigMap holding the requests: each key a JSON Open Inference Protocol v2 infer request.")
    public ConfigMapRef requests;
    @Min(1)
    @JsonPropertyDescription("Largest acceptable p95 latency in milliseconds. Default 1000.")
    public Integer maxLatencyMs = 1000;
    @Min(30)
    @JsonPropertyDescription("Seconds the smoke test's pod may stay unable to start (image pull errors, a missing Secret,"
        + " ConfigMap or volume, unschedulable) before the smoke test fails with the pod's reason. Default 600.")
    public Integer pendingDeadlineSeconds;
  }

  /** A ConfigMap in the same namespace. */
  public static class ConfigMapRef {
    @Required
    @JsonPropertyDescription("ConfigMap name.")
    public String configMapRef;
  }

  /** The production rollout. */
  public static class Rollout {
    @JsonPropertyDescription("Recreate (switch all replicas at once) or Canary (step by step). Default Recreate.")
    public Strategy strategy = Strategy.Recreate;
    @JsonPropertyDescription("Canary steps: the share of production requests (with spec.traffic and the Gateway API) or of production replicas (without) on the new version, and how long to hold it.")
    public List<CanaryStep> steps = new ArrayList<>();
    @JsonPropertyDescription("Before the canary (or Recreate): mirror a share of production requests to the candidate,"
        + " whose answers are discarded, for a while, checking rollout.analysis. Needs spec.traffic and the Gateway API.")
    public TrafficSpec.Shadow shadow;
    @JsonPropertyDescription("Metrics checked during each pause; a failure aborts and rolls back.")
    public Analysis analysis;
    @Min(0)
    @JsonPropertyDescription("How long the replaced production version stays running (out of traffic) after a"
        + " promotion, so a rollback moves traffic back at once; 0 scales it down at promotion. It also ends when the"
        + " next candidate goes into canary or promotion. Costs its replicas' resources meanwhile. Default 600.")
    public Integer scaleDownDelaySeconds = 600;

    public enum Strategy { Recreate, Canary }
  }

  /** One canary step. */
  public static class CanaryStep {
    @Required
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Percent of production requests (Gateway API) or replicas (replica ratio) on the new version.")
    public Integer weight;
    @Pattern("^([0-9]+(s|m|h))+$")
    @JsonPropertyDescription("How long to hold this weight, e.g. 30s, 5m, 1h. Default 1m.")
    public String pause = "1m";
  }

  /** Metric analysis of a canary. */
  public static class Analysis {
    @JsonPropertyDescription("Metrics that must stay within bounds.")
    public List<MetricCheck> metrics = new ArrayList<>();
    @Min(0)
    @JsonPropertyDescription("Failed measurements tolerated before the rollout aborts. Default 0.")
    public Integer failureLimit = 0;
  }
}
