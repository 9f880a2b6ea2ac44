package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboard and the alerts speak of the metrics the operator exposes, by their exact names. */
class MonitoringTest {
  /** Ferry's own metrics (docs/install.md lists them); timers appear as _count, _sum and _max. */
  static final Set<String> FERRY_METRICS = Set.of(
      "ferry_training_runs_started_total", "ferry_training_runs_finished_total",
      "ferry_step_duration_seconds_count", "ferry_step_duration_seconds_sum", "ferry_step_duration_seconds_max",
      "ferry_model_versions_registered_total", "ferry_model_versions_rejected_total",
      "ferry_promotions_total", "ferry_rollbacks_total", "ferry_canary_weight_percent",
      "ferry_traffic_weight_percent", "ferry_traffic_mirror_percent",
      "ferry_drift_score", "ferry_drift_checks_total", "ferry_notifications_total");
  private static final Pattern METRIC = Pattern.compile("\\b((?:ferry|operator_sdk)_[a-z0-9_]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theDashboardChartsEveryFerryMetricAndNoOther() throws Exception {
    List<ObjectNode> objects = ChartRender.objects(Scenarios.EVERYTHING);
    ObjectNode configMap = ChartRender.one(objects, "ConfigMap").orElseThrow();
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(configMap.at("/metadata/annotations/grafana_folder").asText()).isEqualTo("MLOps");
    JsonNode dashboard = JSON.readTree(configMap.at("/data/ferry.json").asText());
    assertThat(dashboard).isEqualTo(JSON.readTree(Files.readString(ChartRender.chart().resolve("files/grafana-dashboard.json"))));

    List<String> expressions = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> expressions.add(e.asText()));
    Set<String> used = metrics(expressions);
    Set<String> ferry = new TreeSet<>(used);
    ferry.removeIf(m -> !m.startsWith("ferry_"));
    assertThat(ferry).as("Ferry metrics charted").isEqualTo(new TreeSet<>(FERRY_METRICS));
    assertThat(used).as("JOSDK's reconcile metrics charted")
        .contains("operator_sdk_reconciliations_started_total", "operator_sdk_reconciliations_failed_total");
    assertThat(dashboard.findValues("uid")).as("every panel reads the chosen data source")
        .filteredOn(JsonNode::isTextual).extracting(JsonNode::asText).contains("${datasource}");
  }

  @Test
  void alertsCoverFailedRunsRollbacksAndDrift() {
    ObjectNode rule = ChartRender.one(ChartRender.objects(Scenarios.EVERYTHING), "PrometheusRule").orElseThrow();
    List<String> alerts = new ArrayList<>();
    List<String> expressions = new ArrayList<>();
    for (JsonNode r : rule.at("/spec/groups/0/rules")) {
      alerts.add(r.path("alert").asText());
      expressions.add(r.path("expr").asText());
      assertThat(r.at("/labels/team").asText()).as("alertLabels on %s", r.path("alert").asText()).isEqualTo("ml-platform");
      assertThat(r.at("/annotations/description").asText()).as("description of %s", r.path("alert").asText())
          .isNotBlank().doesNotContain("{{`");
    }
    assertThat(alerts).contains("FerryTrainingRunFailed", "FerryModelRolledBack", "FerryDriftDetected",
        "FerryReconcileErrors", "FerryOperatorDown");
    Set<String> used = metrics(expressions);
    used.removeIf(m -> !m.startsWith("ferry_"));
    assertThat(FERRY_METRICS).containsAll(used);
    assertThat(String.join("\n", expressions)).contains("ferry_training_runs_finished_total{result=\"Failed\"}",
        "ferry_rollbacks_total", "ferry_drift_checks_total{result=\"Drift\"}", "up{job=\"ferry-metrics\"");
  }

  @Test
  void theOperatorDownAlertNeedsTheServiceMonitorThatNamesItsJob() {
    ObjectNode rule = ChartRender.one(ChartRender.objects("prometheusRule: {enabled: true}"), "PrometheusRule").orElseThrow();
    assertThat(rule.at("/spec/groups/0/rules").findValuesAsText("alert")).doesNotContain("FerryOperatorDown");
  }

  private static Set<String> metrics(List<String> expressions) {
    Set<String> names = new TreeSet<>();
    for (String e : expressions) {
      Matcher m = METRIC.matcher(e);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
