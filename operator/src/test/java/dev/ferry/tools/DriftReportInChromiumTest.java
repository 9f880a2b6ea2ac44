package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.HeadlessChromium;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The HTML report as a browser draws it: Debian's Chromium, headless, opens the page drift-check
 * wrote; from its layout every feature has a chart with bars of non-zero height, and from the
 * screenshot every chart's area holds the baseline's and the current data's colours.
 */
class DriftReportInChromiumTest {
  /** The bar colours of HtmlReport's style: baseline grey, current blue, a drifted current red. */
  private static final int BASELINE = 0x9aa5b1;
  private static final int CURRENT = 0x2b7bb9;
  private static final int DRIFTED = 0xd1453b;

  @TempDir
  Path dir;

  private Path data(String name, int rows, long seed, double shift) throws Exception {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("tenure,plan,charges,channel,label\n");
    String[] plans = {"basic", "pro", "enterprise"};
    String[] channels = {"web", "ios", "android", "partner"};
    for (int i = 0; i < rows; i++) {
      b.append(String.format(Locale.ROOT, "%.2f", Math.abs(30 + 15 * r.nextGaussian() + 20 * shift))).append(',')
          .append(plans[r.nextDouble() < 0.5 - 0.3 * shift ? 0 : r.nextInt(3)]).append(',')
          .append(String.format(Locale.ROOT, "%.2f", 70 + 20 * r.nextGaussian())).append(',')
          .append(channels[r.nextInt(4)]).append(',').append(r.nextInt(2)).append('\n');
    }
    Path p = dir.resolve(name);
    Files.writeString(p, b.toString());
    return p;
  }

  private static boolean near(int rgb, int colour) {
    int dr = ((rgb >> 16) & 0xff) - ((colour >> 16) & 0xff);
    int dg = ((rgb >> 8) & 0xff) - ((colour >> 8) & 0xff);
    int db = (rgb & 0xff) - (colour & 0xff);
    return Math.abs(dr) <= 12 && Math.abs(dg) <= 12 && Math.abs(db) <= 12;
  }

  @Test
  void everyFeaturesChartIsDrawn() throws Exception {
    Path html = dir.resolve("drift.html");
    int exit = new CommandLine(new DriftCheckCommand(Map.of())).setOut(new PrintWriter(new StringWriter()))
        .execute("--baseline", data("baseline.csv", 4000, 1, 0).toString(),
            "--current", data("current.csv", 3000, 2, 1).toString(), "--html", html.toString(), "--succeed-on-drift");
    assertThat(exit).isZero();

    try (HeadlessChromium browser = HeadlessChromium.open(html.toUri().toString(), 1000, 900)) {
      JsonNode features = browser.evaluate("""
          [...document.querySelectorAll('section.feature')].map(s => {
            const svg = s.querySelector('svg.chart');
            const r = svg.getBoundingClientRect();
            return {feature: s.dataset.feature, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
              drawn: [...svg.querySelectorAll('rect.bar')].filter(b => b.getBoundingClientRect().height > 0).length,
              bars: svg.querySelectorAll('rect.bar').length};
          })""");
      assertThat(features).hasSize(4);
      JsonNode rows = browser.evaluate("document.querySelectorAll('table.summary tbody tr').length");
      assertThat(rows.asInt()).as("summary rows").isEqualTo(4);
      BufferedImage shot = ImageIO.read(new ByteArrayInputStream(browser.screenshot()));
      assertThat(shot).isNotNull();
      for (JsonNode f : features) {
        String name = f.path("feature").asText();
        assertThat(f.path("w").asDouble()).as("%s chart width", name).isGreaterThan(300);
        assertThat(f.path("drawn").asInt()).as("%s bars laid out with a height", name).isPositive();
        int baseline = 0;
        int current = 0;
        for (int y = (int) f.path("y").asDouble(); y < f.path("y").asDouble() + f.path("h").asDouble()
            && y < shot.getHeight(); y++) {
          for (int x = (int) f.path("x").asDouble(); x < f.path("x").asDouble() + f.path("w").asDouble()
              && x < shot.getWidth(); x++) {
            int rgb = shot.getRGB(x, y) & 0xffffff;
            if (near(rgb, BASELINE)) {
              baseline++;
            } else if (near(rgb, CURRENT) || near(rgb, DRIFTED)) {
              current++;
            }
          }
        }
        System.out.printf("chromium: %s chart at (%.0f, %.0f) %.0fx%.0f: %d baseline and %d current pixels%n", name,
            f.path("x").asDouble(), f.path("y").asDouble(), f.path("w").asDouble(), f.path("h").asDouble(), baseline,
            current);
        assertThat(baseline).as("%s: baseline bars painted", name).isGreaterThan(100);
        assertThat(current).as("%s: current bars painted", name).isGreaterThan(100);
      }
    }
  }

