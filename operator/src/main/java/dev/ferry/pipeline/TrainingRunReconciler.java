package dev.ferry.pipeline;

import dev.ferry.admission.Admission;
import dev.ferry.admission.ImmutableSpec;
import dev.ferry.api.v1alpha1.TrainingRunSpec;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.api.v1alpha1.TrainingRunStatus.StepStatus;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.CreatedAfterStart;
import dev.ferry.kube.StatusChange;
import dev.ferry.kube.StatusWriter;
import dev.ferry.kube.Times;
import dev.ferry.operator.FerryConfig;
import dev.ferry.registry.ModelRegistrar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a TrainingRun: snapshots its pipeline, runs one Job per step in order, reads each step's
 * result from its pod, and registers the ModelVersion when every step has succeeded.
 */
@ControllerConfiguration(name = "trainingrun")
public class TrainingRunReconciler implements Reconciler<TrainingRun> {
  public static final String SUCCEEDED = "Succeeded";
  private static final Logger LOG = LoggerFactory.getLogger(TrainingRunReconciler.class);

  private final KubernetesClient client;
  private final FerryConfig config;
  private final Clock clock;
  private final RunRegistration registration;
  private final dev.ferry.metrics.FerryMetrics metrics;

  /** When each pod no kubelet reported on yet was first seen stuck. */
  private final PendingSince pendingSince = new PendingSince();

  public TrainingRunReconciler(KubernetesClient client, FerryConfig config, Clock clock,
      dev.ferry.metrics.FerryMetrics metrics) {
    this.metrics = metrics;
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.registration = new RunRegistration(new ModelRegistrar(client));
  }

