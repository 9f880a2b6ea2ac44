package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Fixtures;
import dev.ferry.testing.RealS3;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The tools read and write buckets directly, against a real S3 server: validate-data and
 * drift-check stream s3:// datasets (the digest is of the object's bytes), and {@code ferry
 * storage cp} moves files both ways with their sha256; a refusal never prints a secret.
 */
class ToolsOnObjectStorageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path dir;
  private static RealS3 s3;
  private static final Path QUICKSTART_DATA = Fixtures.projectRoot().resolve("examples/quickstart/data");

  record Run(int exit, String out, String err) {
  }

  @BeforeAll
  static void start() throws Exception {
    s3 = RealS3.start(Files.createDirectories(dir.resolve("s3")));
    s3.createBucket("datasets");
    Run up = storage(s3.env(), "cp", QUICKSTART_DATA.resolve("churn.csv").toString(), "s3://datasets/churn/churn.csv");
    assertThat(up.exit()).as(up.err()).isZero();
    Run up2 = storage(s3.env(), "cp", QUICKSTART_DATA.resolve("churn-production.csv").toString(),
        "s3://datasets/churn/production.csv");
    assertThat(up2.exit()).as(up2.err()).isZero();
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  private static Run run(Callable<Integer> command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** {@code ferry storage ...}, which prints with System.out/err as the CLI does. */
  private static Run storage(Map<String, String> env, String... args) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(args[0]).isEqualTo("cp");
      int exit = new CommandLine(new StorageCommand.Copy(env)).execute(java.util.Arrays.copyOfRange(args, 1,
          args.length));
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private static String sha256(Path p) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  @Test
  void copyBothWaysReportsBytesAndTheSameDigest() throws Exception {
    Path back = dir.resolve("churn-back.csv");
    Run down = storage(s3.env(), "cp", "s3://datasets/churn/churn.csv", back.toString());
    assertThat(down.exit()).as(down.err()).isZero();
    JsonNode report = JSON.readTree(down.out());
    assertThat(report.get("sha256").asText()).isEqualTo(sha256(QUICKSTART_DATA.resolve("churn.csv")))
        .isEqualTo(sha256(back));
    assertThat(report.get("bytes").asLong()).isEqualTo(Files.size(back));
  }

  @Test
  void aRefusedCopyExitsOneWithTheReasonAndNoSecret() {
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("AWS_SECRET_ACCESS_KEY", "a-wrong-secret-that-must-not-be-printed");
    Run r = storage(env, "cp", "s3://datasets/churn/churn.csv", dir.resolve("x.csv").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("the storage refused the credentials (SignatureDoesNotMatch)")
        .doesNotContain("a-wrong-secret-that-must-not-be-printed");
    Run missing = storage(s3.env(), "cp", "s3://datasets/churn/nope.csv", dir.resolve("y.csv").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("no object s3://datasets/churn/nope.csv");
    assertThat(storage(s3.env(), "cp", "s3://Bad_Bucket/k", "x").exit()).isEqualTo(2);
  }

  @Test
  void validateDataStreamsADatasetFromABucketAndDigestsItsBytes() throws Exception {
    Path schema = Files.writeString(dir.resolve("schema.yaml"), """
        minRows: 1000
        columns:
          - {name: tenure, type: integer, min: 0, max: 72}
          - {name: plan, type: category, values: [basic, pro, enterprise]}
        """);
    Run r = run(new ValidateDataCommand(s3.env()), "--schema", schema.toString(), "--data",
        "s3://datasets/churn/churn.csv", "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.path("datasetDigest").asText()).isEqualTo(sha256(QUICKSTART_DATA.resolve("churn.csv")));
    assertThat(report.at("/metrics/rows").asLong()).isEqualTo(5000);

    Run missing = run(new ValidateDataCommand(s3.env()), "--schema", schema.toString(), "--data",
        "s3://datasets/churn/gone.csv");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("no object s3://datasets/churn/gone.csv");
  }

  @Test
  void driftCheckComparesTwoObjectsInABucket() throws Exception {
    Run fromBucket = run(new DriftCheckCommand(s3.env()), "--baseline", "s3://datasets/churn/churn.csv",
        "--current", "s3://datasets/churn/production.csv", "--output", "json", "--label", "churned");
    Run fromFiles = run(new DriftCheckCommand(Map.of()), "--baseline", QUICKSTART_DATA.resolve("churn.csv").toString(),
        "--current", QUICKSTART_DATA.resolve("churn-production.csv").toString(), "--output", "json", "--label",
        "churned");
    assertThat(fromBucket.exit()).as(fromBucket.err()).isEqualTo(1);
    JsonNode bucket = JSON.readTree(fromBucket.out());
    JsonNode files = JSON.readTree(fromFiles.out());
    assertThat(bucket.get("result").asText()).isEqualTo("Drift");
    assertThat(bucket.get("scores")).as("the same statistics as from local files").isEqualTo(files.get("scores"));
  }

  @Test
  void driftCheckWritesItsPageIntoABucketPrefix() throws Exception {
    s3.createBucket("reports");
    Run r = run(new DriftCheckCommand(s3.env()), "--baseline", QUICKSTART_DATA.resolve("churn.csv").toString(),
        "--current", QUICKSTART_DATA.resolve("churn-production.csv").toString(), "--label", "churned",
        "--report-to", "s3://reports/churn-drift/", "--output", "json", "--compact");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    String page = JSON.readTree(r.out()).get("report").asText();
    assertThat(page).matches("s3://reports/churn-drift/\\d{8}T\\d{6}\\.\\d{3}Z\\.html");
    Path back = dir.resolve("page.html");
    Run down = storage(s3.env(), "cp", page, back.toString());
    assertThat(down.exit()).as(down.err()).isZero();
    assertThat(Files.readString(back)).startsWith("<!DOCTYPE html>").contains("Dataset drift", "tenure");
  }

  @Test
  void aModelFolderGoesUpAndComesBackWithOneDigestAndAChangedObjectIsRefused() throws Exception {
    s3.createBucket("models");
    Path model = Files.createDirectories(dir.resolve("model-out/weights"));
    Files.writeString(model.getParent().resolve("model.json"), "{\"w\": [1, 2]}");
    Files.write(model.resolve("layer0.bin"), new byte[] {1, 2, 3});
    Path result = dir.resolve("publish.result");
    Run up = storage(s3.env(), "cp", "--result", result.toString(), model.getParent().toString(),
        "s3://models/churn/runs/r1/");
    assertThat(up.exit()).as(up.err()).isZero();
    JsonNode published = JSON.readTree(Files.readString(result));
    assertThat(published.get("objects").asInt()).isEqualTo(2);

    Path back = dir.resolve("model-back");
    Run down = storage(s3.env(), "cp", "--expect-sha256", published.get("sha256").asText(),
        "s3://models/churn/runs/r1/", back.toString());
    assertThat(down.exit()).as(down.err()).isZero();
    assertThat(JSON.readTree(down.out()).get("sha256")).isEqualTo(published.get("sha256"));
    assertThat(back.resolve("weights/layer0.bin")).hasBinaryContent(new byte[] {1, 2, 3});

    // Someone overwrites an object of a registered version: a server's download refuses it.
    Path tampered = Files.writeString(dir.resolve("tampered.json"), "{\"w\": [9, 9]}");
    assertThat(storage(s3.env(), "cp", tampered.toString(), "s3://models/churn/runs/r1/model.json").exit()).isZero();
    Path refusedResult = dir.resolve("fetch.result");
    Run refused = storage(s3.env(), "cp", "--result", refusedResult.toString(), "--expect-sha256",
        published.get("sha256").asText(), "s3://models/churn/runs/r1/", dir.resolve("model-again").toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("not " + published.get("sha256").asText(), "changed after they were recorded");
    assertThat(Files.readString(refusedResult)).as("the reason is the container's termination message")
        .contains("changed after they were recorded");
  }

  @Test
  void nothingToCopyIsSuccessOnlyWhenAskedFor() throws Exception {
    s3.createBucket("empty-models");
    Run strict = storage(s3.env(), "cp", "s3://empty-models/churn/runs/r9/", dir.resolve("none").toString());
    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.err()).contains("no objects under s3://empty-models/churn/runs/r9/");

    Path result = dir.resolve("first-step.result");
    Run lenient = storage(s3.env(), "cp", "--if-exists", "--result", result.toString(),
        "s3://empty-models/churn/runs/r9/", dir.resolve("none").toString());
    assertThat(lenient.exit()).as(lenient.err()).isZero();
    assertThat(JSON.readTree(Files.readString(result)).get("objects").asInt()).isZero();

    Path emptyFolder = Files.createDirectories(dir.resolve("wrote-nothing"));
    Run upNothing = storage(s3.env(), "cp", "--if-exists", emptyFolder.toString(), "s3://empty-models/churn/runs/r9/");
    assertThat(upNothing.exit()).as(upNothing.err()).isZero();
    assertThat(JSON.readTree(upNothing.out()).has("sha256")).as("no digest for no files").isFalse();
  }

  @Test
  void aFolderUploadedAgainSendsOnlyTheFilesThatChangedSinceItWasDownloaded() throws Exception {
    s3.createBucket("runs");
    Path first = Files.createDirectories(dir.resolve("run-first"));
    Files.write(first.resolve("weights.bin"), new byte[200_000]);
    Files.writeString(first.resolve("model.json"), "{\"v\": 1}");
    assertThat(storage(s3.env(), "cp", first.toString(), "s3://runs/churn/r1/").exit()).isZero();

    // The next step's pod: fetch-model downloads and notes what it got, the step changes one file.
    Path folder = dir.resolve("run-next");
    Path manifest = dir.resolve("model-files.json");
    Run fetched = storage(s3.env(), "cp", "--manifest", manifest.toString(), "s3://runs/churn/r1/", folder.toString());
    assertThat(fetched.exit()).as(fetched.err()).isZero();
    assertThat(JSON.readTree(Files.readString(manifest)).fieldNames()).toIterable()
        .containsExactly("model.json", "weights.bin");
    Files.writeString(folder.resolve("metrics.json"), "{\"auc\": 0.9}");
    Files.writeString(folder.resolve("model.json"), "{\"v\": 2}");

    Run published = storage(s3.env(), "cp", "--manifest", manifest.toString(), folder.toString(), "s3://runs/churn/r1/");
    assertThat(published.exit()).as(published.err()).isZero();
    JsonNode report = JSON.readTree(published.out());
    assertThat(report.get("bytes").asLong()).as("weights.bin is not sent again")
        .isEqualTo(Files.size(folder.resolve("metrics.json")) + Files.size(folder.resolve("model.json")));
    assertThat(report.get("objects").asInt()).isEqualTo(3);
    Run check = storage(s3.env(), "cp", "s3://runs/churn/r1/", dir.resolve("run-check").toString());
    assertThat(JSON.readTree(check.out()).get("sha256")).as("the digest is of every file, sent or not")
        .isEqualTo(report.get("sha256"));
    assertThat(Files.readString(dir.resolve("run-check/model.json"))).isEqualTo("{\"v\": 2}");
  }
}
