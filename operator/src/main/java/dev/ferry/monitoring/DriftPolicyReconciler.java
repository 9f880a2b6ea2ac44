package dev.ferry.monitoring;

import dev.ferry.admission.Admission;
import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.Check;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.EventRecorder;
import dev.ferry.kube.StatusChange;
import dev.ferry.kube.StatusWriter;
import dev.ferry.kube.Times;
import dev.ferry.operator.FerryConfig;
import dev.ferry.pipeline.CronSchedule;
import dev.ferry.pipeline.RunTriggers;
import dev.ferry.pipeline.StepOutcome;
import dev.ferry.serving.prometheus.MetricCheckEvaluator;
import dev.ferry.serving.prometheus.PrometheusClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.Set;

/**
 * Closes the loop: a CronJob runs drift-check on the policy's schedule; this reconciler reads each
 * finished check, measures online performance on the same schedule, and acts (notify, retrain,
 * roll back) within the guard rails. Not generation-aware: ferry.dev/check-now is an annotation.
 */
@ControllerConfiguration(name = "driftpolicy", generationAwareEventProcessing = false)
public class DriftPolicyReconciler implements Reconciler<DriftPolicy> {
  public static final String DRIFT_DETECTED = "DriftDetected";
  static final int HISTORY = 10;

  private final KubernetesClient client;
  private final FerryConfig config;
  private final Clock clock;
  private final PrometheusClient prometheus;
  private final WebhookNotifier notifier;
  private final EventRecorder events;
  private final dev.ferry.metrics.FerryMetrics metrics;

  /** When each check pod no kubelet reported on yet was first seen stuck. */
  private final dev.ferry.pipeline.PendingSince pendingSince = new dev.ferry.pipeline.PendingSince();

  public DriftPolicyReconciler(KubernetesClient client, FerryConfig config, Clock clock, PrometheusClient prometheus,
      WebhookNotifier notifier, dev.ferry.metrics.FerryMetrics metrics) {
    this.metrics = metrics;
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.prometheus = prometheus;
    this.notifier = notifier;
    this.events = new EventRecorder(client, "ferry-driftpolicy", clock);
  }

  @Override
  public List<EventSource<?, DriftPolicy>> prepareEventSources(EventSourceContext<DriftPolicy> context) {
    // Jobs of a CronJob are owned by the CronJob, not the policy: they map to it by label.
    var jobs = InformerEventSourceConfiguration.from(Job.class, DriftPolicy.class)
        .withName("drift-jobs")
        .withLabelSelector(Ferry.LABEL_MANAGED_BY + "=" + Ferry.MANAGED_BY + "," + Ferry.LABEL_DRIFT_POLICY)
        .withSecondaryToPrimaryMapper(job -> Set.of(new ResourceID(
            job.getMetadata().getLabels().get(Ferry.LABEL_DRIFT_POLICY), job.getMetadata().getNamespace())))
        .build();
    // A new production version moves the baseline: the policies watching that deployment look again.
    var deployments = InformerEventSourceConfiguration.from(ModelDeployment.class, DriftPolicy.class)
        .withSecondaryToPrimaryMapper(md -> context.getPrimaryCache().list(p -> p.getSpec() != null
                && md.getMetadata().getName().equals(p.getSpec().deployment)
                && Objects.equals(md.getMetadata().getNamespace(), p.getMetadata().getNamespace()))
            .map(ResourceID::fromResource).collect(java.util.stream.Collectors.toSet()))
        .build();
    return List.of(new InformerEventSource<>(jobs, context), new InformerEventSource<>(deployments, context));
  }

