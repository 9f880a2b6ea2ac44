package dev.ferry.local;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Deployment controller: a Deployment with replicas gets its server running through a
 * {@link ServerRunner}, and its status reports ready replicas as the readiness probe would. A
 * periodic pass picks up servers that become ready later, or stop being ready.
 */
public class LocalDeploymentController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalDeploymentController.class);
  private final KubernetesClient client;
  private final ServerRunner runner;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-deployments");
    t.setDaemon(true);
    return t;
  });
  private SharedIndexInformer<Deployment> informer;

  public LocalDeploymentController(KubernetesClient client, ServerRunner runner) {
    this.client = client;
    this.runner = runner;
  }

  public LocalDeploymentController start(long periodMillis) {
    informer = client.apps().deployments().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {
        timer.execute(() -> sync(d));
      }

      @Override
      public void onUpdate(Deployment old, Deployment d) {
        timer.execute(() -> sync(d));
      }

      @Override
      public void onDelete(Deployment d, boolean unknown) {
        timer.execute(() -> runner.stop(d));
      }
    });
    timer.scheduleWithFixedDelay(() -> informer.getStore().list().forEach(this::sync), periodMillis, periodMillis,
        TimeUnit.MILLISECONDS);
    return this;
  }

  private void sync(Deployment deployment) {
    try {
      int wanted = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
      int ready = 0;
      if (wanted > 0) {
        ready = Math.min(wanted, runner.ensureRunning(deployment));
      } else {
        runner.stop(deployment);
      }
      DeploymentStatus status = deployment.getStatus();
      int readyNow = ready;
      if (status != null && Objects.equals(status.getReadyReplicas(), readyNow)
          && Objects.equals(status.getReplicas(), wanted)
          && Objects.equals(status.getObservedGeneration(), deployment.getMetadata().getGeneration())) {
        return;
      }
      client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace())
          .withName(deployment.getMetadata().getName()).edit(d -> {
            DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
            s.setReplicas(d.getSpec().getReplicas());
            s.setReadyReplicas(readyNow);
            s.setAvailableReplicas(readyNow);
            s.setUpdatedReplicas(d.getSpec().getReplicas());
            s.setObservedGeneration(d.getMetadata().getGeneration());
            d.setStatus(s);
            return d;
          });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        LOG.debug("local Deployment {} not synced: {}", deployment.getMetadata().getName(), e.getMessage());
      }
    } catch (RuntimeException e) {
      LOG.warn("local Deployment {} could not be run: {}", deployment.getMetadata().getName(), e.getMessage());
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    timer.shutdownNow();
  }
}
