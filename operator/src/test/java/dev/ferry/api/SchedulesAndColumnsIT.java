package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.e2e.RealCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two things only a real API server shows: whether a schedule the CRDs admit is one the CronJob
 * controller accepts (a DriftPolicy's schedule becomes a CronJob's), and what `kubectl get` prints
 * in the printer columns, which the server renders.
 */
class SchedulesAndColumnsIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static String namespace;

  /** Typed by users, right and wrong: ranges, steps, lists, names, and every field one past its end. */
  private static final List<String> SCHEDULES = List.of("0 3 * * *", "*/15 * * * *", "0 9-17/2 * * 1-5",
      "5,35 */6 1,15 * *", "0 4 * JAN,JUL MON", "59 23 31 12 6", "0 0 * * MON-FRI",
      "61 25 * * 9", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * * 7", "*/0 * * * *",
      "0 3 * *", "0 3 * * * *", "0 3 ? * *", "@daily", "not a schedule");

  @BeforeAll
  static void namespace() {
    namespace = cluster.namespace("schedules");
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  private static GenericKubernetesResource example(String kind, String schedulePointer, String schedule) {
    String parentPointer = schedulePointer.substring(0, schedulePointer.lastIndexOf('/'));
    // The first example of the kind that has a schedule's parent object (not every example is scheduled).
    JsonNode doc = Examples.ferryDocuments().stream().filter(d -> d.kind().equals(kind))
        .filter(d -> d.content().at(parentPointer).isObject()).findFirst().orElseThrow()
        .content().deepCopy();
    ObjectNode parent = (ObjectNode) doc.at(parentPointer);
    parent.put(schedulePointer.substring(schedulePointer.lastIndexOf('/') + 1), schedule);
    return Crds.YAML.convertValue(doc, GenericKubernetesResource.class);
  }

  private static String refusal(GenericKubernetesResource resource) {
    try {
      client().resource(resource).inNamespace(namespace).dryRun().create();
      return null;
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
      return e.getMessage();
    }
  }

  private static boolean cronJobAccepts(String schedule) {
    try {
      client().batch().v1().cronjobs().inNamespace(namespace).resource(new CronJobBuilder().withNewMetadata()
          .withName("probe").endMetadata().withNewSpec().withSchedule(schedule).withNewJobTemplate().withNewSpec()
          .withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer().withName("c").withImage("x")
          .endContainer().endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build()).dryRun().create();
      return true;
    } catch (KubernetesClientException e) {
      return false;
    }
  }

  @Test
  void bothKindsAdmitOnlySchedulesTheCronJobControllerAcceptsAndRefuseEveryOutOfRangeOne() {
    List<String> disagreements = new ArrayList<>();
    for (String schedule : SCHEDULES) {
      String pipeline = refusal(example("TrainingPipeline", "/spec/triggers/schedule", schedule));
      String policy = refusal(example("DriftPolicy", "/spec/schedule", schedule));
      boolean cronJob = cronJobAccepts(schedule);
      // The CRDs may refuse more (the CronJob's "?" and @daily macros, which the pipeline's
      // scheduler does not read), never less.
      boolean extension = schedule.startsWith("@") || schedule.contains("?");
      if (extension ? (pipeline == null || policy == null)
          : (pipeline == null) != cronJob || (policy == null) != cronJob) {
        disagreements.add(schedule + ": CronJob " + (cronJob ? "accepts" : "refuses") + ", TrainingPipeline "
            + (pipeline == null ? "admits" : "refuses") + ", DriftPolicy " + (policy == null ? "admits" : "refuses"));
      }
      if (pipeline != null) {
        assertThat(pipeline).as(schedule).contains("spec.triggers.schedule");
      }
      if (policy != null) {
        assertThat(policy).as(schedule).contains("spec.schedule");
      }
    }
    assertThat(disagreements).isEmpty();
    assertThat(refusal(example("TrainingPipeline", "/spec/triggers/schedule", "61 25 * * 9")))
        .contains("spec.triggers.schedule", "should match");
  }

  @Test
  void theNextRunColumnPrintsTheTimeNotInvalid() throws Exception {
    GenericKubernetesResource pipeline = example("TrainingPipeline", "/spec/triggers/schedule", "0 3 * * *");
    pipeline.getMetadata().setName("columns");
    client().resource(pipeline).inNamespace(namespace).create();
    String next = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    client().genericKubernetesResources("ferry.dev/v1alpha1", "TrainingPipeline").inNamespace(namespace)
        .withName("columns").editStatus(p -> {
          p.setAdditionalProperty("status", java.util.Map.of("nextScheduledRun", next));
          return p;
        });

    JsonNode table = table("/apis/ferry.dev/v1alpha1/namespaces/" + namespace + "/trainingpipelines/columns");
    List<String> columns = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
    JsonNode cells = table.path("rows").get(0).path("cells");
    String printed = cells.get(columns.indexOf("Next Run")).asText();
    assertThat(printed).isEqualTo(next).doesNotContain("invalid");
  }

  /** What kubectl get asks for: the server-side Table rendering of the printer columns. */
  private static JsonNode table(String path) throws Exception {
    var http = client().getHttpClient();
    var response = http.sendAsync(http.newHttpRequestBuilder().uri(cluster.plane().url() + path)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(), String.class)
        .get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return Crds.YAML.readTree(response.body());
  }
}
