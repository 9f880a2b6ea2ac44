package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Observed state of a TrainingRun. */
public class TrainingRunStatus extends FerryStatus {
  @JsonPropertyDescription("Digest of the spec as first accepted. The spec is immutable: a later change is reported (Ready=False, InvalidSpec) and ignored.")
  public String specDigest;

  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  public Phase phase;

  @JsonPropertyDescription("The pipeline spec this run executes, copied when it started, so later edits of the pipeline do not change a run in flight.")
  public TrainingPipelineSpec pipelineSnapshot;

  @JsonPropertyDescription("The step now running.")
  public String currentStep;

  @JsonPropertyDescription("Each step started so far, in order.")
  public List<StepStatus> steps = new ArrayList<>();

  @JsonPropertyDescription("When the run started (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("When the run finished (RFC 3339).")
  public String finishedAt;

  @JsonPropertyDescription("The artifact URI handed to steps as FERRY_MODEL_URI.")
  public String artifactUri;

  @JsonPropertyDescription("The ModelVersion this run registered.")
  public String modelVersion;

  public enum Phase { Pending, Running, Succeeded, Failed }

  /** The record of one step. */
  public static class StepStatus {
    @JsonPropertyDescription("Step name.")
    public String name;
    @JsonPropertyDescription("The Job that runs the step.")
    public String job;
    @JsonPropertyDescription("Running, Succeeded or Failed.")
    public String result;
    @JsonPropertyDescription("When the step's Job started (RFC 3339).")
    public String startedAt;
    @JsonPropertyDescription("When the step's Job finished (RFC 3339).")
    public String finishedAt;
    @JsonPropertyDescription("Exit code of the step's container, once it terminated.")
    public Integer exitCode;
    @JsonPropertyDescription("Why the step failed, or what it said.")
    public String message;
    @JsonPropertyDescription("Metrics the step reported.")
    public Map<String, Double> metrics;
    @JsonPropertyDescription("Image the step ran.")
    public String image;
    @JsonPropertyDescription("Image digest the pod reported (imageID), when known.")
    public String imageDigest;
    @JsonPropertyDescription("What the kubelet reported as the container's imageID (repository@digest); in the local"
        + " mode, the image, the command and the digest of the file it ran.")
    public String imageID;
    @JsonPropertyDescription("Artifact URI the step reported, if any.")
    public String artifactUri;
    @JsonPropertyDescription("Dataset digest: the sha256 Ferry measured while downloading an s3:// or gs:// dataset, else the one the step reported (validate-data reports sha256).")
    public String datasetDigest;
    @JsonPropertyDescription("sha256 of the model folder Ferry uploaded after the step (s3:// or gs:// artifacts): of each file's path and sha256, in order.")
    public String artifactDigest;
  }
}