  @Override
  public UpdateControl<DriftPolicy> reconcile(DriftPolicy policy, Context<DriftPolicy> context) {
    Instant now = clock.instant();
    long generation = policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
    DriftPolicyStatus status = Optional.ofNullable(StatusChange.copy(policy.getStatus(), DriftPolicyStatus.class))
        .orElseGet(DriftPolicyStatus::new);
    status.observedGeneration = generation;
    String namespace = policy.getMetadata().getNamespace();

    List<String> errors = validate(policy);
    if (!errors.isEmpty()) {
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, String.join("; ", errors),
          generation, now);
      return StatusWriter.write(policy, status, context);
    }
    ModelDeployment md = client.resources(ModelDeployment.class).inNamespace(namespace)
        .withName(policy.getSpec().deployment).get();
    Baseline found = baseline(policy, md);
    Optional<String> baseline = Optional.ofNullable(found.uri());
    if (baseline.isEmpty()) {
      Conditions.set(status, Conditions.READY, Conditions.FALSE, found.reason(), found.problem(), generation, now);
      return StatusWriter.write(policy, status, context).rescheduleAfter(Duration.ofMinutes(1));
    }
    apply(DriftCronJobBuilder.cronJob(policy, baseline.get(), config.ferryImage()));
    if (!baseline.get().equals(status.baseline)) {
      // A new baseline (first one, or a new production version): check at once, not at the next tick.
      createIfMissing(DriftCronJobBuilder.checkNowJob(policy, "baseline " + baseline.get(), baseline.get(),
          config.ferryImage()));
      status.baseline = baseline.get();
    }
    String checkNow = policy.getMetadata().getAnnotations() == null ? null
        : policy.getMetadata().getAnnotations().get(Ferry.ANNOTATION_CHECK_NOW);
    if (checkNow != null && !checkNow.equals(status.handledCheckNow)) {
      createIfMissing(DriftCronJobBuilder.checkNowJob(policy, checkNow, baseline.get(), config.ferryImage()));
      status.handledCheckNow = checkNow;
    }
    Conditions.set(status, Conditions.READY, Conditions.TRUE, "Scheduled", "checks " + policy.getSpec().schedule
        + " against " + baseline.get(), generation, now);

    Optional<Instant> stuckDue = failChecksThatCannotStart(policy, context, status, now);
    readFinishedChecks(policy, context, status, now);
    CronSchedule schedule = new CronSchedule(policy.getSpec().schedule, null);
    measurePerformance(policy, status, schedule, now);
    act(policy, md, status, now);
    deliveredCondition(policy, status, generation, now);

