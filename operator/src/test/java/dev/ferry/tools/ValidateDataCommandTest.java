package dev.ferry.tools;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateDataCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new ValidateDataCommand(env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Run run(String... args) {
    return run(Map.of(), args);
  }

  private Path file(String name, String content) throws IOException {
    return file(name, content.getBytes(UTF_8));
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private static String sha256(Path p) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  private JsonNode result(Path p) throws IOException {
    return JSON.readTree(Files.readAllBytes(p));
  }

  private static JsonNode violation(JsonNode report, String column, String rule) {
    for (JsonNode v : report.get("violations")) {
      if (rule.equals(v.path("rule").asText()) && (column == null || column.equals(v.path("column").asText()))) {
        return v;
      }
    }
    throw new AssertionError("no " + rule + " violation for " + column + " in " + report.get("violations"));
  }

  private static List<Long> lines(JsonNode v) {
    List<Long> out = new ArrayList<>();
    v.get("lines").forEach(n -> out.add(n.asLong()));
    return out;
  }

  private static JsonNode column(JsonNode report, String name) {
    for (JsonNode c : report.get("columns")) {
      if (name.equals(c.get("name").asText())) {
        return c;
      }
    }
    throw new AssertionError("no summary for " + name);
  }

  static final String SCHEMA = String.join("\n",
      "minRows: 3",
      "columns:",
      "  - {name: id, type: integer, role: id}",
      "  - {name: age, type: integer, min: 0, max: 120}",
      "  - {name: income, type: number, min: 0, maxMissing: 0.5}",
      "  - {name: city, type: category, values: [Paris, Lyon, Nice]}",
      "  - {name: member, type: boolean}",
      "  - {name: note, type: string, required: false, maxMissing: 0.25}",
      "  - {name: nickname, type: string, required: false}",
      "");

  static final String GOOD_CSV = String.join("\n",
      "id,age,income,city,member,note,extra",
      "1,34,52000.5,Paris,true,\"likes, commas\",a",
      "2,0,,Lyon,0,,b",
      "3,120,31000,Nice,FALSE,x,a",
      "4,41,1e4,Paris,1,y,a",
      "");

  @Test
  void validCsvPassesWithRowCountDigestAndSummaries() throws Exception {
    Path schema = file("schema.yaml", SCHEMA);
    Path data = file("people.csv", GOOD_CSV);
    Path result = dir.resolve("out/result.json");
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--result", result.toString(),
        "--output", "json");
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();

    JsonNode res = result(result);
    assertThat(res.get("valid").asBoolean()).isTrue();
    assertThat(res.at("/metrics/rows").asLong()).isEqualTo(4);
    assertThat(res.at("/metrics/violations").asLong()).isZero();
    assertThat(res.get("datasetDigest").asText()).isEqualTo(sha256(data));
    assertThat(res.get("violations")).isEmpty();
    assertThat(res.get("message").asText()).contains("people.csv", "matches the schema", "4 rows");
    List<String> fields = new ArrayList<>();
    res.fieldNames().forEachRemaining(fields::add);
    assertThat(fields.subList(0, 5)).containsExactly("metrics", "datasetDigest", "valid", "violations", "message");

    JsonNode full = r.json();
    assertThat(full.get("datasetDigest").asText()).isEqualTo(sha256(data));
    JsonNode age = column(full, "age");
    assertThat(age.get("count").asLong()).isEqualTo(4);
    assertThat(age.get("min").asDouble()).isEqualTo(0);
    assertThat(age.get("max").asDouble()).isEqualTo(120);
    assertThat(age.get("mean").asDouble()).isCloseTo(48.75, within(1e-9));
    assertThat(age.get("std").asDouble()).isCloseTo(Math.sqrt(7730.75 / 3), within(1e-9)); // sample std of 34, 0, 120, 41
    JsonNode income = column(full, "income");
    assertThat(income.get("missing").asLong()).isEqualTo(1);
    assertThat(income.get("count").asLong()).isEqualTo(3);
    JsonNode city = column(full, "city");
    assertThat(city.get("distinct").asInt()).isEqualTo(3);
    assertThat(city.at("/top/0/value").asText()).isEqualTo("Paris");
    assertThat(city.at("/top/0/count").asLong()).isEqualTo(2);
    JsonNode extra = column(full, "extra"); // not in the schema: summarised anyway, type inferred
    assertThat(extra.get("declared").asBoolean()).isFalse();
    assertThat(extra.get("type").asText()).isEqualTo("category");
    assertThat(column(full, "id").has("mean")).isFalse(); // role id: left out of statistics
    assertThat(column(full, "member").at("/top/0/value").asText()).isIn("true", "false");
  }

  @Test
  void validJsonLinesPass() throws Exception {
    Path schema = file("schema.json", "{\"minRows\": 2, \"columns\": [{\"name\": \"x\", \"type\": \"number\"},"
        + " {\"name\": \"ok\", \"type\": \"boolean\"}, {\"name\": \"tag\", \"type\": \"category\", \"maxMissing\": 0.5}]}");
    Path data = file("data.ndjson", "{\"x\": 1.5, \"ok\": true, \"tag\": \"a\"}\n"
        + "{\"x\": -2, \"ok\": false}\n"
        + "\n"
        + "{\"x\": 3e2, \"ok\": true, \"tag\": null, \"extra\": 1}\n".replace(", \"extra\": 1", "")
        + "{\"x\": 0, \"ok\": false, \"tag\": \"b\"}\n");
    Path result = dir.resolve("r.json");
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--result", result.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode res = result(result);
    assertThat(res.at("/metrics/rows").asLong()).isEqualTo(4);
    assertThat(res.get("datasetDigest").asText()).isEqualTo(sha256(data));
    assertThat(r.out()).startsWith("VALID: " + data);
  }

  @Test
  void everyRuleReportsColumnRuleObservedBoundCountAndFirstLines() throws Exception {
    Path schema = file("schema.yaml", SCHEMA.replace("minRows: 3", "minRows: 100")
        .replace("  - {name: member, type: boolean}", "  - {name: member, type: boolean}\n  - {name: score}"));
    String csv = String.join("\n",
        "id,age,income,city,member",            // 1
        "1,34,100,Paris,true",                   // 2
        "2,-5,,Rome,yes",                        // 3: age < min, income missing, city unknown, member not boolean
        "x,130,,Paris,1",                        // 4: id not integer, age > max, income missing
        "4,2.5,-1,Oslo,0",                       // 5: age not integer, income < min, city unknown
        "5,-7,,Rome,false",                      // 6: age < min, income missing, city unknown
        "");
    Path data = file("people.csv", csv);
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode report = r.json();
    assertThat(report.get("valid").asBoolean()).isFalse();

    JsonNode minRows = violation(report, null, "minRows");
    assertThat(minRows.has("column")).isFalse();
    assertThat(minRows.get("observed").asLong()).isEqualTo(5);
    assertThat(minRows.get("bound").asLong()).isEqualTo(100);

    JsonNode missing = violation(report, "score", "missingColumn");
    assertThat(missing.get("bound").asText()).isEqualTo("required");

    JsonNode idType = violation(report, "id", "type");
    assertThat(idType.get("rows").asLong()).isEqualTo(1);
    assertThat(lines(idType)).containsExactly(4L);
    assertThat(idType.get("observed").get(0).asText()).isEqualTo("x");
    assertThat(idType.get("bound").asText()).isEqualTo("integer");

    JsonNode ageType = violation(report, "age", "type");
    assertThat(lines(ageType)).containsExactly(5L);
    assertThat(ageType.get("observed").get(0).asText()).isEqualTo("2.5");

    JsonNode ageMin = violation(report, "age", "min");
    assertThat(ageMin.get("rows").asLong()).isEqualTo(2);
    assertThat(lines(ageMin)).containsExactly(3L, 6L);
    assertThat(ageMin.get("observed").asDouble()).isEqualTo(-7);
    assertThat(ageMin.get("bound").asDouble()).isEqualTo(0);

    JsonNode ageMax = violation(report, "age", "max");
    assertThat(lines(ageMax)).containsExactly(4L);
    assertThat(ageMax.get("observed").asDouble()).isEqualTo(130);
    assertThat(ageMax.get("bound").asDouble()).isEqualTo(120);

    JsonNode incomeMin = violation(report, "income", "min");
    assertThat(lines(incomeMin)).containsExactly(5L);

    JsonNode incomeMissing = violation(report, "income", "maxMissing");
    assertThat(incomeMissing.get("rows").asLong()).isEqualTo(3);
    assertThat(lines(incomeMissing)).containsExactly(3L, 4L, 6L);
    assertThat(incomeMissing.get("observed").asDouble()).isEqualTo(0.6);
    assertThat(incomeMissing.get("bound").asDouble()).isEqualTo(0.5);

    JsonNode city = violation(report, "city", "values");
    assertThat(city.get("rows").asLong()).isEqualTo(3);
    assertThat(lines(city)).containsExactly(3L, 5L, 6L);
    assertThat(city.get("observed")).extracting(JsonNode::asText).containsExactly("Rome", "Oslo");
    assertThat(city.get("bound")).extracting(JsonNode::asText).containsExactly("Paris", "Lyon", "Nice");

    JsonNode member = violation(report, "member", "type");
    assertThat(lines(member)).containsExactly(3L);
    assertThat(member.get("bound").asText()).isEqualTo("boolean");

    // note and nickname are optional and absent: no violation
    assertThat(report.get("violations").findValuesAsText("column")).doesNotContain("note", "nickname");
    assertThat(report.at("/metrics/violations").asInt()).isEqualTo(report.get("violations").size()).isEqualTo(10);
  }

  @Test
  void keepsOnlyTheFirstFiveLinesAndTenUnknownValues() throws Exception {
    Path schema = file("s.yaml", "columns:\n  - {name: c, type: category, values: [ok]}\n");
    StringBuilder csv = new StringBuilder("c\n");
    for (int i = 0; i < 50; i++) {
      csv.append("bad").append(i).append('\n');
    }
    Path data = file("many.csv", csv.toString());
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--output", "json");
    assertThat(r.exit()).isEqualTo(1);
    JsonNode v = violation(r.json(), "c", "values");
    assertThat(v.get("rows").asLong()).isEqualTo(50);
    assertThat(lines(v)).containsExactly(2L, 3L, 4L, 5L, 6L);
    assertThat(v.get("observed")).hasSize(10);
    assertThat(v.get("note").asText()).contains("more than 10");
  }

  @Test
  void maxMissingAllowsUpToItsShareAndDefaultsToNone() throws Exception {
    Path schema = file("s.yaml", "columns:\n  - {name: a, maxMissing: 0.25}\n  - {name: b}\n");
    Path data = file("d.csv", "a,b\n1,1\n,2\n3,3\n4,\n");
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--output", "json");
    assertThat(r.exit()).isEqualTo(1);
    JsonNode report = r.json();
    assertThat(report.get("violations")).hasSize(1);
    JsonNode b = violation(report, "b", "maxMissing");
    assertThat(b.get("bound").asDouble()).isZero();
    assertThat(lines(b)).containsExactly(5L);
  }

  @Test
  void summariesCapDistinctValuesAt1000() throws Exception {
    Path schema = file("s.yaml", "columns: []\n");
    StringBuilder csv = new StringBuilder("u,n\n");
    for (int i = 0; i < 1500; i++) {
      csv.append("v").append(i).append(',').append(i).append('\n');
    }
    Path data = file("d.csv", csv.toString());
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--output", "json");
    assertThat(r.exit()).isZero();
    JsonNode report = r.json();
    assertThat(column(report, "u").get("distinct").asText()).isEqualTo(">1000");
    assertThat(column(report, "u").get("top")).hasSize(5);
    JsonNode n = column(report, "n");
    assertThat(n.get("type").asText()).isEqualTo("number");
    assertThat(n.get("mean").asDouble()).isCloseTo(749.5, within(1e-9));
    assertThat(n.get("max").asDouble()).isEqualTo(1499);
  }

  @Test
  void textOutputHasTheVerdictFirstThenViolationsThenColumns() throws Exception {
    Path schema = file("s.yaml", "columns:\n  - {name: age, type: integer, min: 0}\n");
    Path data = file("d.csv", "age,name\n5,ann\n-1,bob\n");
    Run r = run("--schema", schema.toString(), "--data", data.toString());
    assertThat(r.exit()).isEqualTo(1);
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).startsWith("INVALID: " + data + " breaks the schema: 1 violation in 2 rows");
    int violations = r.out().indexOf("Violations");
    int columns = r.out().indexOf("Columns");
    assertThat(violations).isPositive().isLessThan(columns);
    assertThat(r.out()).containsPattern("age\\s+min\\s+1\\s+-1\\s+0\\s+3");
    assertThat(r.out()).containsPattern("name \\*\\s+category\\s+2\\s+0");
  }

  /** A schema with hundreds of violations: the result file stays within 4096 bytes, stdout keeps them all. */
  @Test
  void theResultFileFitsInAKubernetesTerminationMessage() throws Exception {
    StringBuilder schema = new StringBuilder("minRows: 1000\ncolumns:\n");
    StringBuilder header = new StringBuilder();
    String longName = "a_rather_long_column_name_that_goes_on_and_on_";
    for (int i = 0; i < 100; i++) {
      String name = longName + i;
      schema.append("  - {name: ").append(name).append(", type: integer, min: 0, max: 10}\n");
      header.append(i == 0 ? "" : ",").append(name);
    }
    for (int i = 0; i < 200; i++) {
      schema.append("  - {name: absent_").append(i).append("}\n");
    }
    StringBuilder csv = new StringBuilder(header).append('\n');
    String junk = "x".repeat(500);
    for (int row = 0; row < 20; row++) {
      for (int i = 0; i < 100; i++) {
        csv.append(i == 0 ? "" : ",").append(row % 4 == 0 ? junk : row % 4 == 1 ? "-3" : row % 4 == 2 ? "99" : "");
      }
      csv.append('\n');
    }
    Path s = file("s.yaml", schema.toString());
    Path data = file("wide.csv", csv.toString());
    Path result = dir.resolve("termination-log");
    Run r = run("--schema", s.toString(), "--data", data.toString(), "--result", result.toString(), "--output",
        "json");
    assertThat(r.exit()).isEqualTo(1);

    int total = 1 + 100 * 4 + 200; // minRows; per column type, min, max, maxMissing; missing columns
    assertThat(r.json().get("violations")).hasSize(total);
    assertThat(r.json().get("columns")).hasSize(100);

    byte[] bytes = Files.readAllBytes(result);
    assertThat(bytes.length).isLessThanOrEqualTo(4096).isGreaterThan(3000);
    JsonNode res = JSON.readTree(bytes);
    assertThat(res.get("valid").asBoolean()).isFalse();
    assertThat(res.at("/metrics/violations").asInt()).isEqualTo(total);
    assertThat(res.at("/metrics/rows").asInt()).isEqualTo(20);
    assertThat(res.get("datasetDigest").asText()).isEqualTo(sha256(data));
    assertThat(res.has("columns")).isFalse();
    int kept = res.get("violations").size();
    assertThat(kept).isPositive().isLessThan(total);
    assertThat(res.get("violationsOmitted").asInt()).isEqualTo(total - kept);
    assertThat(res.get("violations").get(0).get("rule").asText()).isEqualTo("minRows");
    assertThat(res.get("message").asText()).contains("breaks the schema", total + " violations");
  }

  @Test
  void theResultKeepsSummariesWhenTheyFit() throws Exception {
    Path schema = file("s.yaml", "columns:\n  - {name: a}\n");
    Path data = file("d.csv", "a\n1\n");
    Path result = dir.resolve("r.json");
    assertThat(run("--schema", schema.toString(), "--data", data.toString(), "--result", result.toString()).exit())
        .isZero();
    assertThat(result(result).get("columns")).hasSize(1);
  }

  @Test
  void hugeValuesAndMessagesAreCutToFit() {
    List<DataViolation> violations = List.of(new DataViolation("c".repeat(10_000), DataViolation.TYPE,
        DataValidator.strings(List.of("v".repeat(10_000))), DataValidator.text("number"), 1L, List.of(2L), null));
    DataValidationReport report = new DataValidationReport("s".repeat(10_000), "csv", "sha256:00", 1, violations,
        List.of());
    assertThat(report.toResult(4096).length).isLessThanOrEqualTo(4096);
    assertThat(DataValidationReport.errorResult("\u00e9".repeat(10_000), 4096).length).isLessThanOrEqualTo(4096);
  }

  // --- input that cannot be read: exit 2, one line on stderr naming file and line, a result file ---

  private void assertUnreadable(String name, byte[] content, String... expected) throws Exception {
    Path schema = file("schema.yaml", "columns:\n  - {name: a}\n");
    Path data = name == null ? dir.resolve("does-not-exist.csv") : file(name, content);
    Path result = dir.resolve("result-" + (name == null ? "missing" : name) + ".json");
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--result", result.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip()).doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.err()).startsWith("validate-data: " + data).contains(expected);
    JsonNode res = result(result);
    assertThat(res.get("valid").asBoolean()).isFalse();
    assertThat(res.get("message").asText()).startsWith(data.toString()).contains(expected);
    assertThat(res.has("datasetDigest")).isFalse();
  }

  @Test
  void raggedRow() throws Exception {
    assertUnreadable("rag.csv", "a,b\n1,2\n3\n".getBytes(UTF_8), "line 3", "expected 2", "found 1");
  }

  @Test
  void badQuote() throws Exception {
    assertUnreadable("quote.csv", "a,b\n1,\"2\"x\n".getBytes(UTF_8), "line 2", "bad quoting");
  }

  @Test
  void invalidUtf8() throws Exception {
    assertUnreadable("latin1.csv", new byte[] {'a', '\n', '1', '\n', 'f', (byte) 0xe9, 't', 'e', '\n'}, "line 3",
        "not UTF-8 text");
  }

  @Test
  void emptyFile() throws Exception {
    assertUnreadable("empty.csv", new byte[0], "no header");
  }

  @Test
  void missingFile() throws Exception {
    assertUnreadable(null, null, "file not found");
  }

  @Test
  void duplicateHeader() throws Exception {
    assertUnreadable("dup.csv", "a,b,b\n1,2,3\n".getBytes(UTF_8), "line 1", "duplicate column name \"b\"");
  }

  @Test
  void jsonLineThatIsNotAnObject() throws Exception {
    assertUnreadable("rows.jsonl", "{\"a\": 1}\n\"just a string\"\n".getBytes(UTF_8), "line 2",
        "expected a JSON object, found a string");
  }

  @Test
  void badSchemaFiles() throws Exception {
    Path data = file("d.csv", "a\n1\n");
    Path result = dir.resolve("r.json");
    Run missing = run("--schema", dir.resolve("nope.yaml").toString(), "--data", data.toString(),
        "--result", result.toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.yaml", "schema file not found");
    assertThat(result(result).get("valid").asBoolean()).isFalse();

    Path typo = file("typo.yaml", "columns:\n  - name: a\n    maxmissing: 0.1\n");
    Run r = run("--schema", typo.toString(), "--data", data.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("typo.yaml", "line 3", "unknown field \"maxmissing\"", "maxMissing");

    Path badType = file("type.yaml", "columns:\n  - {name: a, type: float}\n");
    assertThat(run("--schema", badType.toString(), "--data", data.toString()).err())
        .contains("type.yaml", "line 2", "\"float\" is not one of number, integer, category, boolean, string");

    Path rules = file("rules.yaml", "columns:\n  - {name: a, min: 5, max: 1}\n  - {name: a, type: string, values: [x]}\n");
    assertThat(run("--schema", rules.toString(), "--data", data.toString()).err())
        .contains("min 5.0 is above max 1.0", "duplicate name", "values applies only to type category");
  }

  // --- environment fallbacks used inside a Ferry step ---

  @Test
  void readsEverythingFromTheEnvironment() throws Exception {
    Path data = file("data.txt", "{\"a\": 1}\n{\"a\": 2}\n"); // no telling extension: the format comes from env
    Path result = dir.resolve("termination-log");
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_DATASET_SCHEMA_JSON", "{\"minRows\": 2, \"columns\": [{\"name\": \"a\", \"type\": \"integer\"}]}");
    env.put("FERRY_DATASET_PATH", data.toString());
    env.put("FERRY_DATASET_URI", "pvc://claim/data.txt");
    env.put("FERRY_DATASET_FORMAT", "jsonl");
    env.put("FERRY_RESULT_PATH", result.toString());
    Run r = run(env);
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode res = result(result);
    assertThat(res.at("/metrics/rows").asLong()).isEqualTo(2);
    assertThat(res.get("datasetDigest").asText()).isEqualTo(sha256(data));

    env.put("FERRY_DATASET_SCHEMA_JSON", "{\"minRows\": 3}");
    assertThat(run(env).exit()).isEqualTo(1);
    assertThat(result(result).get("valid").asBoolean()).isFalse();
  }

  @Test
  void optionsWinOverTheEnvironment() throws Exception {
    Path good = file("good.csv", "a\n1\n");
    Path schema = file("s.yaml", "columns: [{name: a}]\n");
    Path envResult = dir.resolve("env-result.json");
    Path optResult = dir.resolve("opt-result.json");
    Map<String, String> env = Map.of(
        "FERRY_DATASET_SCHEMA_JSON", "{\"columns\": [{\"name\": \"zzz\"}]}",
        "FERRY_DATASET_PATH", dir.resolve("missing.csv").toString(),
        "FERRY_DATASET_FORMAT", "jsonl",
        "FERRY_RESULT_PATH", envResult.toString());
    Run r = run(env, "--schema", schema.toString(), "--data", good.toString(), "--format", "csv",
        "--result", optResult.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(optResult).exists();
    assertThat(envResult).doesNotExist();
  }

  @Test
  void datasetUriIsUsedUnlessItIsAVolume() throws Exception {
    Path data = file("u.csv", "a\n1\n");
    String schema = "{\"columns\": [{\"name\": \"a\"}]}";
    Run viaUri = run(Map.of("FERRY_DATASET_SCHEMA_JSON", schema, "FERRY_DATASET_URI", data.toUri().toString()));
    assertThat(viaUri.exit()).as(viaUri.err()).isZero();

    Run pvc = run(Map.of("FERRY_DATASET_SCHEMA_JSON", schema, "FERRY_DATASET_URI", "pvc://claim/u.csv"));
    assertThat(pvc.exit()).isEqualTo(2);
    assertThat(pvc.err()).contains("pvc://claim/u.csv", "FERRY_DATASET_PATH");
  }

  @Test
  void missingSchemaOrDataIsAnError() throws Exception {
    Path data = file("d.csv", "a\n1\n");
    Run noSchema = run("--data", data.toString());
    assertThat(noSchema.exit()).isEqualTo(2);
    assertThat(noSchema.err()).contains("--schema", "FERRY_DATASET_SCHEMA_JSON");
    Run noData = run(Map.of("FERRY_DATASET_SCHEMA_JSON", "{}"));
    assertThat(noData.exit()).isEqualTo(2);
    assertThat(noData.err()).contains("--data", "FERRY_DATASET_PATH");
    Run badFormat = run(Map.of("FERRY_DATASET_SCHEMA_JSON", "{}", "FERRY_DATASET_FORMAT", "parquet"), "--data",
        data.toString());
    assertThat(badFormat.exit()).isEqualTo(2);
    assertThat(badFormat.err()).contains("parquet", "FERRY_DATASET_FORMAT");
  }

  @Test
  void validatesDataServedOverHttp() throws Exception {
    byte[] body = "age\n1\n2\n-3\n".getBytes(UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/datasets/ages.csv", exchange -> {
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/datasets/ages.csv";
      Path schema = file("s.yaml", "columns: [{name: age, type: integer, min: 0}]\n");
      Path result = dir.resolve("r.json");
      Run r = run(Map.of("FERRY_DATASET_URI", url, "FERRY_RESULT_PATH", result.toString()), "--schema",
          schema.toString());
      assertThat(r.exit()).as(r.err()).isEqualTo(1);
      JsonNode res = result(result);
      assertThat(res.at("/metrics/rows").asLong()).isEqualTo(3);
      assertThat(res.at("/violations/0/rule").asText()).isEqualTo("min");
      assertThat(res.at("/violations/0/lines/0").asLong()).isEqualTo(4);
      assertThat(res.get("datasetDigest").asText())
          .isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));

      Run notFound = run("--schema", schema.toString(), "--data", url.replace("ages", "nope"));
      assertThat(notFound.exit()).isEqualTo(2);
      assertThat(notFound.err()).contains("nope.csv", "file not found (HTTP 404)");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void jsonOutputOfAnUnreadableInputIsStillJson() throws Exception {
    Path schema = file("s.yaml", "columns: []\n");
    Path data = file("rag.csv", "a,b\n1\n");
    Run r = run("--schema", schema.toString(), "--data", data.toString(), "--output", "json");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.json().get("valid").asBoolean()).isFalse();
    assertThat(r.json().get("message").asText()).contains("line 2");
  }
}
