package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator's permissions are reviewed as a whole: the rendered rules must equal the golden
 * file, so any change to them shows up in review as a change to that file.
 */
class RbacRulesTest {
  static final Path GOLDEN = Path.of("operator/src/test/resources/golden/rbac-rules.yaml");
  static final String UPDATE = "mvn -o -q -pl operator test -Dtest=RbacRulesTest -Dferry.updateGolden=true";
  private static final String HEADER = """
      # The RBAC rules Ferry's chart grants the operator (helm/ferry/templates/_helpers.tpl), as
      # rendered; RbacRulesTest fails when they change. Each rule's reason is a comment there, and
      # docs/install.md explains them. After an intended change, review the diff of this file and
      # regenerate it with:
      #   %s
      # rules: in every watched namespace (a ClusterRole when watchNamespaces is empty).
      # leaseRules: in the Lease's namespace, with leaderElection.enabled.
      """.formatted(UPDATE);

  private static final ObjectMapper READABLE = new ObjectMapper(YAMLFactory.builder()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());

  @Test
  void renderedRulesMatchTheGoldenFile() throws IOException {
    List<ObjectNode> objects = ChartRender.objects("leaderElection: {enabled: true}");
    ObjectNode actual = ChartRender.YAML.createObjectNode();
    actual.set("rules", ChartRender.one(objects, "ClusterRole").orElseThrow().get("rules"));
    actual.set("leaseRules", ChartRender.ofKind(objects, "Role").stream()
        .filter(r -> r.at("/metadata/name").asText().endsWith("-leader-election")).findFirst().orElseThrow().get("rules"));
    Path golden = ChartRender.projectRoot().resolve(GOLDEN);
    String rendered = HEADER + READABLE.writeValueAsString(actual).replaceFirst("^---\n", "");
    if (Boolean.getBoolean("ferry.updateGolden")) {
      Files.writeString(golden, rendered);
    }
    assertThat(Files.exists(golden)).as("%s is missing; create it with: %s", GOLDEN, UPDATE).isTrue();
    JsonNode expected = ChartRender.YAML.readTree(Files.readString(golden));
    assertThat(actual).as("""
        The operator's RBAC rules changed. If that is intended, regenerate the golden file and review its diff:
          %s
        rendered rules:
        %s""", UPDATE, rendered).isEqualTo(expected);
  }

  @Test
  void namespacedRolesGrantExactlyWhatTheClusterRoleGrants() {
    JsonNode cluster = ChartRender.one(ChartRender.objects(Scenarios.DEFAULTS), "ClusterRole").orElseThrow().get("rules");
    List<ObjectNode> roles = ChartRender.ofKind(ChartRender.objects("watchNamespaces: [a, b]"), "Role").stream()
        .filter(r -> !r.at("/metadata/name").asText().endsWith("-webhook-secrets")).toList();
    assertThat(roles).extracting(ChartRender::describe).containsExactly("Role a/ferry", "Role b/ferry");
    assertThat(roles).allSatisfy(r -> assertThat(r.get("rules")).isEqualTo(cluster));
    assertThat(ChartRender.one(ChartRender.objects("watchNamespaces: [a, b]"), "ClusterRole"))
        .as("watching some namespaces grants nothing cluster-wide").isEmpty();
  }

  @Test
  void noRuleAnywhereUsesAWildcard() {
    List<String> wildcards = new ArrayList<>();
    for (String values : List.of(Scenarios.DEFAULTS, Scenarios.EVERYTHING, Scenarios.LEASE_ELSEWHERE)) {
      for (ObjectNode object : ChartRender.objects(values)) {
        if (!object.path("kind").asText().endsWith("Role")) {
          continue;
        }
        for (JsonNode rule : object.path("rules")) {
          for (String field : List.of("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs")) {
            rule.path(field).forEach(v -> {
              if (v.asText().contains("*")) {
                wildcards.add(ChartRender.describe(object) + " " + field + ": " + v.asText());
              }
            });
          }
        }
      }
    }
    assertThat(wildcards).isEmpty();
  }

