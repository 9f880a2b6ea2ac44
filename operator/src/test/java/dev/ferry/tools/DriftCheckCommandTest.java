package dev.ferry.tools;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftCheckCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;


  private static DriftCheckRun run(Map<String, String> env, String... args) {
    return DriftCheckRun.of(env, args);
  }

  private static DriftCheckRun run(String... args) {
    return DriftCheckRun.of(args);
  }


  private Path file(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  /** A dataset: age (number), plan (category), score (number), label; shift moves age and tilts plan. */
  private Path data(String name, int rows, long seed, double shift) throws IOException {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("age,plan,score,label\n");
    String[] plans = {"basic", "pro", "enterprise"};
    for (int i = 0; i < rows; i++) {
      double age = 40 + 10 * r.nextGaussian() + 15 * shift;
      int plan = r.nextDouble() < 0.6 - 0.4 * shift ? 0 : r.nextDouble() < 0.7 ? 1 : 2;
      b.append(String.format(Locale.ROOT, "%.3f", age)).append(',').append(plans[plan]).append(',')
          .append(r.nextInt(10)).append(',').append(r.nextInt(2)).append('\n');
    }
    return file(name, b.toString());
  }

  private static JsonNode score(JsonNode report, String feature) {
    for (JsonNode s : report.get("scores")) {
      if (s.get("feature").asText().equals(feature)) {
        return s;
      }
    }
    throw new AssertionError("no " + feature + " in " + report);
  }

  @Test
  void reportToWritesANewPageForEachCheckAndTheResultSaysWhere() throws IOException {
    Path b = data("b.csv", 2000, 1, 0);
    Path c = data("c.csv", 2000, 2, 1.5);
    Path root = dir.resolve("mounts");
    Map<String, String> env = Map.of("FERRY_PVC_ROOT", root.toString());
    Path result = dir.resolve("result.json");
    DriftCheckRun first = run(env, "--baseline", b.toString(), "--current", c.toString(), "--report-to",
        "pvc://reports/churn/", "--result", result.toString(), "--succeed-on-drift");
    assertThat(first.exit()).as(first.err()).isZero();
    String page = JSON.readTree(Files.readString(result)).get("report").asText();
    assertThat(page).as("in the form given, named by the check's time")
        .matches("pvc://reports/churn/\\d{8}T\\d{6}\\.\\d{3}Z\\.html");
    Path written = root.resolve("reports/churn").resolve(page.substring(page.lastIndexOf('/') + 1));
    assertThat(Files.readString(written)).startsWith("<!DOCTYPE html>").contains("Dataset drift", "age", "plan");
    assertThat(first.out()).contains("report: " + page);

    DriftCheckRun second = run(env, "--baseline", b.toString(), "--current", b.toString(), "--report-to", "pvc://reports/churn",
        "--output", "json", "--compact");
    String again = second.json().get("report").asText();
    assertThat(again).isNotEqualTo(page);
    assertThat(Files.readString(written)).as("the earlier page is kept as it was").contains("Dataset drift");
    try (var pages = Files.list(root.resolve("reports/churn"))) {
      assertThat(pages.map(p -> p.getFileName().toString())).as("no temporary file left behind")
          .allMatch(n -> n.endsWith(".html")).hasSize(2);
    }
  }

  @Test
  void aReportFolderThatCannotBeWrittenIsAnErrorResultNamingIt() throws IOException {
    Path b = data("b.csv", 500, 1, 0);
    Path blocker = file("blocker", "a file, not a folder");
    Path result = dir.resolve("result.json");
    DriftCheckRun r = run("--baseline", b.toString(), "--current", b.toString(), "--report-to", blocker.resolve("x").toString(),
        "--result", result.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("cannot write the HTML report to " + blocker.resolve("x"));
    assertThat(JSON.readTree(Files.readString(result)).get("result").asText()).isEqualTo("Error");
  }

  @Test
  void sameDistributionIsNoDriftAndExitsZero() throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 3000, 2, 0);
    DriftCheckRun r = run("--baseline", b.toString(), "--current", c.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("NO DRIFT: 0 of 3 features drifted");
    assertThat(r.out()).contains("label: the label, by its name").contains("feature  type");
  }

  @Test
  void withSucceedOnDriftACheckThatRanExitsZeroAndTheVerdictIsInTheResult(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 3000, 2, 1.5);
    Path result = tmp.resolve("result.json");
    DriftCheckRun drift = run("--baseline", b.toString(), "--current", c.toString(), "--succeed-on-drift", "--result",
        result.toString());
    assertThat(drift.exit()).as(drift.err()).isZero();
    assertThat(drift.out()).startsWith("DRIFT");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.toFile()).get("result").asText())
        .isEqualTo("Drift");
    DriftCheckRun unusable = run("--baseline", b.toString(), "--current", tmp.resolve("missing.csv").toString(),
        "--succeed-on-drift");
    assertThat(unusable.exit()).as("unusable input is still an error").isEqualTo(2);
  }

  @Test
  void shiftedDataIsDriftExitsOneAndTheTableIsSortedBySeverity() throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 3000, 2, 1.5);
    DriftCheckRun r = run("--baseline", b.toString(), "--current", c.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode j = r.json();
    assertThat(j.get("kind").asText()).isEqualTo("DriftReport");
    assertThat(j.get("version").asInt()).isEqualTo(1);
    assertThat(j.get("result").asText()).isEqualTo("Drift");
    assertThat(j.get("datasetDrift").asBoolean()).isTrue();
    assertThat(j.get("driftedFeatures").asInt()).isEqualTo(2);
    assertThat(j.get("features").asInt()).isEqualTo(3);
    assertThat(j.get("scores").get(0).get("drifted").asBoolean()).isTrue();
    assertThat(j.get("scores").get(2).get("feature").asText()).isEqualTo("score");
    JsonNode age = score(j, "age");
    assertThat(age.get("test").asText()).isEqualTo("js");
    assertThat(age.get("threshold").asDouble()).isEqualTo(0.1);
    assertThat(age.get("statistics").has("js")).isTrue();
    assertThat(age.get("statistics").has("ks")).as("only the configured test without --all-tests").isFalse();
    assertThat(j.get("baseline").get("digest").asText()).startsWith("sha256:");
    assertThat(j.get("skipped").get(0).get("column").asText()).isEqualTo("label");

    DriftCheckRun text = run("--baseline", b.toString(), "--current", c.toString());
    assertThat(text.out()).startsWith("DRIFT: 2 of 3 features drifted");
  }

  @Test
  void smallSamplesDefaultToKsAndChiSquareWithBonferroniOrBenjaminiHochberg() throws IOException {
    Path b = data("b.csv", 500, 1, 0);
    Path c = data("c.csv", 400, 2, 0.8);
    DriftCheckRun r = run("--baseline", b.toString(), "--current", c.toString(), "--output", "json");
    JsonNode j = r.json();
    assertThat(score(j, "age").get("test").asText()).isEqualTo("ks");
    assertThat(score(j, "plan").get("test").asText()).isEqualTo("chi2");
    assertThat(j.get("pValueTests").asInt()).isEqualTo(3);
    JsonNode age = score(j, "age");
    // The raw p-value from scipy, not from Ferry's own output: Bonferroni multiplies it by the 3 p-value tests.
    dev.ferry.drift.Python.requireScipy();
    double scipyP = Double.parseDouble(dev.ferry.drift.Python.script("""
        import sys, numpy as np
        from scipy.stats import ks_2samp
        a = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1, usecols=0)
        b = np.genfromtxt(sys.argv[2], delimiter=",", skip_header=1, usecols=0)
        print(repr(float(ks_2samp(a, b).pvalue)))
        """, "", b.toString(), c.toString()).strip());
    assertThat(age.get("pValue").asDouble()).isCloseTo(scipyP, within(1e-9 * Math.max(scipyP, 1e-300)));
    assertThat(age.get("score").asDouble()).isCloseTo(Math.min(1, scipyP * 3), within(1e-9 * Math.max(scipyP, 1e-300)));
    Path cfg = file("policy.yaml", "spec:\n  correction: benjamini-hochberg\n  datasetDriftShare: 0.3\n");
    JsonNode bh = run("--baseline", b.toString(), "--current", c.toString(), "--output", "json", "--config",
        cfg.toString()).json();
    assertThat(bh.get("correction").asText()).isEqualTo("benjamini-hochberg");
    assertThat(bh.get("datasetDriftShare").asDouble()).isEqualTo(0.3);
  }

  @Test
  void configuredFeaturesOverrideTestAndThresholdAndDeclareTypesAndLabel() throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 3000, 2, 0.2);
    Path cfg = file("policy.yaml", String.join("\n",
        "apiVersion: ferry.dev/v1alpha1",
        "kind: DriftPolicy",
        "metadata: {name: churn-drift}",
        "spec:",
        "  deployment: churn",
        "  schedule: '0 * * * *'",
        "  current: {uri: pvc://logs/latest.csv}",
        "  baseline:",
        "    uri: /data/train.csv",
        "    schema:",
        "      columns:",
        "        - {name: score, type: category}",
        "        - {name: age, type: number, role: id}",
        "  features:",
        "    - {name: plan, test: linf, threshold: 0.01}",
        "    - {name: score, test: chi2}",
        ""));
    DriftCheckRun r = run("--baseline", b.toString(), "--current", c.toString(), "--config", cfg.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isIn(0, 1);
    JsonNode j = r.json();
    assertThat(j.get("features").asInt()).isEqualTo(2);
    assertThat(score(j, "plan").get("test").asText()).isEqualTo("linf");
    assertThat(score(j, "plan").get("threshold").asDouble()).isEqualTo(0.01);
    assertThat(score(j, "score").get("type").asText()).isEqualTo("category");
    assertThat(score(j, "score").get("threshold").asDouble()).isEqualTo(0.05);
  }

  @Test
  void mixingValueTestsAndCountTestsGivesTheSameNumbersAsAllTests() throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 2000, 2, 0.2);
    Path cfg = file("mixed.yaml", "features:\n  - {name: age, test: wasserstein}\n");
    JsonNode mixed = run("--baseline", b.toString(), "--current", c.toString(), "--config", cfg.toString(),
        "--output", "json").json();
    JsonNode all = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests", "--output", "json").json();
    assertThat(score(mixed, "age").get("test").asText()).isEqualTo("wasserstein");
    assertThat(score(mixed, "age").get("statistics").get("wasserstein"))
        .isEqualTo(score(all, "age").get("statistics").get("wasserstein"));
    assertThat(score(mixed, "score").get("statistics").get("js"))
        .isEqualTo(score(all, "score").get("statistics").get("js"));
  }

  @Test
  void allTestsReportsEveryApplicableStatistic() throws IOException {
    Path b = data("b.csv", 2000, 1, 0);
    Path c = data("c.csv", 2000, 2, 0.3);
    JsonNode j = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests", "--output", "json").json();
    assertThat(score(j, "age").get("statistics").fieldNames()).toIterable()
        .containsExactly("psi", "ks", "ksPValue", "js", "wasserstein", "wassersteinNormed");
    assertThat(score(j, "plan").get("statistics").fieldNames()).toIterable()
        .containsExactly("chi2", "chi2PValue", "js", "linf");
    DriftCheckRun text = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests");
    assertThat(text.out()).contains("all statistics").contains("wassersteinNormed");
  }

  @Test
  void compactFormFitsInFourKibAndKeepsTheVerdictAndTheWorstFeatures() throws IOException {
    int cols = 300;
    StringBuilder b = new StringBuilder();
    StringBuilder c = new StringBuilder();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < cols; i++) {
      names.add("a_rather_long_feature_name_that_goes_on_and_on_number_" + i);
    }
    b.append(String.join(",", names)).append('\n');
    c.append(String.join(",", names)).append('\n');
    Random r = new Random(1);
    for (int row = 0; row < 200; row++) {
      StringBuilder lb = new StringBuilder();
      StringBuilder lc = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        lb.append(i == 0 ? "" : ",").append(r.nextGaussian());
        lc.append(i == 0 ? "" : ",").append(r.nextGaussian() + (i % 2 == 0 ? 3 : 0));
      }
      b.append(lb).append('\n');
      c.append(lc).append('\n');
    }
    Path bp = file("wide-b.csv", b.toString());
    Path cp = file("wide-c.csv", c.toString());
    Path result = dir.resolve("out/termination-log");
    DriftCheckRun run = run(Map.of("FERRY_RESULT_PATH", result.toString()), "--baseline", bp.toString(), "--current",
        cp.toString(), "--compact");
    assertThat(run.exit()).as(run.err()).isEqualTo(1);
    byte[] bytes = Files.readAllBytes(result);
    assertThat(bytes.length).isLessThanOrEqualTo(4096);
    JsonNode j = JSON.readTree(bytes);
    assertThat(j.get("result").asText()).isEqualTo("Drift");
    assertThat(j.get("driftedFeatures").asInt()).isEqualTo(150);
    assertThat(j.get("features").asInt()).isEqualTo(300);
    assertThat(j.get("scores").size()).isGreaterThan(5);
    assertThat(j.get("scores").get(0).get("drifted").asBoolean()).isTrue();
    assertThat(j.get("scoresOmitted").asInt()).isEqualTo(300 - j.get("scores").size());
    assertThat(j.get("message").asText()).contains("150 of 300");
    assertThat(JSON.readTree(run.out())).isEqualTo(j);
  }

  @Test
  void profileOnceThenCheckReadsOnlyTheCurrentDataWithTheSameNumbers() throws IOException {
    Path b = data("b.csv", 3000, 1, 0);
    Path c = data("c.csv", 2500, 2, 0.4);
    Path profile = dir.resolve("profiles/churn.json");
    DriftCheckRun p = run("profile", "--baseline", b.toString(), "--out", profile.toString());
    assertThat(p.exit()).as(p.err()).isZero();
    assertThat(p.out()).contains("3000 rows").contains("2 number and 1 category");
    JsonNode prof = JSON.readTree(profile.toFile());
    assertThat(prof.get("kind").asText()).isEqualTo("DriftProfile");
    assertThat(prof.get("columns").get(0).get("binEdges").size()).isEqualTo(9);
    JsonNode fromFile = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests", "--output", "json")
        .json();
    JsonNode fromProfile = run("--baseline", profile.toString(), "--current", c.toString(), "--all-tests", "--output",
        "json").json();
    assertThat(fromProfile.get("scores")).isEqualTo(fromFile.get("scores"));
    assertThat(fromProfile.get("baseline").get("profile").asBoolean()).isTrue();

    Path sketch = dir.resolve("sketch.json");
    assertThat(run("profile", "--baseline", b.toString(), "--out", sketch.toString(), "--sketch", "100").exit()).isZero();
    JsonNode sk = run("--baseline", sketch.toString(), "--current", c.toString(), "--all-tests", "--output", "json")
        .json();
    double ksExact = score(fromFile, "age").get("statistics").get("ks").asDouble();
    double ksSketch = score(sk, "age").get("statistics").get("ks").asDouble();
    assertThat(Math.abs(ksSketch - ksExact)).isLessThanOrEqualTo(0.01);
    assertThat(score(sk, "age").get("notes").toString()).contains("sketch");
    assertThat(Files.size(sketch)).isLessThan(Files.size(profile));
  }

  @Test
  void spillingToDiskGivesTheSameNumbers() throws IOException {
    Path b = data("b.csv", 70000, 1, 0);
    Path c = data("c.csv", 70000, 2, 0.1);
    JsonNode mem = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests", "--output", "json").json();
    JsonNode disk = run("--baseline", b.toString(), "--current", c.toString(), "--all-tests", "--output", "json",
        "--spool-memory", "0", "--spool-dir", dir.toString()).json();
    assertThat(disk.get("scores")).isEqualTo(mem.get("scores"));
  }

  @Test
  void readsJsonLinesHttpsStyleUrlsAndPvcUris() throws Exception {
    Path b = data("b.csv", 1500, 1, 0);
    StringBuilder jl = new StringBuilder();
    Random r = new Random(3);
    for (int i = 0; i < 1200; i++) {
      jl.append(String.format(Locale.ROOT, "{\"age\": %.3f, \"plan\": \"%s\", \"score\": %d, \"label\": 0}%n",
          40 + 10 * r.nextGaussian(), i % 3 == 0 ? "pro" : "basic", r.nextInt(10)));
    }
    byte[] body = jl.toString().getBytes(UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/logs/current.jsonl", x -> {
      x.sendResponseHeaders(200, body.length);
      try (OutputStream os = x.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/logs/current.jsonl";
      DriftCheckRun http = run("--baseline", b.toString(), "--current", url, "--output", "json");
      assertThat(http.exit()).as(http.err()).isIn(0, 1);
      assertThat(http.json().get("current").get("rows").asInt()).isEqualTo(1200);
    } finally {
      server.stop(0);
    }
    Path mounted = dir.resolve("pvc/inference-log/churn/latest.jsonl");
    Files.createDirectories(mounted.getParent());
    Files.write(mounted, body);
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_PVC_ROOT", dir.resolve("pvc").toString());
    env.put("FERRY_DRIFT_BASELINE", b.toString());
    env.put("FERRY_DRIFT_CURRENT", "pvc://inference-log/churn/latest.jsonl");
    DriftCheckRun pvc = run(env, "--output", "json");
    assertThat(pvc.exit()).as(pvc.err()).isIn(0, 1);
    assertThat(pvc.json().get("current").get("source").asText()).endsWith("pvc/inference-log/churn/latest.jsonl");
  }

  // ---------------------------------------------------------------- bad input

  private DriftCheckRun bad(String... args) {
    DriftCheckRun r = run(args);
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).startsWith("drift-check");
    return r;
  }

  @Test
  void noCommonColumns() throws IOException {
    Path b = file("b.csv", "a,b\n1,2\n");
    Path c = file("c.csv", "x,y\n1,2\n");
    assertThat(bad("--baseline", b.toString(), "--current", c.toString()).err())
        .contains("no common columns").contains("b.csv has [a, b]").contains("c.csv has [x, y]");
  }

  @Test
  void numericInTheBaselineAndTextInTheCurrentNamesFileColumnAndLine() throws IOException {
    Path b = data("b.csv", 100, 1, 0);
    Path c = file("c.csv", "age,plan,score,label\n41,basic,3,0\n42,pro,4,1\nforty,pro,4,1\n");
    DriftCheckRun r = bad("--baseline", b.toString(), "--current", c.toString(), "--output", "json");
    assertThat(r.err()).contains("c.csv, line 4, column \"age\"").contains("\"forty\" is not a number");
    assertThat(r.json().get("result").asText()).isEqualTo("Error");
  }

  @Test
  void emptyCurrentData() throws IOException {
    Path b = data("b.csv", 100, 1, 0);
    Path c = file("c.csv", "age,plan,score,label\n");
    assertThat(bad("--baseline", b.toString(), "--current", c.toString()).err())
        .contains("c.csv").contains("no data rows");
  }

  @Test
  void constantColumnIsReportedNotAnError() throws IOException {
    Path b = file("b.csv", "k,plan\n" + "5,a\n".repeat(50));
    Path c = file("c.csv", "k,plan\n" + "5,a\n".repeat(30) + "6,a\n".repeat(20));
    DriftCheckRun r = run("--baseline", b.toString(), "--current", c.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(score(r.json(), "k").get("notes").toString()).contains("constant in the baseline");
  }

  @Test
  void raggedTruncatedAndBinaryFilesNameFileAndLine() throws IOException {
    Path b = data("b.csv", 100, 1, 0);
    Path ragged = file("ragged.csv", "age,plan,score,label\n41,basic,3,0\n42,pro\n");
    assertThat(bad("--baseline", b.toString(), "--current", ragged.toString()).err())
        .contains("ragged.csv, line 3").contains("ragged row");
    Path truncated = file("truncated.csv", "age,plan,score,label\n41,basic,3,0\n42,\"pro,4,1\n");
    assertThat(bad("--baseline", b.toString(), "--current", truncated.toString()).err())
        .contains("truncated.csv, line 3").contains("never closed");
    Path binary = dir.resolve("binary.csv");
    Files.write(binary, new byte[] {'a', 'g', 'e', '\n', '1', '\n', (byte) 0xff, (byte) 0xfe, 0, 1, '\n'});
    assertThat(bad("--baseline", b.toString(), "--current", binary.toString()).err())
        .contains("binary.csv, line 3").contains("not UTF-8");
    assertThat(bad("--baseline", dir.resolve("missing.csv").toString(), "--current", b.toString()).err())
        .contains("missing.csv: file not found");
  }

  @Test
  void badConfigurationAndOptions() throws IOException {
    Path b = data("b.csv", 100, 1, 0);
    Path typo = file("typo.yaml", "datasetDriftshare: 0.3\n");
    assertThat(bad("--baseline", b.toString(), "--current", b.toString(), "--config", typo.toString()).err())
        .contains("typo.yaml").contains("unknown field datasetDriftshare");
    Path wrongTest = file("wrong.yaml", "features:\n  - {name: plan, test: ks}\n");
    assertThat(bad("--baseline", b.toString(), "--current", b.toString(), "--config", wrongTest.toString()).err())
        .contains("\"plan\" the test ks, which does not apply to a category column");
    Path unknownTest = file("unknown.yaml", "features:\n  - {name: plan, test: hellinger}\n");
    assertThat(bad("--baseline", b.toString(), "--current", b.toString(), "--config", unknownTest.toString()).err())
        .contains("features[0].test").contains("hellinger");
    Path noSuch = file("nosuch.yaml", "features:\n  - {name: tenure, test: psi}\n");
    assertThat(bad("--baseline", b.toString(), "--current", b.toString(), "--config", noSuch.toString()).err())
        .contains("\"tenure\", which is not compared");
    assertThat(bad("--baseline", b.toString(), "--current", b.toString(), "--type", "age=text").err())
        .contains("number or category");
    assertThat(bad("--current", b.toString()).err()).contains("no baseline").contains("FERRY_DRIFT_BASELINE");
    Path notProfile = file("p.json", "{\"kind\": \"Something\"}");
    assertThat(bad("--baseline", notProfile.toString(), "--current", b.toString()).err())
        .contains("p.json: not a drift profile");
  }
}
