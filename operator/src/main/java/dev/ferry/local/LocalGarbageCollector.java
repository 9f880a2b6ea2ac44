package dev.ferry.local;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the garbage collector: an object whose every owner is gone is deleted, and the sweep
 * repeats until nothing is left dangling, so deletion cascades (pipeline, runs, Jobs, pods) as
 * on a cluster. The mock API server has no garbage collector of its own.
 */
public class LocalGarbageCollector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalGarbageCollector.class);
  private static final List<Class<? extends HasMetadata>> KINDS = List.of(
      TrainingPipeline.class, TrainingRun.class, ModelVersion.class, ModelDeployment.class, DriftPolicy.class,
      Job.class, Pod.class, CronJob.class, Deployment.class, Service.class, ConfigMap.class);

  private final KubernetesClient client;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-gc");
    t.setDaemon(true);
    return t;
  });

  public LocalGarbageCollector(KubernetesClient client) {
    this.client = client;
  }

  public LocalGarbageCollector start(long periodMillis) {
    timer.scheduleWithFixedDelay(this::sweepQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (KubernetesClientException e) {
      LOG.debug("garbage collection pass failed, will retry: {}", e.getMessage());
    }
  }

  /** Deletes every object whose owners are all gone, until a pass deletes nothing; returns how many. */
  public int sweep() {
    int total = 0;
    for (int pass = 0; pass < 10; pass++) {
      List<HasMetadata> all = new ArrayList<>();
      for (Class<? extends HasMetadata> kind : KINDS) {
        all.addAll(client.resources(kind).inAnyNamespace().list().getItems());
      }
      Set<String> uids = new HashSet<>();
      all.forEach(o -> uids.add(o.getMetadata().getUid()));
      int deleted = 0;
      for (HasMetadata object : all) {
        var owners = object.getMetadata().getOwnerReferences();
        if (owners != null && !owners.isEmpty() && owners.stream().noneMatch(o -> uids.contains(o.getUid()))) {
          client.resource(object).delete();
          deleted++;
        }
      }
      total += deleted;
      if (deleted == 0) {
        break;
      }
    }
    return total;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
