package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model's own columns checked like features and reported apart (its prediction, its target
 * in the current data or in labels that arrive later), and data-quality figures that can be
 * gates: missing share, unseen categories, values out of the baseline's range.
 */
class ModelOutputsAndDataQualityTest {
  private static final ObjectMapper JSON = DriftCheckRun.JSON;

  @TempDir
  Path dir;


  private static DriftCheckRun run(String... args) {
    return DriftCheckRun.of(args);
  }

  /** age, plan, score (the model's output) and churned; {@code scoreShift} moves only the prediction, {@code churnRate} the label. */
  private Path data(String name, int rows, long seed, double scoreShift, double churnRate) throws IOException {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("age,plan,score,churned\n");
    for (int i = 0; i < rows; i++) {
      b.append(String.format(Locale.ROOT, "%.3f,%s,%.4f,%d%n", 40 + 10 * r.nextGaussian(),
          r.nextDouble() < 0.6 ? "basic" : "pro", Math.min(1, Math.max(0, 0.3 + scoreShift + 0.1 * r.nextGaussian())),
          r.nextDouble() < churnRate ? 1 : 0));
    }
    Path p = dir.resolve(name);
    Files.writeString(p, b.toString());
    return p;
  }

  private static JsonNode score(JsonNode report, String feature) {
    return DriftCheckRun.score(report, feature);
  }

