package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.testing.ManualClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The traffic mode follows the HTTPRoute kind being served, asked of discovery, again after a while. */
@EnableKubernetesMockClient(crud = true)
class GatewayApiTest {
  KubernetesClient client;

  @Test
  void withoutTheCrdTheKindIsNotServedAndOnceInstalledItIsWithinTheRecheck() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-03T12:00:00Z"));
    GatewayApi gatewayApi = new GatewayApi(client, clock);
    assertThat(gatewayApi.getAsBoolean()).isFalse();

    client.apiextensions().v1().customResourceDefinitions().resource(EmbeddedApiServer.gatewayApiCrd()).create();
    assertThat(gatewayApi.getAsBoolean()).as("the answer is kept until the recheck").isFalse();
    clock.advance(GatewayApi.RECHECK);
    assertThat(gatewayApi.getAsBoolean()).isTrue();

    client.apiextensions().v1().customResourceDefinitions().withName("httproutes.gateway.networking.k8s.io").delete();
    gatewayApi.forget();
    assertThat(gatewayApi.getAsBoolean()).as("a forgotten answer is asked again at once").isFalse();
  }

  @Test
  void theLocalModesApiServesHttpRoutes() {
    try (EmbeddedApiServer api = EmbeddedApiServer.start(0)) {
      assertThat(new GatewayApi(api.client(), java.time.Clock.systemUTC()).getAsBoolean()).isTrue();
    }
  }
}
