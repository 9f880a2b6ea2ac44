package dev.ferry.testing;

import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import dev.ferry.local.EmbeddedApiServer;
import dev.ferry.local.LocalDeploymentController;
import dev.ferry.local.LocalGarbageCollector;
import dev.ferry.local.LocalJobController;
import dev.ferry.operator.FerryConfig;
import dev.ferry.operator.FerryOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The test cluster: an embedded API server with Ferry's CRDs, the production operator wiring,
 * and the local Job controller and garbage collector playing what a cluster would do.
 */
public abstract class OperatorTestBase {
  protected static final String NS = "ml";
  protected static final String FERRY_IMAGE = "ferry:test";

  protected EmbeddedApiServer api;
  protected KubernetesClient client;
  protected ManualClock clock;
  protected ScriptedRunner runner;
  protected FerryOperator operator;
  protected LocalJobController jobs;
  protected LocalGarbageCollector gc;
  protected LocalDeploymentController deployments;
  /** Server images whose pods never become ready; every other image is ready at once. */
  protected final java.util.Set<String> neverReady = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The Prometheus the drift policies' performance checks query; tests point it at a fake. */
  protected dev.ferry.serving.prometheus.PrometheusClient prometheus =
      new dev.ferry.serving.prometheus.HttpPrometheusClient(java.util.Map.of());
  /** What the canary analysis measures; tests replace it. */
  protected volatile dev.ferry.serving.AnalysisRunner analysis =
      check -> new dev.ferry.serving.RolloutPlanner.AnalysisResult(check.name, true, check.name + " ok");

  @BeforeEach
  void startCluster() {
    api = EmbeddedApiServer.start(0);
    client = api.client();
    clock = new ManualClock(Instant.parse("2030-01-01T10:03:30Z"));
    runner = new ScriptedRunner();
    jobs = new LocalJobController(client, runner, clock, 8).start();
    gc = new LocalGarbageCollector(client).start(200);
    deployments = new LocalDeploymentController(client, new dev.ferry.local.ServerRunner() {
      @Override
      public int ensureRunning(io.fabric8.kubernetes.api.model.apps.Deployment d) {
        String image = d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        return neverReady.contains(image) ? 0 : d.getSpec().getReplicas();
      }

      @Override
      public void stop(io.fabric8.kubernetes.api.model.apps.Deployment d) {
      }
    }).start(300);
    startOperator();
  }

