package dev.ferry.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * JOSDK metrics that count reconciler executions per primary resource ("Kind/namespace/name"),
 * failed reconciles, and when the operator was last busy, so the harness can wait for it to be quiet.
 */
final class ReconcileCounter implements Metrics {
  private final Map<String, LongAdder> perResource = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());

  static String key(HasMetadata resource) {
    return resource.getKind() + "/" + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
  }

  /** Events received, by primary kind and event type; for --details. */
  private final Map<String, LongAdder> events = new ConcurrentHashMap<>();

  @Override
  public void receivedEvent(io.javaoperatorsdk.operator.processing.event.Event event, Map<String, Object> metadata) {
    String type = event instanceof io.javaoperatorsdk.operator.processing.event.source.controller.ResourceEvent re
        ? "primary " + re.getAction() : event.getClass().getSimpleName();
    events.computeIfAbsent(metadata.get(io.javaoperatorsdk.operator.api.reconciler.Constants.CONTROLLER_NAME) + ": "
        + type, k -> new LongAdder()).increment();
  }

  Map<String, Long> events() {
    Map<String, Long> result = new TreeMap<>();
    events.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    inFlight.incrementAndGet();
    lastActivityNanos.set(System.nanoTime());
    perResource.computeIfAbsent(key(resource), k -> new LongAdder()).increment();
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    inFlight.decrementAndGet();
    lastActivityNanos.set(System.nanoTime());
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    failures.increment();
  }

  /** True when no reconcile is running and none started or ended for {@code quietNanos}. */
  boolean quietFor(long quietNanos) {
    return inFlight.get() == 0 && System.nanoTime() - lastActivityNanos.get() >= quietNanos;
  }

  long total() {
    return perResource.values().stream().mapToLong(LongAdder::sum).sum();
  }

  long failures() {
    return failures.sum();
  }

  Set<String> reconciled() {
    return perResource.keySet();
  }

  /** Total reconciles by kind. */
  Map<String, Long> byKind() {
    Map<String, Long> kinds = new TreeMap<>();
    perResource.forEach((k, v) -> kinds.merge(k.substring(0, k.indexOf('/')), v.sum(), Long::sum));
    return kinds;
  }

  /** Resources by kind. */
  Map<String, Long> resourcesByKind() {
    Map<String, Long> kinds = new TreeMap<>();
    perResource.keySet().forEach(k -> kinds.merge(k.substring(0, k.indexOf('/')), 1L, Long::sum));
    return kinds;
  }

  long max() {
    return perResource.values().stream().mapToLong(LongAdder::sum).max().orElse(0);
  }

  long reconciledMoreThanOnce() {
    return perResource.values().stream().filter(v -> v.sum() > 1).count();
  }
}
