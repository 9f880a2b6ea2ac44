package dev.ferry.bench;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunStatus.Phase;
import dev.ferry.kube.Conditions;
import dev.ferry.local.ContainerRunner;
import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.local.LocalJobController;
import dev.ferry.operator.FerryConfig;
import dev.ferry.operator.FerryOperator;
import dev.ferry.registry.ModelVersionReconciler;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Scale harness: N TrainingPipelines, one manual 3-step TrainingRun each, against the in-process
 * mock API server, with the local Job controller completing every Job at once. It reports time to
 * converge, the operator's API requests per run, reconciles per resource and heap growth; then
 * restarts the operator on the converged state and reports its writes and reconciles per resource.
 * Exits 1 when a target is missed, so it can be rerun as a check. See benchmarks/README.md.
 *
 * <p>Every pipeline trains its own model (model = pipeline name): version numbers are allocated per
 * model, so one shared model would measure contention on version allocation, not scale.
 */
public final class ScaleBenchmark {
  static final String NS = "bench";
  static final double MIB = 1024.0 * 1024.0;

  // Targets, from the issue.
  static final double MAX_RESTART_RECONCILES_PER_RESOURCE = 1.05;
  static final long MAX_RESTART_WRITES = 0;
  static final double MAX_HEAP_GROWTH_MIB = 150;

  private final Options options;
  private final List<String> failures = new ArrayList<>();

