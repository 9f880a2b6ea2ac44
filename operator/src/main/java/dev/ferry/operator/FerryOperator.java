package dev.ferry.operator;

import dev.ferry.pipeline.TrainingPipelineReconciler;
import dev.ferry.pipeline.TrainingRunReconciler;
import dev.ferry.registry.ModelVersionReconciler;
import dev.ferry.monitoring.DriftPolicyReconciler;
import dev.ferry.monitoring.WebhookNotifier;
import dev.ferry.serving.ModelDeploymentReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The one place that wires Ferry: the same code path for a cluster, the local mode and tests.
 *
 * <p>Server-side apply is switched off for the primary resources and dependents: the mock API
 * server of the local mode and the tests does not implement it, and running the same patch
 * mode everywhere means the tests exercise the production code path.
 */
public final class FerryOperator implements AutoCloseable {
  private final Operator operator;

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop) {
    this(client, config, clock, closeClientOnStop, OutsideSystems.real(System.getenv()));
  }

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      OutsideSystems outside) {
    this.operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(closeClientOnStop)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withStopOnInformerErrorDuringStartup(true));
    Consumer<ControllerConfigurationOverrider<?>> namespaces = o -> {
      if (!config.namespaces().isEmpty()) {
        o.settingNamespaces(config.namespaces());
      }
    };
    operator.register(new TrainingPipelineReconciler(client, clock), namespaces::accept);
    operator.register(new TrainingRunReconciler(client, config, clock), namespaces::accept);
    operator.register(new ModelVersionReconciler(client, clock), namespaces::accept);
    operator.register(new ModelDeploymentReconciler(client, config, clock, outside.analysis()), namespaces::accept);
    operator.register(new DriftPolicyReconciler(client, config, clock, outside.prometheus(),
        new WebhookNotifier(client, Duration.ofSeconds(5), outside.env())), namespaces::accept);
  }

  public FerryOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
  }
}
