package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What kubectl shows of Ferry's kinds: explain texts, short names, status, printer columns. */
class CrdSchemaTest {
  private static final Map<String, String> SHORT_NAMES = Map.of(
      "TrainingPipeline", "tp", "TrainingRun", "tr", "ModelVersion", "mv", "ModelDeployment", "md", "DriftPolicy", "dp");
  /**
   * Kubernetes' own types embedded in Ferry's (EnvVar, ResourceRequirements, Condition, a pod's
   * placement fields, an autoscaler's metrics and behavior; "parent.field" where the name alone is
   * also one of Ferry's) carry no descriptions in Fabric8's model; the field itself has one.
   */
  static final Set<String> EMBEDDED_KUBERNETES_TYPES = Set.of("env", "resources", "conditions", "tolerations",
      "affinity", "imagePullSecrets", "autoscaling.metrics", "autoscaling.behavior");

  @Test
  void theFiveKindsAreGenerated() {
    assertThat(Crds.byKind().keySet()).containsExactlyInAnyOrderElementsOf(SHORT_NAMES.keySet());
  }

  @Test
  void everyPropertyHasADescription() {
    List<String> missing = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    Crds.byKind().forEach((kind, crd) -> undescribed(Crds.openApiSchema(crd), kind, missing, seen));
    assertThat(seen).as("properties walked").hasSizeGreaterThan(100);
    assertThat(missing).as("properties without a description (kubectl explain shows nothing for them)").isEmpty();
  }

  /**
   * The API server compiles patterns with Go's RE2, which Java's regex accepts more than: no
   * lookaround or backreference, possessive or atomic groups, and no repeat count above 1000 (a
   * pattern the server refuses makes the whole CRD fail to install; seen on the real control plane).
   */
  @Test
  void everyPatternIsOneGosRegexpAccepts() {
    Pattern unsupported = Pattern.compile("\\(\\?[=!<>]|\\\\[1-9]|[*+?}]\\+");
    Pattern repeat = Pattern.compile("\\{(\\d+)(,(\\d*))?\\}");
    List<String> refused = new ArrayList<>();
    Crds.byKind().forEach((kind, crd) -> crd.findValues("pattern").forEach(node -> {
      String pattern = node.asText();
      // Inside a character class * + ? } are plain characters.
      if (unsupported.matcher(pattern.replaceAll("\\[(\\\\.|[^\\]\\\\])*\\]", "x")).find()) {
        refused.add(kind + ": " + pattern + " (not RE2)");
      }
      Matcher m = repeat.matcher(pattern);
      while (m.find()) {
        int n = Integer.parseInt(m.group(1));
        int upTo = m.group(3) == null || m.group(3).isEmpty() ? n : Integer.parseInt(m.group(3));
        if (Math.max(n, upTo) > 1000) {
          refused.add(kind + ": " + pattern + " (RE2 repeats at most 1000 times)");
        }
      }
    }));
    assertThat(refused).isEmpty();
  }

  /** Walks properties, array items and map values; does not descend into embedded Kubernetes types. */
  private static void undescribed(JsonNode schema, String path, List<String> missing, List<String> seen) {
    if (!schema.isObject()) {
      return;
    }
    schema.path("properties").fields().forEachRemaining(p -> {
      String child = path + "." + p.getKey();
      seen.add(child);
      if (p.getValue().path("description").asText().isBlank()) {
        missing.add(child);
      }
      String parent = path.substring(path.lastIndexOf('.') + 1);
      if (!EMBEDDED_KUBERNETES_TYPES.contains(p.getKey()) && !EMBEDDED_KUBERNETES_TYPES.contains(parent + "." + p.getKey())) {
        undescribed(p.getValue(), child, missing, seen);
      }
    });
    undescribed(schema.path("items"), path + "[]", missing, seen);
    undescribed(schema.path("additionalProperties"), path + "{}", missing, seen);
  }

  /** self.xs.all(a, self.xs.exists_one(b, b.key == a.key)): the uniqueness idiom, cost items² x key length. */
  private static final Pattern UNIQUENESS_RULE =
      Pattern.compile("self\\.(\\w+)\\.all\\((\\w+), self\\.\\1\\.exists_one\\((\\w+), \\3\\.(\\w+) == \\2\\.\\4\\)\\)");

