package dev.ferry.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Objects;

/** Compares statuses by their JSON form, so a pass that changes nothing writes nothing. */
public final class StatusChange {
  private StatusChange() {
  }

  public static boolean changed(Object before, Object after) {
    JsonNode a = before == null ? null : Serialization.jsonMapper().valueToTree(before);
    JsonNode b = after == null ? null : Serialization.jsonMapper().valueToTree(after);
    return !Objects.equals(a, b);
  }

  /** A deep copy through JSON, for computing a new status without touching the cached one. */
  public static <T> T copy(T value, Class<T> type) {
    return value == null ? null : Serialization.jsonMapper().convertValue(value, type);
  }
}
