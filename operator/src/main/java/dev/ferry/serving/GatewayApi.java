package dev.ferry.serving;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the cluster serves the Gateway API's HTTPRoute kind, asked of API discovery (which needs
 * no RBAC) at most every {@link #RECHECK}: installing or removing the Gateway API's CRDs changes
 * the traffic mode of every ModelDeployment with spec.traffic within that time.
 */
public final class GatewayApi implements BooleanSupplier {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayApi.class);
  public static final String GROUP_VERSION = TrafficBuilders.GATEWAY_GROUP + "/v1";
  /** How long an answer is kept; a deployment with spec.traffic is looked at again within it. */
  public static final Duration RECHECK = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Clock clock;
  private volatile Boolean installed;
  private volatile Instant askedAt = Instant.MIN;

  public GatewayApi(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public boolean getAsBoolean() {
    Instant now = clock.instant();
    if (installed == null || !now.isBefore(askedAt.plus(RECHECK)) || now.isBefore(askedAt)) {
      boolean answer = ask();
      if (installed == null || installed != answer) {
        LOG.info("the Gateway API's HTTPRoute kind is {} this cluster: ModelDeployments with spec.traffic use {}",
            answer ? "served by" : "not in", answer ? "per-request routing" : "the replica ratio");
      }
      installed = answer;
      askedAt = now;
    }
    return installed;
  }

  /** Forgets the last answer: an HTTPRoute write that found no such kind asks again on the next pass. */
  public void forget() {
    installed = null;
  }

  private boolean ask() {
    try {
      APIResourceList resources = client.getApiResources(GROUP_VERSION);
      return resources != null && resources.getResources() != null
          && resources.getResources().stream().anyMatch(r -> "httproutes".equals(r.getName()));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        LOG.warn("API discovery of {} failed (traffic stays ReplicaRatio): {}", GROUP_VERSION, e.getMessage());
      }
      return false;
    }
  }
}
