package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.operator.FerryConfig;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One image, named in four places: the image Jib builds (operator/pom.xml), the chart's default
 * (values.yaml image.repository and Chart.yaml appVersion) and the operator's own default job
 * image (FerryConfig.DEFAULT_IMAGE). A release bumps them together.
 */
class ImageConsistencyTest {

  @Test
  void jibTheChartAndTheOperatorNameTheSameImage() throws Exception {
    String pom = Files.readString(ChartRender.projectRoot().resolve("operator/pom.xml"));
    String repository = property(pom, "ferry.image.repository");
    String tag = property(pom, "ferry.image.tag");
    JsonNode chart = ChartRender.YAML.readTree(Files.readString(ChartRender.chart().resolve("Chart.yaml")));
    JsonNode values = ChartRender.YAML.readTree(Files.readString(ChartRender.chart().resolve("values.yaml")));

    assertThat(values.at("/image/repository").asText()).as("values.yaml image.repository").isEqualTo(repository);
    assertThat(chart.path("appVersion").asText()).as("Chart.yaml appVersion (the default image tag)").isEqualTo(tag);
    assertThat(FerryConfig.DEFAULT_IMAGE).as("FerryConfig.DEFAULT_IMAGE").isEqualTo(repository + ":" + tag);
  }

  private static String property(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
    assertThat(m.find()).as("operator/pom.xml property %s", name).isTrue();
    return m.group(1).strip();
  }
}
