package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a ModelDeployment. */
public class ModelDeploymentStatus extends FerryStatus {
  @JsonPropertyDescription("Where the rollout stands: Staging, SmokeTesting, AwaitingApproval, Canary, Stable, RolledBack or Failed.")
  public String phase;
  @JsonPropertyDescription("Version serving production traffic.")
  public Long productionVersion;
  @JsonPropertyDescription("Version on its way to production.")
  public Long candidateVersion;
  @JsonPropertyDescription("The canary in progress.")
  public Canary canary;
  @JsonPropertyDescription("Versions that served production before, newest first.")
  public List<HistoryEntry> history = new ArrayList<>();
  @JsonPropertyDescription("In-cluster URL of the production Service.")
  public String url;

  /** A canary in progress. */
  public static class Canary {
    @JsonPropertyDescription("Version under test.")
    public Long version;
    @JsonPropertyDescription("Percent of production replicas on it.")
    public Integer weight;
    @JsonPropertyDescription("Index of the current step, from 0.")
    public Integer step;
    @JsonPropertyDescription("When the current step started (RFC 3339).")
    public String stepStartedAt;
  }

  /** One version that served production. */
  public static class HistoryEntry {
    @JsonPropertyDescription("Version.")
    public Long version;
    @JsonPropertyDescription("When it started serving (RFC 3339).")
    public String from;
    @JsonPropertyDescription("When it stopped serving (RFC 3339).")
    public String to;
    @JsonPropertyDescription("Replaced or RolledBack.")
    public String outcome;
  }
}
