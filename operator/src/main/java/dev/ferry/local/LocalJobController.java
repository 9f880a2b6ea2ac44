package dev.ferry.local;

import dev.ferry.kube.Times;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
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
      Duration left = deadline == null ? null : Duration.between(clock.instant(), deadline);
      ContainerRunner.Exit exit = left != null && (left.isNegative() || left.isZero())
          ? new ContainerRunner.Exit(137, "", "DeadlineExceeded", null)
          : runner.run(pod, pod.getSpec().getContainers().get(0), left);
      boolean deadlinePassed = deadline != null && !clock.instant().isBefore(deadline);
      finishPod(pod, exit);
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
    Map<String, String> labels = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
      labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put("job-name", job.getMetadata().getName());
    labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
    labels.put("controller-uid", job.getMetadata().getUid());
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(job.getMetadata().getName() + "-" + attempt)
          .withNamespace(job.getMetadata().getNamespace())
          .withLabels(labels)
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
              .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
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

  private void finishPod(Pod pod, ContainerRunner.Exit exit) {
    String message = truncate(exit.terminationMessage());
    String now = Times.format(clock.instant());
    var container = pod.getSpec().getContainers().get(0);
    var status = new ContainerStatusBuilder()
        .withName(container.getName())
        .withImage(container.getImage())
        .withImageID(exit.imageId() == null ? "" : exit.imageId())
        .withReady(false)
        .withRestartCount(0)
        .withState(new ContainerStateBuilder().withNewTerminated()
            .withExitCode(exit.exitCode())
            .withReason(exit.reason() != null ? exit.reason() : exit.exitCode() == 0 ? "Completed" : "Error")
            .withMessage(message.isEmpty() ? null : message)
            .withStartedAt(pod.getStatus().getStartTime()).withFinishedAt(now)
            .endTerminated().build())
        .build();
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
        p.getStatus().setPhase(exit.exitCode() == 0 ? "Succeeded" : "Failed");
        p.getStatus().setContainerStatuses(new ArrayList<>(List.of(status)));
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
