package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.Examples.Document;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every ferry.dev document under examples/ is what the API server would accept, field for field. */
class ExamplesValidateAgainstCrdsTest {

  @TestFactory
  Stream<DynamicNode> everyExampleDocumentMatchesItsCrd() {
    return Examples.files().stream().map(file -> dynamicContainer(Examples.name(file), documentTests(file)));
  }

  private static Stream<DynamicNode> documentTests(Path file) {
    List<Document> documents;
    try {
      documents = Examples.documents(file);
    } catch (RuntimeException e) {
      return Stream.of(dynamicTest("parses", () -> fail(e.getMessage(), e)));
    }
    // Built-in kinds beside Ferry's (a Secret, a ConfigMap) are the API server's to check, not these CRDs'.
    return documents.stream().filter(Examples.Document::isFerry).map(doc -> dynamicTest(doc.label(), () -> {
      checkKind(doc).ifPresent(problem -> fail(where(doc) + problem));
      List<String> violations = StrictSchema.violations(doc.kind(), doc.content());
      if (!violations.isEmpty()) {
        fail(where(doc) + "does not match the " + doc.kind() + " CRD:\n  " + String.join("\n  ", violations));
      }
    }));
  }

  /** A Ferry document must name ferry.dev/v1alpha1 and a kind the CRDs define. */
  static Optional<String> checkKind(Document doc) {
    if (!Crds.byKind().containsKey(doc.kind())) {
      return Optional.of("kind '" + doc.kind() + "' is not a Ferry kind; Ferry defines " + Crds.byKind().keySet());
    }
    if (!Examples.API_VERSION.equals(doc.apiVersion())) {
      return Optional.of("apiVersion is '" + doc.apiVersion() + "', expected " + Examples.API_VERSION);
    }
    return Optional.empty();
  }

  private static String where(Document doc) {
    return Examples.name(doc.file()) + " document " + doc.label() + ": ";
  }

  @Test
  void theExamplesShowEveryKind() {
    Set<String> shown = new TreeSet<>();
    Examples.ferryDocuments().forEach(d -> shown.add(d.kind()));
    assertThat(shown).as("kinds used in examples/").containsAll(Crds.byKind().keySet());
  }

  @Test
  void aMisspelledFieldIsRejectedWithItsPointer() {
    ObjectNode pipeline = churnPipeline();
    ObjectNode train = (ObjectNode) pipeline.at("/spec/steps/1");
    train.set("imagee", train.remove("image"));

    assertThat(StrictSchema.violations("TrainingPipeline", pipeline))
        .anySatisfy(v -> assertThat(v).startsWith("/spec/steps/1/imagee:"));
  }

  @Test
  void aWrongTypeIsRejectedWithItsPointer() {
    ObjectNode pipeline = churnPipeline();
    ((ObjectNode) pipeline.get("spec")).put("runHistoryLimit", "ten");
    ((ObjectNode) pipeline.at("/spec/triggers")).put("onDatasetChange", "yes");

    assertThat(StrictSchema.violations("TrainingPipeline", pipeline))
        .anySatisfy(v -> assertThat(v).startsWith("/spec/runHistoryLimit:").contains("integer"))
        .anySatisfy(v -> assertThat(v).startsWith("/spec/triggers/onDatasetChange:").contains("boolean"));
  }

  @Test
  void aMissingRequiredFieldAndABadEnumAreRejected() {
    ObjectNode pipeline = churnPipeline();
    ((ObjectNode) pipeline.at("/spec/dataset")).remove("uri");
    ((ObjectNode) pipeline.at("/spec/dataset")).put("format", "parquet");

    assertThat(StrictSchema.violations("TrainingPipeline", pipeline))
        .anySatisfy(v -> assertThat(v).startsWith("/spec/dataset/uri:"))
        .anySatisfy(v -> assertThat(v).startsWith("/spec/dataset/format:"));
  }

  @Test
  void boundsAreEnforced() {
    ObjectNode pipeline = churnPipeline();
    ArrayNode columns = (ArrayNode) pipeline.at("/spec/dataset/schema/columns");
    columns.removeAll();
    for (int i = 0; i <= 400; i++) {
      columns.addObject().put("name", "c" + i);
    }
    assertThat(StrictSchema.violations("TrainingPipeline", pipeline)).singleElement().asString()
        .startsWith("/spec/dataset/schema/columns:").contains("400");

    columns.removeAll();
    columns.addObject().put("name", "x".repeat(129));
    assertThat(StrictSchema.violations("TrainingPipeline", pipeline)).singleElement().asString()
        .startsWith("/spec/dataset/schema/columns/0/name:").contains("128");
  }

  @Test
  void metadataIsFreeButTheRootIsNot() {
    ObjectNode pipeline = churnPipeline();
    ((ObjectNode) pipeline.get("metadata")).putObject("annotations").put("ferry.dev/run-now", "1");
    assertThat(StrictSchema.violations("TrainingPipeline", pipeline)).isEmpty();

    pipeline.putObject("specs");
    assertThat(StrictSchema.violations("TrainingPipeline", pipeline)).singleElement().asString().startsWith("/specs:");
  }

  @Test
  void embeddedKubernetesTypesAreCheckedToo() {
    ObjectNode pipeline = churnPipeline();
    ((ObjectNode) pipeline.at("/spec/steps/1")).putArray("env").addObject().put("name", "A").put("vaule", "1");
    assertThat(StrictSchema.violations("TrainingPipeline", pipeline)).containsExactly(
        "/spec/steps/1/env/0/vaule: property 'vaule' is not defined in the schema and the schema does not allow additional properties");
  }

  @Test
  void anUnknownKindOrVersionIsReported() {
    JsonNode typo = Crds.parse("{apiVersion: ferry.dev/v1alpha1, kind: TrainingPipline, metadata: {name: x}}");
    JsonNode version = Crds.parse("{apiVersion: ferry.dev/v1, kind: TrainingPipeline, metadata: {name: x}}");
    JsonNode group = Crds.parse("{apiVersion: v1, kind: ModelDeployment, metadata: {name: x}}");

    assertThat(checkKind(new Document(Path.of("x.yaml"), 0, typo))).get().asString().contains("'TrainingPipline' is not a Ferry kind");
    assertThat(checkKind(new Document(Path.of("x.yaml"), 0, version))).get().asString().contains("expected ferry.dev/v1alpha1");
    Document coreGroup = new Document(Path.of("x.yaml"), 0, group);
    assertThat(coreGroup.isFerry()).isTrue();
    assertThat(checkKind(coreGroup)).isPresent();
  }

  /** examples/training-pipeline.yaml, a copy to spoil. */
  private static ObjectNode churnPipeline() {
    Path file = Examples.root().resolve("training-pipeline.yaml");
    JsonNode doc = Examples.documents(file).stream().filter(d -> d.kind().equals("TrainingPipeline")).findFirst().orElseThrow().content();
    assertThat(StrictSchema.violations("TrainingPipeline", doc)).as("the example itself is valid").isEmpty();
    return doc.deepCopy();
  }
}
