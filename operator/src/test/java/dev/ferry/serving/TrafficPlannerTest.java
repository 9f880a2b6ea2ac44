package dev.ferry.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.AutoscalingSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.TrafficSpec;
import dev.ferry.api.v1alpha1.TrafficSpec.HeaderRoute.Target;
import dev.ferry.kube.Times;
import dev.ferry.serving.RolloutPlanner.Autoscale;
import dev.ferry.serving.RolloutPlanner.Desired;
import dev.ferry.serving.RolloutPlanner.HeaderTarget;
import dev.ferry.serving.RolloutPlanner.Plan;
import dev.ferry.serving.RolloutPlannerTest.World;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner's traffic and replica decisions, as a table written from docs/traffic.md: which
 * share of requests each version gets (GatewayAPI mode) or of replicas (ReplicaRatio), when the
 * shadow's mirror is on, where header routes point, and that under an autoscaler the planner
 * keeps the replicas it chose and only lifts them to what a rollout step needs.
 */
class TrafficPlannerTest {
  private static final String PROD = ServingBuilders.PRODUCTION;
  private static final String STAGING = ServingBuilders.STAGING;

  private static World routed(World w) {
    w.gatewayApi = true;
    return traffic(w);
  }

  private static World traffic(World w) {
    w.md.getSpec().traffic = new TrafficSpec();
    TrafficSpec.ParentRef parent = new TrafficSpec.ParentRef();
    parent.name = "public";
    w.md.getSpec().traffic.parentRefs = List.of(parent);
    return w;
  }

  private static World header(World w, String value, Target target) {
    TrafficSpec.HeaderRoute route = new TrafficSpec.HeaderRoute();
    route.header = "x-model-track";
    route.value = value;
    route.target = target;
    w.md.getSpec().traffic.headerRoutes.add(route);
    return w;
  }

  private static World shadow(World w, int percent) {
    if (w.md.getSpec().rollout == null) {
      w.md.getSpec().rollout = new ModelDeploymentSpec.Rollout();
    }
    w.md.getSpec().rollout.shadow = new TrafficSpec.Shadow();
    w.md.getSpec().rollout.shadow.percent = percent;
    w.md.getSpec().rollout.shadow.pause = "10m";
    return w;
  }

  private static World autoscaled(World w, int min, int max) {
    w.md.getSpec().autoscaling = new AutoscalingSpec();
    w.md.getSpec().autoscaling.minReplicas = min;
    w.md.getSpec().autoscaling.maxReplicas = max;
    return w;
  }

  /** The candidate's shadow began {@code ago}. */
  private static World shadowing(World w, long n, Duration ago) {
    w.candidate(n, "Shadow", ago);
    var shadow = new ModelDeploymentStatus.Shadow();
    shadow.version = n;
    shadow.percent = w.md.getSpec().rollout.shadow.percent;
    shadow.startedAt = Times.format(w.now.minus(ago));
    w.md.getStatus().shadow = shadow;
    return w;
  }

  /** vN passed staging and its smoke test: the rollout proper comes next. */
  private static World passedStaging(World w, long n) {
    return w.candidate(n, "SmokeTesting", Duration.ofSeconds(30)).smokeTest().smokePassed(n)
        .deployment(n, 1, 1, STAGING);
  }

  private static Arguments row(String phase, String event, Consumer<World> given, Consumer<Plan> then) {
    return Arguments.of(phase, event, given, then);
  }

