package dev.ferry.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/** A Unix cron expression read in a time zone, computed with cron-utils. */
public final class CronSchedule {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final ExecutionTime executionTime;
  private final ZoneId zone;

  public CronSchedule(String expression, String timeZone) {
    this.executionTime = ExecutionTime.forCron(PARSER.parse(expression));
    this.zone = timeZone == null ? ZoneOffset.UTC : ZoneId.of(timeZone);
  }

  private static final java.util.regex.Pattern SYNTAX =
      java.util.regex.Pattern.compile(dev.ferry.api.v1alpha1.CronSyntax.PATTERN);

  /**
   * What is wrong with a schedule, if anything: the CRDs' own pattern first (so the operator
   * refuses what admission refuses, for a spec that slipped past it), then cron-utils' parse.
   */
  public static Optional<String> problem(String expression) {
    if (expression == null || !SYNTAX.matcher(expression).matches()) {
      return Optional.of("not a 5-field cron expression with each field in range (minute 0-59, hour 0-23,"
          + " day 1-31, month 1-12 or JAN-DEC, weekday 0-6 or SUN-SAT)");
    }
    try {
      PARSER.parse(expression.strip()).validate();
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("not a 5-field cron expression (" + e.getMessage() + ")");
    }
  }

  /** The first scheduled time strictly after {@code after}. */
  public Optional<Instant> next(Instant after) {
    return executionTime.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  /** The most recent scheduled time at or before {@code now}. */
  public Optional<Instant> latestAtOrBefore(Instant now) {
    ZonedDateTime at = ZonedDateTime.ofInstant(now, zone);
    if (executionTime.isMatch(at.withNano(0)) && at.getSecond() == 0) {
      return Optional.of(now);
    }
    return executionTime.lastExecution(at).map(ZonedDateTime::toInstant);
  }
}
