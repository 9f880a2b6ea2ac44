package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The example manifests under examples/ (recursively), one YAML document at a time. */
final class Examples {
  static final String API_VERSION = "ferry.dev/v1alpha1";

  private Examples() {
  }

  /** One document of an example file; index counts from 0 in the file. */
  record Document(Path file, int index, JsonNode content) {
    String apiVersion() {
      return content.path("apiVersion").asText("");
    }

    String kind() {
      return content.path("kind").asText("");
    }

    /** Whether it claims to be one of Ferry's objects: group ferry.dev, or a kind Ferry defines. */
    boolean isFerry() {
      return apiVersion().startsWith("ferry.dev/") || Crds.byKind().containsKey(kind());
    }

    /** e.g. "#1 ModelDeployment/churn", for test names and messages. */
    String label() {
      return "#" + index + " " + (kind().isEmpty() ? "(no kind)" : kind())
          + "/" + content.at("/metadata/name").asText(content.at("/metadata/generateName").asText("?"));
    }
  }

  static Path root() {
    return Crds.projectRoot().resolve("examples");
  }

  /** examples/**.yaml and .yml, sorted. */
  static List<Path> files() {
    try (Stream<Path> walk = Files.walk(root())) {
      return walk.filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file's path relative to the project root, e.g. examples/drift-policy.yaml. */
  static String name(Path file) {
    return Crds.projectRoot().relativize(file).toString();
  }

  /** Every non-empty document of a file. */
  static List<Document> documents(Path file) {
    List<Document> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = Crds.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      int index = 0;
      while (it.hasNext()) {
        JsonNode content = it.next();
        if (content != null && !content.isNull() && !content.isMissingNode()) {
          documents.add(new Document(file, index, content));
        }
        index++;
      }
    } catch (IOException | RuntimeException e) { // Jackson reports a YAML error in hasNext() unchecked
      throw new IllegalArgumentException(name(file) + " is not valid YAML: " + e.getMessage(), e);
    }
    return documents;
  }

  /** Every Ferry document of every example file. */
  static List<Document> ferryDocuments() {
    return files().stream().flatMap(f -> documents(f).stream()).filter(Document::isFerry).toList();
  }
}
