package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The last line of {@code ferry local --exit-when-idle} says what failed, so it never contradicts the exit code. */
class LocalCommandVerdictTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  @Test
  void aCleanRunSaysNothingFailed() {
    assertThat(LocalCommand.verdict(true, TIMEOUT, List.of(), List.of())).isEqualTo("ferry local: idle; nothing failed");
  }

  @Test
  void manifestProblemsAreCountedInTheLastLine() {
    assertThat(LocalCommand.verdict(true, TIMEOUT, List.of("a.yaml, line 2: not valid YAML", "b.yaml, line 8: x"),
        List.of())).isEqualTo("ferry local: idle; 2 manifest problems: not applied (the error: lines above)");
  }

  @Test
  void failedResourcesAreNamedBeforeManifestProblems() {
    assertThat(LocalCommand.verdict(true, TIMEOUT, List.of("b.yaml, line 8: x"),
        List.of("TrainingRun/churn-r1: step train failed: exit code 1", "ModelVersion/churn-v2: not validated: auc")))
        .isEqualTo("ferry local: idle; 2 resources failed (TrainingRun/churn-r1, ModelVersion/churn-v2);"
            + " 1 manifest problem: not applied (the error: lines above)");
  }

  @Test
  void aTimeoutSaysWorkWasStillRunning() {
    assertThat(LocalCommand.verdict(false, TIMEOUT, List.of(), List.of()))
        .isEqualTo("ferry local: stopped after --timeout 1800 s with work still running; nothing failed");
  }
}
