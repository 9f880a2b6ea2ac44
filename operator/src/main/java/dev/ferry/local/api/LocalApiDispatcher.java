package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admission.Admission;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Fabric8 mock's CRUD dispatcher, made fit to stand in for an API server for a long run:
 * <ul>
 *   <li>admission (optional): a write of a Ferry kind is checked against its CRD's schema and CEL
 *       rules, as an API server does, and refused with a 422 Status naming each field; with
 *       {@code fieldValidation=Strict} (kubectl's default) an undeclared field is a 400;
 *       {@code dryRun=All} checks without storing;</li>
 *   <li>the mock has no authorization, so any subject may do anything: it answers the
 *       SelfSubjectRulesReview that JOSDK's leader election sends before taking the Lease;</li>
 *   <li>MockWebServer keeps every request it receives, body included, for tests that inspect them;
 *       nothing here does, and the queue is never emptied, so memory grew with every request
 *       (about 110 MiB for 1,000 runs in the scale benchmark): each request is forgotten as it is
 *       served.</li>
 * </ul>
 */
public final class LocalApiDispatcher extends KubernetesCrudDispatcher {
  private static final String EVERYTHING = """
      {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},
       "status":{"incomplete":false,"nonResourceRules":[],
                 "resourceRules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}""";
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private final MockWebServer web;
  /** CRDs whose writes are admitted, by "group/plural"; empty: no admission. */
  private final Map<String, JsonNode> admitted;

  /** @param admitted the CRDs to enforce, as JSON; an empty list turns admission off */
  public LocalApiDispatcher(MockWebServer web, List<JsonNode> admitted) {
    super(List.of());
    this.web = web;
    this.admitted = admitted.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
        crd -> crd.at("/spec/group").asText() + "/" + crd.at("/spec/names/plural").asText(), crd -> crd));
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    // Clears the recorded-request queue and count only; the stored objects are the dispatcher's.
    web.reset();
    String method = request.getMethod();
    if ("POST".equals(method) && request.getPath().endsWith("/selfsubjectrulesreviews")) {
      return new MockResponse().setResponseCode(201).setBody(EVERYTHING);
    }
    if ("POST".equals(method)) {
      request = named(request);
    }
    if (!admitted.isEmpty() && ("POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method))) {
      Optional<MockResponse> refused = admit(request);
      if (refused.isPresent()) {
        return refused.get();
      }
    }
    return super.dispatch(request);
  }

  /**
   * A create with {@code generateName} gets a name as an API server makes it: the prefix and five
   * random characters (the mock appends a whole UID, which pushes the names of a run's Jobs past
   * Kubernetes' limits).
   */
  private static RecordedRequest named(RecordedRequest request) {
    byte[] bytes = request.getBody().getBytes();
    if (bytes.length == 0) {
      return request;
    }
    try {
      JsonNode body = JSON.readTree(bytes);
      JsonNode metadata = body.path("metadata");
      if (!metadata.isObject() || metadata.hasNonNull("name") || !metadata.path("generateName").isTextual()) {
        return request;
      }
      ((ObjectNode) metadata).put("name", metadata.path("generateName").asText() + RandomSuffix.next());
      return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders(),
          new io.fabric8.mockwebserver.http.Buffer(JSON.writeValueAsBytes(body)));
    } catch (java.io.IOException e) {
      return request; // not JSON: the mock refuses it with its own message
    }
  }

  /** Kubernetes' alphabet for generated names: no vowels (no words), no look-alikes (0, 1, 3). */
  private static final class RandomSuffix {
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    static String next() {
      StringBuilder out = new StringBuilder(5);
      for (int i = 0; i < 5; i++) {
        out.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
      }
      return out.toString();
    }
  }

  /** The refusal of a write, or empty if it may go ahead. Serialized with the writes themselves. */
  private Optional<MockResponse> admit(RecordedRequest request) {
    ResourcePath path = ResourcePath.parse(request.getPath()).orElse(null);
    if (path == null || path.subresource() != null || !admitted.containsKey(path.group() + "/" + path.plural())) {
      return Optional.empty();
    }
    JsonNode crd = admitted.get(path.group() + "/" + path.plural());
    String kind = crd.at("/spec/names/kind").asText();
    String body = new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
    JsonNode old;
    JsonNode candidate;
    synchronized (this) {
      old = path.name() == null ? null : stored(request.getPath());
      try {
        candidate = switch (request.getMethod()) {
          case "PATCH" -> old == null ? null : patched(old, body, request.getHeader("Content-Type"));
          default -> JSON.readTree(body);
        };
      } catch (Exception e) {
        return Optional.of(Statuses.badRequest("the request body is not valid JSON: " + e.getMessage()));
      }
    }
    if (candidate == null || !candidate.isObject()) {
      return Optional.empty(); // the mock answers: 404 for a missing object, 400 for a bad body
    }
    String name = candidate.at("/metadata/name").asText(path.name() == null ? "" : path.name());
    if ("Strict".equals(path.query("fieldValidation"))) {
      List<String> unknown = Admission.unknownFields(crd, candidate);
      if (!unknown.isEmpty()) {
        return Optional.of(Statuses.badRequest(kind + " in version \"" + path.version() + "\" cannot be handled as a "
            + kind + ": strict decoding error: " + String.join(", ",
                unknown.stream().map(f -> "unknown field \"" + f + "\"").toList())));
      }
    }
    List<String> problems = Admission.problems(crd, candidate, "POST".equals(request.getMethod()) ? null : old);
    if (!problems.isEmpty()) {
      return Optional.of(Statuses.invalid(path.group(), kind, name, problems));
    }
    if ("All".equals(path.query("dryRun"))) {
      ObjectNode answer = candidate.deepCopy();
      return Optional.of(new MockResponse().setResponseCode("POST".equals(request.getMethod()) ? 201 : 200)
          .setHeader("Content-Type", "application/json").setBody(answer.toString()));
    }
    return Optional.empty();
  }

  private JsonNode stored(String path) {
    var entry = findResource(getKey(path));
    if (entry == null) {
      return null;
    }
    try {
      return JSON.readTree(entry.getValue());
    } catch (Exception e) {
      return null;
    }
  }

  /** The object a PATCH would leave, computed the way the mock's own patch handler computes it. */
  private JsonNode patched(JsonNode current, String body, String contentType) throws Exception {
    String type = contentType == null ? "" : contentType;
    if (type.startsWith("application/json-patch+json")) {
      return JsonPatch.apply(JSON.readTree(body), current);
    }
    try {
      return merge(current.deepCopy(), body);
    } catch (KubernetesCrudDispatcherException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