    if (status.lastCheck != null) {
      boolean drift = DriftActions.DRIFT.equals(status.lastCheck.result);
      boolean unknown = DriftActions.ERROR.equals(status.lastCheck.result)
          || DriftActions.DATA_QUALITY_FAILED.equals(status.lastCheck.result);
      Conditions.set(status, DRIFT_DETECTED, drift ? Conditions.TRUE : unknown ? Conditions.UNKNOWN : Conditions.FALSE,
          status.lastCheck.result, DriftActions.describe(status.lastCheck.result, status), generation, now);
    }
    status.nextCheck = schedule.next(now).map(Times::format).orElse(null);
    UpdateControl<DriftPolicy> control = StatusWriter.write(policy, status, context);
    Optional<Instant> wake = Stream.of(schedule.next(now), Deliveries.nextAttempt(status.deliveries),
            Optional.ofNullable(status.pendingRollback).map(p -> now), stuckDue)
        .flatMap(Optional::stream).min(Instant::compareTo);
    return wake.map(t -> control.rescheduleAfter(Duration.between(now, t).plusMillis(500))).orElse(control);
  }

  /** The CRD's constraints (see {@link Admission}), then what only the operator can check. */
  public static List<String> validate(DriftPolicy policy) {
    List<String> errors = Admission.problems(policy);
    DriftPolicySpec spec = policy.getSpec();
    if (!errors.isEmpty() || spec == null) {
      return spec == null ? List.of("spec: Required value") : errors;
    }
    errors = new ArrayList<>();
    if (spec.deployment.isBlank()) {
      errors.add("spec.deployment: must not be empty");
    }
    dev.ferry.kube.DataUris.readableProblem("spec.current.uri", spec.current.uri).ifPresent(errors::add);
    if (spec.baseline != null && spec.baseline.uri != null) {
      dev.ferry.kube.DataUris.readableProblem("spec.baseline.uri", spec.baseline.uri).ifPresent(errors::add);
    }
    if (spec.report != null) {
      dev.ferry.kube.DataUris.writableProblem("spec.report.uri", spec.report.uri).ifPresent(errors::add);
    }
    if (spec.outputs != null && spec.outputs.labels != null) {
      dev.ferry.kube.DataUris.readableProblem("spec.outputs.labels.uri", spec.outputs.labels.uri).ifPresent(errors::add);
    }
    for (int i = 0; spec.features != null && i < spec.features.size(); i++) {
      var feature = spec.features.get(i);
      if (feature.threshold != null && feature.threshold > 1 && feature.test != null
          && (feature.test == DriftPolicySpec.DriftTest.ks || feature.test == DriftPolicySpec.DriftTest.chi2)) {
        errors.add("spec.features[" + i + "].threshold: a p-value threshold (" + feature.test + ") is at most 1, got "
            + feature.threshold);
      }
    }
    List<String> found = errors;
    CronSchedule.problem(spec.schedule).ifPresent(problem ->
        found.add("spec.schedule: \"" + spec.schedule + "\" is " + problem));
    return found;
  }

  /** The data to compare with, or (uri null) the reason and message saying why there is none. */
  private record Baseline(String uri, String reason, String problem) {
    static Baseline missing(String reason, String problem) {
      return new Baseline(null, reason, problem);
    }
  }

  /** spec.baseline, or else the training dataset of the version in production. */
  private Baseline baseline(DriftPolicy policy, ModelDeployment md) {
    if (policy.getSpec().baseline != null && policy.getSpec().baseline.uri != null) {
      return new Baseline(policy.getSpec().baseline.uri, null, null);
    }
    String deployment = "ModelDeployment " + policy.getSpec().deployment;
    String orSetBaseline = "; set spec.baseline to check anyway";
    if (md == null) {
      return Baseline.missing("NoBaseline", deployment + " does not exist");
    }
    if (md.getStatus() == null || md.getStatus().productionVersion == null) {
      return Baseline.missing("NoBaseline", deployment + " serves no version yet, so there is no training dataset to"
          + " compare with" + orSetBaseline);
    }
    String name = md.getSpec().model + "-v" + md.getStatus().productionVersion;
    ModelVersion version = client.resources(ModelVersion.class).inNamespace(md.getMetadata().getNamespace())
        .withName(name).get();
    if (version == null) {
      return Baseline.missing("ProductionVersionMissing", deployment + " serves v" + md.getStatus().productionVersion
          + ", but ModelVersion " + name + " no longer exists, so its training dataset is unknown" + orSetBaseline);
    }
    return Optional.ofNullable(version.getSpec().lineage).map(l -> l.dataset).map(d -> d.uri)
        .map(uri -> new Baseline(uri, null, null))
        .orElseGet(() -> Baseline.missing("NoBaseline", "ModelVersion " + name + " records no training dataset"
            + " (spec.lineage.dataset.uri)" + orSetBaseline));
  }

  /**
   * A check whose pod cannot start (bad image, missing Secret or volume, unschedulable) is recorded
   * as an Error with the pod's reason once spec.pendingDeadlineSeconds has passed, and its Job is
   * deleted: the CronJob runs one check at a time, so a stuck one would block every later check.
   * Returns when to look again for a stuck check whose deadline is still ahead.
   */
  private Optional<Instant> failChecksThatCannotStart(DriftPolicy policy, Context<DriftPolicy> context,
      DriftPolicyStatus status, Instant now) {
    int seconds = Optional.ofNullable(policy.getSpec().pendingDeadlineSeconds)
        .orElse(StepOutcome.DEFAULT_PENDING_DEADLINE_SECONDS);
    Set<String> recorded = new java.util.HashSet<>();
    status.history.forEach(c -> recorded.add(c.job));
    Optional<Instant> next = Optional.empty();
    for (Job job : context.getSecondaryResources(Job.class)) {
      if (StepOutcome.state(job) != StepOutcome.JobState.Running || recorded.contains(job.getMetadata().getName())) {
        continue;
      }
      var pods = client.pods().inNamespace(job.getMetadata().getNamespace())
          .withLabel("job-name", job.getMetadata().getName()).list().getItems();
      Optional<StepOutcome.Stuck> stuck = pendingSince.adjust(StepOutcome.stuck(pods), now);
      if (stuck.isEmpty()) {
        continue;
      }
      Instant deadline = stuck.get().deadline(seconds);
      if (now.isBefore(deadline)) {
        next = next.filter(t -> t.isBefore(deadline)).or(() -> Optional.of(deadline));
        continue;
      }
      Check check = DriftCheckResults.notStarted(job.getMetadata().getName(), Times.format(now),
          stuck.get().describe("spec.pendingDeadlineSeconds", seconds));
      status.lastCheck = check;
      status.history.add(0, check);
      metrics.driftCheck(check.result);
      while (status.history.size() > HISTORY) {
        status.history.remove(status.history.size() - 1);
      }
      client.resource(job).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
    }
    return next;
  }

  /** Turns every finished check Job not yet read into a Check, oldest first. */
  private void readFinishedChecks(DriftPolicy policy, Context<DriftPolicy> context, DriftPolicyStatus status,
      Instant now) {
    Set<String> seen = new java.util.HashSet<>();
    status.history.forEach(c -> seen.add(c.job));
    if (status.lastCheck != null) {
      seen.add(status.lastCheck.job);
    }
    List<Job> finished = context.getSecondaryResources(Job.class).stream()
        .filter(j -> StepOutcome.state(j) != StepOutcome.JobState.Running)
        .filter(j -> !seen.contains(j.getMetadata().getName()))
        .sorted(Comparator.comparing((Job j) -> Optional.ofNullable(j.getStatus().getCompletionTime())
            .orElse(Optional.ofNullable(j.getMetadata().getCreationTimestamp()).orElse(""))))
        .toList();
    for (Job job : finished) {
      var pods = client.pods().inNamespace(job.getMetadata().getNamespace())
          .withLabel("job-name", job.getMetadata().getName()).list().getItems();
      Optional<StepOutcome.Terminated> terminated = StepOutcome.lastTerminated(pods);
      Check check = DriftCheckResults.read(job.getMetadata().getName(),
          Optional.ofNullable(job.getStatus().getCompletionTime()).orElse(Times.format(now)),
          terminated.map(StepOutcome.Terminated::exitCode).orElse(null),
          terminated.map(StepOutcome.Terminated::message).orElse(null), StepOutcome.failureReason(job),
          Optional.ofNullable(job.getMetadata().getAnnotations()).map(a -> a.get(Ferry.ANNOTATION_REPORT_URI))
              .orElse(null));
      if (check.report != null) {
        status.report = check.report;
      }
      status.lastCheck = check;
      status.history.add(0, check);
      metrics.driftCheck(check.result);
      check.scores.stream().filter(s -> s.score != null).forEach(s -> metrics.driftScore(
          policy.getMetadata().getNamespace(), policy.getMetadata().getName(), s.feature, s.score));
      while (status.history.size() > HISTORY) {
        status.history.remove(status.history.size() - 1);
      }
    }
  }

  /** Measures online performance once per scheduled time. */
  private void measurePerformance(DriftPolicy policy, DriftPolicyStatus status, CronSchedule schedule, Instant now) {
    List<MetricCheck> checks = policy.getSpec().performance;
    if (checks == null || checks.isEmpty()) {
      status.performance = new ArrayList<>();
      return;
    }
    Instant last = status.performance.stream().map(p -> Times.parse(p.time)).filter(Objects::nonNull)
        .max(Comparator.naturalOrder()).orElse(null);
    boolean due = last == null || schedule.latestAtOrBefore(now).map(t -> t.isAfter(last)).orElse(false);
    if (!due) {
      return;
    }
    List<DriftPolicyStatus.PerformanceResult> results = new ArrayList<>();
    for (MetricCheck check : checks) {
      MetricCheckEvaluator.Verdict verdict = MetricCheckEvaluator.check(check, prometheus);
      DriftPolicyStatus.PerformanceResult result = new DriftPolicyStatus.PerformanceResult();
      result.name = check.name;
      result.value = verdict.value().isPresent() ? verdict.value().getAsDouble() : null;
      result.passed = verdict.outcome() == MetricCheckEvaluator.Outcome.INCONCLUSIVE ? null : verdict.passed();
      result.message = verdict.message();
      result.time = Times.format(now);
      results.add(result);
    }
    status.performance = results;
  }

  private void act(DriftPolicy policy, ModelDeployment md, DriftPolicyStatus status, Instant now) {
    String namespace = policy.getMetadata().getNamespace();
    var actions = policy.getSpec().actions;
    // The run this very check started before a crash is not "another retrain running": it is the action, taken.
    String ours = actions != null && actions.retrain != null && status.lastCheck != null
        ? DriftActions.retrainRunName(policy, status.lastCheck) : null;
    boolean retrainRunning = actions != null && actions.retrain != null && client.resources(TrainingRun.class)
        .inNamespace(namespace).withLabel(Ferry.LABEL_PIPELINE, actions.retrain.pipeline).list().getItems().stream()
        .anyMatch(r -> r.getSpec() != null && r.getSpec().trigger != null && !r.getMetadata().getName().equals(ours)
            && r.getSpec().trigger.kind == TrainingRunSpec.TriggerKind.Drift && !RunTriggers.isFinished(r));
    boolean previous = md != null && md.getStatus() != null && md.getStatus().history.stream()
        .anyMatch(h -> "Replaced".equals(h.outcome) && !md.getStatus().rejectedVersions.contains(h.version));
    DriftActions.Decision decision = DriftActions.decide(policy, status, retrainRunning, previous, now);

    decision.notification().ifPresent(n -> {
      events.record(policy, DriftActions.NO_DRIFT.equals(n.verdict()) ? "Normal" : "Warning", n.verdict(), n.message());
      List<String> outcomes = new ArrayList<>();
      int change = (status.notifications == null ? 0 : status.notifications) + 1;
      if (actions != null && actions.notify != null) {
        for (int i = 0; i < actions.notify.size(); i++) {
          var target = actions.notify.get(i);
          DriftPolicyStatus.Delivery delivery = new DriftPolicyStatus.Delivery();
          delivery.id = Deliveries.id(policy, change, n.verdict(), i);
          delivery.verdict = n.verdict();
          delivery.target = target(policy, target);
          WebhookNotifier.Outcome outcome = notifier.send(namespace, target.webhook, n, delivery.id);
          metrics.notification(outcome.sent());
          Deliveries.attempted(delivery, outcome.sent(), outcome.message(), now);
          Deliveries.add(status.deliveries, delivery);
          outcomes.add(outcome.message());
        }
      }
      status.notifications = change;
      status.notifiedVerdict = n.verdict();
      if (!outcomes.isEmpty()) {
        record(policy, status, now, "Notify", "webhooks", String.join("; ", outcomes));
      }
    });
    retryDeliveries(policy, status, now);
    decision.retrain().ifPresent(r -> {
      TrainingRun run = new TrainingRun();
      run.getMetadata().setName(r.runName());
      run.getMetadata().setNamespace(namespace);
      run.getMetadata().setLabels(Map.of(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY, Ferry.LABEL_PIPELINE, r.pipeline(),
          Ferry.LABEL_DRIFT_POLICY, policy.getMetadata().getName()));
      run.setSpec(new TrainingRunSpec());
      run.getSpec().pipeline = r.pipeline();
      run.getSpec().trigger = new TrainingRunSpec.Trigger();
      run.getSpec().trigger.kind = TrainingRunSpec.TriggerKind.Drift;
      run.getSpec().trigger.source = "DriftPolicy/" + policy.getMetadata().getName();
      run.getSpec().trigger.reason = r.reason();
      run.getSpec().datasetUri = actions.retrain.datasetUri;
      createIfMissing(run);
      status.retrainTimes = DriftActions.withRetrain(status.retrainTimes, now);
      record(policy, status, now, "Retrain", "TrainingRun/" + r.runName(), r.reason());
    });
    decision.retrainSkipped().ifPresent(why -> record(policy, status, now, "RetrainSkipped",
        "TrainingPipeline/" + actions.retrain.pipeline, why));
    // A rollback is recorded before it is made, then made (again, harmlessly, after a crash: the
    // request is named after the version it leaves, and the deployment acts once per request).
    if (status.pendingRollback != null) {
      String request = status.pendingRollback;
      if (md != null) {
        client.resources(ModelDeployment.class).inNamespace(namespace).withName(md.getMetadata().getName())
            .edit(d -> {
              d.getMetadata().getAnnotations().put(Ferry.ANNOTATION_ROLLBACK, request);
              return d;
            });
        record(policy, status, now, "Rollback", "ModelDeployment/" + md.getMetadata().getName(),
            DriftActions.describe(DriftActions.PERFORMANCE_BREACH, status) + " (request " + request + ")");
      }
      status.pendingRollback = null;
    } else if (decision.rollback()) {
      status.pendingRollback = DriftActions.rollbackRequest(policy, md.getStatus());
    }
    decision.rollbackSkipped().ifPresent(why -> record(policy, status, now, "RollbackSkipped",
        "ModelDeployment/" + policy.getSpec().deployment, why));
    if (status.lastCheck != null) {
      status.actedOnCheck = status.lastCheck.job;
    }
  }

  /** A notification target as status names it: the Secret holding its URL, never the URL. */
  private static String target(DriftPolicy policy, DriftPolicySpec.Notify notify) {
    var ref = notify.webhook.urlSecretRef;
    return "Secret " + (ref.namespace == null ? policy.getMetadata().getNamespace() : ref.namespace) + "/" + ref.name
        + " key " + ref.key;
  }

  /**
   * Whether the latest notification reached every target: a Secret Ferry may not read, a
   * receiver that fails or a bad URL shows here, not only in status.deliveries.
   */
  private static void deliveredCondition(DriftPolicy policy, DriftPolicyStatus status, long generation, Instant now) {
    int targets = policy.getSpec().actions == null || policy.getSpec().actions.notify == null ? 0
        : policy.getSpec().actions.notify.size();
    if (targets == 0 || status.deliveries.isEmpty()) {
      return;
    }
    List<DriftPolicyStatus.Delivery> latest = status.deliveries.subList(0, Math.min(targets, status.deliveries.size()));
    List<String> failing = latest.stream().filter(d -> !Boolean.TRUE.equals(d.delivered)).map(d -> d.message).toList();
    if (failing.isEmpty()) {
      Conditions.set(status, "NotificationsDelivered", Conditions.TRUE, "Delivered", latest.size()
          + " webhook(s) accepted the latest notification", generation, now);
    } else {
      Conditions.set(status, "NotificationsDelivered", Conditions.FALSE, "DeliveryFailed", String.join("; ", failing),
          generation, now);
    }
  }

  /** Sends again, under the same id, every delivery whose receiver failed and whose backoff is over. */
  private void retryDeliveries(DriftPolicy policy, DriftPolicyStatus status, Instant now) {
    var actions = policy.getSpec().actions;
    for (DriftPolicyStatus.Delivery delivery : Deliveries.due(status.deliveries, now)) {
      Optional<DriftPolicySpec.Notify> target = actions == null || actions.notify == null ? Optional.empty()
          : actions.notify.stream().filter(t -> delivery.target.equals(target(policy, t))).findFirst();
      if (target.isEmpty()) {
        delivery.nextAttemptAt = null; // the target was removed from the spec
        continue;
      }
      Notification n = new Notification(policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName(),
          delivery.verdict, DriftActions.drifting(status.lastCheck), DriftActions.describe(delivery.verdict, status));
      WebhookNotifier.Outcome outcome = notifier.send(policy.getMetadata().getNamespace(), target.get().webhook, n,
          delivery.id);
      metrics.notification(outcome.sent());
      Deliveries.attempted(delivery, outcome.sent(), outcome.message(), now);
    }
  }

  private void record(DriftPolicy policy, DriftPolicyStatus status, Instant now, String kind, String target,
      String message) {
    DriftPolicyStatus.Action action = new DriftPolicyStatus.Action();
    action.time = Times.format(now);
    action.kind = kind;
    action.target = target;
    action.message = message;
    status.lastAction = action;
    events.record(policy, kind.endsWith("Skipped") ? "Warning" : "Normal", kind, target + ": " + message);
  }

  private void apply(CronJob desired) {
    CronJob existing = client.batch().v1().cronjobs().inNamespace(desired.getMetadata().getNamespace())
        .withName(desired.getMetadata().getName()).get();
    if (existing == null) {
      createIfMissing(desired);
    } else if (!Objects.equals(existing.getSpec().getSchedule(), desired.getSpec().getSchedule())
        || !Objects.equals(existing.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers(),
            desired.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers())) {
      client.batch().v1().cronjobs().inNamespace(desired.getMetadata().getNamespace())
          .withName(desired.getMetadata().getName()).edit(c -> {
            c.getSpec().setSchedule(desired.getSpec().getSchedule());
            c.getSpec().setJobTemplate(desired.getSpec().getJobTemplate());
            return c;
          });
    }
  }

  private void createIfMissing(HasMetadata object) {
    try {
      client.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }
}
