package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a DriftPolicy. */
@ValidationRule(value = "!has(self.features) || self.features.all(f, self.features.exists_one(g, g.name == f.name))",
    message = "features[].name must be unique")
@ValidationRule(value = "!has(self.outputs) || !has(self.outputs.labels) || has(self.outputs.label)",
    message = "outputs.labels needs outputs.label: the column to compare")
@ValidationRule(value = "!(has(self.multivariate) && self.multivariate && has(self.window))",
    message = "multivariate checks the current data as one whole: not with window")
public class DriftPolicySpec {
  @Required
  @JsonPropertyDescription("ModelDeployment (same namespace) whose production version is watched.")
  public String deployment;

  @Required
  @Pattern(CronSyntax.PATTERN)
  @JsonPropertyDescription("Cron schedule of the checks (5 fields, UTC).")
  public String schedule;

  @JsonPropertyDescription("Reference data. Default: the training dataset in the lineage of the production version.")
  public DatasetSpec baseline;

  @Required
  @JsonPropertyDescription("Production data to compare with the baseline.")
  public DatasetSpec current;

  @JsonPropertyDescription("How the check reaches s3:// or gs:// data (endpoint, the Secret with the keys).")
  public StorageSpec storage;

  @JsonPropertyDescription("Check the current data window by window (by rows or by a timestamp column); drift in any"
      + " window is drift. Default: the current data as one whole.")
  public WindowSpec window;

  @JsonPropertyDescription("The model's own columns, checked like features but reported apart: its prediction, and"
      + " its label (the target) in the current data or in labelled data that arrives later.")
  public Outputs outputs;

  @JsonPropertyDescription("Data-quality gates, each a share of a column's current rows; a column past one fails the"
      + " check as DataQualityFailed (notified, never retrained on).")
  public DataQuality dataQuality;

  @JsonPropertyDescription("Also test the number features together (PCA reconstruction error against the baseline's),"
      + " which finds a change in how they move together that per-feature tests miss; its drift is dataset drift."
      + " Not with window. Default false.")
  public Boolean multivariate;

  @JsonPropertyDescription("Where each check writes its HTML report, one page per check; status.report points at the"
      + " latest. Default: no page (the verdict and scores are in the status either way).")
  public ReportSpec report;

  // Bounded so the API server can afford the uniqueness rule above (its CEL cost grows with items squared times name length).
  @io.fabric8.generator.annotation.Size(max = 400)
  @JsonPropertyDescription("Per-feature test and threshold (at most 400). Default: every column but the label, test chosen by type.")
  public List<FeatureTest> features = new ArrayList<>();

  @Min(0)
  @Max(1)
  @JsonPropertyDescription("The dataset drifts when at least this share of features drifts. Default 0.5.")
  public Double datasetDriftShare = 0.5;

  @JsonPropertyDescription("Multiple-testing correction for p-value tests: bonferroni (default) or benjamini-hochberg.")
  public Correction correction = Correction.bonferroni;

  @JsonPropertyDescription("Online performance of the model, checked on the same schedule.")
  public List<MetricCheck> performance = new ArrayList<>();

  @JsonPropertyDescription("What to do on drift or decay.")
  public Actions actions;

  @JsonPropertyDescription("CPU and memory of the check's pod. Default: requests cpu 250m and memory 256Mi, limit"
      + " memory 512Mi; the check's JVM sizes its heap from the limit (three quarters) and keeps at most 64 MiB of"
      + " values in it, spilling the rest to /tmp, so 512Mi suffices for the default tests at any size. Raise it for"
      + " --all-tests or KS on tens of millions of rows (each column's values are sorted in memory).")
  public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

  @Min(30)
  @JsonPropertyDescription("Seconds a check's pod may stay unable to start (image pull errors, a missing Secret,"
      + " ConfigMap or volume, unschedulable) before the check is recorded as an Error with the pod's reason and"
      + " its Job deleted, so later checks are not blocked. Default 600.")
  public Integer pendingDeadlineSeconds;

  @Pattern("^([0-9]+(s|m|h))+$")
  @JsonPropertyDescription("Least time between two actions of the same kind, e.g. 6h. Default 6h.")
  public String cooldown = "6h";

  /** The test of one feature. */
  public static class FeatureTest {
    @Required
    @io.fabric8.generator.annotation.Size(min = 1, max = 128)
    @JsonPropertyDescription("Column name; 1 to 128 characters.")
    public String name;
    @JsonPropertyDescription("psi, ks, js, wasserstein, chi2 or linf. Default by column type.")
    public DriftTest test;
    @Min(0)
    @JsonPropertyDescription("Threshold: a distance above it drifts; for p-value tests (ks, chi2), a p-value below it drifts.")
    public Double threshold;
  }