  @Test
  void aPredictionThatMovesIsDriftThoughNoInputDid() throws IOException {
    Path baseline = data("b.csv", 4000, 1, 0, 0.2);
    Path current = data("c.csv", 4000, 2, 0.25, 0.2);
    DriftCheckRun r = run("--baseline", baseline.toString(), "--current", current.toString(), "--prediction", "score",
        "--label", "churned", "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode report = r.json();
    assertThat(report.get("predictionDrift").asBoolean()).isTrue();
    assertThat(report.get("driftedFeatures").asInt()).isZero();
    assertThat(report.get("features").asInt()).as("the prediction is not counted as an input").isEqualTo(2);
    assertThat(score(report, "score").get("role").asText()).isEqualTo("prediction");
    assertThat(report.get("message").asText()).contains("prediction score drifted");
    DriftCheckRun text = run("--baseline", baseline.toString(), "--current", current.toString(), "--prediction", "score",
        "--label", "churned");
    assertThat(text.out()).contains("prediction: score", ": DRIFT", "score (prediction)");
  }

  @Test
  void theTargetIsTestedFromTheCurrentDataOrFromLabelsThatArriveLater() throws IOException {
    Path baseline = data("b.csv", 4000, 1, 0, 0.2);
    Path current = data("c.csv", 4000, 3, 0, 0.45);
    DriftCheckRun left = run("--baseline", baseline.toString(), "--current", current.toString(), "--label", "churned",
        "--output", "json");
    assertThat(left.json().get("targetDrift").asBoolean()).as("without --target the label is left out").isFalse();
    DriftCheckRun tested = run("--baseline", baseline.toString(), "--current", current.toString(), "--target", "churned",
        "--output", "json");
    assertThat(tested.exit()).as(tested.err()).isEqualTo(1);
    assertThat(tested.json().get("targetDrift").asBoolean()).isTrue();
    assertThat(score(tested.json(), "churned").get("role").asText()).isEqualTo("target");

    // The features of today, the labels of last week: a file with the label column only.
    Path features = dir.resolve("features.csv");
    List<String> lines = Files.readAllLines(data("c2.csv", 3000, 4, 0, 0.2));
    List<String> noLabel = new ArrayList<>();
    lines.forEach(l -> noLabel.add(l.substring(0, l.lastIndexOf(','))));
    Files.write(features, noLabel);
    Path labels = dir.resolve("labels.csv");
    StringBuilder lb = new StringBuilder("customer,churned\n");
    Random random = new Random(5);
    for (int i = 0; i < 2000; i++) {
      lb.append("c").append(i).append(',').append(random.nextDouble() < 0.5 ? 1 : 0).append('\n');
    }
    Files.writeString(labels, lb.toString());
    DriftCheckRun later = run("--baseline", baseline.toString(), "--current", features.toString(), "--target", "churned",
        "--labels", labels.toString(), "--output", "json");
    assertThat(later.exit()).as(later.err()).isEqualTo(1);
    JsonNode report = later.json();
    assertThat(report.get("targetDrift").asBoolean()).isTrue();
    assertThat(report.get("driftedFeatures").asInt()).as("the features are today's, unchanged").isZero();
    assertThat(score(report, "churned").get("baselineMissing").asDouble()).isZero();

    DriftCheckRun none = run("--baseline", baseline.toString(), "--current", features.toString(), "--target", "churned");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("the target churned is not in both the baseline and the current data");
    DriftCheckRun noTarget = run("--baseline", baseline.toString(), "--current", features.toString(), "--labels",
        labels.toString());
    assertThat(noTarget.err()).contains("--target COLUMN");
  }

  /** 1,000 rows: 150 without an age, 80 with a plan the baseline never had, 60 with an age outside its range. */
  private Path dirty() throws IOException {
    StringBuilder b = new StringBuilder("age,plan,score,churned\n");
    Random r = new Random(9);
    for (int i = 0; i < 1000; i++) {
      String age = i < 150 ? "" : i < 210 ? "500" : String.format(Locale.ROOT, "%.3f", 40 + 5 * r.nextGaussian());
      String plan = i >= 900 && i < 980 ? "platinum" : r.nextDouble() < 0.6 ? "basic" : "pro";
      b.append(age).append(',').append(plan).append(',').append("0.3,0\n");
    }
    Path p = dir.resolve("dirty.csv");
    Files.writeString(p, b.toString());
    return p;
  }

  @Test
  void dataQualityFiguresAreExactOnEveryPathAndGatesFailTheCheck() throws IOException {
    Path baseline = data("b.csv", 4000, 1, 0, 0.2);
    Path current = dirty();
    Path profile = dir.resolve("b.profile.json");
    assertThat(run("profile", "--baseline", baseline.toString(), "--out", profile.toString(), "--label", "churned")
        .exit()).isZero();
    // Counts only (PSI), values kept (KS, --all-tests reads both files at once), and a profile: the same figures.
    for (String[] how : List.of(new String[] {"--baseline", baseline.toString()},
        new String[] {"--baseline", baseline.toString(), "--all-tests"}, new String[] {"--baseline", profile.toString()})) {
      List<String> args = new ArrayList<>(List.of(how));
      args.addAll(List.of("--current", current.toString(), "--label", "churned", "--output", "json"));
      DriftCheckRun r = run(args.toArray(String[]::new));
      assertThat(r.exit()).as(String.join(" ", how) + ": " + r.err()).isIn(0, 1);
      JsonNode report = r.json();
      assertThat(score(report, "age").get("currentMissing").asDouble()).isCloseTo(0.15, within(1e-12));
      assertThat(score(report, "age").get("outOfRangeShare").asDouble()).as(String.join(" ", how))
          .isCloseTo(60.0 / 850, within(1e-12));
      assertThat(score(report, "plan").get("unseenShare").asDouble()).isCloseTo(0.08, within(1e-12));
      assertThat(report.get("qualityFailures")).as("no gate, no failure").isEmpty();
    }

    Path result = dir.resolve("result.json");
    DriftCheckRun gated = run("--baseline", baseline.toString(), "--current", current.toString(), "--label", "churned",
        "--max-missing", "0.1", "--max-unseen", "0.05", "--max-out-of-range", "0.1", "--result", result.toString());
    assertThat(gated.exit()).as(gated.err()).isEqualTo(3);
    assertThat(gated.out()).startsWith("DATA QUALITY FAILED: ");
    JsonNode compact = JSON.readTree(Files.readString(result));
    assertThat(compact.get("result").asText()).isEqualTo("DataQualityFailed");
    assertThat(compact.get("qualityFailures")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
        "age: missing 15.00% > 10.00%", "plan: unseen categories 8.00% > 5.00%");
    DriftCheckRun bad = run("--baseline", baseline.toString(), "--current", current.toString(), "--max-missing", "1.5");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--max-missing 1.5: a share between 0 and 1");
  }
}
