package dev.ferry.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * helm/ferry/argocd/argocd-cm-patch.yaml is what users merge into argocd-cm: it must carry
 * exactly the Lua files the other tests run, laid out as Argo CD reads them.
 */
class ArgoCdConfigTest {
  static final String PATCH = "argocd-cm-patch.yaml";
  static final String UPDATE = "mvn -o -q -pl operator test -Dtest=ArgoCdConfigTest -Dferry.updateGolden=true";
  private static final String HEADER = """
      # Ferry's Argo CD customizations: health checks for the five ferry.dev kinds and resource
      # actions (ModelDeployment approve and rollback, DriftPolicy check-now, TrainingPipeline run-now).
      # Merge into Argo CD's argocd-cm (docs/install.md, "Argo CD"):
      #   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file helm/ferry/argocd/argocd-cm-patch.yaml
      # Generated from health/*.lua and actions/<Kind>/... by ArgoCdConfigTest; do not edit here:
      # edit the .lua files and run
      #   %s
      """.formatted(UPDATE);

  @Test
  void thePatchCarriesExactlyTheTestedScripts() throws IOException {
    String expected = render();
    Path patch = ArgoLua.dir().resolve(PATCH);
    if (Boolean.getBoolean("ferry.updateGolden")) {
      Files.writeString(patch, expected);
    }
    assertThat(Files.exists(patch)).as("%s is missing; generate it with: %s", PATCH, UPDATE).isTrue();
    assertThat(Files.readString(patch)).as("%s is out of date with the .lua files; regenerate it with: %s", PATCH, UPDATE)
        .isEqualTo(expected);
  }

  /** Read back as Argo CD reads it: each key a Lua script, or a YAML document of discovery and definitions. */
  @Test
  void argoCdReadsTheScriptsBackFromThePatch() throws IOException {
    JsonNode data = ArgoLua.YAML.readTree(Files.readString(ArgoLua.dir().resolve(PATCH))).path("data");
    for (String kind : Samples.KINDS) {
      String health = data.path("resource.customizations.health.ferry.dev_" + kind).asText();
      assertThat(health).as("health of %s", kind).isEqualTo(ArgoLua.script("health/" + kind + ".lua"));
    }
    for (Map.Entry<String, List<String>> kind : actions().entrySet()) {
      JsonNode config = ArgoLua.YAML.readTree(data.path("resource.customizations.actions.ferry.dev_" + kind.getKey()).asText());
      assertThat(config.path("discovery.lua").asText()).isEqualTo(ArgoLua.script("actions/" + kind.getKey() + "/discovery.lua"));
      List<String> names = new ArrayList<>();
      for (JsonNode definition : config.path("definitions")) {
        String name = definition.path("name").asText();
        names.add(name);
        assertThat(definition.path("action.lua").asText()).as("%s %s", kind.getKey(), name)
            .isEqualTo(ArgoLua.script("actions/" + kind.getKey() + "/" + name + "/action.lua"));
      }
      assertThat(names).containsExactlyElementsOf(kind.getValue());
      JsonNode discovered = ArgoLua.run(config.path("discovery.lua").asText(), "discovery",
          Samples.of(kind.getKey()).get(0));
      assertThat(discovered.properties()).extracting(Map.Entry::getKey)
          .as("discovery offers exactly the defined actions").containsExactlyInAnyOrderElementsOf(names);
    }
  }

  /** Kinds with actions and their actions' names, from the actions/ folder. */
  static Map<String, List<String>> actions() throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    try (Stream<Path> kinds = Files.list(ArgoLua.dir().resolve("actions"))) {
      for (Path kind : kinds.sorted().toList()) {
        try (Stream<Path> names = Files.list(kind)) {
          out.put(kind.getFileName().toString(), names.filter(Files::isDirectory)
              .map(p -> p.getFileName().toString()).sorted().toList());
        }
      }
    }
    return out;
  }

  static String render() throws IOException {
    StringBuilder out = new StringBuilder(HEADER).append("data:\n");
    for (String kind : Samples.KINDS) {
      out.append("  resource.customizations.health.ferry.dev_").append(kind).append(": |\n")
          .append(indent(ArgoLua.script("health/" + kind + ".lua"), 4));
    }
    for (Map.Entry<String, List<String>> kind : actions().entrySet()) {
      StringBuilder config = new StringBuilder("discovery.lua: |\n")
          .append(indent(ArgoLua.script("actions/" + kind.getKey() + "/discovery.lua"), 2))
          .append("definitions:\n");
      for (String name : kind.getValue()) {
        config.append("  - name: ").append(name).append("\n    action.lua: |\n")
            .append(indent(ArgoLua.script("actions/" + kind.getKey() + "/" + name + "/action.lua"), 6));
      }
      out.append("  resource.customizations.actions.ferry.dev_").append(kind.getKey()).append(": |\n")
          .append(indent(config.toString(), 4));
    }
    return out.toString();
  }

  private static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      out.append(line.isEmpty() ? "" : pad + line).append('\n');
    }
    // split keeps a trailing empty string for the final newline: drop the extra line it adds
    return out.substring(0, out.length() - 1);
  }
}
