package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in buckets through the S3 API, with a configurable endpoint (AWS, MinIO, Ceph, R2, and
 * Google Cloud Storage's interoperability API for {@code gs://}). Reads stream: memory does not
 * grow with the object. Every transfer reports its bytes and sha256. Errors name the bucket, the
 * key and the S3 error code; a credential never appears in one.
 */
public final class ObjectStorage implements AutoCloseable {
  /** Objects larger than this are uploaded in parts of this size (S3's minimum part is 5 MiB). */
  static final long PART_SIZE = 8L * 1024 * 1024;
  /** Reads and writes of a download go in chunks of this size. */
  private static final int CHUNK = 1 << 20;
  /** Where {@code gs://} goes unless an endpoint is given: Google's S3-compatible XML API. */
  static final URI GCS_ENDPOINT = URI.create("https://storage.googleapis.com");

  /**
   * How to reach the storage.
   *
   * @param endpoint the S3 API's address, or null for AWS's own
   * @param region the signing region
   * @param pathStyle bucket in the path (MinIO, Ceph, most others) rather than in the host name
   * @param credentials where the keys come from
   * @param source where the keys come from, for messages ("the Secret's keys", "the pod's identity")
   */
  public record Settings(URI endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials,
      String source) {
  }

  /** A finished transfer: how many bytes, their sha256, how many objects. */
  public record Transfer(long bytes, String sha256, int objects) {
  }

  private final S3Client s3;
  private final Settings settings;

  public ObjectStorage(Settings settings) {
    this.settings = settings;
    var builder = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
        .region(Region.of(settings.region())).credentialsProvider(settings.credentials())
        .forcePathStyle(settings.pathStyle())
        // The SDK's default since 2.30 (CRC checksums in aws-chunked bodies) is refused by many
        // S3-compatible servers; checksums only where the API requires them work everywhere.
        .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    this.s3 = builder.build();
  }

  /**
   * Settings from the environment, as a step's pod has them from a referenced Secret: the
   * endpoint ({@code FERRY_S3_ENDPOINT}, else {@code AWS_ENDPOINT_URL_S3}, else
   * {@code AWS_ENDPOINT_URL}; {@code gs://} defaults to Google's), the region ({@code AWS_REGION},
   * default us-east-1), the keys ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
   * {@code AWS_SESSION_TOKEN}) or, without keys, the pod's own identity (web identity token,
   * instance role: the AWS SDK's default chain). Path-style addressing when an endpoint is set,
   * unless {@code FERRY_S3_PATH_STYLE=false}.
   */
  public static Settings settings(String scheme, Map<String, String> env) {
    String endpoint = first(env, "FERRY_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    URI uri = endpoint != null ? URI.create(endpoint) : "gs".equals(scheme) ? GCS_ENDPOINT : null;
    String region = first(env, "AWS_REGION", "AWS_DEFAULT_REGION");
    boolean pathStyle = uri != null && !"false".equalsIgnoreCase(env.get("FERRY_S3_PATH_STYLE"));
    String id = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    AwsCredentialsProvider credentials;
    String source;
    if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
      String token = env.get("AWS_SESSION_TOKEN");
      credentials = StaticCredentialsProvider.create(token == null || token.isBlank()
          ? AwsBasicCredentials.create(id, secret) : AwsSessionCredentials.create(id, secret, token));
      source = "the access key in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    } else {
      credentials = DefaultCredentialsProvider.builder().build();
      source = "the pod's identity (web identity token, instance role or profile)";
    }
    return new Settings(uri, region == null ? "us-east-1" : region, pathStyle, credentials, source);
  }

  /** Storage for {@code uri}'s scheme with the settings of {@code env}. */
  public static ObjectStorage forUri(ObjectUri uri, Map<String, String> env) {
    return new ObjectStorage(settings(uri.scheme(), env));
  }

  /** The object's bytes as a stream (closed by the caller); nothing is buffered beyond the stream's own. */
  public InputStream open(ObjectUri uri) throws StorageException {
    try {
      return s3.getObject(b -> b.bucket(uri.bucket()).key(uri.key()));
    } catch (S3Exception | SdkClientException e) {
      throw failure("read", uri, e);
    }
  }

  /**
   * Downloads an object to {@code target}, or every object under a prefix ending in / into the
   * folder {@code target}. The digest is of the bytes, or for a prefix of each relative name and
   * object digest in order, so a model folder has one digest.
   */
  public Transfer download(ObjectUri uri, Path target) throws StorageException {
    return download(uri, target, new java.util.LinkedHashMap<>());
  }

  /** As {@link #download(ObjectUri, Path)}, recording each file's relative path and sha256 in {@code files}. */
  public Transfer download(ObjectUri uri, Path target, Map<String, String> files) throws StorageException {
    if (!uri.key().isEmpty() && !uri.key().endsWith("/")) {
      return downloadObject(uri, target);
    }
    List<String> keys = list(uri);
    if (keys.isEmpty()) {
      throw new StorageException("no objects under " + uri);
    }
    MessageDigest tree = sha256();
    long bytes = 0;
    for (String key : keys) {
      String relative = key.substring(uri.key().length());
      Path file = target.resolve(relative).normalize();
      if (!file.startsWith(target.normalize())) {
        throw new StorageException("object " + key + " would land outside " + target);
      }
      Transfer one = downloadObject(new ObjectUri(uri.scheme(), uri.bucket(), key), file);
      files.put(relative, one.sha256());
      bytes += one.bytes();
      tree.update((relative + " " + one.sha256() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return new Transfer(bytes, "sha256:" + HexFormat.of().formatHex(tree.digest()), keys.size());
  }

  private Transfer downloadObject(ObjectUri uri, Path file) throws StorageException {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      long bytes = 0;
      // Two buffers: one is hashed in the background while the next is read and written.
      byte[][] buffers = {new byte[CHUNK], new byte[CHUNK]};
      try (InputStream in = open(uri); OutputStream out = Files.newOutputStream(file);
          OverlappedDigest digest = new OverlappedDigest()) {
        for (int i = 0; ; i ^= 1) {
          int n = in.readNBytes(buffers[i], 0, CHUNK);
          if (n == 0) {
            return new Transfer(bytes, digest.finish(), 1);
          }
          out.write(buffers[i], 0, n);
          digest.update(buffers[i], n);
          bytes += n;
        }
      }
    } catch (StorageException e) {
      throw e;
    } catch (IOException e) {
      throw new StorageException("cannot download " + uri + " to " + file + ": " + e.getMessage(), e);
    } catch (S3Exception | SdkClientException e) {
      throw failure("read", uri, e);
    }
  }

  /** Uploads a file to {@code uri}, or a folder's files under the prefix {@code uri}. */
  public Transfer upload(Path source, ObjectUri uri) throws StorageException {
    return upload(source, uri, Map.of());
  }

  /**
   * As {@link #upload(Path, ObjectUri)}, but a file whose relative path and sha256 are in
   * {@code unchanged} (what was downloaded into the folder) is not sent again: its object already
   * holds those bytes. The digest covers every file; the byte count only what was sent.
   */
  public Transfer upload(Path source, ObjectUri uri, Map<String, String> unchanged) throws StorageException {
    if (!Files.isDirectory(source)) {
      return uploadObject(source, uri);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new StorageException("cannot read " + source + ": " + e.getMessage(), e);
    }
    MessageDigest tree = sha256();
    long bytes = 0;
    for (Path file : files) {
      String relative = source.relativize(file).toString().replace('\\', '/');
      String known = unchanged.get(relative);
      String now = known == null ? null : sha256Of(file);
      Transfer one = known != null && known.equals(now) ? new Transfer(0, now, 0) : uploadObject(file, uri.child(relative));
      bytes += one.bytes();
      tree.update((relative + " " + one.sha256() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return new Transfer(bytes, "sha256:" + HexFormat.of().formatHex(tree.digest()), files.size());
  }

  private Transfer uploadObject(Path file, ObjectUri uri) throws StorageException {
    try {
      long size = Files.size(file);
      if (size <= PART_SIZE) {
        byte[] bytes = Files.readAllBytes(file);
        s3.putObject(b -> b.bucket(uri.bucket()).key(uri.key()), RequestBody.fromBytes(bytes));
        return new Transfer(size, "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes)), 1);
      }
      return multipart(file, size, uri);
    } catch (IOException e) {
      throw new StorageException("cannot upload " + file + " to " + uri + ": " + e.getMessage(), e);
    } catch (S3Exception | SdkClientException e) {
      throw failure("write", uri, e);
    }
  }

  /** A large file in parts of {@link #PART_SIZE}, read once: the digest is taken as the parts go. */
  private Transfer multipart(Path file, long size, ObjectUri uri) throws IOException {
    String upload = s3.createMultipartUpload(b -> b.bucket(uri.bucket()).key(uri.key())).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    String sha256;
    try (InputStream in = Files.newInputStream(file); OverlappedDigest digest = new OverlappedDigest()) {
      // Two buffers: a part is hashed in the background while it is sent and the next one read.
      byte[][] buffers = {new byte[(int) PART_SIZE], new byte[(int) PART_SIZE]};
      for (int number = 1, i = 0; ; number++, i ^= 1) {
        byte[] buffer = buffers[i];
        int n = in.readNBytes(buffer, 0, buffer.length);
        if (n == 0) {
          break;
        }
        digest.update(buffer, n);
        int part = number;
        String etag = s3.uploadPart(b -> b.bucket(uri.bucket()).key(uri.key()).uploadId(upload).partNumber(part),
            RequestBody.fromBytes(n == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, n))).eTag();
        parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
      }
      sha256 = digest.finish();
      s3.completeMultipartUpload(b -> b.bucket(uri.bucket()).key(uri.key()).uploadId(upload)
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
    } catch (IOException | RuntimeException e) {
      // An unfinished upload costs storage until aborted.
      try {
        s3.abortMultipartUpload(b -> b.bucket(uri.bucket()).key(uri.key()).uploadId(upload));
      } catch (RuntimeException ignored) {
        // the first failure is the one to report
      }
      throw e;
    }
    return new Transfer(size, sha256, 1);
  }

  /** Keys under a prefix, in order. */
  public List<String> list(ObjectUri prefix) throws StorageException {
    try {
      List<String> keys = new ArrayList<>();
      for (var page : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(prefix.bucket())
          .prefix(prefix.key()).build())) {
        // A key ending in / is a folder marker (consoles and some servers make them), not data.
        page.contents().stream().map(S3Object::key).filter(k -> !k.endsWith("/")).forEach(keys::add);
      }
      keys.sort(null);
      return keys;
    } catch (S3Exception | SdkClientException e) {
      throw failure("list", prefix, e);
    }
  }

  /** What went wrong, in the words of a bucket and a key; never a key's secret. */
  private StorageException failure(String action, ObjectUri uri, RuntimeException e) {
    String where = settings.endpoint() == null ? "" : " at " + settings.endpoint();
    if (e instanceof S3Exception s3e) {
      String code = s3e.awsErrorDetails() == null ? "" : String.valueOf(s3e.awsErrorDetails().errorCode());
      String message = switch (code) {
        case "NoSuchBucket" -> "bucket " + uri.bucket() + " does not exist" + where;
        case "NoSuchKey" -> "no object " + uri + where;
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" ->
            "the storage refused the credentials (" + code + ") from " + settings.source()
                + ": check the access key id, the secret and the session token";
        case "AccessDenied" -> "access to " + uri + " is denied (AccessDenied) for " + settings.source();
        default -> "cannot " + action + " " + uri + where + ": " + (code.isEmpty() ? "HTTP " + s3e.statusCode() : code);
      };
      return new StorageException(message, e);
    }
    return new StorageException("cannot " + action + " " + uri + where + ": " + e.getMessage(), e);
  }

  private static String sha256Of(Path file) throws StorageException {
    try (InputStream in = Files.newInputStream(file); OverlappedDigest digest = new OverlappedDigest()) {
      byte[][] buffers = {new byte[CHUNK], new byte[CHUNK]};
      for (int i = 0; ; i ^= 1) {
        int n = in.readNBytes(buffers[i], 0, CHUNK);
        if (n == 0) {
          return digest.finish();
        }
        digest.update(buffers[i], n);
      }
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String first(Map<String, String> env, String... names) {
    for (String name : names) {
      String v = env.get(name);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  @Override
  public void close() {
    s3.close();
  }
}
