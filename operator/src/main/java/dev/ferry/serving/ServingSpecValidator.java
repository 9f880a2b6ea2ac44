package dev.ferry.serving;

import dev.ferry.admission.Admission;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a ModelDeployment can be served: the CRD's constraints (see {@link Admission}), then what
 * only the operator knows (the placeholders an analysis query may use, a server image that names
 * something). Each problem names its field, for Ready=False/InvalidSpec.
 */
public final class ServingSpecValidator {
  private ServingSpecValidator() {
  }

  public static List<String> validate(ModelDeployment md) {
    List<String> errors = Admission.problems(md);
    ModelDeploymentSpec spec = md.getSpec();
    if (!errors.isEmpty() || spec == null) {
      return spec == null ? List.of("spec: Required value") : errors;
    }
    errors = new ArrayList<>();
    if (spec.server.image.isBlank()) {
      errors.add("spec.server.image: must not be empty");
    }
    errors.addAll(dev.ferry.kube.PodTemplates.problems("spec.server.podTemplate", spec.server.podTemplate));
    if (spec.rollout != null && spec.rollout.analysis != null && spec.rollout.analysis.metrics != null) {
      for (int i = 0; i < spec.rollout.analysis.metrics.size(); i++) {
        List<String> unknown = AnalysisQueries.unknown(spec.rollout.analysis.metrics.get(i).prometheus.query);
        if (!unknown.isEmpty()) {
          errors.add("spec.rollout.analysis.metrics[" + i + "].prometheus.query: unknown placeholder "
              + String.join(", ", unknown) + "; known: {{" + String.join("}}, {{", AnalysisQueries.PLACEHOLDERS) + "}}");
        }
      }
    }
    return errors;
  }
}
