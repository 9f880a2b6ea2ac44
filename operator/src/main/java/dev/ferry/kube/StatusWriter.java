package dev.ferry.kube;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Writes a status only when it changed, with optimistic locking, and puts the result in JOSDK's
 * cache so the next reconcile sees it. Without that, an event arriving before the informer catches
 * up with our own write hands the reconciler its previous status, and it acts twice on one fact.
 */
public final class StatusWriter {
  private StatusWriter() {
  }

  public static <S, P extends CustomResource<?, S>> UpdateControl<P> write(P resource, S after, Context<P> context) {
    if (!StatusChange.changed(resource.getStatus(), after)) {
      return UpdateControl.noUpdate();
    }
    // No retry on conflict: a status computed from a stale object must not overwrite a newer one.
    // The conflict fails this reconcile, and JOSDK runs it again on the fresh object.
    PrimaryUpdateAndCacheUtils.updateAndCacheResource(resource, context, fresh -> {
      fresh.setStatus(after);
      return fresh;
    }, r -> context.getClient().resource(r).updateStatus(), 0, 10_000, 50);
    return UpdateControl.noUpdate();
  }
}
