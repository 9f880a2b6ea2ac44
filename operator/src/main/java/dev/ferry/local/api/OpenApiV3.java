package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The OpenAPI v3 documents kubectl reads per group version ({@code /openapi/v3} and
 * {@code /openapi/v3/apis/GROUP/VERSION}). Two things depend on them: {@code kubectl apply} and
 * {@code create} validate on the server only when the PATCH operations declare the
 * {@code fieldValidation} parameter (otherwise they fail with "failed to download openapi"), and
 * {@code kubectl explain} reads the schemas, here the CRDs' own. Built-in kinds get a schema that
 * keeps every field: the embedded API stores them as they come.
 */
public final class OpenApiV3 {
  private final Discovery discovery;
  private final Map<String, JsonNode> crdsByKind;

  /** @param crds the installed CRDs as JSON, for their schemas */
  public OpenApiV3(Discovery discovery, List<JsonNode> crds) {
    this.discovery = discovery;
    this.crdsByKind = crds.stream().collect(Collectors.toMap(
        c -> c.at("/spec/group").asText() + "/" + c.at("/spec/names/kind").asText(), c -> c, (a, b) -> a));
  }

  /** {@code GET /openapi/v3}: each group version and where its document is. */
  public ObjectNode root() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode paths = root.putObject("paths");
    Map<String, String> groupVersions = new TreeMap<>();
    discovery.resources().forEach(r -> groupVersions.put(prefix(r.group(), r.version()), r.group() + "/" + r.version()));
    groupVersions.forEach((prefix, gv) -> {
      String[] parts = gv.split("/", 2);
      String hash = hash(document(parts[0], parts[1]).map(JsonNode::toString).orElse(""));
      paths.putObject(prefix).put("serverRelativeURL", "/openapi/v3/" + prefix + "?hash=" + hash);
    });
    return root;
  }

  /** The document of one group version ("" for the core group), or empty if it is not served. */
  public Optional<ObjectNode> document(String group, String version) {
    List<Discovery.Resource> served = discovery.resources().stream()
        .filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
    if (served.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0-ferry-local");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    for (Discovery.Resource r : served) {
      String base = "/" + prefix(group, version) + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural();
      ObjectNode collection = paths.putObject(base);
      collection.set("get", operation(r, "list"));
      collection.set("post", operation(r, "create"));
      ObjectNode item = paths.putObject(base + "/{name}");
      item.set("get", operation(r, "read"));
      item.set("put", operation(r, "replace"));
      item.set("patch", operation(r, "patch"));
      item.set("delete", operation(r, "delete"));
      schemas.set(schemaName(r), schema(r));
    }
    return Optional.of(doc);
  }

  /** The path prefix of a group version in the root document: "api/v1" or "apis/GROUP/VERSION". */
  public static String prefix(String group, String version) {
    return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
  }

  private static ObjectNode operation(Discovery.Resource r, String action) {
    ObjectNode op = JsonNodeFactory.instance.objectNode();
    op.put("operationId", action + r.kind());
    // An object on operations, a list on schemas, as the API server writes them (kubectl reads both so).
    ObjectNode id = op.putObject("x-kubernetes-group-version-kind");
    id.put("group", r.group());
    id.put("version", r.version());
    id.put("kind", r.kind());
    op.put("x-kubernetes-action", switch (action) {
      case "read", "list" -> "get";
      case "create" -> "post";
      case "replace" -> "put";
      default -> action;
    });
    ArrayNode parameters = op.putArray("parameters");
    if (List.of("create", "replace", "patch").contains(action)) {
      parameter(parameters, "fieldValidation", "Strict, Warn or Ignore: what to do with fields the schema does not"
          + " declare");
      parameter(parameters, "dryRun", "All: check the request without storing anything");
      parameter(parameters, "fieldManager", "the name of the writer");
    }
    op.putObject("responses").putObject("200").put("description", "OK");
    return op;
  }

  private static void parameter(ArrayNode parameters, String name, String description) {
    ObjectNode p = parameters.addObject();
    p.put("name", name);
    p.put("in", "query");
    p.put("description", description);
    p.putObject("schema").put("type", "string").put("uniqueItems", true);
  }

  private ObjectNode schema(Discovery.Resource r) {
    JsonNode crd = crdsByKind.get(r.group() + "/" + r.kind());
    ObjectNode schema = null;
    if (crd != null) {
      for (JsonNode v : crd.at("/spec/versions")) {
        if (v.path("name").asText().equals(r.version())) {
          schema = v.at("/schema/openAPIV3Schema").deepCopy();
        }
      }
    }
    if (schema == null) {
      schema = JsonNodeFactory.instance.objectNode();
      schema.put("type", "object");
      schema.put("description", r.kind() + ", stored as written by the local mode's API");
      schema.put("x-kubernetes-preserve-unknown-fields", true);
    }
    ArrayNode gvk = schema.putArray("x-kubernetes-group-version-kind");
    ObjectNode id = gvk.addObject();
    id.put("group", r.group());
    id.put("version", r.version());
    id.put("kind", r.kind());
    return schema;
  }

  private static String schemaName(Discovery.Resource r) {
    List<String> parts = new java.util.ArrayList<>(List.of(r.group().split("\\.")));
    java.util.Collections.reverse(parts);
    String group = r.group().isEmpty() ? "io.k8s.api.core" : String.join(".", parts);
    return group + "." + r.version() + "." + r.kind();
  }

  private static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32).toUpperCase();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
