package dev.ferry.local;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.logging.Level;

/**
 * A Kubernetes API on loopback: the Fabric8 mock server in CRUD mode, with Ferry's generated
 * CRDs installed (which also gives the custom kinds their status subresource). It stores and
 * watches objects; it runs no controllers and enforces no schema, which the local mode and the
 * tests make up for.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** The CRDs the build generates, in the order they are installed. */
  public static final List<String> CRD_FILES = List.of(
      "trainingpipelines.ferry.dev-v1.yml",
      "trainingruns.ferry.dev-v1.yml",
      "modelversions.ferry.dev-v1.yml",
      "modeldeployments.ferry.dev-v1.yml",
      "driftpolicies.ferry.dev-v1.yml");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private EmbeddedApiServer(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  /** Starts on a free loopback port (port 0) or the given one, with Ferry's CRDs installed. */
  public static EmbeddedApiServer start(int port) {
    quietMockServerLogs();
    MockWebServer web = new MockWebServer();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), web, new HashMap<>(),
        new LocalDispatcher(web), false);
    server.init(InetAddress.getLoopbackAddress(), port);
    KubernetesClient client = server.createClient();
    for (CustomResourceDefinition crd : crds()) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    return new EmbeddedApiServer(server, client);
  }

  /**
   * The CRUD dispatcher, with two differences that make it fit to run for long:
   * <ul>
   *   <li>the mock has no authorization, so any subject may do anything: it answers the
   *       SelfSubjectRulesReview that JOSDK's leader election sends before taking the Lease, which
   *       the mock would otherwise reject;</li>
   *   <li>MockWebServer keeps every request it receives, body included, for tests that inspect
   *       them; nothing here does, and the queue is never emptied, so memory grew with every request
   *       (about 110 MiB for 1,000 runs in the scale benchmark): each request is forgotten as it is
   *       served.</li>
   * </ul>
   */
  private static final class LocalDispatcher extends KubernetesCrudDispatcher {
    private static final String EVERYTHING = """
        {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},
         "status":{"incomplete":false,"nonResourceRules":[],
                   "resourceRules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}""";
    private final MockWebServer web;

    LocalDispatcher(MockWebServer web) {
      super(List.of());
      this.web = web;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      // Clears the recorded-request queue and count only; the stored objects are the dispatcher's.
      web.reset();
      if ("POST".equals(request.getMethod()) && request.getPath().endsWith("/selfsubjectrulesreviews")) {
        return new MockResponse().setResponseCode(201).setBody(EVERYTHING);
      }
      return super.dispatch(request);
    }
  }

  public static List<CustomResourceDefinition> crds() {
    return CRD_FILES.stream().map(EmbeddedApiServer::loadCrd).toList();
  }

  private static CustomResourceDefinition loadCrd(String file) {
    try (InputStream in = EmbeddedApiServer.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      if (in == null) {
        throw new IllegalStateException("CRD " + file + " is not on the classpath; build with mvn package first");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
  private static final List<java.util.logging.Logger> QUIET_LOGGERS = List.of(
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver"),
      java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.server.mock"));

  /** The mock server logs every request; that drowns the output and slows it down. */
  public static void quietMockServerLogs() {
    QUIET_LOGGERS.forEach(l -> l.setLevel(Level.WARNING));
  }

  public KubernetesClient client() {
    return client;
  }

  public String url() {
    return client.getMasterUrl().toString();
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
