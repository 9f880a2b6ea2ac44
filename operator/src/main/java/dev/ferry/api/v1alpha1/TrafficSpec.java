package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-request traffic through the Kubernetes Gateway API: Ferry writes an HTTPRoute whose
 * backends are one Service per version, weighted by the canary step, with a RequestMirror filter
 * for a shadow rollout and header matches for A/B tests. Without the Gateway API in the cluster
 * the replica-ratio canary stays in force (status.traffic.mode says which).
 */
@ValidationRule(value = "has(self.parentRefs) != has(self.httpRoute)",
    message = "traffic needs exactly one of parentRefs (Ferry creates the HTTPRoute) or httpRoute (Ferry manages the rules of an existing one)")
public class TrafficSpec {
  @Size(min = 1, max = 32)
  @JsonPropertyDescription("Gateways the HTTPRoute Ferry creates attaches to (its spec.parentRefs).")
  public List<ParentRef> parentRefs;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @Size(max = 253)
  @JsonPropertyDescription("An existing HTTPRoute in this namespace whose spec.rules Ferry manages (its parentRefs and"
      + " hostnames stay its owner's); Ferry does not delete it.")
  public String httpRoute;

  @Size(max = 16)
  @JsonPropertyDescription("Host names of the HTTPRoute Ferry creates (its spec.hostnames).")
  public List<@Pattern("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$") String> hostnames;

  @Pattern("^/\\S*$")
  @Size(max = 1024)
  @JsonPropertyDescription("Path prefix the route matches, at most 1024 characters. Default /.")
  public String pathPrefix = "/";

  @Size(max = 8)
  @JsonPropertyDescription("Requests with a header value that go to a version by its role, whatever the weights: A/B"
      + " tests, and smoke tests of a staged version through the production route.")
  public List<HeaderRoute> headerRoutes = new ArrayList<>();

  /** A Gateway (or a listener of one) the route attaches to. */
  public static class ParentRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    @Size(max = 253)
    @JsonPropertyDescription("Gateway name.")
    public String name;
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @Size(max = 63)
    @JsonPropertyDescription("Gateway namespace. Default: the ModelDeployment's.")
    public String namespace;
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    @Size(max = 253)
    @JsonPropertyDescription("Listener of the Gateway. Default: every listener that allows the route.")
    public String sectionName;
  }

  /** Requests whose header has a value go to one version. */
  public static class HeaderRoute {
    @Required
    @Pattern("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")
    @Size(max = 256)
    @JsonPropertyDescription("Header name, e.g. x-model-track (matched case-insensitively, as HTTP does).")
    public String header;
    @Required
    @Size(min = 1, max = 4096)
    @JsonPropertyDescription("Exact header value that selects this route.")
    public String value;
    @Required
    @JsonPropertyDescription("Which version gets these requests: Candidate (the version on its way to production,"
        + " from staging on; production while there is none), Staging (what the staging Service serves) or"
        + " Production (the stable version).")
    public Target target;

    public enum Target { Candidate, Staging, Production }
  }

  /** A shadow rollout: a share of production's requests copied to the candidate, its answers discarded. */
  public static class Shadow {
    @Required
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Percent of production requests mirrored to the candidate (1 to 100).")
    public Integer percent;
    @Pattern("^([0-9]+(s|m|h))+$")
    @JsonPropertyDescription("How long the shadow lasts, with rollout.analysis measured as during a canary step. Default 5m.")
    public String pause = "5m";
  }
}
