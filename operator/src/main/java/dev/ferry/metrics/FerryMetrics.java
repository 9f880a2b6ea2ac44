package dev.ferry.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ferry's own metrics, beside JOSDK's reconcile metrics. Names follow Prometheus conventions once
 * rendered (units in the name, _total for counters); labels are bounded by the objects in the
 * cluster (pipelines' step names, deployments, policies and their features), never by runs.
 */
public class FerryMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();
  private final Map<String, java.util.Set<Long>> versionsSeen = new ConcurrentHashMap<>();

  public FerryMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Metrics that go nowhere, for code paths that do not care. */
  public static FerryMetrics discarding() {
    return new FerryMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void runStarted(String trigger) {
    Counter.builder("ferry.training.runs.started").description("Training runs started, by trigger")
        .tag("trigger", trigger).register(registry).increment();
  }

  public void runFinished(String result) {
    Counter.builder("ferry.training.runs.finished").description("Training runs finished, by result")
        .tag("result", result).register(registry).increment();
  }

  public void stepDuration(String step, Duration duration) {
    Timer.builder("ferry.step.duration").description("How long pipeline steps ran, by step name")
        .tag("step", step).register(registry).record(duration);
  }

  public void versionRegistered() {
    Counter.builder("ferry.model.versions.registered").description("ModelVersions registered").register(registry)
        .increment();
  }

  public void versionRejected(String gate) {
    Counter.builder("ferry.model.versions.rejected").description("ModelVersions that failed a gate, by gate")
        .tag("gate", gate).register(registry).increment();
  }

  public void promotion() {
    Counter.builder("ferry.promotions").description("Versions promoted to production").register(registry).increment();
  }

  public void rollback(String cause) {
    Counter.builder("ferry.rollbacks").description("Rollbacks, by cause").tag("cause", cause).register(registry)
        .increment();
  }

  public void canaryWeight(String namespace, String deployment, int percent) {
    gauge("ferry.canary.weight", "percent", "Share of production replicas on the canary",
        Map.of("namespace", namespace, "deployment", deployment), percent);
  }

  /**
   * Percent of requests per version (GatewayAPI mode: the route's weights; ReplicaRatio: shares of
   * replicas). A version that no longer gets requests drops to 0 rather than keeping its last value.
   */
  public void trafficWeights(String namespace, String deployment, Map<Long, Integer> percentByVersion) {
    java.util.Set<Long> seen = versionsSeen.computeIfAbsent(namespace + "/" + deployment,
        k -> ConcurrentHashMap.newKeySet());
    seen.addAll(percentByVersion.keySet());
    for (Long version : seen) {
      gauge("ferry.traffic.weight", "percent", "Share of a ModelDeployment's requests each version answers",
          Map.of("namespace", namespace, "deployment", deployment, "version", String.valueOf(version)),
          percentByVersion.getOrDefault(version, 0));
    }
  }

  /** Percent of production requests copied to the candidate during a shadow rollout (0 otherwise). */
  public void mirrorShare(String namespace, String deployment, int percent) {
    gauge("ferry.traffic.mirror", "percent", "Share of production requests mirrored to the candidate",
        Map.of("namespace", namespace, "deployment", deployment), percent);
  }

  public void driftScore(String namespace, String policy, String feature, double score) {
    gauge("ferry.drift.score", null, "Latest drift score per feature (a distance or a p-value, see the test)",
        Map.of("namespace", namespace, "policy", policy, "feature", feature), score);
  }

  public void driftCheck(String result) {
    Counter.builder("ferry.drift.checks").description("Drift checks read, by result").tag("result", result)
        .register(registry).increment();
  }

  public void notification(boolean sent) {
    Counter.builder("ferry.notifications").description("Webhook notifications, by result")
        .tag("result", sent ? "sent" : "failed").register(registry).increment();
  }

  private void gauge(String name, String unit, String description, Map<String, String> tags, double value) {
    String key = name + tags;
    AtomicReference<Double> holder = gauges.computeIfAbsent(key, k -> {
      AtomicReference<Double> ref = new AtomicReference<>(0.0);
      Gauge.Builder<AtomicReference<Double>> builder = Gauge.builder(name, ref, AtomicReference::get)
          .description(description);
      tags.forEach(builder::tag);
      if (unit != null) {
        builder.baseUnit(unit);
      }
      builder.register(registry);
      return ref;
    });
    holder.set(value);
  }
}
