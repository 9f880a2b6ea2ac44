package dev.ferry.tools;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.api.v1alpha1.ColumnSchema;
import dev.ferry.api.v1alpha1.ColumnSchema.ColumnType;
import dev.ferry.api.v1alpha1.DatasetSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads a {@link DatasetSchema} from YAML or JSON and checks it the way the Dataset CRD does (the
 * API server is not there to check a file given on the command line).
 */
final class DatasetSchemaLoader {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private static final ObjectMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private DatasetSchemaLoader() {}

  /** A schema that cannot be read or is not a valid schema; the message names where. */
  static final class SchemaException extends Exception {
    private static final long serialVersionUID = 1L;

    SchemaException(String message) {
      super(message);
    }
  }

  /** Reads a schema file: JSON if it ends in {@code .json} or starts with {@code {}, else YAML. */
  static DatasetSchema fromFile(Path file) throws SchemaException {
    try {
      dev.ferry.data.ConfigFile config = dev.ferry.data.ConfigFile.read(file, "schema file");
      return parse(config.text(), file.toString(), config.json() ? JSON : YAML);
    } catch (dev.ferry.data.ConfigFile.Unreadable e) {
      throw new SchemaException(e.getMessage());
    }
  }


  /** Reads a schema given as JSON text; {@code origin} names it in messages. */
  static DatasetSchema fromJson(String json, String origin) throws SchemaException {
    return parse(json, origin, JSON);
  }

  private static DatasetSchema parse(String text, String origin, ObjectMapper mapper) throws SchemaException {
    if (text.isBlank()) {
      throw new SchemaException(origin + ": the schema is empty");
    }
    DatasetSchema schema;
    try {
      schema = mapper.readValue(text, DatasetSchema.class);
    } catch (JsonProcessingException e) {
      throw new SchemaException(where(origin, e.getLocation()) + "bad schema: " + explain(e));
    }
    if (schema == null) {
      throw new SchemaException(origin + ": the schema is empty");
    }
    check(schema, origin);
    return schema;
  }

  private static String where(String origin, JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return origin + ": ";
    }
    return origin + ", line " + location.getLineNr() + ": ";
  }

  private static String explain(JsonProcessingException e) {
    String path = e instanceof JsonMappingException m ? path(m) : "";
    if (e instanceof UnrecognizedPropertyException u) {
      TreeSet<String> known = new TreeSet<>();
      if (u.getKnownPropertyIds() != null) {
        u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      }
      return "unknown field \"" + u.getPropertyName() + "\"" + (path.isEmpty() ? "" : " in " + parentOf(path))
          + " (known fields: " + String.join(", ", known) + ")";
    }
    if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
      return (path.isEmpty() ? "" : path + ": ") + "\"" + f.getValue() + "\" is not one of "
          + String.join(", ", enumNames(f.getTargetType()));
    }
    String m = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    return (path.isEmpty() ? "" : path + ": ") + m;
  }

  /** The wire names of an enum's constants ({@code @JsonProperty} renames honoured). */
  private static List<String> enumNames(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String name = ((Enum<?>) constant).name();
      try {
        JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
        names.add(p != null && !p.value().isEmpty() ? p.value() : name);
      } catch (NoSuchFieldException e) {
        names.add(name);
      }
    }
    return names;
  }

  private static String parentOf(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "the schema" : path.substring(0, dot);
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /** The CRD's rules, and the defaults a null would otherwise hide. */
  private static void check(DatasetSchema schema, String origin) throws SchemaException {
    List<String> problems = new ArrayList<>();
    if (schema.minRows != null && schema.minRows < 0) {
      problems.add("minRows must not be negative");
    }
    if (schema.columns == null) {
      schema.columns = new ArrayList<>();
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < schema.columns.size(); i++) {
      ColumnSchema c = schema.columns.get(i);
      String at = "columns[" + i + "]";
      if (c == null) {
        problems.add(at + " is empty");
        continue;
      }
      if (c.name == null || c.name.isBlank()) {
        problems.add(at + ": name is required");
        continue;
      }
      at += " (\"" + c.name + "\")";
      Integer before = seen.putIfAbsent(c.name, i);
      if (before != null) {
        problems.add(at + ": duplicate name, as columns[" + before + "]");
      }
      if (c.type == null) {
        c.type = ColumnType.number;
      }
      if (c.role == null) {
        c.role = ColumnSchema.ColumnRole.feature;
      }
      if (c.required == null) {
        c.required = true;
      }
      boolean numeric = c.type == ColumnType.number || c.type == ColumnType.integer;
      if ((c.min != null || c.max != null) && !numeric) {
        problems.add(at + ": min and max apply only to type number or integer");
      }
      if (c.min != null && c.max != null && c.min > c.max) {
        problems.add(at + ": min " + c.min + " is above max " + c.max);
      }
      if (c.values != null && c.type != ColumnType.category) {
        problems.add(at + ": values applies only to type category");
      }
      if (c.values != null && c.values.stream().anyMatch(v -> v == null)) {
        problems.add(at + ": values must not contain null");
      }
      if (c.maxMissing != null && !(c.maxMissing >= 0 && c.maxMissing <= 1)) {
        problems.add(at + ": maxMissing must be between 0 and 1");
      }
    }
    if (!problems.isEmpty()) {
      throw new SchemaException(origin + ": bad schema: " + String.join("; ", problems));
    }
  }
}
