package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What every Ferry status has: the generation it describes and conditions keyed by type. */
public abstract class FerryStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Conditions keyed by type: Ready on every kind, plus the kind's own.")
  public List<Condition> conditions = new ArrayList<>();
}
