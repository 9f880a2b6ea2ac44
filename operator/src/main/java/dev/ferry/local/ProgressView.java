package dev.ferry.local;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.FerryStatus;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingPipeline;
import dev.ferry.api.v1alpha1.TrainingRun;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A live table, like {@code kubectl get -w} over every kind at once: one line each time an
 * object's summary changes (elapsed time, kind, name, status).
 */
public class ProgressView implements AutoCloseable {
  private final KubernetesClient client;
  private final PrintStream out;
  private final Instant start;
  private final Function<Pod, String> podLog;
  private final Map<String, String> lastLine = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  private final Path servicesFile;

  /** @param servicesFile the local mode's service map, to show where served models answer; null: cluster URLs only */
  public ProgressView(KubernetesClient client, PrintStream out, Function<Pod, String> podLog, Path servicesFile) {
    this.client = client;
    this.out = out;
    this.start = Instant.now();
    this.podLog = podLog;
    this.servicesFile = servicesFile;
  }

  public ProgressView start() {
    out.printf("%-7s %-17s %-40s %s%n", "TIME", "KIND", "NAME", "STATUS");
    watch(TrainingPipeline.class);
    watch(TrainingRun.class);
    watch(Job.class);
    watch(Pod.class);
    watch(ModelVersion.class);
    watch(ModelDeployment.class);
    watch(io.fabric8.kubernetes.api.model.apps.Deployment.class);
    watch(DriftPolicy.class);
    return this;
  }

  private <T extends HasMetadata> void watch(Class<T> kind) {
    informers.add(client.resources(kind).inAnyNamespace().inform(new ResourceEventHandler<T>() {
      @Override
      public void onAdd(T obj) {
        show(obj, false);
      }

      @Override
      public void onUpdate(T oldObj, T obj) {
        show(obj, false);
      }

      @Override
      public void onDelete(T obj, boolean unknown) {
        show(obj, true);
      }
    }));
  }

  private synchronized void show(HasMetadata object, boolean deleted) {
    String key = object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    String status = deleted ? "deleted" : summary(object);
    if (status.equals(lastLine.put(key, status))) {
      return;
    }
    long seconds = Duration.between(start, Instant.now()).toSeconds();
    out.printf(Locale.ROOT, "%-7s %-17s %-40s %s%n", String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60),
        object.getKind(), object.getMetadata().getName(), status);
  }

  /** One line that says where an object stands. */
  String summary(HasMetadata object) {
    if (object instanceof TrainingRun run && run.getStatus() != null) {
      String phase = run.getStatus().phase == null ? "Pending" : run.getStatus().phase.name();
      String detail = run.getStatus().currentStep != null ? "step " + run.getStatus().currentStep
          : run.getStatus().modelVersion != null ? "registered " + run.getStatus().modelVersion : failure(run.getStatus());
      return phase + (detail.isEmpty() ? "" : "  " + detail);
    }
    if (object instanceof ModelVersion version && version.getStatus() != null) {
      String metrics = version.getSpec() == null || version.getSpec().metrics == null ? ""
          : version.getSpec().metrics.entrySet().stream().filter(e -> !e.getKey().startsWith("train_"))
              .limit(4).map(e -> e.getKey() + "=" + number(e.getValue()))
              .collect(Collectors.joining(" "));
      return conditions(version.getStatus()) + "  stage=" + version.getStatus().stage + "  " + metrics;
    }
    if (object instanceof ModelDeployment deployment && deployment.getStatus() != null) {
      var st = deployment.getStatus();
      return st.phase + "  production=" + (st.productionVersion == null ? "none" : "v" + st.productionVersion)
          + (st.candidateVersion == null ? "" : "  candidate=v" + st.candidateVersion)
          + (st.canary == null ? "" : "  canary=" + st.canary.weight + "%")
          + (st.productionVersion == null ? "" : "  " + served(deployment, deployment.getMetadata().getName()))
          + (st.stagingVersion == null ? "" : "  staging " + served(deployment,
              dev.ferry.serving.ServingBuilders.stagingServiceName(deployment)));
    }
    if (object instanceof DriftPolicy policy && policy.getStatus() != null) {
      var st = policy.getStatus();
      return (st.lastCheck == null ? "no check yet" : "last check " + st.lastCheck.result + " ("
          + st.lastCheck.driftedFeatures + "/" + st.lastCheck.features + " features drifted)")
          + (st.lastAction == null ? "" : "  last action " + st.lastAction.kind + " " + st.lastAction.target);
    }
    if (object instanceof TrainingPipeline pipeline && pipeline.getStatus() != null) {
      return conditions(pipeline.getStatus());
    }
    if (object instanceof Job job) {
      return job.getStatus() == null ? "Created" : job.getStatus().getConditions() == null
          || job.getStatus().getConditions().isEmpty() ? "Running"
          : job.getStatus().getConditions().get(0).getType()
              + (job.getStatus().getConditions().get(0).getReason() == null ? ""
              : " (" + job.getStatus().getConditions().get(0).getReason() + ")");
    }
    if (object instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
      return "ready " + (d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0
          : d.getStatus().getReadyReplicas()) + "/" + d.getSpec().getReplicas() + "  track="
          + d.getMetadata().getLabels().get(dev.ferry.api.v1alpha1.Ferry.LABEL_TRACK);
    }
    if (object instanceof Pod pod) {
      String phase = pod.getStatus() == null ? "Pending" : pod.getStatus().getPhase();
      return phase + ("Running".equals(phase) ? "  log: " + podLog.apply(pod) : "");
    }
    return "Created";
  }

  /** A metric as people write it: a count as an integer (rows=442), a score to four digits (auc=0.7968). */
  static String number(Double value) {
    if (value == null) {
      return "null";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString(value.longValue());
    }
    return String.format(Locale.ROOT, "%.4g", value);
  }

  /**
   * Where a Service of a deployment answers on this machine, and its name in the cluster:
   * {@code http://127.0.0.1:43625 (churn.default.svc:8080)}.
   */
  String served(ModelDeployment deployment, String service) {
    String url = dev.ferry.serving.ServingBuilders.url(deployment, service);
    if (servicesFile == null || !java.nio.file.Files.exists(servicesFile)) {
      return url;
    }
    try {
      String local = dev.ferry.net.ServiceUrls.resolve(url, Map.of(dev.ferry.net.ServiceUrls.ENV_LOCAL_SERVICES,
          servicesFile.toString(), dev.ferry.net.ServiceUrls.ENV_NAMESPACE, deployment.getMetadata().getNamespace()));
      return local.equals(url) ? url : local + " (" + url.replaceFirst("^http://", "") + ")";
    } catch (RuntimeException e) {
      return url; // the map is being replaced; the next line shows the address
    }
  }

  private static String failure(dev.ferry.api.v1alpha1.TrainingRunStatus status) {
    return status.conditions.stream().filter(c -> "False".equals(c.getStatus()) && "Succeeded".equals(c.getType()))
        .map(c -> c.getMessage()).findFirst().orElse("");
  }

  private static String conditions(FerryStatus status) {
    return status.conditions.stream()
        .map(c -> c.getType() + "=" + c.getStatus() + ("True".equals(c.getStatus()) ? "" : "(" + c.getReason() + ")"))
        .collect(Collectors.joining(" "));
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
