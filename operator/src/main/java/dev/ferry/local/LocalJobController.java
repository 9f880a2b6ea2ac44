package dev.ferry.local;

import dev.ferry.kube.Times;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Job controller and the kubelet for a cluster that has neither (the local mode and the
 * tests): each new Job gets a pod per attempt, its container runs through a {@link ContainerRunner},
 * and pod and Job status are written as Kubernetes writes them: start and completion times,
 * active/succeeded/failed counts, retries up to backoffLimit, activeDeadlineSeconds, and the
 * termination message truncated at 4 KiB. Kept out of the operator's code path on purpose.
 */
public class LocalJobController implements AutoCloseable {
  /** The kubelet's limit on a termination message. */
  public static final int MAX_TERMINATION_MESSAGE = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(LocalJobController.class);

  private final KubernetesClient client;
  private final ContainerRunner runner;
  private final Clock clock;
  private final ExecutorService workers;
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final AtomicInteger running = new AtomicInteger();
  private SharedIndexInformer<Job> informer;

  public LocalJobController(KubernetesClient client, ContainerRunner runner, Clock clock, int parallelism) {
    this.client = client;
    this.runner = runner;
    this.clock = clock;
    this.workers = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "local-job");
      t.setDaemon(true);
      return t;
    });
  }

  public LocalJobController start() {
    informer = client.batch().v1().jobs().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Job job) {
        submit(job);
      }

      @Override
      public void onUpdate(Job oldJob, Job job) {
        submit(job);
      }

      @Override
      public void onDelete(Job job, boolean deletedFinalStateUnknown) {
      }
    });
    return this;
  }

  /** Jobs whose pods are running now. */
  public int activeJobs() {
    return running.get();
  }

  private void submit(Job job) {
    if (isFinished(job) || !started.add(job.getMetadata().getUid())) {
      return;
    }
    running.incrementAndGet();
    workers.submit(() -> {
      try {
        runJob(job);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.warn("local Job {}/{} could not be run: {}", job.getMetadata().getNamespace(), job.getMetadata().getName(),
            e.getMessage());
      } finally {
        running.decrementAndGet();
      }
    });
  }

  private void runJob(Job job) throws InterruptedException {
    if ("Indexed".equals(job.getSpec().getCompletionMode())) {
      runIndexedJob(job);
      return;
    }
    int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
    Long deadlineSeconds = job.getSpec().getActiveDeadlineSeconds();
    Instant startTime = clock.instant();
    Instant deadline = deadlineSeconds == null ? null : startTime.plusSeconds(deadlineSeconds);
    int failed = 0;
    for (int attempt = 0; ; attempt++) {
      int failedSoFar = failed;
      if (!updateJob(job, s -> {
        s.setStartTime(Times.format(startTime));
        s.setActive(1);
        s.setFailed(failedSoFar == 0 ? null : failedSoFar);
      })) {
        return;
      }
      Pod pod = createPod(job, attempt);
      PodRun podRun = runContainers(pod, deadline);
      ContainerRunner.Exit exit = podRun.last();
      boolean deadlinePassed = deadline != null && !clock.instant().isBefore(deadline);
      finishPod(pod, podRun);
      if (exit.exitCode() == 0 && !deadlinePassed) {
        updateJob(job, s -> {
          s.setActive(null);
          s.setSucceeded(1);
          s.setCompletionTime(Times.format(clock.instant()));
          s.setConditions(List.of(condition("Complete", null, null)));
        });
        return;
      }
      failed++;
      if (deadlinePassed || failed > backoffLimit) {
        int failedTotal = failed;
        String reason = deadlinePassed ? "DeadlineExceeded" : "BackoffLimitExceeded";
        String message = deadlinePassed ? "Job was active longer than specified deadline"
            : "Job has reached the specified backoff limit";
        updateJob(job, s -> {
          s.setActive(null);
          s.setFailed(failedTotal);
          s.setConditions(List.of(condition("Failed", reason, message)));
        });
        return;
      }
    }
  }

  /**
   * An Indexed Job: one pod per index, all at once, as a distributed step's workers need. Locally
   * the pods share the loopback interface: host names under the Job's headless Service (its
   * pod template's subdomain) stand for 127.0.0.1, and MASTER_PORT for a free port, so two Jobs
   * never meet on 29500. The first failure ends the Job and stops the other workers.
   */
  private void runIndexedJob(Job job) throws InterruptedException {
    int completions = job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
    Long deadlineSeconds = job.getSpec().getActiveDeadlineSeconds();
    Instant startTime = clock.instant();
    Instant deadline = deadlineSeconds == null ? null : startTime.plusSeconds(deadlineSeconds);
    if (!updateJob(job, s -> {
      s.setStartTime(Times.format(startTime));
      s.setActive(completions);
    })) {
      return;
    }
    String port = String.valueOf(freePort());
    ExecutorService pool = Executors.newFixedThreadPool(completions, r -> {
      Thread t = new Thread(r, "local-worker-" + job.getMetadata().getName());
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.ExecutorCompletionService<PodRun> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
    List<java.util.concurrent.Future<PodRun>> futures = new ArrayList<>();
    for (int index = 0; index < completions; index++) {
      Pod pod = createPod(job, index, String.valueOf(index), port);
      futures.add(done.submit(() -> {
        PodRun run = runContainers(pod, deadline);
        finishPod(pod, run);
        return run;
      }));
    }
    int succeeded = 0;
    boolean failed = false;
    try {
      for (int i = 0; i < completions && !failed; i++) {
        PodRun run = done.take().get();
        if (run.last().exitCode() == 0) {
          succeeded++;
        } else {
          failed = true;
        }
      }
    } catch (java.util.concurrent.ExecutionException e) {
      failed = true;
      LOG.warn("local Job {}: a worker could not run: {}", job.getMetadata().getName(), e.getCause().getMessage());
    } finally {
      futures.forEach(f -> f.cancel(true)); // the others cannot finish without the one that failed
      pool.shutdownNow();
    }
    boolean deadlinePassed = deadline != null && !clock.instant().isBefore(deadline);
    int succeededTotal = succeeded;
    if (!failed && !deadlinePassed) {
      updateJob(job, s -> {
        s.setActive(null);
        s.setSucceeded(succeededTotal);
        s.setCompletionTime(Times.format(clock.instant()));
        s.setConditions(List.of(condition("Complete", null, null)));
      });
      return;
    }
    String reason = deadlinePassed ? "DeadlineExceeded" : "BackoffLimitExceeded";
    String message = deadlinePassed ? "Job was active longer than specified deadline"
        : "Job has reached the specified backoff limit";
    updateJob(job, s -> {
      s.setActive(null);
      s.setSucceeded(succeededTotal == 0 ? null : succeededTotal);
      s.setFailed(1);
      s.setConditions(List.of(condition("Failed", reason, message)));
    });
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("no free local port for the workers' rendezvous", e);
    }
  }

  private static io.fabric8.kubernetes.api.model.batch.v1.JobCondition condition(String type, String reason,
      String message) {
    String now = Times.format(Instant.now());
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
        .withLastProbeTime(now).withLastTransitionTime(now).build();
  }

  /** Edits the Job's status; false when the Job is gone (deleted while running). */
  private boolean updateJob(Job job, java.util.function.Consumer<JobStatus> change) {
    try {
      Job current = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName()).get();
      if (current == null || !current.getMetadata().getUid().equals(job.getMetadata().getUid())) {
        return false;
      }
      // The mock API server gives built-in kinds no status subresource: edit the whole object.
      client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
          .edit(j -> {
            if (j.getSpec().getSelector() == null) {
              // The API server's default, by which kubectl logs job/NAME finds the Job's pods.
              j.getSpec().setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                  .addToMatchLabels("controller-uid", j.getMetadata().getUid()).build());
            }
            if (j.getStatus() == null) {
              j.setStatus(new JobStatus());
            }
            change.accept(j.getStatus());
            return j;
          });
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private Pod createPod(Job job, int attempt) {
    return createPod(job, attempt, null, null);
  }

  /**
   * A pod of the Job; for an Indexed Job's {@code index}, with the index as the Job controller
   * gives it (annotation and JOB_COMPLETION_INDEX) and the local stand-ins for the workers'
   * addresses ({@code port} for MASTER_PORT).
   */
  private Pod createPod(Job job, int attempt, String index, String port) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
      labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put("job-name", job.getMetadata().getName());
    labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
    labels.put("controller-uid", job.getMetadata().getUid());
    Map<String, String> annotations = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata() != null
        && job.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
      annotations.putAll(job.getSpec().getTemplate().getMetadata().getAnnotations());
    }
    if (index != null) {
      annotations.put(dev.ferry.pipeline.DistributedStep.INDEX_ANNOTATION, index);
      labels.put(dev.ferry.pipeline.DistributedStep.INDEX_ANNOTATION, index);
    }
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(job.getMetadata().getName() + "-" + attempt)
          .withNamespace(job.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(annotations.isEmpty() ? null : annotations)
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
              .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(index == null ? job.getSpec().getTemplate().getSpec()
            : indexedSpec(job.getSpec().getTemplate().getSpec(), index, port))
        .withNewStatus().withPhase("Running").withStartTime(Times.format(clock.instant())).endStatus()
        .build();
    // A pod of that name may be left from an earlier Job of the same name (deleted and created
    // again): the garbage collector removes it, so wait for it to go rather than take it over.
    for (int tries = 0; ; tries++) {
      try {
        return client.resource(pod).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || tries >= 50) {
          throw e;
        }
        Pod existing = client.resource(pod).get();
        if (existing != null && existing.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid()))) {
          return existing;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** How the pod's containers ended: the init containers' and the others', and the last that ran. */
  private record PodRun(List<ContainerStatus> init, List<ContainerStatus> main, ContainerRunner.Exit last) {
  }

  /**
   * Runs the init containers in order, then the containers, as a kubelet does for a pod with
   * restartPolicy Never (locally one after another): the first failure ends the pod.
   */
  private PodRun runContainers(Pod pod, Instant deadline) throws InterruptedException {
    List<ContainerStatus> init = new ArrayList<>();
    List<ContainerStatus> main = new ArrayList<>();
    ContainerRunner.Exit last = null;
    List<io.fabric8.kubernetes.api.model.Container> inits = pod.getSpec().getInitContainers() == null ? List.of()
        : pod.getSpec().getInitContainers();
    List<io.fabric8.kubernetes.api.model.Container> all = new ArrayList<>(inits);
    all.addAll(pod.getSpec().getContainers());
    try {
      for (int i = 0; i < all.size(); i++) {
        var container = all.get(i);
        String startedAt = Times.format(clock.instant());
        Duration left = deadline == null ? null : Duration.between(clock.instant(), deadline);
        last = left != null && (left.isNegative() || left.isZero())
            ? new ContainerRunner.Exit(137, "", "DeadlineExceeded", null)
            : runner.run(pod, container, left);
        (i < inits.size() ? init : main).add(terminated(container, last, startedAt));
        if (last.exitCode() != 0) {
          break;
        }
      }
    } finally {
      runner.release(pod);
    }
    return new PodRun(init, main, last);
  }

  private ContainerStatus terminated(io.fabric8.kubernetes.api.model.Container container, ContainerRunner.Exit exit,
      String startedAt) {
    String message = truncate(exit.terminationMessage());
    return new ContainerStatusBuilder()
        .withName(container.getName())
        .withImage(container.getImage())
        .withImageID(exit.imageId() == null ? "" : exit.imageId())
        .withReady(false)
        .withRestartCount(0)
        .withState(new ContainerStateBuilder().withNewTerminated()
            .withExitCode(exit.exitCode())
            .withReason(exit.reason() != null ? exit.reason() : exit.exitCode() == 0 ? "Completed" : "Error")
            .withMessage(message.isEmpty() ? null : message)
            .withStartedAt(startedAt).withFinishedAt(Times.format(clock.instant()))
            .endTerminated().build())
        .build();
  }

  /** The pod spec of one index: JOB_COMPLETION_INDEX, and the workers' addresses on loopback. */
  private static io.fabric8.kubernetes.api.model.PodSpec indexedSpec(io.fabric8.kubernetes.api.model.PodSpec template,
      String index, String port) {
    io.fabric8.kubernetes.api.model.PodSpec spec = new io.fabric8.kubernetes.api.model.PodSpecBuilder(template).build();
    String subdomain = spec.getSubdomain();
    List<io.fabric8.kubernetes.api.model.Container> all = new ArrayList<>(spec.getContainers());
    if (spec.getInitContainers() != null) {
      all.addAll(spec.getInitContainers());
    }
    for (var container : all) {
      List<io.fabric8.kubernetes.api.model.EnvVar> env = new ArrayList<>();
      env.add(new io.fabric8.kubernetes.api.model.EnvVar("JOB_COMPLETION_INDEX", index, null));
      if (container.getEnv() != null) {
        env.addAll(LocalLaunch.onLoopback(container.getEnv(), subdomain, port));
      }
      container.setEnv(env);
    }
    return spec;
  }

  private void finishPod(Pod pod, PodRun run) {
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
        p.getStatus().setPhase(run.last().exitCode() == 0 ? "Succeeded" : "Failed");
        if (!run.init().isEmpty()) {
          p.getStatus().setInitContainerStatuses(new ArrayList<>(run.init()));
        }
        p.getStatus().setContainerStatuses(new ArrayList<>(run.main()));
        return p;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** Truncates as the kubelet does: at most 4096 bytes of the message. */
  static String truncate(String message) {
    if (message == null) {
      return "";
    }
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_TERMINATION_MESSAGE) {
      return message;
    }
    return new String(bytes, 0, MAX_TERMINATION_MESSAGE, StandardCharsets.UTF_8);
  }

  private static boolean isFinished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> "True".equals(c.getStatus())
            && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    workers.shutdownNow();
  }
}