  @Override
  public List<EventSource<?, TrainingRun>> prepareEventSources(EventSourceContext<TrainingRun> context) {
    var jobs = InformerEventSourceConfiguration.from(Job.class, TrainingRun.class)
        .withLabelSelector(Ferry.LABEL_MANAGED_BY + "=" + Ferry.MANAGED_BY + "," + Ferry.LABEL_RUN)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(TrainingRun.class))
        // A restart reconciles every run anyway; replayed ADDs of its finished Jobs would do it again.
        .withOnAddFilter(CreatedAfterStart.now())
        .build();
    return List.of(new InformerEventSource<>(jobs, context));
  }

  @Override
  public UpdateControl<TrainingRun> reconcile(TrainingRun run, Context<TrainingRun> context) {
    TrainingRunStatus before = run.getStatus();
    TrainingRunStatus status = Optional.ofNullable(StatusChange.copy(before, TrainingRunStatus.class))
        .orElseGet(TrainingRunStatus::new);
    Instant now = clock.instant();
    long generation = run.getMetadata().getGeneration() == null ? 0 : run.getMetadata().getGeneration();
    status.observedGeneration = generation;

    Optional<String> changed = ImmutableSpec.changed(status.specDigest, run.getSpec(), TrainingRunSpec.IMMUTABLE);
    if (changed.isPresent()) {
      // Where no admission refused the edit: the run goes on as it was started, and says why.
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, changed.get(), generation, now);
      return finish(run, status, context);
    }
    if (status.specDigest != null && Conditions.find(status, Conditions.READY)
        .filter(c -> c.getMessage() != null && c.getMessage().startsWith("spec: " + TrainingRunSpec.IMMUTABLE)).isPresent()) {
      restoreReady(status, generation, now); // changed back: what the run was before the edit
    }
    if (status.phase == Phase.Succeeded || status.phase == Phase.Failed) {
      stopActiveJobs(run, status, context);
      return finish(run, status, context);
    }
    List<String> invalid = validate(run);
    if (!invalid.isEmpty()) {
      fail(status, Conditions.INVALID_SPEC, String.join("; ", invalid), generation, now);
      return finish(run, status, context);
    }
    if (status.pipelineSnapshot == null && !snapshot(run, status, generation, now)) {
      // A missing pipeline may still be created: look again; an invalid one failed the run for good.
      var control = finish(run, status, context);
      return status.phase == Phase.Pending ? control.rescheduleAfter(Duration.ofSeconds(30)) : control;
    }

    Map<String, Job> jobs = context.getSecondaryResources(Job.class).stream()
        .collect(Collectors.toMap(j -> j.getMetadata().getName(), Function.identity(), (a, b) -> a));
    Instant wake = advance(run, status, jobs, generation, now);
    UpdateControl<TrainingRun> control = finish(run, status, context);
    return wake == null ? control : control.rescheduleAfter(Duration.between(now, wake).plusMillis(500));
  }

  /** Copies the pipeline spec into the run, so editing the pipeline never changes a run in flight. */
  private boolean snapshot(TrainingRun run, TrainingRunStatus status, long generation, Instant now) {
    String namespace = run.getMetadata().getNamespace();
    TrainingPipeline pipeline = client.resources(TrainingPipeline.class).inNamespace(namespace)
        .withName(run.getSpec().pipeline).get();
    if (pipeline == null) {
      status.phase = Phase.Pending;
      Conditions.set(status, Conditions.READY, Conditions.FALSE, "PipelineNotFound",
          "TrainingPipeline " + run.getSpec().pipeline + " does not exist in namespace " + namespace, generation, now);
      return false;
    }
    List<String> errors = PipelineSpecValidator.validate(pipeline);
    if (!errors.isEmpty()) {
      fail(status, Conditions.INVALID_SPEC, "pipeline " + pipeline.getMetadata().getName() + " is invalid: "
          + String.join("; ", errors), generation, now);
      return false;
    }
    adoptManualRun(run, pipeline);
    TrainingPipelineSpec snapshot = StatusChange.copy(pipeline.getSpec(), TrainingPipelineSpec.class);
    if (run.getSpec().hyperparameters != null) {
      snapshot.hyperparameters.putAll(run.getSpec().hyperparameters);
    }
    if (run.getSpec().datasetUri != null) {
      snapshot.dataset.uri = run.getSpec().datasetUri;
    }
    status.pipelineSnapshot = snapshot;
    status.specDigest = ImmutableSpec.digest(run.getSpec());
    status.phase = Phase.Running;
    metrics.runStarted(run.getSpec().trigger == null ? "Manual" : run.getSpec().trigger.kind.name());
    status.startedAt = Times.format(now);
    if (snapshot.artifacts != null) {
      status.artifactUri = artifactFolder(snapshot.artifacts.uri, run);
    }
    Conditions.set(status, Conditions.READY, Conditions.TRUE, "Running", "running " + snapshot.steps.size()
        + " steps", generation, now);
    Conditions.set(status, SUCCEEDED, Conditions.UNKNOWN, "Running", "", generation, now);
    return true;
  }

  /**
   * The run's own artifact folder: its name and a hash of its UID, so a run of the same name later
   * (a pipeline deleted and applied again starts its numbering anew) never writes into a folder a
   * registered version points at.
   */
  static String artifactFolder(String artifactsRoot, TrainingRun run) {
    return artifactsRoot.replaceAll("/+$", "") + "/runs/"
        + dev.ferry.kube.Names.join(200, run.getMetadata().getName(),
            dev.ferry.kube.Names.shortHash(String.valueOf(run.getMetadata().getUid()), 8)) + "/";
  }

  /**
   * A run a person created has no owner; make the pipeline its owner so that deleting the
   * pipeline deletes its runs and their Jobs, as for the runs the operator starts.
   */
  private void adoptManualRun(TrainingRun run, TrainingPipeline pipeline) {
    boolean owned = run.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> pipeline.getMetadata().getUid().equals(o.getUid()));
    if (owned) {
      return;
    }
    var owner = new OwnerReferenceBuilder().withApiVersion(Ferry.API_VERSION).withKind("TrainingPipeline")
        .withName(pipeline.getMetadata().getName()).withUid(pipeline.getMetadata().getUid()).build();
    TrainingRun adopted = client.resources(TrainingRun.class).inNamespace(run.getMetadata().getNamespace())
        .withName(run.getMetadata().getName())
        .edit(r -> {
          r.getMetadata().getOwnerReferences().add(owner);
          return r;
        });
    // The status write that follows must build on this version, or JOSDK's cache drops it and the
    // next reconcile sees no snapshot and takes it again.
    run.setMetadata(adopted.getMetadata());
  }

  /** Moves the run forward as far as the finished Jobs allow: one step may end and the next start in one pass. */
  /** Returns when to look again if nothing else will trigger it (a pod that cannot start yet), or null. */
  private Instant advance(TrainingRun run, TrainingRunStatus status, Map<String, Job> jobs, long generation,
      Instant now) {
    TrainingPipelineSpec pipeline = status.pipelineSnapshot;
    for (StepSpec step : pipeline.steps) {
      StepStatus stepStatus = status.steps.stream().filter(s -> step.name.equals(s.name)).findFirst().orElse(null);
      if (stepStatus != null && SUCCEEDED.equals(stepStatus.result)) {
        continue;
      }
      String jobName = StepJobBuilder.jobName(run.getMetadata().getName(), step);
      if (stepStatus == null) {
        stepStatus = new StepStatus();
        stepStatus.name = step.name;
        stepStatus.job = jobName;
        stepStatus.image = step.builtin != null ? config.ferryImage() : step.image;
        stepStatus.result = "Running";
        stepStatus.startedAt = Times.format(now);
        status.steps.add(stepStatus);
      }
      status.currentStep = step.name;
      Job job = jobs.get(jobName);
      if (job == null) {
        Job stepJob = StepJobBuilder.build(run, status.artifactUri, pipeline, step, config.ferryImage());
        if (DistributedStep.isDistributed(step)) {
          // The workers' names resolve before they start: the Service first, then the Job.
          createChild(DistributedStep.service(run, stepJob));
        }
        createChild(stepJob);
        return null;
      }
      StepOutcome.JobState state = StepOutcome.state(job);
      if (state == StepOutcome.JobState.Running) {
        return failIfItCannotStart(run, status, pipeline, stepStatus, job, generation, now);
      }
      if (!recordStep(run, pipeline, stepStatus, job, state, now)) {
        fail(status, "StepFailed", "step " + step.name + " failed"
            + (stepStatus.exitCode == null ? "" : " (exit code " + stepStatus.exitCode + ")")
            + (stepStatus.message == null ? "" : ": " + stepStatus.message), generation, now);
        return null;
      }
    }
    status.currentStep = null;
    register(run, status, generation, now);
    return null;
  }

  /**
   * A step whose pod cannot start (image pull error, missing Secret, ConfigMap or volume,
   * unschedulable) fails after the pending deadline with the pod's own reason, and its Job is
   * deleted, so the pipeline's later runs and drift retrains are not blocked behind it. Until
   * then the run is looked at again when the deadline is due.
   */
  private Instant failIfItCannotStart(TrainingRun run, TrainingRunStatus status, TrainingPipelineSpec pipeline,
      StepStatus step, Job job, long generation, Instant now) {
    List<Pod> pods = client.pods().inNamespace(run.getMetadata().getNamespace())
        .withLabel(Ferry.LABEL_RUN, run.getMetadata().getName()).withLabel(Ferry.LABEL_STEP, step.name)
        .list().getItems();
    Optional<StepOutcome.Stuck> stuck = pendingSince.adjust(StepOutcome.stuck(pods), now);
    if (stuck.isEmpty()) {
      return null;
    }
    int seconds = pipeline.stepDefaults == null || pipeline.stepDefaults.pendingDeadlineSeconds == null
        ? StepOutcome.DEFAULT_PENDING_DEADLINE_SECONDS : pipeline.stepDefaults.pendingDeadlineSeconds;
    Instant deadline = stuck.get().deadline(seconds);
    if (now.isBefore(deadline)) {
      return deadline;
    }
    step.result = "Failed";
    step.finishedAt = Times.format(now);
    step.message = stuck.get().describe("stepDefaults.pendingDeadlineSeconds", seconds);
    fail(status, "StepCannotStart", "step " + step.name + " failed: " + step.message, generation, now);
    // The Job goes once the failure is recorded (the next pass, right after this status write):
    // deleted first, a lost status write would let the next pass create the same step again.
    return now;
  }

  /**
   * A failed run runs nothing: a step Job still active (one whose pod could not start) is deleted,
   * so it does not block the pipeline's later runs. Only once the failure is in the status.
   */
  private void stopActiveJobs(TrainingRun run, TrainingRunStatus status, Context<TrainingRun> context) {
    if (status.phase != Phase.Failed || run.getStatus() == null || run.getStatus().phase != Phase.Failed) {
      return;
    }
    for (Job job : context.getSecondaryResources(Job.class)) {
      if (job.getMetadata().getDeletionTimestamp() == null && StepOutcome.state(job) == StepOutcome.JobState.Running) {
        client.resource(job).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
            .delete();
      }
    }
  }

  private void createChild(io.fabric8.kubernetes.api.model.HasMetadata child) {
    try {
      client.resource(child).create();
    } catch (KubernetesClientException e) {
      // The informer may lag behind our own create: the Job is there, which is what we want.
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  /** Records a finished step from its pod; returns whether it succeeded with a well-formed result. */
  private boolean recordStep(TrainingRun run, TrainingPipelineSpec pipeline, StepStatus step, Job job,
      StepOutcome.JobState state, Instant now) {
    List<Pod> pods = client.pods().inNamespace(run.getMetadata().getNamespace())
        .withLabel(Ferry.LABEL_RUN, run.getMetadata().getName())
        .withLabel(Ferry.LABEL_STEP, step.name)
        .list().getItems();
    Optional<StepOutcome.Terminated> terminated = StepOutcome.lastTerminated(pods);
    step.finishedAt = Optional.ofNullable(job.getStatus().getCompletionTime()).orElse(Times.format(now));
    if (job.getStatus().getStartTime() != null) {
      step.startedAt = job.getStatus().getStartTime();
    }
    terminated.ifPresent(t -> {
      step.exitCode = t.exitCode();
      step.imageDigest = t.digest();
      step.imageID = t.imageId() == null || t.imageId().isBlank() ? null : t.imageId();
    });
    Instant started = Times.parse(step.startedAt);
    Instant finished = Times.parse(step.finishedAt);
    if (started != null && finished != null && !finished.isBefore(started)) {
      metrics.stepDuration(step.name, Duration.between(started, finished));
    }
    Optional<String> storageFailure = StorageResults.failure(pods);
    if (state == StepOutcome.JobState.Failed && storageFailure.isPresent()) {
      step.result = "Failed";
      step.message = storageFailure.get();
      return false;
    }
    Optional<String> failedWorker = StepOutcome.failedWorker(pods);
    if (state == StepOutcome.JobState.Failed && failedWorker.isPresent()) {
      step.result = "Failed";
      step.message = Optional.ofNullable(StepOutcome.failureReason(job)).map(r -> r + "; ").orElse("")
          + failedWorker.get();
      return false;
    }
    if (state == StepOutcome.JobState.Failed) {
      step.result = "Failed";
      String reason = StepOutcome.failureReason(job);
      String said = terminated.map(StepOutcome.Terminated::message).filter(m -> !m.isBlank())
          .map(StepResult::failureMessage).orElse(null);
      step.message = said != null && reason != null ? reason + "; the step said: " + said
          : said != null ? said : reason != null ? reason : "the Job failed";
      return false;
    }
    try {
      StepResult result = StepResult.parse(terminated.map(StepOutcome.Terminated::message).orElse(null));
      Optional<String> artifactProblem = StepResult.artifactProblem(result.artifactUri(),
          pipeline.artifacts == null ? null : pipeline.artifacts.uri);
      if (artifactProblem.isPresent()) {
        throw new StepResult.MalformedResultException(artifactProblem.get());
      }
      step.metrics = result.metrics().isEmpty() ? null : result.metrics();
      step.artifactUri = result.artifactUri();
      step.datasetDigest = StorageResults.datasetDigest(pods).orElse(result.datasetDigest());
      step.artifactDigest = StorageResults.artifactDigest(pods).orElse(null);
      step.message = result.message();
      step.result = SUCCEEDED;
      return true;
    } catch (StepResult.MalformedResultException e) {
      step.result = "Failed";
      step.message = "malformed result: " + e.getMessage();
      return false;
    }
  }

  private void register(TrainingRun run, TrainingRunStatus status, long generation, Instant now) {
    Optional<String> problem = RunRegistration.problem(status);
    if (problem.isPresent()) {
      fail(status, "NoArtifact", problem.get(), generation, now);
      return;
    }
    ModelVersion version;
    try {
      version = registration.register(run, status);
    } catch (dev.ferry.registry.ModelRegistrar.ArtifactInUseException e) {
      fail(status, "ArtifactInUse", e.getMessage(), generation, now);
      return;
    }
    status.modelVersion = version.getMetadata().getName();
    status.phase = Phase.Succeeded;
    status.finishedAt = Times.format(now);
    Conditions.set(status, Conditions.READY, Conditions.TRUE, SUCCEEDED, "registered " + status.modelVersion,
        generation, now);
    Conditions.set(status, SUCCEEDED, Conditions.TRUE, "Registered", "registered ModelVersion " + status.modelVersion,
        generation, now);
    metrics.runFinished(Phase.Succeeded.name());
    LOG.info("registered ModelVersion {}", status.modelVersion);
  }

  /** The CRD's constraints (see {@link Admission}); the pipeline it names is checked when the run starts. */
  public static List<String> validate(TrainingRun run) {
    if (run.getSpec() == null) {
      return List.of("spec: Required value");
    }
    List<String> problems = new java.util.ArrayList<>(Admission.problems(run));
    if (run.getSpec().datasetUri != null) {
      dev.ferry.kube.DataUris.readableProblem("spec.datasetUri", run.getSpec().datasetUri).ifPresent(problems::add);
    }
    return problems;
  }

  private static void restoreReady(TrainingRunStatus status, long generation, Instant now) {
    boolean terminal = status.phase == Phase.Succeeded || status.phase == Phase.Failed;
    var outcome = Conditions.find(status, SUCCEEDED).filter(c -> terminal);
    if (outcome.isPresent()) {
      Conditions.set(status, Conditions.READY, outcome.get().getStatus(), outcome.get().getReason(),
          outcome.get().getMessage(), generation, now);
    } else {
      Conditions.set(status, Conditions.READY, Conditions.TRUE, "Running", "running " + status.currentStep, generation, now);
    }
  }

  private void fail(TrainingRunStatus status, String reason, String message, long generation, Instant now) {
    metrics.runFinished(Phase.Failed.name());
    status.phase = Phase.Failed;
    status.finishedAt = Times.format(now);
    Conditions.set(status, Conditions.READY, Conditions.FALSE, reason, message, generation, now);
    Conditions.set(status, SUCCEEDED, Conditions.FALSE, reason, message, generation, now);
  }

  private static UpdateControl<TrainingRun> finish(TrainingRun run, TrainingRunStatus after,
      Context<TrainingRun> context) {
    return StatusWriter.write(run, after, context);
  }
}
