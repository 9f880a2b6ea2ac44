package dev.ferry.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The sample objects of src/test/resources/argocd/<Kind>.yaml, each with the health it must get. */
final class Samples {
  static final List<String> KINDS = List.of("TrainingPipeline", "TrainingRun", "ModelVersion", "ModelDeployment", "DriftPolicy");
  static final String HEALTH = "test.ferry.dev/health";
  static final String MESSAGE = "test.ferry.dev/message";

  private Samples() {
  }

  static List<ObjectNode> of(String kind) {
    List<ObjectNode> out = new ArrayList<>();
    try (InputStream in = Samples.class.getResourceAsStream("/argocd/" + kind + ".yaml")) {
      if (in == null) {
        throw new IllegalStateException("no samples for " + kind + " in src/test/resources/argocd/");
      }
      try (MappingIterator<JsonNode> docs = ArgoLua.YAML.readerFor(JsonNode.class).readValues(in)) {
        while (docs.hasNext()) {
          out.add((ObjectNode) docs.next());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static ObjectNode named(String kind, String name) {
    return of(kind).stream().filter(s -> name.equals(s.at("/metadata/name").asText())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + kind + " sample named " + name));
  }

  static String expected(JsonNode sample, String annotation) {
    return sample.at("/metadata/annotations").path(annotation).asText();
  }
}