  /** The prediction and label columns. */
  public static class Outputs {
    @io.fabric8.generator.annotation.Size(min = 1, max = 128)
    @JsonPropertyDescription("Column holding the model's prediction, in the baseline and the current data.")
    public String prediction;
    @io.fabric8.generator.annotation.Size(min = 1, max = 128)
    @JsonPropertyDescription("The label column, tested as the target (and no longer left out as the label).")
    public String label;
    @JsonPropertyDescription("Where the labels come from when they arrive later than the features (the label column"
        + " of this data is compared with the baseline's). Default: the current data.")
    public DatasetSpec labels;
  }

  /** Data-quality gates. */
  public static class DataQuality {
    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Most share of missing values in a column's current rows.")
    public Double maxMissingShare;
    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Most share of a category column's current values that the baseline never had.")
    public Double maxUnseenShare;
    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Most share of a number column's current values outside the baseline's range.")
    public Double maxOutOfRangeShare;
  }

  /** How the current data is split into windows. */
  @ValidationRule(value = "has(self.rows) != has(self.timestampColumn)",
      message = "window: give rows or timestampColumn, not both")
  @ValidationRule(value = "has(self.timestampColumn) == has(self.period)",
      message = "window: timestampColumn and period go together")
  public static class WindowSpec {
    @Min(1)
    @JsonPropertyDescription("Rows per window, in file order.")
    public Long rows;
    @io.fabric8.generator.annotation.Size(min = 1, max = 128)
    @JsonPropertyDescription("Column holding each row's time (ISO 8601, a date, or seconds since the epoch); rows must"
        + " come in time order. The column is not tested itself.")
    public String timestampColumn;
    @Pattern("^[1-9][0-9]{0,8}(s|m|h|d|w)$")
    @JsonPropertyDescription("Length of a time window, aligned to the epoch in UTC, e.g. 1h or 1d.")
    public String period;
    @JsonPropertyDescription("Learn each feature's threshold from the baseline's own windows (outside the range they"
        + " reached drifts) instead of features[].threshold. Needs at least 3 baseline windows.")
    public Boolean learnThresholds;
  }

  /** Where the HTML reports go. */
  public static class ReportSpec {
    @Required
    @io.fabric8.generator.annotation.Size(max = 512)
    @ValidationRule(value = "self.startsWith('pvc://') || self.startsWith('s3://') || self.startsWith('gs://')",
        message = "uri must be pvc://claim/folder, s3://bucket/prefix or gs://bucket/prefix")
    @JsonPropertyDescription("Folder of the pages: pvc://claim/folder (the claim is mounted writable in the check's"
        + " pod), s3://bucket/prefix or gs://bucket/prefix (written with spec.storage). Each page is named by its"
        + " check's time, e.g. 20261204T213005.123Z.html; nothing is overwritten.")
    public String uri;
  }

  public enum DriftTest { psi, ks, js, wasserstein, chi2, linf }

  public enum Correction {
    bonferroni,
    @com.fasterxml.jackson.annotation.JsonProperty("benjamini-hochberg") benjaminiHochberg
  }

  /** Reactions to drift and decay. */
  public static class Actions {
    @JsonPropertyDescription("Webhooks to call on a change of verdict (a Kubernetes Event is always recorded).")
    public List<Notify> notify = new ArrayList<>();
    @JsonPropertyDescription("Start a TrainingRun of this pipeline on dataset drift.")
    public Retrain retrain;
    @JsonPropertyDescription("On a performance breach, return the deployment to its previous good version.")
    public Boolean rollback = false;
  }

  /** A webhook notification. */
  public static class Notify {
    @Required
    @JsonPropertyDescription("The webhook.")
    public Webhook webhook;
  }

  /** A webhook whose URL is kept in a Secret. */
  public static class Webhook {
    @Required
    @JsonPropertyDescription("Secret key holding the URL; the URL never appears in logs, events or status.")
    public SecretKeyRef urlSecretRef;
    @JsonPropertyDescription("Body format: slack (a Slack-compatible text message) or json. Default slack.")
    public String format = "slack";
  }

  /** A key of a Secret in the same namespace. */
  public static class SecretKeyRef {
    @Required
    @JsonPropertyDescription("Secret name.")
    public String name;
    @Required
    @JsonPropertyDescription("Key in the Secret.")
    public String key;
    @io.fabric8.generator.annotation.Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @io.fabric8.generator.annotation.Size(max = 63)
    @JsonPropertyDescription("Namespace of the Secret. Default: the DriftPolicy's. Ferry may read Secrets only in the"
        + " namespaces its chart lists in rbac.secretNamespaces (by default only its own), so a Secret kept in"
        + " Ferry's namespace is named here.")
    public String namespace;
  }

  /** Retraining on drift. */
  public static class Retrain {
    @Required
    @JsonPropertyDescription("TrainingPipeline (same namespace) to run.")
    public String pipeline;
    @Min(1)
    @JsonPropertyDescription("Most retrains started in 24 hours. Default 2.")
    public Integer maxPerDay = 2;
    @JsonPropertyDescription("Dataset the retrain uses (for example recent labelled production data). Default: the pipeline's.")
    public String datasetUri;
  }
}
