package dev.ferry.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/** `helm lint --strict helm/ferry`: warnings fail too. */
class ChartLintTest {

  @Test
  void lintStrictPasses() {
    LintResult result = ChartRender.helm().lint().strict().call();
    assertThat(result.isFailed()).as("helm lint --strict failed:\n%s", String.join("\n", result.getMessages())).isFalse();
    assertThat(result.getMessages()).as("helm lint --strict messages")
        .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }
}
