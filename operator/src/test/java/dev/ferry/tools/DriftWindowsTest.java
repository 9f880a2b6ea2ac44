package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * drift-check --window: the current data checked window by window (rows, or days of a timestamp
 * column), drift in one window found and placed, and thresholds learned from the baseline's own
 * windows equal to the range a plain check of each baseline window gives.
 */
class DriftWindowsTest {
  private static final ObjectMapper JSON = DriftCheckRun.JSON;
  private static final Instant DAY0 = Instant.parse("2026-11-01T00:00:00Z");

  @TempDir
  Path dir;


  private static DriftCheckRun run(String... args) {
    return DriftCheckRun.of(args);
  }

  /** Rows of ts (one row every {@code secondsApart}), age and plan; {@code shifted} says which rows move. */
  private Path data(String name, int rows, long seed, long secondsApart, java.util.function.IntPredicate shifted)
      throws IOException {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("ts,age,plan,label\n");
    String[] plans = {"basic", "pro", "enterprise"};
    for (int i = 0; i < rows; i++) {
      double shift = shifted.test(i) ? 1.5 : 0;
      double age = 40 + 10 * r.nextGaussian() + 10 * shift;
      int plan = r.nextDouble() < 0.6 - 0.3 * shift ? 0 : r.nextDouble() < 0.7 ? 1 : 2;
      b.append(DAY0.plusSeconds(i * secondsApart)).append(',').append(String.format(Locale.ROOT, "%.3f", age))
          .append(',').append(plans[plan]).append(',').append(r.nextInt(2)).append('\n');
    }
    Path p = dir.resolve(name);
    Files.writeString(p, b.toString());
    return p;
  }

  @Test
  void rowWindowsFindTheOneThatDriftedAndTheLastWindowMayBeShort() throws IOException {
    Path baseline = data("b.csv", 6000, 1, 60, i -> false);
    Path current = data("c.csv", 5500, 2, 60, i -> i >= 2000 && i < 4000);
    DriftCheckRun r = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "2000",
        "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode report = r.json();
    assertThat(report.get("result").asText()).isEqualTo("Drift");
    assertThat(report.get("windows").asInt()).isEqualTo(3);
    assertThat(report.get("driftedWindows").asInt()).isEqualTo(1);
    List<String> seen = new ArrayList<>();
    report.get("byWindow").forEach(w -> seen.add(w.get("label").asText() + " " + w.get("rows").asInt() + " "
        + w.get("result").asText()));
    assertThat(seen).containsExactly("rows 1-2000 2000 NoDrift", "rows 2001-4000 2000 Drift",
        "rows 4001-5500 1500 NoDrift");
    assertThat(report.get("message").asText()).contains("dataset drift in 1 of 3 windows", "most drifted: rows 2001-4000");
  }

  @Test
  void timeWindowsAreDaysInUtcTheTimestampIsNotAFeatureAndTheCompactResultNamesTheWorstDay() throws IOException {
    Path baseline = data("b.csv", 4000, 1, 90, i -> false);
    // 1,440 rows a day (one a minute) for three days; the second day drifts.
    Path current = data("c.csv", 3 * 1440, 3, 60, i -> i / 1440 == 1);
    Path result = dir.resolve("result.json");
    Path html = dir.resolve("page.html");
    DriftCheckRun r = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "ts:1d",
        "--result", result.toString(), "--html", html.toString(), "--succeed-on-drift");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("DRIFT: dataset drift in 1 of 3 windows of ts:1d")
        .contains("2026-11-02T00:00:00Z/2026-11-03T00:00:00Z");
    JsonNode compact = JSON.readTree(Files.readString(result));
    assertThat(compact.get("result").asText()).isEqualTo("Drift");
    assertThat(compact.get("window").asText()).isEqualTo("2026-11-02T00:00:00Z/2026-11-03T00:00:00Z");
    assertThat(compact.get("windows").asInt()).isEqualTo(3);
    assertThat(compact.get("scores")).extracting(s -> s.get("feature").asText()).containsExactlyInAnyOrder("age", "plan");
    assertThat(Files.size(result)).isLessThanOrEqualTo(4096);

