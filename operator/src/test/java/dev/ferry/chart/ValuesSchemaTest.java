package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A wrong value fails `helm install` with a message that names the field and what it should be,
 * by values.schema.json or, for what a schema cannot say, by the chart's own checks.
 */
class ValuesSchemaTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      replicas: two                                    | replicas: Invalid type. Expected: integer, given: string
      logFormat: xml                                   | logFormat: logFormat must be one of the following: "json", "text"
      logLevel: verbose                                | logLevel: logLevel must be one of the following
      image: {pullPolicy: Sometimes}                   | image.pullPolicy: image.pullPolicy must be one of the following
      image: {repository: 'ghcr.io/ferry-ml/ferry:1'}  | image.repository: Does not match pattern
      watchNamespaces: a,b                             | watchNamespaces: Invalid type. Expected: array, given: string
      watchNamespaces: [Team_A]                        | watchNamespaces.0: Does not match pattern
      watchNamespace: [a]                              | Additional property watchNamespace is not allowed
      leaderElection: {enabled: 'yes'}                 | leaderElection.enabled: Invalid type. Expected: boolean, given: string
      metrics: {port: 80}                              | metrics.port: Must be greater than or equal to 1024
      extraEnv: [{value: x}]                           | extraEnv.0: name is required
      podDisruptionBudget: {maxUnavailable: 0}         | podDisruptionBudget.maxUnavailable
      replicas: 2                                      | replicas is 2 but leaderElection.enabled is false
      extraEnv: [{name: FERRY_LOG_LEVEL, value: x}]    | extraEnv sets FERRY_LOG_LEVEL, which the chart sets from its values
      watchNamespaces: [a, a]                          | watchNamespaces lists a twice
      metrics: {service: {enabled: false}, serviceMonitor: {enabled: true}} | metrics.serviceMonitor.enabled needs metrics.service.enabled
      """)
  void aWrongValueFailsWithAMessageNamingIt(String values, String message) {
    assertThat(ChartRender.failure(values)).contains(message.strip());
  }

  /** values.yaml documents every value the schema knows, and the schema checks every value values.yaml has. */
  @Test
  void valuesAndSchemaDescribeTheSameFields() throws Exception {
    JsonNode values = ChartRender.YAML.readTree(Files.readString(ChartRender.chart().resolve("values.yaml")));
    JsonNode schema = ChartRender.YAML.readTree(Files.readString(ChartRender.chart().resolve("values.schema.json")));
    Set<String> inValues = new TreeSet<>();
    Set<String> inSchema = new TreeSet<>();
    paths("", values, inValues);
    schemaPaths("", schema, inSchema);
    inSchema.remove("global");
    assertThat(inValues).as("fields of values.yaml").isEqualTo(inSchema);
  }

  /** Paths down to the objects the schema describes property by property; free-form maps stop there. */
  private static void paths(String prefix, JsonNode node, Set<String> out) {
    node.fieldNames().forEachRemaining(name -> {
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(path);
      if (Set.of("image", "leaderElection", "metrics", "metrics.service", "metrics.serviceMonitor", "grafanaDashboard",
          "prometheusRule", "podDisruptionBudget", "rbac").contains(path)) {
        paths(path, node.get(name), out);
      }
    });
  }

  private static void schemaPaths(String prefix, JsonNode schema, Set<String> out) {
    JsonNode properties = schema.path("properties");
    properties.fieldNames().forEachRemaining(name -> {
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(path);
      JsonNode property = properties.get(name);
      if (property.has("properties") && !property.path("additionalProperties").isObject()
          && !Set.of("resources").contains(path)) {
        schemaPaths(path, property, out);
      }
    });
  }
}
