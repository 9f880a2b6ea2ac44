package dev.ferry.serving;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.TrafficSpec;
import dev.ferry.kube.Names;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilterBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure functions from a ModelDeployment and its plan to the objects that steer its requests: one
 * Service per version (the route's backends), the HTTPRoute, and the HorizontalPodAutoscalers.
 */
public final class TrafficBuilders {
  public static final String GATEWAY_GROUP = "gateway.networking.k8s.io";

  private TrafficBuilders() {
  }

  /** The HTTPRoute Ferry writes: spec.traffic.httpRoute, or one named after the deployment. */
  public static String routeName(ModelDeployment md) {
    TrafficSpec traffic = md.getSpec().traffic;
    return traffic != null && traffic.httpRoute != null ? traffic.httpRoute : md.getMetadata().getName();
  }

  /** The Service of one version; it shares the name of the version's Deployment. */
  public static String versionServiceName(ModelDeployment md, long version) {
    return ServingBuilders.deploymentName(md, version);
  }

  /** A Service over one version's pods only: what a route's weight, mirror or header match points at. */
  public static Service versionService(ModelDeployment md, long version) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Ferry.LABEL_DEPLOYMENT, md.getMetadata().getName());
    selector.put(Ferry.LABEL_VERSION, String.valueOf(version));
    Service service = ServingBuilders.service(md, versionServiceName(md, version), selector);
    service.getMetadata().getLabels().put(Ferry.LABEL_VERSION, String.valueOf(version));
    return service;
  }

  /**
   * The rules of the route: one per header route (an exact header match wins over the weights,
   * as the Gateway API ranks a match with more conditions first), then the weighted default with
   * the shadow's RequestMirror filter.
   */
  public static List<HTTPRouteRule> rules(ModelDeployment md, RolloutPlanner.Route route) {
    String prefix = md.getSpec().traffic.pathPrefix == null ? "/" : md.getSpec().traffic.pathPrefix;
    List<HTTPRouteRule> rules = new ArrayList<>();
    for (RolloutPlanner.HeaderTarget header : route.headers()) {
      HTTPRouteMatch match = new HTTPRouteMatchBuilder()
          .withNewPath().withType("PathPrefix").withValue(prefix).endPath()
          .addNewHeader().withType("Exact").withName(header.header()).withValue(header.value()).endHeader()
          .build();
      rules.add(new HTTPRouteRuleBuilder().withMatches(match)
          .withBackendRefs(backend(md, header.version(), 1)).build());
    }
    List<HTTPBackendRef> weighted = new ArrayList<>();
    route.weights().forEach((version, weight) -> {
      if (weight > 0) {
        weighted.add(backend(md, version, weight));
      }
    });
    HTTPRouteRuleBuilder main = new HTTPRouteRuleBuilder()
        .withMatches(new HTTPRouteMatchBuilder().withNewPath().withType("PathPrefix").withValue(prefix).endPath()
            .build())
        .withBackendRefs(weighted);
    if (route.mirrorVersion() != null && route.mirrorPercent() != null) {
      main.withFilters(new HTTPRouteFilterBuilder().withType("RequestMirror").withNewRequestMirror()
          .withNewBackendRef().withName(versionServiceName(md, route.mirrorVersion()))
          .withPort(ServingBuilders.port(md)).endBackendRef()
          .withPercent(route.mirrorPercent()).endRequestMirror().build());
    }
    rules.add(main.build());
    return rules;
  }

  private static HTTPBackendRef backend(ModelDeployment md, long version, int weight) {
    return new HTTPBackendRefBuilder().withName(versionServiceName(md, version)).withPort(ServingBuilders.port(md))
        .withWeight(weight).build();
  }

  /** The HTTPRoute Ferry owns (spec.traffic.parentRefs): attached to the Gateways named, carrying the rules. */
  public static HTTPRoute ownedRoute(ModelDeployment md, RolloutPlanner.Route route) {
    TrafficSpec traffic = md.getSpec().traffic;
    List<ParentReference> parents = new ArrayList<>();
    for (TrafficSpec.ParentRef ref : traffic.parentRefs) {
      parents.add(new ParentReferenceBuilder().withGroup(GATEWAY_GROUP).withKind("Gateway").withName(ref.name)
          .withNamespace(ref.namespace).withSectionName(ref.sectionName).build());
    }
    return new HTTPRouteBuilder()
        .withNewMetadata().withName(routeName(md)).withNamespace(md.getMetadata().getNamespace())
          .withLabels(ServingBuilders.labels(md)).withOwnerReferences(ServingBuilders.owner(md)).endMetadata()
        .withNewSpec()
          .withParentRefs(parents)
          .withHostnames(traffic.hostnames)
          .withRules(rules(md, route))
        .endSpec()
        .build();
  }

  public static String autoscalerName(ModelDeployment md, long version) {
    return Names.join(Names.MAX_LABEL, md.getMetadata().getName(), "v" + version);
  }

  /** The autoscaler of one version's Deployment, within the bounds the plan gives it. */
  public static HorizontalPodAutoscaler autoscaler(ModelDeployment md, long version, RolloutPlanner.Autoscale bounds) {
    var spec = md.getSpec().autoscaling;
    List<MetricSpec> metrics = spec.metrics == null || spec.metrics.isEmpty()
        ? List.of(new MetricSpecBuilder().withType("Resource").withNewResource().withName("cpu")
            .withNewTarget().withType("Utilization").withAverageUtilization(80).endTarget().endResource().build())
        : spec.metrics;
    Map<String, String> labels = ServingBuilders.labels(md);
    labels.put(Ferry.LABEL_VERSION, String.valueOf(version));
    return new HorizontalPodAutoscalerBuilder()
        .withNewMetadata().withName(autoscalerName(md, version)).withNamespace(md.getMetadata().getNamespace())
          .withLabels(labels).withOwnerReferences(ServingBuilders.owner(md)).endMetadata()
        .withNewSpec()
          .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment")
            .withName(ServingBuilders.deploymentName(md, version)).endScaleTargetRef()
          .withMinReplicas(bounds.minReplicas())
          .withMaxReplicas(bounds.maxReplicas())
          .withMetrics(metrics)
          .withBehavior(spec.behavior)
        .endSpec()
        .build();
  }
}
