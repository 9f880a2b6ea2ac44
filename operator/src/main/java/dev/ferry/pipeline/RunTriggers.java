package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec.ConcurrencyPolicy;
import dev.ferry.api.v1alpha1.TrainingPipelineStatus;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec.TriggerKind;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Names;
import dev.ferry.kube.Times;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides, with no client in sight, which runs a pipeline starts, stops and prunes now, and when
 * it must look again. Run names are derived from what triggered them (the scheduled minute, the
 * pipeline generation that changed the dataset), so a restart at any point recreates the same
 * names and AlreadyExists tells the operator the run is already there.
 */
public final class RunTriggers {
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

  private RunTriggers() {
  }

  /** A run to create. */
  public record NewRun(String name, TriggerKind trigger, String reason) {
  }

  /** What to do now. */
  public record Plan(List<NewRun> create, List<String> stop, List<String> prune, TrainingPipelineStatus status,
      Optional<Duration> lookAgainIn) {
  }

  public static Plan plan(TrainingPipeline pipeline, List<TrainingRun> runs, Instant now) {
    var spec = pipeline.getSpec();
    TrainingPipelineStatus previous = pipeline.getStatus() == null ? new TrainingPipelineStatus() : pipeline.getStatus();
    TrainingPipelineStatus status = new TrainingPipelineStatus();
    status.lastScheduleTime = previous.lastScheduleTime;
    status.observedDatasetUri = previous.observedDatasetUri;

    List<TrainingRun> active = runs.stream().filter(r -> !isFinished(r)).toList();
    List<NewRun> due = new ArrayList<>();
    Optional<Duration> lookAgain = Optional.empty();
    String base = pipeline.getMetadata().getName();

    boolean onDatasetChange = spec.triggers != null && Boolean.TRUE.equals(spec.triggers.onDatasetChange);
    String datasetUri = spec.dataset.uri;
    if (onDatasetChange && !datasetUri.equals(previous.observedDatasetUri)) {
      // A dataset the pipeline has not trained on yet: the first one seen counts as new.
      String reason = previous.observedDatasetUri == null
          ? "first dataset " + datasetUri
          : "dataset changed from " + previous.observedDatasetUri + " to " + datasetUri;
      due.add(new NewRun(Names.join(Names.MAX_LABEL - dev.ferry.api.v1alpha1.StepSpec.MAX_NAME - 1, base, "data",
          "g" + pipeline.getMetadata().getGeneration()), TriggerKind.DatasetChange, reason));
    } else if (!onDatasetChange) {
      status.observedDatasetUri = null;
    }

    if (spec.triggers != null && spec.triggers.schedule != null) {
      CronSchedule cron = new CronSchedule(spec.triggers.schedule, spec.triggers.timeZone);
      // Schedules count from when Ferry first saw the pipeline: no run for a time before that.
      Instant since = Optional.ofNullable(Times.parse(previous.lastScheduleTime)).orElse(now);
      Optional<Instant> latest = cron.latestAtOrBefore(now);
      if (latest.isPresent() && latest.get().isAfter(since)) {
        // Missed times while the operator was away collapse into the latest one, as CronJobs do.
        due.add(new NewRun(Names.join(Names.MAX_LABEL - dev.ferry.api.v1alpha1.StepSpec.MAX_NAME - 1, base,
            MINUTE.format(latest.get())), TriggerKind.Schedule, "scheduled for " + Times.format(latest.get())));
        status.lastScheduleTime = Times.format(latest.get());
      } else if (previous.lastScheduleTime == null) {
        status.lastScheduleTime = Times.format(since);
      }
      Optional<Instant> next = cron.next(now);
      status.nextScheduledRun = next.map(Times::format).orElse(null);
      lookAgain = next.map(t -> Duration.between(now, t).plusMillis(500));
    }

    List<NewRun> create = new ArrayList<>();
    List<String> stop = new ArrayList<>();
    ConcurrencyPolicy policy = spec.concurrencyPolicy == null ? ConcurrencyPolicy.Forbid : spec.concurrencyPolicy;
    for (NewRun run : due) {
      boolean exists = runs.stream().anyMatch(r -> r.getMetadata().getName().equals(run.name()));
      if (exists) {
        markStarted(status, run, datasetUri);
        continue;
      }
      if (!active.isEmpty() || !create.isEmpty()) {
        if (policy == ConcurrencyPolicy.Forbid) {
          // A skipped schedule is gone, as with CronJobs; new data waits for the active run to end.
          if (run.trigger() == TriggerKind.DatasetChange) {
            continue;
          }
          markStarted(status, run, datasetUri);
          continue;
        }
        if (policy == ConcurrencyPolicy.Replace) {
          active.forEach(r -> stop.add(r.getMetadata().getName()));
          create.clear();
        }
      }
      create.add(run);
      markStarted(status, run, datasetUri);
    }

    status.activeRuns = active.size() - (int) active.stream().filter(r -> stop.contains(r.getMetadata().getName())).count()
        + create.size();
    status.lastRun = lastRun(runs, create, previous);
    int limit = spec.runHistoryLimit == null ? 10 : spec.runHistoryLimit;
    List<String> prune = runs.stream().filter(RunTriggers::isFinished)
        .sorted(Comparator.comparing((TrainingRun r) -> r.getMetadata().getCreationTimestamp())
            .thenComparing(RunTriggers::byNameNaturally).reversed())
        .skip(limit).map(r -> r.getMetadata().getName()).toList();
    return new Plan(create, stop, prune, status, lookAgain);
  }

  private static void markStarted(TrainingPipelineStatus status, NewRun run, String datasetUri) {
    if (run.trigger() == TriggerKind.DatasetChange) {
      status.observedDatasetUri = datasetUri;
    }
  }

  private static TrainingPipelineStatus.RunSummary lastRun(List<TrainingRun> runs, List<NewRun> created,
      TrainingPipelineStatus previous) {
    TrainingPipelineStatus.RunSummary summary = new TrainingPipelineStatus.RunSummary();
    if (!created.isEmpty()) {
      NewRun run = created.get(created.size() - 1);
      summary.name = run.name();
      summary.trigger = run.trigger().name();
      summary.result = Phase.Pending.name();
      return summary;
    }
    Optional<TrainingRun> newest = runs.stream()
        .max(Comparator.comparing((TrainingRun r) -> r.getMetadata().getCreationTimestamp())
            .thenComparing(r -> r.getMetadata().getName()));
    if (newest.isEmpty()) {
      return previous.lastRun;
    }
    TrainingRun run = newest.get();
    summary.name = run.getMetadata().getName();
    summary.trigger = run.getSpec() == null || run.getSpec().trigger == null
        ? TriggerKind.Manual.name() : run.getSpec().trigger.kind.name();
    summary.result = run.getStatus() == null || run.getStatus().phase == null
        ? Phase.Pending.name() : run.getStatus().phase.name();
    summary.modelVersion = run.getStatus() == null ? null : run.getStatus().modelVersion;
    return summary;
  }

  /**
   * Timestamps have whole seconds, so runs created in the same second are told apart by name,
   * numbers compared as numbers (churn-r10 comes after churn-r9).
   */
  static int byNameNaturally(TrainingRun a, TrainingRun b) {
    String x = a.getMetadata().getName();
    String y = b.getMetadata().getName();
    return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
  }

  public static boolean isFinished(TrainingRun run) {
    return run.getStatus() != null
        && (run.getStatus().phase == Phase.Succeeded || run.getStatus().phase == Phase.Failed);
  }
}
