package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a DriftPolicy. */
public class DriftPolicyStatus extends FerryStatus {
  @JsonPropertyDescription("The most recent check.")
  public Check lastCheck;
  @JsonPropertyDescription("The most recent action.")
  public Action lastAction;
  @JsonPropertyDescription("Recent checks, newest first (at most 10).")
  public List<Check> history = new ArrayList<>();
  @JsonPropertyDescription("The last online performance measurement.")
  public List<PerformanceResult> performance = new ArrayList<>();
  @JsonPropertyDescription("The latest check's HTML report (with spec.report): pvc://, s3:// or gs:// URI of the page.")
  public String report;
  @JsonPropertyDescription("The baseline the checks compare with now; when it moves (a new production version), a check runs at once.")
  public String baseline;
  @JsonPropertyDescription("When the next check is due (RFC 3339).")
  public String nextCheck;
  @JsonPropertyDescription("The check whose actions were taken; a newer check's actions are still to take.")
  public String actedOnCheck;
  @JsonPropertyDescription("The verdict last notified; notifications go out on a change of verdict.")
  public String notifiedVerdict;
  @JsonPropertyDescription("When retrains were started in the last 24 hours (RFC 3339), for maxPerDay.")
  public List<String> retrainTimes = new ArrayList<>();
  @JsonPropertyDescription("The last ferry.dev/check-now annotation value acted on.")
  public String handledCheckNow;
  @JsonPropertyDescription("A rollback decided and recorded but not yet requested: the ferry.dev/rollback value to set.")
  public String pendingRollback;
  @JsonPropertyDescription("How many changes of verdict have been notified: part of each delivery's identity.")
  public Integer notifications;
  @JsonPropertyDescription("Webhook deliveries of the latest notifications, newest first (at most 20).")
  public List<Delivery> deliveries = new ArrayList<>();

  /** One performance metric as measured. */
  public static class PerformanceResult {
    @JsonPropertyDescription("Metric name.")
    public String name;
    @JsonPropertyDescription("Measured value, when there is one.")
    public Double value;
    @JsonPropertyDescription("Whether it is within its bounds; absent when it could not be measured.")
    public Boolean passed;
    @JsonPropertyDescription("What was measured, or why it could not be.")
    public String message;
    @JsonPropertyDescription("When (RFC 3339).")
    public String time;
  }

  /** One drift check. */
  public static class Check {
    @JsonPropertyDescription("When it finished (RFC 3339).")
    public String time;
    @JsonPropertyDescription("The Job that ran it.")
    public String job;
    @JsonPropertyDescription("NoDrift, Drift, DataQualityFailed (a spec.dataQuality gate failed: not retrained on) or"
        + " Error.")
    public String result;
    @JsonPropertyDescription("How many features drifted.")
    public Integer driftedFeatures;
    @JsonPropertyDescription("How many features were tested.")
    public Integer features;
    @JsonPropertyDescription("Per-feature scores.")
    public List<FeatureScore> scores = new ArrayList<>();
    @JsonPropertyDescription("Why the check could not run, when it could not.")
    public String message;
    @JsonPropertyDescription("The check's HTML report, when spec.report asked for one.")
    public String report;
    @JsonPropertyDescription("The spec.dataQuality gates that failed, as \"column: missing 12.00% > 10.00%\".")
    public List<String> qualityFailures = new ArrayList<>();
    @JsonPropertyDescription("With spec.multivariate: the test of the number features together.")
    public MultivariateScore multivariate;
    @JsonPropertyDescription("With spec.window: how many windows were checked.")
    public Integer windows;
    @JsonPropertyDescription("With spec.window: how many drifted.")
    public Integer driftedWindows;
    @JsonPropertyDescription("With spec.window: the window that drifted most, whose counts and scores these are.")
    public String window;
  }

  /** The multivariate test's result. */
  public static class MultivariateScore {
    @JsonPropertyDescription("PCA reconstruction error of the current data (mean over its rows).")
    public Double error;
    @JsonPropertyDescription("The error above which it drifts: the baseline's plus three standard errors.")
    public Double threshold;
    @JsonPropertyDescription("Whether it drifted.")
    public Boolean drifted;
  }

  /** One feature's score. */
  public static class FeatureScore {
    @JsonPropertyDescription("Feature.")
    public String feature;
    @JsonPropertyDescription("Test used.")
    public String test;
    @JsonPropertyDescription("Score: a distance or a p-value.")
    public Double score;
    @JsonPropertyDescription("Threshold it was compared with.")
    public Double threshold;
    @JsonPropertyDescription("Whether it drifted.")
    public Boolean drifted;
    @JsonPropertyDescription("Share of missing values in the baseline.")
    public Double baselineMissing;
    @JsonPropertyDescription("Share of missing values in the current data.")
    public Double currentMissing;
    @JsonPropertyDescription("prediction or target for the model's own columns (spec.outputs); absent for a feature.")
    public String role;
    @JsonPropertyDescription("Categories: share of the current values the baseline never had.")
    public Double unseenShare;
    @JsonPropertyDescription("Numbers: share of the current values outside the baseline's range.")
    public Double outOfRangeShare;
  }

  /** One webhook delivery: a notification to one target, with its retries. */
  public static class Delivery {
    @JsonPropertyDescription("Identity of the delivery, sent as the X-Ferry-Delivery header: the same on a retry or after a"
        + " restart, so a receiver can drop a repeat.")
    public String id;
    @JsonPropertyDescription("The verdict notified.")
    public String verdict;
    @JsonPropertyDescription("The target: the Secret and key holding its URL (never the URL).")
    public String target;
    @JsonPropertyDescription("Attempts so far.")
    public Integer attempts;
    @JsonPropertyDescription("Whether the receiver accepted it (HTTP 2xx).")
    public Boolean delivered;
    @JsonPropertyDescription("When it was last tried (RFC 3339).")
    public String lastAttemptAt;
    @JsonPropertyDescription("When it is tried again, if it was not delivered and attempts are left (RFC 3339).")
    public String nextAttemptAt;
    @JsonPropertyDescription("What the last attempt said.")
    public String message;
  }

  /** One action taken. */
  public static class Action {
    @JsonPropertyDescription("When (RFC 3339).")
    public String time;
    @JsonPropertyDescription("Notify, Retrain or Rollback.")
    public String kind;
    @JsonPropertyDescription("What it acted on, e.g. TrainingRun/churn-drift-1.")
    public String target;
    @JsonPropertyDescription("What happened.")
    public String message;
  }
}
