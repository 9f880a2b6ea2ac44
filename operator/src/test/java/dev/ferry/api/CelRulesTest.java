package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.ferry.admission.CelRules;
import dev.ferry.admission.CelRules.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The CEL rules (x-kubernetes-validations) of the generated CRDs, evaluated as the API server would. */
class CelRulesTest {
  private static final String URI_MESSAGE = "uri must be pvc://claim/path, http(s)://..., s3://bucket/key, gs://bucket/key, file:/... or an absolute path";

  @Test
  void everyRuleCompilesAgainstItsSchema() {
    List<Rule> all = new ArrayList<>();
    Crds.byKind().forEach((kind, crd) -> {
      CelRules validator = CelRules.of(Crds.yaml(kind));
      assertThat(validator.compileErrors()).as(kind + " rules that do not compile").isEmpty();
      all.addAll(validator.rules());
    });
    assertThat(all).hasSizeGreaterThanOrEqualTo(40);
    assertThat(CelRules.of(Crds.yaml("TrainingPipeline")).rules()).extracting(Rule::path).contains(
        "spec", "spec.steps[*]", "spec.dataset.uri", "spec.dataset.schema", "spec.dataset.schema.columns[*]",
        "spec.validation.metrics[*]");
  }

  @Test
  void aBrokenRuleIsACompileError() {
    String crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: things.ferry.dev}
        spec:
          names: {kind: Thing, plural: things}
          versions:
            - name: v1alpha1
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        steps: {type: array, items: {type: object, properties: {name: {type: string}}}}
                        min: {type: number}
                      x-kubernetes-validations:
                        - rule: "self.stpes.all(s, s.name != '')"
                        - rule: "self.min == 'zero'"
                        - rule: "self.steps.map(s, s.name)"
                        - rule: "self.steps.all(s, s.name != '')"
                        - rule: "self.steps.all(s, "
        """;
    Map<Rule, String> errors = CelRules.of(crd).compileErrors();
    assertThat(errors).hasSize(4);
    assertThat(errors.values()).anySatisfy(e -> assertThat(e).contains("undefined field 'stpes'"))
        .anySatisfy(e -> assertThat(e).contains("no matching overload"))
        .anySatisfy(e -> assertThat(e).contains("not bool"))
        .anySatisfy(e -> assertThat(e).contains("mismatched input"));
  }

  @TestFactory
  Stream<DynamicTest> everyExamplePassesEveryRule() {
    return Examples.ferryDocuments().stream().map(doc -> {
      String name = Examples.name(doc.file()) + " document " + doc.label();
      return dynamicTest(name, () -> {
        String crd = Crds.yaml(doc.kind());
        assertThat(crd).as(name + ": CRD of " + doc.kind()).isNotNull();
        assertThat(CelRules.violations(crd, doc.content(), null)).as(name + " on create").isEmpty();
        assertThat(CelRules.violations(crd, doc.content(), doc.content())).as(name + " on an update that changes nothing").isEmpty();
      });
    });
  }

  @Nested
  class TrainingPipelineRules {
    @Test
    void stepNamesAreUnique() {
      assertThat(create("TrainingPipeline", pipeline("[{name: train, image: a}, {name: train, image: b}]")))
          .containsExactly("spec: steps[].name must be unique");
      assertThat(create("TrainingPipeline", pipeline("[{name: validate, builtin: validate-data}, {name: train, image: b}]")))
          .isEmpty();
    }

    @Test
    void aStepSetsExactlyOneOfImageOrBuiltin() {
      assertThat(create("TrainingPipeline", pipeline("[{name: both, image: a, builtin: validate-data}, {name: neither}]")))
          .containsExactly(
              "spec.steps[0]: a step sets exactly one of image or builtin",
              "spec.steps[1]: a step sets exactly one of image or builtin");
    }

    @Test
    void aBuiltinStepTakesNoCommand() {
      assertThat(create("TrainingPipeline", pipeline("[{name: validate, builtin: validate-data, command: [sh]}]")))
          .containsExactly("spec.steps[0]: a builtin step takes no command");
      assertThat(create("TrainingPipeline", pipeline("[{name: validate, builtin: validate-data, args: [--strict]}, {name: t, image: a, command: [sh]}]")))
          .isEmpty();
    }

    @Test
    void aMetricGateNeedsMinOrMaxAndMinNotAboveMax() {
      assertThat(create("TrainingPipeline", pipeline("[{name: t, image: a}]") + """
          validation:
            metrics:
              - {name: auc}
              - {name: loss, min: 1, max: 0.5}
              - {name: accuracy, min: 0.8, max: 0.8}
              - {name: f1, max: 1}
          """)).containsExactly(
          "spec.validation.metrics[0]: a metric gate needs min or max",
          "spec.validation.metrics[1]: min must not exceed max");
    }

    @Test
    void columnMinIsNotAboveMax() {
      assertThat(create("TrainingPipeline", withColumns("[{name: tenure, type: integer, min: 120, max: 0}]")))
          .containsExactly("spec.dataset.schema.columns[0]: min must not exceed max");
      assertThat(create("TrainingPipeline", withColumns("[{name: tenure, type: number, min: 0, max: 0.5}]"))).isEmpty();
    }

    @Test
    void valuesAreOnlyForCategoryColumns() {
      assertThat(create("TrainingPipeline", withColumns("""
          [{name: plan, type: string, values: [basic]}, {name: tier, values: [gold]}, {name: ok, type: category, values: [a, b]}]
          """))).containsExactly(
          "spec.dataset.schema.columns[0]: values applies only to type category",
          "spec.dataset.schema.columns[1]: values applies only to type category");
    }

    @Test
    void minAndMaxAreOnlyForNumericColumnsWhoseTypeDefaultsToNumber() {
      assertThat(create("TrainingPipeline", withColumns("[{name: plan, type: category, min: 0}, {name: churned, type: boolean, max: 1}]")))
          .containsExactly(
              "spec.dataset.schema.columns[0]: min and max apply only to type number or integer",
              "spec.dataset.schema.columns[1]: min and max apply only to type number or integer");
      assertThat(create("TrainingPipeline", withColumns("[{name: tenure, min: 0, max: 120}]"))).as("type omitted: number").isEmpty();
    }

    @Test
    void columnNamesAreUnique() {
      assertThat(create("TrainingPipeline", withColumns("[{name: tenure}, {name: tenure, type: integer}]")))
          .containsExactly("spec.dataset.schema: columns[].name must be unique");
    }

    @Test
    void theDatasetUriHasAKnownScheme() {
      for (String good : List.of("pvc://datasets/churn.csv", "https://data.example/churn.csv", "file:/data/churn.csv", "/data/churn.csv")) {
        assertThat(create("TrainingPipeline", withDataset(good))).as(good).isEmpty();
      }
      for (String bad : List.of("ftp://bucket/churn.csv", "data/churn.csv", "pvc:/datasets/churn.csv")) {
        assertThat(create("TrainingPipeline", withDataset(bad))).as(bad).containsExactly("spec.dataset.uri: " + URI_MESSAGE);
      }
    }

    private static String pipeline(String steps) {
      return """
          model: churn
          dataset: {uri: pvc://datasets/churn.csv}
          steps: %s
          """.formatted(steps);
    }

    private static String withColumns(String columns) {
      return """
          model: churn
          dataset: {uri: pvc://datasets/churn.csv, schema: {columns: %s}}
          steps: [{name: t, image: a}]
          """.formatted(columns.strip());
    }

    private static String withDataset(String uri) {
      return """
          model: churn
          dataset: {uri: "%s"}
          steps: [{name: t, image: a}]
          """.formatted(uri);
    }
  }

  @Nested
  class ImmutableSpecs {
    private static final String VERSION = """
        model: churn
        version: 7
        artifact: {uri: pvc://models/churn/v7/}
        metrics: {auc: 0.91, accuracy: 1}
        lineage: {run: churn-r7, hyperparameters: {epochs: "20"}}
        """;

    @Test
    void aModelVersionSpecNeverChanges() {
      assertThat(update("ModelVersion", VERSION, VERSION)).isEmpty();
      assertThat(update("ModelVersion", VERSION, VERSION.replace("accuracy: 1", "accuracy: 1.0")))
          .as("the same number written differently").isEmpty();
      assertThat(update("ModelVersion", VERSION, VERSION.replace("auc: 0.91", "auc: 0.95")))
          .containsExactly("spec: a ModelVersion's spec is immutable; register a new version instead");
      assertThat(update("ModelVersion", VERSION, VERSION.replace("lineage: {run: churn-r7, ", "lineage: {")))
          .containsExactly("spec: a ModelVersion's spec is immutable; register a new version instead");
      assertThat(create("ModelVersion", VERSION.replace("auc: 0.91", "auc: 0.95"))).as("create has no old spec").isEmpty();
    }

    @Test
    void statusMayChangeUnderAnImmutableSpec() {
      Map<String, Object> old = object("ModelVersion", VERSION);
      Map<String, Object> changed = object("ModelVersion", VERSION);
      changed.put("status", Map.of("stage", "Production"));
      assertThat(CelRules.violations(Crds.yaml("ModelVersion"), changed, old)).isEmpty();
    }

    @Test
    void aTrainingRunSpecNeverChanges() {
      String run = """
          pipeline: churn
          trigger: {kind: Manual, reason: try 40 epochs}
          hyperparameters: {epochs: "40"}
          """;
      assertThat(update("TrainingRun", run, run)).isEmpty();
      assertThat(update("TrainingRun", run, run.replace("\"40\"", "\"50\"")))
          .containsExactly("spec: a TrainingRun's spec is immutable; create a new run instead");
    }
  }

  @Nested
  class ModelDeploymentRules {
    @Test
    void aCanaryNeedsSteps() {
      String message = "spec: rollout.strategy Canary needs at least one rollout.steps entry";
      assertThat(create("ModelDeployment", deployment("{strategy: Canary}"))).containsExactly(message);
      assertThat(create("ModelDeployment", deployment("{strategy: Canary, steps: []}"))).containsExactly(message);
      assertThat(create("ModelDeployment", deployment("{strategy: Canary, steps: [{weight: 50}]}"))).isEmpty();
      assertThat(create("ModelDeployment", deployment("{strategy: Recreate}"))).isEmpty();
      assertThat(create("ModelDeployment", deployment("{analysis: {failureLimit: 1}}"))).as("strategy omitted: Recreate").isEmpty();
    }

    @Test
    void anAnalysisMetricNeedsMinOrMaxAndMinNotAboveMax() {
      assertThat(create("ModelDeployment", deployment("""
          {strategy: Canary, steps: [{weight: 50}], analysis: {metrics: [
            {name: errors, prometheus: {address: "http://p:9090", query: q}},
            {name: latency, prometheus: {address: "http://p:9090", query: q}, min: 2, max: 1},
            {name: ok, prometheus: {address: "http://p:9090", query: q}, max: 0.01}]}}
          """))).containsExactly(
          "spec.rollout.analysis.metrics[0]: a metric check needs min or max",
          "spec.rollout.analysis.metrics[1]: min must not exceed max");
    }

    private static String deployment(String rollout) {
      return """
          model: churn
          server: {image: mlserver}
          rollout: %s
          """.formatted(rollout.strip());
    }
  }

  @Nested
  class DriftPolicyRules {
    @Test
    void featureNamesAreUnique() {
      assertThat(create("DriftPolicy", policy("[{name: tenure, test: psi}, {name: tenure, test: ks}]", "pvc://log/churn.csv")))
          .containsExactly("spec: features[].name must be unique");
      assertThat(create("DriftPolicy", policy("[{name: tenure, test: psi}, {name: plan, test: chi2}]", "pvc://log/churn.csv"))).isEmpty();
    }

    @Test
    void theCurrentDataUriHasAKnownScheme() {
      assertThat(create("DriftPolicy", policy("[]", "ftp://log/churn.csv"))).containsExactly("spec.current.uri: " + URI_MESSAGE);
    }

    @Test
    void aPerformanceCheckNeedsMinOrMax() {
      assertThat(create("DriftPolicy", policy("[]", "pvc://log/churn.csv") + """
          performance: [{name: accuracy, prometheus: {address: "http://p:9090", query: q}}]
          """)).containsExactly("spec.performance[0]: a metric check needs min or max");
    }

    private static String policy(String features, String currentUri) {
      return """
          deployment: churn
          schedule: "0 * * * *"
          current: {uri: "%s"}
          features: %s
          """.formatted(currentUri, features);
    }
  }

  @Test
  void aRuleThatErrorsRejectsTheObjectAndSaysWhy() {
    String crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: things.ferry.dev}
        spec:
          names: {kind: Thing, plural: things}
          versions:
            - name: v1alpha1
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties: {type: {type: string}}
                      x-kubernetes-validations: [{rule: "self.type == 'a'", message: type must be a}]
        """;
    assertThat(CelRules.violations(crd, Map.of("spec", Map.of("type", "a")), null)).isEmpty();
    assertThat(CelRules.violations(crd, Map.of("spec", Map.of("type", "b")), null)).containsExactly("spec: type must be a");
    assertThat(CelRules.violations(crd, Map.of("spec", Map.of()), null)).singleElement().asString()
        .startsWith("spec: error evaluating rule 'self.type == 'a'': ").contains("type");
  }

  private static List<String> create(String kind, String spec) {
    return CelRules.violations(Crds.yaml(kind), object(kind, spec), null);
  }

  private static List<String> update(String kind, String oldSpec, String newSpec) {
    return CelRules.violations(Crds.yaml(kind), object(kind, newSpec), object(kind, oldSpec));
  }

  /** A whole object of the kind with this spec (YAML), as the map an API server would decode. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String kind, String spec) {
    String yaml = "apiVersion: ferry.dev/v1alpha1\nkind: " + kind + "\nmetadata: {name: x, namespace: ml}\nspec:\n" + spec.indent(2);
    try {
      return Crds.YAML.readValue(yaml, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
