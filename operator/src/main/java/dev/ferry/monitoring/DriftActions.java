package dev.ferry.monitoring;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.Check;
import dev.ferry.kube.Names;
import dev.ferry.kube.Times;
import dev.ferry.serving.RolloutPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Decides what a DriftPolicy does about its latest check and performance measurement, with the
 * guard rails that keep a drifting stream from starting a training storm. Pure: the reconciler
 * carries the decisions out, and names them deterministically so a restart repeats none.
 */
public final class DriftActions {
  public static final String DRIFT = "Drift";
  public static final String NO_DRIFT = "NoDrift";
  public static final String ERROR = "Error";
  /** The current data failed a data-quality gate: notified, never retrained on. */
  public static final String DATA_QUALITY_FAILED = "DataQualityFailed";
  public static final String PERFORMANCE_BREACH = "PerformanceBreach";

  private DriftActions() {
  }

  /** What to do now. */
  public record Decision(String verdict, Optional<Notification> notification, Optional<RetrainRequest> retrain,
      Optional<String> retrainSkipped, boolean rollback, Optional<String> rollbackSkipped) {
  }

  /** A TrainingRun to start. */
  public record RetrainRequest(String pipeline, String runName, String reason) {
  }

  /** The verdict of the latest check and measurement together: a performance breach outranks drift. */
  public static String verdict(DriftPolicyStatus status) {
    boolean breach = status.performance.stream().anyMatch(p -> Boolean.FALSE.equals(p.passed));
    if (breach) {
      return PERFORMANCE_BREACH;
    }
    return status.lastCheck == null ? null : status.lastCheck.result;
  }

  public static Decision decide(DriftPolicy policy, DriftPolicyStatus status, boolean retrainRunning,
      boolean previousVersionExists, Instant now) {
    String verdict = verdict(status);
    String name = policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
    Optional<Notification> notify = Optional.empty();
    if (verdict != null && !verdict.equals(status.notifiedVerdict)) {
      notify = Optional.of(new Notification(name, verdict, drifting(status.lastCheck), describe(verdict, status)));
    }
    var actions = policy.getSpec().actions;
    Check check = status.lastCheck;
    boolean newCheck = check != null && check.job != null && !check.job.equals(status.actedOnCheck);

    Optional<RetrainRequest> retrain = Optional.empty();
    Optional<String> retrainSkipped = Optional.empty();
    if (newCheck && DRIFT.equals(check.result) && actions != null && actions.retrain != null) {
      Duration cooldown = RolloutPlanner.duration(policy.getSpec().cooldown == null ? "6h" : policy.getSpec().cooldown);
      List<Instant> recent = status.retrainTimes.stream().map(Times::parse)
          .filter(t -> t.isAfter(now.minus(Duration.ofHours(24)))).sorted().toList();
      int maxPerDay = actions.retrain.maxPerDay == null ? 2 : actions.retrain.maxPerDay;
      if (retrainRunning) {
        retrainSkipped = Optional.of("a retrain of " + actions.retrain.pipeline + " is already running");
      } else if (!recent.isEmpty() && recent.get(recent.size() - 1).plus(cooldown).isAfter(now)) {
        retrainSkipped = Optional.of("cooldown: the last retrain started at " + Times.format(recent.get(recent.size() - 1))
            + ", cooldown " + policy.getSpec().cooldown);
      } else if (recent.size() >= maxPerDay) {
        retrainSkipped = Optional.of("maxPerDay: " + recent.size() + " retrains in the last 24 h");
      } else {
        String run = retrainRunName(policy, check);
        retrain = Optional.of(new RetrainRequest(actions.retrain.pipeline, run, "DriftPolicy " + name + ": "
            + describe(DRIFT, status)));
      }
    }

    boolean rollback = false;
    Optional<String> rollbackSkipped = Optional.empty();
    boolean breachNotActed = PERFORMANCE_BREACH.equals(verdict) && !PERFORMANCE_BREACH.equals(status.notifiedVerdict);
    if (breachNotActed && actions != null && Boolean.TRUE.equals(actions.rollback)) {
      if (previousVersionExists) {
        rollback = true;
      } else {
        rollbackSkipped = Optional.of("performance breach, but deployment " + policy.getSpec().deployment
            + " has no previous good version to roll back to");
      }
    }
    return new Decision(verdict, notify, retrain, retrainSkipped, rollback, rollbackSkipped);
  }

