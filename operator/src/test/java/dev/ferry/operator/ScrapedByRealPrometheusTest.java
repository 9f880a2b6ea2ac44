package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.PrometheusQuery;
import dev.ferry.local.LocalMapping;
import dev.ferry.local.LocalMode;
import dev.ferry.local.ProcessContainerRunner;
import dev.ferry.serving.prometheus.HttpPrometheusClient;
import dev.ferry.serving.prometheus.Measurement;
import dev.ferry.testing.RealPrometheus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus (the Debian package) scrapes the local mode's /metrics and sees Ferry's own metrics. */
class ScrapedByRealPrometheusTest {

  @Test
  void prometheusScrapesFerrysMetricsFromTheLocalMode(@TempDir Path dir) throws Exception {
    Path example = dir.resolve("example");
    Files.createDirectories(example.resolve("data"));
    Files.writeString(example.resolve("data/d.csv"), "x\n1\n");
    Files.writeString(example.resolve(LocalMapping.FILE_NAME), """
        images:
          local/train:
            command: [sh, -c, 'echo {} > "$FERRY_RESULT_PATH"']
        volumes:
          data: data
        """);
    Files.writeString(example.resolve("pipeline.yaml"), """
        apiVersion: ferry.dev/v1alpha1
        kind: TrainingPipeline
        metadata: {name: tiny}
        spec:
          model: tiny
          dataset: {uri: pvc://data/d.csv}
          artifacts: {uri: pvc://data/models}
          triggers: {onDatasetChange: true}
          steps: [{name: train, image: local/train}]
        """);
    try (LocalMode local = new LocalMode(new LocalMode.Options(example, 0, Duration.ofSeconds(60),
        FerryConfig.defaults(), ProcessContainerRunner.selfCommand(),
        new PrintStream(new ByteArrayOutputStream()), 0, false))) {
      assertThat(local.start()).isEmpty();
      Path data = Files.createDirectories(dir.resolve("prometheus"));
      try (RealPrometheus prometheus = RealPrometheus.scraping(data, local.metricsPort())) {
        HttpPrometheusClient client = new HttpPrometheusClient(Map.of());
        PrometheusQuery query = new PrometheusQuery();
        query.address = prometheus.address();
        query.query = "sum(ferry_training_runs_finished_total{job=\"ferry-it\",result=\"Succeeded\"})";
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
          Measurement m = client.query(query);
          assertThat(m).isInstanceOf(Measurement.Value.class);
          assertThat(((Measurement.Value) m).value()).isEqualTo(1.0);
        });
      }
    }
  }
}
