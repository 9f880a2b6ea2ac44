package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Job settings every step of a pipeline inherits unless it sets its own; for the pod settings
 * (node selector, tolerations, ...) each field the step sets replaces the default's, and the
 * default's podTemplate overlay applies before the step's.
 */
public class StepDefaults extends PodSettings {
  @JsonPropertyDescription("CPU and memory for steps that set none.")
  public ResourceRequirements resources;

  @Min(0)
  @Max(10)
  @JsonPropertyDescription("Pod retries for steps that set none. Default 0.")
  public Integer backoffLimit;

  @Min(1)
  @JsonPropertyDescription("Deadline in seconds for steps that set none.")
  public Long activeDeadlineSeconds;

  @Min(30)
  @JsonPropertyDescription("Seconds a step's pod may stay unable to start (image pull errors, a missing Secret,"
      + " ConfigMap or volume, unschedulable) before the step fails with the pod's reason. Default 600.")
  public Integer pendingDeadlineSeconds;

}
