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
    JsonNode tree = Serialization.jsonMapper().valueToTree(resource);
    ObjectNode object = Serialization.jsonMapper().createObjectNode();
    ObjectNode metadata = object.putObject("metadata");
    if (resource.getMetadata() != null && resource.getMetadata().getName() != null) {
      metadata.put("name", resource.getMetadata().getName());
    }
    if (tree.has("spec") && !tree.get("spec").isNull()) {
      object.set("spec", tree.get("spec"));
    }
    return object;
  }
}
