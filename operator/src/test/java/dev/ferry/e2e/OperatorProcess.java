package dev.ferry.e2e;

import dev.ferry.local.ProcessContainerRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ferry operator} as its own process against the real API server, watching one namespace,
 * as a pod would run it (the in-cluster settings given by environment), its output in a log file.
 */
final class OperatorProcess {
  private OperatorProcess() {
  }

  /** This build's operator. */
  static Process start(RealCluster cluster, String name, String namespace, Map<String, String> extraEnv)
      throws IOException {
    return start(cluster, ProcessContainerRunner.selfCommand(), name, namespace, extraEnv);
  }

  /** An operator started by {@code javaCommand} (this build's, or an earlier one's jar). */
  static Process start(RealCluster cluster, List<String> javaCommand, String name, String namespace,
      Map<String, String> extraEnv) throws IOException {
    List<String> command = new ArrayList<>(javaCommand);
    command.add("operator");
    Path log = log(cluster, name);
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    env.put("KUBERNETES_MASTER", cluster.plane().url());
    env.put("KUBERNETES_AUTH_TOKEN", cluster.plane().adminToken());
    env.put("KUBERNETES_CERTS_CA_FILE", cluster.plane().caCert().toString());
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    env.put("KUBERNETES_NAMESPACE", namespace);
    env.put("FERRY_WATCH_NAMESPACES", namespace);
    env.put("FERRY_METRICS_PORT", "0");
    env.put("POD_NAME", name);
    // Served models and smoke tests are reached through the node agent's service map.
    env.put(dev.ferry.net.ServiceUrls.ENV_LOCAL_SERVICES, cluster.servicesFile().toString());
    env.putAll(extraEnv);
    return builder.start();
  }

  static Path log(RealCluster cluster, String name) {
    return cluster.runDir().resolve("operators").resolve(name + ".log");
  }
}