  record Options(int pipelines, int jobParallelism, Duration quiet, Duration timeout, Duration stall,
      boolean details) {
    static Options parse(String[] args) {
      int pipelines = 100;
      int jobParallelism = 16;
      long quietMillis = 3000;
      Long timeoutSeconds = null;
      long stallSeconds = 120;
      boolean details = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--pipelines" -> pipelines = Integer.parseInt(args[++i]);
          case "--job-parallelism" -> jobParallelism = Integer.parseInt(args[++i]);
          case "--quiet-ms" -> quietMillis = Long.parseLong(args[++i]);
          case "--timeout-seconds" -> timeoutSeconds = Long.parseLong(args[++i]);
          case "--stall-seconds" -> stallSeconds = Long.parseLong(args[++i]);
          case "--details" -> details = true;
          case "--help", "-h" -> {
            System.out.println("usage: ScaleBenchmark [--pipelines N (100)] [--job-parallelism P (16)] [--quiet-ms 3000]"
                + " [--timeout-seconds (120 + N)] [--stall-seconds 120] [--details]");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
        }
      }
      long timeout = timeoutSeconds != null ? timeoutSeconds : 120 + pipelines;
      return new Options(pipelines, jobParallelism, Duration.ofMillis(quietMillis), Duration.ofSeconds(timeout),
          Duration.ofSeconds(stallSeconds), details);
    }
  }

  ScaleBenchmark(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    // Before any logger exists: per-run INFO lines from Ferry and JOSDK would swamp the report.
    System.setProperty("org.slf4j.simpleLogger.log.dev.ferry", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.io.javaoperatorsdk", "warn");
    Options options = Options.parse(args);
    int code;
    try {
      code = new ScaleBenchmark(options).run() ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      code = 2;
    }
    System.out.flush();
    System.exit(code);
  }

  /** A kubelet that finishes every step at once: evaluate reports an auc that passes the 0.8 gate. */
  static final class InstantRunner implements ContainerRunner {
    @Override
    public Exit run(Pod pod, Container container, Duration timeout) {
      String step = pod.getMetadata().getLabels().get(Ferry.LABEL_STEP);
      String result = "evaluate".equals(step) ? "{\"metrics\":{\"auc\":0.9}}" : "{}";
      return new Exit(0, result, "Completed", "docker-pullable://" + container.getImage() + "@sha256:" + "a".repeat(64));
    }
  }

  boolean run() throws Exception {
    int n = options.pipelines();
    System.out.printf(Locale.ROOT, "Ferry scale benchmark: %d pipelines x 1 manual 3-step run, distinct models,"
        + " Job parallelism %d%n", n, options.jobParallelism());
    try (EmbeddedApiServer api = EmbeddedApiServer.start(0)) {
      KubernetesClient harness = api.client();
      try (LocalJobController jobs = new LocalJobController(harness, new InstantRunner(), Clock.systemUTC(),
          options.jobParallelism()).start()) {

        // Phase 1: the first operator drives N runs to convergence.
        RequestCounter requests1 = new RequestCounter();
        ReconcileCounter reconciles1 = new ReconcileCounter();
        FerryOperator operator = startOperator(api, requests1, reconciles1);
        long heapBase = usedHeapAfterGc();
        RequestCounter.Snapshot idle = requests1.snapshot();

        Progress progress = new Progress(harness);
        long t0 = System.nanoTime();
        // Created in the background (pipeline, then its run), so progress shows while they are created.
        CompletableFuture<Double> created = CompletableFuture.supplyAsync(() -> {
          for (int i = 0; i < n && progress.createFailure == null; i++) {
            String name = String.format(Locale.ROOT, "p%05d", i);
            TrainingPipeline pipeline = Fixtures.pipeline(name);
            pipeline.getSpec().model = name;
            try {
              create(harness, pipeline);
              create(harness, Fixtures.manualRun(name + "-r1", name));
            } catch (RuntimeException e) {
              progress.createFailure = e;
              e.printStackTrace();
            }
            progress.created.incrementAndGet();
          }
          return seconds(System.nanoTime() - t0);
        }, runnable -> {
          Thread thread = new Thread(runnable, "bench-create");
          thread.setDaemon(true);
          thread.start();
        });
        boolean converged = waitFor(() -> progress.converged(n), progress, reconciles1, requests1, t0);
        double convergeSeconds = seconds(System.nanoTime() - t0);
        double createSeconds = created.isDone() ? created.join() : Double.NaN;
        waitUntil(() -> reconciles1.quietFor(options.quiet().toNanos()), options.timeout());
        RequestCounter.Snapshot phase1 = requests1.snapshot().minus(idle);
        String stateAtConvergence = progress.describe(n);
        progress.close();
        long heapConverged = usedHeapAfterGc();

        // Phase 2: stop it, start a fresh operator (new client, same server) on the converged state.
        operator.close();
        long heapOperatorStopped = usedHeapAfterGc();
        Set<String> expected = primaries(harness);
        RequestCounter requests2 = new RequestCounter();
        ReconcileCounter reconciles2 = new ReconcileCounter();
        long t1 = System.nanoTime();
        operator = startOperator(api, requests2, reconciles2);
        boolean allSeen = waitUntil(() -> reconciles2.reconciled().containsAll(expected)
            && reconciles2.quietFor(options.quiet().toNanos()), options.timeout());
        double restartSeconds = seconds(System.nanoTime() - t1);
        RequestCounter.Snapshot phase2 = requests2.snapshot();
        operator.close();

        report(n, converged, stateAtConvergence, createSeconds, convergeSeconds, phase1, reconciles1,
            heapBase, heapConverged, heapOperatorStopped, expected, allSeen, restartSeconds, phase2, reconciles2);
      }
    }
    System.out.println(failures.isEmpty() ? "RESULT: PASS" : "RESULT: FAIL (" + String.join("; ", failures) + ")");
    return failures.isEmpty();
  }

  private FerryOperator startOperator(EmbeddedApiServer api, RequestCounter requests, ReconcileCounter reconciles) {
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(api.client().getConfiguration()).build())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("ferry-bench-requests", requests))
        .build();
    return new FerryOperator(client, new FerryConfig(FerryConfig.DEFAULT_IMAGE, Set.of()), Clock.systemUTC(), true,
        dev.ferry.operator.OutsideSystems.real(java.util.Map.of()),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), reconciles).start();
  }

  private static <T extends HasMetadata> void create(KubernetesClient client, T resource) {
    resource.getMetadata().setNamespace(NS);
    client.resource(resource).create();
  }

  /** Every primary resource of the operator's three controllers, as the reconcile counter keys them. */
  private static Set<String> primaries(KubernetesClient client) {
    Set<String> keys = new HashSet<>();
    for (Class<? extends HasMetadata> kind : List.of(TrainingPipeline.class, TrainingRun.class, ModelVersion.class)) {
      client.resources(kind).inAnyNamespace().list().getItems().forEach(r -> keys.add(ReconcileCounter.key(r)));
    }
    return keys;
  }

  /** Watches runs and versions through the harness's client (informers, not polling lists). */
  static final class Progress implements AutoCloseable {
    private final SharedIndexInformer<TrainingRun> runs;
    private final SharedIndexInformer<ModelVersion> versions;
    final AtomicInteger created = new AtomicInteger();
    volatile RuntimeException createFailure;

    Progress(KubernetesClient client) {
      runs = client.resources(TrainingRun.class).inNamespace(NS).inform();
      versions = client.resources(ModelVersion.class).inNamespace(NS).inform();
    }

    long runs(Phase phase) {
      return runs.getStore().list().stream()
          .filter(r -> r.getStatus() != null && r.getStatus().phase == phase).count();
    }

    long versions(String validated) {
      return versions.getStore().list().stream()
          .filter(v -> Conditions.find(v.getStatus(), ModelVersionReconciler.VALIDATED)
              .map(c -> validated.equals(c.getStatus())).orElse(false))
          .count();
    }

    boolean converged(int n) {
      return runs(Phase.Succeeded) == n && versions(Conditions.TRUE) == n;
    }

    long progress() {
      return runs(Phase.Succeeded) + runs(Phase.Failed) + versions(Conditions.TRUE) + versions(Conditions.FALSE);
    }

    String describe(int n) {
      return String.format(Locale.ROOT, "%d/%d runs Succeeded (%d Failed), %d/%d ModelVersions Validated=True"
          + " (%d False)", runs(Phase.Succeeded), n, runs(Phase.Failed), versions(Conditions.TRUE), n,
          versions(Conditions.FALSE));
    }

    String describeProgress(int n) {
      return created.get() + "/" + n + " created, " + describe(n);
    }

    String failedRuns() {
      return runs.getStore().list().stream().filter(r -> r.getStatus() != null && r.getStatus().phase == Phase.Failed)
          .limit(3).map(r -> r.getMetadata().getName() + ": " + Conditions.find(r.getStatus(), "Succeeded")
              .map(c -> c.getMessage()).orElse("?"))
          .collect(Collectors.joining("; "));
    }

    @Override
    public void close() {
      runs.close();
      versions.close();
    }
  }

  /** Waits for convergence with a progress line every 10 s; gives up at the timeout or when nothing moves. */
  private boolean waitFor(BooleanSupplier done, Progress progress, ReconcileCounter reconciles,
      RequestCounter requests, long t0) throws InterruptedException {
    long deadline = t0 + options.timeout().toNanos();
    long lastProgress = -1;
    long lastMove = System.nanoTime();
    long nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!done.getAsBoolean()) {
      long now = System.nanoTime();
      long p = progress.progress() + progress.created.get();
      if (p != lastProgress) {
        lastProgress = p;
        lastMove = now;
      }
      if (now >= nextReport) {
        RequestCounter.Snapshot s = requests.snapshot();
        System.out.printf(Locale.ROOT, "  %5.0f s  %s; %d reconciles, %d reads, %d writes%n", seconds(now - t0),
            progress.describeProgress(options.pipelines()), reconciles.total(), s.reads(), s.writes());
        nextReport = now + Duration.ofSeconds(10).toNanos();
      }
      if (now >= deadline) {
        System.out.println("  timed out after " + options.timeout());
        break;
      }
      if (progress.createFailure != null) {
        System.out.println("  creating the pipelines and runs failed: " + progress.createFailure);
        break;
      }
      if (now - lastMove >= options.stall().toNanos()) {
        System.out.println("  no progress for " + options.stall() + "; giving up");
        break;
      }
      Thread.sleep(200);
    }
    String failed = progress.failedRuns();
    if (!failed.isEmpty()) {
      System.out.println("  failed runs, e.g.: " + failed);
    }
    return done.getAsBoolean();
  }

  private static boolean waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      failures.add(what);
    }
  }

  private void report(int n, boolean converged, String state, double createSeconds, double convergeSeconds,
      RequestCounter.Snapshot phase1, ReconcileCounter reconciles1, long heapBase, long heapConverged,
      long heapOperatorStopped, Set<String> expected, boolean allSeen, double restartSeconds,
      RequestCounter.Snapshot phase2, ReconcileCounter reconciles2) {
    double growth = (heapConverged - heapBase) / MIB;
    double restartPerResource = expected.isEmpty() ? 0 : (double) reconciles2.total() / expected.size();
    Set<String> missed = new HashSet<>(expected);
    missed.removeAll(reconciles2.reconciled());
    check(converged, "not every run converged");
    check(reconciles1.failures() == 0 && reconciles2.failures() == 0, "failed reconciles");
    check(phase2.writes() <= MAX_RESTART_WRITES, "restart made " + phase2.writes() + " writes");
    check(allSeen && missed.isEmpty(), "restart: " + missed.size() + " resources not reconciled or never quiet");
    check(restartPerResource <= MAX_RESTART_RECONCILES_PER_RESOURCE,
        String.format(Locale.ROOT, "restart reconciles per resource %.3f", restartPerResource));
    check(growth <= MAX_HEAP_GROWTH_MIB, String.format(Locale.ROOT, "heap growth %.1f MiB", growth));

    String row = "  %-28s %-64s %s%n";
    System.out.println();
    System.out.printf(Locale.ROOT, "N = %d pipelines (%d primary resources)%n", n, expected.size());
    System.out.println("Phase 1: create and converge");
    System.out.printf(Locale.ROOT, row, "converged", state, verdict(converged, "all"));
    System.out.printf(Locale.ROOT, row, "time to converge",
        String.format(Locale.ROOT, "%.1f s (creating the %d objects took %.1f s)", convergeSeconds, 2 * n,
            createSeconds), "");
    System.out.printf(Locale.ROOT, row, "API requests per run", perRun(phase1, n), "");
    System.out.printf(Locale.ROOT, row, "reconciles per resource", perResource(reconciles1), "");
    System.out.printf(Locale.ROOT, row, "heap after GC",
        String.format(Locale.ROOT, "%.1f -> %.1f MiB: +%.1f MiB (%.1f KiB/run; operator's share %.1f MiB)",
            heapBase / MIB, heapConverged / MIB, growth, (heapConverged - heapBase) / 1024.0 / n,
            (heapConverged - heapOperatorStopped) / MIB),
        verdict(growth <= MAX_HEAP_GROWTH_MIB, "<= " + (int) MAX_HEAP_GROWTH_MIB + " MiB"));
    System.out.println("Phase 2: restart on the converged state (fresh operator and client, same server)");
    System.out.printf(Locale.ROOT, row, "writes", phase2.writes() + " " + phase2.byVerbAndResource().entrySet().stream()
        .filter(e -> RequestCounter.Verb.valueOf(e.getKey().split(" ")[0].toUpperCase()).isWrite())
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", "(", ")")),
        verdict(phase2.writes() <= MAX_RESTART_WRITES, "0"));
    System.out.printf(Locale.ROOT, row, "reads",
        String.format(Locale.ROOT, "%d get, %d list, %d watch", phase2.get(RequestCounter.Verb.GET),
            phase2.get(RequestCounter.Verb.LIST), phase2.get(RequestCounter.Verb.WATCH)), "");
    System.out.printf(Locale.ROOT, row, "reconciles per resource",
        String.format(Locale.ROOT, "%.3f (%d / %d; %d more than once; %d never) by kind %s", restartPerResource,
            reconciles2.total(), expected.size(), reconciles2.reconciledMoreThanOnce(), missed.size(),
            perResource(reconciles2).replaceFirst("^[^(]*", "")),
        verdict(restartPerResource <= MAX_RESTART_RECONCILES_PER_RESOURCE && missed.isEmpty(), "<= 1.05"));
    System.out.printf(Locale.ROOT, row, "time to reconcile all",
        String.format(Locale.ROOT, "%.1f s (incl. %.0f s quiet)", restartSeconds, options.quiet().toMillis() / 1000.0),
        "");
    if (reconciles1.failures() + reconciles2.failures() > 0) {
      System.out.printf(Locale.ROOT, row, "failed reconciles",
          reconciles1.failures() + " + " + reconciles2.failures() + " (restart)", "FAIL");
    }
    if (options.details()) {
      System.out.println("Phase 1 requests by verb and resource, per run:");
      phase1.byVerbAndResource().forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-40s %8.2f%n", k, (double) v / n));
      System.out.println("Phase 2 requests by verb and resource (total):");
      phase2.byVerbAndResource().forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-40s %8d%n", k, v));
      System.out.println("Events received (phase 1 | restart):");
      Set<String> types = new java.util.TreeSet<>(reconciles1.events().keySet());
      types.addAll(reconciles2.events().keySet());
      types.forEach(t -> System.out.printf(Locale.ROOT, "  %-40s %8d | %d%n", t,
          reconciles1.events().getOrDefault(t, 0L), reconciles2.events().getOrDefault(t, 0L)));
    }
  }

  private static String perRun(RequestCounter.Snapshot s, int n) {
    return String.format(Locale.ROOT, "%.1f reads (%.1f get, %.1f list), %.1f writes; + %d watches in all",
        (double) s.reads() / n, (double) s.get(RequestCounter.Verb.GET) / n,
        (double) s.get(RequestCounter.Verb.LIST) / n, (double) s.writes() / n, s.get(RequestCounter.Verb.WATCH));
  }

  private static String perResource(ReconcileCounter r) {
    Map<String, Long> totals = r.byKind();
    Map<String, Long> resources = r.resourcesByKind();
    long all = resources.values().stream().mapToLong(Long::longValue).sum();
    return String.format(Locale.ROOT, "%.2f (%s)", all == 0 ? 0 : (double) r.total() / all,
        totals.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(),
            (double) e.getValue() / resources.get(e.getKey()))).collect(Collectors.joining(", ")));
  }

  private static String verdict(boolean ok, String target) {
    return (ok ? "OK" : "MISSED") + " (target " + target + ")";
  }
}
