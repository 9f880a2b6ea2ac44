package dev.ferry.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.local.api.KubectlGateway;
import dev.ferry.local.api.LocalApiDispatcher;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.logging.Level;

/**
 * A Kubernetes API on loopback: the Fabric8 mock server in CRUD mode, with Ferry's generated
 * CRDs installed (which also gives the custom kinds their status subresource). It stores and
 * watches objects and runs no controllers, which the local mode makes up for. In the local mode
 * it also admits writes by the CRDs' schemas and CEL rules and serves kubectl through a gateway
 * ({@link KubectlGateway}).
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
  private final KubectlGateway gateway;

  private EmbeddedApiServer(KubernetesMockServer server, KubernetesClient client, KubectlGateway gateway) {
    this.server = server;
    this.client = client;
    this.gateway = gateway;
  }

  /**
   * Starts on a free loopback port (port 0) or the given one, with Ferry's CRDs installed, as the
   * tests use it: no admission (a test plays a spec that slipped past one) and no kubectl gateway.
   */
  public static EmbeddedApiServer start(int port) {
    return start(port, false);
  }

  private static EmbeddedApiServer start(int port, boolean admission) {
    quietMockServerLogs();
    MockWebServer web = new MockWebServer();
    List<JsonNode> admitted = admission ? crds().stream().map(c -> (JsonNode) Serialization.jsonMapper()
        .valueToTree(c)).toList() : List.of();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), web, new HashMap<>(),
        new LocalApiDispatcher(web, admitted), false);
    server.init(InetAddress.getLoopbackAddress(), port);
    KubernetesClient client = server.createClient();
    for (CustomResourceDefinition crd : crds()) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    // The Gateway API's HTTPRoute, so ModelDeployments route per request through the local gateway.
    // Not admitted by its schema here (its CEL rules are the gateway implementation's concern).
    client.apiextensions().v1().customResourceDefinitions().resource(gatewayApiCrd()).create();
    return new EmbeddedApiServer(server, client, null);
  }

  /**
   * The local mode's API: admission from the CRDs (a write a cluster refuses is refused here too),
   * and kubectl's gateway on {@code port} (0: a free one) in front of the store, which listens on
   * a port of its own for Ferry's clients.
   */
  public static EmbeddedApiServer startForKubectl(int port, KubectlGateway.PodLogs logs) throws IOException {
    EmbeddedApiServer store = start(0, true);
    try {
      // A cluster has its default namespace; kubectl get ns shows it.
      store.client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
          .withName("default").endMetadata().build()).create();
      KubectlGateway gateway = KubectlGateway.start(port, URI.create(store.client.getMasterUrl().toString()), logs,
          java.time.Clock.systemUTC());
      return new EmbeddedApiServer(store.server, store.client, gateway);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The Gateway API's HTTPRoute CRD as its release ships it (the build takes it from its Go module). */
  public static final String GATEWAY_API_CRD = "/META-INF/gateway-api/gateway.networking.k8s.io_httproutes.yaml";

  public static CustomResourceDefinition gatewayApiCrd() {
    try (InputStream in = EmbeddedApiServer.class.getResourceAsStream(GATEWAY_API_CRD)) {
      if (in == null) {
        throw new IllegalStateException(GATEWAY_API_CRD + " is not on the classpath; build with mvn package first");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  /** Where kubectl and other users reach this API: the gateway if there is one. */
  public String url() {
    return gateway != null ? gateway.url() : client.getMasterUrl().toString();
  }

  public int port() {
    return gateway != null ? gateway.port() : server.getPort();
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    client.close();
    server.destroy();
  }
}
