package dev.ferry.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A check of a pod spec against the Kubernetes "restricted" Pod Security Standard (the baseline
 * rules plus the restricted ones), as the pod-security admission controller applies it. One
 * check for every pod spec Ferry builds and every one its chart renders.
 */
public final class RestrictedPodSecurity {
  private static final List<String> ALLOWED_VOLUMES = List.of("configMap", "csi", "downwardAPI", "emptyDir",
      "ephemeral", "persistentVolumeClaim", "projected", "secret");

  private RestrictedPodSecurity() {
  }

  /** Every rule the pod spec breaks, each naming the field; empty when it complies. */
  public static List<String> violations(PodSpec pod) {
    List<String> out = new ArrayList<>();
    PodSecurityContext podContext = Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);
    if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
        || Boolean.TRUE.equals(pod.getHostIPC())) {
      out.add("spec: hostNetwork, hostPID and hostIPC must be unset or false");
    }
    if (podContext.getRunAsUser() != null && podContext.getRunAsUser() == 0L) {
      out.add("spec.securityContext.runAsUser: must not be 0");
    }
    if (isUnconfined(podContext.getSeccompProfile())) {
      out.add("spec.securityContext.seccompProfile.type: must be RuntimeDefault or Localhost");
    }
    if (pod.getVolumes() != null) {
      for (Volume volume : pod.getVolumes()) {
        String type = volumeType(volume);
        if (!ALLOWED_VOLUMES.contains(type)) {
          out.add("spec.volumes[" + volume.getName() + "]: volume type " + type + " is not allowed");
        }
      }
    }
    List<Container> containers = Stream.of(pod.getInitContainers(), pod.getContainers())
        .filter(l -> l != null).flatMap(List::stream).toList();
    for (Container container : containers) {
      String at = "container " + container.getName() + " securityContext";
      SecurityContext sc = Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
      if (Boolean.TRUE.equals(sc.getPrivileged())) {
        out.add(at + ".privileged: must be false");
      }
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        out.add(at + ".allowPrivilegeEscalation: must be false");
      }
      boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot())
          || (sc.getRunAsNonRoot() == null && Boolean.TRUE.equals(podContext.getRunAsNonRoot()));
      if (!nonRoot) {
        out.add(at + ".runAsNonRoot: must be true (here or in the pod securityContext)");
      }
      if (sc.getRunAsUser() != null && sc.getRunAsUser() == 0L) {
        out.add(at + ".runAsUser: must not be 0");
      }
      SeccompProfile seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : podContext.getSeccompProfile();
      if (seccomp == null || isUnconfined(seccomp)) {
        out.add(at + ".seccompProfile.type: must be RuntimeDefault or Localhost (here or in the pod securityContext)");
      }
      var caps = sc.getCapabilities();
      if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
        out.add(at + ".capabilities.drop: must contain ALL");
      }
      if (caps != null && caps.getAdd() != null && caps.getAdd().stream().anyMatch(c -> !"NET_BIND_SERVICE".equals(c))) {
        out.add(at + ".capabilities.add: only NET_BIND_SERVICE may be added");
      }
      if (container.getPorts() != null && container.getPorts().stream().anyMatch(p -> p.getHostPort() != null
          && p.getHostPort() != 0)) {
        out.add("container " + container.getName() + " ports: hostPort must not be set");
      }
    }
    return out;
  }

  private static boolean isUnconfined(SeccompProfile profile) {
    return profile != null && "Unconfined".equals(profile.getType());
  }

  private static String volumeType(Volume volume) {
    var fields = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().convertValue(volume, java.util.Map.class);
    return ((java.util.Map<?, ?>) fields).keySet().stream().map(Object::toString)
        .filter(k -> !k.equals("name")).findFirst().orElse("unknown");
  }
}
