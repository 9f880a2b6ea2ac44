package dev.ferry.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CRDs this build of Ferry generated (and crds/ commits), read from the jar: the operator
 * checks a spec against the schema it was built for, whatever CRD the cluster has installed.
 */
public final class CrdSchemas {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Map<Class<?>, JsonNode> BY_CLASS = new ConcurrentHashMap<>();

  private CrdSchemas() {
  }

  /** The whole CRD of a Ferry kind. */
  public static JsonNode crd(Class<? extends HasMetadata> kind) {
    return BY_CLASS.computeIfAbsent(kind, CrdSchemas::load);
  }

  /** The openAPIV3Schema of the storage version (Ferry serves one version per kind). */
  public static JsonNode openApiSchema(JsonNode crd) {
    for (JsonNode version : crd.at("/spec/versions")) {
      if (version.path("storage").asBoolean()) {
        return version.at("/schema/openAPIV3Schema");
      }
    }
    throw new IllegalArgumentException("no storage version in CRD " + crd.at("/metadata/name").asText());
  }

  private static JsonNode load(Class<?> kind) {
    @SuppressWarnings("unchecked")
    Class<? extends HasMetadata> resource = (Class<? extends HasMetadata>) kind;
    String file = "META-INF/fabric8/" + HasMetadata.getFullResourceName(resource) + "-v1.yml";
    try (InputStream in = CrdSchemas.class.getClassLoader().getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException(file + " is not on the classpath (the build generates it at process-classes)");
      }
      return YAML.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(file, e);
    }
  }
}
