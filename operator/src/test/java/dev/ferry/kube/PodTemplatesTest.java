package dev.ferry.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.StepDefaults;
import dev.ferry.api.v1alpha1.StepSpec;
import dev.ferry.api.v1alpha1.TrainingPipelineSpec;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.pipeline.StepJobBuilder;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compute for steps and servers: GPUs, placement, identity, and an overlay for anything else. */
class PodTemplatesTest {
  private static TrainingRun run() {
    TrainingRun run = Fixtures.manualRun("churn-r7", "churn");
    run.getMetadata().setNamespace("ml");
    run.getMetadata().setUid("uid-7");
    return run;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String text) {
    return Serialization.unmarshal(text, Map.class);
  }

  private static PodSpec pod(TrainingPipelineSpec spec, StepSpec step) {
    return StepJobBuilder.build(run(), "pvc://models/churn/runs/churn-r7/", spec, step, "ferry:1")
        .getSpec().getTemplate().getSpec();
  }

  @Test
  void aGpuStepLandsOnGpuNodesWithItsDefaultsAndStaysRestricted() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    spec.stepDefaults = new StepDefaults();
    spec.stepDefaults.serviceAccountName = "trainer";
    spec.stepDefaults.priorityClassName = "batch-low";
    spec.stepDefaults.imagePullSecrets = List.of(new LocalObjectReference("regcred"));
    spec.stepDefaults.nodeSelector = Map.of("pool", "cpu");
    StepSpec train = spec.steps.get(1);
    train.resources = new ResourceRequirementsBuilder().addToLimits("nvidia.com/gpu", new Quantity("1"))
        .addToRequests("cpu", new Quantity("4")).build();
    train.nodeSelector = Map.of("cloud.google.com/gke-accelerator", "nvidia-l4");
    train.tolerations = List.of(new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists")
        .withEffect("NoSchedule").build());

    PodSpec pod = pod(spec, train);
    assertThat(pod.getContainers().get(0).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(pod.getNodeSelector()).as("the step's own replaces the default's")
        .containsExactly(Map.entry("cloud.google.com/gke-accelerator", "nvidia-l4"));
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("nvidia.com/gpu");
    assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
    assertThat(pod.getPriorityClassName()).isEqualTo("batch-low");
    assertThat(pod.getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("regcred");
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();

    PodSpec validate = pod(spec, spec.steps.get(0));
    assertThat(validate.getNodeSelector()).as("other steps keep the defaults").containsEntry("pool", "cpu");
    assertThat(validate.getTolerations()).isNullOrEmpty();
  }

  @Test
  void theOverlayMergesByNameButFerrysLabelsAndTheStepContractStay() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    StepSpec train = spec.steps.get(1);
    train.podTemplate = yaml("""
        metadata:
          labels: {team: fraud, ferry.dev/run: hijacked}
          annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: "false"}
        spec:
          hostIPC: false
          runtimeClassName: nvidia
          volumes:
          - {name: shm, emptyDir: {medium: Memory, sizeLimit: 8Gi}}
          containers:
          - name: step
            volumeMounts: [{name: shm, mountPath: /dev/shm}]
            env:
            - {name: NCCL_DEBUG, value: INFO}
            - {name: FERRY_DATASET_PATH, value: /somewhere/else}
        """);
    var template = StepJobBuilder.build(run(), "pvc://models/churn/runs/churn-r7/", spec, train, "ferry:1")
        .getSpec().getTemplate();
    assertThat(template.getMetadata().getLabels()).containsEntry("team", "fraud").containsEntry("ferry.dev/run",
        "churn-r7");
    assertThat(template.getMetadata().getAnnotations()).containsEntry(
        "cluster-autoscaler.kubernetes.io/safe-to-evict", "false");
    PodSpec pod = template.getSpec();
    assertThat(pod.getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).contains("shm", "pvc-models");
    var step = pod.getContainers().get(0);
    assertThat(step.getImage()).as("merged into Ferry's container, not a second one").isNotBlank();
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(step.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/dev/shm", "/ferry/pvc/models");
    assertThat(step.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("NCCL_DEBUG"));
    assertThat(step.getEnv()).filteredOn(e -> e.getName().equals("FERRY_DATASET_PATH")).singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("/ferry/pvc/datasets/churn/2026-11.csv"));
  }

  @Test
  void asecurityContextInTheOverlayIsTheUsersChoice() {
    TrainingPipelineSpec spec = Fixtures.pipeline("churn").getSpec();
    StepSpec train = spec.steps.get(1);
    train.podTemplate = yaml("""
        spec:
          containers:
          - name: step
            securityContext: {capabilities: {add: [IPC_LOCK]}}
        """);
    assertThat(RestrictedPodSecurity.violations(pod(spec, train))).isNotEmpty();
  }

  @Test
  void overlayMistakesNameTheirField() {
    assertThat(PodTemplates.problems("spec.steps[1].podTemplate", yaml("""
        metadata: {name: x}
        spec:
          nodeSelecter: {pool: gpu}
          containers:
          - {name: step, imagePullPolicyy: Always}
          - {image: sidecar:1}
        kind: Pod
        """))).containsExactlyInAnyOrder(
        "spec.steps[1].podTemplate.kind: unknown field: a pod template has metadata and spec",
        "spec.steps[1].podTemplate.metadata.name: only labels and annotations can be overlaid",
        "spec.steps[1].podTemplate.spec.nodeSelecter: unknown field of a PodSpec",
        "spec.steps[1].podTemplate.spec.containers[0].imagePullPolicyy: unknown field of a Container",
        "spec.steps[1].podTemplate.spec.containers[1].name: required: containers merge by name");
    assertThat(PodTemplates.problems("spec.server.podTemplate", yaml("spec: {hostNetwork: {yes: please}}")))
        .singleElement().satisfies(p -> assertThat(p).startsWith("spec.server.podTemplate: not a pod template:")
            .contains("hostNetwork").doesNotContain("java", "Boolean"));
    assertThat(PodTemplates.problems("spec.server.podTemplate", yaml("spec: {runtimeClassName: nvidia}"))).isEmpty();
  }
}
