package dev.ferry.registry;

import dev.ferry.admission.Admission;
import dev.ferry.admission.ImmutableSpec;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus;
import dev.ferry.api.v1alpha1.ModelVersionStatus.GateResult;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.StatusChange;
import dev.ferry.kube.StatusWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.ferry.api.v1alpha1.ModelDeployment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;
import java.util.Set;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Validates a ModelVersion against the gates copied into it. The verdict is reached once, against
 * the production version of that moment, and then kept: a registry entry does not flip from
 * Validated to rejected because production moved on later. The only writer of a version's status:
 * its stage is read from the status of the deployment that serves its model.
 */
@ControllerConfiguration(name = "modelversion")
public class ModelVersionReconciler implements Reconciler<ModelVersion> {
  public static final String VALIDATED = "Validated";

  private final ModelRegistrar registrar;
  private final dev.ferry.metrics.FerryMetrics metrics;
  private final Clock clock;
  private InformerEventSource<ModelDeployment, ModelVersion> deployments;

  public ModelVersionReconciler(KubernetesClient client, Clock clock, dev.ferry.metrics.FerryMetrics metrics) {
    this.metrics = metrics;
    this.registrar = new ModelRegistrar(client);
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, ModelVersion>> prepareEventSources(EventSourceContext<ModelVersion> context) {
    // A deployment's status says where each version of its model stands; the versions mirror it.
    var deployments = InformerEventSourceConfiguration.from(ModelDeployment.class, ModelVersion.class)
        .withSecondaryToPrimaryMapper(d -> d.getSpec() == null ? Set.of()
            : context.getPrimaryCache().list(d.getMetadata().getNamespace(),
                    v -> v.getSpec() != null && Objects.equals(d.getSpec().model, v.getSpec().model))
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build();
    this.deployments = new InformerEventSource<>(deployments, context);
    return List.of(this.deployments);
  }

  @Override
  public UpdateControl<ModelVersion> reconcile(ModelVersion version, Context<ModelVersion> context) {
    ModelVersionStatus before = version.getStatus();
    ModelVersionStatus status = Optional.ofNullable(StatusChange.copy(before, ModelVersionStatus.class))
        .orElseGet(ModelVersionStatus::new);
    long generation = version.getMetadata().getGeneration() == null ? 0 : version.getMetadata().getGeneration();
    Optional<String> changed = ImmutableSpec.changed(status.specDigest, version.getSpec(), ModelVersionSpec.IMMUTABLE);
    if (changed.isPresent()) {
      // Where no admission refused the edit: keep the verdict, say why nothing follows the change.
      status.observedGeneration = generation;
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, changed.get(), generation,
          clock.instant());
      return StatusWriter.write(version, status, context);
    }
    boolean verdictReached = Conditions.find(status, VALIDATED).filter(c -> !Conditions.UNKNOWN.equals(c.getStatus()))
        .isPresent() && (status.specDigest != null || Long.valueOf(generation).equals(status.observedGeneration));
    if (!verdictReached) {
      judge(version, status, generation);
    } else if (status.specDigest == null) {
      status.specDigest = ImmutableSpec.digest(version.getSpec()); // judged by an earlier Ferry: record now
    } else if (Conditions.find(status, Conditions.READY).filter(c -> Conditions.INVALID_SPEC.equals(c.getReason()))
        .isPresent() && status.specDigest != null) {
      // The spec was changed and changed back: the version is what it was registered as again.
      status.observedGeneration = generation;
      Conditions.set(status, Conditions.READY, Conditions.TRUE, "Registered", "", generation, clock.instant());
    }
    if (Conditions.isTrue(status, VALIDATED)) {
      VersionStages.Placement placement = VersionStages.placement(version,
          deployments.list(version.getMetadata().getNamespace()));
      status.stage = placement.stage();
      status.rejectedReason = placement.rejectedReason();
    } else {
      status.stage = ModelVersionStatus.Stage.None;
    }
    return StatusWriter.write(version, status, context);
  }

  /** The verdict on the gates, reached once per generation against the production version of that moment. */
  private void judge(ModelVersion version, ModelVersionStatus status, long generation) {
    Instant now = clock.instant();
    status.observedGeneration = generation;

    List<String> errors = validate(version);
    if (!errors.isEmpty()) {
      String message = String.join("; ", errors);
      Conditions.set(status, Conditions.READY, Conditions.FALSE, Conditions.INVALID_SPEC, message, generation, now);
      Conditions.set(status, VALIDATED, Conditions.FALSE, Conditions.INVALID_SPEC, message, generation, now);
      return;
    }

    ModelVersionSpec spec = version.getSpec();
    status.specDigest = ImmutableSpec.digest(spec);
    ValidationGates.Champion champion = registrar.productionVersion(version.getMetadata().getNamespace(), spec.model)
        .filter(v -> !v.getMetadata().getName().equals(version.getMetadata().getName()))
        .map(v -> new ValidationGates.Champion(v.getSpec().version, v.getSpec().metrics))
        .orElse(null);
    status.gates = ValidationGates.evaluate(spec, champion);
    List<GateResult> failed = status.gates.stream().filter(g -> !Boolean.TRUE.equals(g.passed)).toList();
    metrics.versionRegistered();
    failed.forEach(g -> metrics.versionRejected(g.name));
    if (failed.isEmpty()) {
      Conditions.set(status, VALIDATED, Conditions.TRUE, "GatesPassed",
          status.gates.isEmpty() ? "no gates configured" : status.gates.size() + " gate(s) passed", generation, now);
    } else {
      Conditions.set(status, VALIDATED, Conditions.FALSE, "GateFailed",
          failed.stream().map(g -> g.name + ": " + g.message).collect(Collectors.joining("; ")), generation, now);
    }
    Conditions.set(status, Conditions.READY, Conditions.TRUE, "Registered", "", generation, now);
  }

  /** The CRD's constraints (see {@link Admission}); a registry entry has nothing the operator checks beyond them. */
  public static List<String> validate(ModelVersion version) {
    return version.getSpec() == null ? List.of("spec: Required value") : Admission.problems(version);
  }


}
