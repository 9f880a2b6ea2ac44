package dev.ferry.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one way Ferry brings a child object to its desired state. The desired object's labels,
 * annotations and spec are hashed into an annotation; a child whose annotation matches is left
 * alone (no write, however often the parent reconciles), and one that differs, in any field
 * Ferry sets, is replaced by the desired state in one update. The server's own additions
 * (defaults, a Service's cluster IP, status) are not compared, so they never cause a write.
 */
public final class ChildApplier {
  public static final String DIGEST = "ferry.dev/desired-digest";
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** What happened to a child: nothing, created, or updated to a changed desired state. */
  public enum Outcome { Unchanged, Created, Updated }

  private final KubernetesClient client;

  public ChildApplier(KubernetesClient client) {
    this.client = client;
  }

  /** The digest of what Ferry asks of an object: its labels, annotations (but the digest) and spec. */
  public static String digest(HasMetadata desired) {
    Map<String, Object> asked = new LinkedHashMap<>();
    asked.put("labels", desired.getMetadata().getLabels());
    Map<String, String> annotations = new java.util.TreeMap<>(
        desired.getMetadata().getAnnotations() == null ? Map.of() : desired.getMetadata().getAnnotations());
    annotations.remove(DIGEST);
    asked.put("annotations", annotations);
    JsonNode tree = CANONICAL.valueToTree(desired);
    asked.put("spec", tree.path("spec"));
    try {
      byte[] json = CANONICAL.writeValueAsBytes(asked);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serialize " + desired.getKind(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Creates the child, or updates it when its desired state changed since it was written.
   * AlreadyExists on create and Conflict on update are left to the next reconcile, which sees
   * the object the informer has by then.
   */
  public <T extends HasMetadata> Outcome apply(T desired, T existing) {
    String digest = digest(desired);
    annotate(desired, digest);
    if (existing == null) {
      return unlessConflict(() -> client.resource(desired).create(), Outcome.Created);
    }
    Map<String, String> current = existing.getMetadata().getAnnotations();
    if (current != null && digest.equals(current.get(DIGEST))) {
      return Outcome.Unchanged;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    keepServerAssigned(desired, existing);
    return unlessConflict(() -> client.resource(desired).update(), Outcome.Updated);
  }

  /**
   * For a Deployment whose replicas an autoscaler owns: its replicas are not part of the digest, so
   * the autoscaler's changes cause no write, and an update carries the replicas it chose. Only a
   * count below {@code minReplicas} (a rollout step needs more; the autoscaler would lift it too)
   * or above {@code maxReplicas} is written.
   */
  public Outcome applyAutoscaled(io.fabric8.kubernetes.api.model.apps.Deployment desired,
      io.fabric8.kubernetes.api.model.apps.Deployment existing, int minReplicas, int maxReplicas) {
    Integer wanted = desired.getSpec().getReplicas();
    desired.getSpec().setReplicas(null);
    String digest = digest(desired);
    annotate(desired, digest);
    desired.getSpec().setReplicas(wanted);
    if (existing == null) {
      return unlessConflict(() -> client.resource(desired).create(), Outcome.Created);
    }
    Integer current = existing.getSpec().getReplicas();
    boolean within = current != null && current >= minReplicas && current <= maxReplicas;
    Map<String, String> annotations = existing.getMetadata().getAnnotations();
    if (within && annotations != null && digest.equals(annotations.get(DIGEST))) {
      return Outcome.Unchanged;
    }
    if (within) {
      desired.getSpec().setReplicas(current);
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    return unlessConflict(() -> client.resource(desired).update(), Outcome.Updated);
  }

  /** A 409 (created meanwhile, or changed since read) is the next reconcile's to look at. */
  private static Outcome unlessConflict(Runnable request, Outcome done) {
    try {
      request.run();
      return done;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Outcome.Unchanged;
      }
      throw e;
    }
  }

  /**
   * For a child whose spec cannot be updated (a Job's pod template): a changed desired state
   * deletes it, and the next reconcile creates it anew.
   */
  public <T extends HasMetadata> Outcome applyImmutable(T desired, T existing) {
    String digest = digest(desired);
    if (existing != null && !digest.equals(existing.getMetadata().getAnnotations() == null ? null
        : existing.getMetadata().getAnnotations().get(DIGEST))) {
      client.resource(existing).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
          .delete();
      return Outcome.Updated;
    }
    return existing == null ? apply(desired, null) : Outcome.Unchanged;
  }

  /** Keeps what the API server assigned and Ferry never asks for: a Service's cluster IPs. */
  private static void keepServerAssigned(HasMetadata desired, HasMetadata existing) {
    if (desired instanceof Service service && existing instanceof Service was && was.getSpec() != null) {
      service.getSpec().setClusterIP(was.getSpec().getClusterIP());
      service.getSpec().setClusterIPs(was.getSpec().getClusterIPs());
      service.getSpec().setIpFamilies(was.getSpec().getIpFamilies());
      service.getSpec().setIpFamilyPolicy(was.getSpec().getIpFamilyPolicy());
    }
  }

  private static void annotate(HasMetadata object, String digest) {
    Map<String, String> annotations = object.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(object.getMetadata().getAnnotations());
    annotations.put(DIGEST, digest);
    object.getMetadata().setAnnotations(annotations);
  }
}
