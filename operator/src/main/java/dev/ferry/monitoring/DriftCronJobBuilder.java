package dev.ferry.monitoring;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.kube.Names;
import dev.ferry.kube.PodSecurity;
import dev.ferry.kube.PvcUris;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pure functions from a DriftPolicy to the CronJob that runs its drift check, and to a Job that runs it now. */
public final class DriftCronJobBuilder {
  private DriftCronJobBuilder() {
  }

  public static String cronJobName(DriftPolicy policy) {
    return Names.join(52, policy.getMetadata().getName(), "drift");
  }

  public static String checkNowJobName(DriftPolicy policy, String request) {
    return Names.join(Names.MAX_LABEL, policy.getMetadata().getName(), "drift-now", Names.shortHash(request, 8));
  }

  static Map<String, String> labels(DriftPolicy policy) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Ferry.LABEL_MANAGED_BY, Ferry.MANAGED_BY);
    labels.put(Ferry.LABEL_DRIFT_POLICY, policy.getMetadata().getName());
    return labels;
  }

  /** The report folder the Job writes to, kept on the Job: a later change of spec.report does not move old pages. */
  static Map<String, String> annotations(DriftPolicy policy) {
    DriftPolicySpec.ReportSpec report = policy.getSpec().report;
    return report == null ? Map.of() : Map.of(Ferry.ANNOTATION_REPORT_URI, report.uri.replaceAll("/+$", ""));
  }

  /**
   * spec.resources, or a default that bounds the check: a memory limit is what makes the JVM in
   * the pod choose a small heap (and, under 1792 MiB, the serial collector) instead of sizing
   * itself from the node.
   */
  static io.fabric8.kubernetes.api.model.ResourceRequirements resources(DriftPolicySpec spec) {
    if (spec.resources != null) {
      return spec.resources;
    }
    return new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("250m"))
        .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi"))
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("512Mi"))
        .build();
  }

  /** The checker's configuration: the policy's features, tests, thresholds and dataset drift share. */
  public static String configJson(DriftPolicySpec spec) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("features", spec.features);
    config.put("datasetDriftShare", spec.datasetDriftShare);
    config.put("correction", spec.correction);
    // Column types and roles (id, label) declared on the datasets tell the checker what to leave out.
    config.put("current", spec.current);
    if (spec.baseline != null) {
      config.put("baseline", spec.baseline);
    }
    // The labels' location goes as an option (a mounted path); the columns and gates go here.
    if (spec.outputs != null) {
      Map<String, Object> outputs = new LinkedHashMap<>();
      outputs.put("prediction", spec.outputs.prediction);
      outputs.put("label", spec.outputs.label);
      config.put("outputs", outputs);
    }
    if (spec.dataQuality != null) {
      config.put("dataQuality", spec.dataQuality);
    }
    return Serialization.asJson(config);
  }

  public static CronJob cronJob(DriftPolicy policy, String baselineUri, String ferryImage) {
    return new CronJobBuilder()
        .withNewMetadata().withName(cronJobName(policy)).withNamespace(policy.getMetadata().getNamespace())
          .withLabels(labels(policy))
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(Ferry.API_VERSION).withKind("DriftPolicy")
              .withName(policy.getMetadata().getName()).withUid(policy.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec()
          .withSchedule(policy.getSpec().schedule)
          .withConcurrencyPolicy("Forbid")
          .withSuccessfulJobsHistoryLimit(3)
          .withFailedJobsHistoryLimit(3)
          .withNewJobTemplate()
            .withNewMetadata().withLabels(labels(policy)).withAnnotations(annotations(policy)).endMetadata()
            .withSpec(jobSpec(policy, baselineUri, ferryImage))
          .endJobTemplate()
        .endSpec()
        .build();
  }

  /** A check now, from the same template (as kubectl create job --from=cronjob would), owned by the policy. */
  public static Job checkNowJob(DriftPolicy policy, String request, String baselineUri, String ferryImage) {
    return new JobBuilder()
        .withNewMetadata().withName(checkNowJobName(policy, request)).withNamespace(policy.getMetadata().getNamespace())
          .withLabels(labels(policy)).withAnnotations(annotations(policy))
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(Ferry.API_VERSION).withKind("DriftPolicy")
              .withName(policy.getMetadata().getName()).withUid(policy.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(jobSpec(policy, baselineUri, ferryImage))
        .build();
  }

  static JobSpec jobSpec(DriftPolicy policy, String baselineUri, String ferryImage) {
    DriftPolicySpec spec = policy.getSpec();
    List<String> args = new ArrayList<>(List.of("drift-check",
        "--baseline", PvcUris.containerPath(baselineUri),
        "--current", PvcUris.containerPath(spec.current.uri)));
    if (spec.current.format != null) {
      args.addAll(List.of("--current-format", spec.current.format.name()));
    }
    if (spec.baseline != null && spec.baseline.format != null) {
      args.addAll(List.of("--baseline-format", spec.baseline.format.name()));
    }
    // The compact result goes to FERRY_RESULT_PATH (the termination message), the full report to the log.
    args.addAll(List.of("--output", "json"));
    if (spec.window != null) {
      args.addAll(List.of("--window", spec.window.rows != null ? Long.toString(spec.window.rows)
          : spec.window.timestampColumn + ":" + spec.window.period));
      if (Boolean.TRUE.equals(spec.window.learnThresholds)) {
        args.add("--learn-thresholds");
      }
    }
    if (spec.outputs != null && spec.outputs.labels != null && spec.outputs.labels.uri != null) {
      args.addAll(List.of("--labels", PvcUris.containerPath(spec.outputs.labels.uri)));
      if (spec.outputs.labels.format != null) {
        args.addAll(List.of("--labels-format", spec.outputs.labels.format.name()));
      }
    }
    if (Boolean.TRUE.equals(spec.multivariate)) {
      args.add("--multivariate");
    }
    if (spec.report != null) {
      args.addAll(List.of("--report-to", PvcUris.containerPath(spec.report.uri)));
    }
    // A check that found drift succeeded: the verdict is in the result, the Job's status says it ran.
    args.add("--succeed-on-drift");
    List<EnvVar> env = new ArrayList<>(List.of(
        new EnvVarBuilder().withName("FERRY_DRIFT_CONFIG_JSON").withValue(configJson(spec)).build(),
        new EnvVarBuilder().withName("FERRY_NAMESPACE").withValue(policy.getMetadata().getNamespace()).build(),
        new EnvVarBuilder().withName("FERRY_RESULT_PATH").withValue("/dev/termination-log").build()));
    env.addAll(dev.ferry.storage.StorageContainers.env(spec.storage));

    // Each claim once: read-only, but for the report's claim, which the check writes its page to.
    Map<String, Boolean> claims = new LinkedHashMap<>();
    PvcUris.parse(baselineUri).ifPresent(p -> claims.put(p.claim(), true));
    PvcUris.parse(spec.current.uri).ifPresent(p -> claims.put(p.claim(), true));
    if (spec.outputs != null && spec.outputs.labels != null) {
      PvcUris.parse(spec.outputs.labels.uri).ifPresent(p -> claims.putIfAbsent(p.claim(), true));
    }
    if (spec.report != null) {
      PvcUris.parse(spec.report.uri).ifPresent(p -> claims.put(p.claim(), false));
    }
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    claims.forEach((claim, readOnly) -> {
      var pvc = new PvcUris.PvcUri(claim, "");
      volumes.add(new VolumeBuilder().withName(pvc.volumeName()).withNewPersistentVolumeClaim().withClaimName(claim)
          .withReadOnly(readOnly).endPersistentVolumeClaim().build());
      mounts.add(new VolumeMountBuilder().withName(pvc.volumeName()).withMountPath(pvc.mountPath())
          .withReadOnly(readOnly).build());
    });
    PodTemplateSpec template = new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels(policy)).endMetadata()
        .withNewSpec()
          .withRestartPolicy("Never")
          .withSecurityContext(PodSecurity.restrictedPod())
          .addNewContainer()
            .withName("drift-check").withImage(ferryImage).withArgs(args).withEnv(env)
            .withEnvFrom(dev.ferry.storage.StorageContainers.secret(spec.storage))
            .withVolumeMounts(mounts)
            .withResources(resources(spec))
            .withTerminationMessagePath("/dev/termination-log")
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .withSecurityContext(PodSecurity.restrictedContainer())
          .endContainer()
          .withVolumes(volumes)
        .endSpec()
        .build();
    return new JobSpecBuilder().withBackoffLimit(0).withActiveDeadlineSeconds(1800L).withTemplate(template).build();
  }
}
