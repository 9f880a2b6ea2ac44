package dev.ferry.local.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.TrafficSpec;
import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.net.ServiceUrls;
import dev.ferry.serving.RolloutPlanner;
import dev.ferry.serving.TrafficBuilders;
import dev.ferry.testing.FakeModelServer;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local gateway as a client sees it: requests through it, answered by two OIP v2 servers that
 * each name their model_version, with the HTTPRoute Ferry writes for a canary, a shadow and an A/B
 * header. Counts are of answers received, so weights are measured per request, not assumed.
 */
class LocalGatewayTest {
  private static final Pattern MODEL_VERSION = Pattern.compile("\"model_version\"\\s*:\\s*\"(\\d+)\"");
  private static final String INFER = "{\"inputs\":[{\"name\":\"tenure\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[3]}]}";

  @TempDir
  Path dir;

  private EmbeddedApiServer api;
  private KubernetesClient client;
  private FakeModelServer v1;
  private FakeModelServer v2;
  private LocalGateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    api = EmbeddedApiServer.start(0);
    client = api.client();
    v1 = FakeModelServer.start("churn").answer(200, answer("1"));
    v2 = FakeModelServer.start("churn").answer(200, answer("2"));
    Path services = dir.resolve("services.json");
    ServiceUrls.write(services, Map.of(
        ServiceUrls.key("churn-v1", "ml", 8080), "127.0.0.1:" + v1.port(),
        ServiceUrls.key("churn-v2", "ml", 8080), "127.0.0.1:" + v2.port()));
    gateway = LocalGateway.start(client, 0, services);
  }

  @AfterEach
  void stop() {
    gateway.close();
    v1.close();
    v2.close();
    api.close();
  }

  private static String answer(String version) {
    return "{\"model_name\":\"churn\",\"model_version\":\"" + version + "\",\"outputs\":[]}";
  }

  private static ModelDeployment md() {
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("churn");
    md.getMetadata().setNamespace("ml");
    md.getMetadata().setUid("uid-1");
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.image = "mlserver";
    md.getSpec().traffic = new TrafficSpec();
    TrafficSpec.ParentRef parent = new TrafficSpec.ParentRef();
    parent.name = "public";
    md.getSpec().traffic.parentRefs = List.of(parent);
    return md;
  }

  private void route(RolloutPlanner.Route route) {
    HTTPRoute desired = TrafficBuilders.ownedRoute(md(), route);
    client.resource(desired).createOr(r -> r.update());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      HttpResponse<String> probe = send(Map.of());
      return probe.statusCode() == 200;
    });
  }

  private HttpResponse<String> send(Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
        + "/v2/models/churn/infer")).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(INFER));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Answers per model_version for {@code n} requests. */
  private Map<String, Integer> versions(int n, Map<String, String> headers) throws Exception {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> response = send(headers);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      Matcher m = MODEL_VERSION.matcher(response.body());
      assertThat(m.find()).as(response.body()).isTrue();
      counts.merge(m.group(1), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void atWeightTenAThousandRequestsSendAboutAHundredToTheCandidate() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 90, 2L, 10)), null, null, List.of()));
    int before1 = v1.inferBodies().size();
    int before2 = v2.inferBodies().size();

    Map<String, Integer> counts = versions(1000, Map.of());

    int candidate = counts.getOrDefault("2", 0);
    System.out.println("local gateway at weight 10: " + counts + " of 1000 requests");
    assertThat(candidate).as("answers from the candidate, of 1000 at weight 10").isBetween(70, 130);
    assertThat(counts.getOrDefault("1", 0)).isEqualTo(1000 - candidate);
    // The servers saw exactly what the answers say: one request each, no retries, no copies.
    assertThat(v2.inferBodies().size() - before2).isEqualTo(candidate);
    assertThat(v1.inferBodies().size() - before1).isEqualTo(1000 - candidate);
  }

  @Test
  void atWeightOneTheCandidateGetsAboutOneRequestInAHundred() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 99, 2L, 1)), null, null, List.of()));
    int candidate = versions(2000, Map.of()).getOrDefault("2", 0);
    // Binomial(2000, 0.01): mean 20, sd 4.4; 5 and 40 are beyond 3.4 sd.
    assertThat(candidate).isBetween(5, 40);
  }

  @Test
  void mirroredRequestsReachTheCandidateWhileTheCallerGetsProductionsAnswer() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 100)), 2L, 100, List.of()));
    int before2 = v2.inferBodies().size();

    Map<String, Integer> counts = versions(200, Map.of());

    assertThat(counts).containsOnlyKeys("1").containsEntry("1", 200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(v2.inferBodies().size() - before2).as("copies received by the candidate").isEqualTo(200));
    assertThat(v2.inferBodies().get(v2.inferBodies().size() - 1)).as("a copy carries the caller's body")
        .isEqualTo(INFER);
  }

  @Test
  void aMirrorPercentCopiesThatShareOfRequests() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 100)), 2L, 20, List.of()));
    int before2 = v2.inferBodies().size();
    long mirroredBefore = gateway.mirrored();

    assertThat(versions(1000, Map.of())).containsOnlyKeys("1");

    long copies = gateway.mirrored() - mirroredBefore;
    assertThat(copies).as("copies of 1000 requests at 20%").isBetween(150L, 250L);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat((long) v2.inferBodies().size() - before2).isEqualTo(copies));
  }

  @Test
  void aHeaderRouteReachesItsVersionEveryTimeWhateverTheWeights() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 100)), null, null,
        List.of(new RolloutPlanner.HeaderTarget("x-model-track", "candidate", 2L))));

    assertThat(versions(100, Map.of("X-Model-Track", "candidate"))).containsOnlyKeys("2").containsEntry("2", 100);
    assertThat(versions(100, Map.of("X-Model-Track", "other"))).containsOnlyKeys("1");
    assertThat(versions(100, Map.of())).containsOnlyKeys("1");
  }

  @Test
  void aBackendWithoutARunningServerIs503AndAPathNoRuleMatchesIs404() throws Exception {
    route(new RolloutPlanner.Route(new LinkedHashMap<>(Map.of(1L, 100)), null, null, List.of()));
    HTTPRoute route = client.resources(HTTPRoute.class).inNamespace("ml").withName("churn").get();
    route.getSpec().getRules().get(0).getBackendRefs().get(0).setName("churn-v9");
    route.getSpec().getRules().get(0).getMatches().get(0).getPath().setValue("/v2");
    client.resource(route).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> send(Map.of()).statusCode() == 503);
    assertThat(send(Map.of()).body()).contains("churn-v9");

    HttpResponse<String> elsewhere = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
        + "/v2x/models")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(elsewhere.statusCode()).isEqualTo(404);
    assertThat(elsewhere.body()).contains("no HTTPRoute rule matches GET /v2x/models");
  }
}
