package dev.ferry.registry;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers ModelVersions. Numbers are allocated without a lock: create v(max+1), and on
 * AlreadyExists (a concurrent run took it) try the next. A run registers at most once: its
 * version carries the run's label and uid, and is looked up before a new number is taken, so a
 * restart between the create and the status write finds it instead of registering a twin.
 */
public class ModelRegistrar {
  /** Label on a ModelVersion: the uid of the TrainingRun that registered it. */
  public static final String LABEL_RUN_UID = Ferry.GROUP + "/run-uid";
  private static final int MAX_ATTEMPTS = 50;

  private final KubernetesClient client;

  public ModelRegistrar(KubernetesClient client) {
    this.client = client;
  }

  public static String name(String model, long version) {
    return model + "-v" + version;
  }

  /** A run's artifact lies where another ModelVersion's already is: registering it would let one overwrite the other. */
  public static class ArtifactInUseException extends RuntimeException {
    public ArtifactInUseException(String message) {
      super(message);
    }
  }

  /** Returns the version registered for this run, registering it now if there is none. */
  public ModelVersion register(String namespace, String runUid, ModelVersionSpec spec) {
    List<ModelVersion> all = client.resources(ModelVersion.class).inNamespace(namespace).list().getItems();
    Optional<ModelVersion> existing = all.stream().filter(v -> ownedBy(v, runUid)).findFirst();
    if (existing.isPresent()) {
      return existing.get();
    }
    String artifact = spec.artifact == null ? null : spec.artifact.uri;
    all.stream().filter(v -> v.getSpec() != null && v.getSpec().artifact != null && overlaps(artifact,
        v.getSpec().artifact.uri)).findFirst().ifPresent(v -> {
          throw new ArtifactInUseException("artifact " + artifact + " overlaps " + v.getSpec().artifact.uri
              + ", the artifact of ModelVersion " + v.getMetadata().getName() + "; a registered artifact is never"
              + " shared or overwritten, so this run registers nothing");
        });
    long next = highestVersion(namespace, spec.model) + 1;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++, next++) {
      ModelVersion version = new ModelVersion();
      version.getMetadata().setName(name(spec.model, next));
      version.getMetadata().setNamespace(namespace);
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put(Ferry.LABEL_MODEL, spec.model);
      labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
      if (spec.lineage != null && spec.lineage.pipeline != null) {
        labels.put(Ferry.LABEL_PIPELINE, spec.lineage.pipeline);
      }
      if (spec.lineage != null && spec.lineage.run != null) {
        labels.put(Ferry.LABEL_RUN, spec.lineage.run);
      }
      labels.put(LABEL_RUN_UID, runUid);
      version.getMetadata().setLabels(labels);
      spec.version = next;
      version.setSpec(spec);
      try {
        return client.resource(version).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // A create that timed out after it was committed and was sent again answers 409 with our own
        // version: it is registered. Only a version of another run means the number was taken.
        ModelVersion taken = client.resources(ModelVersion.class).inNamespace(namespace).withName(name(spec.model, next))
            .get();
        if (taken != null && ownedBy(taken, runUid)) {
          return taken;
        }
      }
    }
    throw new IllegalStateException("could not allocate a version of model " + spec.model + " after "
        + MAX_ATTEMPTS + " attempts; too many concurrent registrations");
  }

  private static boolean ownedBy(ModelVersion version, String runUid) {
    return version.getMetadata().getLabels() != null && runUid.equals(version.getMetadata().getLabels().get(LABEL_RUN_UID));
  }

  /** Whether two artifact locations are the same, or one lies inside the other. */
  static boolean overlaps(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    String x = a.replaceAll("/+$", "") + "/";
    String y = b.replaceAll("/+$", "") + "/";
    return x.startsWith(y) || y.startsWith(x);
  }

  long highestVersion(String namespace, String model) {
    return client.resources(ModelVersion.class).inNamespace(namespace).withLabel(Ferry.LABEL_MODEL, model).list()
        .getItems().stream()
        .map(v -> v.getSpec() == null || v.getSpec().version == null ? 0L : v.getSpec().version)
        .max(Comparator.naturalOrder()).orElse(0L);
  }

  /** The ModelVersion a ModelDeployment of this model serves in production, if any. */
  public Optional<ModelVersion> productionVersion(String namespace, String model) {
    return client.resources(ModelDeployment.class).inNamespace(namespace).list().getItems().stream()
        .filter(d -> d.getSpec() != null && model.equals(d.getSpec().model))
        .filter(d -> d.getStatus() != null && d.getStatus().productionVersion != null)
        .map(d -> d.getStatus().productionVersion)
        .max(Comparator.naturalOrder())
        .flatMap(v -> Optional.ofNullable(client.resources(ModelVersion.class).inNamespace(namespace)
            .withName(name(model, v)).get()));
  }
}
