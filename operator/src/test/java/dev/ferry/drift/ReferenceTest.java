package dev.ferry.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.tools.DriftCheckCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * drift-check's numbers against drift_reference.py (numpy and scipy) on generated datasets:
 * statistics to 1e-9 relative, p-values to 1e-6 absolute, from a baseline file and from a profile.
 */
class ReferenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] NUMERIC = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"};
  private static final String[][] CATS = {{"basic", "pro", "enterprise"}, {"web", "ios", "android", "partner", "store"}};

  @TempDir
  Path dir;

  /** A cell generator: (row, column) to the cell text; null is an empty cell. */
  interface Cells extends BiFunction<Integer, String, String> {}

  private Path write(String name, int rows, Cells cells) throws IOException {
    Path p = dir.resolve(name);
    try (Writer w = Files.newBufferedWriter(p)) {
      w.write(String.join(",", NUMERIC) + ",c0,c1,label\n");
      for (int i = 0; i < rows; i++) {
        StringBuilder b = new StringBuilder();
        for (String c : NUMERIC) {
          String v = cells.apply(i, c);
          b.append(v == null ? "" : v).append(',');
        }
        b.append(cells.apply(i, "c0")).append(',').append(cells.apply(i, "c1")).append(',').append(i % 5 == 0 ? 1 : 0);
        w.write(b.append('\n').toString());
      }
    }
    return p;
  }

  private static Cells random(long seed, double shift, double missing) {
    Random r = new Random(seed);
    return (i, c) -> {
      switch (c) {
        case "c0":
          return CATS[0][pick(r, new double[] {0.6 - 0.2 * shift, 0.3 + 0.1 * shift, 0.1 + 0.1 * shift})];
        case "c1":
          return CATS[1][pick(r, new double[] {0.4 - 0.1 * shift, 0.25, 0.2, 0.1 + 0.05 * shift, 0.05 + 0.05 * shift})];
        default:
          if (r.nextDouble() < missing) {
            return null;
          }
          double g = r.nextGaussian();
          return Double.toString(switch (c) {
            case "x0" -> 50 + 5 * shift + 10 * g;
            case "x1" -> Math.exp(3 + 0.2 * shift + 0.5 * g);
            case "x2" -> r.nextDouble() * (1 + 0.3 * shift);
            case "x3" -> r.nextInt(100) + (int) (10 * shift);
            case "x4" -> g * (1 + shift);
            case "x5" -> -Math.log(1 - r.nextDouble()) * (2 + shift);
            case "x6" -> -20 + 3 * g;
            default -> Math.abs(g) * (2 + shift) * 2;
          });
      }
    };
  }

  private static int pick(Random r, double[] p) {
    double sum = 0;
    for (double x : p) {
      sum += x;
    }
    double u = r.nextDouble() * sum;
    for (int i = 0; i < p.length; i++) {
      u -= p[i];
      if (u < 0) {
        return i;
      }
    }
    return p.length - 1;
  }

  private JsonNode reference(Path b, Path c) throws IOException {
    return JSON.readTree(Python.script("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], "
        + "run_name='__main__')", null, Python.reference().toString(), "check", b.toString(), c.toString()))
        .get("features");
  }

  private JsonNode ours(String baseline, Path current, String... more) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new DriftCheckCommand(Map.of()));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> args = new ArrayList<>(List.of("--baseline", baseline, "--current", current.toString(),
        "--all-tests", "--output", "json"));
    args.addAll(List.of(more));
    int exit = cl.execute(args.toArray(new String[0]));
    assertThat(exit).as(err.toString()).isIn(0, 1);
    return JSON.readTree(out.toString());
  }

  /** Every reference number equals ours: p-values to 1e-6 absolute, the rest to 1e-9 relative. */
  private void compare(Path b, Path c) throws IOException {
    Python.requireScipy();
    JsonNode ref = reference(b, c);
    JsonNode fromFile = ours(b.toString(), c);
    Path profile = dir.resolve(b.getFileName() + ".profile.json");
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new DriftCheckCommand(Map.of()));
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    assertThat(cl.execute("profile", "--baseline", b.toString(), "--out", profile.toString())).as(err.toString())
        .isZero();
    JsonNode fromProfile = ours(profile.toString(), c);
    for (JsonNode report : List.of(fromFile, fromProfile)) {
      int compared = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = ref.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> feature = it.next();
        JsonNode stats = statistics(report, feature.getKey());
        for (Iterator<Map.Entry<String, JsonNode>> s = feature.getValue().fields(); s.hasNext(); ) {
          Map.Entry<String, JsonNode> e = s.next();
          String what = feature.getKey() + "." + e.getKey() + " (" + b.getFileName() + " vs " + c.getFileName() + ")";
          assertThat(stats.has(e.getKey())).as(what + " reported").isTrue();
          double expected = e.getValue().asDouble();
          double actual = stats.get(e.getKey()).asDouble();
          if (e.getKey().endsWith("PValue")) {
            assertThat(Math.abs(actual - expected)).as(what + ": " + actual + " vs " + expected).isLessThanOrEqualTo(1e-6);
          } else {
            assertThat(Math.abs(actual - expected)).as(what + ": " + actual + " vs " + expected)
                .isLessThanOrEqualTo(1e-9 * Math.abs(expected));
          }
          compared++;
        }
      }
      assertThat(compared).isEqualTo(8 * 5 + 2 * 3);
    }
  }

  private static JsonNode statistics(JsonNode report, String feature) {
    for (JsonNode s : report.get("scores")) {
      if (s.get("feature").asText().equals(feature)) {
        return s.get("statistics");
      }
    }
    throw new AssertionError("no feature " + feature + " in " + report);
  }

  @Test
  void generatedByTheReferenceNoShiftAndShifted() throws IOException {
    Python.requireScipy();
    Path b = dir.resolve("gen-base.csv");
    Path same = dir.resolve("gen-same.csv");
    Path shifted = dir.resolve("gen-shift.csv");
    String ref = Python.reference().toString();
    String run = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')";
    Python.script(run, null, ref, "gen", b.toString(), "--rows", "20000", "--seed", "11");
    Python.script(run, null, ref, "gen", same.toString(), "--rows", "15000", "--seed", "12");
    Python.script(run, null, ref, "gen", shifted.toString(), "--rows", "15000", "--seed", "13", "--shift", "0.5");
    compare(b, same);
    compare(b, shifted);
  }

  @Test
  void ties() throws IOException {
    Random r = new Random(3);
    Cells base = random(1, 0, 0);
    Cells tie = (i, c) -> c.startsWith("x") ? Integer.toString(r.nextInt(c.equals("x0") ? 3 : 12)) : base.apply(i, c);
    compare(write("ties-b.csv", 3000, tie), write("ties-c.csv", 2500, tie));
  }

  @Test
  void constantColumns() throws IOException {
    Cells base = random(5, 0, 0);
    Cells constant = (i, c) -> switch (c) {
      case "x0", "c0" -> c.equals("x0") ? "7" : "basic";
      default -> base.apply(i, c);
    };
    Cells other = random(6, 0.3, 0);
    Cells changed = (i, c) -> c.equals("x0") ? (i % 3 == 0 ? "8" : "7") : other.apply(i, c);
    compare(write("const-b.csv", 2000, constant), write("const-c.csv", 2200, constant));
    compare(write("const2-b.csv", 2000, constant), write("const2-c.csv", 1800, changed));
  }

  @Test
  void tinySamplesWhereScipyComputesTheExactKs() throws IOException {
    compare(write("tiny-b.csv", 7, random(7, 0, 0)), write("tiny-c.csv", 5, random(8, 1, 0)));
    compare(write("small-b.csv", 300, random(9, 0, 0)), write("small-c.csv", 300, random(10, 0.4, 0)));
    compare(write("mid-b.csv", 4000, random(11, 0, 0)), write("mid-c.csv", 2500, random(12, 0.1, 0)));
  }

  @Test
  void hugeValues() throws IOException {
    Cells base = random(13, 0, 0);
    Cells huge = (i, c) -> {
      String v = base.apply(i, c);
      if (!c.startsWith("x") || v == null) {
        return v;
      }
      double scale = switch (c) {
        case "x0" -> 1e15;
        case "x1" -> 1e200;
        case "x2" -> -1e100;
        case "x3" -> 1e-200;
        default -> 1e12;
      };
      return Double.toString(Double.parseDouble(v) * scale);
    };
    Cells base2 = random(14, 0.2, 0);
    Cells huge2 = (i, c) -> {
      String v = base2.apply(i, c);
      return c.startsWith("x") && v != null ? Double.toString(Double.parseDouble(v) * 1e15) : v;
    };
    compare(write("huge-b.csv", 3000, huge), write("huge-c.csv", 3000, huge));
    compare(write("huge2-b.csv", 3000, huge2), write("huge2-c.csv", 2000, huge2));
  }

  @Test
  void missingValues() throws IOException {
    compare(write("miss-b.csv", 5000, random(15, 0, 0.2)), write("miss-c.csv", 4000, random(16, 0.2, 0.45)));
  }
}
