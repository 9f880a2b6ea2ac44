package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API discovery documents kubectl reads before anything else ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/GROUP/VERSION}), in their legacy (unaggregated) form, which every
 * kubectl still accepts: the built-in kinds the local mode stores, and every installed CRD with its
 * short names, categories and subresources.
 */
public final class Discovery {
  /** A kind the API serves: what kubectl needs to map a name (md, pods, deploy) to a REST path. */
  public record Resource(String group, String version, String plural, String singular, String kind,
      boolean namespaced, List<String> shortNames, List<String> categories, List<String> subresources) {
    public String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch",
      "update", "watch");

  /** The built-in kinds Ferry and the local mode use; the embedded API stores any object of them. */
  public static final List<Resource> BUILT_IN = List.of(
      new Resource("", "v1", "pods", "pod", "Pod", true, List.of("po"), List.of("all"), List.of("status", "log")),
      new Resource("", "v1", "services", "service", "Service", true, List.of("svc"), List.of("all"), List.of("status")),
      new Resource("", "v1", "configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of(), List.of()),
      new Resource("", "v1", "secrets", "secret", "Secret", true, List.of(), List.of(), List.of()),
      new Resource("", "v1", "events", "event", "Event", true, List.of("ev"), List.of(), List.of()),
      new Resource("", "v1", "namespaces", "namespace", "Namespace", false, List.of("ns"), List.of(),
          List.of("status")),
      new Resource("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of(),
          List.of()),
      new Resource("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
          List.of("pvc"), List.of(), List.of("status")),
      new Resource("", "v1", "endpoints", "endpoints", "Endpoints", true, List.of("ep"), List.of(), List.of()),
      new Resource("apps", "v1", "deployments", "deployment", "Deployment", true, List.of("deploy"), List.of("all"),
          List.of("status", "scale")),
      new Resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, List.of("rs"), List.of("all"),
          List.of("status", "scale")),
      new Resource("batch", "v1", "jobs", "job", "Job", true, List.of(), List.of("all"), List.of("status")),
      new Resource("batch", "v1", "cronjobs", "cronjob", "CronJob", true, List.of("cj"), List.of("all"),
          List.of("status")),
      new Resource("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, List.of(), List.of(), List.of()),
      new Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
          "CustomResourceDefinition", false, List.of("crd", "crds"), List.of(), List.of("status")));

  private final List<Resource> resources;

  private Discovery(List<Resource> resources) {
    this.resources = resources;
  }

  /** The built-in kinds and those of {@code crds} (CustomResourceDefinitions as JSON). */
  public static Discovery of(List<JsonNode> crds) {
    List<Resource> all = new ArrayList<>(BUILT_IN);
    for (JsonNode crd : crds) {
      JsonNode names = crd.at("/spec/names");
      for (JsonNode version : crd.at("/spec/versions")) {
        if (!version.path("served").asBoolean(true)) {
          continue;
        }
        List<String> subresources = new ArrayList<>();
        version.path("subresources").fieldNames().forEachRemaining(subresources::add);
        all.add(new Resource(crd.at("/spec/group").asText(), version.path("name").asText(),
            names.path("plural").asText(), names.path("singular").asText(names.path("kind").asText().toLowerCase()),
            names.path("kind").asText(), !"Cluster".equals(crd.at("/spec/scope").asText()),
            strings(names.path("shortNames")), strings(names.path("categories")), subresources));
      }
    }
    return new Discovery(List.copyOf(all));
  }

  public List<Resource> resources() {
    return resources;
  }

  public Optional<Resource> find(String group, String version, String plural) {
    return resources.stream().filter(r -> r.group().equals(group) && r.version().equals(version)
        && r.plural().equals(plural)).findFirst();
  }

  /** {@code GET /api}. */
  public ObjectNode coreVersions() {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("kind", "APIVersions");
    doc.putArray("versions").add("v1");
    ObjectNode address = doc.putArray("serverAddressByClientCIDRs").addObject();
    address.put("clientCIDR", "0.0.0.0/0");
    address.put("serverAddress", "127.0.0.1");
    return doc;
  }

  /** {@code GET /apis}: every group but the core one, each with its versions. */
  public ObjectNode groups() {
    Map<String, List<String>> versions = new LinkedHashMap<>();
    resources.stream().filter(r -> !r.group().isEmpty())
        .forEach(r -> versions.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r.version()));
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("kind", "APIGroupList");
    doc.put("apiVersion", "v1");
    ArrayNode groups = doc.putArray("groups");
    versions.forEach((group, list) -> {
      ObjectNode g = groups.addObject();
      g.put("name", group);
      ArrayNode vs = g.putArray("versions");
      list.stream().distinct().forEach(v -> {
        ObjectNode entry = vs.addObject();
        entry.put("groupVersion", group + "/" + v);
        entry.put("version", v);
      });
      ObjectNode preferred = g.putObject("preferredVersion");
      preferred.put("groupVersion", group + "/" + list.get(0));
      preferred.put("version", list.get(0));
    });
    return doc;
  }

  /** {@code GET /api/v1} or {@code GET /apis/GROUP/VERSION}; empty for a group version not served. */
  public Optional<ObjectNode> resourceList(String group, String version) {
    List<Resource> served = resources.stream().filter(r -> r.group().equals(group) && r.version().equals(version))
        .toList();
    if (served.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("kind", "APIResourceList");
    doc.put("apiVersion", "v1");
    doc.put("groupVersion", served.get(0).groupVersion());
    ArrayNode list = doc.putArray("resources");
    for (Resource r : served) {
      ObjectNode entry = list.addObject();
      entry.put("name", r.plural());
      entry.put("singularName", r.singular());
      entry.put("namespaced", r.namespaced());
      entry.put("kind", r.kind());
      VERBS.forEach(entry.putArray("verbs")::add);
      if (!r.shortNames().isEmpty()) {
        r.shortNames().forEach(entry.putArray("shortNames")::add);
      }
      if (!r.categories().isEmpty()) {
        r.categories().forEach(entry.putArray("categories")::add);
      }
      for (String sub : r.subresources()) {
        ObjectNode subEntry = list.addObject();
        subEntry.put("name", r.plural() + "/" + sub);
        subEntry.put("singularName", "");
        subEntry.put("namespaced", r.namespaced());
        subEntry.put("kind", "scale".equals(sub) ? "Scale" : "log".equals(sub) ? "Pod" : r.kind());
        ArrayNode verbs = subEntry.putArray("verbs");
        ("log".equals(sub) ? List.of("get") : List.of("get", "patch", "update")).forEach(verbs::add);
      }
    }
    return Optional.of(doc);
  }

  /** {@code GET /version}. */
  public static ObjectNode version() {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("major", "1");
    doc.put("minor", "32");
    doc.put("gitVersion", "v1.32.0-ferry-local");
    doc.put("platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"));
    return doc;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