  @Test
  void aCheckByWindowsDrawsEachFeaturesStatisticPerWindow() throws Exception {
    Path html = dir.resolve("windows.html");
    Path current = dir.resolve("current.csv");
    // Two windows like the baseline, then one that drifted.
    String same = Files.readString(data("same.csv", 2000, 3, 0));
    String drifted = Files.readString(data("drifted.csv", 1000, 4, 1));
    Files.writeString(current, same + drifted.substring(drifted.indexOf('\n') + 1));
    int exit = new CommandLine(new DriftCheckCommand(Map.of())).setOut(new PrintWriter(new StringWriter()))
        .execute("--baseline", data("baseline.csv", 4000, 1, 0).toString(), "--current", current.toString(),
            "--window", "1000", "--html", html.toString(), "--succeed-on-drift");
    assertThat(exit).isZero();

    try (HeadlessChromium browser = HeadlessChromium.open(html.toUri().toString(), 1000, 900)) {
      JsonNode trends = browser.evaluate("""
          [...document.querySelectorAll('section.trend')].map(s => {
            const svg = s.querySelector('svg.chart');
            const r = svg.getBoundingClientRect();
            return {feature: s.dataset.feature, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
              points: [...svg.querySelectorAll('circle.point')].filter(c => c.getBoundingClientRect().width > 0)
                  .map(c => c.classList.contains('drift')),
              threshold: svg.querySelector('line.threshold').getBoundingClientRect().width};
          })""");
      assertThat(trends).hasSize(4);
      JsonNode windows = browser.evaluate("document.querySelectorAll('table.windows tbody tr').length");
      assertThat(windows.asInt()).isEqualTo(3);
      BufferedImage shot = ImageIO.read(new ByteArrayInputStream(browser.screenshot()));
      for (JsonNode t : trends) {
        String name = t.path("feature").asText();
        assertThat(t.path("points")).as("%s: a point per window, laid out", name).hasSize(3);
        assertThat(t.path("threshold").asDouble()).as("%s: the threshold drawn across", name).isGreaterThan(300);
        int painted = 0;
        for (int y = (int) t.path("y").asDouble(); y < t.path("y").asDouble() + t.path("h").asDouble()
            && y < shot.getHeight(); y++) {
          for (int x = (int) t.path("x").asDouble(); x < t.path("x").asDouble() + t.path("w").asDouble()
              && x < shot.getWidth(); x++) {
            int rgb = shot.getRGB(x, y) & 0xffffff;
            if (near(rgb, CURRENT) || near(rgb, DRIFTED)) {
              painted++;
            }
          }
        }
        assertThat(painted).as("%s: its line and points painted", name).isGreaterThan(50);
      }
      JsonNode tenure = null;
      for (JsonNode t : trends) {
        tenure = t.path("feature").asText().equals("tenure") ? t : tenure;
      }
      assertThat(tenure).as("tenure's trend").isNotNull();
      assertThat(tenure.path("points")).extracting(JsonNode::asBoolean).as("only the last window drifted")
          .containsExactly(false, false, true);
    }
  }
}
