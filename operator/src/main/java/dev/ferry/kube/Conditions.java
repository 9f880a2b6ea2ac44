package dev.ferry.kube;

import dev.ferry.api.v1alpha1.FerryStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.Optional;

/**
 * Upserts conditions by type, as the Kubernetes API conventions ask: the list is never rebuilt,
 * and lastTransitionTime only moves when the condition's status does.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** Reason for a spec the operator cannot act on. */
  public static final String INVALID_SPEC = "InvalidSpec";

  private Conditions() {
  }

  public static Optional<Condition> find(FerryStatus status, String type) {
    if (status == null || status.conditions == null) {
      return Optional.empty();
    }
    return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(FerryStatus status, String type) {
    return find(status, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  /** Sets a condition, keeping its transition time when its status is unchanged. */
  public static void set(FerryStatus status, String type, String value, String reason, String message,
      Long generation, Instant now) {
    Condition existing = find(status, type).orElse(null);
    if (existing == null) {
      existing = new Condition();
      existing.setType(type);
      status.conditions.add(existing);
    }
    if (!value.equals(existing.getStatus()) || existing.getLastTransitionTime() == null) {
      existing.setLastTransitionTime(Times.format(now));
    }
    existing.setStatus(value);
    existing.setReason(reason);
    existing.setMessage(message == null ? "" : message);
    existing.setObservedGeneration(generation);
  }
}
