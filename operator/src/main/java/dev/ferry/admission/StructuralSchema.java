package dev.ferry.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The checks an API server makes with a CRD's structural schema (type, required, enum, bounds,
 * lengths, patterns, item counts), with its field paths and its wording ({@code spec.replicas:
 * Invalid value: 0: must be greater than or equal to 1}). Written here rather than taken from a
 * JSON Schema library because those report JSON pointers and their own phrasing, and users read
 * these messages next to kubectl's. Unknown fields are not an error: the API server prunes them.
 */
final class StructuralSchema {
  private StructuralSchema() {
  }

  /** Every violation of {@code value} (the object at {@code path}) against {@code schema}. */
  static List<String> violations(JsonNode schema, JsonNode value, String path) {
    List<String> out = new ArrayList<>();
    check(schema, value, path, out);
    return out;
  }

  private static void check(JsonNode schema, JsonNode value, String path, List<String> out) {
    if (value == null || value.isMissingNode() || value.isNull() || schema.isMissingNode()) {
      return;
    }
    String type = schema.path("type").asText("");
    if (!typeMatches(schema, type, value)) {
      out.add(path + ": Invalid value: " + shown(value) + ": must be of type " + type);
      return;
    }
    if (value.isNumber() && !Double.isFinite(value.asDouble())) {
      out.add(path + ": Invalid value: " + value.asText() + ": must be a finite number");
      return;
    }
    if (schema.has("enum") && !contains(schema.path("enum"), value)) {
      out.add(path + ": Unsupported value: " + shown(value) + ": supported values: "
          + join(schema.path("enum")));
    }
    if (value.isNumber()) {
      bounds(schema, value, path, out);
    }
    if (value.isTextual()) {
      text(schema, value.asText(), path, out);
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.path("minItems").asInt()) {
        out.add(path + ": Invalid value: " + value.size() + ": must have at least " + schema.path("minItems").asInt()
            + " items");
      }
      if (schema.has("maxItems") && value.size() > schema.path("maxItems").asInt()) {
        out.add(path + ": Too many: " + value.size() + ": must have at most " + schema.path("maxItems").asInt()
            + " items");
      }
      for (int i = 0; i < value.size(); i++) {
        check(schema.path("items"), value.get(i), path + "[" + i + "]", out);
      }
    }
    if (value.isObject()) {
      for (JsonNode required : schema.path("required")) {
        JsonNode field = value.path(required.asText());
        if (field.isMissingNode() || field.isNull()) {
          out.add(child(path, required.asText()) + ": Required value");
        }
      }
      value.fields().forEachRemaining(field -> {
        JsonNode properties = schema.path("properties");
        if (properties.has(field.getKey())) {
          check(properties.path(field.getKey()), field.getValue(), child(path, field.getKey()), out);
        } else if (schema.path("additionalProperties").isObject()) {
          check(schema.path("additionalProperties"), field.getValue(), path + "[" + field.getKey() + "]", out);
        }
      });
    }
  }

  private static void bounds(JsonNode schema, JsonNode value, String path, List<String> out) {
    double number = value.asDouble();
    if (schema.has("minimum")) {
      double min = schema.path("minimum").asDouble();
      boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
      if (exclusive ? number <= min : number < min) {
        out.add(path + ": Invalid value: " + value.asText() + ": must be greater than " + (exclusive ? "" : "or equal to ")
            + plain(schema.path("minimum")));
      }
    }
    if (schema.has("maximum")) {
      double max = schema.path("maximum").asDouble();
      boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
      if (exclusive ? number >= max : number > max) {
        out.add(path + ": Invalid value: " + value.asText() + ": must be less than " + (exclusive ? "" : "or equal to ")
            + plain(schema.path("maximum")));
      }
    }
  }

  private static void text(JsonNode schema, String text, String path, List<String> out) {
    int length = text.codePointCount(0, text.length());
    if (schema.has("minLength") && length < schema.path("minLength").asInt()) {
      out.add(path + ": Invalid value: \"" + text + "\": must be at least " + schema.path("minLength").asInt()
          + " chars long");
    }
    if (schema.has("maxLength") && length > schema.path("maxLength").asInt()) {
      out.add(path + ": Too long: may not be more than " + schema.path("maxLength").asInt() + " characters, got "
          + length);
    }
    if (schema.has("pattern") && !Patterns.compile(schema.path("pattern").asText()).matcher(text).find()) {
      out.add(path + ": Invalid value: \"" + text + "\": should match '" + schema.path("pattern").asText() + "'");
    }
  }

  private static boolean typeMatches(JsonNode schema, String type, JsonNode value) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return value.isTextual() || value.isIntegralNumber();
    }
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "boolean" -> value.isBoolean();
      case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.canConvertToExactIntegral());
      case "number" -> value.isNumber();
      default -> true;
    };
  }

  private static boolean contains(JsonNode allowed, JsonNode value) {
    for (JsonNode candidate : allowed) {
      if (candidate.equals(value) || (candidate.isTextual() && value.isTextual() && candidate.asText().equals(value.asText()))) {
        return true;
      }
    }
    return false;
  }

  private static String join(JsonNode values) {
    List<String> shown = new ArrayList<>();
    values.forEach(v -> shown.add(shown(v)));
    return shown.stream().collect(Collectors.joining(", "));
  }

  private static String shown(JsonNode value) {
    if (value.isTextual()) {
      return "\"" + value.asText() + "\"";
    }
    return value.isContainerNode() ? "\"" + (value.isObject() ? "object" : "array") + "\"" : value.asText();
  }

  /** 1.0 printed as 1, as kubectl shows a schema bound. */
  private static String plain(JsonNode bound) {
    double d = bound.asDouble();
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  /**
   * Fields the schema does not declare, as the API server's strict decoding names them
   * ({@code spec.steps[0].imgae}): an API server prunes them, or refuses them with
   * {@code fieldValidation=Strict}, which kubectl sends by default.
   */
  static List<String> unknownFields(JsonNode schema, JsonNode value, String path) {
    List<String> out = new ArrayList<>();
    unknown(schema, value, path, out);
    return out;
  }

  private static void unknown(JsonNode schema, JsonNode value, String path, List<String> out) {
    if (value == null || schema.isMissingNode() || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      return;
    }
    if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        unknown(schema.path("items"), value.get(i), path + "[" + i + "]", out);
      }
    } else if (value.isObject()) {
      value.fields().forEachRemaining(field -> {
        JsonNode properties = schema.path("properties");
        if (properties.has(field.getKey())) {
          unknown(properties.path(field.getKey()), field.getValue(), child(path, field.getKey()), out);
        } else if (schema.path("additionalProperties").isObject()) {
          unknown(schema.path("additionalProperties"), field.getValue(), path + "[" + field.getKey() + "]", out);
        } else if (!schema.path("additionalProperties").asBoolean(false)) {
          out.add(child(path, field.getKey()));
        }
      });
    }
  }

  static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** Compiled patterns, shared: the same few dozen patterns are checked on every reconcile. */
  private static final class Patterns {
    private static final java.util.Map<String, Pattern> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    static Pattern compile(String regex) {
      return CACHE.computeIfAbsent(regex, Pattern::compile);
    }
  }
}
