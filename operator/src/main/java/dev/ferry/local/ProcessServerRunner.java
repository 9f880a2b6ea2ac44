package dev.ferry.local;

import dev.ferry.net.ServiceUrls;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a Deployment's server as one local process on a free loopback port (handed to it as
 * {@code FERRY_SERVER_PORT}), probes its readiness path as the kubelet would, and keeps the
 * service map current so that {@code <service>.<namespace>.svc:<port>} reaches it. Locally a
 * Deployment is one process whatever its replicas, and a Service routes to one backend: the ready
 * Deployment with the most replicas (so a canary's weights are not simulated per request).
 */
public class ProcessServerRunner implements ServerRunner, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessServerRunner.class);

  private final LocalLaunch launcher;
  private final Path runDir;
  private final Path servicesFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final Map<String, Server> servers = new ConcurrentHashMap<>();
  /**
   * How long a stopped server keeps running after it has left the service map: a client that
   * looked up its port just before still gets an answer, as a terminating pod keeps serving
   * through its grace period while kube-proxy drops its endpoint.
   */
  static final Duration DRAIN = Duration.ofSeconds(2);
  private final java.util.Set<Process> draining = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ScheduledExecutorService drainer =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "ferry-local-drain");
        thread.setDaemon(true);
        return thread;
      });
  /** The client of the last refresh, so a stop can take its server out of the map before killing it. */
  private volatile KubernetesClient client;

  private record Server(Process process, int port, String specHash, String namespace, Map<String, String> labels,
      int replicas, String readinessPath, String name) {
  }

  /** Runs the init containers (a storage initializer downloading the model) before the server. */
  private final ProcessContainerRunner initRunner;
  /** When a Deployment's init containers last failed: they are tried again after {@link #INIT_RETRY}, not every pass. */
  private final Map<String, java.time.Instant> initFailedAt = new ConcurrentHashMap<>();
  static final Duration INIT_RETRY = Duration.ofSeconds(10);

  ProcessServerRunner(LocalLaunch launcher, Path runDir, Path servicesFile) {
    this.launcher = launcher;
    this.initRunner = new ProcessContainerRunner(launcher, runDir);
    this.runDir = runDir;
    this.servicesFile = servicesFile;
  }

  @Override
  public int ensureRunning(Deployment deployment) {
    String key = deployment.getMetadata().getUid();
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    String hash = Integer.toHexString((Serialization.asJson(container)
        + Serialization.asJson(deployment.getSpec().getTemplate().getSpec().getInitContainers())).hashCode());
    Server server = servers.get(key);
    if (server != null && !server.specHash().equals(hash)) {
      stop(deployment);
      server = null;
    }
    if (server == null) {
      server = start(deployment, container, hash);
      if (server == null) {
        return 0;
      }
      servers.put(key, server);
    } else if (server.replicas() != deployment.getSpec().getReplicas()
        || !server.labels().equals(deployment.getSpec().getTemplate().getMetadata().getLabels())) {
      server = new Server(server.process(), server.port(), hash, server.namespace(),
          deployment.getSpec().getTemplate().getMetadata().getLabels(), deployment.getSpec().getReplicas(),
          server.readinessPath(), server.name());
      servers.put(key, server);
    }
    return ready(server) ? deployment.getSpec().getReplicas() : 0;
  }

  private Server start(Deployment deployment, Container container, String hash) {
    String namespace = deployment.getMetadata().getNamespace();
    String name = deployment.getMetadata().getName();
    Path log = runDir.resolve("pods").resolve(namespace).resolve(name + ".log");
    io.fabric8.kubernetes.api.model.Pod pod = podOf(deployment, hash);
    try {
      if (!runInitContainers(deployment, pod, log)) {
        return null;
      }
      int port = freePort();
      LocalLaunch.Launch launch = launcher.prepare(namespace, deployment.getSpec().getTemplate().getSpec(), container,
          initRunner.scratch(pod));
      Files.createDirectories(log.getParent());
      ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.workingDir().toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(launch.env());
      builder.environment().put("FERRY_SERVER_PORT", String.valueOf(port));
      String readiness = container.getReadinessProbe() != null && container.getReadinessProbe().getHttpGet() != null
          ? container.getReadinessProbe().getHttpGet().getPath() : "/";
      Process process = builder.start();
      LOG.info("server {}/{} started on 127.0.0.1:{}, log {}", namespace, name, port, log);
      return new Server(process, port, hash, namespace, deployment.getSpec().getTemplate().getMetadata().getLabels(),
          deployment.getSpec().getReplicas(), readiness, name);
    } catch (LocalLaunch.CannotRun e) {
      appendQuietly(log, "ferry local: " + e.getMessage());
      LOG.warn("server {}/{} cannot run: {}", namespace, name, e.getMessage());
      return null;
    } catch (IOException e) {
      appendQuietly(log, "ferry local: could not start: " + e.getMessage());
      return null;
    }
  }

  /**
   * The one local "pod" of a Deployment's template: named after the Deployment and the template's
   * hash, so a replacement downloads into its own folder while the old server drains.
   */
  private static io.fabric8.kubernetes.api.model.Pod podOf(Deployment deployment, String hash) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadataLike(deployment.getSpec().getTemplate().getMetadata())
          .withName(deployment.getMetadata().getName() + "-" + hash)
          .withNamespace(deployment.getMetadata().getNamespace())
        .endMetadata()
        .withSpec(deployment.getSpec().getTemplate().getSpec())
        .build();
  }

  /** Runs the template's init containers in order; false (with the reason in the server's log) if one failed. */
  private boolean runInitContainers(Deployment deployment, io.fabric8.kubernetes.api.model.Pod pod, Path log)
      throws IOException {
    List<Container> inits = deployment.getSpec().getTemplate().getSpec().getInitContainers();
    if (inits == null || inits.isEmpty()) {
      return true;
    }
    String key = deployment.getMetadata().getUid();
    java.time.Instant failed = initFailedAt.get(key);
    if (failed != null && java.time.Instant.now().isBefore(failed.plus(INIT_RETRY))) {
      return false;
    }
    Files.createDirectories(log.getParent());
    for (Container init : inits) {
      ContainerRunner.Exit exit;
      try {
        exit = initRunner.run(pod, init, null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      if (exit.exitCode() != 0) {
        initFailedAt.put(key, java.time.Instant.now());
        String said = exit.terminationMessage() == null || exit.terminationMessage().isBlank() ? exit.reason()
            : exit.terminationMessage().strip();
        appendQuietly(log, "ferry local: init container " + init.getName() + " failed (exit code " + exit.exitCode()
            + "): " + said);
        LOG.warn("server {}/{}: init container {} failed: {}", deployment.getMetadata().getNamespace(),
            deployment.getMetadata().getName(), init.getName(), said);
        return false;
      }
    }
    initFailedAt.remove(key);
    return true;
  }

  private boolean ready(Server server) {
    if (!server.process().isAlive()) {
      return false;
    }
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + server.readinessPath())).timeout(Duration.ofSeconds(1))
          .GET().build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() >= 200 && response.statusCode() < 400;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Points every Service at a ready local server whose labels it selects, and writes the service map. */
  public synchronized void refreshServices(KubernetesClient client) {
    this.client = client;
    Map<String, String> map = new LinkedHashMap<>();
    for (Service service : client.services().inAnyNamespace().list().getItems()) {
      Map<String, String> selector = service.getSpec().getSelector();
      if (selector == null || selector.isEmpty() || service.getSpec().getPorts() == null) {
        continue;
      }
      servers.values().stream()
          .filter(s -> s.namespace().equals(service.getMetadata().getNamespace()))
          .filter(s -> s.labels().entrySet().containsAll(selector.entrySet()))
          .filter(this::ready)
          .max(Comparator.comparingInt(Server::replicas).thenComparing(Server::name))
          .ifPresent(s -> service.getSpec().getPorts().forEach(p -> map.put(
              ServiceUrls.key(service.getMetadata().getName(), service.getMetadata().getNamespace(), p.getPort()),
              "127.0.0.1:" + s.port())));
    }
    try {
      ServiceUrls.write(servicesFile, map);
    } catch (IOException e) {
      LOG.warn("could not write the service map {}: {}", servicesFile, e.getMessage());
    }
  }

  @Override
  public void stop(Deployment deployment) {
    Server server = servers.remove(deployment.getMetadata().getUid());
    if (server != null) {
      // As kube-proxy drops a terminating pod's endpoint first: no request is sent to a dead port.
      KubernetesClient known = client;
      if (known != null) {
        try {
          refreshServices(known);
        } catch (RuntimeException e) {
          LOG.debug("could not refresh the service map before stopping {}: {}", server.name(), e.getMessage());
        }
      }
      draining.add(server.process());
      drainer.schedule(() -> {
        kill(server.process());
        initRunner.release(podOf(deployment, server.specHash()));
      }, DRAIN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private void kill(Process process) {
    draining.remove(process);
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void appendQuietly(Path log, String line) {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      // The log is best effort; the Deployment's status already says it is not ready.
    }
  }

  @Override
  public void close() {
    servers.values().forEach(s -> kill(s.process()));
    servers.clear();
    List.copyOf(draining).forEach(this::kill);
    drainer.shutdownNow();
  }
}
