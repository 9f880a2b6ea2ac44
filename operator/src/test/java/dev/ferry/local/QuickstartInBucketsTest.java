package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.kube.Conditions;
import dev.ferry.net.ServiceUrls;
import dev.ferry.operator.FerryConfig;
import dev.ferry.storage.ObjectStorage;
import dev.ferry.storage.ObjectUri;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.RealS3;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quickstart with its dataset and its models in buckets of a real S3 server: Ferry's own
 * containers download the data before each step, upload the model folder after it, and download
 * the registered version into the model server; the steps and the server only see local paths,
 * and the keys never reach a step, a status, an event or a log.
 */
class QuickstartInBucketsTest {
  @TempDir
  Path work;

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  @Test
  void theQuickstartTrainsFromABucketRegistersADigestedModelThereAndServesIt() throws Exception {
    try (RealS3 s3 = RealS3.start(Files.createDirectories(work.resolve("s3")))) {
      s3.createBucket("ferry-data");
      s3.createBucket("ferry-models");
      Path churn = Fixtures.projectRoot().resolve("examples/quickstart/data/churn.csv");
      try (ObjectStorage storage = ObjectStorage.forUri(ObjectUri.parse("s3://ferry-data/x").orElseThrow(), s3.env())) {
        storage.upload(churn, ObjectUri.parse("s3://ferry-data/churn/churn.csv").orElseThrow());
      }
      Path dir = bucketQuickstart(s3);

      try (LocalMode local = new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60),
          FerryConfig.defaults(), ProcessContainerRunner.selfCommand(),
          new PrintStream(output, true, StandardCharsets.UTF_8)))) {
        assertThat(local.start()).isEmpty();
        local.awaitIdle(Duration.ofMinutes(3));

        ModelVersion version = local.client().resources(ModelVersion.class).inNamespace("default")
            .withName("churn-v1").get();
        assertThat(version).as("output:\n" + output).isNotNull();
        assertThat(Conditions.isTrue(version.getStatus(), "Validated")).as(output.toString()).isTrue();
        assertThat(version.getSpec().lineage.dataset.uri).isEqualTo("s3://ferry-data/churn/churn.csv");
        assertThat(version.getSpec().lineage.dataset.digest).as("measured by Ferry's download")
            .isEqualTo(sha256(Files.readAllBytes(churn)));
        String artifact = version.getSpec().artifact.uri;
        assertThat(artifact).matches("s3://ferry-models/churn/runs/churn-data-g1-[0-9a-f]{8}/");

        // The model is in the bucket, and the recorded digest is of what is there.
        Path downloaded = work.resolve("check");
        try (ObjectStorage storage = ObjectStorage.forUri(ObjectUri.parse(artifact).orElseThrow(), s3.env())) {
          var copy = storage.download(ObjectUri.parse(artifact).orElseThrow(), downloaded);
          assertThat(copy.sha256()).isEqualTo(version.getSpec().artifact.digest).startsWith("sha256:");
        }
        assertThat(Files.readString(downloaded.resolve("model.json"))).contains("\"weights\"");
        assertThat(dir.resolve(".ferry-local/models")).as("nothing written to a claim").doesNotExist();

        // The train step wrote model.json, the evaluate step (a later pod) read it back from the bucket.
        TrainingRun run = local.client().resources(TrainingRun.class).inNamespace("default")
            .withName(version.getSpec().lineage.run).get();
        assertThat(run.getStatus().steps).extracting(s -> s.name + ":" + s.result)
            .containsExactly("validate:Succeeded", "train:Succeeded", "evaluate:Succeeded");
        assertThat(version.getSpec().metrics).containsKeys("auc", "train_auc");

        // Served from the bucket through the storage initializer.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
          ModelDeployment md = local.client().resources(ModelDeployment.class).inNamespace("default")
              .withName("churn").get();
          assertThat(md.getStatus().productionVersion).as(output.toString()).isEqualTo(1L);
        });
        assertThat(infer(local)).contains("\"model_version\":\"1\"").contains("churned");

        // No secret anywhere a person reads.
        StringBuilder visible = new StringBuilder(output.toString());
        for (Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> kind : java.util.List.of(TrainingRun.class,
            ModelVersion.class, ModelDeployment.class)) {
          local.client().resources(kind).inAnyNamespace().list().getItems()
              .forEach(r -> visible.append(Serialization.asJson(r)));
        }
        local.client().v1().events().inAnyNamespace().list().getItems()
            .forEach(e -> visible.append(Serialization.asJson(e)));
        try (Stream<Path> logs = Files.walk(local.runDir())) {
          for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
            visible.append(Files.readString(log));
          }
        }
        assertThat(visible.toString()).as("the download's log was read too")
            .contains("\"source\":\"s3://ferry-data/churn/churn.csv\"").doesNotContain(RealS3.SECRET_KEY);
        assertThat(Files.readString(local.runDir().resolve("pods/default/" + run.getMetadata().getName()
            + "-train-0-publish-model.log"))).as("the upload's own log").contains("\"objects\":1");
        assertThat(Files.readString(local.runDir().resolve("pods/default/" + run.getMetadata().getName()
            + "-evaluate-0-publish-model.log"))).as("evaluate left model.json as it was: nothing sent again")
            .contains("\"bytes\":0", "\"objects\":1");
      }
    }
  }

  /** The quickstart's folder with the dataset and artifacts in buckets and the keys in a Secret. */
  private Path bucketQuickstart(RealS3 s3) throws Exception {
    Path dir = Fixtures.copyQuickstart(work);
    Files.delete(dir.resolve("drift-policy.yaml"));
    String pipeline = Files.readString(dir.resolve("pipeline.yaml"))
        .replace("uri: pvc://datasets/churn.csv", "uri: s3://ferry-data/churn/churn.csv")
        .replace("uri: pvc://models/churn", "uri: s3://ferry-models/churn")
        // The programs run from the folder (a real cluster would bake them into an image).
        .replace("/ferry/pvc/models/quickstart/train/", "train/")
        .replace("  steps:\n", "  storage:\n    secretRef: bucket-keys\n    endpoint: \"" + s3.endpoint() + "\"\n"
            + "  steps:\n");
    assertThat(pipeline).contains("s3://ferry-data", "s3://ferry-models", "secretRef: bucket-keys");
    Files.writeString(dir.resolve("pipeline.yaml"), pipeline);
    String deployment = Files.readString(dir.resolve("deployment.yaml"))
        .replace("/ferry/pvc/models/quickstart/serve/", "serve/")
        .replace("  server:\n", "  storage:\n    secretRef: bucket-keys\n    endpoint: \"" + s3.endpoint() + "\"\n"
            + "  server:\n");
    Files.writeString(dir.resolve("deployment.yaml"), deployment);
    Files.writeString(dir.resolve("bucket-keys.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: bucket-keys, namespace: default}
        stringData:
          AWS_ACCESS_KEY_ID: %s
          AWS_SECRET_ACCESS_KEY: %s
        """.formatted(RealS3.ACCESS_KEY, RealS3.SECRET_KEY));
    return dir;
  }

  private static String infer(LocalMode local) throws Exception {
    String url = ServiceUrls.resolve("http://churn.default.svc:8080/v2/models/churn/infer",
        Map.of(ServiceUrls.ENV_LOCAL_SERVICES, local.servicesFile().toString()));
    String request = """
        {"inputs": [
          {"name": "tenure", "datatype": "FP64", "shape": [1], "data": [1]},
          {"name": "monthly_charges", "datatype": "FP64", "shape": [1], "data": [119.0]},
          {"name": "support_calls", "datatype": "FP64", "shape": [1], "data": [9]},
          {"name": "plan", "datatype": "BYTES", "shape": [1], "data": ["basic"]},
          {"name": "channel", "datatype": "BYTES", "shape": [1], "data": ["partner"]}
        ]}""";
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .POST(HttpRequest.BodyPublishers.ofString(request)).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body().replace(" ", "");
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
