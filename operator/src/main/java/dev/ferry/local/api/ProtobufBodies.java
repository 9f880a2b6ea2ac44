package dev.ferry.local.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Request bodies in Kubernetes' protobuf encoding, as JSON: kubectl's typed commands
 * ({@code create secret}, {@code create configmap}, {@code create namespace}) send protobuf, and
 * the embedded API stores JSON. The envelope is the magic {@code k8s\0} and a runtime.Unknown
 * (type meta, raw bytes); the raw bytes are decoded with the field numbers of those kinds'
 * generated.proto. Written here, with protobuf-java's wire reader, rather than taken from the
 * Kubernetes Java client's generated protos, which bring a second protobuf major version (cel-java
 * needs 4.x) and thousands of classes for three kinds.
 */
final class ProtobufBodies {
  static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

  private enum Type { STRING, BYTES, BOOL, STRING_MAP, BYTES_MAP, STRINGS, MESSAGE }

  private record Field(String name, Type type, Map<Integer, Field> message) {
    Field(String name, Type type) {
      this(name, type, Map.of());
    }
  }

  private static final Map<Integer, Field> OBJECT_META = Map.of(
      1, new Field("name", Type.STRING),
      2, new Field("generateName", Type.STRING),
      3, new Field("namespace", Type.STRING),
      11, new Field("labels", Type.STRING_MAP),
      12, new Field("annotations", Type.STRING_MAP),
      14, new Field("finalizers", Type.STRINGS));
  private static final Field METADATA = new Field("metadata", Type.MESSAGE, OBJECT_META);

  /** The kinds whose protobuf bodies are read, by "apiVersion/kind". */
  private static final Map<String, Map<Integer, Field>> KINDS = Map.of(
      "v1/Secret", Map.of(1, METADATA, 2, new Field("data", Type.BYTES_MAP), 3, new Field("type", Type.STRING),
          4, new Field("stringData", Type.STRING_MAP), 5, new Field("immutable", Type.BOOL)),
      "v1/ConfigMap", Map.of(1, METADATA, 2, new Field("data", Type.STRING_MAP),
          3, new Field("binaryData", Type.BYTES_MAP), 4, new Field("immutable", Type.BOOL)),
      "v1/Namespace", Map.of(1, METADATA, 2, new Field("spec", Type.MESSAGE,
          Map.of(1, new Field("finalizers", Type.STRINGS)))),
      "v1/ServiceAccount", Map.of(1, METADATA));

  private ProtobufBodies() {
  }

  /** The body as a JSON object, or empty if it is not one of the kinds read here (the message says which). */
  static Optional<ObjectNode> toJson(byte[] body) throws IOException {
    if (body.length < MAGIC.length || !java.util.Arrays.equals(java.util.Arrays.copyOf(body, MAGIC.length), MAGIC)) {
      throw new IOException("not a Kubernetes protobuf body (no k8s\\0 prefix)");
    }
    CodedInputStream in = CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length);
    String apiVersion = "";
    String kind = "";
    byte[] raw = new byte[0];
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> {
          CodedInputStream meta = in.readBytes().newCodedInput();
          for (int t = meta.readTag(); t != 0; t = meta.readTag()) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case 1 -> apiVersion = meta.readStringRequireUtf8();
              case 2 -> kind = meta.readStringRequireUtf8();
              default -> meta.skipField(t);
            }
          }
        }
        case 2 -> raw = in.readByteArray();
        default -> in.skipField(tag);
      }
    }
    Map<Integer, Field> schema = KINDS.get(apiVersion + "/" + kind);
    if (schema == null) {
      return Optional.empty();
    }
    ObjectNode object = message(CodedInputStream.newInstance(raw), schema);
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    return Optional.of(object);
  }

  /** What the decoder reads, for the refusal of anything else. */
  static String supported() {
    return String.join(", ", new java.util.TreeSet<>(KINDS.keySet().stream().map(k -> k.substring(k.indexOf('/') + 1))
        .toList()));
  }

  private static ObjectNode message(CodedInputStream in, Map<Integer, Field> schema) throws IOException {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      Field field = schema.get(WireFormat.getTagFieldNumber(tag));
      if (field == null) {
        in.skipField(tag);
        continue;
      }
      switch (field.type()) {
        case STRING -> out.put(field.name(), in.readStringRequireUtf8());
        case BYTES -> out.put(field.name(), Base64.getEncoder().encodeToString(in.readByteArray()));
        case BOOL -> out.put(field.name(), in.readBool());
        case STRINGS -> (out.has(field.name()) ? (com.fasterxml.jackson.databind.node.ArrayNode) out.get(field.name())
            : out.putArray(field.name())).add(in.readStringRequireUtf8());
        case MESSAGE -> out.set(field.name(), message(in.readBytes().newCodedInput(), field.message()));
        case STRING_MAP, BYTES_MAP -> {
          ObjectNode map = out.has(field.name()) ? (ObjectNode) out.get(field.name()) : out.putObject(field.name());
          CodedInputStream entry = in.readBytes().newCodedInput();
          String key = "";
          String value = "";
          for (int t = entry.readTag(); t != 0; t = entry.readTag()) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case 1 -> key = entry.readStringRequireUtf8();
              case 2 -> value = field.type() == Type.STRING_MAP ? entry.readStringRequireUtf8()
                  : Base64.getEncoder().encodeToString(entry.readByteArray());
              default -> entry.skipField(t);
            }
          }
          map.put(key, value);
        }
        default -> in.skipField(tag);
      }
    }
    return out;
  }
}
