package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelDeploymentSpec;
import dev.ferry.api.v1alpha1.ModelDeploymentStatus;
import dev.ferry.net.ServiceUrls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress view's lines: counts read as counts, and a served model says where it answers here. */
class ProgressViewTest {
  @TempDir
  Path dir;

  @Test
  void countsPrintAsIntegersAndScoresToFourDigits() {
    assertThat(ProgressView.number(442.0)).isEqualTo("442");
    assertThat(ProgressView.number(0.0)).isEqualTo("0");
    assertThat(ProgressView.number(0.796834)).isEqualTo("0.7968");
    assertThat(ProgressView.number(1.5e20)).isEqualTo("1.500e+20");
  }

  @Test
  void aDeploymentShowsTheLocalAddressOfProductionAndStaging() throws Exception {
    Path services = dir.resolve("services.json");
    ServiceUrls.write(services, Map.of("churn.default:8080", "127.0.0.1:43625",
        "churn-staging.default:8080", "127.0.0.1:43999"));
    ModelDeployment md = new ModelDeployment();
    md.getMetadata().setName("churn");
    md.getMetadata().setNamespace("default");
    md.setSpec(new ModelDeploymentSpec());
    md.getSpec().model = "churn";
    md.getSpec().server = new ModelDeploymentSpec.Server();
    md.getSpec().server.port = 8080;
    md.setStatus(new ModelDeploymentStatus());
    md.getStatus().phase = "Stable";
    md.getStatus().productionVersion = 2L;
    md.getStatus().stagingVersion = 2L;
    ProgressView view = new ProgressView(null, new PrintStream(new ByteArrayOutputStream()), p -> "", services);
    assertThat(view.summary(md)).isEqualTo("Stable  production=v2  http://127.0.0.1:43625 (churn.default.svc:8080)"
        + "  staging http://127.0.0.1:43999 (churn-staging.default.svc:8080)");
  }
}
