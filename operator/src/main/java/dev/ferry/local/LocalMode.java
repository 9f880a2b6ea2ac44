package dev.ferry.local;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.FerryStatus;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.Times;
import dev.ferry.operator.FerryConfig;
import dev.ferry.operator.FerryOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Ferry's main job on one machine: an embedded API server, the production operator wiring, and
 * the small controllers that play the cluster (Jobs as local processes, garbage collection),
 * with a live view of what happens. Nothing here is on the operator's code path.
 */
public final class LocalMode implements AutoCloseable {
  /** Kinds written by {@code --dump} and checked for failures. */
  static final List<Class<? extends HasMetadata>> KINDS = List.of(TrainingPipeline.class, TrainingRun.class,
      ModelVersion.class, ModelDeployment.class, DriftPolicy.class, Job.class, Pod.class,
      io.fabric8.kubernetes.api.model.apps.Deployment.class, io.fabric8.kubernetes.api.model.Service.class,
      io.fabric8.kubernetes.api.model.batch.v1.CronJob.class,
      io.fabric8.kubernetes.api.model.ConfigMap.class, io.fabric8.kubernetes.api.model.Event.class);

  /** How the local mode runs. */
  public record Options(Path dir, int port, Duration idleHorizon, FerryConfig config, List<String> selfCommand,
      PrintStream out, int metricsPort, boolean controlPlane, int gatewayPort) {
    public Options(Path dir, int port, Duration idleHorizon, FerryConfig config, List<String> selfCommand,
        PrintStream out) {
      this(dir, port, idleHorizon, config, selfCommand, out, -1, false);
    }

    public Options(Path dir, int port, Duration idleHorizon, FerryConfig config, List<String> selfCommand,
        PrintStream out, int metricsPort, boolean controlPlane) {
      this(dir, port, idleHorizon, config, selfCommand, out, metricsPort, controlPlane, 0);
    }
  }

  private final Options options;
  private final Path stateDir;
  private final Path runDir;
  private EmbeddedApiServer api;
  private dev.ferry.controlplane.ControlPlane plane;
  private NodeAgent node;
  private dev.ferry.local.gateway.LocalGateway gateway;
  private LocalReports reports;
  private KubernetesClient client;
  private ProcessContainerRunner runner;
  private LocalJobController jobs;
  private LocalGarbageCollector gc;
  private FerryOperator operator;
  private ProgressView view;
  private dev.ferry.operator.OperatorHttpServer http;
  private ProcessServerRunner servers;
  private LocalDeploymentController deployments;
  private LocalCronJobController cronJobs;
  private java.util.concurrent.ScheduledExecutorService serviceMapTimer;
  private final List<String> problems = new ArrayList<>();

