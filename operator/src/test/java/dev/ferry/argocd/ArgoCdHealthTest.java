package dev.ferry.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Ferry's Argo CD health checks (helm/ferry/argocd/health/*.lua), run on sample objects of each kind. */
class ArgoCdHealthTest {
  /** Every status Argo CD knows; a health check returns one of them. */
  static final Set<String> ARGO_STATUSES = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
  /** The statuses each kind can reach, each shown by at least one sample. */
  static final Map<String, Set<String>> REACHABLE = Map.of(
      "TrainingPipeline", Set.of("Progressing", "Healthy", "Degraded"),
      "TrainingRun", Set.of("Progressing", "Healthy", "Degraded"),
      "ModelVersion", Set.of("Progressing", "Healthy", "Degraded"),
      "ModelDeployment", Set.of("Progressing", "Healthy", "Degraded", "Suspended"),
      "DriftPolicy", Set.of("Progressing", "Healthy", "Degraded"));
  static final Map<String, Class<?>> TYPES = Map.of("TrainingPipeline", TrainingPipeline.class,
      "TrainingRun", TrainingRun.class, "ModelVersion", ModelVersion.class, "ModelDeployment", ModelDeployment.class,
      "DriftPolicy", DriftPolicy.class);
  /** Unknown fields fail, also where a model class has an any-setter. */
  static final ObjectMapper STRICT = new ObjectMapper()
      .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public Boolean hasAnySetter(Annotated a) {
          return Boolean.FALSE;
        }
      })
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  static Stream<Arguments> samples() {
    return Samples.KINDS.stream().flatMap(kind -> Samples.of(kind).stream()
        .map(s -> Arguments.of(kind, s.at("/metadata/name").asText(), s)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("samples")
  void healthOfEachSample(String kind, String name, ObjectNode sample) {
    JsonNode health = ArgoLua.health(kind, sample);
    assertThat(health.path("status").asText()).as("%s %s: status (message: %s)", kind, name, health.path("message"))
        .isEqualTo(Samples.expected(sample, Samples.HEALTH));
    assertThat(health.path("message").asText()).as("%s %s: message", kind, name)
        .contains(Samples.expected(sample, Samples.MESSAGE));
  }

  /** The samples have the shape Ferry writes: they map onto its API classes with no unknown field. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("samples")
  void eachSampleHasTheRealStatusShape(String kind, String name, ObjectNode sample) throws Exception {
    STRICT.treeToValue(sample, TYPES.get(kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"TrainingPipeline", "TrainingRun", "ModelVersion", "ModelDeployment", "DriftPolicy"})
  void everyReachableStatusIsShownAndNoOther(String kind) {
    Set<String> shown = new TreeSet<>();
    for (ObjectNode sample : Samples.of(kind)) {
      shown.add(ArgoLua.health(kind, sample).path("status").asText());
    }
    assertThat(shown).isEqualTo(new TreeSet<>(REACHABLE.get(kind)));
    assertThat(ARGO_STATUSES).containsAll(shown);
  }

  /** Argo CD may see an object the moment it is created: no status, no generation, no annotations. */
  @ParameterizedTest
  @ValueSource(strings = {"TrainingPipeline", "TrainingRun", "ModelVersion", "ModelDeployment", "DriftPolicy"})
  void aBareNewObjectIsProgressing(String kind) throws Exception {
    JsonNode bare = ArgoLua.YAML.readTree("{apiVersion: ferry.dev/v1alpha1, kind: " + kind + ", metadata: {name: x}}");
    assertThat(ArgoLua.health(kind, bare).path("status").asText()).isEqualTo("Progressing");
  }

  @Test
  void thereIsOneHealthCheckPerKindAndNoOther() throws Exception {
    try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(ArgoLua.dir().resolve("health"))) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrderElementsOf(
          Samples.KINDS.stream().map(k -> k + ".lua").toList());
    }
    assertThat(REACHABLE.keySet()).containsExactlyInAnyOrderElementsOf(List.copyOf(Samples.KINDS));
  }
}
