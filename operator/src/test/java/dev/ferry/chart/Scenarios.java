package dev.ferry.chart;

import java.util.LinkedHashMap;
import java.util.Map;

/** Value sets the chart is rendered with in tests: the defaults, and one that switches everything on. */
final class Scenarios {
  static final String DEFAULTS = "";

  /** Two watched namespaces, two replicas (so a PDB), leader election, every monitoring object, JSON logs. */
  static final String EVERYTHING = """
      watchNamespaces: [a, b]
      replicas: 2
      leaderElection: {enabled: true}
      logFormat: json
      logLevel: debug
      metrics:
        serviceMonitor: {enabled: true, labels: {release: prometheus}}
      grafanaDashboard: {enabled: true, annotations: {grafana_folder: MLOps}}
      prometheusRule: {enabled: true, alertLabels: {team: ml-platform}}
      imagePullSecrets: [{name: regcred}]
      podAnnotations: {example.com/owner: ml-platform}
      nodeSelector: {kubernetes.io/os: linux}
      tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector: {matchLabels: {app.kubernetes.io/name: ferry}}
      extraEnv:
        - {name: JAVA_TOOL_OPTIONS, value: "-Dhttps.proxyHost=proxy.example -Dhttps.proxyPort=3128"}
      terminationGracePeriodSeconds: 45
      rbac: {secretNames: [drift-webhook]}
      """;

  /** Leader election with one replica, a Lease in another namespace, a mirrored job image, cluster-wide. */
  static final String LEASE_ELSEWHERE = """
      leaderElection: {enabled: true, leaseName: ferry-lock, leaseNamespace: ops}
      jobImage: registry.example/mirror/ferry:0.1.0
      image: {tag: "0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
      """;

  static Map<String, String> all() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("defaults", DEFAULTS);
    all.put("everything", EVERYTHING);
    all.put("lease elsewhere", LEASE_ELSEWHERE);
    return all;
  }

  private Scenarios() {
  }
}