  public LocalMode(Options options) {
    this.options = options;
    this.stateDir = options.dir().toAbsolutePath().resolve(".ferry-local");
    this.runDir = stateDir.resolve("runs").resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
        .withZone(ZoneOffset.UTC).format(Instant.now()));
  }

  /** Where the folder of the last local mode started on this machine is written, for {@code ferry local get}. */
  public static Path lastInstanceFile() {
    return Path.of(System.getProperty("user.home"), ".cache", "ferry", "local", "last");
  }

  private static void rememberAsLast(Path dir) {
    try {
      Files.createDirectories(lastInstanceFile().getParent());
      Files.writeString(lastInstanceFile(), dir.toAbsolutePath().normalize().toString());
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(LocalMode.class).debug("could not note {} as the last local instance: {}", dir,
          e.getMessage());
    }
  }

  public static Path kubeconfig(Path dir) {
    return dir.toAbsolutePath().resolve(".ferry-local").resolve("kubeconfig");
  }

  /** Starts everything and applies the folder's manifests; returns the problems found in them. */
  public List<String> start() throws IOException {
    LocalMapping mapping = LocalMapping.load(options.dir());
    Files.createDirectories(runDir);
    // Every local process and the operator's own HTTP clients reach Services through this map.
    Path servicesFile = stateDir.resolve("services.json");
    if (!Files.exists(servicesFile) || !options.controlPlane()) {
      dev.ferry.net.ServiceUrls.write(servicesFile, java.util.Map.of());
    }
    if (options.controlPlane()) {
      startControlPlane(mapping, servicesFile);
    } else {
      startEmbedded(mapping, servicesFile);
    }
    java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put(dev.ferry.net.ServiceUrls.ENV_LOCAL_SERVICES, servicesFile.toString());
    view = new ProgressView(client, options.out(), pod -> options.dir().toAbsolutePath().relativize(logFile(pod))
        .toString(), servicesFile).start();
    rememberAsLast(options.dir());
    gateway = dev.ferry.local.gateway.LocalGateway.start(client, options.gatewayPort(), servicesFile);
    Files.writeString(stateDir.resolve("gateway"), "http://127.0.0.1:" + gateway.port() + "\n");
    reports = LocalReports.start(client, mapping, 0);
    Files.writeString(stateDir.resolve("reports.url"), "http://127.0.0.1:" + reports.port() + "/drift/\n");
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    operator = new FerryOperator(client, options.config(), Clock.systemUTC(), false,
        dev.ferry.operator.OutsideSystems.real(env), registry).start();
    if (options.metricsPort() >= 0) {
      http = dev.ferry.operator.OperatorHttpServer.start(options.metricsPort(), operator.operator(), registry);
      options.out().println("ferry local: metrics on http://127.0.0.1:" + http.port() + "/metrics");
    }
    options.out().println("ferry local: API server " + client.getConfiguration().getMasterUrl() + "  kubeconfig "
        + kubeconfig(options.dir()) + "  pod logs " + runDir.resolve("pods"));
    options.out().println("ferry local: gateway http://127.0.0.1:" + gateway.port()
        + " (routes requests by the HTTPRoutes of ModelDeployments with spec.traffic)");
    options.out().println("ferry local: drift reports http://127.0.0.1:" + reports.port() + "/drift/");

    ManifestLoader.Result manifests = ManifestLoader.load(options.dir());
    problems.addAll(manifests.problems());
    for (HasMetadata object : manifests.objects()) {
      try {
        ensureNamespace(object.getMetadata().getNamespace());
        client.resource(object).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == java.net.HttpURLConnection.HTTP_CONFLICT && options.controlPlane()) {
          continue; // kept from the last start: the state resumes, the manifest is not applied twice
        }
        problems.add(object.getKind() + "/" + object.getMetadata().getName() + ": not applied: " + e.getMessage());
      }
    }
    problems.forEach(p -> options.out().println("error: " + p));
    return List.copyOf(problems);
  }

  /** The embedded API server, with small controllers standing in for the cluster's. */
  private void startEmbedded(LocalMapping mapping, Path servicesFile) throws IOException {
    api = EmbeddedApiServer.startForKubectl(options.port(), (namespace, name, container) -> {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      return pod == null || runner == null ? java.util.Optional.empty()
          : java.util.Optional.of(container == null ? runner.logFile(pod) : runner.logFile(pod, container));
    });
    writeKubeconfig();
    client = api.client();
    KubernetesClient client = this.client;
    LocalLaunch launcher = new LocalLaunch(mapping, options.config().ferryImage(), options.selfCommand(),
        java.util.Map.of(dev.ferry.net.ServiceUrls.ENV_LOCAL_SERVICES, servicesFile.toString()),
        (namespace, name) -> configMapFolder(client, runDir, namespace, name),
        (namespace, name) -> secretData(client, namespace, name));
    runner = new ProcessContainerRunner(launcher, runDir);
    servers = new ProcessServerRunner(launcher, runDir, servicesFile);
    jobs = new LocalJobController(client, runner, Clock.systemUTC(), 4).start();
    gc = new LocalGarbageCollector(client).start(500);
    deployments = new LocalDeploymentController(client, servers).start(1000);
    cronJobs = new LocalCronJobController(client, Clock.systemUTC()).start(1000);
    serviceMapTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "local-services");
      t.setDaemon(true);
      return t;
    });
    serviceMapTimer.scheduleWithFixedDelay(() -> servers.refreshServices(client), 500, 500,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * A real kube-apiserver, etcd and kube-controller-manager, whose data lives under the local
   * folder (a restart resumes with every run, version and history), and the node agent that runs
   * their pods as local processes. The real Job, Deployment, CronJob and garbage-collector
   * controllers do what the small local ones do in the default mode.
   */
  private void startControlPlane(LocalMapping mapping, Path servicesFile) throws IOException {
    try {
      Path binDir = dev.ferry.controlplane.ControlPlaneBinaries.locate(options.dir().toAbsolutePath());
      plane = dev.ferry.controlplane.ControlPlane.start(new dev.ferry.controlplane.ControlPlane.Options(binDir,
          stateDir.resolve("control-plane"), true, options.out()));
      client = plane.adminClient();
      installCrds(client);
      Files.writeString(kubeconfig(options.dir()), plane.kubeconfigText(plane.adminToken()));
      node = NodeAgent.create(client, "ferry-local", mapping, options.config().ferryImage(), options.selfCommand(),
          runDir, servicesFile, new NodeAgent.Cluster(plane.url(), plane.caCert())).start();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the control plane", e);
    }
  }

  /** A Secret's values as a kubelet hands them to a container (data decoded, stringData as is), or null. */
  static java.util.Map<String, String> secretData(KubernetesClient client, String namespace, String name) {
    io.fabric8.kubernetes.api.model.Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      return null;
    }
    java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((key, value) -> values.put(key,
          new String(java.util.Base64.getDecoder().decode(value), java.nio.charset.StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      values.putAll(secret.getStringData());
    }
    return values;
  }

  /** The CRDs this build of Ferry was generated with, applied server-side (an upgrade replaces older ones). */
  private static void installCrds(KubernetesClient client) throws IOException {
    for (String kind : List.of("trainingpipelines", "trainingruns", "modelversions", "modeldeployments",
        "driftpolicies")) {
      String resource = "META-INF/fabric8/" + kind + ".ferry.dev-v1.yml";
      try (var in = LocalMode.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException(resource + " is not in this build of Ferry");
        }
        for (HasMetadata crd : client.load(in).items()) {
          client.resource(crd).fieldManager("ferry-local").forceConflicts().serverSideApply();
          client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
              .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                  && c.getStatus().getConditions().stream().anyMatch(cond -> "Established".equals(cond.getType())
                      && "True".equals(cond.getStatus())), 60, java.util.concurrent.TimeUnit.SECONDS);
        }
      }
    }
    var gatewayApi = EmbeddedApiServer.gatewayApiCrd();
    gatewayApi.getMetadata().setManagedFields(null);
    client.resource(gatewayApi).fieldManager("ferry-local").forceConflicts().serverSideApply();
  }

  /** A real API server refuses objects in a namespace that does not exist; the embedded one does not care. */
  private void ensureNamespace(String namespace) {
    if (!options.controlPlane() || namespace == null || client.namespaces().withName(namespace).get() != null) {
      return;
    }
    try {
      client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
          .withName(namespace).addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build())
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != java.net.HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private Path logFile(Pod pod) {
    return node != null ? node.logFile(pod) : runner.logFile(pod);
  }

  /** A ConfigMap volume, as the kubelet mounts it: one file per key, under {@code runDir}. */
  static Path configMapFolder(KubernetesClient client, Path runDir, String namespace, String name)
      throws IOException {
    var configMap = client.configMaps().inNamespace(namespace).withName(name).get();
    if (configMap == null) {
      throw new IOException("ConfigMap " + namespace + "/" + name + " does not exist");
    }
    Path folder = runDir.resolve("configmaps").resolve(namespace).resolve(name);
    Files.createDirectories(folder);
    if (configMap.getData() != null) {
      for (var entry : configMap.getData().entrySet()) {
        Files.writeString(folder.resolve(entry.getKey()), entry.getValue());
      }
    }
    return folder;
  }

  private void writeKubeconfig() throws IOException {
    String config = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: ferry-local
          cluster: {server: %s}
        contexts:
        - name: ferry-local
          context: {cluster: ferry-local, user: ferry-local, namespace: default}
        current-context: ferry-local
        users:
        - name: ferry-local
          user: {}
        """.formatted(api.url().replaceAll("/$", ""));
    Files.writeString(kubeconfig(options.dir()), config);
  }

  /** Port of /metrics, when the local mode serves it. */
  public int metricsPort() {
    return http == null ? -1 : http.port();
  }

  public KubernetesClient client() {
    return client;
  }

  public Path runDir() {
    return runDir;
  }

  /** The local gateway's port: requests sent there are routed by the HTTPRoutes. */
  public int gatewayPort() {
    return gateway.port();
  }

  /** The port of the drift reports (/drift/). */
  public int reportsPort() {
    return reports.port();
  }

  /** The map from Service addresses to local ports (FERRY_LOCAL_SERVICES of every local process). */
  public Path servicesFile() {
    return stateDir.resolve("services.json");
  }

  /** Phases in which a ModelDeployment is still moving (an invalid one has no phase: it waits for a fix). */
  private static final java.util.Set<String> MOVING_PHASES = java.util.Set.of("Staging", "SmokeTesting", "Canary",
      "Promoting", "RollingBack");

  /** Waits until nothing runs and nothing is due within the idle horizon, for two looks in a row. */
  public void awaitIdle(Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int quiet = 0;
    while (Instant.now().isBefore(deadline)) {
      quiet = isIdle() ? quiet + 1 : 0;
      if (quiet >= 3) {
        return;
      }
      Thread.sleep(500);
    }
    options.out().println("ferry local: still busy after " + timeout.toSeconds() + " s; stopping anyway");
  }

  boolean isIdle() {
    if (jobs != null && jobs.activeJobs() > 0) {
      return false;
    }
    Instant horizon = Instant.now().plus(options.idleHorizon());
    boolean jobsDone = client.batch().v1().jobs().inAnyNamespace().list().getItems().stream()
        .allMatch(j -> j.getStatus() != null && j.getStatus().getConditions() != null
            && !j.getStatus().getConditions().isEmpty());
    boolean runsDone = client.resources(TrainingRun.class).inAnyNamespace().list().getItems().stream()
        .allMatch(r -> r.getStatus() != null && (r.getStatus().phase == Phase.Succeeded
            || r.getStatus().phase == Phase.Failed || !Conditions.isTrue(r.getStatus(), Conditions.READY)));
    boolean versionsJudged = client.resources(ModelVersion.class).inAnyNamespace().list().getItems().stream()
        .allMatch(v -> v.getStatus() != null && Conditions.find(v.getStatus(), "Validated").isPresent());
    boolean pipelinesSettled = client.resources(TrainingPipeline.class).inAnyNamespace().list().getItems().stream()
        .allMatch(p -> p.getStatus() != null && Objects.equals(p.getStatus().observedGeneration,
            p.getMetadata().getGeneration()) && (p.getStatus().nextScheduledRun == null
            || Times.parse(p.getStatus().nextScheduledRun).isAfter(horizon)));
    List<ModelVersion> versions = client.resources(ModelVersion.class).inAnyNamespace().list().getItems();
    boolean deploymentsSettled = client.resources(ModelDeployment.class).inAnyNamespace().list().getItems().stream()
        .allMatch(d -> d.getStatus() != null && Objects.equals(d.getStatus().observedGeneration,
            d.getMetadata().getGeneration()) && !MOVING_PHASES.contains(String.valueOf(d.getStatus().phase))
            && !newerValidatedVersion(d, versions));
    boolean checksRead = client.resources(DriftPolicy.class).inAnyNamespace().list().getItems().stream()
        .allMatch(p -> p.getStatus() != null && (p.getStatus().baseline != null || !hasProduction(client, p))
            && client.batch().v1().jobs().inNamespace(p.getMetadata().getNamespace())
            .withLabel(dev.ferry.api.v1alpha1.Ferry.LABEL_DRIFT_POLICY, p.getMetadata().getName()).list().getItems()
            .stream().allMatch(j -> p.getStatus().history.stream().anyMatch(c -> j.getMetadata().getName().equals(c.job))));
    return jobsDone && runsDone && versionsJudged && pipelinesSettled && deploymentsSettled && checksRead;
  }

  private static boolean hasProduction(KubernetesClient client, DriftPolicy policy) {
    ModelDeployment md = client.resources(ModelDeployment.class).inNamespace(policy.getMetadata().getNamespace())
        .withName(policy.getSpec().deployment).get();
    return md != null && md.getStatus() != null && md.getStatus().productionVersion != null;
  }

  /** A validated version the deployment has not taken up yet: it is about to move. */
  private static boolean newerValidatedVersion(ModelDeployment d, List<ModelVersion> versions) {
    if (d.getSpec() == null || d.getSpec().model == null) {
      return false; // an invalid deployment (Ready=False InvalidSpec) waits for a fix, not for a version
    }
    long production = d.getStatus().productionVersion == null ? 0 : d.getStatus().productionVersion;
    return d.getSpec().version == null && versions.stream()
        .filter(v -> v.getSpec() != null && d.getSpec().model.equals(v.getSpec().model))
        .filter(v -> v.getMetadata().getNamespace().equals(d.getMetadata().getNamespace()))
        .filter(v -> v.getStatus() != null && Conditions.isTrue(v.getStatus(), "Validated"))
        .anyMatch(v -> v.getSpec().version > production && !d.getStatus().rejectedVersions.contains(v.getSpec().version));
  }

  /** Resources that ended failed: failed runs, rejected versions, anything not Ready. */
  public List<String> failures() {
    List<String> failed = new ArrayList<>();
    for (Class<? extends HasMetadata> kind : KINDS) {
      for (HasMetadata object : client.resources(kind).inAnyNamespace().list().getItems()) {
        String name = object.getKind() + "/" + object.getMetadata().getName();
        if (object instanceof TrainingRun run && run.getStatus() != null && run.getStatus().phase == Phase.Failed) {
          failed.add(name + ": " + Conditions.find(run.getStatus(), "Succeeded").map(c -> c.getMessage()).orElse(""));
        } else if (object instanceof ModelVersion version && version.getStatus() != null
            && Conditions.find(version.getStatus(), "Validated").filter(c -> "False".equals(c.getStatus())).isPresent()) {
          failed.add(name + ": not validated: " + Conditions.find(version.getStatus(), "Validated").get().getMessage());
        } else if (object instanceof io.fabric8.kubernetes.client.CustomResource<?, ?> resource
            && resource.getStatus() instanceof FerryStatus status
            && Conditions.find(status, Conditions.READY).filter(c -> "False".equals(c.getStatus())).isPresent()) {
          failed.add(name + ": " + Conditions.find(status, Conditions.READY).get().getReason() + ": "
              + Conditions.find(status, Conditions.READY).get().getMessage());
        }
      }
    }
    return failed;
  }

  /** Writes every object as YAML, one file per kind. */
  public void dump(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (Class<? extends HasMetadata> kind : KINDS) {
      List<? extends HasMetadata> items = client.resources(kind).inAnyNamespace().list().getItems();
      StringBuilder yaml = new StringBuilder();
      for (HasMetadata item : items) {
        yaml.append(Serialization.asYaml(item));
      }
      Files.writeString(dir.resolve(kind.getSimpleName().toLowerCase() + "s.yaml"), yaml.toString());
    }
  }

  @Override
  public void close() {
    if (runner != null) {
      runner.close();
    }
    if (serviceMapTimer != null) {
      serviceMapTimer.shutdownNow();
    }
    for (AutoCloseable part : new AutoCloseable[] {reports, gateway, http, view, jobs, gc, deployments, cronJobs, operator,
        servers, node}) {
      try {
        if (part != null) {
          part.close();
        }
      } catch (Exception e) {
        // Shutting down: nothing more to do with a part that failed to stop.
      }
    }
    if (api != null) {
      api.close();
    }
    if (plane != null) {
      client.close();
      plane.close();
    }
  }
}
