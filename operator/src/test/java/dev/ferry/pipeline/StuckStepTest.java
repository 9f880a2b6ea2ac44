package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Conditions;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.OperatorTestBase;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step whose pod cannot start fails its run once, and its Job goes only after that failure is
 * recorded: a status write lost in between must not make the same step run again. And a pod no
 * kubelet has reported on yet is not overdue because the API server's clock and the operator's
 * disagree (this base's operator clock is years ahead of the server's timestamps).
 */
class StuckStepTest extends OperatorTestBase {
  private static final String JOB = "churn-r1-validate";

  @BeforeEach
  void aRunWhoseFirstStepIsHeld() {
    runner.hold("validate");
    create(Fixtures.pipeline("churn"));
    create(Fixtures.manualRun("churn-r1", "churn"));
    await().atMost(Duration.ofSeconds(20)).until(() -> runner.started.stream().anyMatch(p -> p.startsWith(JOB)));
  }

  @AfterEach
  void releaseTheStep() {
    runner.release("validate");
  }

  /** Any change to the step's Job wakes the run's reconciler (it watches its Jobs). */
  private void touchJob(String value) {
    client.batch().v1().jobs().inNamespace(NS).withName(JOB).edit(j -> {
      j.getMetadata().getAnnotations().put("test/touch", value);
      return j;
    });
  }

  private long validatePodsStarted() {
    return runner.started.stream().filter(p -> p.startsWith(JOB)).count();
  }

  @Test
  void aLostFailureWriteNeitherRunsTheStepAgainNorLeavesItsJob() {
    podCannotStart(JOB);
    faults.add(line -> line.startsWith("PUT ") && line.contains("/trainingruns/churn-r1/status"));
    clock.advance(Duration.ofSeconds(601));
    touchJob("1");

    TrainingRun run = awaitResource(TrainingRun.class, "churn-r1", r -> r.getStatus() != null
        && r.getStatus().phase == Phase.Failed);
    assertThat(injected).as("the failure's first status write was lost").isNotEmpty();
    assertThat(Conditions.find(run.getStatus(), "Succeeded").orElseThrow().getReason()).isEqualTo("StepCannotStart");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(client.batch().v1().jobs().inNamespace(NS).withName(JOB).get()).as("the stuck Job").isNull());
    pause(1500);
    assertThat(operatorRequests.stream().filter(r -> r.startsWith("POST ") && r.endsWith("/namespaces/ml/jobs")))
        .as("the step's Job is created once: never again after a lost write").hasSize(1);
    assertThat(validatePodsStarted()).as("pods of the validate step ever started").isEqualTo(1);
    assertThat(client.batch().v1().jobs().inNamespace(NS).withLabel(Ferry.LABEL_RUN, "churn-r1").list().getItems())
        .extracting(j -> j.getMetadata().getName()).isEmpty();
  }

  @Test
  void aPodNoKubeletReportedOnIsDatedFromWhenTheOperatorFirstSawIt() {
    // Pending with no container status: no kubelet has said anything about it. Its creation time
    // is the server's (2026), the operator's clock says 2030.
    String pod = client.pods().inNamespace(NS).withLabel("job-name", JOB).list().getItems().get(0)
        .getMetadata().getName();
    client.pods().inNamespace(NS).withName(pod).editStatus(p -> {
      p.getStatus().setPhase("Pending");
      p.getStatus().setContainerStatuses(java.util.List.of());
      p.getStatus().setConditions(java.util.List.of());
      return p;
    });
    long lists = podLists();
    touchJob("1");
    await().atMost(Duration.ofSeconds(10)).until(() -> podLists() > lists);
    pause(500);
    TrainingRun running = get(TrainingRun.class, "churn-r1");
    assertThat(running.getStatus().phase).as("a moment-old pod is not overdue").isEqualTo(Phase.Running);
    Job job = get(Job.class, JOB);
    assertThat(job).isNotNull();

    clock.advance(Duration.ofSeconds(601));
    touchJob("2");
    TrainingRun failed = awaitResource(TrainingRun.class, "churn-r1", r -> r.getStatus().phase == Phase.Failed);
    assertThat(Conditions.find(failed.getStatus(), "Succeeded").orElseThrow().getMessage())
        .contains("Pending: no container has been created yet", "stepDefaults.pendingDeadlineSeconds, 600 s");
    assertThat(validatePodsStarted()).isEqualTo(1);
  }

  private long podLists() {
    return operatorRequests.stream().filter(r -> r.startsWith("GET ") && r.contains("/pods?")).count();
  }
}
