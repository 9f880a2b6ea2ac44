package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec.ConcurrencyPolicy;
import dev.ferry.api.v1alpha1.TrainingPipelineStatus;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus;
import dev.ferry.api.v1alpha1.TriggersSpec;
import dev.ferry.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunTriggersTest {
  private static final Instant T0 = Instant.parse("2030-01-01T10:03:30Z");

  private static TrainingPipeline scheduled(String cron, String lastScheduleTime) {
    TrainingPipeline pipeline = Fixtures.pipeline("churn");
    pipeline.getMetadata().setGeneration(1L);
    pipeline.getSpec().triggers = new TriggersSpec();
    pipeline.getSpec().triggers.schedule = cron;
    pipeline.setStatus(new TrainingPipelineStatus());
    pipeline.getStatus().lastScheduleTime = lastScheduleTime;
    return pipeline;
  }

  private static TrainingRun run(String name, TrainingRunStatus.Phase phase, String created) {
    TrainingRun run = Fixtures.manualRun(name, "churn");
    run.getMetadata().setCreationTimestamp(created);
    run.setStatus(new TrainingRunStatus());
    run.getStatus().phase = phase;
    return run;
  }

  @Test
  void firstLookSchedulesNothingAndWakesUpAtTheNextTimeNotBefore() {
    var plan = RunTriggers.plan(scheduled("0 3 * * 0", null), List.of(), T0);
    assertThat(plan.create()).isEmpty();
    assertThat(plan.status().nextScheduledRun).isEqualTo("2030-01-06T03:00:00Z");
    assertThat(plan.lookAgainIn()).hasValueSatisfying(d ->
        assertThat(d).isBetween(Duration.between(T0, Instant.parse("2030-01-06T03:00:00Z")),
            Duration.between(T0, Instant.parse("2030-01-06T03:00:01Z"))));
  }

  @Test
  void scheduleInTimeZoneIsReadInThatZone() {
    TrainingPipeline pipeline = scheduled("0 3 * * *", null);
    pipeline.getSpec().triggers.timeZone = "Europe/Paris";
    var plan = RunTriggers.plan(pipeline, List.of(), T0);
    assertThat(plan.status().nextScheduledRun).isEqualTo("2030-01-02T02:00:00Z");
  }

  @Test
  void dueRunIsNamedAfterItsMinuteSoARestartCannotDuplicateIt() {
    var pipeline = scheduled("*/5 * * * *", "2030-01-01T10:00:00Z");
    var plan = RunTriggers.plan(pipeline, List.of(), Instant.parse("2030-01-01T10:05:10Z"));
    assertThat(plan.create()).singleElement().satisfies(r -> assertThat(r.name()).isEqualTo("churn-20300101-1005"));
    // The same plan again, with the run already there (a restart before the status write): nothing new.
    var again = RunTriggers.plan(pipeline, List.of(run("churn-20300101-1005", null, "2030-01-01T10:05:10Z")),
        Instant.parse("2030-01-01T10:05:20Z"));
    assertThat(again.create()).isEmpty();
  }

  @Test
  void forbidSkipsAScheduleWhileARunIsActiveAndReplaceStopsIt() {
    var active = List.of(run("churn-r1", TrainingRunStatus.Phase.Running, "2030-01-01T10:01:00Z"));
    var forbid = scheduled("*/5 * * * *", "2030-01-01T10:00:00Z");
    var skipped = RunTriggers.plan(forbid, active, Instant.parse("2030-01-01T10:05:10Z"));
    assertThat(skipped.create()).isEmpty();
    assertThat(skipped.status().lastScheduleTime).as("a skipped time is consumed").isEqualTo("2030-01-01T10:05:00Z");

    var replace = scheduled("*/5 * * * *", "2030-01-01T10:00:00Z");
    replace.getSpec().concurrencyPolicy = ConcurrencyPolicy.Replace;
    var replaced = RunTriggers.plan(replace, active, Instant.parse("2030-01-01T10:05:10Z"));
    assertThat(replaced.stop()).containsExactly("churn-r1");
    assertThat(replaced.create()).hasSize(1);
  }

  @Test
  void historyKeepsTheNewestFinishedRunsAndNeverActiveOnes() {
    TrainingPipeline pipeline = scheduled("0 3 * * 0", "2030-01-01T00:00:00Z");
    pipeline.getSpec().runHistoryLimit = 2;
    List<TrainingRun> runs = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      runs.add(run("churn-r" + i, TrainingRunStatus.Phase.Succeeded, "2030-01-01T0" + i + ":00:00Z"));
    }
    runs.add(run("churn-r0", TrainingRunStatus.Phase.Running, "2029-12-31T00:00:00Z"));
    var plan = RunTriggers.plan(pipeline, runs, T0);
    assertThat(plan.prune()).containsExactlyInAnyOrder("churn-r1", "churn-r2");
  }
}
