package dev.ferry.operator;

import dev.ferry.pipeline.TrainingPipelineReconciler;
import dev.ferry.pipeline.TrainingRunReconciler;
import dev.ferry.registry.ModelVersionReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.util.Objects;
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
    this(client, config, clock, closeClientOnStop, Metrics.NOOP);
  }

  /**
   * As above, reporting reconciliations to {@code metrics} (JOSDK's default is {@link Metrics#NOOP}):
   * the benchmarks count reconciles per resource through it.
   */
  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      Metrics metrics) {
    Objects.requireNonNull(metrics, "metrics");
    this.operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withMetrics(metrics)
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
