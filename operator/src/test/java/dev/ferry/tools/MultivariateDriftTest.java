package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.drift.Python;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --multivariate: a correlation that flips leaves every feature's own distribution as it was, so
 * the per-feature tests find nothing; the PCA reconstruction error finds it. Its numbers are those
 * of numpy's eigen-decomposition on the same files.
 */
class MultivariateDriftTest {
  private static final ObjectMapper JSON = DriftCheckRun.JSON;

  @TempDir
  Path dir;


  private static DriftCheckRun run(String... args) {
    return DriftCheckRun.of(args);
  }

  /** income and spend correlated by {@code rho}, tenure independent, plan a category; a few values missing. */
  private Path data(String name, int rows, long seed, double rho) throws IOException {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("income,spend,tenure,plan\n");
    for (int i = 0; i < rows; i++) {
      double x = r.nextGaussian();
      double y = rho * x + Math.sqrt(1 - rho * rho) * r.nextGaussian();
      b.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%s%n", 50 + 10 * x, 20 + 5 * y, 3 + r.nextGaussian(),
          r.nextBoolean() ? "basic" : "pro").replace("\r", ""));
      if (i % 997 == 0) {
        b.setLength(b.length() - 1);
        b.setLength(b.lastIndexOf(",", b.lastIndexOf(",") - 1) + 1);
        b.append(",").append(r.nextBoolean() ? "basic" : "pro").append('\n'); // tenure missing
      }
    }
    Path p = dir.resolve(name);
    Files.writeString(p, b.toString());
    return p;
  }

  @Test
  void aFlippedCorrelationIsFoundTogetherThoughNoFeatureAloneDrifts() throws IOException {
    Path baseline = data("b.csv", 5000, 1, 0.8);
    Path flipped = data("c.csv", 5000, 2, -0.8);
    DriftCheckRun alone = run("--baseline", baseline.toString(), "--current", flipped.toString(), "--output", "json");
    assertThat(alone.exit()).as(alone.err()).isZero();
    assertThat(alone.json().get("driftedFeatures").asInt()).as("each marginal is unchanged").isZero();
    assertThat(alone.json().get("scores")).as("missing values take part (imputed with the baseline's mean)")
        .anySatisfy(s -> assertThat(s.get("baselineMissing").asDouble()).isPositive());

    Path html = dir.resolve("page.html");
    DriftCheckRun together = run("--baseline", baseline.toString(), "--current", flipped.toString(), "--output", "json",
        "--multivariate", "--html", html.toString());
    assertThat(Files.readString(html)).contains("<section class=\"multivariate drift\">", "3 number features together");
    assertThat(together.exit()).as(together.err()).isEqualTo(1);
    JsonNode report = together.json();
    assertThat(report.get("driftedFeatures").asInt()).isZero();
    assertThat(report.get("result").asText()).isEqualTo("Drift");
    JsonNode m = report.get("multivariate");
    assertThat(m.get("drifted").asBoolean()).isTrue();
    assertThat(m.get("ratio").asDouble()).as("the flipped direction is the one PCA dropped").isGreaterThan(1.5);
    assertThat(m.get("features")).extracting(JsonNode::asText).containsExactlyInAnyOrder("income", "spend", "tenure");
    assertThat(report.get("message").asText()).contains("multivariate: reconstruction error", "above");
  }

  @Test
  void unchangedDataStaysWithinTheThresholdAndTheResultCarriesIt() throws IOException {
    Path baseline = data("b.csv", 5000, 1, 0.8);
    Path same = data("c.csv", 3000, 3, 0.8);
    Path result = dir.resolve("result.json");
    DriftCheckRun r = run("--baseline", baseline.toString(), "--current", same.toString(), "--multivariate", "--result",
        result.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("multivariate: PCA reconstruction error", "no drift");
    JsonNode compact = JSON.readTree(Files.readString(result));
    assertThat(compact.get("multivariate").get("drifted").asBoolean()).isFalse();
    assertThat(compact.get("multivariate").get("error").asDouble())
        .isLessThan(compact.get("multivariate").get("threshold").asDouble());
  }

  @Test
  void theErrorsAreNumpysOnTheSameFiles() throws IOException {
    Python.requireScipy();
    Path baseline = data("b.csv", 4000, 5, 0.6);
    Path current = data("c.csv", 2500, 6, -0.3);
    JsonNode m = run("--baseline", baseline.toString(), "--current", current.toString(), "--multivariate",
        "--output", "json").json().get("multivariate");
    String out = Python.script("""
        import sys, numpy as np
        def load(p):
            return np.genfromtxt(p, delimiter=',', skip_header=1, usecols=(0, 1, 2))
        b, c = load(sys.argv[1]), load(sys.argv[2])
        full = b[~np.isnan(b).any(axis=1)]
        mean, sd = full.mean(axis=0), full.std(axis=0, ddof=1)
        vals, vecs = np.linalg.eigh(np.corrcoef(full, rowvar=False))
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
        k = 0
        while k < 2 and vals[:k].sum() / vals.sum() < 0.65:
            k += 1
        P = vecs[:, :k]
        def err(x):
            x = np.where(np.isnan(x), mean, x)
            z = (x - mean) / sd
            return np.linalg.norm(z - z @ P @ P.T, axis=1)
        eb, ec = err(b), err(c)
        print(k, eb.mean(), eb.std(ddof=1), ec.mean(), eb.mean() + 3 * eb.std(ddof=1) / np.sqrt(len(c)))
        """, null, baseline.toString(), current.toString());
    String[] f = out.trim().split(" ");
    assertThat(m.get("components").asInt()).isEqualTo(Integer.parseInt(f[0]));
    assertThat(m.get("baselineError").asDouble()).isCloseTo(Double.parseDouble(f[1]), within(1e-9));
    assertThat(m.get("baselineErrorStd").asDouble()).isCloseTo(Double.parseDouble(f[2]), within(1e-9));
    assertThat(m.get("error").asDouble()).isCloseTo(Double.parseDouble(f[3]), within(1e-9));
    assertThat(m.get("threshold").asDouble()).isCloseTo(Double.parseDouble(f[4]), within(1e-9));
  }

  @Test
  void itNeedsTwoNumberFeaturesAndTheBaselinesRows() throws IOException {
    Path one = dir.resolve("one.csv");
    Files.writeString(one, "income,plan\n1,a\n2,b\n3,a\n");
    DriftCheckRun r = run("--baseline", one.toString(), "--current", one.toString(), "--multivariate");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("at least 2 number features", "there is 1");
    Path baseline = data("b.csv", 500, 1, 0.8);
    Path profile = dir.resolve("b.profile.json");
    assertThat(run("profile", "--baseline", baseline.toString(), "--out", profile.toString()).exit()).isZero();
    DriftCheckRun p = run("--baseline", profile.toString(), "--current", baseline.toString(), "--multivariate");
    assertThat(p.err()).contains("is a profile");
    DriftCheckRun w = run("--baseline", baseline.toString(), "--current", baseline.toString(), "--multivariate", "--window", "100");
    assertThat(w.err()).contains("does not yet run per --window");
  }
}
