package dev.ferry.kube;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * Security contexts that meet the Kubernetes "restricted" Pod Security Standard: non-root,
 * no privilege escalation, every capability dropped, the runtime's default seccomp profile.
 */
public final class PodSecurity {
  /** The numeric user Ferry's pods run as when the image does not say; 65532 is distroless' nonroot. */
  public static final long DEFAULT_USER = 65532L;

  private PodSecurity() {
  }

  public static PodSecurityContext restrictedPod() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(DEFAULT_USER)
        .withFsGroup(DEFAULT_USER)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  public static SecurityContext restrictedContainer() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withRunAsNonRoot(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }
}
