package dev.ferry.operator;

import dev.ferry.pipeline.TrainingPipelineReconciler;
import dev.ferry.pipeline.TrainingRunReconciler;
import dev.ferry.registry.ModelVersionReconciler;
import dev.ferry.metrics.FerryMetrics;
import dev.ferry.monitoring.DriftPolicyReconciler;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.ferry.monitoring.WebhookNotifier;
import dev.ferry.serving.ModelDeploymentReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
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
  private final FerryMetrics metrics;

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop) {
    this(client, config, clock, closeClientOnStop, OutsideSystems.real(System.getenv()), new SimpleMeterRegistry());
  }

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      OutsideSystems outside) {
    this(client, config, clock, closeClientOnStop, outside, new SimpleMeterRegistry());
  }

  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      OutsideSystems outside, MeterRegistry registry) {
    this(client, config, clock, closeClientOnStop, outside, registry,
        MicrometerMetrics.withoutPerResourceMetrics(registry));
  }

  /**
   * As above, with JOSDK's reconcile metrics going to {@code josdkMetrics} instead of the registry:
   * the scale benchmark counts reconciles per resource through it.
   */
  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      OutsideSystems outside, MeterRegistry registry, Metrics josdkMetrics) {
    this.metrics = new FerryMetrics(registry);
    this.operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(closeClientOnStop)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withStopOnInformerErrorDuringStartup(true)
          .withMetrics(josdkMetrics);
      config.leaderElection().ifPresent(l -> o.withLeaderElectionConfiguration(
          LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(l.leaseName())
              .withLeaseNamespace(l.leaseNamespace()).withIdentity(l.identity())
              .withLeaseDuration(l.leaseDuration()).withRenewDeadline(l.renewDeadline())
              .withRetryPeriod(l.retryPeriod()).withExitOnStopLeading(l.exitOnLoss()).build()));
    });
    Consumer<ControllerConfigurationOverrider<?>> namespaces = o -> {
      if (!config.namespaces().isEmpty()) {
        o.settingNamespaces(config.namespaces());
      }
    };
    operator.register(new TrainingPipelineReconciler(client, clock), namespaces::accept);
    operator.register(new TrainingRunReconciler(client, config, clock, metrics), namespaces::accept);
    operator.register(new ModelVersionReconciler(client, clock, metrics), namespaces::accept);
    operator.register(new ModelDeploymentReconciler(client, config, clock, outside.analysis(), metrics),
        namespaces::accept);
    operator.register(new DriftPolicyReconciler(client, config, clock, outside.prometheus(),
        new WebhookNotifier(client, Duration.ofSeconds(5), outside.env()), metrics), namespaces::accept);
  }

  public FerryMetrics metrics() {
    return metrics;
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
