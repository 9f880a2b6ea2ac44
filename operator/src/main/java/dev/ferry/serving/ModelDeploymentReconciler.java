package dev.ferry.serving;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionStatus;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.EventRecorder;
import dev.ferry.kube.StatusWriter;
import dev.ferry.operator.FerryConfig;
import dev.ferry.pipeline.StepOutcome;
import dev.ferry.pipeline.StepResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Serves a model: observes versions, Deployments, the smoke Job and (during a canary) the
 * analysis metrics; asks {@link RolloutPlanner} what should be; applies it. Not generation-aware,
 * because approvals and rollback requests arrive as annotations.
 */
@ControllerConfiguration(name = "modeldeployment", generationAwareEventProcessing = false)
public class ModelDeploymentReconciler implements Reconciler<ModelDeployment> {
  private final KubernetesClient client;
  private final FerryConfig config;
  private final Clock clock;
  private final AnalysisRunner analysis;
  private final EventRecorder events;
  private final dev.ferry.metrics.FerryMetrics metrics;
  private final dev.ferry.kube.ChildApplier children;
  private final java.util.function.BooleanSupplier gatewayApi;

  public ModelDeploymentReconciler(KubernetesClient client, FerryConfig config, Clock clock, AnalysisRunner analysis,
      dev.ferry.metrics.FerryMetrics metrics) {
    this(client, config, clock, analysis, metrics, new GatewayApi(client, clock));
  }

  /** {@code gatewayApi}: whether the cluster serves HTTPRoutes now (asked before each plan). */
  public ModelDeploymentReconciler(KubernetesClient client, FerryConfig config, Clock clock, AnalysisRunner analysis,
      dev.ferry.metrics.FerryMetrics metrics, java.util.function.BooleanSupplier gatewayApi) {
    this.gatewayApi = gatewayApi;
    this.metrics = metrics;
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.analysis = analysis;
    this.events = new EventRecorder(client, "ferry-modeldeployment", clock);
    this.children = new dev.ferry.kube.ChildApplier(client);
    this.routes = new RouteWriter(client, clock);
  }

  private final RouteWriter routes;
  private final dev.ferry.pipeline.PendingSince pendingSince = new dev.ferry.pipeline.PendingSince();

