package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** One drift-check command line run in-process: its exit code, stdout and stderr. */
record DriftCheckRun(int exit, String out, String err) {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Runs {@code drift-check ARGS} with {@code env} as its environment; never a stack trace on stderr. */
  static DriftCheckRun of(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new DriftCheckCommand(env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    assertThat(err.toString()).as("never a stack trace").doesNotContain("\tat ").doesNotContain("Exception in");
    return new DriftCheckRun(exit, out.toString(), err.toString());
  }

  static DriftCheckRun of(String... args) {
    return of(Map.of(), args);
  }

  JsonNode json() throws IOException {
    return JSON.readTree(out);
  }

  /** The score of {@code feature} in a JSON report. */
  static JsonNode score(JsonNode report, String feature) {
    for (JsonNode s : report.get("scores")) {
      if (s.get("feature").asText().equals(feature)) {
        return s;
      }
    }
    throw new AssertionError("no " + feature + " in " + report);
  }
}
