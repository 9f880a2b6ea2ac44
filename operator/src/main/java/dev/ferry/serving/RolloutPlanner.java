package dev.ferry.serving;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec.Promotion.Mode;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec.Rollout.Strategy;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus.Canary;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus.HistoryEntry;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionStatus.Stage;
import dev.ferry.kube.Conditions;
import dev.ferry.kube.StatusChange;
import dev.ferry.kube.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The delivery path of a ModelDeployment as a pure function: from what is observed (versions,
 * Deployments and their readiness, the smoke test, the canary analysis) to what should be (replicas
 * per version and track, the staging Service, the smoke Job, the status, the events). The
 * reconciler observes and applies; every decision is here, testable without a cluster.
 *
 * <p>Path of a candidate: Staging (its Deployment on the staging track) → SmokeTesting → (Manual:
 * AwaitingApproval) → Canary steps or Recreate → Stable, where it is production. A failed smoke
 * test, a failed analysis, a version that never gets ready, or a rollback request returns
 * production to the last good version and rejects the bad one for good.
 */
public final class RolloutPlanner {
  public static final String PROGRESSING = "Progressing";
  public static final String AWAITING_APPROVAL = "AwaitingApproval";
  public static final String ROLLED_BACK = "RolledBack";
  /** True while an approval, pin or retry is not acted on; the message says why. */
  public static final String REQUEST_IGNORED = "RequestIgnored";
  /** True while the production ModelVersion is gone: its pods still serve, but Ferry can no longer change them. */
  public static final String DEGRADED = "Degraded";
  /**
   * True while an HTTPRoute steers the requests (GatewayAPI mode); False with the reason when not:
   * NotRequested, GatewayAPINotInstalled, or RouteNotWritten (the reconciler could not write it).
   */
  public static final String ROUTED = "Routed";
  private static final Pattern RETRY = Pattern.compile("^v?(\\d{1,18})(\\..*)?$");
  /** How often the analysis metrics are measured during a canary pause. */
  public static final Duration ANALYSIS_INTERVAL = Duration.ofSeconds(10);
  private static final Pattern DURATION = Pattern.compile("(\\d+)([smh])");

  private RolloutPlanner() {
  }

  /** A Deployment as observed. */
  public record DeploymentState(long version, int replicas, int readyReplicas, String track) {
  }

  /** The candidate's smoke test as observed. */
  public record SmokeOutcome(long version, String job, String result, String message) {
  }

  /** One analysis measurement: passed, failed, or could not be measured (counts as failed). */
  public record AnalysisResult(String metric, boolean passed, String message) {
  }

  /** What is observed; {@code gatewayApi}: the cluster serves the Gateway API's HTTPRoute kind. */
  public record Observed(ModelDeployment md, List<ModelVersion> versions, Map<Long, DeploymentState> deployments,
      Optional<SmokeOutcome> smoke, List<AnalysisResult> analysis, Instant now, boolean gatewayApi) {
    public Observed(ModelDeployment md, List<ModelVersion> versions, Map<Long, DeploymentState> deployments,
        Optional<SmokeOutcome> smoke, List<AnalysisResult> analysis, Instant now) {
      this(md, versions, deployments, smoke, analysis, now, false);
    }
  }

  /** The bounds a HorizontalPodAutoscaler keeps a Deployment's replicas in. */
  public record Autoscale(int minReplicas, int maxReplicas) {
  }

  /**
   * Desired replicas and track of one version's Deployment. With {@code autoscale} the replicas are
   * the observed ones kept within its bounds: Ferry writes them only to lift a Deployment to the
   * minimum a rollout step needs, which the autoscaler would do as well.
   */
  public record Desired(int replicas, String track, Autoscale autoscale) {
    public Desired(int replicas, String track) {
      this(replicas, track, null);
    }
  }

  /** Requests whose header has a value go to one version, whatever the weights. */
  public record HeaderTarget(String header, String value, long version) {
  }

  /**
   * Per-request routing (GatewayAPI mode): percent of requests per version (summing to 100), the
   * version that a share of production's requests is mirrored to, and header routes.
   */
  public record Route(Map<Long, Integer> weights, Long mirrorVersion, Integer mirrorPercent,
      List<HeaderTarget> headers) {
  }

  /** A note for a Kubernetes Event. */
  public record Note(String type, String reason, String message) {
  }

  /** What should be. */
  public record Plan(ModelDeploymentStatus status, Map<Long, Desired> deployments, Long stagingVersion,
      Long smokeVersion, Map<Long, Stage> stages, Map<Long, String> rejections, List<Note> events,
      Optional<Duration> lookAgainIn, Optional<Route> route) {
  }

  public static final String GATEWAY_API = "GatewayAPI";
  public static final String REPLICA_RATIO = "ReplicaRatio";

  /**
   * Whether a canary or shadow in progress needs a measurement now (the reconciler only queries
   * Prometheus then).
   */
  public static boolean analysisDue(ModelDeployment md, Instant now) {
    ModelDeploymentStatus status = md.getStatus();
    boolean canaryPausing = status != null && status.canary != null && status.canary.stepStartedAt != null;
    boolean shadowing = status != null && status.shadow != null && status.shadow.startedAt != null;
    if (status == null || !(canaryPausing || shadowing)
        || md.getSpec().rollout == null || md.getSpec().rollout.analysis == null
        || md.getSpec().rollout.analysis.metrics == null || md.getSpec().rollout.analysis.metrics.isEmpty()) {
      return false;
    }
    Instant last = Times.parse(canaryPausing ? status.canary.lastAnalysisAt : status.shadow.lastAnalysisAt);
    return last == null || !now.isBefore(last.plus(ANALYSIS_INTERVAL));
  }

  /** The version a ferry.dev/retry value names ("3", "v3", "3.2" for a second request), if it names one. */
  public static Optional<Long> retriedVersion(String request) {
    Matcher m = request == null ? null : RETRY.matcher(request.strip());
    return m != null && m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }

  public static Plan plan(Observed observed) {
    return new Planning(observed).run();
  }

