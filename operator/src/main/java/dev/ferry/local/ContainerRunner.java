package dev.ferry.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;

/** Runs one container of a pod to completion, the part of a kubelet the local mode needs. */
@FunctionalInterface
public interface ContainerRunner {
  /**
   * Runs the container and waits for it.
   *
   * @param timeout how long it may run before it must be killed; null for no limit
   */
  Exit run(Pod pod, Container container, Duration timeout) throws InterruptedException;

  /** Frees what the pod's containers shared (its emptyDir volumes) once the pod is done. */
  default void release(Pod pod) {
  }

  /**
   * How a container ended.
   *
   * @param exitCode the process exit code
   * @param terminationMessage what it wrote to its termination message path (the step result)
   * @param reason Completed, Error, DeadlineExceeded, or why it could not start
   * @param imageId the image digest a kubelet would report, when known
   */
  record Exit(int exitCode, String terminationMessage, String reason, String imageId) {
    public static Exit failed(String reason, String message) {
      return new Exit(1, message, reason, null);
    }
  }
}
