package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import java.util.List;

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) on each production-track Deployment. Ferry then no
 * longer sets its replicas, except to lift them to the minimum a rollout step needs, which the
 * autoscaler would do too.
 */
@ValidationRule(value = "self.minReplicas <= self.maxReplicas", message = "minReplicas must not exceed maxReplicas")
public class AutoscalingSpec {
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Fewest production replicas. Default 1.")
  public Integer minReplicas = 1;

  @Required
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Most production replicas.")
  public Integer maxReplicas;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription("What the autoscaler scales on: autoscaling/v2 metrics (Resource cpu or memory, Pods,"
      + " Object or External). Default: 80% average CPU utilization (the server then needs a CPU request).")
  public List<MetricSpec> metrics;

  @JsonPropertyDescription("Scale-up and scale-down behavior (autoscaling/v2), passed to the autoscaler as written.")
  public HorizontalPodAutoscalerBehavior behavior;
}