  @Override
  public List<EventSource<?, ModelDeployment>> prepareEventSources(EventSourceContext<ModelDeployment> context) {
    String managed = Ferry.LABEL_MANAGED_BY + "=" + Ferry.MANAGED_BY + "," + Ferry.LABEL_DEPLOYMENT;
    var deployments = InformerEventSourceConfiguration.from(Deployment.class, ModelDeployment.class)
        .withLabelSelector(managed).withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelDeployment.class))
        .build();
    var services = InformerEventSourceConfiguration.from(Service.class, ModelDeployment.class)
        .withLabelSelector(managed).withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelDeployment.class))
        .build();
    var jobs = InformerEventSourceConfiguration.from(Job.class, ModelDeployment.class)
        .withName("smoke-jobs")
        .withLabelSelector(managed).withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelDeployment.class))
        .build();
    // A new or newly validated version concerns every deployment of its model.
    var versions = InformerEventSourceConfiguration.from(ModelVersion.class, ModelDeployment.class)
        .withSecondaryToPrimaryMapper(v -> v.getSpec() == null ? java.util.Set.of()
            : context.getPrimaryCache().list(md -> md.getSpec() != null && v.getSpec().model.equals(md.getSpec().model)
                && Objects.equals(md.getMetadata().getNamespace(), v.getMetadata().getNamespace()))
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build();
    var autoscalers = InformerEventSourceConfiguration.from(HorizontalPodAutoscaler.class, ModelDeployment.class)
        .withLabelSelector(managed).withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelDeployment.class))
        .build();
    return List.of(new InformerEventSource<>(deployments, context), new InformerEventSource<>(services, context),
        new InformerEventSource<>(jobs, context), new InformerEventSource<>(versions, context),
        new InformerEventSource<>(autoscalers, context));
  }

  @Override
  public UpdateControl<ModelDeployment> reconcile(ModelDeployment md, Context<ModelDeployment> context) {
    Instant now = clock.instant();
    long generation = md.getMetadata().getGeneration() == null ? 0 : md.getMetadata().getGeneration();
    List<String> errors = ServingSpecValidator.validate(md);
    if (!errors.isEmpty()) {
      var status = Optional.ofNullable(dev.ferry.kube.StatusChange.copy(md.getStatus(),
          dev.ferry.api.v1alpha1.ModelDeploymentStatus.class)).orElseGet(dev.ferry.api.v1alpha1.ModelDeploymentStatus::new);
      status.observedGeneration = generation;
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, String.join("; ", errors),
          generation, now);
      return StatusWriter.write(md, status, context);
    }
    String namespace = md.getMetadata().getNamespace();
    Optional<ModelDeployment> servingDeployment = ModelOwnership.servingDeployment(md.getSpec().model, namespace,
        context.getPrimaryCache().list(namespace));
    if (servingDeployment.isPresent() && !servingDeployment.get().getMetadata().getName().equals(md.getMetadata().getName())) {
      return conflict(md, servingDeployment.get(), generation, now, context);
    }
    List<ModelVersion> versions = client.resources(ModelVersion.class).inNamespace(namespace)
        .withLabel(Ferry.LABEL_MODEL, md.getSpec().model).list().getItems().stream()
        .filter(v -> v.getSpec() != null && md.getSpec().model.equals(v.getSpec().model) && v.getSpec().version != null)
        .toList();
    Map<Long, Deployment> deployments = new HashMap<>();
    for (Deployment d : context.getSecondaryResources(Deployment.class)) {
      String version = d.getMetadata().getLabels().get(Ferry.LABEL_VERSION);
      if (version != null) {
        deployments.put(Long.parseLong(version), d);
      }
    }
    Map<Long, RolloutPlanner.DeploymentState> states = new HashMap<>();
    deployments.forEach((v, d) -> states.put(v, new RolloutPlanner.DeploymentState(v,
        d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas(),
        d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas(),
        d.getMetadata().getLabels().get(Ferry.LABEL_TRACK))));

    List<RolloutPlanner.AnalysisResult> measured = RolloutPlanner.analysisDue(md, now) ? measure(md) : List.of();
    var smokeDeadline = new java.util.concurrent.atomic.AtomicReference<Instant>();
    boolean routable = md.getSpec().traffic != null && gatewayApi.getAsBoolean();
    var plan = RolloutPlanner.plan(new RolloutPlanner.Observed(md, versions, states, smokeOutcome(md, context, smokeDeadline),
        measured, now, routable));

    Map<Long, ModelVersion> byNumber = versions.stream()
        .collect(Collectors.toMap(v -> v.getSpec().version, Function.identity(), (a, b) -> a));
    plan.deployments().forEach((version, desired) -> Optional.ofNullable(byNumber.get(version)).ifPresent(mv ->
        applyDeployment(ServingBuilders.deployment(md, mv, desired.replicas(), desired.track(),
            config.ferryImage()), deployments.get(version), desired.autoscale())));
    applyAutoscalers(md, plan, context);
    // Routed: the production Service selects what the route sends the default requests to, so
    // callers inside the cluster reach the same versions; else the versions on the production track.
    List<Long> onProduction = plan.route().map(r -> r.weights().keySet().stream().sorted().toList())
        .orElseGet(() -> plan.deployments().entrySet().stream()
            .filter(e -> ServingBuilders.PRODUCTION.equals(e.getValue().track()) && e.getValue().replicas() > 0)
            .map(Map.Entry::getKey).sorted().toList());
    applyService(ServingBuilders.productionService(md, onProduction), context);
    if (plan.stagingVersion() != null) {
      applyService(ServingBuilders.stagingService(md, plan.stagingVersion()), context);
    }
    if (routable) {
      plan.deployments().keySet().forEach(v -> applyService(TrafficBuilders.versionService(md, v), context));
      plan.route().flatMap(route -> routes.apply(md, route)).ifPresent(problem -> {
        plan.status().traffic.message = problem;
        Conditions.set(plan.status(), RolloutPlanner.ROUTED, Conditions.FALSE, "RouteNotWritten", problem, generation,
            now);
        if (problem.contains("does not know the kind") && gatewayApi instanceof GatewayApi discovered) {
          discovered.forget();
        }
      });
    }
    // Only once the Services and the route select what stays: a version that leaves never has traffic sent to it.
    deployments.forEach((version, existing) -> {
      if (!plan.deployments().containsKey(version)) {
        client.resource(existing).delete();
      }
    });
    deleteVersionServices(md, routable ? plan.deployments().keySet() : java.util.Set.of(), context);
    if (!routable) {
      deleteOwnedRoute(md);
    }
    if (plan.smokeVersion() != null) {
      Job desired = desiredSmokeJob(md, plan.status(), plan.smokeVersion());
      children.applyImmutable(desired, existingJob(context, desired.getMetadata().getName()).orElse(null));
    }
    recordStages(plan.status(), plan.stages(), plan.rejections(), byNumber.keySet());
    UpdateControl<ModelDeployment> control = StatusWriter.write(md, plan.status(), context, () -> announce(md, plan));
    // A smoke pod that cannot start changes nothing Ferry watches: look again when its deadline is due.
    Optional<java.time.Duration> smokeDue = Optional.ofNullable(smokeDeadline.get())
        .map(t -> java.time.Duration.between(now, t).plusMillis(500));
    // The traffic mode follows the Gateway API's CRDs being installed or removed: ask again in a while.
    Optional<java.time.Duration> recheck = md.getSpec().traffic == null ? Optional.empty()
        : Optional.of(GatewayApi.RECHECK);
    return Stream.of(plan.lookAgainIn(), smokeDue, recheck).flatMap(Optional::stream).min(java.time.Duration::compareTo)
        .map(control::rescheduleAfter).orElse(control);
  }

  /** Events and metrics of the plan's transitions, once its status is committed. */
  private void announce(ModelDeployment md, RolloutPlanner.Plan plan) {
    String namespace = md.getMetadata().getNamespace();
    plan.events().forEach(e -> events.record(md, e.type(), e.reason(), e.message()));
    plan.events().forEach(e -> {
      if ("Promoted".equals(e.reason())) {
        metrics.promotion();
      } else if ("RolledBack".equals(e.reason())) {
        metrics.rollback(Conditions.find(plan.status(), RolloutPlanner.ROLLED_BACK).map(c -> c.getReason())
            .orElse("Unknown"));
      }
    });
    metrics.canaryWeight(namespace, md.getMetadata().getName(),
        plan.status().canary == null || plan.status().canary.weight == null ? 0 : plan.status().canary.weight);
    var traffic = plan.status().traffic;
    Map<Long, Integer> weights = new HashMap<>();
    if (traffic != null) {
      traffic.backends.forEach(b -> weights.merge(b.version, b.weight == null ? 0 : b.weight, Integer::sum));
    }
    metrics.trafficWeights(namespace, md.getMetadata().getName(), weights);
    metrics.mirrorShare(namespace, md.getMetadata().getName(),
        traffic == null || traffic.mirrorPercent == null ? 0 : traffic.mirrorPercent);

  }

  /**
   * A second deployment of a model already served in the namespace stays idle: two would fight over
   * which version is in production. It is looked at again every 30 s, so it takes over once the first goes.
   */
  private UpdateControl<ModelDeployment> conflict(ModelDeployment md, ModelDeployment serving, long generation,
      Instant now, Context<ModelDeployment> context) {
    var status = Optional.ofNullable(dev.ferry.kube.StatusChange.copy(md.getStatus(),
        dev.ferry.api.v1alpha1.ModelDeploymentStatus.class)).orElseGet(dev.ferry.api.v1alpha1.ModelDeploymentStatus::new);
    status.observedGeneration = generation;
    Conditions.set(status, Conditions.READY, Conditions.FALSE, ModelOwnership.CONFLICT, "model " + md.getSpec().model
        + " is already served in namespace " + md.getMetadata().getNamespace() + " by ModelDeployment "
        + serving.getMetadata().getName() + "; a model has one ModelDeployment per namespace, so this one does nothing"
        + " until that one is deleted", generation, now);
    return StatusWriter.write(md, status, context).rescheduleAfter(java.time.Duration.ofSeconds(30));
  }

  /** Measures every analysis metric of the canary, its query bound to this canary and the stable version. */
  private List<RolloutPlanner.AnalysisResult> measure(ModelDeployment md) {
    long candidate = md.getStatus().canary != null ? md.getStatus().canary.version : md.getStatus().shadow.version;
    var args = AnalysisQueries.arguments(md, candidate, md.getStatus().productionVersion);
    List<RolloutPlanner.AnalysisResult> results = new ArrayList<>();
    for (MetricCheck check : md.getSpec().rollout.analysis.metrics) {
      results.add(analysis.check(AnalysisQueries.bind(check, args)));
    }
    return results;
  }

  private Job desiredSmokeJob(ModelDeployment md, dev.ferry.api.v1alpha1.ModelDeploymentStatus status, long version) {
    String retry = status == null || status.handledRetry == null ? null : RolloutPlanner.retriedVersion(status.handledRetry)
        .filter(v -> v == version).map(v -> status.handledRetry).orElse(null);
    return ServingBuilders.smokeJob(md, version, config.ferryImage(), retry);
  }

  private static Optional<Job> existingJob(Context<ModelDeployment> context, String name) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> j.getMetadata().getName().equals(name)).findFirst();
  }

  /** The candidate's smoke test, read only from a Job of the smoke test as it is desired now (not an earlier try). */
  private Optional<RolloutPlanner.SmokeOutcome> smokeOutcome(ModelDeployment md, Context<ModelDeployment> context,
      java.util.concurrent.atomic.AtomicReference<Instant> smokeDeadline) {
    var status = md.getStatus();
    if (status == null || status.candidateVersion == null || md.getSpec().smokeTest == null) {
      return Optional.empty();
    }
    long version = status.candidateVersion;
    Job desired = desiredSmokeJob(md, status, version);
    String name = desired.getMetadata().getName();
    Optional<Job> job = existingJob(context, name).filter(j -> j.getMetadata().getAnnotations() != null
        && dev.ferry.kube.ChildApplier.digest(desired).equals(j.getMetadata().getAnnotations()
            .get(dev.ferry.kube.ChildApplier.DIGEST)));
    if (job.isEmpty()) {
      return Optional.empty();
    }
    StepOutcome.JobState state = StepOutcome.state(job.get());
    List<Pod> pods = client.pods().inNamespace(md.getMetadata().getNamespace()).withLabel("job-name", name).list()
        .getItems();
    int seconds = Optional.ofNullable(md.getSpec().smokeTest.pendingDeadlineSeconds)
        .orElse(StepOutcome.DEFAULT_PENDING_DEADLINE_SECONDS);
    Optional<StepOutcome.Stuck> stuck = pendingSince.adjust(StepOutcome.stuck(pods), clock.instant());
    if (state == StepOutcome.JobState.Running) {
      if (stuck.isPresent() && !clock.instant().isBefore(stuck.get().deadline(seconds))) {
        // The pod cannot start (bad image, missing ConfigMap, ...): fail now with its reason, not at the
        // Job's activeDeadlineSeconds with "DeadlineExceeded". The Job stays as the record of this try
        // (deleting it would make the same try again); its activeDeadlineSeconds ends the pod.
        return Optional.of(new RolloutPlanner.SmokeOutcome(version, name, "Failed",
            stuck.get().describe("smokeTest.pendingDeadlineSeconds", seconds)));
      }
      stuck.ifPresent(s -> smokeDeadline.set(s.deadline(seconds)));
      return Optional.of(new RolloutPlanner.SmokeOutcome(version, name, "Running", null));
    }
    Optional<StepOutcome.Terminated> terminated = StepOutcome.lastTerminated(pods);
    String message = terminated.map(StepOutcome.Terminated::message).map(m -> {
      try {
        StepResult result = StepResult.parse(m);
        return result.message() != null ? result.message() : m;
      } catch (StepResult.MalformedResultException e) {
        return m;
      }
    }).orElse(stuck.map(s -> s.describe("smokeTest.pendingDeadlineSeconds", seconds))
        .orElse(StepOutcome.failureReason(job.get())));
    return Optional.of(new RolloutPlanner.SmokeOutcome(version, name,
        state == StepOutcome.JobState.Succeeded ? "Passed" : "Failed", message));
  }

  /**
   * Brings the version's Deployment to exactly its desired state; no write when it is there
   * already. An autoscaled one keeps the replicas its autoscaler chose within the plan's bounds.
   */
  private void applyDeployment(Deployment desired, Deployment existing, RolloutPlanner.Autoscale autoscale) {
    if (autoscale == null) {
      children.apply(desired, existing);
    } else {
      children.applyAutoscaled(desired, existing, autoscale.minReplicas(), autoscale.maxReplicas());
    }
  }

  /** One autoscaler per autoscaled Deployment of the plan; the others' autoscalers go. */
  private void applyAutoscalers(ModelDeployment md, RolloutPlanner.Plan plan, Context<ModelDeployment> context) {
    Map<String, HorizontalPodAutoscaler> existing = context.getSecondaryResources(HorizontalPodAutoscaler.class)
        .stream().collect(Collectors.toMap(h -> h.getMetadata().getName(), Function.identity(), (a, b) -> a));
    java.util.Set<String> wanted = new java.util.HashSet<>();
    plan.deployments().forEach((version, desired) -> {
      if (desired.autoscale() != null) {
        HorizontalPodAutoscaler hpa = TrafficBuilders.autoscaler(md, version, desired.autoscale());
        wanted.add(hpa.getMetadata().getName());
        children.apply(hpa, existing.get(hpa.getMetadata().getName()));
      }
    });
    existing.forEach((name, hpa) -> {
      if (!wanted.contains(name)) {
        client.resource(hpa).delete();
      }
    });
  }

  /**
   * The route this deployment wrote while it was routed, once it no longer is (spec.traffic removed,
   * or the Gateway API gone): an owned route is deleted; a managed one is left to its owner.
   */
  private void deleteOwnedRoute(ModelDeployment md) {
    var was = md.getStatus() == null ? null : md.getStatus().traffic;
    if (was == null || !RolloutPlanner.GATEWAY_API.equals(was.mode) || was.route == null
        || md.getSpec().traffic != null && md.getSpec().traffic.httpRoute != null) {
      return;
    }
    try {
      var route = client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class)
          .inNamespace(md.getMetadata().getNamespace()).withName(was.route).get();
      if (route != null && route.getMetadata().getOwnerReferences() != null && route.getMetadata()
          .getOwnerReferences().stream().anyMatch(o -> o.getUid().equals(md.getMetadata().getUid()))) {
        client.resource(route).delete();
      }
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** Deletes the per-version Services of versions that no longer run (or all of them when not routed). */
  private void deleteVersionServices(ModelDeployment md, java.util.Set<Long> keep, Context<ModelDeployment> context) {
    for (Service service : context.getSecondaryResources(Service.class)) {
      String version = service.getMetadata().getLabels() == null ? null
          : service.getMetadata().getLabels().get(Ferry.LABEL_VERSION);
      if (version != null && version.matches("\\d{1,18}")
          && service.getMetadata().getName().equals(TrafficBuilders.versionServiceName(md, Long.parseLong(version)))
          && !keep.contains(Long.parseLong(version))) {
        client.resource(service).delete();
      }
    }
  }

  private void applyService(Service desired, Context<ModelDeployment> context) {
    children.apply(desired, existingService(context, desired.getMetadata().getName()).orElse(null));
  }

  private static Optional<Service> existingService(Context<ModelDeployment> context, String name) {
    return context.getSecondaryResources(Service.class).stream()
        .filter(s -> s.getMetadata().getName().equals(name)).findFirst();
  }

  /**
   * Records in this deployment's own status the stage it gives each version and why it rejected one.
   * The ModelVersion's reconciler copies it into the version's status: one writer per status field.
   */
  static void recordStages(dev.ferry.api.v1alpha1.ModelDeploymentStatus status, Map<Long, ModelVersionStatus.Stage> stages,
      Map<Long, String> rejections, java.util.Set<Long> existing) {
    Map<Long, dev.ferry.api.v1alpha1.ModelDeploymentStatus.VersionStage> byVersion = new java.util.TreeMap<>();
    for (var entry : status.versions) {
      if (entry.version != null && existing.contains(entry.version)) {
        byVersion.put(entry.version, entry);
      }
    }
    stages.forEach((version, stage) -> {
      var entry = byVersion.computeIfAbsent(version, v -> {
        var created = new dev.ferry.api.v1alpha1.ModelDeploymentStatus.VersionStage();
        created.version = v;
        return created;
      });
      entry.stage = stage;
      if (rejections.containsKey(version)) {
        entry.rejectedReason = rejections.get(version);
      } else if (stage != ModelVersionStatus.Stage.None) {
        entry.rejectedReason = null; // tried again (ferry.dev/retry)
      }
    });
    status.versions = new ArrayList<>(byVersion.values());
  }
}
