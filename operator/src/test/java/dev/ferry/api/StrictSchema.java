package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A CRD's openAPIV3Schema as a JSON schema that rejects what the API server would prune, as
 * {@code kubectl apply --validate=strict} does: every object that lists {@code properties} and neither
 * {@code additionalProperties} nor {@code x-kubernetes-preserve-unknown-fields} gets
 * {@code additionalProperties: false}. The root also allows apiVersion, kind and a free-form metadata.
 * Other {@code x-kubernetes-*} extensions are dropped: the API server checks them, JSON Schema cannot.
 */
final class StrictSchema {
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build();
  private static final Map<String, JsonSchema> BY_KIND = new ConcurrentHashMap<>();

  private StrictSchema() {
  }

  /** Violations of a document of a generated kind, each "JSON pointer: problem", sorted. */
  static List<String> violations(String kind, JsonNode document) {
    JsonSchema schema = BY_KIND.computeIfAbsent(kind, k -> FACTORY.getSchema(strict(Crds.openApiSchema(Crds.byKind().get(k))), CONFIG));
    return schema.validate(document).stream().map(StrictSchema::describe).sorted().toList();
  }

  static JsonNode strict(JsonNode openApiSchema) {
    ObjectNode root = openApiSchema.deepCopy();
    ObjectNode properties = root.with("properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    properties.putObject("metadata").put("type", "object");
    tighten(root);
    return root;
  }

  private static void tighten(JsonNode node) {
    if (!(node instanceof ObjectNode schema)) {
      return;
    }
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
      if (names.next().startsWith("x-kubernetes-")) {
        names.remove();
      }
    }
    if (schema.has("properties") && !schema.has("additionalProperties") && !preserveUnknown) {
      schema.put("additionalProperties", false);
    }
    schema.path("properties").forEach(StrictSchema::tighten);
    tighten(schema.path("items"));
    tighten(schema.path("additionalProperties"));
    for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
      schema.path(combinator).forEach(StrictSchema::tighten);
    }
    tighten(schema.path("not"));
  }

  /** "/spec/steps/1/imagee: ..." : the pointer names the offending field itself, also when it is unknown or missing. */
  private static String describe(ValidationMessage m) {
    String pointer = m.getInstanceLocation().toString();
    if (m.getProperty() != null && ("additionalProperties".equals(m.getType()) || "required".equals(m.getType()))) {
      pointer = pointer + "/" + m.getProperty().replace("~", "~0").replace("/", "~1");
    }
    return pointer + ": " + m.getError();
  }
}
