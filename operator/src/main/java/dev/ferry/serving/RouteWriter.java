package dev.ferry.serving;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.kube.ChildApplier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Writes a ModelDeployment's HTTPRoute: the one it owns (spec.traffic.parentRefs), whole; or only
 * the rules of an existing one it is told to manage (spec.traffic.httpRoute), leaving its parents,
 * host names and everything else to its owner. No write when the route already says the same.
 */
final class RouteWriter {
  private final KubernetesClient client;
  private final ChildApplier children;

  RouteWriter(KubernetesClient client, Clock clock) {
    this.client = client;
    this.children = new ChildApplier(client);
  }

  /** Brings the route to the plan; returns what kept it from doing so, for status.traffic.message. */
  Optional<String> apply(ModelDeployment md, RolloutPlanner.Route route) {
    String namespace = md.getMetadata().getNamespace();
    String name = TrafficBuilders.routeName(md);
    try {
      HTTPRoute existing = client.resources(HTTPRoute.class).inNamespace(namespace).withName(name).get();
      if (md.getSpec().traffic.httpRoute != null) {
        return manageRules(md, route, existing);
      }
      if (existing != null && !ownedBy(existing, md)) {
        return Optional.of("HTTPRoute " + name + " exists and is not this ModelDeployment's: Ferry leaves it alone."
            + " Name it in spec.traffic.httpRoute to let Ferry manage its rules, or delete it");
      }
      children.apply(TrafficBuilders.ownedRoute(md, route), existing);
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.of("HTTPRoute " + name + " could not be written: the API server does not know the kind ("
            + e.getStatus().getMessage() + ")");
      }
      throw e;
    }
  }

  private Optional<String> manageRules(ModelDeployment md, RolloutPlanner.Route route, HTTPRoute existing) {
    String name = md.getSpec().traffic.httpRoute;
    if (existing == null) {
      return Optional.of("HTTPRoute " + name + " (spec.traffic.httpRoute) does not exist in namespace "
          + md.getMetadata().getNamespace() + "; create it with its parentRefs, and Ferry fills in its rules");
    }
    List<HTTPRouteRule> rules = TrafficBuilders.rules(md, route);
    HTTPRoute asked = new HTTPRoute();
    asked.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    asked.setSpec(new io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec());
    asked.getSpec().setRules(rules);
    String digest = ChildApplier.digest(asked);
    var annotations = existing.getMetadata().getAnnotations();
    if (annotations != null && digest.equals(annotations.get(ChildApplier.DIGEST))) {
      return Optional.empty();
    }
    try {
      client.resource(existing).edit(r -> {
        r.getSpec().setRules(rules);
        var edited = r.getMetadata().getAnnotations() == null ? new LinkedHashMap<String, String>()
            : new LinkedHashMap<>(r.getMetadata().getAnnotations());
        edited.put(ChildApplier.DIGEST, digest);
        r.getMetadata().setAnnotations(edited);
        return r;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    return Optional.empty();
  }

  private static boolean ownedBy(HTTPRoute route, ModelDeployment md) {
    return route.getMetadata().getOwnerReferences() != null && route.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> md.getMetadata().getUid() != null && md.getMetadata().getUid().equals(o.getUid()));
  }
}
