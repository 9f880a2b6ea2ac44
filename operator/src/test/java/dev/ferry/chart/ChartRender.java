package dev.ferry.chart;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Renders helm/ferry with Helm itself (helm-java, offline) and hands back the objects as JSON
 * trees. Values are given as YAML, as a user writes them in a values file.
 */
final class ChartRender {
  static final String RELEASE = "ferry";
  static final String NAMESPACE = "ferry-system";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final AtomicInteger FILES = new AtomicInteger();

  /**
   * A mapper that fails on any field the typed model does not declare. Fabric8's model classes
   * catch unknown fields in an any-setter (additionalProperties), which would hide a misspelt
   * field; switching any-setters off makes FAIL_ON_UNKNOWN_PROPERTIES bite and name the field.
   */
  static final ObjectMapper STRICT = new ObjectMapper()
      .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public Boolean hasAnySetter(Annotated a) {
          return Boolean.FALSE;
        }
      })
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ChartRender() {
  }

  static Path projectRoot() {
    String root = System.getProperty("ferry.projectRoot");
    if (root == null || root.isBlank()) {
      throw new IllegalStateException("system property ferry.projectRoot is not set (surefire sets it)");
    }
    return Path.of(root).toAbsolutePath().normalize();
  }

  static Path chart() {
    return projectRoot().resolve("helm/ferry");
  }

  /** A Helm client of the chart, with the native library unpacked under target/ (surefire sets jna.tmpdir). */
  static Helm helm() {
    String jnaTmp = System.getProperty("jna.tmpdir");
    if (jnaTmp != null) {
      try {
        Files.createDirectories(Path.of(jnaTmp));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Helm(chart());
  }

  /** `helm template ferry helm/ferry -n ferry-system -f <values>`: the manifests as text. */
  static String template(String valuesYaml) {
    var command = helm().template().withName(RELEASE).withNamespace(NAMESPACE);
    if (valuesYaml != null && !valuesYaml.isBlank()) {
      command = command.withValuesFile(writeValues(valuesYaml));
    }
    return command.call();
  }

  /** Every rendered object, in order. */
  static List<ObjectNode> objects(String valuesYaml) {
    return parse(template(valuesYaml));
  }

  static List<ObjectNode> parse(String manifests) {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(manifests)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc instanceof ObjectNode object && object.size() > 0) {
          out.add(object);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("rendered manifests are not YAML:\n" + manifests, e);
    }
    return out;
  }

  /** The message of the failure of a render that must fail; an AssertionError when it succeeds. */
  static String failure(String valuesYaml) {
    try {
      template(valuesYaml);
    } catch (RuntimeException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected the chart to refuse these values, but it rendered them:\n" + valuesYaml);
  }

  static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  static Optional<ObjectNode> one(List<ObjectNode> objects, String kind) {
    List<ObjectNode> found = ofKind(objects, kind);
    if (found.size() > 1) {
      throw new AssertionError("expected at most one " + kind + ", got " + found.size());
    }
    return found.stream().findFirst();
  }

  static String describe(JsonNode object) {
    return object.path("kind").asText() + " " + object.at("/metadata/namespace").asText("") + "/"
        + object.at("/metadata/name").asText();
  }

  private static Path writeValues(String yaml) {
    try {
      Path dir = Files.createDirectories(projectRoot().resolve("operator/target/chart-values"));
      Path file = dir.resolve("values-" + ProcessHandle.current().pid() + "-" + FILES.incrementAndGet() + ".yaml");
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
