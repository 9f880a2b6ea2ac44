package dev.ferry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.RealS3;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ferry's object storage against a real S3 server (S3Proxy over a folder), over HTTP with SigV4. */
class ObjectStorageTest {
  @TempDir
  static Path dir;
  private static RealS3 s3;

  @BeforeAll
  static void start() throws Exception {
    s3 = RealS3.start(Files.createDirectories(dir.resolve("s3")));
    s3.createBucket("models");
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  private static ObjectStorage storage(Map<String, String> env) {
    return ObjectStorage.forUri(ObjectUri.parse("s3://models/x").orElseThrow(), env);
  }

  private static String sha256(Path file) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void anObjectGoesUpAndComesBackWithTheSameDigest() throws Exception {
    Path file = Files.writeString(dir.resolve("model.json"), "{\"coefficients\": [1, 2, 3]}");
    try (ObjectStorage storage = storage(s3.env())) {
      ObjectUri uri = ObjectUri.parse("s3://models/houses/v1/model.json").orElseThrow();
      ObjectStorage.Transfer up = storage.upload(file, uri);
      Path back = dir.resolve("back/model.json");
      ObjectStorage.Transfer down = storage.download(uri, back);
      assertThat(up.sha256()).isEqualTo(down.sha256()).isEqualTo(sha256(file));
      assertThat(Files.readString(back)).isEqualTo(Files.readString(file));
      try (InputStream in = storage.open(uri)) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("coefficients");
      }
    }
  }

  @Test
  void anObjectLargerThanAPartGoesUpInPartsAndKeepsItsDigest() throws Exception {
    byte[] bytes = new byte[(int) (ObjectStorage.PART_SIZE * 2 + 12345)];
    new Random(1).nextBytes(bytes);
    Path file = Files.write(dir.resolve("big.bin"), bytes);
    try (ObjectStorage storage = storage(s3.env())) {
      ObjectUri uri = ObjectUri.parse("s3://models/big/weights.bin").orElseThrow();
      ObjectStorage.Transfer up = storage.upload(file, uri);
      ObjectStorage.Transfer down = storage.download(uri, dir.resolve("big-back.bin"));
      assertThat(up.bytes()).isEqualTo(bytes.length);
      assertThat(down.sha256()).isEqualTo(sha256(file)).isEqualTo(up.sha256());
    }
  }

  @Test
  void aFolderIsAPrefixBothWaysWithOneDigestForTheTree() throws Exception {
    Path model = Files.createDirectories(dir.resolve("tree/model"));
    Files.writeString(model.resolve("a.txt"), "a");
    Files.createDirectories(model.resolve("sub"));
    Files.writeString(model.resolve("sub/b.txt"), "b");
    try (ObjectStorage storage = storage(s3.env())) {
      ObjectUri prefix = ObjectUri.parse("s3://models/runs/r1/").orElseThrow();
      ObjectStorage.Transfer up = storage.upload(model, prefix);
      Path back = dir.resolve("tree/back");
      ObjectStorage.Transfer down = storage.download(prefix, back);
      assertThat(up.objects()).isEqualTo(2).isEqualTo(down.objects());
      assertThat(down.sha256()).isEqualTo(up.sha256());
      assertThat(Files.readString(back.resolve("sub/b.txt"))).isEqualTo("b");
    }
  }

  @Test
  void aMissingBucketOrKeyIsSaidInTheirNames() {
    try (ObjectStorage storage = storage(s3.env())) {
      assertThatThrownBy(() -> storage.open(ObjectUri.parse("s3://no-such-bucket/k").orElseThrow()))
          .isInstanceOf(StorageException.class).hasMessageContaining("bucket no-such-bucket does not exist");
      assertThatThrownBy(() -> storage.open(ObjectUri.parse("s3://models/nothing/here.csv").orElseThrow()))
          .isInstanceOf(StorageException.class).hasMessageContaining("no object s3://models/nothing/here.csv");
    }
  }

  @Test
  void wrongCredentialsAreRefusedClearlyAndNoSecretIsInTheMessage() {
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("AWS_SECRET_ACCESS_KEY", "a-wrong-secret-that-must-not-be-printed");
    try (ObjectStorage storage = storage(env)) {
      assertThatThrownBy(() -> storage.open(ObjectUri.parse("s3://models/houses/v1/model.json").orElseThrow()))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("the storage refused the credentials (SignatureDoesNotMatch)")
          .satisfies(e -> assertThat(describe(e)).doesNotContain("a-wrong-secret-that-must-not-be-printed",
              RealS3.SECRET_KEY));
    }
    env.put("AWS_ACCESS_KEY_ID", "nobody");
    try (ObjectStorage storage = storage(env)) {
      assertThatThrownBy(() -> storage.open(ObjectUri.parse("s3://models/houses/v1/model.json").orElseThrow()))
          .hasMessageContaining("the storage refused the credentials (InvalidAccessKeyId)");
    }
  }

  /** The message and every cause's, as a log line with a stack trace would show them. */
  private static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t).append('\n');
    }
    return b.toString();
  }

  @Test
  void malformedUrisAreNotObjectUris() {
    assertThat(ObjectUri.parse("s3://Bad_Bucket/key")).isEmpty();
    assertThat(ObjectUri.parse("s3://ab/key")).isEmpty();
    assertThat(ObjectUri.parse("gs://my-bucket/data/x.csv")).contains(new ObjectUri("gs", "my-bucket", "data/x.csv"));
  }
}
