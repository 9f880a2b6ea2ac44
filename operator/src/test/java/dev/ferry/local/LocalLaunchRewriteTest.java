package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Container paths as the local folders that stand for them. */
class LocalLaunchRewriteTest {
  @Test
  void theDeepestMountHoldingAPathDecidesWhateverTheOrder() {
    Map<String, Path> mounts = new LinkedHashMap<>();
    mounts.put("/ferry/pvc/models", Path.of("/state/models"));
    mounts.put("/ferry/pvc/models/quickstart", Path.of("/repo/examples/quickstart"));
    assertThat(LocalLaunch.rewrite("/ferry/pvc/models/quickstart/train/Train.java", mounts))
        .isEqualTo("/repo/examples/quickstart/train/Train.java");
    assertThat(LocalLaunch.rewrite("/ferry/pvc/models/churn/runs/r1", mounts)).isEqualTo("/state/models/churn/runs/r1");
    assertThat(LocalLaunch.rewrite("/ferry/pvc/models-old/x", mounts)).as("a prefix of a name is not a folder")
        .isEqualTo("/ferry/pvc/models-old/x");
    assertThat(LocalLaunch.rewrite("--epochs=3", mounts)).isEqualTo("--epochs=3");
  }
}
