package dev.ferry.kube;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.ferry.api.v1alpha1.PodSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies a user's {@link PodSettings} to a pod template Ferry built: the placement fields, then
 * the pod-template overlays, merged the way {@code kubectl patch --type strategic} merges pods
 * (objects key by key, containers, init containers, volumes and env by name, volume mounts by
 * path, other lists replaced). No Java library implements Kubernetes' strategic merge for a
 * client, so these few rules are written here. What Ferry relies on survives the overlay: its
 * labels, and every env var it set (the step contract). Pure.
 */
public final class PodTemplates {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
      "volumes", "name", "env", "name", "volumeMounts", "mountPath", "imagePullSecrets", "name");

  private PodTemplates() {
  }

  /** The template with the settings applied, least specific first (a pipeline's defaults, then the step's). */
  public static PodTemplateSpec apply(PodTemplateSpec built, List<PodSettings> layers) {
    List<PodSettings> present = layers.stream().filter(Objects::nonNull).toList();
    if (present.isEmpty()) {
      return built;
    }
    PodTemplateSpec template = JSON.convertValue(JSON.valueToTree(built), PodTemplateSpec.class);
    PodSpec spec = template.getSpec();
    for (PodSettings s : present) {
      if (s.nodeSelector != null) {
        spec.setNodeSelector(new LinkedHashMap<>(s.nodeSelector));
      }
      if (s.tolerations != null) {
        spec.setTolerations(new ArrayList<>(s.tolerations));
      }
      if (s.affinity != null) {
        spec.setAffinity(s.affinity);
      }
      if (s.priorityClassName != null) {
        spec.setPriorityClassName(s.priorityClassName);
      }
      if (s.serviceAccountName != null) {
        spec.setServiceAccountName(s.serviceAccountName);
      }
      if (s.imagePullSecrets != null) {
        spec.setImagePullSecrets(new ArrayList<>(s.imagePullSecrets));
      }
    }
    if (present.stream().noneMatch(s -> s.podTemplate != null)) {
      return template;
    }
    JsonNode tree = JSON.valueToTree(template);
    for (PodSettings s : present) {
      if (s.podTemplate != null) {
        merge((ObjectNode) tree, JSON.valueToTree(s.podTemplate));
      }
    }
    PodTemplateSpec merged = JSON.convertValue(tree, PodTemplateSpec.class);
    keepFerrysOwn(built, merged);
    return merged;
  }

  /** Ferry's labels and env vars win over an overlay: Services select by the one, steps depend on the other. */
  private static void keepFerrysOwn(PodTemplateSpec built, PodTemplateSpec merged) {
    if (built.getMetadata() != null && built.getMetadata().getLabels() != null) {
      merged.getMetadata().getLabels().putAll(built.getMetadata().getLabels());
    }
    List<Container> builtContainers = new ArrayList<>(built.getSpec().getContainers());
    if (built.getSpec().getInitContainers() != null) {
      builtContainers.addAll(built.getSpec().getInitContainers());
    }
    List<Container> mergedContainers = new ArrayList<>(merged.getSpec().getContainers());
    if (merged.getSpec().getInitContainers() != null) {
      mergedContainers.addAll(merged.getSpec().getInitContainers());
    }
    for (Container original : builtContainers) {
      if (original.getEnv() == null) {
        continue;
      }
      mergedContainers.stream().filter(c -> c.getName().equals(original.getName())).findFirst().ifPresent(c -> {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        if (c.getEnv() != null) {
          c.getEnv().forEach(e -> env.put(e.getName(), e));
        }
        original.getEnv().forEach(e -> env.put(e.getName(), e));
        c.setEnv(new ArrayList<>(env.values()));
      });
    }
  }

  private static void merge(ObjectNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      JsonNode current = target.get(name);
      if (value.isNull()) {
        target.remove(name);
      } else if (MERGE_KEYS.containsKey(name) && value.isArray() && current != null && current.isArray()) {
        mergeByKey((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(name));
      } else if (value.isObject() && current != null && current.isObject()) {
        merge((ObjectNode) current, value);
      } else {
        target.set(name, value.deepCopy());
      }
    }
  }

  private static void mergeByKey(ArrayNode current, ArrayNode patch, String key) {
    for (JsonNode element : patch) {
      JsonNode id = element.get(key);
      ObjectNode match = null;
      for (JsonNode existing : current) {
        if (id != null && existing.isObject() && id.equals(existing.get(key))) {
          match = (ObjectNode) existing;
        }
      }
      if (match != null) {
        merge(match, element);
      } else {
        current.add(element.deepCopy());
      }
    }
  }

  /**
   * What is wrong with an overlay, each problem naming its field: only {@code metadata} (labels,
   * annotations) and {@code spec} of a pod, with the pod spec's and containers' own field names,
   * and values of the right types.
   */
  public static List<String> problems(String field, Map<String, Object> overlay) {
    List<String> problems = new ArrayList<>();
    if (overlay == null) {
      return problems;
    }
    for (String key : overlay.keySet()) {
      if (!key.equals("metadata") && !key.equals("spec")) {
        problems.add(field + "." + key + ": unknown field: a pod template has metadata and spec");
      }
    }
    if (overlay.get("metadata") instanceof Map<?, ?> metadata) {
      for (Object key : metadata.keySet()) {
        if (!key.equals("labels") && !key.equals("annotations")) {
          problems.add(field + ".metadata." + key + ": only labels and annotations can be overlaid");
        }
      }
    }
    Object spec = overlay.get("spec");
    if (spec instanceof Map<?, ?> podSpec) {
      unknown(field + ".spec", podSpec, PodSpec.class, problems);
      for (String list : List.of("containers", "initContainers")) {
        if (podSpec.get(list) instanceof List<?> containers) {
          for (int i = 0; i < containers.size(); i++) {
            if (containers.get(i) instanceof Map<?, ?> container) {
              unknown(field + ".spec." + list + "[" + i + "]", container, Container.class, problems);
              if (!container.containsKey("name")) {
                problems.add(field + ".spec." + list + "[" + i + "].name: required: containers merge by name");
              }
            }
          }
        }
      }
    }
    if (problems.isEmpty()) {
      try {
        JSON.convertValue(overlay, PodTemplateSpec.class);
      } catch (IllegalArgumentException e) {
        problems.add(field + ": not a pod template: " + typeProblem(e));
      }
    }
    return problems;
  }

  private static void unknown(String field, Map<?, ?> object, Class<?> type, List<String> problems) {
    Set<String> known = properties(type);
    for (Object key : object.keySet()) {
      if (!known.contains(String.valueOf(key))) {
        problems.add(field + "." + key + ": unknown field of a " + type.getSimpleName());
      }
    }
  }

  private static Set<String> properties(Class<?> type) {
    BeanDescription description = JSON.getSerializationConfig().introspect(JSON.constructType(type));
    return description.findProperties().stream().map(BeanPropertyDefinition::getName)
        .filter(n -> !n.equals("additionalProperties")).collect(Collectors.toSet());
  }

  /** Where Jackson found a value it could not read, in field-path words (no Java class names). */
  private static String typeProblem(IllegalArgumentException e) {
    if (e.getCause() instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      String path = m.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining());
      return path.substring(path.startsWith(".") ? 1 : 0) + " has a value of the wrong type";
    }
    return "a value of the wrong type";
  }
}
