package dev.ferry.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on Ferry's objects. Names are derived from the object and the event,
 * so the same fact recorded twice (a retried reconcile, a restart) is one Event, not two.
 * An Event that cannot be written is logged, never fatal: events are for people.
 */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;
  private final String component;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, String component, Clock clock) {
    this.client = client;
    this.component = component;
    this.clock = clock;
  }

  public void record(HasMetadata object, String type, String reason, String message) {
    String now = Times.format(clock.instant());
    String name = object.getMetadata().getName() + "." + Names.shortHash(object.getMetadata().getUid() + "/"
        + object.getMetadata().getGeneration() + "/" + reason + "/" + message, 16);
    var event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(object.getMetadata().getNamespace()).endMetadata()
        .withNewInvolvedObject().withApiVersion(object.getApiVersion()).withKind(object.getKind())
          .withName(object.getMetadata().getName()).withNamespace(object.getMetadata().getNamespace())
          .withUid(object.getMetadata().getUid()).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message)
        .withNewSource().withComponent(component).endSource()
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build();
    try {
      client.v1().events().resource(event).create();
      LOG.info("{}/{}: {} {}", object.getMetadata().getNamespace(), object.getMetadata().getName(), reason, message);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        LOG.warn("{}/{}: could not record event {}: {}", object.getMetadata().getNamespace(),
            object.getMetadata().getName(), reason, e.getMessage());
      }
    }
  }
}
