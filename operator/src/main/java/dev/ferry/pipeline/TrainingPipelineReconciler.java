package dev.ferry.pipeline;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingPipelineStatus;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.CreatedAfterStart;
import dev.ferry.kube.StatusChange;
import dev.ferry.kube.StatusWriter;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
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
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a pipeline's triggers: starts runs on its schedule and on a new dataset, applies the
 * concurrency policy, and prunes finished runs beyond the history limit. Decisions are made by
 * {@link RunTriggers}; this class only observes, acts, and writes status.
 */
@ControllerConfiguration(name = "trainingpipeline")
public class TrainingPipelineReconciler implements Reconciler<TrainingPipeline> {
  public static final String RUNNING = "Running";
  private static final Logger LOG = LoggerFactory.getLogger(TrainingPipelineReconciler.class);

  private final KubernetesClient client;
  private final Clock clock;

  public TrainingPipelineReconciler(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, TrainingPipeline>> prepareEventSources(EventSourceContext<TrainingPipeline> context) {
    // Runs a person creates carry no owner at first, so runs map to their pipeline by spec.pipeline.
    var runs = InformerEventSourceConfiguration.from(TrainingRun.class, TrainingPipeline.class)
        .withSecondaryToPrimaryMapper(run -> run.getSpec() == null || run.getSpec().pipeline == null ? Set.of()
            : Set.of(new ResourceID(run.getSpec().pipeline, run.getMetadata().getNamespace())))
        // A restart reconciles every pipeline anyway; replayed ADDs of its runs would do it again.
        .withOnAddFilter(CreatedAfterStart.now())
        .build();
    return List.of(new InformerEventSource<>(runs, context));
  }

  @Override
  public UpdateControl<TrainingPipeline> reconcile(TrainingPipeline pipeline, Context<TrainingPipeline> context) {
    Instant now = clock.instant();
    long generation = pipeline.getMetadata().getGeneration() == null ? 0 : pipeline.getMetadata().getGeneration();
    TrainingPipelineStatus before = pipeline.getStatus();

    List<String> errors = PipelineSpecValidator.validate(pipeline);
    if (!errors.isEmpty()) {
      TrainingPipelineStatus status = Optional.ofNullable(StatusChange.copy(before, TrainingPipelineStatus.class))
          .orElseGet(TrainingPipelineStatus::new);
      status.observedGeneration = generation;
      status.nextScheduledRun = null;
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, String.join("; ", errors),
          generation, now);
      return StatusWriter.write(pipeline, status, context);
    }

    List<TrainingRun> runs = new ArrayList<>(context.getSecondaryResources(TrainingRun.class));
    RunTriggers.Plan plan = RunTriggers.plan(pipeline, runs, now);
    plan.stop().forEach(name -> delete(pipeline, name, "replaced by a new run (concurrencyPolicy Replace)"));
    plan.create().forEach(run -> create(pipeline, run));
    plan.prune().forEach(name -> delete(pipeline, name, "beyond runHistoryLimit"));

    TrainingPipelineStatus status = plan.status();
    status.observedGeneration = generation;
    status.conditions = Optional.ofNullable(StatusChange.copy(before, TrainingPipelineStatus.class))
        .map(s -> s.conditions).orElseGet(ArrayList::new);
    Conditions.set(status, Conditions.READY, Conditions.TRUE, "Valid", "", generation, now);
    boolean running = status.activeRuns != null && status.activeRuns > 0;
    Conditions.set(status, RUNNING, running ? Conditions.TRUE : Conditions.FALSE,
        running ? "RunActive" : "Idle", running ? status.activeRuns + " run(s) active" : "", generation, now);
    UpdateControl<TrainingPipeline> control = StatusWriter.write(pipeline, status, context);
    return plan.lookAgainIn().map(control::rescheduleAfter).orElse(control);
  }

  private void create(TrainingPipeline pipeline, RunTriggers.NewRun newRun) {
    TrainingRun run = new TrainingRun();
    run.getMetadata().setName(newRun.name());
    run.getMetadata().setNamespace(pipeline.getMetadata().getNamespace());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
    labels.put(Ferry.LABEL_PIPELINE, pipeline.getMetadata().getName());
    labels.put(Ferry.LABEL_MODEL, pipeline.getSpec().model);
    run.getMetadata().setLabels(labels);
    run.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(Ferry.API_VERSION).withKind("TrainingPipeline")
        .withName(pipeline.getMetadata().getName()).withUid(pipeline.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build()));
    TrainingRunSpec spec = new TrainingRunSpec();
    spec.pipeline = pipeline.getMetadata().getName();
    spec.trigger = new TrainingRunSpec.Trigger();
    spec.trigger.kind = newRun.trigger();
    spec.trigger.source = "TrainingPipeline/" + pipeline.getMetadata().getName();
    spec.trigger.reason = newRun.reason();
    run.setSpec(spec);
    try {
      client.resource(run).create();
      LOG.info("{}/{}: started run {} ({})", pipeline.getMetadata().getNamespace(), pipeline.getMetadata().getName(),
          newRun.name(), newRun.reason());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private void delete(TrainingPipeline pipeline, String run, String why) {
    // Background propagation: the garbage collector removes the run's Jobs and pods after it.
    client.resources(TrainingRun.class).inNamespace(pipeline.getMetadata().getNamespace()).withName(run)
        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    LOG.info("{}/{}: deleted run {}: {}", pipeline.getMetadata().getNamespace(), pipeline.getMetadata().getName(), run, why);
  }

}
