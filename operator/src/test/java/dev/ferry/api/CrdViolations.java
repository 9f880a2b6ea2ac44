package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * For every schema constraint and every CEL rule in the generated CRDs, one resource that breaks it
 * and nothing else, derived from crds/ itself: a new constraint gets a case the day it is added (a
 * new CEL rule needs a violating fragment in {@link #CEL_VIOLATIONS}, and {@link #uncovered()} says
 * so). AdmissionIT sends each case to a real API server; ValidationParityTest to the operator's own
 * validation; both expect the same field named.
 */
final class CrdViolations {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /**
   * One resource that breaks one constraint. {@code schemaPointer} is the JSON pointer (inside the
   * CRD) of the schema node that states it, {@code removeConstraint} deletes it there, so a test can
   * check that the case is refused by this constraint alone.
   */
  record Violation(String kind, String fieldPath, String constraint, ObjectNode resource, boolean update,
      String schemaPointer, Consumer<ObjectNode> removeConstraint) {
    String name() {
      return kind + " " + fieldPath + " " + constraint;
    }

    /** The kind's CRD without this constraint. */
    JsonNode crdWithout() {
      ObjectNode crd = Crds.byKind().get(kind).deepCopy();
      removeConstraint.accept((ObjectNode) crd.at(schemaPointer));
      return crd;
    }
  }

  private static final String NAME_BOUND = "metadata.name: at most ";
  /** A valid DNS name of 64 characters, merged at the root. */
  private static final String LONG_NAME = "{metadata: {name: " + "n".repeat(64) + "}}";

  /**
   * For each CEL rule message, what to merge into the object the rule sits on to break it
   * (null deletes a field). A rule on a string takes the fragment as the new value.
   */
  static final Map<String, String> CEL_VIOLATIONS = Map.ofEntries(
      Map.entry("steps[].name must be unique", "{steps: [{name: a, image: x}, {name: a, image: y}]}"),
      Map.entry("a step sets exactly one of image or builtin", "{name: a, image: x, builtin: validate-data}"),
      Map.entry("a builtin step takes no command", "{name: a, image: null, builtin: validate-data, command: [sh]}"),
      Map.entry("a builtin step runs as one worker", "{name: a, image: null, builtin: validate-data, workers: 2}"),
      Map.entry("a metric gate needs min or max", "{name: auc, min: null, max: null}"),
      Map.entry("a metric check needs min or max", "{name: p99, min: null, max: null}"),
      Map.entry("min must not exceed max", "{name: auc, min: 2, max: 1}"),
      Map.entry("columns[].name must be unique", "{columns: [{name: a}, {name: a}]}"),
      Map.entry("features[].name must be unique", "{features: [{name: a}, {name: a}]}"),
      Map.entry("values applies only to type category", "{name: a, type: string, values: [x]}"),
      Map.entry("min and max apply only to type number or integer", "{name: a, type: category, min: 0}"),
      Map.entry("traffic needs exactly one of parentRefs (Ferry creates the HTTPRoute) or httpRoute (Ferry manages the"
          + " rules of an existing one)", "{parentRefs: [{name: public}], httpRoute: churn}"),
      Map.entry("minReplicas must not exceed maxReplicas", "{minReplicas: 5, maxReplicas: 2}"),
      Map.entry("outputs.labels needs outputs.label: the column to compare",
          "{outputs: {label: null, labels: {uri: pvc://labels/week.csv}}}"),
      Map.entry("multivariate checks the current data as one whole: not with window",
          "{multivariate: true, window: {rows: 100}}"),
      Map.entry("window: give rows or timestampColumn, not both", "{rows: 100, timestampColumn: ts, period: 1d}"),
      Map.entry("window: timestampColumn and period go together", "{rows: null, timestampColumn: ts, period: null}"),
      Map.entry("uri must be pvc://claim/folder, s3://bucket/prefix or gs://bucket/prefix", "\"https://reports.example/\""),
      Map.entry("rollout.shadow mirrors requests through an HTTPRoute: it needs spec.traffic",
          "{rollout: {shadow: {percent: 10}}, traffic: null}"),
      Map.entry("rollout.strategy Canary needs at least one rollout.steps entry",
          "{rollout: {strategy: Canary, steps: null}}"),
      Map.entry("uri must be pvc://claim/path, http(s)://..., s3://bucket/key, gs://bucket/key, file:/... or an absolute path", "\"ftp://host/data.csv\""),
      Map.entry("uri must be pvc://claim/path, s3://bucket/prefix or gs://bucket/prefix", "\"https://models.example/churn\""),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/pipeline label on every run, Job and pod)",
          LONG_NAME),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/run label on its Jobs and pods)", LONG_NAME),
      Map.entry(NAME_BOUND + "63 characters (it is the value of the ferry.dev/drift-policy label on its check Jobs)",
          LONG_NAME),
      Map.entry(NAME_BOUND + "55 characters (its Services are named <name> and <name>-staging, at most 63 characters)",
          LONG_NAME),
      Map.entry("metadata.name: a lowercase letter, then letters, digits and '-' (its Services are named after it, and a"
          + " Service name is a DNS-1035 label)", "{metadata: {name: 9-churn}}"));

  /**
   * Where a rule's fragment elsewhere would also break a sibling rule, a fragment for that place,
   * keyed by the end of the path and the message: a case must be refused by its own rule alone.
   */
  static final Map<String, String> CEL_VIOLATIONS_AT = Map.of(
      "schema.columns[0]: min must not exceed max", "{name: a, type: number, min: 2, max: 1}");

  private static String fragment(String at, String message) {
    return CEL_VIOLATIONS_AT.entrySet().stream()
        .filter(e -> e.getKey().endsWith(": " + message) && at.endsWith(e.getKey().substring(0, e.getKey().length() - message.length() - 2)))
        .map(Map.Entry::getValue).findFirst().orElse(CEL_VIOLATIONS.get(message));
  }

  private static List<Violation> all;
  private static List<String> uncovered;

  private CrdViolations() {
  }

  /** Every case, for every kind. */
  static synchronized List<Violation> all() {
    if (all == null) {
      List<Violation> found = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      Crds.byKind().forEach((kind, crd) -> {
        String root = rootPointer(crd);
        JsonNode spec = Crds.openApiSchema(crd).path("properties").path("spec");
        walk(kind, spec, List.of("spec"), root + "/properties/spec", found, missing);
        // Rules at the root (metadata.name bounds): the fragment is merged into the whole object.
        JsonNode rules = Crds.openApiSchema(crd).path("x-kubernetes-validations");
        for (int i = 0; i < rules.size(); i++) {
          String message = rules.get(i).path("message").asText();
          String fragment = CEL_VIOLATIONS.get(message);
          if (fragment == null) {
            missing.add(kind + " <root>: " + message);
            continue;
          }
          ObjectNode resource = baseTree(kind);
          merge(resource, List.of(), Crds.parse(fragment));
          found.add(new Violation(kind, "metadata.name", "rule '" + message + "'", resource, false, root,
              removeRule(i)));
        }
      });
      all = List.copyOf(found);
      uncovered = List.copyOf(missing);
    }
    return all;
  }

  /** CEL rules with no entry in {@link #CEL_VIOLATIONS}. */
  static List<String> uncovered() {
    all();
    return uncovered;
  }

  /** The first example of a kind: a valid resource each violation starts from. */
  static ObjectNode baseTree(String kind) {
    JsonNode example = Examples.ferryDocuments().stream().filter(d -> d.kind().equals(kind)).findFirst()
        .orElseThrow(() -> new AssertionError("examples/ has no " + kind)).content();
    ObjectNode tree = example.deepCopy();
    tree.remove("status");
    return tree;
  }

  private static String rootPointer(JsonNode crd) {
    JsonNode versions = crd.at("/spec/versions");
    for (int i = 0; i < versions.size(); i++) {
      if (versions.get(i).path("storage").asBoolean()) {
        return "/spec/versions/" + i + "/schema/openAPIV3Schema";
      }
    }
    throw new AssertionError("no storage version");
  }

  private static Consumer<ObjectNode> removeRule(int index) {
    return schema -> ((ArrayNode) schema.get("x-kubernetes-validations")).remove(index);
  }

  private static Consumer<ObjectNode> removeKeyword(String keyword) {
    return schema -> schema.remove(keyword);
  }

  private static void walk(String kind, JsonNode schema, List<String> path, String pointer, List<Violation> out,
      List<String> uncovered) {
    String at = render(path);
    JsonNode rules = schema.path("x-kubernetes-validations");
    for (int i = 0; i < rules.size(); i++) {
      JsonNode rule = rules.get(i);
      String message = rule.path("message").asText();
      if (rule.path("rule").asText().contains("oldSelf")) {
        ObjectNode changed = baseTree(kind);
        JsonNode spec = changed.path("spec");
        String field = firstTextField(spec);
        ((ObjectNode) spec).put(field, spec.path(field).asText() + "-changed");
        out.add(new Violation(kind, at, "rule '" + message + "'", changed, true, pointer, removeRule(i)));
        continue;
      }
      String fragment = fragment(at, message);
      if (fragment == null) {
        uncovered.add(kind + " " + at + ": " + message);
        continue;
      }
      ObjectNode resource = baseTree(kind);
      merge(resource, path, Crds.parse(fragment));
      out.add(new Violation(kind, at, "rule '" + message + "'", resource, false, pointer, removeRule(i)));
    }
    constraint(kind, schema, path, pointer, out);
    schema.path("required").forEach(required -> {
      ObjectNode resource = baseTree(kind);
      ObjectNode object = (ObjectNode) locate(resource, path);
      object.remove(required.asText());
      String name = required.asText();
      out.add(new Violation(kind, render(append(path, name)), "required", resource, false, pointer,
          s -> {
            ArrayNode list = (ArrayNode) s.get("required");
            for (int i = 0; i < list.size(); i++) {
              if (list.get(i).asText().equals(name)) {
                list.remove(i);
                return;
              }
            }
          }));
    });
    schema.path("properties").fields().forEachRemaining(p -> {
      if (!CrdSchemaTest.EMBEDDED_KUBERNETES_TYPES.contains(p.getKey())) {
        walk(kind, p.getValue(), append(path, p.getKey()), pointer + "/properties/" + p.getKey(), out, uncovered);
      }
    });
    if (schema.has("items")) {
      walk(kind, schema.path("items"), append(path, "[0]"), pointer + "/items", out, uncovered);
    }
  }

  /** Bounds, lengths, patterns, enums and item counts of one property. */
  private static void constraint(String kind, JsonNode schema, List<String> path, String pointer, List<Violation> out) {
    boolean integer = "integer".equals(schema.path("type").asText());
    if (schema.has("minimum")) {
      double min = schema.path("minimum").asDouble();
      out.add(value(kind, path, pointer, "minimum",
          integer ? JSON.numberNode((long) Math.ceil(min) - 1) : JSON.numberNode(min - 1)));
    }
    if (schema.has("maximum")) {
      double max = schema.path("maximum").asDouble();
      out.add(value(kind, path, pointer, "maximum",
          integer ? JSON.numberNode((long) Math.floor(max) + 1) : JSON.numberNode(max + 1)));
    }
    if (schema.has("maxLength")) {
      // Too long, but otherwise what the field's pattern (if any) admits: only the length is wrong.
      int n = schema.path("maxLength").asInt() + 1;
      Pattern pattern = Pattern.compile(schema.path("pattern").asText(""));
      String tooLong = Stream.of("a".repeat(n), "/" + "a".repeat(n - 1)).filter(v -> pattern.matcher(v).find())
          .findFirst().orElseThrow(() -> new AssertionError("no over-long value matches pattern " + pattern));
      out.add(value(kind, path, pointer, "maxLength", JSON.textNode(tooLong)));
    }
    if (schema.path("minLength").asInt() > 0) {
      out.add(value(kind, path, pointer, "minLength", JSON.textNode("a".repeat(schema.path("minLength").asInt() - 1))));
    }
    if (schema.has("pattern")) {
      Pattern pattern = Pattern.compile(schema.path("pattern").asText());
      String bad = Stream.of("Not Valid!", "", "-", " ", "0 0 0 0 0").filter(s -> !pattern.matcher(s).find())
          .findFirst().orElseThrow(() -> new AssertionError("no candidate breaks pattern " + pattern));
      out.add(value(kind, path, pointer, "pattern", JSON.textNode(bad)));
    }
    if (schema.has("enum")) {
      out.add(value(kind, path, pointer, "enum", JSON.textNode("NotOneOfThese")));
    }
    if (schema.has("maxItems")) {
      ArrayNode many = JSON.arrayNode();
      for (int i = 0; i <= schema.path("maxItems").asInt(); i++) {
        // Each item valid on its own (and distinct by name where items have one), so only the count is wrong.
        JsonNode item = minimal(schema.path("items"));
        if (item instanceof ObjectNode object && schema.path("items").path("properties").has("name")) {
          object.put("name", "item-" + i);
        }
        many.add(item);
      }
      out.add(value(kind, path, pointer, "maxItems", many));
    }
    if (schema.path("minItems").asInt() > 0) {
      out.add(value(kind, path, pointer, "minItems", JSON.arrayNode()));
    }
  }

  private static Violation value(String kind, List<String> path, String pointer, String constraint, JsonNode value) {
    ObjectNode resource = baseTree(kind);
    String last = path.get(path.size() - 1);
    if (last.equals("[0]")) {
      // An item of a list of scalars: the list becomes that one bad item.
      ObjectNode owner = (ObjectNode) locate(resource, path.subList(0, path.size() - 2));
      owner.set(path.get(path.size() - 2), JSON.arrayNode().add(value));
    } else {
      ((ObjectNode) locate(resource, path.subList(0, path.size() - 1))).set(last, value);
    }
    return new Violation(kind, render(path), constraint, resource, false, pointer, removeKeyword(constraint));
  }

  /**
   * The node at a path, creating what is missing on the way as the smallest valid value of its
   * schema: the API server checks CEL rules only once the schema holds, so a violation must break
   * one thing only.
   */
  private static JsonNode locate(ObjectNode resource, List<String> path) {
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
      ObjectNode parent = (ObjectNode) locate(resource, path.subList(0, path.size() - 1));
      parent.set(path.get(path.size() - 1), fragment);
      return;
    }
    mergeInto((ObjectNode) locate(resource, path), (ObjectNode) fragment);
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
