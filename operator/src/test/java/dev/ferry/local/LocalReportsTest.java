package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which local folder stands for a report folder: the deepest mapping entry that holds it. */
class LocalReportsTest {
  private final LocalMapping mapping = new LocalMapping(Path.of("/work/ex/ferry-local.yaml"), Map.of(), Map.of(
      "reports", Path.of("/work/ex/.ferry-local/reports"),
      "models", Path.of("/work/ex/.ferry-local/models"),
      "models/quickstart", Path.of("/work/ex")));

  @Test
  void aFolderInAClaimIsThatFolderInTheClaimsLocalFolder() {
    assertThat(LocalReports.localFolder("pvc://reports/churn-drift", mapping))
        .contains(Path.of("/work/ex/.ferry-local/reports/churn-drift"));
    assertThat(LocalReports.localFolder("pvc://reports", mapping)).contains(Path.of("/work/ex/.ferry-local/reports"));
  }

  @Test
  void aClaimPathEntryWinsOverItsClaim() {
    assertThat(LocalReports.localFolder("pvc://models/quickstart/drift", mapping)).contains(Path.of("/work/ex/drift"));
    assertThat(LocalReports.localFolder("pvc://models/quickstartx/drift", mapping))
        .as("a prefix of a name is not a folder").contains(Path.of("/work/ex/.ferry-local/models/quickstartx/drift"));
  }

  @Test
  void bucketsAndUnmappedClaimsHaveNoLocalFolder() {
    assertThat(LocalReports.localFolder("s3://reports/churn", mapping)).isEmpty();
    assertThat(LocalReports.localFolder("pvc://elsewhere/churn", mapping)).isEmpty();
  }
}
