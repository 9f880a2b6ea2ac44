package dev.ferry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * An ADD filter for the informers of secondary resources: it passes objects created after the
 * filter was made (when the reconciler is registered, before any informer starts) and drops the
 * ADDs an informer replays for the objects already there on its first list.
 *
 * <p>Why: JOSDK reconciles every primary once at startup, after all of the controller's informers
 * have synced, so those replayed ADDs tell the primary nothing new. But Fabric8 hands them to JOSDK
 * asynchronously, after the informer reports it has synced, by which time JOSDK is already
 * reconciling; each then reconciles its primary again. A finished TrainingRun has three Jobs, so
 * without this filter a restart reconciles it up to four times instead of once.
 *
 * <p>An object created later always passes, and so does an ADD from a relist after a broken watch:
 * Fabric8 reports an ADD there only for an object missing from its cache, that is one created
 * after the first list. The filter is wrong only where an informer starts after the controller's
 * first reconciles, as JOSDK's runtime namespace changes would do; Ferry fixes its namespaces at
 * startup.
 *
 * <p>{@code creationTimestamp} is the API server's wall clock in whole seconds, so it is compared
 * with the wall clock (not the operator's injectable scheduling Clock), truncated to the second:
 * an object created in the same second as the start passes. Should the API server's clock lag the
 * operator's, the ADD of an object created within that lag after the start is dropped; the
 * reconcilers do not depend on such an ADD (a step's Job is created by the run's own reconcile,
 * which records it; its completion arrives as an update; a new run also updates its status at once,
 * which reaches its pipeline).
 */
public final class CreatedAfterStart<R extends HasMetadata> implements OnAddFilter<R> {
  private final Instant start;

  public CreatedAfterStart(Instant start) {
    this.start = start.truncatedTo(ChronoUnit.SECONDS);
  }

  /** A filter that passes objects created from now on. */
  public static <R extends HasMetadata> CreatedAfterStart<R> now() {
    return new CreatedAfterStart<>(Instant.now());
  }

  @Override
  public boolean accept(R resource) {
    Instant created;
    try {
      created = Times.parse(resource.getMetadata().getCreationTimestamp());
    } catch (DateTimeParseException e) {
      return true;
    }
    return created == null || !created.isBefore(start);
  }
}
