package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * Where and as whom a pod runs: node placement, priority, identity and registry credentials, and
 * a pod-template overlay for anything else. Shared by steps, their pipeline-wide defaults and
 * model servers; Kubernetes' own types, so the fields read as in a pod spec.
 */
public class PodSettings {
  @JsonPropertyDescription("Node labels the pod must land on, e.g. {cloud.google.com/gke-accelerator: nvidia-l4}.")
  public Map<String, String> nodeSelector;

  @JsonPropertyDescription("Taints the pod tolerates, e.g. [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}].")
  public List<Toleration> tolerations;

  @JsonPropertyDescription("Node and pod affinity, as in a pod spec.")
  public Affinity affinity;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @Size(max = 253)
  @JsonPropertyDescription("PriorityClass of the pod (a training run may yield to serving, or the reverse).")
  public String priorityClassName;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @Size(max = 253)
  @JsonPropertyDescription("Service account the pod runs as (its identity for a bucket's web identity token, for"
      + " instance). Default: the namespace's default.")
  public String serviceAccountName;

  @JsonPropertyDescription("Secrets with registry credentials for pulling the image: [{name: regcred}].")
  public List<LocalObjectReference> imagePullSecrets;

  @PreserveUnknownFields
  @JsonPropertyDescription("Anything else, as a pod template overlaid on the one Ferry builds: {metadata: {labels,"
      + " annotations}, spec: {...}}. Objects merge key by key, containers, initContainers and volumes by name, other"
      + " lists are replaced. Ferry's labels and the step contract's env stay. A securityContext set here is the"
      + " user's choice over the restricted Pod Security Standard Ferry applies by default.")
  public Map<String, Object> podTemplate;
}
