package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a ModelDeployment. */
public class ModelDeploymentStatus extends FerryStatus {
  @JsonPropertyDescription("Where the rollout stands: Waiting, Staging, SmokeTesting, AwaitingApproval, Shadow, Canary, Promoting, Stable, RolledBack or RollingBack.")
  public String phase;
  @JsonPropertyDescription("Version serving production traffic.")
  public Long productionVersion;
  @JsonPropertyDescription("When the production version started serving (RFC 3339).")
  public String productionSince;
  @JsonPropertyDescription("Version on its way to production.")
  public Long candidateVersion;
  @JsonPropertyDescription("The canary in progress.")
  public Canary canary;
  @JsonPropertyDescription("How requests reach the versions now.")
  public Traffic traffic;
  @JsonPropertyDescription("The shadow rollout in progress.")
  public Shadow shadow;
  @JsonPropertyDescription("Versions that served production before, newest first.")
  public List<HistoryEntry> history = new ArrayList<>();
  @JsonPropertyDescription("In-cluster URL of the production Service.")
  public String url;
  @JsonPropertyDescription("Version the staging Service points at.")
  public Long stagingVersion;
  @JsonPropertyDescription("When the candidate entered its current phase (RFC 3339); the progress deadline counts from it.")
  public String phaseSince;
  @JsonPropertyDescription("The candidate's smoke test.")
  public SmokeTest smokeTest;
  @JsonPropertyDescription("Versions that failed here (smoke test, analysis, readiness, rollback) and are never picked again.")
  public List<Long> rejectedVersions = new ArrayList<>();
  @JsonPropertyDescription("The last ferry.dev/rollback annotation value acted on.")
  public String handledRollback;
  @JsonPropertyDescription("The last ferry.dev/retry annotation value acted on.")
  public String handledRetry;
  @JsonPropertyDescription("The stage this deployment gives each version it has handled, oldest first; each"
      + " ModelVersion's status.stage is read from here by the ModelVersion's own reconciler.")
  public List<VersionStage> versions = new ArrayList<>();

  /** Where one version stands in this deployment. */
  public static class VersionStage {
    @JsonPropertyDescription("Version.")
    public Long version;
    @JsonPropertyDescription("Candidate, Staging, Canary, Production, Retired or None (rejected here).")
    public ModelVersionStatus.Stage stage;
    @JsonPropertyDescription("Why this deployment rejected the version, when it did.")
    public String rejectedReason;
  }

  /** The smoke test of a candidate. */
  public static class SmokeTest {
    @JsonPropertyDescription("Version tested.")
    public Long version;
    @JsonPropertyDescription("The Job that ran it.")
    public String job;
    @JsonPropertyDescription("Running, Passed or Failed.")
    public String result;
    @JsonPropertyDescription("What the smoke test said.")
    public String message;
  }

  /** How requests reach the versions. */
  public static class Traffic {
    @JsonPropertyDescription("GatewayAPI (per-request weights, mirrors and header routes in an HTTPRoute) or ReplicaRatio"
        + " (the production Service spreads requests over the pods of every version on it).")
    public String mode;
    @JsonPropertyDescription("The HTTPRoute Ferry writes, in GatewayAPI mode.")
    public String route;
    @JsonPropertyDescription("Why this mode is in force, and what it cannot do.")
    public String message;
    @JsonPropertyDescription("Percent of requests per version.")
    public List<Backend> backends = new ArrayList<>();
    @JsonPropertyDescription("Version that production requests are mirrored to, during a shadow rollout.")
    public Long mirrorVersion;
    @JsonPropertyDescription("Percent of production requests mirrored to it.")
    public Integer mirrorPercent;
  }

  /** One version's share of requests. */
  public static class Backend {
    @JsonPropertyDescription("Version.")
    public Long version;
    @JsonPropertyDescription("Service that reaches only this version's pods.")
    public String service;
    @JsonPropertyDescription("Percent of requests (without a header route) sent to it.")
    public Integer weight;
  }

  /** A shadow rollout in progress. */
  public static class Shadow {
    @JsonPropertyDescription("Version receiving the mirrored requests.")
    public Long version;
    @JsonPropertyDescription("Percent of production requests mirrored.")
    public Integer percent;
    @JsonPropertyDescription("When the candidate's replicas were ready and the shadow began (RFC 3339).")
    public String startedAt;
    @JsonPropertyDescription("Failed or inconclusive analysis measurements so far.")
    public Integer analysisFailures = 0;
    @JsonPropertyDescription("When the analysis metrics were last measured (RFC 3339).")
    public String lastAnalysisAt;
    @JsonPropertyDescription("What the last analysis said.")
    public String lastAnalysis;
  }

  /** A canary in progress. */
  public static class Canary {
    @JsonPropertyDescription("Version under test.")
    public Long version;
    @JsonPropertyDescription("Percent of production requests (GatewayAPI) or replicas (ReplicaRatio) on it.")
    public Integer weight;
    @JsonPropertyDescription("Index of the current step, from 0.")
    public Integer step;
    @JsonPropertyDescription("When the current step's replicas were ready and its pause began (RFC 3339).")
    public String stepStartedAt;
    @JsonPropertyDescription("Failed or inconclusive analysis measurements so far.")
    public Integer analysisFailures = 0;
    @JsonPropertyDescription("When the analysis metrics were last measured (RFC 3339).")
    public String lastAnalysisAt;
    @JsonPropertyDescription("What the last analysis said.")
    public String lastAnalysis;
  }

  /** One version that served production. */
  public static class HistoryEntry {
    @JsonPropertyDescription("Version.")
    public Long version;
    @JsonPropertyDescription("When it started serving (RFC 3339).")
    public String from;
    @JsonPropertyDescription("When it stopped serving (RFC 3339).")
    public String to;
    @JsonPropertyDescription("Replaced (a newer version took over) or RolledBack.")
    public String outcome;
  }
}