  /** Requests of the operator that change something (every method but GET): a converged operator makes none. */
  protected final java.util.concurrent.atomic.AtomicLong operatorWrites = new java.util.concurrent.atomic.AtomicLong();
  /** Every request of the operator, as "METHOD uri", in order. */
  protected final java.util.Queue<String> operatorRequests = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /**
   * Faults to inject: the operator's next request whose "METHOD uri" a predicate matches fails
   * (as a crash or a lost connection would, after whatever it did before), and the predicate is used up.
   */
  protected final java.util.List<Predicate<String>> faults = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Requests the API server refuses with 403, as RBAC would: every one whose "METHOD uri" a predicate matches. */
  protected final java.util.List<Predicate<String>> forbidden = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The faults that fired, as "METHOD uri". */
  protected final java.util.Queue<String> injected = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * A kill -9 in process: once this operator has made {@link #dieAfterWrites} writes (the last one
   * committed), every later request it makes fails, so nothing it does afterwards reaches the
   * server; {@link #dead} says so, and a test starts a new operator, as a restarted pod would.
   */
  protected volatile int dieAfterWrites = Integer.MAX_VALUE;
  protected volatile boolean dead;
  private final java.util.concurrent.atomic.AtomicInteger lifeWrites = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Stops a killed operator and starts the next one, with a fresh write count. One killed while
   * starting keeps reading until its start returns (its writes fail from the kill on): JOSDK's
   * stop of an operator whose start threw stops its executor only, and its controllers' timers
   * would fire into it for the rest of the test run, where a killed process takes them with it.
   */
  protected void restartAfterKill(int nextDieAfterWrites) {
    stopOperator();
    lifeWrites.set(0);
    dieAfterWrites = nextDieAfterWrites;
    dead = false;
    starting = true;
    try {
      startOperator();
    } finally {
      starting = false;
    }
  }

  private volatile boolean starting;

  /** The poll interval of the kill-loop tests, between looks at a moving lifecycle. */
  protected static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected void startOperator() {
    // The operator's own client, so its writes can be told from the test's and the local controllers'.
    KubernetesClient operatorClient = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(client.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count-writes",
            new io.fabric8.kubernetes.client.http.Interceptor() {
              @Override
              public void before(io.fabric8.kubernetes.client.http.BasicBuilder builder,
                  io.fabric8.kubernetes.client.http.HttpRequest request,
                  io.fabric8.kubernetes.client.http.Interceptor.RequestTags tags) {
                String line = request.method() + " " + request.uri();
                if (dead && !(starting && "GET".equals(request.method()))) {
                  // A killed process sends nothing more: every request fails before it leaves.
                  throw new io.fabric8.kubernetes.client.KubernetesClientException("killed: " + line);
                }
                if (!"GET".equals(request.method()) && lifeWrites.incrementAndGet() >= dieAfterWrites) {
                  dead = true; // this write goes out; the process dies right after it
                }
                operatorRequests.add(line);
                if (!"GET".equals(request.method())) {
                  operatorWrites.incrementAndGet();
                }
                if (forbidden.stream().anyMatch(f -> f.test(line))) {
                  throw new io.fabric8.kubernetes.client.KubernetesClientException("forbidden: " + line, 403, null);
                }
                for (Predicate<String> fault : faults) {
                  if (fault.test(line) && faults.remove(fault)) {
                    injected.add(line);
                    throw new io.fabric8.kubernetes.client.KubernetesClientException("injected fault: " + line);
                  }
                }
              }
            }))
        .build();
    operator = new FerryOperator(operatorClient, new FerryConfig(FERRY_IMAGE, Set.of()), clock, true,
        new dev.ferry.operator.OutsideSystems(check -> analysis.check(check), prometheus, java.util.Map.of()),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
        io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics.withoutPerResourceMetrics(
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
        (informer, error) -> org.slf4j.LoggerFactory.getLogger(OperatorTestBase.class)
            .info("informer stopped ({}), as a killed operator's would", error == null ? "closed" : error.getMessage()));
    operator.start();
  }

  protected void stopOperator() {
    operator.close();
  }

  @AfterEach
  void stopCluster() {
    if (operator != null) {
      operator.close();
    }
    jobs.close();
    gc.close();
    deployments.close();
    api.close();
  }

  /**
   * What a kubelet reports for a Job's pod it cannot start (an image it cannot pull), created at the
   * operator's clock's now: the pod waits Pending, which no step, smoke test or check may do forever.
   */
  protected String podCannotStart(String jobName) {
    io.fabric8.kubernetes.api.model.Pod pod = await().atMost(java.time.Duration.ofSeconds(20)).until(
        () -> client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems(), l -> !l.isEmpty()).get(0);
    String container = pod.getSpec().getContainers().get(0).getName();
    client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).edit(p -> {
      p.getMetadata().setCreationTimestamp(dev.ferry.kube.Times.format(clock.instant()));
      return p;
    });
    client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.getStatus().setPhase("Pending");
      p.getStatus().setContainerStatuses(java.util.List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
          .withName(container).withReady(false).withRestartCount(0).withNewState().withNewWaiting()
          .withReason("ErrImagePull").withMessage("pull access denied for registry.example/ferry")
          .endWaiting().endState().build()));
      return p;
    });
    return pod.getMetadata().getName();
  }

  protected <T extends HasMetadata> T create(T resource) {
    resource.getMetadata().setNamespace(NS);
    return client.resource(resource).create();
  }

  protected <T extends HasMetadata> T get(Class<T> kind, String name) {
    return client.resources(kind).inNamespace(NS).withName(name).get();
  }

  protected <T extends HasMetadata> T awaitResource(Class<T> kind, String name, Predicate<T> condition) {
    try {
      return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> get(kind, name), r -> r != null && condition.test(r));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(kind.getSimpleName() + " " + name + " did not reach the expected state; last seen:\n"
          + io.fabric8.kubernetes.client.utils.Serialization.asYaml(get(kind, name)) + "\nJobs: "
          + client.batch().v1().jobs().inNamespace(NS).list().getItems().stream()
              .map(j -> j.getMetadata().getName() + "=" + j.getStatus()).toList(), e);
    }
  }

  protected TrainingRun awaitRunFinished(String name) {
    return awaitResource(TrainingRun.class, name, r -> r.getStatus() != null && r.getStatus().phase != null
        && (r.getStatus().phase.name().equals("Succeeded") || r.getStatus().phase.name().equals("Failed")));
  }

  protected ModelVersion awaitValidation(String name) {
    return awaitResource(ModelVersion.class, name, v -> v.getStatus() != null
        && Conditions.find(v.getStatus(), "Validated").filter(c -> !"Unknown".equals(c.getStatus())).isPresent());
  }

  protected TrainingPipeline awaitPipeline(String name, Predicate<TrainingPipeline> condition) {
    return awaitResource(TrainingPipeline.class, name, p -> p.getStatus() != null && condition.test(p));
  }
}
