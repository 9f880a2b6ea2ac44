package dev.ferry.kube;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a status only when it changed, with optimistic locking, and puts the result in JOSDK's
 * cache so the next reconcile sees it. Without that, an event arriving before the informer catches
 * up with our own write hands the reconciler its previous status, and it acts twice on one fact.
 */
public final class StatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

  private StatusWriter() {
  }

  public static <S, P extends CustomResource<?, S>> UpdateControl<P> write(P resource, S after, Context<P> context) {
    return write(resource, after, context, () -> { });
  }

  /**
   * As above, then {@code committed} once the status is the server's (written now, or already
   * there): announcements of a change (Events) follow the record of it, so a 409 or a crash
   * before the write never announces a step that was not taken.
   */
  public static <S, P extends CustomResource<?, S>> UpdateControl<P> write(P resource, S after, Context<P> context,
      Runnable committed) {
    if (!StatusChange.changed(resource.getStatus(), after)) {
      committed.run();
      return UpdateControl.noUpdate();
    }
    P desired = context.getClient().getKubernetesSerialization().clone(resource);
    desired.setStatus(after);
    P updated;
    try {
      // The resourceVersion read is sent: a status computed from a stale object must not overwrite a newer one.
      updated = context.getClient().resource(desired).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Expected when the object changed since it was read (a spec edit, another writer): the change
      // that caused it is an event of its own, so the reconcile runs again on the fresh object.
      LOG.info("{} {}/{} changed since it was read (409 Conflict); its status is computed again from the new version",
          resource.getKind(), resource.getMetadata().getNamespace(), resource.getMetadata().getName());
      return UpdateControl.<P>noUpdate().rescheduleAfter(1_000);
    }
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, resource);
    committed.run();
    return UpdateControl.noUpdate();
  }
}