  @Test
  void leaseRulesOnlyWithLeaderElectionAndNamedForUpdates() {
    assertThat(ChartRender.ofKind(ChartRender.objects(Scenarios.DEFAULTS), "Role"))
        .noneMatch(r -> r.at("/metadata/name").asText().endsWith("-leader-election"));
    ObjectNode role = ChartRender.ofKind(ChartRender.objects(Scenarios.EVERYTHING), "Role").stream()
        .filter(r -> r.at("/metadata/name").asText().endsWith("-leader-election")).findFirst().orElseThrow();
    assertThat(role.at("/metadata/namespace").asText()).isEqualTo(ChartRender.NAMESPACE);
    for (JsonNode rule : role.get("rules")) {
      boolean create = rule.get("verbs").toString().contains("create");
      assertThat(rule.has("resourceNames")).as("create cannot be limited to a name; get and update are: %s", rule)
          .isEqualTo(!create);
    }
  }

  /**
   * JOSDK refuses to start leader election unless a SelfSubjectRulesReview in the Lease's namespace
   * shows create, update and get on leases (rules without resourceNames, or naming the Lease);
   * Fabric8's LeaseLock then renews with a merge patch. Evaluated here as JOSDK evaluates it.
   */
  @Test
  void leaseRulesSatisfyJosdksStartupCheckAndFabric8sRenewal() {
    for (String values : List.of("leaderElection: {enabled: true}", Scenarios.LEASE_ELSEWHERE)) {
      List<ObjectNode> objects = ChartRender.objects(values);
      ObjectNode deployment = ChartRender.one(objects, "Deployment").orElseThrow();
      String leaseName = null;
      for (JsonNode env : deployment.at("/spec/template/spec/containers/0/env")) {
        if (env.path("name").asText().equals("FERRY_LEASE_NAME")) {
          leaseName = env.path("value").asText();
        }
      }
      String lease = leaseName;
      ObjectNode role = ChartRender.ofKind(objects, "Role").stream()
          .filter(r -> r.at("/metadata/name").asText().endsWith("-leader-election")).findFirst().orElseThrow();
      List<String> allowed = new ArrayList<>();
      for (JsonNode rule : role.get("rules")) {
        boolean leases = rule.get("apiGroups").toString().contains("\"coordination.k8s.io\"")
            && rule.get("resources").toString().contains("\"leases\"");
        boolean named = !rule.has("resourceNames") || rule.get("resourceNames").toString().contains("\"" + lease + "\"");
        if (leases && named) {
          rule.get("verbs").forEach(v -> allowed.add(v.asText()));
        }
      }
      assertThat(allowed).as("verbs on Lease %s", lease).contains("create", "update", "get", "patch");
    }
  }

  /** The webhook-Secret Roles the chart renders, by namespace. */
  private static java.util.Map<String, JsonNode> secretRoles(String values) {
    java.util.Map<String, JsonNode> roles = new java.util.TreeMap<>();
    for (ObjectNode role : ChartRender.ofKind(ChartRender.objects(values), "Role")) {
      if (role.at("/metadata/name").asText().endsWith("-webhook-secrets")) {
        roles.put(role.at("/metadata/namespace").asText(), role.get("rules"));
      }
    }
    return roles;
  }

  @Test
  void byDefaultSecretsAreReadableOnlyInFerrysOwnNamespace() {
    for (JsonNode rule : ChartRender.one(ChartRender.objects(Scenarios.DEFAULTS), "ClusterRole").orElseThrow()
        .get("rules")) {
      assertThat(rule.get("resources").toString()).as("no Secret in every namespace").doesNotContain("secrets");
    }
    var roles = secretRoles(Scenarios.DEFAULTS);
    assertThat(roles).containsOnlyKeys(ChartRender.NAMESPACE);
    assertThat(roles.get(ChartRender.NAMESPACE).toString()).isEqualTo(
        "[{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]}]");
  }

  @Test
  void secretNamespacesAndNamesOptIn() {
    var roles = secretRoles("rbac: {secretNamespaces: [team-a, team-b], secretNames: [drift-webhook, slack-url]}");
    assertThat(roles).containsOnlyKeys("team-a", "team-b");
    JsonNode secrets = roles.get("team-a").get(0);
    assertThat(secrets.get("verbs").toString()).isEqualTo("[\"get\"]");
    assertThat(secrets.get("resourceNames").toString()).isEqualTo("[\"drift-webhook\",\"slack-url\"]");
  }
}
