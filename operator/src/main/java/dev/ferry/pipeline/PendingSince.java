package dev.ferry.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the pending deadline of a stuck pod starts. A kubelet's report (a waiting reason, an
 * unschedulable verdict) dates the trouble from the pod's creation. A pod no kubelet has reported
 * on yet is dated from when this operator first saw it so, if that is later: its creation time is
 * the API server's clock, the deadline is checked on the operator's, and a pod created a moment ago
 * must never look overdue to an operator whose clock runs ahead (it did, in a test whose clock is
 * years ahead: the step's Job was deleted as stuck and made again).
 */
public final class PendingSince {
  /** Entries older than this are forgotten: far beyond any pending deadline. */
  private static final Duration FORGET_AFTER = Duration.ofDays(1);
  private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();

  /** {@code stuck} with its start moved to when this operator first saw it unreported, when that is later. */
  public Optional<StepOutcome.Stuck> adjust(Optional<StepOutcome.Stuck> stuck, Instant now) {
    firstSeen.values().removeIf(seen -> seen.plus(FORGET_AFTER).isBefore(now));
    return stuck.map(s -> {
      if (!s.unreported() || s.pod() == null) {
        return s;
      }
      Instant seen = firstSeen.computeIfAbsent(s.pod(), uid -> now);
      return seen.isAfter(s.since()) ? new StepOutcome.Stuck(s.reason(), s.message(), seen, s.pod(), true) : s;
    });
  }
}
