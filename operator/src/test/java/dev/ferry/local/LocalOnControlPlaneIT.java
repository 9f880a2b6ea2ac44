package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.e2e.RealCluster;
import dev.ferry.operator.FerryConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry local --control-plane}: the quickstart on a real kube-apiserver, etcd and
 * kube-controller-manager whose state is kept in the local folder; kubectl with the kubeconfig it
 * prints; and a second start on the same folder that resumes instead of starting over.
 */
class LocalOnControlPlaneIT {
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  private LocalMode localMode(Path dir) {
    return new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60), FerryConfig.defaults(),
        ProcessContainerRunner.selfCommand(), new PrintStream(output, true, StandardCharsets.UTF_8), -1, true));
  }

  /** kubectl as a user runs it, with the kubeconfig the local mode wrote; the one built beside the control plane. */
  private static String kubectl(Path dir, String... args) throws IOException, InterruptedException {
    Path kubectl = dev.ferry.controlplane.ControlPlaneBinaries.locate(RealCluster.ROOT).resolve("kubectl");
    List<String> command = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig",
        LocalMode.kubeconfig(dir).toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  @Test
  void theQuickstartRunsOnTheRealControlPlaneAndResumesAfterARestart() throws Exception {
    // Under the project, so the control plane's build script is found upward from the folder.
    Path dir = RealCluster.ROOT.resolve("operator").resolve("target").resolve("local-control-plane");
    RealCluster.deleteTree(dir);
    RealCluster.copyTree(RealCluster.QUICKSTART, dir);

    Map<String, String> uids;
    int runs;
    try (LocalMode local = localMode(dir)) {
      assertThat(local.start()).as(output.toString()).isEmpty();
      local.awaitIdle(Duration.ofMinutes(8));
      assertThat(local.failures()).as(output.toString()).isEmpty();
      ModelDeployment md = local.client().resources(ModelDeployment.class).inNamespace("default").withName("churn").get();
      // The quickstart's production data drifts: the policy retrains, and the new version is promoted.
      long production = md.getStatus().productionVersion;
      assertThat(production).as(output.toString()).isGreaterThanOrEqualTo(2L);
      long next = local.client().resources(ModelVersion.class).inNamespace("default").list().getItems().stream()
          .mapToLong(v -> v.getSpec().version).max().orElseThrow() + 1;

      assertThat(kubectl(dir, "get", "md")).contains("churn", "Stable");
      assertThat(kubectl(dir, "get", "mv", "churn-v" + production, "-o", "jsonpath={.status.stage}"))
          .isEqualTo("Production");
      assertThat(kubectl(dir, "describe", "tp", "churn")).contains("Last Run");
      // The shipped manifest applied again by kubectl, with a change: the pipeline keeps its runs.
      // Kept out of DIR: every YAML there is applied again at the next start.
      Path inputs = Files.createDirectories(dir.resolveSibling("kubectl-inputs"));
      Path pipeline = inputs.resolve("pipeline-edited.yaml");
      Files.writeString(pipeline, Files.readString(dir.resolve("pipeline.yaml")).replace("runHistoryLimit: 5",
          "runHistoryLimit: 6"));
      assertThat(kubectl(dir, "apply", "-f", pipeline.toString())).contains("trainingpipeline.ferry.dev/churn configured");
      assertThat(kubectl(dir, "get", "tp", "churn", "-o", "jsonpath={.spec.runHistoryLimit}")).isEqualTo("6");
      // A new run by hand, as the README says: kubectl create of a TrainingRun.
      Path run = inputs.resolve("manual-run.yaml");
      Files.writeString(run, """
          apiVersion: ferry.dev/v1alpha1
          kind: TrainingRun
          metadata: {name: churn-by-hand, namespace: default}
          spec:
            pipeline: churn
            trigger: {kind: Manual, source: user/test, reason: a second version}
            hyperparameters: {epochs: "150"}
          """);
      assertThat(kubectl(dir, "create", "-f", run.toString())).contains("churn-by-hand created");
      local.client().resources(ModelVersion.class).inNamespace("default").withName("churn-v" + next)
          .waitUntilCondition(v -> v != null && v.getStatus() != null && v.getStatus().stage != null
              && v.getStatus().stage != dev.ferry.api.v1alpha1.ModelVersionStatus.Stage.None, 300, TimeUnit.SECONDS);
      local.awaitIdle(Duration.ofMinutes(5));
      assertThat(kubectl(dir, "annotate", "md", "churn", "ferry.dev/rollback=test-1", "--overwrite"))
          .contains("annotated");
      local.client().resources(ModelDeployment.class).inNamespace("default").withName("churn")
          .waitUntilCondition(m -> "test-1".equals(m.getStatus().handledRollback), 120, TimeUnit.SECONDS);
      assertThat(kubectl(dir, "delete", "tr", "churn-by-hand")).contains("deleted");
      uids = local.client().resources(ModelVersion.class).inNamespace("default").list().getItems().stream()
          .collect(Collectors.toMap(v -> v.getMetadata().getName(), v -> v.getMetadata().getUid()));
      runs = local.client().resources(TrainingRun.class).inNamespace("default").list().getItems().size();
    }
    assertThat(uids).hasSizeGreaterThanOrEqualTo(3);

    output.reset();
    try (LocalMode again = localMode(dir)) {
      assertThat(again.start()).as(output.toString()).isEmpty();
      again.awaitIdle(Duration.ofMinutes(5));
      assertThat(again.client().resources(ModelVersion.class).inNamespace("default").list().getItems().stream()
          .collect(Collectors.toMap(v -> v.getMetadata().getName(), v -> v.getMetadata().getUid())))
          .as("the same versions, not new ones").isEqualTo(uids);
      assertThat(again.client().resources(TrainingRun.class).inNamespace("default").list().getItems())
          .as("no run started again").hasSize(runs);
      ModelDeployment md = again.client().resources(ModelDeployment.class).inNamespace("default").withName("churn").get();
      assertThat(md.getStatus().handledRollback).isEqualTo("test-1");
      assertThat(md.getStatus().history).isNotEmpty();
    }
  }
}
