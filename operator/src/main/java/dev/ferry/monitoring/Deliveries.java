package dev.ferry.monitoring;

import dev.ferry.api.v1alpha1.DriftPolicy;
import dev.ferry.api.v1alpha1.DriftPolicyStatus.Delivery;
import dev.ferry.kube.Names;
import dev.ferry.kube.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Webhook deliveries, at least once and recorded once. A delivery's identity comes from its
 * cause (the policy, the how-manyth change of verdict, the target), never from the clock, so a
 * crash or a conflict between sending and recording sends the same delivery again under the same
 * id (the X-Ferry-Delivery header) instead of a new one, and the status keeps one record of it.
 * A receiver that fails is tried again with exponential backoff. Pure.
 */
public final class Deliveries {
  /** Header that carries the delivery id to the receiver. */
  public static final String HEADER = "X-Ferry-Delivery";
  public static final int MAX_ATTEMPTS = 8;
  public static final int KEPT = 20;
  private static final Duration FIRST_RETRY = Duration.ofSeconds(10);
  private static final Duration LONGEST_WAIT = Duration.ofMinutes(5);

  private Deliveries() {
  }

  /** The identity of notification number {@code change} of the policy to its target at {@code targetIndex}. */
  public static String id(DriftPolicy policy, int change, String verdict, int targetIndex) {
    return Names.shortHash(policy.getMetadata().getUid() + "/" + change + "/" + verdict + "/" + targetIndex, 16);
  }

  /** The wait before attempt {@code attempts + 1}: 10 s, 20 s, 40 s, ... at most 5 minutes. */
  public static Duration backoff(int attempts) {
    long seconds = FIRST_RETRY.toSeconds() << Math.min(Math.max(attempts - 1, 0), 20);
    return Duration.ofSeconds(Math.min(seconds, LONGEST_WAIT.toSeconds()));
  }

  /** Records an attempt's outcome on the delivery: delivered, or when to try again (or never). */
  public static void attempted(Delivery delivery, boolean sent, String message, Instant now) {
    delivery.attempts = (delivery.attempts == null ? 0 : delivery.attempts) + 1;
    delivery.delivered = sent;
    delivery.lastAttemptAt = Times.format(now);
    delivery.message = message;
    delivery.nextAttemptAt = sent || delivery.attempts >= MAX_ATTEMPTS ? null
        : Times.format(now.plus(backoff(delivery.attempts)));
  }

  /** Deliveries not yet accepted whose next attempt is due. */
  public static List<Delivery> due(List<Delivery> deliveries, Instant now) {
    return deliveries.stream().filter(d -> !Boolean.TRUE.equals(d.delivered) && d.nextAttemptAt != null)
        .filter(d -> !Times.parse(d.nextAttemptAt).isAfter(now)).toList();
  }

  /** When the next retry is due, if any is pending. */
  public static Optional<Instant> nextAttempt(List<Delivery> deliveries) {
    return deliveries.stream().filter(d -> !Boolean.TRUE.equals(d.delivered) && d.nextAttemptAt != null)
        .map(d -> Times.parse(d.nextAttemptAt)).filter(Objects::nonNull).min(Instant::compareTo);
  }

  /** Adds a new delivery first, keeping the newest {@link #KEPT}. */
  public static void add(List<Delivery> deliveries, Delivery delivery) {
    deliveries.add(0, delivery);
    while (deliveries.size() > KEPT) {
      deliveries.remove(deliveries.size() - 1);
    }
  }
}
