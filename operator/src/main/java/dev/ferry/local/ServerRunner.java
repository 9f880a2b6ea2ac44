package dev.ferry.local;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/** Runs the pods of a Deployment locally; the part of a kubelet the local Deployment controller needs. */
public interface ServerRunner {
  /** Makes the Deployment's server run (idempotent); returns how many replicas are ready now. */
  int ensureRunning(Deployment deployment);

  /** Stops the Deployment's server, if it runs. */
  void stop(Deployment deployment);
}