  /**
   * The API server refuses a CRD whose CEL rules may cost too much, estimating from maxItems and
   * maxLength (unbounded means "as big as a request"). An unbounded uniqueness rule is refused
   * by a factor of over 100, so its list and key must be bounded. (400 items of 128 characters fit,
   * checked with k8s.io/apiextensions-apiserver's own CRD validation.)
   */
  @Test
  void uniquenessRulesIterateBoundedLists() {
    List<String> unbounded = new ArrayList<>();
    List<String> found = new ArrayList<>();
    Crds.byKind().forEach((kind, crd) -> uniquenessRules(Crds.openApiSchema(crd), kind, found, unbounded));
    assertThat(found).as("uniqueness rules found").hasSizeGreaterThanOrEqualTo(5);
    assertThat(unbounded).as("lists and keys of uniqueness rules without maxItems/maxLength").isEmpty();
  }

  private static void uniquenessRules(JsonNode schema, String path, List<String> found, List<String> unbounded) {
    if (!schema.isObject()) {
      return;
    }
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      Matcher m = UNIQUENESS_RULE.matcher(validation.path("rule").asText());
      if (m.find()) {
        JsonNode list = schema.path("properties").path(m.group(1));
        found.add(path + "." + m.group(1));
        if (!list.has("maxItems")) {
          unbounded.add(path + "." + m.group(1) + " (maxItems)");
        }
        if (!list.at("/items/properties/" + m.group(4)).has("maxLength")) {
          unbounded.add(path + "." + m.group(1) + "[]." + m.group(4) + " (maxLength)");
        }
      }
    }
    schema.path("properties").fields().forEachRemaining(p -> uniquenessRules(p.getValue(), path + "." + p.getKey(), found, unbounded));
    uniquenessRules(schema.path("items"), path + "[]", found, unbounded);
  }

  @Test
  void everyKindHasItsShortName() {
    Crds.byKind().forEach((kind, crd) -> {
      List<String> names = new ArrayList<>();
      crd.at("/spec/names/shortNames").forEach(n -> names.add(n.asText()));
      assertThat(names).as("short names of " + kind).containsExactly(SHORT_NAMES.get(kind));
    });
  }

  @Test
  void everyKindHasAStatusSubresource() {
    Crds.byKind().forEach((kind, crd) -> crd.at("/spec/versions").forEach(version -> {
      assertThat(version.at("/subresources/status").isObject()).as(kind + " /status subresource").isTrue();
      assertThat(version.at("/schema/openAPIV3Schema/properties/status/properties").size()).as(kind + " status fields").isPositive();
    }));
  }

  @Test
  void everyKindHasPrinterColumnsThatPointAtRealFields() {
    Crds.byKind().forEach((kind, crd) -> crd.at("/spec/versions").forEach(version -> {
      JsonNode columns = version.path("additionalPrinterColumns");
      assertThat(columns.size()).as(kind + " printer columns").isGreaterThanOrEqualTo(3);
      JsonNode schema = version.at("/schema/openAPIV3Schema");
      columns.forEach(column -> assertThat(resolves(schema, column.path("jsonPath").asText()))
          .as(kind + " column " + column.path("name").asText() + " (" + column.path("jsonPath").asText() + ") names a field of the schema")
          .isTrue());
    }));
  }

  /** Whether a printer column's JSONPath (.spec.x, .status.conditions[?(...)].status) names a schema field; metadata is free. */
  static boolean resolves(JsonNode schema, String jsonPath) {
    JsonNode node = schema;
    for (String segment : jsonPath.replaceAll("\\[[^]]*]", "[]").substring(1).split("\\.")) {
      if (node == schema && segment.equals("metadata")) {
        return true;
      }
      boolean array = segment.endsWith("[]");
      node = node.path("properties").path(array ? segment.substring(0, segment.length() - 2) : segment);
      if (array) {
        node = node.path("items");
      }
      if (node.isMissingNode()) {
        return false;
      }
    }
    return true;
  }

  @Test
  void printerColumnPathsAreCheckedAgainstTheSchema() {
    JsonNode schema = Crds.openApiSchema(Crds.byKind().get("TrainingPipeline"));
    assertThat(resolves(schema, ".status.conditions[?(@.type==\"Ready\")].status")).isTrue();
    assertThat(resolves(schema, ".metadata.creationTimestamp")).isTrue();
    assertThat(resolves(schema, ".status.lastRun.nmae")).isFalse();
  }
}
