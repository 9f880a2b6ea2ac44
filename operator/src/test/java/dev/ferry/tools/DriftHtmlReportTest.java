package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * drift-check --html as a reader of the page sees it, read back as markup: the verdict, one
 * summary row per feature with its test, statistic, threshold and verdict, and per feature a chart
 * whose bars are the baseline's and the current data's shares of the same buckets (they sum to 1
 * each, and the shifted feature's current bars move). Nothing in it is fetched from the network.
 */
class DriftHtmlReportTest {
  @TempDir
  Path dir;

  /** age (number, shifted by {@code shift} standard deviations), plan (category, tilted), score (number). */
  private Path data(String name, int rows, long seed, double shift) throws Exception {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder("age,plan,score,label\n");
    String[] plans = {"basic", "pro", "enterprise & <more>"};
    for (int i = 0; i < rows; i++) {
      double age = 40 + 10 * r.nextGaussian() + 10 * shift;
      int plan = r.nextDouble() < 0.6 - 0.4 * shift ? 0 : r.nextDouble() < 0.7 ? 1 : 2;
      b.append(String.format(Locale.ROOT, "%.3f", age)).append(",\"").append(plans[plan]).append("\",")
          .append(r.nextInt(10)).append(',').append(r.nextInt(2)).append('\n');
    }
    Path p = dir.resolve(name);
    Files.writeString(p, b.toString());
    return p;
  }

  private Document page(double shift) throws Exception {
    Path baseline = data("baseline.csv", 5000, 1, 0);
    Path current = data("current.csv", 4000, 2, shift);
    Path html = dir.resolve("report/drift.html");
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new DriftCheckCommand(Map.of()));
    cl.setOut(new PrintWriter(out, true));
    int exit = cl.execute("--baseline", baseline.toString(), "--current", current.toString(), "--html", html.toString(),
        "--succeed-on-drift");
    assertThat(exit).as(out.toString()).isZero();
    String text = Files.readString(html);
    assertThat(text).as("self-contained: nothing is fetched").doesNotContain("<script", "<link", "src=", "url(")
        .doesNotContain("http://", "https://").contains("<svg class=\"chart\"");
    var factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(text.replace("<!DOCTYPE html>", "")
        .getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> all(Element in, String tag, String classPrefix) {
    NodeList nodes = in.getElementsByTagName(tag);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      Element e = (Element) nodes.item(i);
      if (classPrefix == null || e.getAttribute("class").startsWith(classPrefix)) {
        out.add(e);
      }
    }
    return out;
  }

  private static double sum(List<Element> bars) {
    return bars.stream().mapToDouble(b -> Double.parseDouble(b.getAttribute("data-share"))).sum();
  }

  @Test
  void everyFeatureHasASummaryRowAndAChartOfBothDistributions() throws Exception {
    Document page = page(1.0);
    Element body = (Element) page.getElementsByTagName("body").item(0);
    assertThat(all(body, "h1", null).get(0).getTextContent()).isEqualTo("Dataset drift");

    List<Element> rows = all(body, "tr", null).stream().filter(r -> r.hasAttribute("data-feature")).toList();
    assertThat(rows).extracting(r -> r.getAttribute("data-feature")).containsExactlyInAnyOrder("age", "plan", "score");
    Element age = rows.stream().filter(r -> r.getAttribute("data-feature").equals("age")).findFirst().orElseThrow();
    List<Element> cells = all(age, "td", null);
    // The deciding test and its threshold, as drift-check chose them: a distance above, or a p-value below.
    assertThat(cells.get(2).getTextContent()).matches("psi|js|wasserstein|ks \\(p-value\\)");
    String threshold = cells.get(4).getTextContent();
    double statistic = Double.parseDouble(cells.get(3).getTextContent());
    double bound = Double.parseDouble(threshold.substring(2));
    assertThat(threshold.startsWith("> ") ? statistic > bound : statistic < bound)
        .as("statistic %s against threshold %s", statistic, threshold).isTrue();
    assertThat(cells.get(5).getTextContent()).isEqualTo("drift");

    List<Element> sections = all(body, "section", "feature");
    assertThat(sections).hasSize(3);
    for (Element section : sections) {
      String feature = section.getAttribute("data-feature");
      List<Element> svg = all(section, "svg", "chart");
      assertThat(svg).as("chart of %s", feature).hasSize(1);
      List<Element> baseline = all(svg.get(0), "rect", "bar baseline");
      List<Element> current = all(svg.get(0), "rect", "bar current");
      assertThat(baseline).as("buckets of %s", feature).isNotEmpty().hasSameSizeAs(current);
      assertThat(sum(baseline)).as("baseline shares of %s", feature).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      assertThat(sum(current)).as("current shares of %s", feature).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      assertThat(baseline).allSatisfy(b -> assertThat(Double.parseDouble(b.getAttribute("height"))).isNotNegative());
    }
    Element ageChart = sections.stream().filter(s -> s.getAttribute("data-feature").equals("age")).findFirst()
        .orElseThrow();
    List<Element> ageCurrent = all(ageChart, "rect", "bar current");
    assertThat(ageCurrent.get(0).getAttribute("class")).as("a drifted feature's bars stand out").contains("drifted");
    // Shifted up by a standard deviation: the baseline's top decile holds far more than a tenth of it.
    assertThat(Double.parseDouble(ageCurrent.get(ageCurrent.size() - 1).getAttribute("data-share"))).isGreaterThan(0.3);
    Element plan = sections.stream().filter(s -> s.getAttribute("data-feature").equals("plan")).findFirst().orElseThrow();
    assertThat(plan.getTextContent()).as("category labels, escaped and read back").contains("enterprise & <more>");
  }

  @Test
  void unchangedDataReadsNoDriftAndItsBarsMatch() throws Exception {
    Document page = page(0);
    Element body = (Element) page.getElementsByTagName("body").item(0);
    assertThat(all(body, "h1", null).get(0).getTextContent()).isEqualTo("No dataset drift");
    for (Element section : all(body, "section", "feature")) {
      List<Element> baseline = all(section, "rect", "bar baseline");
      List<Element> current = all(section, "rect", "bar current");
      for (int i = 0; i < baseline.size(); i++) {
        assertThat(Double.parseDouble(current.get(i).getAttribute("data-share")))
            .isCloseTo(Double.parseDouble(baseline.get(i).getAttribute("data-share")),
                org.assertj.core.data.Offset.offset(0.05));
      }
    }
  }
}
