package dev.ferry.operator;

import dev.ferry.pipeline.TrainingPipelineReconciler;
import dev.ferry.pipeline.TrainingRunReconciler;
import dev.ferry.registry.ModelVersionReconciler;
import dev.ferry.serving.AnalysisRunner;
import dev.ferry.serving.ModelDeploymentReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import java.time.Clock;
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
    this(client, config, clock, closeClientOnStop,
        check -> new dev.ferry.serving.RolloutPlanner.AnalysisResult(check.name, false, "PENDING-WIRING"));
  }

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      AnalysisRunner analysis) {
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
    operator.register(new ModelDeploymentReconciler(client, config, clock, analysis), namespaces::accept);
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
