package dev.ferry.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the API server's admission would say about a Ferry resource, from the CRD this build
 * generated: the structural schema first, then, if it holds, the CEL rules (the API server runs
 * CEL only on a schema-valid object). The operator calls this on every reconcile, so a spec that
 * slipped past an older CRD, a cluster without CEL or the local mode gets Ready=False InvalidSpec
 * naming the same field a cluster would name; every constraint in crds/ has its twin by construction.
 */
public final class Admission {
  private static final Map<Class<?>, CelRules> CEL = new ConcurrentHashMap<>();

  private Admission() {
  }

  /** Problems of a new resource, each "field.path: what is wrong"; empty when admitted. */
  public static List<String> problems(HasMetadata resource) {
    return problems(resource, null);
  }

  /** Problems of a resource replacing {@code old} (null on create): also the rules on changes (oldSelf). */
  public static List<String> problems(HasMetadata resource, HasMetadata old) {
    Class<? extends HasMetadata> kind = resource.getClass();
    JsonNode crd = CrdSchemas.crd(kind);
    return problems(crd, CEL.computeIfAbsent(kind, k -> new CelRules(crd)), admissible(resource),
        old == null ? null : admissible(old));
  }

  /**
   * The same checks for an object as JSON, as an API server makes them on a write: the CRD's rules
   * are compiled once per CRD (by name and generation of its text).
   */
  public static List<String> problems(JsonNode crd, JsonNode object, JsonNode old) {
    CelRules rules = CEL_BY_CRD.computeIfAbsent(crd.at("/metadata/name").asText() + "@" + crd.hashCode(),
        k -> new CelRules(crd));
    return problems(crd, rules, admissible(object), old == null ? null : admissible(old));
  }

  /** Fields of the object that its CRD does not declare ({@code spec.foo}); metadata is the server's. */
  public static List<String> unknownFields(JsonNode crd, JsonNode object) {
    JsonNode schema = CrdSchemas.openApiSchema(crd).path("properties");
    List<String> out = new ArrayList<>();
    object.fields().forEachRemaining(field -> {
      switch (field.getKey()) {
        case "apiVersion", "kind", "metadata" -> { }
        default -> {
          if (schema.has(field.getKey())) {
            out.addAll(StructuralSchema.unknownFields(schema.get(field.getKey()), field.getValue(), field.getKey()));
          } else {
            out.add(field.getKey());
          }
        }
      }
    });
    return out;
  }

  private static final Map<String, CelRules> CEL_BY_CRD = new ConcurrentHashMap<>();

  /** The same checks for an object as JSON against a given CRD and its compiled rules (tests vary the CRD). */
  public static List<String> problems(JsonNode crd, CelRules rules, JsonNode object, JsonNode old) {
    List<String> problems = new ArrayList<>(StructuralSchema.violations(
        CrdSchemas.openApiSchema(crd).path("properties").path("spec"), object.path("spec"), "spec"));
    if (problems.isEmpty()) {
      problems.addAll(rules.violations(object, old));
    }
    return problems;
  }

  /** What admission looks at: the name and the spec (status is the operator's own, metadata the server's). */
  private static ObjectNode admissible(HasMetadata resource) {
    return admissible(Serialization.jsonMapper().<JsonNode>valueToTree(resource));
  }

  private static ObjectNode admissible(JsonNode tree) {
    ObjectNode object = Serialization.jsonMapper().createObjectNode();
    ObjectNode metadata = object.putObject("metadata");
    if (tree.at("/metadata/name").isTextual()) {
      metadata.put("name", tree.at("/metadata/name").asText());
    }
    if (tree.has("spec") && !tree.get("spec").isNull()) {
      object.set("spec", tree.get("spec"));
    }
    return object;
  }
}
