package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A reconcile that keeps failing is tried again without end, at most 5 minutes apart. */
class RetryPolicyTest {
  @Test
  void failuresAreRetriedForeverWithBackoffBoundedAtFiveMinutes() {
    RetryExecution execution = FerryOperator.RETRY.initExecution();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      delays.add(execution.nextDelay().orElseThrow(() -> new AssertionError("retries stopped")));
    }
    assertThat(delays.subList(0, 4)).containsExactly(2000L, 2000L, 4000L, 8000L);
    assertThat(delays).allMatch(d -> d <= 300_000L);
    assertThat(delays.get(999)).isEqualTo(300_000L);
  }
}
