package dev.ferry.e2e;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.ControlPlaneBinaries;
import dev.ferry.local.LocalMapping;
import dev.ferry.local.NodeAgent;
import dev.ferry.local.ProcessContainerRunner;
import dev.ferry.operator.FerryConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real control plane for end-to-end tests: etcd, kube-apiserver and kube-controller-manager
 * started once per test run (the first test class that needs it starts it; JUnit closes it when
 * the run ends), Ferry's CRDs installed by server-side apply, and a node agent that runs pods
 * as local processes with the quickstart's image mapping. Each test asks for its own namespace,
 * where PodSecurity {@code restricted} is enforced.
 *
 * <p>Use as {@code @RegisterExtension static final RealCluster cluster = RealCluster.shared();}.
 */
public final class RealCluster implements BeforeAllCallback {
  public static final Path ROOT = Path.of(System.getProperty("ferry.projectRoot", "..")).toAbsolutePath().normalize();
  public static final Path QUICKSTART = ROOT.resolve("examples").resolve("quickstart");
  public static final String FERRY_IMAGE = FerryConfig.defaults().ferryImage();
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private static final RealCluster SHARED = new RealCluster();
  private volatile Running running;

  /** What runs for the whole test run. */
  static final class Running implements AutoCloseable {
    final ControlPlane plane;
    final NodeAgent node;
    final KubernetesClient admin;
    final Path runDir;
    final Path servicesFile;

    Running(ControlPlane plane, NodeAgent node, KubernetesClient admin, Path runDir, Path servicesFile) {
      this.plane = plane;
      this.node = node;
      this.admin = admin;
      this.runDir = runDir;
      this.servicesFile = servicesFile;
    }

    @Override
    public void close() {
      node.close();
      admin.close();
      plane.close();
    }
  }

  private RealCluster() {
  }

  public static RealCluster shared() {
    return SHARED;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    synchronized (this) {
      if (running == null) {
        running = start();
        // Closed by JUnit when the whole run ends, after every class that shares it.
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(RealCluster.class.getName(),
            (AutoCloseable) () -> {
              running.close();
              running = null;
            });
      }
    }
  }

  private static Running start() throws IOException, InterruptedException {
    Path binDir = ControlPlaneBinaries.locate(ROOT);
    Path dir = ROOT.resolve("operator").resolve("target").resolve("control-plane");
    deleteTree(dir);
    Instant begin = Instant.now();
    ControlPlane plane = ControlPlane.start(new ControlPlane.Options(binDir, dir.resolve("cluster"), false, System.out));
    try {
      KubernetesClient admin = plane.adminClient();
      installCrds(admin);
      Path runDir = dir.resolve("node");
      Path servicesFile = runDir.resolve("services.json");
      // A copy: the models folder the mapping names is written to, and the examples stay as committed.
      Path quickstart = copyTree(QUICKSTART, dir.resolve("quickstart"));
      NodeAgent node = NodeAgent.create(admin, "ferry-node", LocalMapping.load(quickstart), FERRY_IMAGE,
          ProcessContainerRunner.selfCommand(), runDir, servicesFile,
          new NodeAgent.Cluster(plane.url(), plane.caCert())).start();
      System.out.printf("real cluster: control plane ready in %d ms (%s), RSS KiB %s%n",
          Duration.between(begin, Instant.now()).toMillis(), plane.url(), plane.residentKib());
      return new Running(plane, node, admin, runDir, servicesFile);
    } catch (IOException | RuntimeException e) {
      plane.close();
      throw e;
    }
  }

  /** The committed CRDs, applied as a platform team applies them: server-side, Ferry as the field manager. */
  static void installCrds(KubernetesClient client) throws IOException {
    installCrds(client, ROOT.resolve("crds"));
  }

  /** The CRDs in a folder (this build's, or an earlier one's kept as a fixture), established before it returns. */
  static void installCrds(KubernetesClient client, Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted()
          .toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata crd : client.load(in).items()) {
            client.resource(crd).fieldManager("ferry-e2e").forceConflicts().serverSideApply();
          }
        }
      }
    }
    client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
        .filter(c -> c.getSpec().getGroup().equals("ferry.dev"))
        .forEach(c -> client.apiextensions().v1().customResourceDefinitions().withName(c.getMetadata().getName())
            .waitUntilCondition(d -> d.getStatus() != null && d.getStatus().getConditions() != null
                && d.getStatus().getConditions().stream().anyMatch(cond -> "Established".equals(cond.getType())
                    && "True".equals(cond.getStatus())), 60, java.util.concurrent.TimeUnit.SECONDS));
  }

  public KubernetesClient admin() {
    return running().admin;
  }

  public ControlPlane plane() {
    return running().plane;
  }

  public NodeAgent node() {
    return running().node;
  }

  /** The service map every pod and the in-process operator resolve Service URLs through. */
  public Path servicesFile() {
    return running().servicesFile;
  }

  public Path runDir() {
    return running().runDir;
  }

  /**
   * The folder the node agent's mapping is read from (a copy of examples/quickstart): its data/
   * stands for the claim datasets, the folder itself for models/quickstart, so a test can put a
   * file where a pod finds it.
   */
  public Path mappedFolder() {
    running();
    return ROOT.resolve("operator").resolve("target").resolve("control-plane").resolve("quickstart");
  }

  /**
   * A fresh namespace for one test, named after it, with PodSecurity {@code restricted} enforced
   * (and warned and audited), ready once its default ServiceAccount exists.
   */
  public String namespace(String testName) {
    String base = testName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
    String name = (base.length() > 40 ? base.substring(0, 40) : base).replaceAll("-+$", "") + "-"
        + NAMESPACES.incrementAndGet();
    KubernetesClient client = admin();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
        .addToLabels("pod-security.kubernetes.io/warn", "restricted")
        .addToLabels("pod-security.kubernetes.io/audit", "restricted")
        .endMetadata().build()).create();
    client.serviceAccounts().inNamespace(name).withName("default")
        .waitUntilCondition(sa -> sa != null, 60, java.util.concurrent.TimeUnit.SECONDS);
    return name;
  }

  /** The quickstart's manifests as shipped, created in a namespace of the test's. */
  public void applyQuickstart(String namespace) throws IOException {
    for (String file : List.of("pipeline.yaml", "deployment.yaml", "drift-policy.yaml")) {
      try (InputStream in = Files.newInputStream(QUICKSTART.resolve(file))) {
        for (HasMetadata object : admin().load(in).items()) {
          object.getMetadata().setNamespace(namespace);
          admin().resource(object).create();
        }
      }
    }
  }

  private Running running() {
    if (running == null) {
      throw new IllegalStateException("register RealCluster with @RegisterExtension; it is started before all tests");
    }
    return running;
  }

  public static Path copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(p -> !p.toString().contains(".ferry-local")).toList()) {
        Path to = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else {
          Files.copy(file, to);
        }
      }
    }
    return target;
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The names of {@code items}, for messages. */
  public static List<String> names(List<? extends HasMetadata> items) {
    return items.stream().map(i -> i.getMetadata().getName()).sorted().toList();
  }
}
