package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec.Promotion.Mode;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus;
import dev.ferry.api.v1alpha1.ModelVersionStatus.Stage;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.Times;
import dev.ferry.serving.RolloutPlanner.AnalysisResult;
import dev.ferry.serving.RolloutPlanner.DeploymentState;
import dev.ferry.serving.RolloutPlanner.Desired;
import dev.ferry.serving.RolloutPlanner.Plan;
import dev.ferry.serving.RolloutPlanner.SmokeOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RolloutPlanner on its own, as a table: each row is a phase of a ModelDeployment, an event it
 * handles, and what the documented behaviour (README "Serving", docs/serving.md) says follows.
 * Rows are written from the docs' state diagram, not from the code.
 */
class RolloutPlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  /** What the planner observes, built row by row. */
  static final class World {
    final ModelDeployment md = new ModelDeployment();
    final List<ModelVersion> versions = new ArrayList<>();
    final Map<Long, DeploymentState> deployments = new HashMap<>();
    Optional<SmokeOutcome> smoke = Optional.empty();
    List<AnalysisResult> analysis = List.of();
    Instant now = NOW;
    /** The cluster serves the Gateway API's HTTPRoute. */
    boolean gatewayApi;

    World() {
      md.getMetadata().setName("churn");
      md.getMetadata().setNamespace("ml");
      md.getMetadata().setGeneration(1L);
      md.getMetadata().setAnnotations(new LinkedHashMap<>());
      md.setSpec(new ModelDeploymentSpec());
      md.getSpec().model = "churn";
      md.getSpec().replicas = 4;
      md.getSpec().server = new ModelDeploymentSpec.Server();
      md.getSpec().server.image = "registry.example/mlserver:1.6";
      md.getSpec().promotion.mode = Mode.Automatic;
      md.setStatus(new ModelDeploymentStatus());
    }

    World validated(long... numbers) {
      for (long n : numbers) {
        versions.add(version(n, true));
      }
      return this;
    }

    World notValidated(long n) {
      versions.add(version(n, false));
      return this;
    }

    World manual() {
      md.getSpec().promotion.mode = Mode.Manual;
      return this;
    }

    World smokeTest() {
      md.getSpec().smokeTest = new ModelDeploymentSpec.SmokeTest();
      md.getSpec().smokeTest.requests = new ModelDeploymentSpec.ConfigMapRef();
      md.getSpec().smokeTest.requests.configMapRef = "churn-smoke";
      return this;
    }

    World canarySteps(int... weights) {
      md.getSpec().rollout = new ModelDeploymentSpec.Rollout();
      md.getSpec().rollout.strategy = ModelDeploymentSpec.Rollout.Strategy.Canary;
      for (int w : weights) {
        var step = new ModelDeploymentSpec.CanaryStep();
        step.weight = w;
        step.pause = "5m";
        md.getSpec().rollout.steps.add(step);
      }
      md.getSpec().rollout.analysis = new ModelDeploymentSpec.Analysis();
      var check = new dev.ferry.api.v1alpha1.MetricCheck();
      check.name = "error-rate";
      check.max = 0.01;
      md.getSpec().rollout.analysis.metrics.add(check);
      return this;
    }

    /** vN serves production since an hour, its Deployment fully ready. */
    World production(long n) {
      md.getStatus().productionVersion = n;
      md.getStatus().productionSince = Times.format(now.minus(Duration.ofHours(1)));
      md.getStatus().stagingVersion = n;
      md.getStatus().phase = "Stable";
      return deployment(n, 4, 4, ServingBuilders.PRODUCTION);
    }

    /** vN served production before the current version and was replaced {@code ago}. */
    World replaced(long n, Duration ago) {
      var entry = new ModelDeploymentStatus.HistoryEntry();
      entry.version = n;
      entry.outcome = "Replaced";
      entry.to = Times.format(now.minus(ago));
      md.getStatus().history.add(entry);
      md.getStatus().productionSince = Times.format(now.minus(ago));
      return this;
    }

    World candidate(long n, String phase, Duration since) {
      md.getStatus().candidateVersion = n;
      md.getStatus().phase = phase;
      md.getStatus().phaseSince = Times.format(now.minus(since));
      return this;
    }

    World deployment(long n, int replicas, int ready, String track) {
      deployments.put(n, new DeploymentState(n, replicas, ready, track));
      return this;
    }

    World smokePassed(long n) {
      var smoke = new ModelDeploymentStatus.SmokeTest();
      smoke.version = n;
      smoke.result = "Passed";
      md.getStatus().smokeTest = smoke;
      return this;
    }

    World smokeJob(long n, String result, String message) {
      smoke = Optional.of(new SmokeOutcome(n, "churn-v" + n + "-smoke", result, message));
      return this;
    }

    World inCanary(long n, int step, Duration stepStartedAgo) {
      candidate(n, "Canary", stepStartedAgo);
      var canary = new ModelDeploymentStatus.Canary();
      canary.version = n;
      canary.step = step;
      canary.weight = md.getSpec().rollout.steps.get(step).weight;
      canary.stepStartedAt = Times.format(now.minus(stepStartedAgo));
      md.getStatus().canary = canary;
      return this;
    }

    World analysis(boolean passed) {
      analysis = List.of(new AnalysisResult("error-rate", passed, passed ? "error-rate = 0.001" : "error-rate = 0.2"));
      return this;
    }

    World rejected(long n) {
      md.getStatus().rejectedVersions.add(n);
      return this;
    }

    World annotate(String key, String value) {
      md.getMetadata().getAnnotations().put(key, value);
      return this;
    }

    World pin(long n) {
      md.getSpec().version = n;
      return this;
    }

    /** The retry request was handled before and what it left in the RequestIgnored condition. */
    World handled(String retry, String reason, String message) {
      md.getStatus().handledRetry = retry;
      Conditions.set(md.getStatus(), RolloutPlanner.REQUEST_IGNORED, Conditions.TRUE, reason, message, 1L, NOW);
      return this;
    }

    World handledRollback(String request) {
      md.getStatus().handledRollback = request;
      return this;
    }

    World deleteVersion(long n) {
      versions.removeIf(v -> v.getSpec().version == n);
      return this;
    }

    Plan plan() {
      return RolloutPlanner.plan(new RolloutPlanner.Observed(md, versions, deployments, smoke, analysis, now,
          gatewayApi));
    }

    private ModelVersion version(long n, boolean passed) {
      ModelVersion v = new ModelVersion();
      v.getMetadata().setName("churn-v" + n);
      v.setSpec(new ModelVersionSpec());
      v.getSpec().model = "churn";
      v.getSpec().version = n;
      v.setStatus(new ModelVersionStatus());
      Conditions.set(v.getStatus(), "Validated", passed ? Conditions.TRUE : Conditions.FALSE,
          passed ? "GatesPassed" : "GateFailed", "", 1L, NOW);
      return v;
    }
  }

  private static Arguments row(String phase, String event, Consumer<World> given, Consumer<Plan> then) {
    return Arguments.of(phase, event, given, then);
  }

  private static Map<Long, Desired> desired(Object... versionReplicasTrack) {
    Map<Long, Desired> map = new LinkedHashMap<>();
    for (int i = 0; i < versionReplicasTrack.length; i += 3) {
      map.put(((Number) versionReplicasTrack[i]).longValue(),
          new Desired((Integer) versionReplicasTrack[i + 1], (String) versionReplicasTrack[i + 2]));
    }
    return map;
  }

  private static String condition(Plan plan, String type) {
    return Conditions.find(plan.status(), type).map(c -> c.getStatus() + "/" + c.getReason()).orElse("absent");
  }

  private static String message(Plan plan, String type) {
    return Conditions.find(plan.status(), type).map(c -> c.getMessage()).orElse("");
  }

  private static List<String> events(Plan plan) {
    return plan.events().stream().map(RolloutPlanner.Note::reason).toList();
  }

  static Stream<Arguments> rows() {
    String prod = ServingBuilders.PRODUCTION;
    String staging = ServingBuilders.STAGING;
    return Stream.of(
        row("Waiting", "no version exists", w -> { }, p -> {
          assertThat(p.status().phase).isEqualTo("Waiting");
          assertThat(condition(p, "Ready")).isEqualTo("False/NoValidatedVersion");
          assertThat(p.deployments()).isEmpty();
        }),
        row("Waiting", "only a version that failed its gates", w -> w.notValidated(1), p -> {
          assertThat(p.status().phase).isEqualTo("Waiting");
          assertThat(message(p, "Ready")).contains("no Validated ModelVersion");
        }),
        row("Waiting", "a validated version appears", w -> w.validated(1), p -> {
          assertThat(p.status().candidateVersion).isEqualTo(1L);
          assertThat(p.status().phase).isEqualTo("Staging");
          assertThat(p.deployments()).isEqualTo(desired(1, 1, staging));
          assertThat(p.stages()).containsEntry(1L, Stage.Staging);
          assertThat(events(p)).containsExactly("Candidate");
          assertThat(condition(p, "Ready")).isEqualTo("False/NoProductionYet");
        }),
        row("Staging", "the first version is ready, no smoke test, automatic", w -> w.validated(1)
            .candidate(1, "Staging", Duration.ofSeconds(20)).deployment(1, 1, 1, staging), p -> {
          assertThat(p.status().phase).isEqualTo("Promoting");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
          assertThat(p.stages()).as("not Production before promotion completes").containsEntry(1L, Stage.Staging);
        }),
        row("Promoting", "the first version's replicas are all ready", w -> w.validated(1)
            .candidate(1, "Promoting", Duration.ofSeconds(20)).deployment(1, 4, 4, prod), p -> {
          assertThat(p.status().phase).isEqualTo("Stable");
          assertThat(p.status().productionVersion).isEqualTo(1L);
          assertThat(p.stages()).containsEntry(1L, Stage.Production);
          assertThat(events(p)).containsExactly("Promoted");
          assertThat(condition(p, "Ready")).isEqualTo("True/Serving");
        }),
        row("Stable", "nothing happens", w -> w.validated(1).production(1), p -> {
          assertThat(p.status().phase).isEqualTo("Stable");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
          assertThat(p.events()).isEmpty();
          assertThat(p.lookAgainIn()).isEmpty();
          assertThat(condition(p, "Degraded")).isEqualTo("False/None");
          assertThat(condition(p, "RequestIgnored")).isEqualTo("False/None");
        }),
        row("Stable", "a newer validated version appears", w -> w.validated(1, 2).production(1), p -> {
          assertThat(p.status().candidateVersion).isEqualTo(2L);
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod, 2, 1, staging));
          assertThat(condition(p, "Ready")).as("production keeps serving").isEqualTo("True/Serving");
        }),
        row("Stable", "an older validated version appears", w -> w.validated(1, 2).production(2), p -> {
          assertThat(p.status().candidateVersion).isNull();
          assertThat(p.deployments()).isEqualTo(desired(2, 4, prod));
        }),
        row("Stable", "the newest version was rejected here before", w -> w.validated(1, 2).production(1).rejected(2),
            p -> {
              assertThat(p.status().candidateVersion).as("rejected for good").isNull();
              assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
            }),
        row("Stable", "the production ModelVersion is deleted", w -> w.validated(1).production(1).deleteVersion(1), p -> {
          assertThat(condition(p, "Degraded")).isEqualTo("True/ProductionVersionMissing");
          assertThat(message(p, "Degraded")).contains("ModelVersion churn-v1");
          assertThat(p.deployments()).as("what runs keeps serving").isEqualTo(desired(1, 4, prod));
          assertThat(condition(p, "Ready")).isEqualTo("True/Serving");
        }),
        row("Staging", "the candidate is not ready within the progress deadline", w -> w.validated(1, 2).production(1)
            .candidate(2, "Staging", Duration.ofSeconds(601)).deployment(2, 1, 0, staging), p -> {
          assertThat(p.status().phase).isEqualTo("RolledBack");
          assertThat(p.status().rejectedVersions).containsExactly(2L);
          assertThat(p.rejections().get(2L)).contains("did not become ready on staging");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
          assertThat(p.stages()).containsEntry(2L, Stage.None);
        }),
        row("Staging", "the candidate is not ready yet, deadline ahead", w -> w.validated(1, 2).production(1)
            .candidate(2, "Staging", Duration.ofSeconds(60)).deployment(2, 1, 0, staging), p -> {
          assertThat(p.status().phase).isEqualTo("Staging");
          assertThat(p.lookAgainIn()).contains(Duration.ofSeconds(540).plusMillis(500));
        }),
        row("Staging", "the candidate is ready and a smoke test is configured", w -> w.validated(1, 2).production(1)
            .smokeTest().candidate(2, "Staging", Duration.ofSeconds(30)).deployment(2, 1, 1, staging), p -> {
          assertThat(p.status().phase).isEqualTo("SmokeTesting");
          assertThat(p.smokeVersion()).isEqualTo(2L);
          assertThat(p.status().smokeTest.result).isEqualTo("Running");
        }),
        row("SmokeTesting", "the smoke test fails", w -> w.validated(1, 2).production(1).smokeTest()
            .candidate(2, "SmokeTesting", Duration.ofSeconds(30)).deployment(2, 1, 1, staging)
            .smokeJob(2, "Failed", "2 of 3 requests failed"), p -> {
          assertThat(p.status().phase).isEqualTo("RolledBack");
          assertThat(p.rejections().get(2L)).contains("smoke test of v2 failed: 2 of 3 requests failed");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
          assertThat(events(p)).containsExactly("RolledBack");
        }),
        row("SmokeTesting", "the smoke test passes, manual promotion", w -> w.validated(1, 2).production(1).manual()
            .smokeTest().candidate(2, "SmokeTesting", Duration.ofSeconds(30)).deployment(2, 1, 1, staging)
            .smokeJob(2, "Passed", "3 requests"), p -> {
          assertThat(p.status().phase).isEqualTo("AwaitingApproval");
          assertThat(condition(p, "AwaitingApproval")).isEqualTo("True/SmokeTestPassed");
          assertThat(message(p, "AwaitingApproval")).contains("ferry.dev/approve=2");
          assertThat(events(p)).containsExactly("SmokeTestPassed", "AwaitingApproval");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod, 2, 1, staging));
        }),
        row("AwaitingApproval", "the candidate is approved", w -> w.validated(1, 2).production(1).manual()
            .candidate(2, "AwaitingApproval", Duration.ofMinutes(5)).smokePassed(2).deployment(2, 1, 1, staging)
            .annotate(Ferry.ANNOTATION_APPROVE, "2"), p -> {
          assertThat(p.status().phase).isEqualTo("Promoting");
          assertThat(events(p)).contains("Approved");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod, 2, 4, prod));
          assertThat(condition(p, "RequestIgnored")).isEqualTo("False/None");
        }),
        row("AwaitingApproval", "an approval names a version that does not exist", w -> w.validated(1, 2).production(1)
            .manual().candidate(2, "AwaitingApproval", Duration.ofMinutes(5)).smokePassed(2)
            .deployment(2, 1, 1, staging).annotate(Ferry.ANNOTATION_APPROVE, "7"), p -> {
          assertThat(p.status().phase).isEqualTo("AwaitingApproval");
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/ApprovedVersionNotFound");
          assertThat(message(p, "RequestIgnored")).contains("ferry.dev/approve=7", "churn-v7", "the candidate is v2");
          assertThat(events(p)).contains("RequestIgnored");
        }),
        row("AwaitingApproval", "an approval names a rejected version", w -> w.validated(1, 2, 3).production(1)
            .manual().rejected(2).candidate(3, "AwaitingApproval", Duration.ofMinutes(5)).smokePassed(3)
            .deployment(3, 1, 1, staging).annotate(Ferry.ANNOTATION_APPROVE, "2"), p -> {
          assertThat(p.status().phase).isEqualTo("AwaitingApproval");
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/ApprovedVersionRejected");
          assertThat(message(p, "RequestIgnored")).contains("ferry.dev/retry=2");
        }),
        row("AwaitingApproval", "an approval is not a version number", w -> w.validated(1, 2).production(1).manual()
            .candidate(2, "AwaitingApproval", Duration.ofMinutes(5)).smokePassed(2).deployment(2, 1, 1, staging)
            .annotate(Ferry.ANNOTATION_APPROVE, "yes"), p -> {
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/ApprovalNotAVersion");
        }),
        row("Stable", "an approval of the version already promoted stays on the object", w -> w.validated(1, 2)
            .production(2).manual().replaced(1, Duration.ofHours(1)).annotate(Ferry.ANNOTATION_APPROVE, "2"), p -> {
          assertThat(condition(p, "RequestIgnored")).as("acted on before: not ignored").isEqualTo("False/None");
          assertThat(p.events()).isEmpty();
        }),
        row("Canary", "the first step becomes ready", w -> w.validated(1, 2).production(1).canarySteps(25, 50)
            .candidate(2, "Canary", Duration.ZERO).deployment(2, 1, 1, prod).deployment(1, 3, 3, prod), p -> {
          assertThat(p.status().canary.stepStartedAt).isEqualTo(Times.format(NOW));
          assertThat(p.deployments()).as("25% of 4 replicas").isEqualTo(desired(2, 1, prod, 1, 3, prod));
          assertThat(p.stages()).containsEntry(2L, Stage.Canary).containsEntry(1L, Stage.Production);
        }),
        row("Canary", "the analysis passes during the pause", w -> w.validated(1, 2).production(1).canarySteps(25, 50)
            .inCanary(2, 0, Duration.ofMinutes(1)).deployment(2, 1, 1, prod).deployment(1, 3, 3, prod).analysis(true),
            p -> {
              assertThat(p.status().phase).isEqualTo("Canary");
              assertThat(p.status().canary.step).isZero();
              assertThat(p.status().canary.analysisFailures).isZero();
              assertThat(p.stages()).as("a canary is not production yet").containsEntry(2L, Stage.Canary);
              assertThat(p.lookAgainIn()).contains(RolloutPlanner.ANALYSIS_INTERVAL);
            }),
        row("Canary", "the analysis fails beyond failureLimit", w -> w.validated(1, 2).production(1).canarySteps(25, 50)
            .inCanary(2, 0, Duration.ofMinutes(1)).deployment(2, 1, 1, prod).deployment(1, 3, 3, prod).analysis(false),
            p -> {
              assertThat(p.status().phase).isEqualTo("RolledBack");
              assertThat(p.rejections().get(2L)).contains("analysis failed 1 time(s)", "error-rate = 0.2");
              assertThat(p.deployments()).as("all traffic back on v1").isEqualTo(desired(1, 4, prod));
              assertThat(p.status().productionVersion).isEqualTo(1L);
            }),
        row("Canary", "the pause of a step that is not the last ends", w -> w.validated(1, 2).production(1)
            .canarySteps(25, 50).inCanary(2, 0, Duration.ofMinutes(5)).deployment(2, 1, 1, prod)
            .deployment(1, 3, 3, prod), p -> {
          assertThat(p.status().canary.step).isEqualTo(1);
          assertThat(p.status().canary.stepStartedAt).isNull();
          assertThat(p.status().phase).isEqualTo("Canary");
        }),
        row("Canary", "the last step's pause ends", w -> w.validated(1, 2).production(1).canarySteps(25, 50)
            .inCanary(2, 1, Duration.ofMinutes(5)).deployment(2, 2, 2, prod).deployment(1, 2, 2, prod), p -> {
          assertThat(p.status().phase).isEqualTo("Promoting");
          assertThat(p.deployments()).as("v1 keeps the last step's share until v2 is whole")
              .isEqualTo(desired(2, 4, prod, 1, 2, prod));
          assertThat(p.stages()).containsEntry(2L, Stage.Canary);
        }),
        row("Promoting", "after a canary, the candidate is not whole yet", w -> w.validated(1, 2).production(1)
            .canarySteps(25, 50).inCanary(2, 1, Duration.ofMinutes(6)).candidate(2, "Promoting", Duration.ofSeconds(5))
            .deployment(2, 4, 3, prod).deployment(1, 2, 2, prod), p -> {
          assertThat(p.status().phase).isEqualTo("Promoting");
          assertThat(p.deployments()).as("no flap of v1 back to all replicas").isEqualTo(desired(2, 4, prod, 1, 2, prod));
          assertThat(p.stages()).containsEntry(2L, Stage.Canary).containsEntry(1L, Stage.Production);
        }),
        row("Promoting", "the candidate's replicas are all ready", w -> w.validated(1, 2).production(1)
            .canarySteps(25).inCanary(2, 0, Duration.ofMinutes(6)).candidate(2, "Promoting", Duration.ofSeconds(5))
            .deployment(2, 4, 4, prod).deployment(1, 4, 4, prod), p -> {
          assertThat(p.status().phase).isEqualTo("Stable");
          assertThat(p.status().productionVersion).isEqualTo(2L);
          assertThat(p.stages()).containsEntry(2L, Stage.Production).containsEntry(1L, Stage.Retired);
          assertThat(p.deployments()).as("v1 stays warm, out of traffic")
              .isEqualTo(desired(2, 4, prod, 1, 4, ServingBuilders.WARM));
          assertThat(p.status().history.get(0).version).isEqualTo(1L);
          assertThat(p.status().history.get(0).outcome).isEqualTo("Replaced");
        }),
        row("Promoting", "the candidate is not ready by the deadline", w -> w.validated(1, 2).production(1)
            .candidate(2, "Promoting", Duration.ofSeconds(601)).smokePassed(2).deployment(2, 4, 2, prod), p -> {
          assertThat(p.status().phase).isEqualTo("RolledBack");
          assertThat(p.status().rejectedVersions).containsExactly(2L);
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
        }),
        row("Stable", "within scaleDownDelaySeconds of a promotion", w -> w.validated(1, 2).production(2)
            .replaced(1, Duration.ofSeconds(100)).deployment(1, 4, 4, ServingBuilders.WARM), p -> {
          assertThat(p.deployments()).isEqualTo(desired(2, 4, prod, 1, 4, ServingBuilders.WARM));
          assertThat(p.lookAgainIn()).contains(Duration.ofSeconds(500).plusMillis(500));
        }),
        row("Stable", "scaleDownDelaySeconds after a promotion", w -> w.validated(1, 2).production(2)
            .replaced(1, Duration.ofSeconds(600)).deployment(1, 4, 4, ServingBuilders.WARM), p -> {
          assertThat(p.deployments()).as("the warm version goes").isEqualTo(desired(2, 4, prod));
        }),
        row("Stable", "a rollback request while the previous version is warm", w -> w.validated(1, 2).production(2)
            .replaced(1, Duration.ofSeconds(100)).deployment(1, 4, 4, ServingBuilders.WARM)
            .annotate(Ferry.ANNOTATION_ROLLBACK, "r1"), p -> {
          assertThat(p.status().productionVersion).isEqualTo(1L);
          assertThat(p.status().phase).as("warm: traffic moves at once").isEqualTo("Stable");
          assertThat(condition(p, "Ready")).isEqualTo("True/Serving");
          assertThat(condition(p, "RolledBack")).isEqualTo("True/RollbackRequested");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
          assertThat(p.status().rejectedVersions).containsExactly(2L);
          assertThat(p.stages()).containsEntry(2L, Stage.None).containsEntry(1L, Stage.Production);
        }),
        row("Stable", "a rollback request when the previous version is cold", w -> w.validated(1, 2).production(2)
            .replaced(1, Duration.ofHours(2)).annotate(Ferry.ANNOTATION_ROLLBACK, "r1"), p -> {
          assertThat(p.status().productionVersion).isEqualTo(1L);
          assertThat(p.status().phase).isEqualTo("RollingBack");
          assertThat(condition(p, "Ready")).isEqualTo("False/NotReady");
          assertThat(condition(p, "Progressing")).isEqualTo("True/RollingBack");
          assertThat(p.deployments()).as("v2 keeps the traffic until v1 is ready")
              .isEqualTo(desired(1, 4, prod, 2, 4, prod));
        }),
        row("RollingBack", "the target's replicas are all ready", w -> w.validated(1, 2).production(1).rejected(2)
            .annotate(Ferry.ANNOTATION_ROLLBACK, "r1").candidate(1, "RollingBack", Duration.ofSeconds(30))
            .deployment(2, 4, 4, prod), p -> {
          assertThat(p.status().phase).isEqualTo("Stable");
          assertThat(condition(p, "Ready")).isEqualTo("True/Serving");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
        }),
        row("Stable", "a rollback request with nothing to return to", w -> w.validated(1).production(1)
            .annotate(Ferry.ANNOTATION_ROLLBACK, "r1"), p -> {
          assertThat(p.status().productionVersion).isEqualTo(1L);
          assertThat(condition(p, "RolledBack")).isEqualTo("False/NoPreviousVersion");
          assertThat(events(p)).containsExactly("RollbackImpossible");
        }),
        row("Stable", "the same rollback request again", w -> w.validated(1, 2).production(1).rejected(2)
            .annotate(Ferry.ANNOTATION_ROLLBACK, "r1").handledRollback("r1"), p -> {
          assertThat(p.events()).as("each request acts once").isEmpty();
          assertThat(p.status().productionVersion).isEqualTo(1L);
        }),
        row("RolledBack", "a retry of the rejected version", w -> w.validated(1, 2).production(1).rejected(2)
            .annotate(Ferry.ANNOTATION_RETRY, "2"), p -> {
          assertThat(p.status().rejectedVersions).isEmpty();
          assertThat(p.status().candidateVersion).isEqualTo(2L);
          assertThat(p.status().phase).isEqualTo("Staging");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod, 2, 1, staging));
          assertThat(p.stages()).containsEntry(2L, Stage.Staging);
          assertThat(events(p)).containsExactly("Retry");
          assertThat(p.status().handledRetry).isEqualTo("2");
        }),
        row("Stable", "a retry of a version older than production", w -> w.validated(1, 2).production(2).rejected(1)
            .annotate(Ferry.ANNOTATION_RETRY, "v1"), p -> {
          assertThat(p.status().candidateVersion).as("asked for deliberately").isEqualTo(1L);
        }),
        row("Stable", "a retry of a version that was not rejected", w -> w.validated(1, 2).production(2)
            .annotate(Ferry.ANNOTATION_RETRY, "1"), p -> {
          assertThat(p.status().candidateVersion).isNull();
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/RetryOfVersionNotRejected");
          assertThat(events(p)).containsExactly("RequestIgnored");
        }),
        row("Stable", "an ignored retry seen again", w -> w.validated(1, 2).production(2)
            .annotate(Ferry.ANNOTATION_RETRY, "1").handled("1", "RetryOfVersionNotRejected",
                "ferry.dev/retry=1: v1 was not rejected here, so there is nothing to try again"), p -> {
          assertThat(condition(p, "RequestIgnored")).as("stays reported").isEqualTo("True/RetryOfVersionNotRejected");
          assertThat(p.events()).as("said once").isEmpty();
        }),
        row("Stable", "a retry that is not a version", w -> w.validated(1).production(1)
            .annotate(Ferry.ANNOTATION_RETRY, "latest"), p -> {
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/RetryNotAVersion");
        }),
        row("Stable", "a retry of a missing version", w -> w.validated(1).production(1).rejected(5)
            .annotate(Ferry.ANNOTATION_RETRY, "5"), p -> {
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/RetryOfMissingVersion");
          assertThat(p.status().rejectedVersions).containsExactly(5L);
        }),
        row("Stable", "a pin of a rejected version", w -> w.validated(1, 2).production(1).rejected(2).pin(2), p -> {
          assertThat(p.status().candidateVersion).isNull();
          assertThat(condition(p, "Progressing")).isEqualTo("False/PinnedVersionRejected");
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/PinnedVersionRejected");
          assertThat(message(p, "RequestIgnored")).contains("ferry.dev/retry=2");
          assertThat(events(p)).containsExactly("RequestIgnored");
        }),
        row("Stable", "a pin of a version that does not exist", w -> w.validated(1).production(1).pin(9), p -> {
          assertThat(condition(p, "RequestIgnored")).isEqualTo("True/PinnedVersionNotFound");
          assertThat(p.deployments()).isEqualTo(desired(1, 4, prod));
        }),
        row("Stable", "a pin of an older version, manual promotion", w -> w.validated(1, 2).production(2).manual()
            .pin(1).deployment(1, 1, 1, staging).candidate(1, "Staging", Duration.ofSeconds(10)), p -> {
          assertThat(p.status().phase).as("a pin needs no approval").isEqualTo("Promoting");
          assertThat(p.deployments()).isEqualTo(desired(2, 4, prod, 1, 4, prod));
        }));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("rows")
  void eachPhaseHandlesEachEventAsDocumented(String phase, String event, Consumer<World> given, Consumer<Plan> then) {
    World world = new World();
    given.accept(world);
    then.accept(world.plan());
  }

  @Test
  void aPinOnTheRolledBackVersionIsNamedAboveVersion127() {
    // Boxed Longs above 127 are distinct objects: the pin must be compared by value.
    World world = new World().validated(199, 200).production(200).replaced(199, Duration.ofHours(2))
        .annotate(Ferry.ANNOTATION_ROLLBACK, "now").pin(Long.valueOf(200));
    assertThat(world.md.getSpec().version).isNotSameAs(world.md.getStatus().productionVersion);
    Plan plan = world.plan();
    assertThat(plan.status().productionVersion).isEqualTo(199L);
    assertThat(message(plan, "RolledBack")).contains("rolled back from v200 to v199", "spec.version still pins v200");
  }

  @Test
  void retryRequestsParseAVersionAndAnOptionalRequestSuffix() {
    assertThat(RolloutPlanner.retriedVersion("3")).contains(3L);
    assertThat(RolloutPlanner.retriedVersion(" v12 ")).contains(12L);
    assertThat(RolloutPlanner.retriedVersion("3.2")).contains(3L);
    assertThat(RolloutPlanner.retriedVersion("3.argocd-20261202t120000z")).contains(3L);
    assertThat(RolloutPlanner.retriedVersion("latest")).isEmpty();
    assertThat(RolloutPlanner.retriedVersion("")).isEmpty();
    assertThat(RolloutPlanner.retriedVersion("99999999999999999999")).as("beyond a long").isEmpty();
  }
}
