package dev.ferry.operator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/** The operator's settings from flags and env, shared by {@code operator} and {@code local} so both configure it alike. */
public class OperatorOptions {
  @Option(names = "--namespaces", split = ",", defaultValue = "${env:FERRY_WATCH_NAMESPACES}",
      description = "Namespaces to watch, comma separated; empty watches all (env FERRY_WATCH_NAMESPACES).")
  List<String> namespaces;

  @Option(names = "--ferry-image", defaultValue = "${env:FERRY_IMAGE:-" + FerryConfig.DEFAULT_IMAGE + "}",
      description = "Image of Ferry itself, run by built-in steps (env FERRY_IMAGE). Default: ${DEFAULT-VALUE}.")
  String ferryImage;

  @Option(names = "--leader-election", defaultValue = "${env:FERRY_LEADER_ELECTION:-false}", arity = "0..1",
      description = "Hold a Lease before reconciling, for several replicas (env FERRY_LEADER_ELECTION).")
  boolean leaderElection;

  @Option(names = "--lease-name", defaultValue = "${env:FERRY_LEASE_NAME:-ferry-operator}",
      description = "Name of the Lease (env FERRY_LEASE_NAME). Default: ${DEFAULT-VALUE}.")
  String leaseName;

  @Option(names = "--lease-namespace", defaultValue = "${env:FERRY_LEASE_NAMESPACE:-${env:POD_NAMESPACE:-}}",
      description = "Namespace of the Lease (env FERRY_LEASE_NAMESPACE, else POD_NAMESPACE).")
  String leaseNamespace;

  public FerryConfig toConfig() {
    Set<String> watched = new LinkedHashSet<>();
    if (namespaces != null) {
      namespaces.stream().map(String::strip).filter(n -> !n.isEmpty()).forEach(watched::add);
    }
    Optional<FerryConfig.LeaderElection> election = Optional.empty();
    if (leaderElection) {
      if (leaseNamespace == null || leaseNamespace.isBlank()) {
        throw new IllegalArgumentException("--lease-namespace (or FERRY_LEASE_NAMESPACE or POD_NAMESPACE) is required "
            + "with --leader-election");
      }
      election = Optional.of(new FerryConfig.LeaderElection(leaseName, leaseNamespace, identity(),
          Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), true));
    }
    return new FerryConfig(ferryImage == null ? FerryConfig.DEFAULT_IMAGE : ferryImage, Set.copyOf(watched), election);
  }

  /** The Lease holder's name: the pod's (POD_NAME, as the chart sets it from the downward API, else HOSTNAME). */
  private static String identity() {
    for (String variable : new String[] {"POD_NAME", "HOSTNAME"}) {
      String pod = System.getenv(variable);
      if (pod != null && !pod.isBlank()) {
        return pod;
      }
    }
    try {
      return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    } catch (UnknownHostException e) {
      return "ferry-" + ProcessHandle.current().pid();
    }
  }
}
