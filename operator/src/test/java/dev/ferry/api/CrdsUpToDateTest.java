package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed CRD copies are exactly what the API classes generate: nobody edits them, nobody forgets them. */
class CrdsUpToDateTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"crds", "helm/ferry/crds"})
  void committedCrdsMatchTheGeneratedOnes(String dir) throws IOException {
    Map<String, Path> generated = Crds.generatedFiles();
    assertThat(generated).as("generated CRDs").hasSize(5);
    Path committed = Crds.projectRoot().resolve(dir);

    List<String> problems = new ArrayList<>(differences(dir, committed, generated));
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems) + "\nRegenerate them with: " + Crds.REGENERATE
          + (problems.stream().anyMatch(p -> p.contains("delete it")) ? " (and delete the extra files)" : ""));
    }
  }

  /** Missing, different and extra files of one copy, each naming the file. */
  static List<String> differences(String dir, Path committed, Map<String, Path> generated) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Path> crd : generated.entrySet()) {
      Path copy = committed.resolve(crd.getKey());
      if (!Files.isRegularFile(copy)) {
        problems.add(dir + "/" + crd.getKey() + " is missing");
        continue;
      }
      int line = firstDifferentLine(Files.readString(crd.getValue()), Files.readString(copy));
      if (line > 0) {
        problems.add(dir + "/" + crd.getKey() + " differs from the generated CRD (first at line " + line + ")");
      }
    }
    if (Files.isDirectory(committed)) {
      try (Stream<Path> files = Files.list(committed)) {
        files.map(f -> f.getFileName().toString())
            .filter(name -> name.endsWith(".yml") || name.endsWith(".yaml"))
            .filter(name -> !generated.containsKey(name))
            .sorted()
            .forEach(name -> problems.add(dir + "/" + name + " is not generated from any API class: delete it"));
      }
    }
    return problems;
  }

  /** 1-based number of the first line that differs, 0 when equal (line endings ignored). */
  static int firstDifferentLine(String expected, String actual) {
    String[] a = expected.replace("\r\n", "\n").split("\n", -1);
    String[] b = actual.replace("\r\n", "\n").split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length || !a[i].equals(b[i])) {
        return i + 1;
      }
    }
    return 0;
  }

  @org.junit.jupiter.api.Test
  void reportsMissingDifferentAndExtraFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Map<String, Path> generated = Crds.generatedFiles();
    List<String> names = new ArrayList<>(generated.keySet());
    Files.copy(generated.get(names.get(0)), dir.resolve(names.get(0)));
    Files.writeString(dir.resolve(names.get(1)), Files.readString(generated.get(names.get(1))).replace("description", "desc"));
    Files.writeString(dir.resolve("oldkinds.ferry.dev-v1.yml"), "kind: CustomResourceDefinition\n");

    List<String> problems = differences("crds", dir, generated);

    assertThat(problems).contains(
        "crds/" + names.get(2) + " is missing",
        "crds/oldkinds.ferry.dev-v1.yml is not generated from any API class: delete it");
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("crds/" + names.get(1) + " differs from the generated CRD (first at line "));
    assertThat(problems).noneMatch(p -> p.startsWith("crds/" + names.get(0)));
  }
}
