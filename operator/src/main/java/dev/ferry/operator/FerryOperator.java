package dev.ferry.operator;

import dev.ferry.pipeline.TrainingPipelineReconciler;
import dev.ferry.pipeline.TrainingRunReconciler;
import dev.ferry.registry.ModelVersionReconciler;
import dev.ferry.metrics.FerryMetrics;
import dev.ferry.monitoring.DriftPolicyReconciler;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
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
    this(client, config, clock, closeClientOnStop, outside, registry, josdkMetrics, null);
  }

  /**
   * As above, with what to do when an informer stops for good ({@code null}: JOSDK's own, which
   * exits the process so that Kubernetes restarts the pod). Tests that kill operators in process
   * pass one that only logs, as a dead process would not take the test JVM with it.
   */
  public FerryOperator(KubernetesClient client, FerryConfig config, Clock clock, boolean closeClientOnStop,
      OutsideSystems outside, MeterRegistry registry, Metrics josdkMetrics,
      io.javaoperatorsdk.operator.api.config.InformerStoppedHandler onInformerStopped) {
    this.metrics = new FerryMetrics(registry);
    this.client = client;
    this.config = config;
    this.closeClientOnStop = closeClientOnStop;
    this.operator = new Operator(o -> {
      // The client outlives JOSDK's stop: the Lease is given up with it afterwards.
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withStopOnInformerErrorDuringStartup(true)
          .withMetrics(josdkMetrics);
      if (onInformerStopped != null) {
        o.withInformerStoppedHandler(onInformerStopped);
      }
      // JOSDK's own exit on losing the Lease calls System.exit from the thread that releases it,
      // which at SIGTERM is the shutdown hook itself: the JVM then waits for itself forever. So
      // the exit is ours, and only for a Lease lost while running, never for one given up on stop.
      config.leaderElection().ifPresent(l -> o.withLeaderElectionConfiguration(
          LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(l.leaseName())
              .withLeaseNamespace(l.leaseNamespace()).withIdentity(l.identity())
              .withLeaseDuration(l.leaseDuration()).withRenewDeadline(l.renewDeadline())
              .withRetryPeriod(l.retryPeriod()).withExitOnStopLeading(false)
              .withLeaderCallbacks(new LeaderCallbacks(() -> LOG.info("leading as {}", l.identity()),
                  () -> lostLease(l), leader -> LOG.info("the leader is {}", leader)))
              .build()));
    });
    Consumer<ControllerConfigurationOverrider<?>> namespaces = o -> {
      if (!config.namespaces().isEmpty()) {
        o.settingNamespaces(config.namespaces());
      }
      // A failing reconcile is tried again for as long as it fails, at most 5 minutes apart: JOSDK's
      // default gives up after about 21 s, and the resource then waits for the next event or resync.
      o.withRetry(RETRY);
    };
    operator.register(new TrainingPipelineReconciler(client, clock), namespaces::accept);
    operator.register(new TrainingRunReconciler(client, config, clock, metrics), namespaces::accept);
    operator.register(new ModelVersionReconciler(client, clock, metrics), namespaces::accept);
    operator.register(new ModelDeploymentReconciler(client, config, clock, outside.analysis(), metrics),
        namespaces::accept);
    operator.register(new DriftPolicyReconciler(client, config, clock, outside.prometheus(),
        new WebhookNotifier(client, Duration.ofSeconds(5), outside.env()), metrics), namespaces::accept);
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FerryOperator.class);
  /** 2 s, 2 s, 4 s, 8 s, ... then every 5 minutes, without end. */
  static final io.javaoperatorsdk.operator.processing.retry.GenericRetry RETRY =
      new io.javaoperatorsdk.operator.processing.retry.GenericRetry().setInitialInterval(2000).setIntervalMultiplier(2)
          .setMaxInterval(Duration.ofMinutes(5).toMillis()).withoutMaxAttempts();
  private volatile boolean stopping;
  private final KubernetesClient client;
  private final FerryConfig config;
  private final boolean closeClientOnStop;

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

  /** Another instance may be writing now: stop at once, from a thread of our own, and let the pod restart. */
  private void lostLease(FerryConfig.LeaderElection lease) {
    if (stopping) {
      return;
    }
    LOG.warn("lost the Lease {}/{}; exiting so that only the new leader writes", lease.leaseNamespace(),
        lease.leaseName());
    if (lease.exitOnLoss()) {
      new Thread(() -> System.exit(1), "ferry-lost-lease").start();
    }
  }

  @Override
  public void close() {
    stopping = true;
    operator.stop();
    config.leaderElection().ifPresent(lease -> LeaseRelease.release(client, lease));
    if (closeClientOnStop) {
      client.close();
    }
  }
}
