package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A per-request canary in the default local mode, with the quickstart's own server answering:
 * its deployment given spec.traffic and a 10% step, the quickstart runs to v2 (drift, retrain),
 * v2 enters the canary, and 1,000 requests through the local gateway are counted by the
 * model_version each answer names. Then a header reaches v2 every time.
 */
class TrafficInLocalModeTest {
  private static final Pattern MODEL_VERSION = Pattern.compile("\"model_version\"\\s*:\\s*\"(\\d+)\"");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path work;

  @Test
  void aTenPercentCanarySendsAboutOneRequestInTenToTheCandidate() throws Exception {
    Path dir = Fixtures.copyQuickstart(work);
    Path deployment = dir.resolve("deployment.yaml");
    String yaml = Files.readString(deployment);
    String routed = yaml.replace("  rollout:\n    strategy: Recreate\n", """
          traffic:
            parentRefs: [{name: local}]
            headerRoutes: [{header: x-model-track, value: candidate, target: Candidate}]
          rollout:
            strategy: Canary
            steps: [{weight: 10, pause: 1h}]
        """);
    assertThat(routed).as("the quickstart's rollout block moved; update this test").isNotEqualTo(yaml);
    Files.writeString(deployment, routed);
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (LocalMode local = new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60), FerryConfig.defaults(),
        ProcessContainerRunner.selfCommand(), new PrintStream(output, true, StandardCharsets.UTF_8)))) {
      assertThat(local.start()).isEmpty();
      assertThat(output.toString()).contains("ferry local: gateway http://127.0.0.1:" + local.gatewayPort());
      ModelDeployment canary = await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
          .until(() -> local.client().resources(ModelDeployment.class).inNamespace("default").withName("churn").get(),
              m -> m != null && m.getStatus() != null && m.getStatus().canary != null
                  && m.getStatus().canary.stepStartedAt != null);
      assertThat(canary.getStatus().traffic.mode).as(output.toString()).isEqualTo("GatewayAPI");
      assertThat(canary.getStatus().productionVersion).isEqualTo(1L);
      assertThat(canary.getStatus().canary.version).isEqualTo(2L);
      HTTPRoute route = local.client().resources(HTTPRoute.class).inNamespace("default").withName("churn").get();
      assertThat(route.getSpec().getRules()).hasSize(2);
      String request = Files.readString(dir.resolve("smoke/four-customers.json"));

      Map<String, Integer> counts = new TreeMap<>();
      for (int i = 0; i < 1000; i++) {
        counts.merge(version(local, request, Map.of()), 1, Integer::sum);
      }
      System.out.println("local mode, canary at 10%: answers by model_version of 1000 requests: " + counts);
      assertThat(counts.keySet()).as("every answer from a served version").containsOnly("1", "2");
      assertThat(counts.get("2")).as("answers from the candidate at weight 10").isBetween(70, 130);

      for (int i = 0; i < 50; i++) {
        assertThat(version(local, request, Map.of("x-model-track", "candidate"))).isEqualTo("2");
      }
      assertThat(Files.readString(dir.resolve(".ferry-local/gateway")).strip())
          .isEqualTo("http://127.0.0.1:" + local.gatewayPort());
    }
  }

  private String version(LocalMode local, String request, Map<String, String> headers) throws Exception {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.gatewayPort()
        + "/v2/models/churn/infer")).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(request));
    headers.forEach(builder::header);
    HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    Matcher m = MODEL_VERSION.matcher(response.body());
    return response.statusCode() == 200 && m.find() ? m.group(1) : "HTTP " + response.statusCode() + " "
        + response.body();
  }
}
