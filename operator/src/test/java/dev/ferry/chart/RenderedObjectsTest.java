package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.kube.RestrictedPodSecurity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever the values, every object the chart renders is one the API server accepts as typed:
 * it maps onto Fabric8's model with no unknown or mistyped field, and every pod it would run
 * meets the "restricted" Pod Security Standard.
 */
class RenderedObjectsTest {
  private static final Map<String, Class<? extends HasMetadata>> TYPED = Map.ofEntries(
      Map.entry("v1/ServiceAccount", ServiceAccount.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("batch/v1/Job", Job.class),
      Map.entry("batch/v1/CronJob", CronJob.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
      Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class),
      Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
      Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
      Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
      Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));
  private static final Set<String> CLUSTER_SCOPED = Set.of("ClusterRole", "ClusterRoleBinding");

  static Stream<Arguments> scenarios() {
    return Scenarios.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void everyObjectIsATypedKubernetesObjectWithoutUnknownFields(String name, String values) {
    List<String> problems = new ArrayList<>();
    for (ObjectNode object : ChartRender.objects(values)) {
      String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
      Class<? extends HasMetadata> typed = TYPED.get(type);
      if (typed == null) {
        problems.add(ChartRender.describe(object) + ": no typed model known for " + type + " (add it to TYPED)");
        continue;
      }
      try {
        ChartRender.STRICT.treeToValue(object, typed);
      } catch (Exception e) {
        problems.add(ChartRender.describe(object) + ": " + e.getMessage().lines().findFirst().orElse(""));
      }
      boolean namespaced = !CLUSTER_SCOPED.contains(object.path("kind").asText());
      if (namespaced != object.at("/metadata/namespace").isTextual()) {
        problems.add(ChartRender.describe(object) + ": " + (namespaced ? "no metadata.namespace" : "cluster-scoped but namespaced"));
      }
      if (!"ferry".equals(object.at("/metadata/labels/app.kubernetes.io~1name").asText())) {
        problems.add(ChartRender.describe(object) + ": no app.kubernetes.io/name=ferry label");
      }
    }
    assertThat(problems).as("rendered objects that the API server would reject or mangle").isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void everyPodTheChartRendersIsRestricted(String name, String values) throws Exception {
    List<PodSpec> pods = new ArrayList<>();
    for (ObjectNode object : ChartRender.objects(values)) {
      switch (object.path("kind").asText()) {
        case "Deployment" -> pods.add(ChartRender.STRICT.treeToValue(object, Deployment.class).getSpec().getTemplate().getSpec());
        case "Job" -> pods.add(ChartRender.STRICT.treeToValue(object, Job.class).getSpec().getTemplate().getSpec());
        case "CronJob" -> pods.add(ChartRender.STRICT.treeToValue(object, CronJob.class).getSpec().getJobTemplate().getSpec()
            .getTemplate().getSpec());
        case "Pod", "StatefulSet", "DaemonSet", "ReplicaSet" ->
            fail(ChartRender.describe(object) + ": a pod-bearing kind this test does not check yet");
        default -> { }
      }
    }
    assertThat(pods).as("pod specs rendered").isNotEmpty();
    for (PodSpec pod : pods) {
      assertThat(RestrictedPodSecurity.violations(pod)).as("restricted Pod Security Standard violations").isEmpty();
      assertThat(pod.getContainers()).allSatisfy(c -> {
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem of %s", c.getName()).isTrue();
        assertThat(c.getVolumeMounts()).as("volume mounts of %s", c.getName())
            .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
      });
      assertThat(pod.getVolumes()).anySatisfy(v -> {
        assertThat(v.getName()).isEqualTo("tmp");
        assertThat(v.getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
      });
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    }
  }
}