  /**
   * The ferry.dev/rollback value of a rollback on a performance breach, named after its cause: this
   * policy and the production version it leaves (number and since when). A crash or a conflict
   * before the policy's status is written repeats the same request, which the deployment has
   * handled already, so production moves back once, not twice.
   */
  public static String rollbackRequest(DriftPolicy policy, dev.ferry.api.v1alpha1.ModelDeploymentStatus deployment) {
    String leaving = deployment.productionVersion + "@" + deployment.productionSince;
    return Names.join(Names.MAX_LABEL, policy.getMetadata().getName(), "v" + deployment.productionVersion,
        Names.shortHash(policy.getMetadata().getUid() + "/" + leaving, 8));
  }

  /** The TrainingRun a drifting check starts, named after the policy and the check: a repeat creates no second. */
  public static String retrainRunName(DriftPolicy policy, Check check) {
    return Names.join(Names.MAX_LABEL - 31, policy.getSpec().actions.retrain.pipeline, "drift",
        Names.shortHash(policy.getMetadata().getUid() + "/" + check.job, 8));
  }

  static List<String> drifting(Check check) {
    if (check == null) {
      return List.of();
    }
    return check.scores.stream().filter(s -> Boolean.TRUE.equals(s.drifted)).map(s -> s.feature).toList();
  }

  static String describe(String verdict, DriftPolicyStatus status) {
    Check check = status.lastCheck;
    return switch (verdict) {
      case PERFORMANCE_BREACH -> status.performance.stream().filter(p -> Boolean.FALSE.equals(p.passed))
          .map(p -> p.message).collect(Collectors.joining("; "));
      case ERROR -> "the drift check could not run: " + (check == null ? "" : check.message);
      case DATA_QUALITY_FAILED -> "the current data failed its data-quality gates: "
          + (check == null ? "" : String.join(", ", check.qualityFailures));
      case DRIFT -> check.driftedFeatures + " of " + check.features + " features drifted: " + check.scores.stream()
          .filter(s -> Boolean.TRUE.equals(s.drifted)).limit(5)
          .map(s -> s.feature + " " + s.test + " " + String.format(java.util.Locale.ROOT, "%.4g", s.score)
              + (s.test != null && (s.test.equals("ks") || s.test.equals("chi2")) ? " < " : " > ") + s.threshold)
          .collect(Collectors.joining(", "))
          + (check.multivariate != null && Boolean.TRUE.equals(check.multivariate.drifted)
              ? "; together (PCA reconstruction error) " + String.format(java.util.Locale.ROOT, "%.4g > %.4g",
                  check.multivariate.error, check.multivariate.threshold) : "")
          + check.scores.stream().filter(s -> s.role != null && Boolean.TRUE.equals(s.drifted))
              .map(s -> "; the " + s.role + " " + s.feature + " drifted").collect(Collectors.joining())
          + (check.windows != null ? "; in " + check.driftedWindows + " of " + check.windows + " windows, most in "
              + check.window : "");
      default -> check == null ? "no drift" : "no drift in " + check.features + " features";
    };
  }

  /** Keeps the retrain times of the last 24 hours, adding one now. */
  public static List<String> withRetrain(List<String> times, Instant now) {
    List<String> kept = new ArrayList<>(times.stream()
        .filter(t -> Times.parse(t).isAfter(now.minus(Duration.ofHours(24)))).toList());
    kept.add(Times.format(now));
    return kept;
  }
}
