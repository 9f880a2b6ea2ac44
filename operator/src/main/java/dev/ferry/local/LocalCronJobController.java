package dev.ferry.local;

import dev.ferry.pipeline.CronSchedule;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the CronJob controller on the wall clock: at each scheduled minute a Job named after it
 * (as the real controller names them) is created from the template; finished Jobs beyond the
 * history limits are deleted. Times are counted from when this controller first saw the CronJob.
 */
public class LocalCronJobController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCronJobController.class);
  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Instant> lastFired = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-cronjobs");
    t.setDaemon(true);
    return t;
  });

  public LocalCronJobController(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public LocalCronJobController start(long periodMillis) {
    timer.scheduleWithFixedDelay(this::tick, 0, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  void tick() {
    try {
      Instant now = clock.instant();
      for (CronJob cron : client.batch().v1().cronjobs().inAnyNamespace().list().getItems()) {
        String key = cron.getMetadata().getNamespace() + "/" + cron.getMetadata().getName();
        Instant since = lastFired.computeIfAbsent(key, k -> now);
        if (Boolean.TRUE.equals(cron.getSpec().getSuspend())) {
          continue;
        }
        var due = new CronSchedule(cron.getSpec().getSchedule(), cron.getSpec().getTimeZone()).latestAtOrBefore(now);
        if (due.isPresent() && due.get().isAfter(since)) {
          lastFired.put(key, due.get());
          fire(cron, due.get());
        }
        prune(cron);
      }
    } catch (RuntimeException e) {
      LOG.debug("local CronJob pass failed, will retry: {}", e.getMessage());
    }
  }

  private void fire(CronJob cron, Instant at) {
    boolean running = jobsOf(cron).stream().anyMatch(j -> !finished(j));
    if (running && "Forbid".equals(cron.getSpec().getConcurrencyPolicy())) {
      return;
    }
    Job job = new JobBuilder()
        .withNewMetadata()
          .withName(cron.getMetadata().getName() + "-" + at.getEpochSecond() / 60)
          .withNamespace(cron.getMetadata().getNamespace())
          .withLabels(cron.getSpec().getJobTemplate().getMetadata() == null ? Map.of()
              : cron.getSpec().getJobTemplate().getMetadata().getLabels())
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("CronJob")
              .withName(cron.getMetadata().getName()).withUid(cron.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(cron.getSpec().getJobTemplate().getSpec())
        .build();
    try {
      client.resource(job).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void prune(CronJob cron) {
    List<Job> done = jobsOf(cron).stream().filter(LocalCronJobController::finished)
        .sorted(Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp()).reversed()).toList();
    int keepSucceeded = cron.getSpec().getSuccessfulJobsHistoryLimit() == null ? 3
        : cron.getSpec().getSuccessfulJobsHistoryLimit();
    int keepFailed = cron.getSpec().getFailedJobsHistoryLimit() == null ? 1 : cron.getSpec().getFailedJobsHistoryLimit();
    done.stream().filter(j -> succeeded(j)).skip(keepSucceeded).forEach(j -> client.resource(j).delete());
    done.stream().filter(j -> !succeeded(j)).skip(keepFailed).forEach(j -> client.resource(j).delete());
  }

  private List<Job> jobsOf(CronJob cron) {
    return client.batch().v1().jobs().inNamespace(cron.getMetadata().getNamespace()).list().getItems().stream()
        .filter(j -> j.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> cron.getMetadata().getUid().equals(o.getUid())))
        .toList();
  }

  private static boolean finished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> "True".equals(c.getStatus())
            && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
  }

  private static boolean succeeded(Job job) {
    return job.getStatus().getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()));
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
