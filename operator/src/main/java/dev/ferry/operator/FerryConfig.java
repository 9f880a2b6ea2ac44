package dev.ferry.operator;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Configuration of one operator process, passed by constructor to whoever needs it.
 *
 * @param ferryImage image of Ferry itself: built-in steps, drift checks and smoke tests run it
 * @param namespaces namespaces to watch; empty means all
 * @param leaderElection the Lease to hold before reconciling, when several replicas run
 */
public record FerryConfig(String ferryImage, Set<String> namespaces, Optional<LeaderElection> leaderElection) {
  public static final String DEFAULT_IMAGE = "ghcr.io/ferry-ml/ferry:0.1.0";

  public FerryConfig(String ferryImage, Set<String> namespaces) {
    this(ferryImage, namespaces, Optional.empty());
  }

  public static FerryConfig defaults() {
    return new FerryConfig(DEFAULT_IMAGE, Set.of());
  }

  /**
   * Leader election over a coordination.k8s.io Lease.
   *
   * @param exitOnLoss whether losing the lease ends the process (true in a pod, so it restarts clean)
   */
  public record LeaderElection(String leaseName, String leaseNamespace, String identity, Duration leaseDuration,
      Duration renewDeadline, Duration retryPeriod, boolean exitOnLoss) {
  }
}
