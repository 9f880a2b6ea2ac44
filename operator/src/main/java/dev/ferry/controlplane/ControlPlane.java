package dev.ferry.controlplane;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver and kube-controller-manager
 * built from the Go module proxy ({@code tools/control-plane/build.sh}), with generated PKI,
 * token authentication, RBAC authorization and the default admission chain (PodSecurity
 * included). Everything lives in one folder, so starting again on the same folder resumes the
 * same cluster; {@link #close()} stops exactly the three processes this object started.
 *
 * <p>There is no scheduler and no kubelet: {@code dev.ferry.local.NodeAgent} binds pods and runs
 * them. The real Job, ReplicaSet, Deployment, CronJob, EndpointSlice, ServiceAccount, namespace
 * and garbage-collector controllers do everything else.
 */
public final class ControlPlane implements AutoCloseable {
  /** The first address of the service range: the {@code kubernetes} Service's ClusterIP. */
  static final String SERVICE_RANGE = "10.96.0.0/16";
  static final String KUBERNETES_SERVICE_IP = "10.96.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  /**
   * @param binDir the folder with etcd, kube-apiserver and kube-controller-manager
   * @param dir where the cluster's state, PKI, tokens and logs live
   * @param durable false for throw-away test clusters: etcd skips fsync, much faster on shared disks
   */
  public record Options(Path binDir, Path dir, boolean durable, PrintStream progress) {
  }

  private final Options options;
  private final Pki pki;
  private final Map<String, String> tokens;
  private final Properties ports;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private Duration startup;

  private ControlPlane(Options options, Pki pki, Map<String, String> tokens, Properties ports) {
    this.options = options;
    this.pki = pki;
    this.tokens = tokens;
    this.ports = ports;
  }

  /** Starts the three processes on the folder's state (made on first use) and waits until they serve. */
  public static ControlPlane start(Options options) throws IOException, InterruptedException {
    Instant begin = Instant.now();
    Path dir = options.dir().toAbsolutePath();
    Files.createDirectories(dir.resolve("logs"));
    Pki pki = Pki.ensure(dir.resolve("pki"), KUBERNETES_SERVICE_IP);
    Map<String, String> tokens = tokens(dir.resolve("tokens.csv"));
    Properties ports = ports(dir.resolve("ports.properties"));
    ControlPlane plane = new ControlPlane(options, pki, tokens, ports);
    try {
      plane.startAll();
      plane.startup = Duration.between(begin, Instant.now());
      return plane;
    } catch (IOException | InterruptedException | RuntimeException e) {
      plane.close();
      throw e;
    }
  }

  private void startAll() throws IOException, InterruptedException {
    Path dir = options.dir().toAbsolutePath();
    int etcdClient = port("etcd.client");
    int etcdPeer = port("etcd.peer");
    int apiPort = port("apiserver");
    List<String> etcd = new ArrayList<>(List.of(bin("etcd"), "--name=ferry", "--data-dir=" + dir.resolve("etcd"),
        "--listen-client-urls=http://127.0.0.1:" + etcdClient, "--advertise-client-urls=http://127.0.0.1:" + etcdClient,
        "--listen-peer-urls=http://127.0.0.1:" + etcdPeer, "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeer,
        "--initial-cluster=ferry=http://127.0.0.1:" + etcdPeer, "--listen-metrics-urls=", "--log-level=warn",
        "--quota-backend-bytes=2147483648"));
    if (!options.durable()) {
      etcd.add("--unsafe-no-fsync");
    }
    launch("etcd", etcd);
    say("etcd on 127.0.0.1:" + etcdClient + " (data " + dir.resolve("etcd") + ")");

    // Every request's user, verb, resource and response code: what tests read to count refusals.
    Path auditPolicy = dir.resolve("audit-policy.yaml");
    Files.writeString(auditPolicy, """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: Metadata
        """);
    launch("kube-apiserver", List.of(bin("kube-apiserver"),
        "--audit-policy-file=" + auditPolicy, "--audit-log-path=" + auditLog(),
        "--audit-log-maxsize=200", "--audit-log-maxbackup=1",
        "--etcd-servers=http://127.0.0.1:" + etcdClient,
        "--bind-address=127.0.0.1", "--secure-port=" + apiPort,
        // 1.37 refuses a loopback advertise address unless nothing reconciles the endpoints.
        "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
        "--tls-cert-file=" + pki.servingCert(), "--tls-private-key-file=" + pki.servingKey(),
        "--client-ca-file=" + pki.caCert(),
        "--token-auth-file=" + dir.resolve("tokens.csv"),
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + pki.serviceAccountPublicKey(),
        "--service-account-signing-key-file=" + pki.serviceAccountKey(),
        "--service-cluster-ip-range=" + SERVICE_RANGE,
        "--allow-privileged=false",
        "--profiling=false", "--v=1"));
    awaitApiServer(apiPort);
    say("kube-apiserver on " + url());

    Path kcmConfig = dir.resolve("kube-controller-manager.kubeconfig");
    Files.writeString(kcmConfig, kubeconfigText(tokens.get("system:kube-controller-manager")));
    launch("kube-controller-manager", List.of(bin("kube-controller-manager"),
        "--kubeconfig=" + kcmConfig, "--authentication-kubeconfig=" + kcmConfig,
        "--authorization-kubeconfig=" + kcmConfig,
        "--controllers=*", "--leader-elect=false", "--use-service-account-credentials=true",
        "--service-account-private-key-file=" + pki.serviceAccountKey(), "--root-ca-file=" + pki.caCert(),
        "--bind-address=127.0.0.1", "--secure-port=" + port("controller-manager"),
        // By default it creates a folder under /usr/libexec; keep everything in the cluster's folder.
        "--flex-volume-plugin-dir=" + dir.resolve("flexvolume"),
        "--profiling=false", "--v=1"));
    Files.writeString(kubeconfig(), kubeconfigText(adminToken()));
    awaitControllers();
    say("kube-controller-manager running");
  }

  private void launch(String name, List<String> command) throws IOException {
    Path log = options.dir().toAbsolutePath().resolve("logs").resolve(name + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    processes.put(name, process);
  }

  private String bin(String name) throws IOException {
    Path binary = options.binDir().resolve(name);
    if (!Files.isExecutable(binary)) {
      throw new IOException(binary + " is missing: build the control plane with tools/control-plane/build.sh");
    }
    return binary.toString();
  }

  private void awaitApiServer(int apiPort) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(pki.caCert()))
        .connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest readyz = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + apiPort + "/readyz"))
        .header("Authorization", "Bearer " + adminToken()).timeout(Duration.ofSeconds(5)).GET().build();
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    String last = "no answer";
    while (Instant.now().isBefore(deadline)) {
      checkAlive();
      try {
        HttpResponse<String> response = http.send(readyz, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body().lines().filter(l -> l.contains("failed"))
            .findFirst().orElse("");
      } catch (IOException e) {
        last = e.getMessage();
      }
      Thread.sleep(250);
    }
    throw new IOException("kube-apiserver not ready after " + READY_TIMEOUT.toSeconds() + " s (" + last + "); see "
        + options.dir().resolve("logs"));
  }

  /** The controllers are running once the ServiceAccount controller has made {@code default/default}. */
  private void awaitControllers() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    try (KubernetesClient client = adminClient()) {
      while (Instant.now().isBefore(deadline)) {
        checkAlive();
        if (client.serviceAccounts().inNamespace("default").withName("default").get() != null) {
          return;
        }
        Thread.sleep(250);
      }
    }
    throw new IOException("kube-controller-manager made no ServiceAccount in " + READY_TIMEOUT.toSeconds()
        + " s; see " + options.dir().resolve("logs"));
  }

  private void checkAlive() throws IOException {
    for (var entry : processes.entrySet()) {
      if (!entry.getValue().isAlive()) {
        throw new IOException(entry.getKey() + " exited with code " + entry.getValue().exitValue() + "; see "
            + options.dir().toAbsolutePath().resolve("logs").resolve(entry.getKey() + ".log"));
      }
    }
  }

  public String url() {
    return "https://127.0.0.1:" + ports.getProperty("apiserver");
  }

  /** The API server's audit log: one JSON event per request, at the Metadata level. */
  public Path auditLog() {
    return options.dir().toAbsolutePath().resolve("logs").resolve("audit.log");
  }

  /** A kubeconfig for the cluster's administrator (group system:masters). */
  public Path kubeconfig() {
    return options.dir().toAbsolutePath().resolve("kubeconfig");
  }

  public Path caCert() {
    return pki.caCert();
  }

  public String adminToken() {
    return tokens.get("ferry-admin");
  }

  /** How long {@link #start} took, from nothing running to all three serving. */
  public Duration startup() {
    return startup;
  }

  public Config config(String token) {
    return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withOauthToken(token)
        .withCaCertFile(pki.caCert().toString()).withNamespace("default")
        .withRequestTimeout(30_000).withConnectionTimeout(10_000).build();
  }

  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(config(adminToken())).build();
  }

  /** A kubeconfig text for {@code token}, trusting the cluster's CA. */
  public String kubeconfigText(String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: ferry
          cluster:
            server: %s
            certificate-authority: %s
        contexts:
        - name: ferry
          context: {cluster: ferry, user: ferry, namespace: default}
        current-context: ferry
        users:
        - name: ferry
          user:
            token: %s
        """.formatted(url(), pki.caCert(), token);
  }

  /** Resident memory of each process, in KiB, read from /proc (empty where /proc is not there). */
  public Map<String, Long> residentKib() {
    Map<String, Long> rss = new LinkedHashMap<>();
    processes.forEach((name, process) -> {
      try {
        Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
            .filter(l -> l.startsWith("VmRSS:")).findFirst()
            .ifPresent(l -> rss.put(name, Long.parseLong(l.replaceAll("\\D", ""))));
      } catch (IOException | NumberFormatException e) {
        // Gone or not Linux: leave it out.
      }
    });
    return rss;
  }

  /** Process ids of what this object started, by name. */
  public Map<String, Long> pids() {
    Map<String, Long> pids = new LinkedHashMap<>();
    processes.forEach((name, process) -> pids.put(name, process.pid()));
    return pids;
  }

  /** Stops what this object started, newest first: SIGTERM, then SIGKILL after a grace period. */
  @Override
  public void close() {
    List<String> names = new ArrayList<>(processes.keySet());
    java.util.Collections.reverse(names);
    for (String name : names) {
      Process process = processes.get(name);
      process.destroy();
      try {
        if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  private void say(String line) {
    if (options.progress() != null) {
      options.progress().println("control plane: " + line);
    }
  }

  private int port(String name) throws IOException {
    return Integer.parseInt(ports.getProperty(name));
  }

  /** Ports chosen on first start and kept, so a restart on the same folder is the same cluster. */
  private static Properties ports(Path file) throws IOException {
    Properties ports = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        ports.load(in);
      }
    }
    boolean changed = false;
    for (String name : List.of("etcd.client", "etcd.peer", "apiserver", "controller-manager")) {
      String kept = ports.getProperty(name);
      if (kept == null || !free(Integer.parseInt(kept))) {
        ports.setProperty(name, String.valueOf(freePort()));
        changed = true;
      }
    }
    if (changed) {
      try (OutputStream out = Files.newOutputStream(file)) {
        ports.store(out, "ports of this control plane");
      }
    }
    return ports;
  }

  /** Static tokens (user -> token), made once: the administrator and the controller manager. */
  private static Map<String, String> tokens(Path file) throws IOException {
    Map<String, String> tokens = new LinkedHashMap<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file)) {
        String[] fields = line.split(",");
        if (fields.length >= 2) {
          tokens.put(fields[1], fields[0]);
        }
      }
    }
    if (!tokens.containsKey("ferry-admin") || !tokens.containsKey("system:kube-controller-manager")) {
      SecureRandom random = new SecureRandom();
      tokens.put("ferry-admin", randomToken(random));
      tokens.put("system:kube-controller-manager", randomToken(random));
      Files.writeString(file, tokens.get("ferry-admin") + ",ferry-admin,ferry-admin,\"system:masters\"\n"
          + tokens.get("system:kube-controller-manager")
          + ",system:kube-controller-manager,system:kube-controller-manager\n");
      try {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not POSIX: nothing more to do.
      }
    }
    return tokens;
  }

  private static String randomToken(SecureRandom random) {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static SSLContext trusting(Path caCert) throws IOException {
    try (InputStream in = Files.newInputStream(caCert)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot read " + caCert + ": " + e.getMessage(), e);
    }
  }
}
