package dev.ferry.serving;

import dev.ferry.api.v1alpha1.ModelDeployment;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which ModelDeployment serves a model in a namespace: the oldest one (by creation time, then name),
 * so the answer is the same from every reconcile and every replica of the operator. A model's
 * versions have one stage each, so a second deployment of the same model gets a Conflict instead.
 */
public final class ModelOwnership {
  public static final String CONFLICT = "Conflict";

  private ModelOwnership() {
  }

  public static Optional<ModelDeployment> servingDeployment(String model, String namespace,
      Stream<ModelDeployment> deployments) {
    return deployments
        .filter(d -> d.getSpec() != null && Objects.equals(model, d.getSpec().model))
        .filter(d -> Objects.equals(namespace, d.getMetadata().getNamespace()))
        .filter(d -> d.getMetadata().getDeletionTimestamp() == null)
        // RFC 3339 in whole seconds, UTC: the text sorts as the time does.
        .min(Comparator.comparing((ModelDeployment d) -> Objects.toString(d.getMetadata().getCreationTimestamp(), "~"))
            .thenComparing(d -> d.getMetadata().getName()));
  }
}