  /** Parses 30s, 5m, 1h30m. */
  public static Duration duration(String text) {
    if (text == null || text.isBlank()) {
      return Duration.ofMinutes(1);
    }
    Duration total = Duration.ZERO;
    Matcher m = DURATION.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
    }
    return total;
  }

  /** Replicas of a canary at a weight: at least one, at most all; the granularity is 1/replicas. */
  public static int canaryReplicas(int replicas, int weight) {
    if (weight >= 100) {
      return replicas;
    }
    return Math.max(1, Math.min(replicas, (int) Math.ceil(replicas * weight / 100.0)));
  }

  /**
   * Replicas a canary needs beside a stable version that keeps its own (autoscaled) replicas, so
   * that the canary holds {@code weight} percent of all: c / (stable + c) >= weight / 100.
   */
  static int canaryBeside(int stable, int weight) {
    if (weight >= 100) {
      return stable;
    }
    return Math.max(1, (int) Math.ceil(stable * (double) weight / (100 - weight)));
  }

  /** One planning pass; mutable state kept in one place. */
  private static final class Planning {
    private final Observed in;
    private final ModelDeployment md;
    private final ModelDeploymentSpec spec;
    private final ModelDeploymentStatus status;
    private final long generation;
    private final Instant now;
    private final Map<Long, Desired> deployments = new LinkedHashMap<>();
    private final Map<Long, Stage> stages = new LinkedHashMap<>();
    private final Map<Long, String> rejections = new LinkedHashMap<>();
    private final List<Note> events = new ArrayList<>();
    /** Requests seen in this pass and not acted on: reason and message. */
    private final List<String[]> ignored = new ArrayList<>();
    private Long stagingVersion;
    private Long smokeVersion;
    private Duration lookAgain;
    /** Per-request routing is in force: spec.traffic is set and the cluster has the Gateway API. */
    private final boolean routed;
    /** In a rollback to a version that scales up first, the version that keeps the requests meanwhile. */
    private Long holdsTraffic;

    Planning(Observed in) {
      this.in = in;
      this.md = in.md();
      this.spec = md.getSpec();
      this.status = Optional.ofNullable(StatusChange.copy(md.getStatus(), ModelDeploymentStatus.class))
          .orElseGet(ModelDeploymentStatus::new);
      this.generation = md.getMetadata().getGeneration() == null ? 0 : md.getMetadata().getGeneration();
      this.now = in.now();
      this.routed = spec.traffic != null && in.gatewayApi();
    }

    Plan run() {
      status.observedGeneration = generation;
      status.url = ServingBuilders.url(md, md.getMetadata().getName());
      handleRollbackRequest();
      handleRetryRequest();
      Long production = status.productionVersion;
      checkProductionVersionExists(production);
      Long candidate = chooseCandidate(production);
      if (candidate == null) {
        stable(production);
      } else {
        advance(production, candidate);
      }
      stagingVersion = status.stagingVersion;
      reportIgnoredRequests();
      trimHistory();
      Optional<Route> route = route();
      reportTraffic(route);
      return new Plan(status, deployments, stagingVersion, smokeVersion, stages, rejections, events,
          Optional.ofNullable(lookAgain), route);
    }

    /**
     * The HTTPRoute's content from where the pass left things: the stable version keeps what the
     * canary does not take; a version in a rollback that is still scaling up gets nothing yet.
     */
    private Optional<Route> route() {
      if (!routed) {
        return Optional.empty();
      }
      Long production = status.productionVersion;
      Long serving = holdsTraffic != null ? holdsTraffic : production;
      Map<Long, Integer> weights = new LinkedHashMap<>();
      Long candidate = status.candidateVersion;
      int w = candidate == null || !deployments.containsKey(candidate) ? 0 : routedCanaryWeight();
      if (serving != null && w > 0) {
        if (w < 100) {
          weights.put(serving, 100 - w);
        }
        weights.put(candidate, w);
      } else if (serving != null) {
        weights.put(serving, 100);
      }
      if (weights.isEmpty()) {
        return Optional.empty();
      }
      Long mirror = null;
      Integer percent = null;
      if (status.shadow != null && status.shadow.startedAt != null && candidate != null
          && deployments.containsKey(candidate)) {
        mirror = candidate;
        percent = status.shadow.percent;
      }
      List<HeaderTarget> headers = new ArrayList<>();
      for (var header : spec.traffic.headerRoutes == null ? List.<dev.ferry.api.v1alpha1.TrafficSpec.HeaderRoute>of()
          : spec.traffic.headerRoutes) {
        Long target = switch (header.target == null ? dev.ferry.api.v1alpha1.TrafficSpec.HeaderRoute.Target.Production
            : header.target) {
          case Candidate -> candidate;
          case Staging -> status.stagingVersion;
          case Production -> serving;
        };
        if (target == null || !deployments.containsKey(target)) {
          target = serving; // nothing of that role runs now: the header is answered by production
        }
        headers.add(new HeaderTarget(header.header, header.value, target));
      }
      return Optional.of(new Route(weights, mirror, percent, headers));
    }

    /**
     * The candidate's share of requests: a step's weight once its replicas are ready, the step
     * before's while a larger step scales up, the last step's while promoting.
     */
    private int routedCanaryWeight() {
      Canary c = status.canary;
      if (c == null || c.weight == null) {
        return 0;
      }
      if (c.stepStartedAt != null || "Promoting".equals(status.phase)) {
        return Math.min(100, c.weight);
      }
      var steps = spec.rollout == null ? null : spec.rollout.steps;
      return c.step == null || c.step == 0 || steps == null || c.step > steps.size() ? 0
          : Math.min(100, steps.get(c.step - 1).weight);
    }

    /** status.traffic: the mode in force, why, and who gets what share. */
    private void reportTraffic(Optional<Route> route) {
      ModelDeploymentStatus.Traffic traffic = new ModelDeploymentStatus.Traffic();
      if (routed) {
        traffic.mode = GATEWAY_API;
        traffic.route = TrafficBuilders.routeName(md);
        traffic.message = "per-request weights" + (spec.rollout != null && spec.rollout.shadow != null
            ? ", mirrors" : "") + (spec.traffic.headerRoutes == null || spec.traffic.headerRoutes.isEmpty() ? ""
            : " and header routes") + " in HTTPRoute " + traffic.route;
        route.ifPresent(r -> {
          r.weights().forEach((version, weight) -> {
            ModelDeploymentStatus.Backend backend = new ModelDeploymentStatus.Backend();
            backend.version = version;
            backend.service = TrafficBuilders.versionServiceName(md, version);
            backend.weight = weight;
            traffic.backends.add(backend);
          });
          traffic.mirrorVersion = r.mirrorVersion();
          traffic.mirrorPercent = r.mirrorPercent();
        });
        Conditions.set(status, ROUTED, Conditions.TRUE, "HTTPRoute", "requests are steered by HTTPRoute "
            + traffic.route, generation, now);
      } else {
        traffic.mode = REPLICA_RATIO;
        if (spec.traffic == null) {
          Conditions.set(status, ROUTED, Conditions.FALSE, "NotRequested", "no spec.traffic", generation, now);
        } else {
          Conditions.set(status, ROUTED, Conditions.FALSE, "GatewayAPINotInstalled", "the cluster does not serve"
              + " HTTPRoute (gateway.networking.k8s.io/v1); the canary is a share of replicas", generation, now);
        }
        traffic.message = spec.traffic == null
            ? "no spec.traffic: the production Service spreads requests over the pods of the versions on it, so a"
                + " canary's share is its share of replicas"
            : "spec.traffic asks for per-request routing, but this cluster does not serve the Gateway API's"
                + " HTTPRoute (gateway.networking.k8s.io/v1): the canary is a share of replicas"
                + (spec.rollout != null && spec.rollout.shadow != null ? " and rollout.shadow is skipped" : "")
                + " until it is installed";
        int total = deployments.entrySet().stream()
            .filter(e -> ServingBuilders.PRODUCTION.equals(e.getValue().track())).mapToInt(e -> e.getValue().replicas())
            .sum();
        deployments.forEach((version, desired) -> {
          if (ServingBuilders.PRODUCTION.equals(desired.track()) && desired.replicas() > 0 && total > 0) {
            ModelDeploymentStatus.Backend backend = new ModelDeploymentStatus.Backend();
            backend.version = version;
            backend.service = md.getMetadata().getName();
            backend.weight = (int) Math.round(100.0 * desired.replicas() / total);
            traffic.backends.add(backend);
          }
        });
      }
      status.traffic = traffic;
    }

    /** The size production runs at: the stable version's observed replicas when autoscaled, else spec.replicas. */
    private int productionSize(Long production) {
      if (spec.autoscaling == null) {
        return replicas();
      }
      DeploymentState state = production == null ? null : in.deployments().get(production);
      return clamp(state == null ? replicas() : state.replicas(), minReplicas(), maxReplicas());
    }

    private int minReplicas() {
      return spec.autoscaling.minReplicas == null ? 1 : spec.autoscaling.minReplicas;
    }

    private int maxReplicas() {
      return spec.autoscaling.maxReplicas == null ? Math.max(minReplicas(), replicas()) : spec.autoscaling.maxReplicas;
    }

    private static int clamp(int value, int min, int max) {
      return Math.max(min, Math.min(max, value));
    }

    /** The stable version: all of spec.replicas, or under an autoscaler whatever it chose within its bounds. */
    private Desired stableDesired(long version) {
      if (spec.autoscaling == null) {
        return new Desired(replicas(), ServingBuilders.PRODUCTION);
      }
      DeploymentState state = in.deployments().get(version);
      int current = state == null || state.replicas() == 0 ? replicas() : state.replicas();
      return new Desired(clamp(current, minReplicas(), maxReplicas()), ServingBuilders.PRODUCTION,
          new Autoscale(minReplicas(), maxReplicas()));
    }

    /**
     * A version on the production track that needs at least {@code needed} replicas now (a canary
     * step, a promotion). Under an autoscaler that is its minimum; it may scale further up.
     */
    private Desired growingDesired(long version, int needed) {
      if (spec.autoscaling == null) {
        return new Desired(needed, ServingBuilders.PRODUCTION);
      }
      int floor = clamp(needed, 1, maxReplicas());
      DeploymentState state = in.deployments().get(version);
      int current = state == null || !ServingBuilders.PRODUCTION.equals(state.track()) ? floor : state.replicas();
      return new Desired(clamp(current, floor, maxReplicas()), ServingBuilders.PRODUCTION,
          new Autoscale(floor, maxReplicas()));
    }

    /** Readiness a stable version must show: all its replicas, or under an autoscaler its minimum. */
    private int readyFloor(Desired desired) {
      return desired.autoscale() == null ? desired.replicas()
          : Math.min(desired.replicas(), desired.autoscale().minReplicas());
    }

    /** How long a replaced production version stays warm: rollout.scaleDownDelaySeconds, default 600 s. */
    private Duration scaleDownDelay() {
      Integer seconds = spec.rollout == null ? null : spec.rollout.scaleDownDelaySeconds;
      return Duration.ofSeconds(seconds == null ? 600 : seconds);
    }

    /**
     * Keeps the version production replaced running, out of traffic, until the delay is over, so a
     * rollback to it only moves the Service. Not during a canary or a promotion: the production
     * Service then selects every pod of the deployment.
     */
    private void keepPreviousWarm(Long production) {
      if (production == null || status.history.isEmpty()) {
        return;
      }
      HistoryEntry last = status.history.get(0);
      Instant until = Times.parse(status.productionSince) == null ? null
          : Times.parse(status.productionSince).plus(scaleDownDelay());
      if (!"Replaced".equals(last.outcome) || last.version == null || last.version.equals(production)
          || rejected(last.version) || version(last.version).isEmpty() || until == null || !now.isBefore(until)) {
        return;
      }
      deployments.put(last.version, new Desired(replicas(), ServingBuilders.WARM));
      lookAgainIn(Duration.between(now, until).plusMillis(500));
    }

    private int replicas() {
      return spec.replicas == null ? 2 : spec.replicas;
    }

    private int stagingReplicas() {
      return spec.staging == null || spec.staging.replicas == null ? 1 : spec.staging.replicas;
    }

    private Optional<ModelVersion> version(long number) {
      return in.versions().stream().filter(v -> v.getSpec() != null && v.getSpec().version == number).findFirst();
    }

    /** Rejected here: this status is the one record of it (a ModelVersion's rejectedReason only mirrors it). */
    private boolean rejected(long number) {
      return status.rejectedVersions.contains(number);
    }

    private boolean validated(ModelVersion v) {
      return v.getStatus() != null && Conditions.isTrue(v.getStatus(), "Validated");
    }

    private boolean ready(long version, int atLeast) {
      DeploymentState state = in.deployments().get(version);
      return state != null && state.readyReplicas() >= atLeast && state.replicas() >= atLeast;
    }

    private void note(String type, String reason, String message) {
      events.add(new Note(type, reason, message));
    }

    private void lookAgainIn(Duration duration) {
      if (lookAgain == null || duration.compareTo(lookAgain) < 0) {
        lookAgain = duration;
      }
    }

    /** The version to move towards: the pin, the candidate in flight, or the newest validated one. */
    private Long chooseCandidate(Long production) {
      if (spec.version != null) {
        long pinned = spec.version;
        if (rejected(pinned)) {
          String message = "spec.version pins v" + pinned + ", which was rolled back here; production stays on "
              + (production == null ? "nothing" : "v" + production) + ". Change spec.version in git, or try v"
              + pinned + " again with: kubectl annotate md " + md.getMetadata().getName() + " "
              + Ferry.ANNOTATION_RETRY + "=" + pinned + " --overwrite";
          Conditions.set(status, PROGRESSING, Conditions.FALSE, "PinnedVersionRejected", message, generation, now);
          ignore("PinnedVersionRejected", message);
          return null;
        }
        if (version(pinned).isEmpty()) {
          String message = "spec.version pins v" + pinned + " but ModelVersion " + spec.model + "-v" + pinned
              + " does not exist";
          Conditions.set(status, PROGRESSING, Conditions.FALSE, "VersionNotFound", message, generation, now);
          ignore("PinnedVersionNotFound", message);
          return null;
        }
        return Long.valueOf(pinned).equals(production) ? null : pinned;
      }
      Long inFlight = status.candidateVersion;
      if (inFlight != null && !rejected(inFlight) && version(inFlight).isPresent() && !inFlight.equals(production)) {
        return inFlight;
      }
      return in.versions().stream()
          .filter(this::validated)
          .map(v -> v.getSpec().version)
          .filter(n -> !rejected(n))
          .filter(n -> production == null || n > production)
          .max(Comparator.naturalOrder()).orElse(null);
    }

    private void stable(Long production) {
      status.candidateVersion = null;
      status.canary = null;
      status.shadow = null;
      status.smokeTest = null;
      status.phaseSince = null;
      if (production == null) {
        status.phase = "Waiting";
        status.stagingVersion = null;
        String why = in.versions().isEmpty() ? "no ModelVersion of model " + spec.model + " exists yet"
            : "no Validated ModelVersion of model " + spec.model + " that was not rejected";
        Conditions.set(status, Conditions.READY, Conditions.FALSE, "NoValidatedVersion", why, generation, now);
        Conditions.find(status, PROGRESSING).filter(c -> c.getReason().equals("PinnedVersionRejected")
            || c.getReason().equals("VersionNotFound")).ifPresentOrElse(c -> { },
            () -> Conditions.set(status, PROGRESSING, Conditions.FALSE, "NoCandidate", why, generation, now));
        Conditions.set(status, AWAITING_APPROVAL, Conditions.FALSE, "NoCandidate", "", generation, now);
        return;
      }
      Desired stableDesired = stableDesired(production);
      deployments.put(production, stableDesired);
      stages.put(production, Stage.Production);
      keepPreviousWarm(production);
      if (status.stagingVersion == null) {
        status.stagingVersion = production;
      }
      boolean rollingBack = !status.history.isEmpty() && "RolledBack".equals(status.history.get(0).outcome)
          && ("RolledBack".equals(status.phase) || "RollingBack".equals(status.phase));
      if (!ready(production, readyFloor(stableDesired))) {
        // A rollback to a version that was no longer warm: it scales up first, and says so.
        status.phase = rollingBack ? "RollingBack" : "Stable";
        Conditions.set(status, Conditions.READY, Conditions.FALSE, "NotReady", "v" + production + ": "
            + readyText(production) + " replicas ready", generation, now);
        if (rollingBack) {
          // The version rolled back from keeps the traffic until its successor can take it.
          holdsTraffic = status.history.get(0).version;
          deployments.put(holdsTraffic, stableDesired(holdsTraffic));
          Conditions.set(status, PROGRESSING, Conditions.TRUE, "RollingBack", "v" + production + " scaling up to take"
              + " production back: " + readyText(production) + " replicas ready", generation, now);
          return;
        }
      } else {
        status.phase = "Stable";
        Conditions.set(status, Conditions.READY, Conditions.TRUE, "Serving", "v" + production + " serves production",
            generation, now);
      }
      if (Conditions.find(status, PROGRESSING).map(c -> !c.getReason().equals("PinnedVersionRejected")
          && !c.getReason().equals("VersionNotFound")).orElse(true)) {
        Conditions.set(status, PROGRESSING, Conditions.FALSE, "Stable", "no candidate", generation, now);
      }
      Conditions.set(status, AWAITING_APPROVAL, Conditions.FALSE, "NoCandidate", "", generation, now);
    }

    private String readyText(long version) {
      DeploymentState state = in.deployments().get(version);
      return (state == null ? 0 : state.readyReplicas()) + "/" + (state == null ? 0 : state.replicas());
    }

    private void enterPhase(String phase) {
      if (!phase.equals(status.phase)) {
        status.phase = phase;
        status.phaseSince = Times.format(now);
      }
    }

    private boolean pastDeadline() {
      Instant since = Times.parse(status.phaseSince);
      int deadline = spec.progressDeadlineSeconds == null ? 600 : spec.progressDeadlineSeconds;
      if (since == null) {
        return false;
      }
      Duration left = Duration.between(now, since.plusSeconds(deadline));
      if (left.isNegative() || left.isZero()) {
        return true;
      }
      lookAgainIn(left.plusMillis(500));
      return false;
    }

    private void advance(Long production, long candidate) {
      ModelVersion version = version(candidate).orElseThrow();
      if (!Long.valueOf(candidate).equals(status.candidateVersion)) {
        status.candidateVersion = candidate;
        status.canary = null;
        status.shadow = null;
        status.smokeTest = null;
        status.phase = null;
        note("Normal", "Candidate", "v" + candidate + " is the candidate; deploying it to staging");
      }
      Conditions.set(status, AWAITING_APPROVAL, Conditions.FALSE, "NotYet", "", generation, now);
      if (production != null) {
        deployments.put(production, stableDesired(production));
        stages.put(production, Stage.Production);
        Conditions.set(status, Conditions.READY, Conditions.TRUE, "Serving", "v" + production + " serves production",
            generation, now);
      } else {
        Conditions.set(status, Conditions.READY, Conditions.FALSE, "NoProductionYet", "v" + candidate
            + " is on its way to production", generation, now);
      }

      boolean inRollout = "Shadow".equals(status.phase) || "Canary".equals(status.phase)
          || "Promoting".equals(status.phase);
      if (!inRollout) {
        keepPreviousWarm(production);
        if (!staged(production, candidate, version)) {
          return;
        }
        if (!approved(candidate)) {
          return;
        }
      }
      rollout(production, candidate);
    }

    /** Staging and smoke test; true once the candidate passed them. */
    private boolean staged(Long production, long candidate, ModelVersion version) {
      deployments.put(candidate, new Desired(stagingReplicas(), ServingBuilders.STAGING));
      stages.put(candidate, Stage.Staging);
      status.stagingVersion = candidate;
      boolean smokePassed = status.smokeTest != null && Long.valueOf(candidate).equals(status.smokeTest.version)
          && "Passed".equals(status.smokeTest.result);
      if (smokePassed || "AwaitingApproval".equals(status.phase)) {
        return true;
      }
      if (!ready(candidate, stagingReplicas())) {
        enterPhase("Staging");
        progressing("Staging", "v" + candidate + " on staging: " + readyText(candidate) + " replicas ready");
        if (pastDeadline()) {
          reject(production, candidate, "v" + candidate + " did not become ready on staging within "
              + spec.progressDeadlineSeconds + " s");
        }
        return false;
      }
      if (spec.smokeTest == null) {
        return true;
      }
      enterPhase("SmokeTesting");
      smokeVersion = candidate;
      Optional<SmokeOutcome> outcome = in.smoke().filter(s -> s.version() == candidate);
      ModelDeploymentStatus.SmokeTest smoke = new ModelDeploymentStatus.SmokeTest();
      smoke.version = candidate;
      smoke.job = ServingBuilders.smokeJobName(md, candidate);
      smoke.result = outcome.map(SmokeOutcome::result).orElse("Running");
      smoke.message = outcome.map(SmokeOutcome::message).orElse(null);
      status.smokeTest = smoke;
      if ("Failed".equals(smoke.result)) {
        reject(production, candidate, "smoke test of v" + candidate + " failed: " + smoke.message);
        return false;
      }
      if (!"Passed".equals(smoke.result)) {
        progressing("SmokeTesting", "smoke test of v" + candidate + " is running");
        return false;
      }
      note("Normal", "SmokeTestPassed", "smoke test of v" + candidate + " passed");
      return true;
    }

    /** Manual promotion waits for the ferry.dev/approve annotation (or a pin). */
    private boolean approved(long candidate) {
      boolean manual = spec.promotion == null || spec.promotion.mode == null || spec.promotion.mode == Mode.Manual;
      if (!manual || spec.version != null) {
        return true;
      }
      String approval = md.getMetadata().getAnnotations() == null ? null
          : md.getMetadata().getAnnotations().get(Ferry.ANNOTATION_APPROVE);
      if (String.valueOf(candidate).equals(approval == null ? null : approval.strip().replaceFirst("^v", ""))) {
        note("Normal", "Approved", "v" + candidate + " approved for production");
        return true;
      }
      enterPhase("AwaitingApproval");
      String message = "v" + candidate + " passed staging; approve with: kubectl annotate md "
          + md.getMetadata().getName() + " " + Ferry.ANNOTATION_APPROVE + "=" + candidate + " --overwrite";
      if (approval != null && !approval.isBlank()) {
        message = "the approval of " + approval + " does not match the candidate v" + candidate + "; " + message;
      }
      if (!Conditions.isTrue(status, AWAITING_APPROVAL)) {
        note("Normal", "AwaitingApproval", message);
      }
      Conditions.set(status, AWAITING_APPROVAL, Conditions.TRUE, "SmokeTestPassed", message, generation, now);
      Conditions.set(status, PROGRESSING, Conditions.TRUE, "AwaitingApproval", message, generation, now);
      return false;
    }

    private void rollout(Long production, long candidate) {
      ModelDeploymentSpec.Rollout rollout = spec.rollout;
      boolean shadowWanted = production != null && rollout != null && rollout.shadow != null && routed
          && !"Canary".equals(status.phase) && !"Promoting".equals(status.phase);
      if (shadowWanted && !shadow(production, candidate)) {
        return;
      }
      boolean canary = production != null && rollout != null && rollout.strategy == Strategy.Canary
          && rollout.steps != null && !rollout.steps.isEmpty();
      if (!canary || "Promoting".equals(status.phase)) {
        recreate(production, candidate);
        return;
      }
      if (status.canary == null) {
        status.canary = new Canary();
        status.canary.version = candidate;
        status.canary.step = 0;
        note("Normal", "CanaryStarted", "canary of v" + candidate + " started");
      }
      enterPhase("Canary");
      Canary c = status.canary;
      var step = rollout.steps.get(c.step);
      c.weight = step.weight;
      int onCandidate = sizeCanary(production, candidate, step.weight);
      progressing("Canary", "v" + candidate + " at " + step.weight + "% (step " + (c.step + 1) + " of "
          + rollout.steps.size() + ")");
      if (c.stepStartedAt == null) {
        if (!ready(candidate, onCandidate)) {
          if (pastDeadline()) {
            abortCanary(production, candidate, "v" + candidate + " did not become ready at " + step.weight + "%");
          }
          return;
        }
        c.stepStartedAt = Times.format(now);
        note("Normal", "CanaryStep", "v" + candidate + " at " + step.weight + "%, pausing " + step.pause);
      }
      for (AnalysisResult result : in.analysis()) {
        c.lastAnalysisAt = Times.format(now);
        c.lastAnalysis = result.message();
        if (!result.passed()) {
          c.analysisFailures = (c.analysisFailures == null ? 0 : c.analysisFailures) + 1;
        }
      }
      if (c.step == 0 && c.stepStartedAt != null && status.shadow != null) {
        status.shadow = null; // the shadow's mirror ends when the first canary step holds
      }
      if (c.analysisFailures != null && c.analysisFailures > failureLimit()) {
        abortCanary(production, candidate, "analysis failed " + c.analysisFailures + " time(s) (failureLimit "
            + failureLimit() + "): " + c.lastAnalysis);
        return;
      }
      if (holding(Times.parse(c.stepStartedAt).plus(duration(step.pause)))) {
        return;
      }
      if (c.step + 1 < rollout.steps.size()) {
        c.step = c.step + 1;
        c.stepStartedAt = null;
        status.phaseSince = Times.format(now);
        lookAgainIn(Duration.ofMillis(100));
        return;
      }
      status.phase = "Promoting";
      status.phaseSince = Times.format(now);
      recreate(production, candidate);
    }

    /**
     * Sizes the canary for a step and returns its replicas. Replica ratio: the canary takes its
     * share of spec.replicas from the stable version; beside an autoscaled stable version it is
     * sized so its share of all pods is the weight. Gateway API: the route sets the share, so the
     * stable version keeps its replicas and the canary gets the weight's share of them.
     */
    private int sizeCanary(long production, long candidate, int weight) {
      int onCandidate;
      if (routed) {
        onCandidate = canaryReplicas(productionSize(production), weight);
        deployments.put(production, stableDesired(production));
      } else if (spec.autoscaling != null) {
        onCandidate = Math.min(maxReplicas(), canaryBeside(productionSize(production), weight));
        deployments.put(production, stableDesired(production));
      } else {
        onCandidate = canaryReplicas(replicas(), weight);
        deployments.put(production, new Desired(replicas() - onCandidate, ServingBuilders.PRODUCTION));
      }
      deployments.put(candidate, growingDesired(candidate, onCandidate));
      stages.put(candidate, Stage.Canary);
      return onCandidate;
    }

    /**
     * The shadow rollout (GatewayAPI mode): the candidate, sized for its mirrored share, gets a
     * copy of that share of production's requests while production answers them, for the pause,
     * with the canary's analysis. True once it is over and passed.
     */
    private boolean shadow(long production, long candidate) {
      var shadowSpec = spec.rollout.shadow;
      if (status.shadow == null || !Long.valueOf(candidate).equals(status.shadow.version)) {
        status.shadow = new ModelDeploymentStatus.Shadow();
        status.shadow.version = candidate;
        note("Normal", "ShadowStarted", "v" + candidate + " gets a copy of " + shadowSpec.percent
            + "% of production's requests; its answers are discarded");
      }
      ModelDeploymentStatus.Shadow sh = status.shadow;
      sh.percent = shadowSpec.percent;
      enterPhase("Shadow");
      int onCandidate = canaryReplicas(productionSize(production), shadowSpec.percent);
      deployments.put(production, stableDesired(production));
      deployments.put(candidate, growingDesired(candidate, onCandidate));
      stages.put(candidate, Stage.Canary);
      progressing("Shadow", "v" + candidate + " shadows " + shadowSpec.percent + "% of production's requests");
      if (sh.startedAt == null) {
        if (!ready(candidate, onCandidate)) {
          if (pastDeadline()) {
            reject(production, candidate, "v" + candidate + " did not become ready for its shadow rollout");
          }
          return false;
        }
        sh.startedAt = Times.format(now);
      }
      for (AnalysisResult result : in.analysis()) {
        sh.lastAnalysisAt = Times.format(now);
        sh.lastAnalysis = result.message();
        if (!result.passed()) {
          sh.analysisFailures = (sh.analysisFailures == null ? 0 : sh.analysisFailures) + 1;
        }
      }
      if (sh.analysisFailures != null && sh.analysisFailures > failureLimit()) {
        reject(production, candidate, "analysis of the shadow failed " + sh.analysisFailures + " time(s) (failureLimit "
            + failureLimit() + "): " + sh.lastAnalysis);
        return false;
      }
      if (holding(Times.parse(sh.startedAt).plus(duration(shadowSpec.pause)))) {
        return false;
      }
      note("Normal", "ShadowPassed", "v" + candidate + " shadowed production for " + shadowSpec.pause);
      boolean canary = spec.rollout.strategy == Strategy.Canary && spec.rollout.steps != null
          && !spec.rollout.steps.isEmpty();
      if (!canary) {
        status.shadow = null;
      }
      // A canary's first step ends the mirror once it holds; a promotion (Recreate) ends it now.
      status.phaseSince = Times.format(now);
      return true;
    }

    /** Failed measurements a canary or shadow tolerates: rollout.analysis.failureLimit, default 0. */
    private int failureLimit() {
      var analysis = spec.rollout == null ? null : spec.rollout.analysis;
      return analysis == null || analysis.failureLimit == null ? 0 : analysis.failureLimit;
    }

    /**
     * Whether a pause that ends at {@code end} still holds; if so, looks again when it ends, or at
     * the next analysis measurement when there are metrics to measure.
     */
    private boolean holding(Instant end) {
      if (!now.isBefore(end)) {
        return false;
      }
      var analysis = spec.rollout == null ? null : spec.rollout.analysis;
      lookAgainIn(analysis != null && analysis.metrics != null && !analysis.metrics.isEmpty()
          ? min(Duration.between(now, end), ANALYSIS_INTERVAL) : Duration.between(now, end).plusMillis(200));
      return true;
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    /** All replicas to the candidate; the old version leaves once the candidate is ready. */
    private void recreate(Long production, long candidate) {
      if (!"Promoting".equals(status.phase)) {
        enterPhase("Promoting");
      }
      int size = productionSize(production);
      Desired whole = growingDesired(candidate, size);
      deployments.put(candidate, whole);
      if (production != null && (routed || spec.autoscaling != null)) {
        // Requests (routed) or its own autoscaler decide the stable version's load until the candidate is whole.
        deployments.put(production, stableDesired(production));
      } else if (production != null && status.canary != null && status.canary.weight != null) {
        // After a canary, production keeps its last step's share until the candidate is whole.
        deployments.put(production, new Desired(replicas() - canaryReplicas(replicas(), status.canary.weight),
            ServingBuilders.PRODUCTION));
      }
      // Production only once promotion completes: until then it is still the canary (or staged).
      stages.put(candidate, status.canary != null ? Stage.Canary : Stage.Staging);
      progressing("Promoting", "v" + candidate + " taking all production traffic");
      if (!ready(candidate, size)) {
        if (pastDeadline()) {
          if (production == null) {
            reject(null, candidate, "v" + candidate + " did not become ready within " + spec.progressDeadlineSeconds
                + " s");
          } else {
            abortCanary(production, candidate, "v" + candidate + " did not become ready within "
                + spec.progressDeadlineSeconds + " s");
          }
        }
        return;
      }
      promote(production, candidate);
    }

    private void promote(Long production, long candidate) {
      if (production != null) {
        deployments.remove(production);
        stages.put(production, Stage.Retired);
        addHistory(production, "Replaced");
      }
      status.productionSince = Times.format(now);
      // Out of traffic from now on, but still running for the scale-down delay.
      keepPreviousWarm(candidate);
      status.productionVersion = candidate;
      status.productionSince = Times.format(now);
      status.candidateVersion = null;
      status.canary = null;
      status.shadow = null;
      deployments.put(candidate, stableDesired(candidate));
      status.phase = "Stable";
      status.phaseSince = null;
      status.stagingVersion = candidate;
      stages.put(candidate, Stage.Production);
      note("Normal", "Promoted", "v" + candidate + " serves production" + (production == null ? ""
          : ", replacing v" + production));
      Conditions.set(status, Conditions.READY, Conditions.TRUE, "Serving", "v" + candidate + " serves production",
          generation, now);
      Conditions.set(status, PROGRESSING, Conditions.FALSE, "Promoted", "v" + candidate + " promoted", generation, now);
      Conditions.set(status, AWAITING_APPROVAL, Conditions.FALSE, "NoCandidate", "", generation, now);
    }

    private void abortCanary(long production, long candidate, String why) {
      reject(production, candidate, why);
    }

    /** The candidate failed: production stays on (or returns to) its version, the candidate is never picked again. */
    private void reject(Long production, long candidate, String why) {
      deployments.remove(candidate);
      if (production != null) {
        deployments.put(production, stableDesired(production));
      }
      status.shadow = null;
      if (!status.rejectedVersions.contains(candidate)) {
        status.rejectedVersions.add(candidate);
      }
      rejections.put(candidate, why);
      stages.put(candidate, Stage.None);
      status.candidateVersion = null;
      status.canary = null;
      status.phase = "RolledBack";
      status.phaseSince = null;
      status.stagingVersion = production;
      String message = why + "; production " + (production == null ? "has no version" : "stays on v" + production);
      note("Warning", "RolledBack", message);
      Conditions.set(status, ROLLED_BACK, Conditions.TRUE, "CandidateFailed", message, generation, now);
      Conditions.set(status, PROGRESSING, Conditions.FALSE, "RolledBack", message, generation, now);
      Conditions.set(status, AWAITING_APPROVAL, Conditions.FALSE, "NoCandidate", "", generation, now);
      lookAgainIn(Duration.ofMillis(100));
    }

    /** The ferry.dev/rollback annotation: production returns to the last good version before it. */
    private void handleRollbackRequest() {
      String request = md.getMetadata().getAnnotations() == null ? null
          : md.getMetadata().getAnnotations().get(Ferry.ANNOTATION_ROLLBACK);
      if (request == null || request.equals(status.handledRollback)) {
        return;
      }
      status.handledRollback = request;
      Long production = status.productionVersion;
      Optional<HistoryEntry> previous = status.history.stream()
          .filter(h -> "Replaced".equals(h.outcome) && !rejected(h.version) && version(h.version).isPresent())
          .findFirst();
      if (production == null || previous.isEmpty()) {
        String message = "rollback requested (" + request + ") but there is no previous good version to return to";
        note("Warning", "RollbackImpossible", message);
        Conditions.set(status, ROLLED_BACK, Conditions.FALSE, "NoPreviousVersion", message, generation, now);
        return;
      }
      long target = previous.get().version;
      if (status.candidateVersion != null) {
        deployments.remove(status.candidateVersion);
      }
      status.candidateVersion = null;
      status.canary = null;
      status.shadow = null;
      status.smokeTest = null;
      status.rejectedVersions.add(production);
      rejections.put(production, "rolled back on request (" + request + ")");
      stages.put(production, Stage.None);
      status.history.remove(previous.get());
      addHistory(production, "RolledBack");
      status.productionVersion = target;
      status.productionSince = Times.format(now);
      status.stagingVersion = target;
      status.phase = "RolledBack";
      String message = "rolled back from v" + production + " to v" + target + " on request (" + request + ")";
      if (spec.version != null && Objects.equals(spec.version, production)) {
        message += "; spec.version still pins v" + production + ": change it in git";
      }
      note("Warning", "RolledBack", message);
      Conditions.set(status, ROLLED_BACK, Conditions.TRUE, "RollbackRequested", message, generation, now);
    }

    private String annotation(String key) {
      return md.getMetadata().getAnnotations() == null ? null : md.getMetadata().getAnnotations().get(key);
    }

    private void ignore(String reason, String message) {
      ignored.add(new String[] {reason, message});
    }

    /**
     * The ferry.dev/retry annotation, acted on once per value: a version rejected here becomes the
     * candidate again and goes through staging, the smoke test and promotion like any other.
     */
    private void handleRetryRequest() {
      String request = annotation(Ferry.ANNOTATION_RETRY);
      if (request == null) {
        return;
      }
      if (request.equals(status.handledRetry)) {
        // An ignored retry stays reported for as long as the annotation asks for it.
        Conditions.find(status, REQUEST_IGNORED).filter(c -> Conditions.TRUE.equals(c.getStatus())
            && c.getReason().startsWith("Retry")).ifPresent(c -> ignore(c.getReason(), c.getMessage().split("; ")[0]));
        return;
      }
      status.handledRetry = request;
      String asked = Ferry.ANNOTATION_RETRY + "=" + request;
      Optional<Long> named = retriedVersion(request);
      if (named.isEmpty()) {
        ignore("RetryNotAVersion", asked + " does not name a version: give its number, e.g. "
            + Ferry.ANNOTATION_RETRY + "=3 (3.2 to ask again)");
        return;
      }
      long number = named.get();
      if (version(number).isEmpty()) {
        ignore("RetryOfMissingVersion", asked + ": ModelVersion " + spec.model + "-v" + number + " does not exist");
        return;
      }
      if (!rejected(number)) {
        ignore("RetryOfVersionNotRejected", asked + ": v" + number + " was not rejected here, so there is"
            + " nothing to try again");
        return;
      }
      status.rejectedVersions.remove(Long.valueOf(number));
      status.candidateVersion = number;
      status.canary = null;
      status.shadow = null;
      status.smokeTest = null;
      status.phase = null;
      status.phaseSince = null;
      stages.put(number, Stage.Candidate);
      note("Normal", "Retry", "v" + number + " is the candidate again on request (" + request + "): staging, smoke"
          + " test and promotion as for any candidate");
      Conditions.set(status, ROLLED_BACK, Conditions.FALSE, "Retried", "v" + number + " is tried again on request ("
          + request + ")", generation, now);
      if (spec.version != null && spec.version != number) {
        ignore("RetryOverriddenByPin", asked + ": v" + number + " is no longer rejected, but spec.version pins v"
            + spec.version + ", which stays the target");
      }
    }

    /** A manual approval that names neither the candidate nor a version already promoted is not acted on: say why. */
    private void checkApproval(Long candidate) {
      boolean manual = spec.promotion == null || spec.promotion.mode == null || spec.promotion.mode == Mode.Manual;
      String approval = annotation(Ferry.ANNOTATION_APPROVE);
      if (!manual || spec.version != null || approval == null || approval.isBlank()) {
        return;
      }
      String asked = Ferry.ANNOTATION_APPROVE + "=" + approval;
      Optional<Long> named = retriedVersion(approval).filter(n -> !approval.contains("."));
      if (named.isEmpty()) {
        ignore("ApprovalNotAVersion", asked + " does not name a version: give the candidate's number");
        return;
      }
      long number = named.get();
      if (Long.valueOf(number).equals(candidate) || Long.valueOf(number).equals(status.productionVersion)
          || status.history.stream().anyMatch(h -> Long.valueOf(number).equals(h.version))) {
        return;
      }
      String target = candidate == null ? "no candidate awaits approval" : "the candidate is v" + candidate;
      if (version(number).isEmpty()) {
        ignore("ApprovedVersionNotFound", asked + ": ModelVersion " + spec.model + "-v" + number
            + " does not exist; " + target);
      } else if (rejected(number)) {
        ignore("ApprovedVersionRejected", asked + ": v" + number + " was rejected here; " + target + ". Try v"
            + number + " again with " + Ferry.ANNOTATION_RETRY + "=" + number);
      } else if (!validated(version(number).get())) {
        ignore("ApprovedVersionNotValidated", asked + ": v" + number + " did not pass its validation gates; " + target);
      } else {
        ignore("ApprovalNotForCandidate", asked + ": v" + number + " is not the candidate; " + target);
      }
    }

    /** The RequestIgnored condition, and one Warning event each time what is ignored changes. */
    private void reportIgnoredRequests() {
      checkApproval(status.candidateVersion);
      if (ignored.isEmpty()) {
        Conditions.set(status, REQUEST_IGNORED, Conditions.FALSE, "None", "every approval, pin and retry was acted on",
            generation, now);
        return;
      }
      String reason = ignored.get(0)[0];
      String message = String.join("; ", ignored.stream().map(i -> i[1]).toList());
      boolean news = Conditions.find(status, REQUEST_IGNORED).map(c -> !Conditions.TRUE.equals(c.getStatus())
          || !message.equals(c.getMessage())).orElse(true);
      Conditions.set(status, REQUEST_IGNORED, Conditions.TRUE, reason, message, generation, now);
      if (news) {
        note("Warning", REQUEST_IGNORED, message);
      }
    }

    /**
     * A production version whose ModelVersion was deleted: its pods keep serving (nothing deletes
     * them), but Ferry can no longer change or roll them, and drift checks lose their baseline.
     */
    private void checkProductionVersionExists(Long production) {
      if (production != null && version(production).isEmpty()) {
        Conditions.set(status, DEGRADED, Conditions.TRUE, "ProductionVersionMissing", "ModelVersion " + spec.model
            + "-v" + production + " (in production) no longer exists; its pods keep serving as they are, but Ferry"
            + " cannot change them: re-apply the ModelVersion or let a new version replace it", generation, now);
      } else {
        Conditions.set(status, DEGRADED, Conditions.FALSE, "None", production == null ? "nothing in production"
            : "v" + production + " serves production", generation, now);
      }
    }

    private void addHistory(long version, String outcome) {
      HistoryEntry entry = new HistoryEntry();
      entry.version = version;
      entry.from = status.productionSince;
      entry.to = Times.format(now);
      entry.outcome = outcome;
      status.history.add(0, entry);
    }

    private void trimHistory() {
      int limit = spec.revisionHistoryLimit == null ? 5 : spec.revisionHistoryLimit;
      while (status.history.size() > limit) {
        status.history.remove(status.history.size() - 1);
      }
    }

    private void progressing(String reason, String message) {
      Conditions.set(status, PROGRESSING, Conditions.TRUE, reason, message, generation, now);
    }
  }
}
