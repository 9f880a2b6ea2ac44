package dev.ferry.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.DriftPolicyStatus;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.Check;
import dev.ferry.kube.Names;
import dev.ferry.kube.Times;
import dev.ferry.monitoring.DriftActions.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DriftActions as a table: what a DriftPolicy does about its latest check and measurement, row by
 * row from the documented behaviour (README "Drift": notify on a change of verdict, retrain on
 * drift within cooldown and maxPerDay, roll back on a performance breach once).
 */
class DriftActionsTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  /** A policy with retrain and rollback configured, and its status so far. */
  static final class Given {
    final DriftPolicy policy = new DriftPolicy();
    final DriftPolicyStatus status = new DriftPolicyStatus();
    boolean retrainRunning;
    boolean previousVersion = true;

    Given() {
      policy.getMetadata().setName("churn-drift");
      policy.getMetadata().setNamespace("ml");
      policy.getMetadata().setUid("6f1c7a52-0000-4000-8000-000000000001");
      policy.setSpec(new DriftPolicySpec());
      policy.getSpec().deployment = "churn";
      policy.getSpec().cooldown = "6h";
      policy.getSpec().actions = new DriftPolicySpec.Actions();
      policy.getSpec().actions.retrain = new DriftPolicySpec.Retrain();
      policy.getSpec().actions.retrain.pipeline = "churn-training";
      policy.getSpec().actions.rollback = true;
    }

    Given check(String job, String result) {
      Check check = new Check();
      check.job = job;
      check.result = result;
      check.features = 3;
      check.driftedFeatures = DriftActions.DRIFT.equals(result) ? 1 : 0;
      if (DriftActions.DRIFT.equals(result)) {
        var score = new DriftPolicyStatus.FeatureScore();
        score.feature = "tenure";
        score.test = "psi";
        score.score = 0.31;
        score.threshold = 0.2;
        score.drifted = true;
        check.scores.add(score);
      }
      if (DriftActions.ERROR.equals(result)) {
        check.message = "current data: line 12: 3 fields, expected 4";
      }
      status.lastCheck = check;
      return this;
    }

    Given actedOn(String job) {
      status.actedOnCheck = job;
      return this;
    }

    Given notified(String verdict) {
      status.notifiedVerdict = verdict;
      return this;
    }

    Given retrainedAgo(Duration... agos) {
      for (Duration ago : agos) {
        status.retrainTimes.add(Times.format(NOW.minus(ago)));
      }
      return this;
    }

    Given breach() {
      var p = new DriftPolicyStatus.PerformanceResult();
      p.name = "accuracy";
      p.value = 0.71;
      p.passed = false;
      p.message = "accuracy = 0.71 < min 0.8";
      status.performance.add(p);
      return this;
    }

    Given noRetrainAction() {
      policy.getSpec().actions.retrain = null;
      return this;
    }

    Given noRollbackAction() {
      policy.getSpec().actions.rollback = false;
      return this;
    }

    Decision decide() {
      return DriftActions.decide(policy, status, retrainRunning, previousVersion, NOW);
    }
  }

  private static Arguments row(String state, String event, Consumer<Given> given, Consumer<Decision> then) {
    return Arguments.of(state, event, given, then);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        row("no check yet", "nothing measured", g -> { }, d -> {
          assertThat(d.verdict()).isNull();
          assertThat(d.notification()).isEmpty();
          assertThat(d.retrain()).isEmpty();
          assertThat(d.rollback()).isFalse();
        }),
        row("never notified", "a check finds no drift", g -> g.check("c1", DriftActions.NO_DRIFT), d -> {
          assertThat(d.verdict()).isEqualTo(DriftActions.NO_DRIFT);
          assertThat(d.notification()).as("a first verdict is news").isPresent();
          assertThat(d.retrain()).isEmpty();
        }),
        row("notified NoDrift", "another check finds no drift", g -> g.check("c2", DriftActions.NO_DRIFT)
            .notified(DriftActions.NO_DRIFT).actedOn("c1"), d -> {
          assertThat(d.notification()).as("only a change of verdict notifies").isEmpty();
        }),
        row("notified NoDrift", "a check finds drift", g -> g.check("c2", DriftActions.DRIFT)
            .notified(DriftActions.NO_DRIFT).actedOn("c1"), d -> {
          assertThat(d.notification()).isPresent();
          assertThat(d.notification().get().drifting()).containsExactly("tenure");
          assertThat(d.retrain()).isPresent();
          assertThat(d.retrain().get().pipeline()).isEqualTo("churn-training");
          assertThat(d.retrain().get().runName()).startsWith("churn-training-drift-")
              .hasSizeLessThanOrEqualTo(Names.MAX_LABEL - 31);
          assertThat(d.retrain().get().reason()).contains("ml/churn-drift", "1 of 3 features drifted", "tenure psi");
          assertThat(d.rollback()).as("drift alone does not roll back").isFalse();
        }),
        row("drift acted on", "the same check is seen again", g -> g.check("c2", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c2"), d -> {
          assertThat(d.retrain()).as("each check acts once").isEmpty();
          assertThat(d.retrainSkipped()).isEmpty();
          assertThat(d.notification()).isEmpty();
        }),
        row("drifting", "a new drifting check while a retrain runs", g -> {
          g.check("c3", DriftActions.DRIFT).notified(DriftActions.DRIFT).actedOn("c2");
          g.retrainRunning = true;
        }, d -> {
          assertThat(d.retrain()).isEmpty();
          assertThat(d.retrainSkipped()).hasValueSatisfying(s -> assertThat(s).contains("already running"));
        }),
        row("drifting", "a new drifting check within the cooldown", g -> g.check("c3", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c2").retrainedAgo(Duration.ofHours(2)), d -> {
          assertThat(d.retrain()).isEmpty();
          assertThat(d.retrainSkipped()).hasValueSatisfying(s -> assertThat(s).startsWith("cooldown"));
        }),
        row("drifting", "a new drifting check after the cooldown", g -> g.check("c3", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c2").retrainedAgo(Duration.ofHours(7)), d -> {
          assertThat(d.retrain()).isPresent();
        }),
        row("drifting", "maxPerDay retrains in the last 24 h", g -> g.check("c4", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c3").retrainedAgo(Duration.ofHours(20), Duration.ofHours(7)), d -> {
          assertThat(d.retrain()).isEmpty();
          assertThat(d.retrainSkipped()).hasValueSatisfying(s -> assertThat(s).startsWith("maxPerDay: 2"));
        }),
        row("drifting", "retrains older than 24 h do not count", g -> g.check("c4", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c3").retrainedAgo(Duration.ofHours(30), Duration.ofHours(25)),
            d -> assertThat(d.retrain()).isPresent()),
        row("drifting", "no retrain action configured", g -> g.check("c2", DriftActions.DRIFT).noRetrainAction(), d -> {
          assertThat(d.retrain()).isEmpty();
          assertThat(d.retrainSkipped()).isEmpty();
          assertThat(d.notification()).isPresent();
        }),
        row("notified NoDrift", "the check could not run", g -> g.check("c2", DriftActions.ERROR)
            .notified(DriftActions.NO_DRIFT), d -> {
          assertThat(d.verdict()).isEqualTo(DriftActions.ERROR);
          assertThat(d.notification().get().message()).contains("could not run", "line 12");
          assertThat(d.retrain()).as("an error is not drift").isEmpty();
        }),
        row("notified NoDrift", "a performance breach", g -> g.check("c2", DriftActions.NO_DRIFT)
            .notified(DriftActions.NO_DRIFT).breach(), d -> {
          assertThat(d.verdict()).isEqualTo(DriftActions.PERFORMANCE_BREACH);
          assertThat(d.notification().get().message()).contains("accuracy = 0.71 < min 0.8");
          assertThat(d.rollback()).isTrue();
        }),
        row("notified Drift", "a performance breach outranks drift", g -> g.check("c2", DriftActions.DRIFT)
            .notified(DriftActions.DRIFT).actedOn("c2").breach(), d -> {
          assertThat(d.verdict()).isEqualTo(DriftActions.PERFORMANCE_BREACH);
          assertThat(d.rollback()).isTrue();
        }),
        row("breach acted on", "the breach persists", g -> g.check("c2", DriftActions.NO_DRIFT)
            .notified(DriftActions.PERFORMANCE_BREACH).breach(), d -> {
          assertThat(d.rollback()).as("rolls back once per breach").isFalse();
          assertThat(d.notification()).isEmpty();
        }),
        row("notified NoDrift", "a breach with no previous version", g -> {
          g.check("c2", DriftActions.NO_DRIFT).notified(DriftActions.NO_DRIFT).breach();
          g.previousVersion = false;
        }, d -> {
          assertThat(d.rollback()).isFalse();
          assertThat(d.rollbackSkipped()).hasValueSatisfying(s -> assertThat(s).contains("no previous good version"));
        }),
        row("notified NoDrift", "a breach without the rollback action", g -> g.check("c2", DriftActions.NO_DRIFT)
            .notified(DriftActions.NO_DRIFT).breach().noRollbackAction(), d -> {
          assertThat(d.rollback()).isFalse();
          assertThat(d.rollbackSkipped()).isEmpty();
          assertThat(d.notification()).isPresent();
        }));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("rows")
  void eachStateHandlesEachEventAsDocumented(String state, String event, Consumer<Given> given, Consumer<Decision> then) {
    Given g = new Given();
    given.accept(g);
    then.accept(g.decide());
  }

  @Test
  void theRetrainRunIsNamedByThePolicyAndTheCheckSoARestartStartsNoSecond() {
    Decision first = new Given().check("c9", DriftActions.DRIFT).decide();
    Decision again = new Given().check("c9", DriftActions.DRIFT).decide();
    Decision other = new Given().check("c10", DriftActions.DRIFT).decide();
    assertThat(again.retrain().get().runName()).isEqualTo(first.retrain().get().runName());
    assertThat(other.retrain().get().runName()).isNotEqualTo(first.retrain().get().runName());
  }

  @Test
  void retrainTimesKeepTheLast24Hours() {
    var kept = DriftActions.withRetrain(java.util.List.of(Times.format(NOW.minus(Duration.ofHours(25))),
        Times.format(NOW.minus(Duration.ofHours(3)))), NOW);
    assertThat(kept).containsExactly(Times.format(NOW.minus(Duration.ofHours(3))), Times.format(NOW));
  }
}
