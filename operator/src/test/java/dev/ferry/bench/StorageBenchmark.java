package dev.ferry.bench;

import dev.ferry.storage.ObjectStorage;
import dev.ferry.storage.ObjectUri;
import dev.ferry.testing.RealS3;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Ferry's storage path (the code behind {@code ferry storage cp}: multipart upload and streamed
 * download, each with its sha256) against a plain copy with the same SDK and HTTP client
 * ({@code putObject} from a file, {@code getObject} to a file, no digest), on one object of
 * {@code --mib} MiB in a real S3 server (S3Proxy over a folder), interleaved rounds, medians.
 * Run with benchmarks/storage.sh.
 */
public final class StorageBenchmark {
  private StorageBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int mib = 1024;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--mib")) {
        mib = Integer.parseInt(args[++i]);
      } else if (args[i].equals("--rounds")) {
        rounds = Integer.parseInt(args[++i]);
      }
    }
    Path work = Files.createTempDirectory("ferry-storage-bench");
    try (RealS3 s3 = RealS3.start(Files.createDirectories(work.resolve("s3")))) {
      s3.createBucket("bench");
      Path source = work.resolve("object.bin");
      writeRandom(source, (long) mib << 20);
      long size = Files.size(source);
      S3Client plain = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(RealS3.ACCESS_KEY,
              RealS3.SECRET_KEY)))
          .forcePathStyle(true).endpointOverride(URI.create(s3.endpoint()))
          .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
          .build();
      List<Double> ferryUp = new ArrayList<>();
      List<Double> ferryDown = new ArrayList<>();
      List<Double> plainUp = new ArrayList<>();
      List<Double> plainDown = new ArrayList<>();
      long ferryBytes = 0;
      String digest = null;
      try (ObjectStorage storage = ObjectStorage.forUri(ObjectUri.parse("s3://bench/x").orElseThrow(), s3.env())) {
        for (int round = 0; round < rounds; round++) {
          ObjectUri ferryKey = ObjectUri.parse("s3://bench/ferry/object.bin").orElseThrow();
          long t0 = System.nanoTime();
          var up = storage.upload(source, ferryKey);
          ferryUp.add(seconds(t0));
          Path back = work.resolve("ferry-back.bin");
          Files.deleteIfExists(back);
          t0 = System.nanoTime();
          var down = storage.download(ferryKey, back);
          ferryDown.add(seconds(t0));
          ferryBytes = up.bytes() + down.bytes();
          if (!up.sha256().equals(down.sha256())) {
            throw new IllegalStateException("digests differ: " + up.sha256() + " " + down.sha256());
          }
          digest = down.sha256();
          Files.delete(back);

          t0 = System.nanoTime();
          plain.putObject(b -> b.bucket("bench").key("plain/object.bin"), RequestBody.fromFile(source));
          plainUp.add(seconds(t0));
          Path plainBack = work.resolve("plain-back.bin");
          Files.deleteIfExists(plainBack);
          t0 = System.nanoTime();
          plain.getObject(b -> b.bucket("bench").key("plain/object.bin"), ResponseTransformer.toFile(plainBack));
          plainDown.add(seconds(t0));
          if (Files.size(plainBack) != size) {
            throw new IllegalStateException("plain download has " + Files.size(plainBack) + " bytes, not " + size);
          }
          Files.delete(plainBack);
        }
      }
      plain.close();
      System.out.printf(Locale.ROOT, "object: %d MiB (%d bytes), %d interleaved rounds, medians; digest %s%n", mib,
          size, rounds, digest);
      System.out.printf(Locale.ROOT, "bytes moved by Ferry's path per round: %d (up + down = 2 x object)%n",
          ferryBytes);
      row("upload", median(ferryUp), median(plainUp), size);
      row("download", median(ferryDown), median(plainDown), size);
    } finally {
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void row(String what, double ferry, double plain, long size) {
    System.out.printf(Locale.ROOT, "%-8s ferry %.2f s (%.0f MiB/s, with sha256)  plain SDK %.2f s (%.0f MiB/s)"
        + "  ratio ferry/plain %.2f%n", what, ferry, size / 1048576.0 / ferry, plain, size / 1048576.0 / plain,
        ferry / plain);
  }

  private static void writeRandom(Path file, long bytes) throws Exception {
    Random random = new Random(42);
    byte[] buffer = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < bytes; written += buffer.length) {
        random.nextBytes(buffer);
        out.write(buffer, 0, (int) Math.min(buffer.length, bytes - written));
      }
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
