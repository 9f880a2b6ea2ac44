package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Observed state of a TrainingPipeline. */
public class TrainingPipelineStatus extends FerryStatus {
  @JsonPropertyDescription("The most recent run the pipeline knows of.")
  public RunSummary lastRun;

  @JsonPropertyDescription("When the schedule fires next (RFC 3339).")
  public String nextScheduledRun;

  @JsonPropertyDescription("The last scheduled time a run was started for (RFC 3339); missed times before it are not replayed.")
  public String lastScheduleTime;

  @JsonPropertyDescription("The dataset URI the last dataset-change check saw; a different spec.dataset.uri starts a run.")
  public String observedDatasetUri;

  @JsonPropertyDescription("Number of active (not finished) runs.")
  public Integer activeRuns;

  /** A short record of one run. */
  public static class RunSummary {
    @JsonPropertyDescription("TrainingRun name.")
    public String name;
    @JsonPropertyDescription("What started it: Schedule, DatasetChange, Manual or Drift.")
    public String trigger;
    @JsonPropertyDescription("Running, Succeeded or Failed.")
    public String result;
    @JsonPropertyDescription("ModelVersion the run registered, if any.")
    public String modelVersion;
  }
}
