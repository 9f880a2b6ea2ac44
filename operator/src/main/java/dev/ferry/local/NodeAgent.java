package dev.ferry.local;

import dev.ferry.kube.Times;
import dev.ferry.net.ServiceUrls;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet for a real API server whose containers are local processes. It registers a Node,
 * keeps its Lease renewed, binds the pods no scheduler binds (there is none), runs each container
 * through the image-to-command mapping, and writes pod status as a kubelet does: phase,
 * PodScheduled/Initialized/ContainersReady/Ready conditions (Ready from the readiness probe),
 * containerStatuses with exit code, reason and termination message, restarts, podIP. It finishes
 * a graceful deletion by stopping the processes and deleting the pod with grace period 0. The
 * real Job, ReplicaSet, Deployment, CronJob and garbage-collector controllers do the rest.
 *
 * <p>Every pod runs on loopback: podIP is 127.0.0.1 and each long-running container gets a free
 * port as {@code FERRY_SERVER_PORT}. Services reach pods through the service map
 * ({@link ServiceUrls}): each Service port points at one ready pod it selects (the first by name).
 * A pod that mounts a service-account token gets one from the TokenRequest API, and Fabric8's
 * in-cluster settings ({@code KUBERNETES_MASTER}, {@code KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN},
 * {@code KUBERNETES_CERTS_CA_FILE}) point at it, so Ferry's own operator runs as a pod with
 * exactly its ServiceAccount's rights.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
  private static final String SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final int LEASE_SECONDS = 40;

  /** Where the API server is, as pods must see it. */
  public record Cluster(String url, Path caCert) {
  }

  private final KubernetesClient client;
  private final String nodeName;
  private final LocalLaunch launcher;
  private final ProcessContainerRunner jobs;
  /** The rendezvous port of each distributed Job (namespace/service) whose workers run here. */
  private final Map<String, Integer> workerPorts = new java.util.concurrent.ConcurrentHashMap<>();
  private final Path runDir;
  private final Path servicesFile;
  private final Cluster cluster;
  private final ExecutorService workers = Executors.newCachedThreadPool(daemon("node-pod"));
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, daemon("node-agent"));
  private final Map<String, PodWork> pods = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private SharedIndexInformer<Pod> informer;

  /** What runs for one pod. */
  private static final class PodWork {
    final Pod pod;
    volatile Thread thread;
    /** Declared container port -> the loopback port that stands for it (pods share the host's network here). */
    final Map<Integer, Integer> ports = new ConcurrentHashMap<>();
    /** Container name -> its server port, for containers that declare none. */
    final Map<String, Integer> serverPorts = new ConcurrentHashMap<>();
    final Map<String, Process> servers = new ConcurrentHashMap<>();
    volatile boolean ready;
    volatile boolean stopping;

    PodWork(Pod pod) {
      this.pod = pod;
    }
  }

  NodeAgent(KubernetesClient client, String nodeName, LocalLaunch launcher, Path runDir, Path servicesFile,
      Cluster cluster) {
    this.client = client;
    this.nodeName = nodeName;
    this.launcher = launcher;
    this.jobs = new ProcessContainerRunner(launcher, runDir);
    this.runDir = runDir;
    this.servicesFile = servicesFile;
    this.cluster = cluster;
  }

  /**
   * A node agent for {@code client}'s cluster.
   *
   * @param mapping how images run and which folders stand for claims (the local mode's mapping file)
   * @param ferryImage the image that runs this very program
   * @param selfCommand how to run this program
   * @param runDir where pod logs, result files and tokens are kept
   * @param servicesFile the service map this agent keeps current (also handed to every pod)
   */
  public static NodeAgent create(KubernetesClient client, String nodeName, LocalMapping mapping, String ferryImage,
      List<String> selfCommand, Path runDir, Path servicesFile, Cluster cluster) {
    LocalLaunch launcher = new LocalLaunch(mapping, ferryImage, selfCommand,
        Map.of(ServiceUrls.ENV_LOCAL_SERVICES, servicesFile.toString()),
        (namespace, name) -> LocalMode.configMapFolder(client, runDir, namespace, name),
        (namespace, name) -> LocalMode.secretData(client, namespace, name));
    return new NodeAgent(client, nodeName, launcher, runDir, servicesFile, cluster);
  }

  /** Where a pod's output goes (its first container's, for a pod of several). */
  public Path logFile(Pod pod) {
    return jobs.logFile(pod);
  }

  public String nodeName() {
    return nodeName;
  }

  public NodeAgent start() throws IOException {
    ServiceUrls.write(servicesFile, Map.of());
    registerNode();
    timer.scheduleWithFixedDelay(this::heartbeat, 0, 10, TimeUnit.SECONDS);
    informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        workers.execute(() -> handle(pod));
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        workers.execute(() -> handle(pod));
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        PodWork work = pods.remove(pod.getMetadata().getUid());
        if (work != null) {
          stopWork(work);
        }
      }
    }, 30_000);
    timer.scheduleWithFixedDelay(this::refreshServices, 500, 500, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::probeReadiness, 1, 1, TimeUnit.SECONDS);
    return this;
  }

  private void registerNode() {
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity(String.valueOf(Runtime.getRuntime().availableProcessors())),
        "memory", new Quantity(Runtime.getRuntime().maxMemory() > 0 ? "16Gi" : "8Gi"), "pods", new Quantity("110"),
        "ephemeral-storage", new Quantity("50Gi"));
    Node node = new NodeBuilder().withNewMetadata().withName(nodeName)
        .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubernetes.io/arch", "amd64").addToLabels("ferry.dev/node-agent", "true")
        .endMetadata().build();
    try {
      client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    updateNodeStatus(capacity);
  }

  /** Writes the node's status; a conflict with the node lifecycle controller is retried on a fresh copy. */
  private void updateNodeStatus(Map<String, Quantity> capacity) {
    for (int attempt = 0; ; attempt++) {
      try {
        writeNodeStatus(capacity);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private void writeNodeStatus(Map<String, Quantity> capacity) {
    String now = Times.format(Instant.now());
    client.nodes().withName(nodeName).editStatus(n -> {
      var status = n.getStatus();
      if (capacity != null) {
        status.setCapacity(capacity);
        status.setAllocatable(capacity);
      }
      status.setAddresses(List.of(new io.fabric8.kubernetes.api.model.NodeAddress("127.0.0.1", "InternalIP"),
          new io.fabric8.kubernetes.api.model.NodeAddress(nodeName, "Hostname")));
      var info = new io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder().withArchitecture("amd64")
          .withOperatingSystem("linux").withOsImage(System.getProperty("os.name") + " " + System.getProperty("os.version"))
          .withKernelVersion(System.getProperty("os.version")).withContainerRuntimeVersion("ferry-local://processes")
          .withKubeletVersion("v0-ferry-node-agent").withKubeProxyVersion("").withMachineID(nodeName)
          .withSystemUUID(nodeName).withBootID(nodeName).build();
      status.setNodeInfo(info);
      List<NodeCondition> conditions = new ArrayList<>();
      for (String type : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
        conditions.add(nodeCondition(type, "False", "KubeletHas" + ("PIDPressure".equals(type) ? "SufficientPID"
            : "MemoryPressure".equals(type) ? "SufficientMemory" : "NoDiskPressure"), now, status));
      }
      conditions.add(nodeCondition("Ready", "True", "KubeletReady", now, status));
      status.setConditions(conditions);
      return n;
    });
  }

  private static NodeCondition nodeCondition(String type, String value, String reason, String now,
      io.fabric8.kubernetes.api.model.NodeStatus status) {
    String since = status.getConditions() == null ? now : status.getConditions().stream()
        .filter(c -> type.equals(c.getType()) && value.equals(c.getStatus())).map(NodeCondition::getLastTransitionTime)
        .findFirst().orElse(now);
    return new NodeConditionBuilder().withType(type).withStatus(value).withReason(reason)
        .withMessage("ferry node agent: " + reason).withLastHeartbeatTime(now).withLastTransitionTime(since).build();
  }

  /** What a kubelet does every 10 s: renew the node's Lease, and now and then report status. */
  private void heartbeat() {
    try {
      String now = ZonedDateTime.now(java.time.ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern(
          "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"));
      Lease lease = client.leases().inNamespace("kube-node-lease").withName(nodeName).get();
      if (lease == null) {
        Node node = client.nodes().withName(nodeName).get();
        client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata()
            .withName(nodeName).withNamespace("kube-node-lease")
            .addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName)
            .withUid(node.getMetadata().getUid()).endOwnerReference().endMetadata()
            .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(LEASE_SECONDS)
            .withRenewTime(ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build()).create();
      } else {
        client.leases().inNamespace("kube-node-lease").withName(nodeName).edit(l -> {
          l.getSpec().setRenewTime(ZonedDateTime.now(java.time.ZoneOffset.UTC));
          return l;
        });
      }
      Node node = client.nodes().withName(nodeName).get();
      boolean stale = node.getStatus().getConditions() == null || node.getStatus().getConditions().stream()
          .filter(c -> "Ready".equals(c.getType())).noneMatch(c -> c.getLastHeartbeatTime() != null
              && Times.parse(c.getLastHeartbeatTime()).isAfter(Instant.now().minusSeconds(60)));
      if (stale) {
        updateNodeStatus(null);
      }
      LOG.trace("node {} heartbeat at {}", nodeName, now);
    } catch (RuntimeException e) {
      LOG.warn("node {}: heartbeat failed: {}", nodeName, e.getMessage());
    }
  }

  private void handle(Pod pod) {
    try {
      String uid = pod.getMetadata().getUid();
      if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
        if (pod.getSpec().getSchedulerName() == null || "default-scheduler".equals(pod.getSpec().getSchedulerName())) {
          bind(pod);
        }
        return;
      }
      if (!nodeName.equals(pod.getSpec().getNodeName())) {
        return;
      }
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        // A graceful deletion: stop the processes, then confirm with grace period 0, as a kubelet does.
        PodWork work = pods.remove(uid);
        if (work != null) {
          stopWork(work);
        }
        finishDeletion(pod);
        return;
      }
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        return;
      }
      PodWork work = new PodWork(pod);
      if (pods.putIfAbsent(uid, work) != null) {
        return;
      }
      work.thread = Thread.currentThread();
      runPod(work);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("pod {}/{}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
    }
  }

  /** The scheduler's one act: put the pod on this node. */
  private void bind(Pod pod) {
    Binding binding = new BindingBuilder().withNewMetadata().withName(pod.getMetadata().getName())
        .withNamespace(pod.getMetadata().getNamespace()).withUid(pod.getMetadata().getUid()).endMetadata()
        .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build();
    try {
      client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(binding).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        LOG.warn("pod {}/{} not bound: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
            e.getMessage());
      }
    }
  }

  private void finishDeletion(Pod pod) {
    jobs.release(pod); // its emptyDir volumes go with it
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        LOG.debug("pod {} not finalized: {}", pod.getMetadata().getName(), e.getMessage());
      }
    }
  }

  private void runPod(PodWork work) throws InterruptedException {
    Pod pod = work.pod;
    String started = Times.format(Instant.now());
    Map<String, String> env = podEnv(pod);
    writeStatus(pod, s -> {
      s.setPhase("Pending");
      s.setHostIP("127.0.0.1");
      s.setStartTime(started);
      s.setConditions(conditions(s, Map.of("PodScheduled", true, "Initialized", false, "ContainersReady", false,
          "Ready", false)));
      s.setContainerStatuses(waiting(pod.getSpec().getContainers(), "ContainerCreating"));
    });
    List<Container> inits = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
    List<ContainerStatus> initStatuses = new ArrayList<>();
    for (Container init : inits) {
      ContainerRunner.Exit exit = jobs.run(pod, withEnv(pod, init, env), null);
      initStatuses.add(terminated(init, exit, started, 0));
      List<ContainerStatus> soFar = List.copyOf(initStatuses);
      if (exit.exitCode() != 0) {
        writeStatus(pod, s -> {
          s.setPhase("Failed");
          s.setInitContainerStatuses(soFar);
          s.setConditions(conditions(s, Map.of("Initialized", false, "ContainersReady", false, "Ready", false)));
          s.setMessage("init container " + init.getName() + " failed: " + exit.reason());
          s.setReason(exit.reason());
        });
        return;
      }
      writeStatus(pod, s -> s.setInitContainerStatuses(soFar));
    }
    String restartPolicy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
    if ("Always".equals(restartPolicy)) {
      runServers(work, env);
    } else {
      runToCompletion(work, env, "OnFailure".equals(restartPolicy));
    }
  }

  /** Job pods: each container runs until it exits; OnFailure restarts it in place. */
  private void runToCompletion(PodWork work, Map<String, String> env, boolean restartOnFailure)
      throws InterruptedException {
    Pod pod = work.pod;
    for (Container container : pod.getSpec().getContainers()) {
      try {
        launcher.prepare(pod.getMetadata().getNamespace(), pod.getSpec(), withEnv(pod, container, env),
            jobs.scratch(pod));
      } catch (LocalLaunch.CannotRun e) {
        // As a kubelet does: the pod stays Pending with the reason until it is deleted or the cause is fixed.
        failContainer(pod, container, kubeletReason(e), e.getMessage());
        while (!work.stopping) {
          Thread.sleep(500);
        }
        return;
      }
    }
    String startedAt = Times.format(Instant.now());
    writeStatus(pod, s -> {
      s.setPhase("Running");
      setIp(s);
      s.setConditions(conditions(s, Map.of("Initialized", true, "ContainersReady", true, "Ready", true)));
      s.setContainerStatuses(running(pod.getSpec().getContainers(), startedAt, true));
    });
    List<ContainerStatus> done = new ArrayList<>();
    boolean allSucceeded = true;
    for (Container container : pod.getSpec().getContainers()) {
      int restarts = 0;
      ContainerRunner.Exit exit;
      while (true) {
        exit = jobs.run(pod, withEnv(pod, container, env), null);
        if (work.stopping || exit.exitCode() == 0 || !restartOnFailure) {
          break;
        }
        restarts++;
        Thread.sleep(Math.min(10_000L * restarts, 60_000L)); // the kubelet's crash-loop back-off, shortened
      }
      done.add(terminated(container, exit, startedAt, restarts));
      allSucceeded &= exit.exitCode() == 0;
    }
    if (work.stopping) {
      return;
    }
    boolean succeeded = allSucceeded;
    writeStatus(pod, s -> {
      s.setPhase(succeeded ? "Succeeded" : "Failed");
      s.setConditions(conditions(s, Map.of("ContainersReady", false, "Ready", false)));
      s.setContainerStatuses(done);
    });
  }

  /** Long-running pods: every container is a server on its own port, restarted when it exits. */
  private void runServers(PodWork work, Map<String, String> env) throws InterruptedException {
    Pod pod = work.pod;
    Map<String, Integer> restarts = new LinkedHashMap<>();
    Map<String, String> startedAt = new LinkedHashMap<>();
    while (!work.stopping) {
      boolean changed = false;
      for (Container container : pod.getSpec().getContainers()) {
        Process process = work.servers.get(container.getName());
        if (process != null && process.isAlive()) {
          continue;
        }
        if (process != null) {
          restarts.merge(container.getName(), 1, Integer::sum);
          LOG.info("pod {}/{}: container {} exited with {}; restarting", pod.getMetadata().getNamespace(),
              pod.getMetadata().getName(), container.getName(), process.exitValue());
          Thread.sleep(Math.min(1000L * restarts.get(container.getName()), 10_000L));
        }
        if (work.stopping) {
          return;
        }
        Process started = startServer(work, container, env);
        if (started == null) {
          return; // the failure is in the pod's status; a kubelet would keep waiting too
        }
        work.servers.put(container.getName(), started);
        startedAt.put(container.getName(), Times.format(Instant.now()));
        changed = true;
      }
      if (changed) {
        work.ready = false;
        writeStatus(pod, s -> {
          s.setPhase("Running");
          setIp(s);
          s.setConditions(conditions(s, Map.of("Initialized", true, "ContainersReady", false, "Ready", false)));
          List<ContainerStatus> statuses = new ArrayList<>();
          for (Container c : pod.getSpec().getContainers()) {
            statuses.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                .withImageID(imageId(c)).withReady(false).withStarted(true)
                .withRestartCount(restarts.getOrDefault(c.getName(), 0))
                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt.get(c.getName()))
                    .endRunning().build()).build());
          }
          s.setContainerStatuses(statuses);
        });
      }
      Thread.sleep(500);
    }
  }

  private Process startServer(PodWork work, Container container, Map<String, String> env) {
    Pod pod = work.pod;
    String namespace = pod.getMetadata().getNamespace();
    Path log = runDir.resolve("pods").resolve(namespace).resolve(pod.getMetadata().getName()
        + (pod.getSpec().getContainers().size() > 1 ? "-" + container.getName() : "") + ".log");
    try {
      int port = serverPort(work, container);
      LocalLaunch.Launch launch = launcher.prepare(namespace, pod.getSpec(), withPorts(work,
          withEnv(pod, container, env)), jobs.scratch(pod));
      Files.createDirectories(log.getParent());
      ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.workingDir().toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(launch.env());
      builder.environment().put("FERRY_SERVER_PORT", String.valueOf(port));
      return builder.start();
    } catch (LocalLaunch.CannotRun e) {
      // What a kubelet says: an image it cannot get is ErrImagePull; a ConfigMap, Secret or claim
      // that is missing keeps the container from being created.
      failContainer(pod, container, kubeletReason(e), e.getMessage());
      return null;
    } catch (IOException | RuntimeException e) {
      failContainer(pod, container, "RunContainerError", e.getMessage());
      return null;
    }
  }

  /** The loopback port of the container's first declared port, or one of its own. */
  private static int serverPort(PodWork work, Container container) {
    if (container.getPorts() != null && !container.getPorts().isEmpty()) {
      return work.ports.computeIfAbsent(container.getPorts().get(0).getContainerPort(), p -> freePort());
    }
    return work.serverPorts.computeIfAbsent(container.getName(), n -> freePort());
  }

  /**
   * Every pod has its own network on a cluster and all share the host's here, so each declared
   * container port gets a free loopback port, and an env value naming a declared port (a server's
   * {@code --port} setting, say) names the loopback port instead.
   */
  private static Container withPorts(PodWork work, Container container) {
    if (container.getPorts() == null || container.getEnv() == null) {
      return container;
    }
    Map<String, String> remap = new LinkedHashMap<>();
    container.getPorts().forEach(p -> remap.put(String.valueOf(p.getContainerPort()),
        String.valueOf(work.ports.computeIfAbsent(p.getContainerPort(), x -> freePort()))));
    List<EnvVar> env = container.getEnv().stream().map(e -> e.getValue() != null && remap.containsKey(e.getValue())
        ? new EnvVar(e.getName(), remap.get(e.getValue()), null) : e).toList();
    return new ContainerBuilder(container).withEnv(env).build();
  }

  /** The loopback port standing for a probe's or a Service's target port (a number or a port name). */
  private static Integer localPort(PodWork work, Container container,
      io.fabric8.kubernetes.api.model.IntOrString target) {
    Integer number = target == null ? null : target.getIntVal();
    if (target != null && target.getStrVal() != null && container != null && container.getPorts() != null) {
      number = container.getPorts().stream().filter(p -> target.getStrVal().equals(p.getName()))
          .map(io.fabric8.kubernetes.api.model.ContainerPort::getContainerPort).findFirst().orElse(null);
    }
    if (number != null && work.ports.containsKey(number)) {
      return work.ports.get(number);
    }
    return container == null ? null : work.serverPorts.get(container.getName());
  }

  /** The kubelet's reason for a container that cannot run here. */
  private static String kubeletReason(LocalLaunch.CannotRun e) {
    return "ImageNotMapped".equals(e.reason()) ? "ErrImagePull" : "CreateContainerConfigError";
  }

  /** A container that cannot start waits with the reason, as a kubelet reports ErrImagePull. */
  private void failContainer(Pod pod, Container container, String reason, String message) {
    writeStatus(pod, s -> {
      s.setPhase("Pending");
      List<ContainerStatus> statuses = new ArrayList<>(waiting(pod.getSpec().getContainers(), "ContainerCreating"));
      statuses.replaceAll(cs -> cs.getName().equals(container.getName())
          ? new ContainerStatusBuilder(cs).withState(new ContainerStateBuilder().withNewWaiting().withReason(reason)
              .withMessage(message).endWaiting().build()).build() : cs);
      s.setContainerStatuses(statuses);
    });
  }

  /** The readiness probe: an HTTP GET on the probe's path at the container's local port. */
  private void probeReadiness() {
    for (PodWork work : pods.values()) {
      if (work.stopping || work.servers.isEmpty()) {
        continue;
      }
      boolean ready = work.pod.getSpec().getContainers().stream().allMatch(c -> probe(work, c));
      if (ready != work.ready) {
        work.ready = ready;
        writeStatus(work.pod, s -> {
          s.setConditions(conditions(s, Map.of("ContainersReady", ready, "Ready", ready)));
          if (s.getContainerStatuses() != null) {
            s.getContainerStatuses().forEach(cs -> cs.setReady(ready));
          }
        });
      }
    }
  }

  private boolean probe(PodWork work, Container container) {
    Process process = work.servers.get(container.getName());
    if (process == null || !process.isAlive()) {
      return false;
    }
    if (container.getReadinessProbe() == null || container.getReadinessProbe().getHttpGet() == null) {
      return true; // no probe: ready once running, as a kubelet decides
    }
    Integer port = localPort(work, container, container.getReadinessProbe().getHttpGet().getPort());
    if (port == null) {
      return false;
    }
    String path = Objects.requireNonNullElse(container.getReadinessProbe().getHttpGet().getPath(), "/");
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() >= 200 && response.statusCode() < 400;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Points every Service port at a ready pod it selects, and writes the service map. */
  private void refreshServices() {
    try {
      Map<String, String> map = new TreeMap<>();
      for (Service service : client.services().inAnyNamespace().list().getItems()) {
        Map<String, String> selector = service.getSpec().getSelector();
        if (selector == null || selector.isEmpty() || service.getSpec().getPorts() == null) {
          continue;
        }
        pods.values().stream()
            .filter(w -> w.ready && !w.stopping)
            .filter(w -> w.pod.getMetadata().getNamespace().equals(service.getMetadata().getNamespace()))
            .filter(w -> w.pod.getMetadata().getLabels() != null
                && w.pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
            .min(java.util.Comparator.comparing(w -> w.pod.getMetadata().getName()))
            .ifPresent(w -> service.getSpec().getPorts().forEach(p -> {
              var target = p.getTargetPort() != null ? p.getTargetPort()
                  : new io.fabric8.kubernetes.api.model.IntOrString(p.getPort());
              Integer port = w.pod.getSpec().getContainers().stream().map(c -> localPort(w, c, target))
                  .filter(Objects::nonNull).findFirst().orElse(null);
              if (port != null) {
                map.put(ServiceUrls.key(service.getMetadata().getName(), service.getMetadata().getNamespace(),
                    p.getPort()), "127.0.0.1:" + port);
              }
            }));
      }
      ServiceUrls.write(servicesFile, map);
    } catch (IOException | RuntimeException e) {
      LOG.debug("service map not refreshed: {}", e.getMessage());
    }
  }

  private void stopWork(PodWork work) {
    work.stopping = true;
    work.servers.values().forEach(p -> {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    });
    Thread thread = work.thread;
    if (thread != null) {
      thread.interrupt(); // the container runner kills its process when interrupted
    }
    work.servers.values().forEach(p -> {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    });
  }

  /** Env a kubelet gives every container: the API server's address and, where mounted, a token. */
  private Map<String, String> podEnv(Pod pod) {
    Map<String, String> env = new LinkedHashMap<>();
    URI api = URI.create(cluster.url());
    env.put("KUBERNETES_SERVICE_HOST", api.getHost());
    env.put("KUBERNETES_SERVICE_PORT", String.valueOf(api.getPort()));
    boolean mountsToken = pod.getSpec().getContainers().stream().anyMatch(c -> c.getVolumeMounts() != null
        && c.getVolumeMounts().stream().anyMatch(m -> SA_MOUNT.equals(m.getMountPath())));
    if (mountsToken) {
      try {
        Path folder = serviceAccountFolder(pod);
        env.put("KUBERNETES_MASTER", cluster.url());
        env.put("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", folder.resolve("token").toString());
        env.put("KUBERNETES_CERTS_CA_FILE", folder.resolve("ca.crt").toString());
        env.put("KUBERNETES_NAMESPACE", pod.getMetadata().getNamespace());
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
      } catch (IOException | RuntimeException e) {
        LOG.warn("pod {}/{}: no service-account token: {}", pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(), e.getMessage());
      }
    }
    return env;
  }

  /** The projected service-account volume: a bound token for the pod, the CA and the namespace. */
  private Path serviceAccountFolder(Pod pod) throws IOException {
    String account = Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
    var request = new TokenRequestBuilder().withNewSpec().withAudiences("https://kubernetes.default.svc.cluster.local")
        .withExpirationSeconds(24 * 3600L).withNewBoundObjectRef().withApiVersion("v1").withKind("Pod")
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec()
        .build();
    String token = client.serviceAccounts().inNamespace(pod.getMetadata().getNamespace()).withName(account)
        .tokenRequest(request).getStatus().getToken();
    Path folder = runDir.resolve("serviceaccounts").resolve(pod.getMetadata().getNamespace())
        .resolve(pod.getMetadata().getName());
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("token"), token);
    Files.copy(cluster.caCert(), folder.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(folder.resolve("namespace"), pod.getMetadata().getNamespace());
    return folder;
  }

  /** The container with its env resolved as a kubelet resolves it (fieldRef, secretKeyRef, configMapKeyRef). */
  private Container withEnv(Pod pod, Container container, Map<String, String> podEnv) {
    List<EnvVar> env = new ArrayList<>();
    podEnv.forEach((k, v) -> env.add(new EnvVar(k, v, null)));
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        env.add(var.getValueFrom() == null ? var : new EnvVar(var.getName(), resolve(pod, var.getValueFrom()), null));
      }
    }
    String subdomain = pod.getSpec().getSubdomain();
    if (subdomain != null) {
      // The workers of one Job meet on loopback, at one free port per Job.
      String port = String.valueOf(workerPorts.computeIfAbsent(pod.getMetadata().getNamespace() + "/" + subdomain,
          k -> freeLocalPort()));
      return new ContainerBuilder(container).withEnv(LocalLaunch.onLoopback(env, subdomain, port)).build();
    }
    return new ContainerBuilder(container).withEnv(env).build();
  }

  private static int freeLocalPort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("no free local port for a distributed step's workers", e);
    }
  }

  private String resolve(Pod pod, EnvVarSource source) {
    try {
      if (source.getFieldRef() != null) {
        return switch (source.getFieldRef().getFieldPath()) {
          case "metadata.name" -> pod.getMetadata().getName();
          case "metadata.namespace" -> pod.getMetadata().getNamespace();
          case "metadata.uid" -> pod.getMetadata().getUid();
          case "spec.nodeName" -> nodeName;
          case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
          case "status.podIP", "status.hostIP" -> "127.0.0.1";
          default -> LocalLaunch.field(pod, source.getFieldRef().getFieldPath());
        };
      }
      if (source.getSecretKeyRef() != null) {
        var secret = client.secrets().inNamespace(pod.getMetadata().getNamespace())
            .withName(source.getSecretKeyRef().getName()).get();
        String value = secret == null || secret.getData() == null ? null
            : secret.getData().get(source.getSecretKeyRef().getKey());
        return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
      }
      if (source.getConfigMapKeyRef() != null) {
        var map = client.configMaps().inNamespace(pod.getMetadata().getNamespace())
            .withName(source.getConfigMapKeyRef().getName()).get();
        return map == null || map.getData() == null ? "" : map.getData().getOrDefault(source.getConfigMapKeyRef()
            .getKey(), "");
      }
    } catch (KubernetesClientException e) {
      LOG.warn("pod {}: env not resolved: {}", pod.getMetadata().getName(), e.getMessage());
    }
    return "";
  }

  private void writeStatus(Pod pod, Consumer<PodStatus> change) {
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        Pod current = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .get();
        if (current == null || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
          return;
        }
        if (current.getStatus() == null) {
          current.setStatus(new PodStatus());
        }
        change.accept(current.getStatus());
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(current).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409) {
          LOG.warn("pod {}/{}: status not written: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
              e.getMessage());
          return;
        }
      }
    }
  }

  private static void setIp(PodStatus status) {
    status.setPodIP("127.0.0.1");
    status.setPodIPs(List.of(new PodIPBuilder().withIp("127.0.0.1").build()));
    status.setHostIP("127.0.0.1");
  }

  /** Conditions keyed by type: the given ones set, the others kept, transition times kept when unchanged. */
  private static List<PodCondition> conditions(PodStatus status, Map<String, Boolean> values) {
    Map<String, PodCondition> byType = new LinkedHashMap<>();
    if (status.getConditions() != null) {
      status.getConditions().forEach(c -> byType.put(c.getType(), c));
    }
    String now = Times.format(Instant.now());
    values.forEach((type, value) -> {
      String text = value ? "True" : "False";
      PodCondition old = byType.get(type);
      String since = old != null && text.equals(old.getStatus()) ? old.getLastTransitionTime() : now;
      byType.put(type, new PodConditionBuilder().withType(type).withStatus(text).withLastTransitionTime(since).build());
    });
    return new ArrayList<>(byType.values());
  }

  private static List<ContainerStatus> waiting(List<Container> containers, String reason) {
    return containers.stream().map(c -> new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
        .withImageID("").withReady(false).withStarted(false).withRestartCount(0)
        .withState(new ContainerStateBuilder().withNewWaiting().withReason(reason).endWaiting().build()).build())
        .toList();
  }

  private List<ContainerStatus> running(List<Container> containers, String startedAt, boolean ready) {
    return containers.stream().map(c -> new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
        .withImageID(imageId(c)).withReady(ready).withStarted(true).withRestartCount(0)
        .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt).endRunning().build())
        .build()).toList();
  }

  private ContainerStatus terminated(Container container, ContainerRunner.Exit exit, String startedAt, int restarts) {
    String message = LocalJobController.truncate(exit.terminationMessage());
    ContainerState state = new ContainerStateBuilder().withNewTerminated().withExitCode(exit.exitCode())
        .withReason(exit.reason() != null ? exit.reason() : exit.exitCode() == 0 ? "Completed" : "Error")
        .withMessage(message.isEmpty() ? null : message).withStartedAt(startedAt)
        .withFinishedAt(Times.format(Instant.now())).endTerminated().build();
    return new ContainerStatusBuilder().withName(container.getName()).withImage(container.getImage())
        .withImageID(exit.imageId() != null ? exit.imageId() : imageId(container)).withReady(false).withStarted(false)
        .withRestartCount(restarts).withState(state).build();
  }

  /** What identifies the code a mapped image ran: the image's digest when it names one, else its name. */
  private static String imageId(Container container) {
    String image = container.getImage();
    return image.contains("@sha256:") ? image : "ferry-local://" + image;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops every process of every pod; the pods stay as they are in the API (a node that went away). */
  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    timer.shutdownNow();
    pods.values().forEach(this::stopWork);
    jobs.close();
    workers.shutdownNow();
  }
}
