package dev.ferry.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the manifests of a folder one document at a time, so a document that does not parse,
 * names an unknown kind or does not fit its kind's schema is reported with its file and line,
 * and every other document still loads.
 */
public final class ManifestLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      Ferry.API_VERSION + "/TrainingPipeline", TrainingPipeline.class,
      Ferry.API_VERSION + "/TrainingRun", TrainingRun.class,
      Ferry.API_VERSION + "/ModelVersion", ModelVersion.class,
      Ferry.API_VERSION + "/ModelDeployment", ModelDeployment.class,
      Ferry.API_VERSION + "/DriftPolicy", DriftPolicy.class,
      "v1/ConfigMap", ConfigMap.class,
      "v1/Secret", Secret.class);

  private ManifestLoader() {
  }

  /** What a folder holds: the objects that loaded, and a message for each document that did not. */
  public record Result(List<HasMetadata> objects, List<String> problems) {
  }

  public static Result load(Path dir) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.getFileName().toString().equals(LocalMapping.FILE_NAME))
          .sorted().toList();
    }
    for (Path file : files) {
      loadFile(file, objects, problems);
    }
    return new Result(objects, problems);
  }

  /** What a value that does not fit was expected to be, in Kubernetes' words (no Java type names). */
  static String expected(com.fasterxml.jackson.databind.JsonMappingException e) {
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
      Class<?> t = m.getTargetType();
      String type = CharSequence.class.isAssignableFrom(t) ? "string"
          : t == Integer.class || t == int.class || t == Long.class || t == long.class ? "integer"
          : Number.class.isAssignableFrom(t) || t == double.class || t == float.class ? "number"
          : t == Boolean.class || t == boolean.class ? "boolean"
          : java.util.Map.class.isAssignableFrom(t) ? "object"
          : java.util.Collection.class.isAssignableFrom(t) || t.isArray() ? "array"
          : t.isEnum() ? "one of " + java.util.Arrays.toString(t.getEnumConstants()) : "object";
      return "Invalid value: must be of type " + type;
    }
    return "Invalid value: " + e.getOriginalMessage().lines().findFirst().orElse("")
        .replaceAll("`[a-zA-Z0-9_.$<>]+`", "this").replaceAll("\\(token `JsonToken\\.[A-Z_]+`\\)", "");
  }

  /** spec.steps[0].name, from the path Jackson followed to the bad value. */
  static String fieldPath(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (var reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "the root" : path.toString();
  }

  /**
   * What a cluster's admission says about a document of Ferry's kinds, every problem at once: the
   * fields its CRD does not declare (kubectl's strict validation), then the schema and CEL rules.
   */
  private static List<String> admission(Class<? extends HasMetadata> type, JsonNode doc) {
    JsonNode crd = dev.ferry.admission.CrdSchemas.crd(type);
    List<String> out = new ArrayList<>();
    dev.ferry.admission.Admission.unknownFields(crd, doc).forEach(f -> out.add(f + ": unknown field \"" + f
        + "\" (the " + doc.path("kind").asText() + " schema has no such field)"));
    out.addAll(dev.ferry.admission.Admission.problems(crd, doc, null));
    return out;
  }

  /** The field a problem names ("spec.replicas: Invalid value: ..."), or "" for one on the whole object. */
  private static String field(String problem) {
    int colon = problem.indexOf(": ");
    return colon > 0 && !problem.substring(0, colon).contains(" ") ? problem.substring(0, colon) : "";
  }

  static void loadFile(Path file, List<HasMetadata> objects, List<String> problems) {
    List<YamlLines> lines = YamlLines.index(file);
    try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(file.toFile())) {
      int index = 0;
      int objectIndex = 0;
      while (true) {
        int line;
        JsonNode doc;
        try {
          if (parser.nextToken() == null) {
            break;
          }
          line = parser.currentLocation().getLineNr();
          doc = YAML.readTree(parser);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          problems.add(file + ", line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
              + ": not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
          return;
        }
        index++;
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        YamlLines fields = doc.isContainerNode() && objectIndex < lines.size() ? lines.get(objectIndex) : null;
        objectIndex += doc.isContainerNode() ? 1 : 0;
        String at = file + " (document " + index + ", line " + line + ")";
        String apiVersion = doc.path("apiVersion").asText("");
        String kind = doc.path("kind").asText("");
        String name = doc.path("metadata").path("name").asText("");
        Class<? extends HasMetadata> type = KINDS.get(apiVersion + "/" + kind);
        if (type == null) {
          problems.add(at + ": unknown kind " + (kind.isEmpty() ? "(none)" : kind) + " of apiVersion "
              + (apiVersion.isEmpty() ? "(none)" : apiVersion) + "; local mode knows " + String.join(", ",
              KINDS.keySet().stream().sorted().toList()));
          continue;
        }
        if (name.isEmpty()) {
          problems.add(at + ": " + kind + " has no metadata.name");
          continue;
        }
        if (apiVersion.equals(Ferry.API_VERSION)) {
          List<String> refused = admission(type, doc);
          if (!refused.isEmpty()) {
            for (String problem : refused) {
              int fieldLine = fields == null ? 0 : fields.lineOf(field(problem));
              problems.add(file + ", line " + (fieldLine > 0 ? fieldLine : line) + " (document " + index + "): "
                  + kind + "/" + name + ": " + problem);
            }
            continue;
          }
        }
        try {
          HasMetadata object = Serialization.jsonMapper().treeToValue(doc, type);
          if (object.getMetadata().getNamespace() == null) {
            object.getMetadata().setNamespace("default");
          }
          objects.add(object);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
          String field = fieldPath(e);
          int fieldLine = fields == null ? 0 : fields.lineOf(field);
          problems.add(file + ", line " + (fieldLine > 0 ? fieldLine : line) + " (document " + index + "): " + kind
              + "/" + name + ": " + field + ": " + expected(e));
        } catch (IOException | IllegalArgumentException e) {
          problems.add(at + ": " + kind + "/" + name + " does not fit its schema: "
              + e.getMessage().lines().findFirst().orElse(""));
        }
      }
    } catch (IOException e) {
      problems.add(file + ": cannot be read: " + e.getMessage());
    }
  }
}
