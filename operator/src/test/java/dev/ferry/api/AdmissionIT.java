package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.e2e.RealCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the API server admits of Ferry's kinds, with the committed CRDs installed: every example as a
 * user applies it, and for every schema constraint and every CEL rule in crds/ one resource that
 * breaks it, refused with a message that names the field. The cases are derived from the CRDs, so a
 * new constraint is tested the day it is added (a new CEL rule needs a violating fragment below,
 * and the test says so).
 */
class AdmissionIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static String namespace;

  /**
   * For each CEL rule message, what to merge into the object the rule sits on to break it
   * (null deletes a field). A rule on a string takes the fragment as the new value.
   */
  private static final String NAME_BOUND = "metadata.name: at most ";
  /** A valid DNS name of 64 characters, merged at the root. */
  private static final String LONG_NAME = "{metadata: {name: " + "n".repeat(64) + "}}";

  private static final Map<String, String> CEL_VIOLATIONS = Map.ofEntries(
      Map.entry("steps[].name must be unique", "{steps: [{name: a, image: x}, {name: a, image: y}]}"),
      Map.entry("a step sets exactly one of image or builtin", "{name: a, image: x, builtin: validate-data}"),
      Map.entry("a builtin step takes no command", "{name: a, image: null, builtin: validate-data, command: [sh]}"),
      Map.entry("a metric gate needs min or max", "{name: auc, min: null, max: null}"),
      Map.entry("a metric check needs min or max", "{name: p99, min: null, max: null}"),
      Map.entry("min must not exceed max", "{name: auc, min: 2, max: 1}"),
      Map.entry("columns[].name must be unique", "{columns: [{name: a}, {name: a}]}"),
      Map.entry("features[].name must be unique", "{features: [{name: a}, {name: a}]}"),
      Map.entry("values applies only to type category", "{name: a, type: string, values: [x]}"),
      Map.entry("min and max apply only to type number or integer", "{name: a, type: category, min: 0}"),
      Map.entry("rollout.strategy Canary needs at least one rollout.steps entry",
          "{rollout: {strategy: Canary, steps: null}}"),
      Map.entry("uri must be pvc://claim/path, http(s)://..., file:/... or an absolute path", "\"ftp://host/data.csv\""),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/pipeline label on every run, Job and pod)",
          LONG_NAME),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/run label on its Jobs and pods)", LONG_NAME),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/drift-policy label on its check Jobs)",
          LONG_NAME),
      Map.entry(NAME_BOUND + "55 characters (its Services are named <name> and <name>-staging, at most 63 characters)",
          LONG_NAME));

  @BeforeAll
  static void namespace() {
    namespace = cluster.namespace("admission");
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  @TestFactory
  Stream<DynamicTest> everyExampleIsAcceptedAsAUserAppliesIt() {
    return Examples.files().stream().flatMap(file -> Examples.documents(file).stream())
        // ferry-local.yaml (the local mode's image mapping) is not a Kubernetes object.
        .filter(doc -> !doc.apiVersion().isEmpty() && !doc.kind().isEmpty())
        .map(doc -> dynamicTest(Examples.name(doc.file()) + " " + doc.label(), () -> {
          GenericKubernetesResource object = Crds.YAML.convertValue(doc.content(), GenericKubernetesResource.class);
          // Server-side dry run: every admission step (schema, CEL, PodSecurity), nothing stored.
          client().resource(object).inNamespace(namespace).dryRun().create();
        }));
  }

  /** One resource that breaks one constraint, and where the server must say so. */
  private record Violation(String kind, String fieldPath, String constraint, ObjectNode resource, boolean update) {
    String name() {
      return kind + " " + fieldPath + " " + constraint;
    }
  }

  @TestFactory
  Stream<DynamicTest> everySchemaConstraintAndCelRuleIsEnforcedWithTheFieldNamed() {
    List<Violation> violations = new ArrayList<>();
    List<String> uncovered = new ArrayList<>();
    Crds.byKind().forEach((kind, crd) -> {
      JsonNode spec = Crds.openApiSchema(crd).path("properties").path("spec");
      walk(kind, spec, List.of("spec"), violations, uncovered);
      // Rules at the root (metadata.name bounds): the fragment is merged into the whole object.
      for (JsonNode rule : Crds.openApiSchema(crd).path("x-kubernetes-validations")) {
        String message = rule.path("message").asText();
        String fragment = CEL_VIOLATIONS.get(message);
        if (fragment == null) {
          uncovered.add(kind + " <root>: " + message);
          continue;
        }
        ObjectNode resource = baseTree(kind);
        merge(resource, List.of(), Crds.parse(fragment));
        violations.add(new Violation(kind, "metadata.name", "rule '" + message + "'", resource, false));
      }
    });
    Stream<DynamicTest> coverage = Stream.of(dynamicTest("every CEL rule has a violating fragment", () -> {
      assertThat(uncovered).as("CEL rules with no entry in AdmissionIT.CEL_VIOLATIONS").isEmpty();
      assertThat(violations).as("cases derived from crds/").hasSizeGreaterThan(60);
    }));
    return Stream.concat(coverage, violations.stream().map(v -> dynamicTest(v.name(), () -> refused(v))));
  }

  private static void refused(Violation v) {
    GenericKubernetesResource resource = Crds.YAML.convertValue(v.resource(), GenericKubernetesResource.class);
    if (v.update()) {
      String name = "immutable-" + Integer.toHexString(v.name().hashCode());
      resource.getMetadata().setName(name);
      GenericKubernetesResource original = base(v.kind());
      original.getMetadata().setName(name);
      client().resource(original).inNamespace(namespace).create();
      resource.getMetadata().setResourceVersion(null);
      assertThatThrownBy(() -> client().resource(resource).inNamespace(namespace).update())
          .as(v.name()).isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertNamed(v, (KubernetesClientException) e));
      return;
    }
    assertThatThrownBy(() -> client().resource(resource).inNamespace(namespace).dryRun().create())
        .as(v.name()).isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertNamed(v, (KubernetesClientException) e));
  }

  private static void assertNamed(Violation v, KubernetesClientException e) {
    assertThat(e.getCode()).as(v.name() + ": " + e.getMessage()).isEqualTo(422);
    assertThat(e.getMessage()).as(v.name()).contains(v.fieldPath());
  }

  /** The first example of a kind: a valid resource each violation starts from. */
  private static GenericKubernetesResource base(String kind) {
    JsonNode example = Examples.ferryDocuments().stream().filter(d -> d.kind().equals(kind)).findFirst()
        .orElseThrow(() -> new AssertionError("examples/ has no " + kind)).content();
    return Crds.YAML.convertValue(example, GenericKubernetesResource.class);
  }

  private static ObjectNode baseTree(String kind) {
    ObjectNode tree = Crds.YAML.valueToTree(base(kind));
    tree.remove("status");
    return tree;
  }

  private static void walk(String kind, JsonNode schema, List<String> path, List<Violation> out, List<String> uncovered) {
    String at = render(path);
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String message = rule.path("message").asText();
      if (rule.path("rule").asText().contains("oldSelf")) {
        ObjectNode changed = baseTree(kind);
        JsonNode spec = changed.path("spec");
        String field = firstTextField(spec);
        ((ObjectNode) spec).put(field, spec.path(field).asText() + "-changed");
        out.add(new Violation(kind, at, "rule '" + message + "'", changed, true));
        continue;
      }
      String fragment = CEL_VIOLATIONS.get(message);
      if (fragment == null) {
        uncovered.add(kind + " " + at + ": " + message);
        continue;
      }
      ObjectNode resource = baseTree(kind);
      merge(resource, path, Crds.parse(fragment));
      out.add(new Violation(kind, at, "rule '" + message + "'", resource, false));
    }
    constraint(kind, schema, path, out);
    schema.path("required").forEach(required -> {
      ObjectNode resource = baseTree(kind);
      ObjectNode object = (ObjectNode) locate(resource, path, true);
      object.remove(required.asText());
      out.add(new Violation(kind, render(append(path, required.asText())), "required", resource, false));
    });
    schema.path("properties").fields().forEachRemaining(p -> {
      if (!CrdSchemaTest.EMBEDDED_KUBERNETES_TYPES.contains(p.getKey())) {
        walk(kind, p.getValue(), append(path, p.getKey()), out, uncovered);
      }
    });
    if (schema.has("items")) {
      walk(kind, schema.path("items"), append(path, "[0]"), out, uncovered);
    }
  }

  /** Bounds, lengths, patterns, enums and item counts of one property. */
  private static void constraint(String kind, JsonNode schema, List<String> path, List<Violation> out) {
    boolean integer = "integer".equals(schema.path("type").asText());
    if (schema.has("minimum")) {
      double min = schema.path("minimum").asDouble();
      out.add(value(kind, path, "minimum", integer ? JSON.numberNode((long) Math.ceil(min) - 1) : JSON.numberNode(min - 1)));
    }
    if (schema.has("maximum")) {
      double max = schema.path("maximum").asDouble();
      out.add(value(kind, path, "maximum", integer ? JSON.numberNode((long) Math.floor(max) + 1) : JSON.numberNode(max + 1)));
    }
    if (schema.has("maxLength")) {
      out.add(value(kind, path, "maxLength", JSON.textNode("a".repeat(schema.path("maxLength").asInt() + 1))));
    }
    if (schema.path("minLength").asInt() > 0) {
      out.add(value(kind, path, "minLength", JSON.textNode("a".repeat(schema.path("minLength").asInt() - 1))));
    }
    if (schema.has("pattern")) {
      Pattern pattern = Pattern.compile(schema.path("pattern").asText());
      String bad = Stream.of("Not Valid!", "", "-", " ", "0 0 0 0 0").filter(s -> !pattern.matcher(s).find())
          .findFirst().orElseThrow(() -> new AssertionError("no candidate breaks pattern " + pattern));
      out.add(value(kind, path, "pattern", JSON.textNode(bad)));
    }
    if (schema.has("enum")) {
      out.add(value(kind, path, "enum", JSON.textNode("NotOneOfThese")));
    }
    if (schema.has("maxItems")) {
      ArrayNode many = JSON.arrayNode();
      for (int i = 0; i <= schema.path("maxItems").asInt(); i++) {
        many.addObject().put("name", "item-" + i);
      }
      out.add(value(kind, path, "maxItems", many));
    }
    if (schema.path("minItems").asInt() > 0) {
      out.add(value(kind, path, "minItems", JSON.arrayNode()));
    }
  }

  private static Violation value(String kind, List<String> path, String constraint, JsonNode value) {
    ObjectNode resource = baseTree(kind);
    String last = path.get(path.size() - 1);
    if (last.equals("[0]")) {
      // An item of a list of scalars: the list becomes that one bad item.
      ObjectNode owner = (ObjectNode) locate(resource, path.subList(0, path.size() - 2), true);
      owner.set(path.get(path.size() - 2), JSON.arrayNode().add(value));
    } else {
      ((ObjectNode) locate(resource, path.subList(0, path.size() - 1), true)).set(last, value);
    }
    return new Violation(kind, render(path), constraint, resource, false);
  }

  /**
   * The node at a path, creating what is missing on the way as the smallest valid value of its
   * schema: the API server checks CEL rules only once the schema holds, so a violation must break
   * one thing only.
   */
  private static JsonNode locate(ObjectNode resource, List<String> path, boolean create) {
    String kind = resource.path("kind").asText();
    JsonNode schema = Crds.openApiSchema(Crds.byKind().get(kind));
    JsonNode node = resource;
    for (String segment : path) {
      if (segment.equals("[0]")) {
        schema = schema.path("items");
        ArrayNode list = (ArrayNode) node;
        if (list.isEmpty()) {
          list.add(minimal(schema));
        }
        node = list.get(0);
        continue;
      }
      schema = schema.path("properties").path(segment);
      ObjectNode object = (ObjectNode) node;
      if (!object.has(segment) || object.get(segment).isNull()) {
        object.set(segment, schema.path("type").asText().equals("array") ? JSON.arrayNode() : minimal(schema));
      }
      node = object.get(segment);
    }
    return node;
  }

  /** The smallest value a schema admits: required properties only, each at its smallest. */
  private static JsonNode minimal(JsonNode schema) {
    switch (schema.path("type").asText()) {
      case "object" -> {
        ObjectNode object = JSON.objectNode();
        schema.path("required").forEach(r -> object.set(r.asText(), minimal(schema.path("properties").path(r.asText()))));
        return object;
      }
      case "array" -> {
        ArrayNode list = JSON.arrayNode();
        for (int i = 0; i < schema.path("minItems").asInt(); i++) {
          list.add(minimal(schema.path("items")));
        }
        return list;
      }
      case "integer", "number" -> {
        return JSON.numberNode(schema.has("minimum") ? schema.path("minimum").asLong() : 1);
      }
      case "boolean" -> {
        return JSON.booleanNode(false);
      }
      default -> {
        if (schema.has("enum")) {
          return schema.path("enum").get(0);
        }
        // A URI every uri rule admits, and a plain name for patterned fields.
        Pattern pattern = Pattern.compile(schema.path("pattern").asText(""));
        return JSON.textNode(Stream.of("pvc://data/minimal.csv", "a", "0 3 * * *", "6h")
            .filter(s -> pattern.matcher(s).find()).findFirst()
            .orElseThrow(() -> new AssertionError("no minimal value for pattern " + pattern)));
      }
    }
  }

  private static void merge(ObjectNode resource, List<String> path, JsonNode fragment) {
    if (!fragment.isObject()) {
      ObjectNode parent = (ObjectNode) locate(resource, path.subList(0, path.size() - 1), true);
      parent.set(path.get(path.size() - 1), fragment);
      return;
    }
    mergeInto((ObjectNode) locate(resource, path, true), (ObjectNode) fragment);
  }

  private static void mergeInto(ObjectNode target, ObjectNode fragment) {
    fragment.fields().forEachRemaining(f -> {
      if (f.getValue().isNull()) {
        target.remove(f.getKey());
      } else if (f.getValue().isObject() && target.path(f.getKey()).isObject()) {
        mergeInto((ObjectNode) target.get(f.getKey()), (ObjectNode) f.getValue());
      } else {
        target.set(f.getKey(), f.getValue());
      }
    });
  }

  private static String firstTextField(JsonNode spec) {
    var fields = spec.fields();
    while (fields.hasNext()) {
      var field = fields.next();
      if (field.getValue().isTextual()) {
        return field.getKey();
      }
    }
    throw new AssertionError("no text field in " + spec);
  }

  private static List<String> append(List<String> path, String segment) {
    List<String> longer = new ArrayList<>(path);
    longer.add(segment);
    return longer;
  }

  /** As the API server prints a field: spec.steps[0].name. */
  private static String render(List<String> path) {
    StringBuilder out = new StringBuilder();
    for (String segment : path) {
      if (segment.startsWith("[")) {
        out.append(segment);
      } else {
        out.append(out.length() == 0 ? "" : ".").append(segment);
      }
    }
    return out.toString();
  }
}