    DriftCheckRun json = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "ts:1d",
        "--output", "json");
    JsonNode day1 = json.json().get("byWindow").get(0);
    assertThat(day1.get("from").asText()).isEqualTo("2026-11-01T00:00:00Z");
    assertThat(day1.get("to").asText()).isEqualTo("2026-11-02T00:00:00Z");
    assertThat(day1.get("rows").asInt()).isEqualTo(1440);

    String page = Files.readString(html);
    assertThat(page).contains("<section class=\"trend\" data-feature=\"age\"", "<section class=\"trend\" data-feature=\"plan\"");
    assertThat(page.split("<circle class=\"point drift\"", -1)).as("age and plan drift in one window each").hasSize(3);
    assertThat(page.split("<circle class=\"point ", -1)).as("two features, three windows").hasSize(7);
  }

  @Test
  void rowsOutOfTimeOrderAndBadTimestampsAreErrorsThatNameTheLine() throws IOException {
    Path baseline = data("b.csv", 500, 1, 60, i -> false);
    Path current = dir.resolve("c.csv");
    Files.writeString(current, "ts,age,plan\n2026-11-02T10:00:00Z,40,basic\n2026-11-03T10:00:00Z,41,pro\n"
        + "2026-11-01T09:00:00Z,42,basic\n");
    DriftCheckRun late = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "ts:1d");
    assertThat(late.exit()).isEqualTo(2);
    assertThat(late.err()).contains("line 4", "column \"ts\"", "time order");

    Files.writeString(current, "ts,age,plan\n2026-11-02T10:00:00Z,40,basic\nyesterday,41,pro\n");
    DriftCheckRun bad = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "ts:1d");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("line 3", "\"yesterday\" is not a timestamp");

    DriftCheckRun noColumn = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "time:1h");
    assertThat(noColumn.err()).contains("no column \"time\"");
    DriftCheckRun badSpec = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "ts:1y");
    assertThat(badSpec.err()).contains("--window ts:1y", "s, m, h, d or w");
  }

  @Test
  void learnedThresholdsAreTheRangeOfTheBaselinesOwnWindows() throws IOException {
    Path baseline = data("b.csv", 5000, 1, 60, i -> false);
    Path current = data("c.csv", 2000, 4, 60, i -> i >= 1000);
    DriftCheckRun r = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "1000",
        "--learn-thresholds", "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode learned = r.json().get("learnedThresholds");
    assertThat(learned.get("age").get("windows").asInt()).isEqualTo(5);

    // The same numbers from plain checks of each baseline window against the whole baseline.
    List<String> lines = Files.readAllLines(baseline);
    double maxAge = 0;
    double maxPlan = 0;
    for (int w = 0; w < 5; w++) {
      Path chunk = dir.resolve("chunk" + w + ".csv");
      List<String> part = new ArrayList<>(List.of(lines.get(0)));
      part.addAll(lines.subList(1 + w * 1000, 1 + (w + 1) * 1000));
      Files.write(chunk, part);
      JsonNode plain = run("--baseline", baseline.toString(), "--current", chunk.toString(), "--output", "json")
          .json();
      for (JsonNode s : plain.get("scores")) {
        if (s.get("feature").asText().equals("age")) {
          maxAge = Math.max(maxAge, s.get("score").asDouble());
        } else if (s.get("feature").asText().equals("plan")) {
          maxPlan = Math.max(maxPlan, s.get("score").asDouble());
        }
      }
    }
    assertThat(learned.get("age").get("threshold").asDouble()).isCloseTo(maxAge, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(learned.get("plan").get("threshold").asDouble()).isCloseTo(maxPlan, org.assertj.core.data.Offset.offset(1e-12));
    JsonNode windows = r.json().get("byWindow");
    assertThat(windows.get(0).get("result").asText()).isEqualTo("NoDrift");
    assertThat(windows.get(1).get("result").asText()).isEqualTo("Drift");
    assertThat(windows.get(1).get("scores").get(0).get("threshold").asDouble()).as("the learned one is applied")
        .isIn(maxAge, maxPlan);
  }

  @Test
  void learningNeedsEnoughBaselineWindowsAndTheBaselinesRows() throws IOException {
    Path baseline = data("b.csv", 1500, 1, 60, i -> false);
    Path current = data("c.csv", 500, 2, 60, i -> false);
    DriftCheckRun few = run("--baseline", baseline.toString(), "--current", current.toString(), "--window", "1000",
        "--learn-thresholds");
    assertThat(few.exit()).isEqualTo(2);
    assertThat(few.err()).contains("splits into 2 windows of 1000", "at least 3");
    DriftCheckRun alone = run("--baseline", baseline.toString(), "--current", current.toString(), "--learn-thresholds");
    assertThat(alone.err()).contains("give --window too");
    Path profile = dir.resolve("b.profile.json");
    DriftCheckRun made = run("profile", "--baseline", baseline.toString(), "--out", profile.toString());
    assertThat(made.exit()).as(made.err()).isZero();
    DriftCheckRun fromProfile = run("--baseline", profile.toString(), "--current", current.toString(), "--window", "100",
        "--learn-thresholds");
    assertThat(fromProfile.err()).contains("is a profile");
    DriftCheckRun windowsOnProfile = run("--baseline", profile.toString(), "--current", current.toString(), "--window", "100",
        "--output", "json", "--succeed-on-drift");
    assertThat(windowsOnProfile.exit()).as(windowsOnProfile.err()).isZero();
    assertThat(windowsOnProfile.json().get("byWindow")).as("a profile's windows need no second read").hasSize(5);
  }
}
