package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.tools.ValidateDataCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What a run's Succeeded condition says when a step fails: a failed data validation is a readable
 * list (rule, column, rows, first lines), read from the real validate-data result, not its JSON.
 */
class StepFailureMessageTest {
  @TempDir
  Path dir;

  @Test
  void aFailedDataValidationIsARuleByRuleListWithItsLines() throws Exception {
    Path schema = Files.writeString(dir.resolve("s.yaml"), """
        columns:
          - {name: age, type: integer, min: 0}
          - {name: plan, type: category, values: [basic, pro]}
        """);
    Path data = Files.writeString(dir.resolve("d.csv"), "age,plan\n5,basic\n-1,pro\n-4,gold\n7,basic\n");
    Path result = dir.resolve("result.json");
    int exit = new CommandLine(new ValidateDataCommand(Map.of())).setOut(new PrintWriter(new StringWriter()))
        .execute("--schema", schema.toString(), "--data", data.toString(), "--result", result.toString());
    assertThat(exit).isEqualTo(1);

    String message = StepResult.failureMessage(Files.readString(result));
    assertThat(message).startsWith(data + " breaks the schema: 2 violations in 4 rows: ")
        .contains("rule min on column age: 2 rows, first lines 3, 4 (seen -4, allowed 0)")
        .contains("rule values on column plan: 1 row, line 4")
        .doesNotContain("{", "\"rule\"");
  }

  @Test
  void aResultWithAMessageIsItsMessageAndAnythingElseIsShortened() {
    assertThat(StepResult.failureMessage("{\"message\": \"loss exploded at epoch 3\"}"))
        .isEqualTo("loss exploded at epoch 3");
    assertThat(StepResult.failureMessage("Traceback " + "x".repeat(500))).hasSize(203).endsWith("...");
  }
}
