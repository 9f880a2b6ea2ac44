package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/own-model.md, run as written: every {@code sh} block of the page, in order, by bash with
 * the real kubectl and curl, against the local mode on a copy of examples/own-model (the one
 * command that starts the local mode in a terminal of its own is started here in process). A
 * command the page shows and that does not work fails this test; so does an edit of the page
 * that breaks its own sequence.
 */
class OwnModelWalkthroughTest {
  private static final String START = "java -jar operator/target/ferry-operator.jar local examples/own-model";

  @TempDir
  Path work;

  @Test
  void everyCommandOfTheOwnModelPageWorksInItsOrder() throws Exception {
    List<String> blocks = shellBlocks(Files.readString(Fixtures.projectRoot().resolve("docs/own-model.md")));
    assertThat(blocks).as("the page starts the local mode, then runs the rest in a second terminal")
        .first().asString().contains(START);
    Path example = dev.ferry.e2e.RealCluster.copyTree(Fixtures.projectRoot().resolve("examples/own-model"),
        work.resolve("examples/own-model"));
    ByteArrayOutputStream localOutput = new ByteArrayOutputStream();
    try (LocalMode local = new LocalMode(new LocalMode.Options(example, 0, Duration.ofSeconds(60),
        FerryConfig.defaults(), ProcessContainerRunner.selfCommand(),
        new PrintStream(localOutput, true, StandardCharsets.UTF_8)))) {
      assertThat(local.start()).isEmpty();

      StringBuilder script = new StringBuilder("""
          set -euo pipefail
          # `java -jar operator/target/ferry-operator.jar ...` as the page writes it, with this build's classes.
          java() { if [ "$1" = "-jar" ]; then shift 2; command java -cp "$FERRY_CLASSPATH" dev.ferry.Main "$@"; \
          else command java "$@"; fi; }
          """);
      for (String block : blocks.subList(1, blocks.size())) {
        for (String line : block.lines().toList()) {
          script.append("echo '$ ").append(line.replace("'", "'\\''")).append("'\n").append(line).append('\n');
        }
      }
      ProcessBuilder bash = new ProcessBuilder("bash", "-c", script.toString()).directory(work.toFile())
          .redirectErrorStream(true);
      bash.environment().put("FERRY_CLASSPATH", System.getProperty("java.class.path"));
      bash.environment().put("HOME", work.resolve("home").toString()); // kubectl's cache, not the user's
      Process process = bash.start();
      String transcript = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
      assertThat(process.exitValue()).as(transcript + "\n--- local mode:\n" + localOutput).isZero();

      assertThat(transcript)
          .contains("modelversion.ferry.dev/houses-v1", "trained on 1600 houses")
          .contains("v1 passed staging; approve with: kubectl annotate md houses ferry.dev/approve=1 --overwrite")
          .containsPattern("houses\\s+Stable  production=v1  http://127\\.0\\.0\\.1:\\d+ \\(houses\\.default\\.svc:8080\\)")
          .contains("\"model_name\": \"houses\", \"model_version\": \"1\"", "\"name\": \"price\"")
          .containsPattern("area js [0-9.]+ true")
          .containsPattern("rooms js [0-9.]+ false")
          .contains("v2 serves production, replacing v1", "rolled back from v2 to v1 on request");
    }
  }

  /** The {@code ```sh} blocks of a Markdown page, in order. */
  static List<String> shellBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    StringBuilder current = null;
    for (String line : markdown.lines().toList()) {
      if (current == null && line.equals("```sh")) {
        current = new StringBuilder();
      } else if (current != null && line.equals("```")) {
        blocks.add(current.toString());
        current = null;
      } else if (current != null) {
        current.append(line).append('\n');
      }
    }
    return blocks;
  }
}
