package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.ferry.api.CrdViolations.Violation;
import dev.ferry.e2e.RealCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the API server admits of Ferry's kinds, with the committed CRDs installed: every example as a
 * user applies it, and for every schema constraint and every CEL rule in crds/ one resource that
 * breaks it, refused with a message that names the field. The cases come from {@link CrdViolations},
 * derived from the CRDs, so a new constraint is tested the day it is added.
 */
class AdmissionIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static String namespace;

  @BeforeAll
  static void namespace() {
    namespace = cluster.namespace("admission");
  }

  private static KubernetesClient client() {
    return cluster.admin();
  }

  @TestFactory
  Stream<DynamicTest> everyExampleIsAcceptedAsAUserAppliesIt() {
    return Examples.files().stream().flatMap(file -> Examples.documents(file).stream())
        // ferry-local.yaml (the local mode's image mapping) is not a Kubernetes object.
        .filter(doc -> !doc.apiVersion().isEmpty() && !doc.kind().isEmpty())
        .map(doc -> dynamicTest(Examples.name(doc.file()) + " " + doc.label(), () -> {
          GenericKubernetesResource object = Crds.YAML.convertValue(doc.content(), GenericKubernetesResource.class);
          // Server-side dry run: every admission step (schema, CEL, PodSecurity), nothing stored.
          client().resource(object).inNamespace(namespace).dryRun().create();
        }));
  }

  @TestFactory
  Stream<DynamicTest> everySchemaConstraintAndCelRuleIsEnforcedWithTheFieldNamed() {
    List<Violation> violations = CrdViolations.all();
    Stream<DynamicTest> coverage = Stream.of(dynamicTest("every CEL rule has a violating fragment", () -> {
      assertThat(CrdViolations.uncovered()).as("CEL rules with no entry in CrdViolations.CEL_VIOLATIONS").isEmpty();
      assertThat(violations).as("cases derived from crds/").hasSizeGreaterThan(60);
    }));
    return Stream.concat(coverage, violations.stream().map(v -> dynamicTest(v.name(), () -> refused(v))));
  }

  private static void refused(Violation v) {
    GenericKubernetesResource resource = Crds.YAML.convertValue(v.resource(), GenericKubernetesResource.class);
    if (v.update()) {
      String name = "immutable-" + Integer.toHexString(v.name().hashCode());
      resource.getMetadata().setName(name);
      GenericKubernetesResource original = base(v.kind());
      original.getMetadata().setName(name);
      client().resource(original).inNamespace(namespace).create();
      resource.getMetadata().setResourceVersion(null);
      assertThatThrownBy(() -> client().resource(resource).inNamespace(namespace).update())
          .as(v.name()).isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertNamed(v, (KubernetesClientException) e));
      return;
    }
    assertThatThrownBy(() -> client().resource(resource).inNamespace(namespace).dryRun().create())
        .as(v.name()).isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertNamed(v, (KubernetesClientException) e));
  }

  private static void assertNamed(Violation v, KubernetesClientException e) {
    assertThat(e.getCode()).as(v.name() + ": " + e.getMessage()).isEqualTo(422);
    assertThat(e.getMessage()).as(v.name()).contains(v.fieldPath());
  }

  /** The first example of a kind: a valid resource each violation starts from. */
  private static GenericKubernetesResource base(String kind) {
    return Crds.YAML.convertValue(CrdViolations.baseTree(kind), GenericKubernetesResource.class);
  }
}
