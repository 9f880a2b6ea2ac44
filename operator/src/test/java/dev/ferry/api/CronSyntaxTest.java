package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.ferry.api.v1alpha1.CronSyntax;
import dev.ferry.pipeline.CronSchedule;
import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schedule pattern the CRDs carry: every schedule it admits is one the pipeline's scheduler
 * computes (the CronJob controller's side is checked on a real API server by CronAdmissionIT), and
 * the out-of-range schedules a user types by mistake are refused.
 */
class CronSyntaxTest {
  private static final Pattern SCHEDULE = Pattern.compile(CronSyntax.PATTERN);

  @ParameterizedTest
  @ValueSource(strings = {"0 3 * * *", "*/15 * * * *", "0 0 1 1 0", "59 23 31 12 6", "0 9-17/2 * * 1-5",
      "5,35 */6 1,15 * *", "0 4 * JAN,JUL MON", "00 03 * * *", "0 0 * * MON-FRI", "1-59/7 0-23 1-31 1-12 0-6",
      " 0 3 * * * "})
  void admitsWhatTheSchedulerComputes(String schedule) {
    assertThat(SCHEDULE.matcher(schedule).matches()).as(schedule).isTrue();
    assertThatCode(() -> new CronSchedule(schedule.strip(), null).next(Instant.EPOCH).orElseThrow())
        .as(schedule).doesNotThrowAnyException();
    assertThat(CronSchedule.problem(schedule)).as("the operator's own check of " + schedule).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"61 25 * * 9", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
      "* * * 0 *", "* * * * 7", "*/0 * * * *", "0 3 * *", "0 3 * * * *", "@daily", "0 3 ? * *", "0 3 * * MONDAY",
      "0 3 * * mon", "0,3 * * * ,", "", "0\t3 * * *", "0 3 * * *\n0 4 * * *"})
  void refusesOutOfRangeAndMalformedSchedules(String schedule) {
    assertThat(SCHEDULE.matcher(schedule).matches()).as(schedule).isFalse();
    // The operator refuses the same, for a spec that reached it without admission (the local mode's mock).
    assertThat(CronSchedule.problem(schedule)).as(schedule).isPresent();
  }
}
