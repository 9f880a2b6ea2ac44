package dev.ferry.serving;

import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec.Rollout.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** What the CRD's schema and CEL rules check on a ModelDeployment, for specs that reached the operator anyway. */
public final class ServingSpecValidator {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern PAUSE = Pattern.compile("^([0-9]+(s|m|h))+$");

  private ServingSpecValidator() {
  }

  public static List<String> validate(ModelDeploymentSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      return List.of("spec: required");
    }
    if (spec.model == null || !DNS_LABEL.matcher(spec.model).matches()) {
      errors.add("spec.model: must be a lowercase DNS label");
    }
    if (spec.server == null || spec.server.image == null || spec.server.image.isBlank()) {
      errors.add("spec.server.image: required");
    }
    if (spec.server != null && spec.server.port != null && (spec.server.port < 1 || spec.server.port > 65535)) {
      errors.add("spec.server.port: must be 1 to 65535, got " + spec.server.port);
    }
    if (spec.replicas != null && spec.replicas < 1) {
      errors.add("spec.replicas: must be at least 1");
    }
    if (spec.smokeTest != null && (spec.smokeTest.requests == null || spec.smokeTest.requests.configMapRef == null)) {
      errors.add("spec.smokeTest.requests.configMapRef: required when smokeTest is set");
    }
    if (spec.rollout != null && spec.rollout.scaleDownDelaySeconds != null && spec.rollout.scaleDownDelaySeconds < 0) {
      errors.add("spec.rollout.scaleDownDelaySeconds: must be 0 or more");
    }
    if (spec.rollout != null && spec.rollout.strategy == Strategy.Canary) {
      if (spec.rollout.steps == null || spec.rollout.steps.isEmpty()) {
        errors.add("spec.rollout.steps: Canary needs at least one step");
      } else {
        for (int i = 0; i < spec.rollout.steps.size(); i++) {
          var step = spec.rollout.steps.get(i);
          if (step.weight == null || step.weight < 1 || step.weight > 100) {
            errors.add("spec.rollout.steps[" + i + "].weight: must be 1 to 100");
          }
          if (step.pause != null && !PAUSE.matcher(step.pause).matches()) {
            errors.add("spec.rollout.steps[" + i + "].pause: a duration like 30s, 5m or 1h, got \"" + step.pause + "\"");
          }
        }
      }
    }
    if (spec.rollout != null && spec.rollout.analysis != null && spec.rollout.analysis.metrics != null) {
      for (int i = 0; i < spec.rollout.analysis.metrics.size(); i++) {
        var metric = spec.rollout.analysis.metrics.get(i);
        if (metric.min == null && metric.max == null) {
          errors.add("spec.rollout.analysis.metrics[" + i + "]: needs min or max");
        }
        if (metric.prometheus == null || metric.prometheus.address == null || metric.prometheus.query == null) {
          errors.add("spec.rollout.analysis.metrics[" + i + "].prometheus: address and query are required");
        }
        List<String> unknown = metric.prometheus == null ? List.of() : AnalysisQueries.unknown(metric.prometheus.query);
        if (!unknown.isEmpty()) {
          errors.add("spec.rollout.analysis.metrics[" + i + "].prometheus.query: unknown placeholder "
              + String.join(", ", unknown) + "; known: {{" + String.join("}}, {{", AnalysisQueries.PLACEHOLDERS) + "}}");
        }
      }
    }
    return errors;
  }
}
