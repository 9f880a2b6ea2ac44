package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The CRDs crd-generator-maven-plugin wrote at process-classes, as the tests see them on the classpath. */
final class Crds {
  static final String REGENERATE = "mvn -o -pl operator process-classes -Pupdate-crds";
  static final String SUFFIX = ".ferry.dev-v1.yml";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static SortedMap<String, Path> files;
  private static Map<String, JsonNode> byKind;

  private Crds() {
  }

  /** The repository root, handed over by surefire as ferry.projectRoot. */
  static Path projectRoot() {
    String root = System.getProperty("ferry.projectRoot");
    if (root == null || root.isBlank()) {
      throw new IllegalStateException("system property ferry.projectRoot is not set (surefire sets it)");
    }
    return Path.of(root).toAbsolutePath().normalize();
  }

  /** Generated CRD files by file name, e.g. trainingpipelines.ferry.dev-v1.yml. */
  static synchronized SortedMap<String, Path> generatedFiles() {
    if (files == null) {
      SortedMap<String, Path> found = new TreeMap<>();
      try {
        Enumeration<URL> dirs = Crds.class.getClassLoader().getResources("META-INF/fabric8");
        for (URL dir : Collections.list(dirs)) {
          if (!"file".equals(dir.getProtocol())) {
            continue; // a jar's own CRDs, not ours
          }
          try (Stream<Path> list = Files.list(Path.of(dir.toURI()))) {
            list.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                .forEach(f -> found.put(f.getFileName().toString(), f));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
      if (found.isEmpty()) {
        throw new IllegalStateException("no META-INF/fabric8/*" + SUFFIX + " on the test classpath; run " + REGENERATE);
      }
      files = Collections.unmodifiableSortedMap(found);
    }
    return files;
  }

  /** Every generated CRD, parsed, by kind (TrainingPipeline, ...). */
  static synchronized Map<String, JsonNode> byKind() {
    if (byKind == null) {
      Map<String, JsonNode> kinds = new TreeMap<>();
      generatedFiles().values().forEach(f -> {
        JsonNode crd = parse(read(f));
        kinds.put(crd.at("/spec/names/kind").asText(), crd);
      });
      byKind = Collections.unmodifiableMap(kinds);
    }
    return byKind;
  }

  /** The generated CRD of a kind as YAML text, or null for a kind Ferry does not define. */
  static String yaml(String kind) {
    JsonNode crd = byKind().get(kind);
    return crd == null ? null : read(generatedFiles().get(crd.at("/spec/names/plural").asText() + SUFFIX));
  }

  /** The openAPIV3Schema of the CRD's storage version (Ferry serves one version). */
  static JsonNode openApiSchema(JsonNode crd) {
    for (JsonNode version : crd.at("/spec/versions")) {
      if (version.path("storage").asBoolean()) {
        return version.at("/schema/openAPIV3Schema");
      }
    }
    throw new IllegalArgumentException("no storage version in CRD " + crd.at("/metadata/name").asText());
  }

  static JsonNode parse(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
