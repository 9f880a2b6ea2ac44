package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a ModelVersion: its gates and where it stands in the delivery path. */
public class ModelVersionStatus extends FerryStatus {
  @JsonPropertyDescription("Digest of the spec as first accepted. The spec is immutable: a later change is reported (Ready=False, InvalidSpec) and ignored.")
  public String specDigest;

  @JsonPropertyDescription("Each gate with the value seen and the bound it was held to.")
  public List<GateResult> gates = new ArrayList<>();

  @JsonPropertyDescription("None, Candidate, Staging, Canary (serving part of production's traffic until its promotion completes),"
      + " Production or Retired.")
  public Stage stage;

  @JsonPropertyDescription("Set when a deployment rolled this version back: automatic promotion never picks it again.")
  public String rejectedReason;

  public enum Stage { None, Candidate, Staging, Canary, Production, Retired }

  /** The outcome of one gate. */
  public static class GateResult {
    @JsonPropertyDescription("Gate name: the metric name, or mustBeatProduction.")
    public String name;
    @JsonPropertyDescription("The value the version reported (absent when missing).")
    public Double value;
    @JsonPropertyDescription("The bound, e.g. \">= 0.80\" or \"> 0.85 (v6 in production + 0.0)\".")
    public String bound;
    @JsonPropertyDescription("Whether the gate passed.")
    public Boolean passed;
    @JsonPropertyDescription("Why it failed, when it did.")
    public String message;
  }
}