  private static Map<Long, Integer> weights(Plan plan) {
    return plan.route().orElseThrow(() -> new AssertionError("no route planned")).weights();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        row("Stable", "routed", w -> routed(w.validated(1).production(1)), p -> {
          assertThat(weights(p)).isEqualTo(Map.of(1L, 100));
          assertThat(p.status().traffic.mode).isEqualTo("GatewayAPI");
          assertThat(p.status().traffic.route).isEqualTo("churn");
          assertThat(p.status().traffic.backends).singleElement().satisfies(b -> {
            assertThat(b.service).isEqualTo("churn-v1");
            assertThat(b.weight).isEqualTo(100);
          });
          assertThat(p.route().get().mirrorVersion()).isNull();
        }),
        row("Stable", "spec.traffic but no Gateway API in the cluster", w -> traffic(w.validated(1).production(1)), p -> {
          assertThat(p.route()).isEmpty();
          assertThat(p.status().traffic.mode).isEqualTo("ReplicaRatio");
          assertThat(p.status().traffic.message).contains("does not serve the Gateway API's HTTPRoute");
        }),
        row("Stable", "no spec.traffic", w -> w.validated(1).production(1), p -> {
          assertThat(p.status().traffic.mode).isEqualTo("ReplicaRatio");
          assertThat(p.status().traffic.message).startsWith("no spec.traffic");
          assertThat(p.status().traffic.backends).singleElement().satisfies(b -> assertThat(b.weight).isEqualTo(100));
        }),
        row("Canary", "a 1% step whose replica is not ready yet", w -> routed(w.validated(1, 2).production(1)
            .canarySteps(1, 50)).inCanary(2, 0, Duration.ofSeconds(5)).deployment(2, 1, 0, STAGING), p -> {
          // The step starts once ready: the route gives the candidate nothing before.
          assertThat(p.deployments()).containsEntry(1L, new Desired(4, PROD)).containsEntry(2L, new Desired(1, PROD));
        }),
        row("Canary", "the 1% step holds", w -> {
          routed(w.validated(1, 2).production(1).canarySteps(1, 50)).inCanary(2, 0, Duration.ofSeconds(5))
              .deployment(2, 1, 1, PROD);
        }, p -> {
          assertThat(weights(p)).isEqualTo(Map.of(1L, 99, 2L, 1));
          assertThat(p.deployments()).as("the stable version keeps all its replicas: the route sets the share")
              .containsEntry(1L, new Desired(4, PROD)).containsEntry(2L, new Desired(1, PROD));
          assertThat(p.status().traffic.backends).extracting(b -> b.version + ":" + b.weight)
              .containsExactly("1:99", "2:1");
        }),
        row("Canary", "the 50% step scales up", w -> {
          routed(w.validated(1, 2).production(1).canarySteps(1, 50)).inCanary(2, 1, Duration.ofSeconds(5))
              .deployment(2, 1, 1, PROD);
          w.md.getStatus().canary.stepStartedAt = null;
        }, p -> {
          assertThat(p.deployments()).containsEntry(2L, new Desired(2, PROD));
          assertThat(weights(p)).as("the last step's weight until the larger one is ready")
              .isEqualTo(Map.of(1L, 99, 2L, 1));
        }),
        row("Canary", "a replica-ratio canary without the Gateway API", w -> traffic(w.validated(1, 2).production(1)
            .canarySteps(25)).inCanary(2, 0, Duration.ofSeconds(5)).deployment(2, 1, 1, PROD), p -> {
          assertThat(p.deployments()).containsEntry(1L, new Desired(3, PROD)).containsEntry(2L, new Desired(1, PROD));
          assertThat(p.status().traffic.backends).extracting(b -> b.version + ":" + b.weight)
              .containsExactlyInAnyOrder("1:75", "2:25");
        }),
        row("Canary", "analysis fails: the route flips back at once", w -> routed(w.validated(1, 2).production(1)
            .canarySteps(10)).inCanary(2, 0, Duration.ofSeconds(30)).deployment(2, 1, 1, PROD).analysis(false), p -> {
          assertThat(p.status().phase).isEqualTo("RolledBack");
          assertThat(weights(p)).isEqualTo(Map.of(1L, 100));
          assertThat(p.deployments()).doesNotContainKey(2L);
        }),
        row("SmokeTesting", "passed, a shadow comes first", w -> shadow(routed(passedStaging(
            w.validated(1, 2).production(1), 2)), 10), p -> {
          assertThat(p.status().phase).isEqualTo("Shadow");
          assertThat(p.deployments()).containsEntry(2L, new Desired(1, PROD)).containsEntry(1L, new Desired(4, PROD));
          assertThat(p.route().get().mirrorVersion()).as("the staging replica serves the shadow at once").isEqualTo(2L);
          assertThat(p.status().shadow.startedAt).isNotNull();
          assertThat(p.status().traffic.mirrorPercent).isEqualTo(10);
          assertThat(weights(p)).isEqualTo(Map.of(1L, 100));
        }),
        row("Shadow", "the shadow's replica is not ready", w -> {
          shadow(routed(w.validated(1, 2).production(1)), 50);
          w.candidate(2, "Shadow", Duration.ofSeconds(10)).deployment(2, 1, 1, PROD);
          var shadow = new ModelDeploymentStatus.Shadow();
          shadow.version = 2L;
          w.md.getStatus().shadow = shadow;
        }, p -> {
          assertThat(p.deployments()).containsEntry(2L, new Desired(2, PROD));
          assertThat(p.route().get().mirrorVersion()).as("no copies to a candidate not ready for them").isNull();
        }),
        row("Shadow", "the analysis fails", w -> shadowing(shadow(routed(w.validated(1, 2).production(1)
            .canarySteps(10)), 10), 2, Duration.ofMinutes(2)).deployment(2, 1, 1, PROD).analysis(false), p -> {
          assertThat(p.status().phase).isEqualTo("RolledBack");
          assertThat(p.rejections().get(2L)).contains("analysis of the shadow failed");
          assertThat(p.route().get().mirrorVersion()).isNull();
          assertThat(p.status().shadow).isNull();
        }),
        row("Shadow", "the pause is over, a canary follows", w -> shadowing(shadow(routed(w.validated(1, 2).production(1)
            .canarySteps(50)), 10), 2, Duration.ofMinutes(11)).deployment(2, 1, 1, PROD).analysis(true), p -> {
          assertThat(p.status().phase).isEqualTo("Canary");
          assertThat(p.status().canary.step).isZero();
          assertThat(p.route().get().mirrorVersion()).as("the mirror stays until the first step holds").isEqualTo(2L);
        }),
        row("Canary", "the first step after a shadow holds", w -> {
          shadowing(shadow(routed(w.validated(1, 2).production(1).canarySteps(10)), 10), 2, Duration.ofMinutes(11))
              .deployment(2, 1, 1, PROD);
          w.inCanary(2, 0, Duration.ofSeconds(1));
          w.md.getStatus().canary.stepStartedAt = null;
        }, p -> {
          assertThat(weights(p)).isEqualTo(Map.of(1L, 90, 2L, 10));
          assertThat(p.route().get().mirrorVersion()).isNull();
          assertThat(p.status().shadow).isNull();
        }),
        row("Shadow", "the pause is over, Recreate follows", w -> shadowing(shadow(routed(w.validated(1, 2)
            .production(1)), 10), 2, Duration.ofMinutes(11)).deployment(2, 1, 1, PROD), p -> {
          assertThat(p.status().phase).isEqualTo("Promoting");
          assertThat(p.deployments()).containsEntry(2L, new Desired(4, PROD));
          assertThat(p.route().get().mirrorVersion()).isNull();
          assertThat(weights(p)).as("production answers until the candidate is whole").isEqualTo(Map.of(1L, 100));
        }),
        row("SmokeTesting", "passed, a shadow wanted but no Gateway API", w -> shadow(traffic(passedStaging(
            w.validated(1, 2).production(1).canarySteps(10), 2)), 10), p -> {
          assertThat(p.status().phase).isEqualTo("Canary");
          assertThat(p.status().traffic.message).contains("rollout.shadow is skipped");
        }),
        row("Canary", "header routes by role", w -> {
          routed(w.validated(1, 2).production(1).canarySteps(10)).inCanary(2, 0, Duration.ofSeconds(5))
              .deployment(2, 1, 1, PROD);
          w.md.getStatus().stagingVersion = 2L;
          header(w, "candidate", Target.Candidate);
          header(w, "staging", Target.Staging);
          header(w, "stable", Target.Production);
        }, p -> assertThat(p.route().get().headers()).containsExactly(
            new HeaderTarget("x-model-track", "candidate", 2L), new HeaderTarget("x-model-track", "staging", 2L),
            new HeaderTarget("x-model-track", "stable", 1L))),
        row("Stable", "a header for the candidate with none in flight", w -> header(routed(w.validated(1)
            .production(1)), "candidate", Target.Candidate), p ->
            assertThat(p.route().get().headers()).containsExactly(new HeaderTarget("x-model-track", "candidate", 1L))),
        row("Stable", "a cold rollback: the version rolled back from keeps the requests", w -> {
          routed(w.validated(1, 2).production(1)).rejected(2).deployment(1, 4, 0, PROD).deployment(2, 4, 4, PROD);
          var entry = new ModelDeploymentStatus.HistoryEntry();
          entry.version = 2L;
          entry.outcome = "RolledBack";
          w.md.getStatus().history.add(entry);
          w.md.getStatus().phase = "RollingBack";
        }, p -> {
          assertThat(p.status().phase).isEqualTo("RollingBack");
          assertThat(weights(p)).isEqualTo(Map.of(2L, 100));
        }),

        // Under an autoscaler (min 2, max 10).
        row("Stable", "the autoscaler scaled production to 7", w -> autoscaled(w.validated(1).production(1), 2, 10)
            .deployment(1, 7, 5, PROD), p -> {
          assertThat(p.deployments()).containsEntry(1L, new Desired(7, PROD, new Autoscale(2, 10)));
          assertThat(p.status().phase).isEqualTo("Stable");
          assertThat(p.status().conditions).filteredOn(c -> c.getType().equals("Ready")).singleElement()
              .satisfies(c -> assertThat(c.getStatus()).as("5 of 7 ready is above the minimum").isEqualTo("True"));
        }),
        row("Stable", "production below the autoscaler's minimum", w -> autoscaled(w.validated(1).production(1), 2, 10)
            .deployment(1, 1, 1, PROD), p ->
            assertThat(p.deployments()).containsEntry(1L, new Desired(2, PROD, new Autoscale(2, 10)))),
        row("Canary", "routed, 10% beside an autoscaled stable version at 8", w -> autoscaled(routed(w.validated(1, 2)
            .production(1).canarySteps(10)), 2, 10).inCanary(2, 0, Duration.ofSeconds(5)).deployment(1, 8, 8, PROD)
            .deployment(2, 1, 1, PROD), p -> {
          assertThat(p.deployments()).containsEntry(1L, new Desired(8, PROD, new Autoscale(2, 10)))
              .containsEntry(2L, new Desired(1, PROD, new Autoscale(1, 10)));
          assertThat(weights(p)).isEqualTo(Map.of(1L, 90, 2L, 10));
        }),
        row("Canary", "replica ratio, 25% beside an autoscaled stable version at 6", w -> autoscaled(w.validated(1, 2)
            .production(1).canarySteps(25), 2, 10).inCanary(2, 0, Duration.ofSeconds(5)).deployment(1, 6, 6, PROD)
            .deployment(2, 1, 1, PROD), p -> {
          // 2 of 8 pods: the share is the weight, and the stable version's replicas stay the autoscaler's.
          assertThat(p.deployments()).containsEntry(1L, new Desired(6, PROD, new Autoscale(2, 10)))
              .containsEntry(2L, new Desired(2, PROD, new Autoscale(2, 10)));
        }),
        row("Canary", "the autoscaler already scaled the canary past its step's need", w -> autoscaled(routed(
            w.validated(1, 2).production(1).canarySteps(10)), 2, 10).inCanary(2, 0, Duration.ofSeconds(5))
            .deployment(1, 8, 8, PROD).deployment(2, 3, 3, PROD), p ->
            assertThat(p.deployments()).as("no fight: its replicas stay")
                .containsEntry(2L, new Desired(3, PROD, new Autoscale(1, 10)))),
        row("Promoting", "the candidate must take the stable version's current size", w -> {
          autoscaled(routed(w.validated(1, 2).production(1).canarySteps(10)), 2, 10)
              .inCanary(2, 0, Duration.ofSeconds(5)).deployment(1, 6, 6, PROD).deployment(2, 1, 1, PROD);
          w.md.getStatus().phase = "Promoting";
        }, p -> {
          assertThat(p.deployments()).containsEntry(2L, new Desired(6, PROD, new Autoscale(6, 10)));
          assertThat(weights(p)).isEqualTo(Map.of(1L, 90, 2L, 10));
        }),
        row("Promoting", "the candidate is whole: promoted, its autoscaler back to the spec's bounds", w -> {
          autoscaled(routed(w.validated(1, 2).production(1).canarySteps(10)), 2, 10)
              .inCanary(2, 0, Duration.ofSeconds(5)).deployment(1, 6, 6, PROD).deployment(2, 6, 6, PROD);
          w.md.getStatus().phase = "Promoting";
        }, p -> {
          assertThat(p.status().productionVersion).isEqualTo(2L);
          assertThat(p.deployments()).containsEntry(2L, new Desired(6, PROD, new Autoscale(2, 10)));
          assertThat(weights(p)).isEqualTo(Map.of(2L, 100));
        }));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("rows")
  void plans(String phase, String event, Consumer<World> given, Consumer<Plan> then) {
    World world = new World();
    given.accept(world);
    then.accept(world.plan());
  }
}
