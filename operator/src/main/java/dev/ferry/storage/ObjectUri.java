package dev.ferry.storage;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An object or a prefix in a bucket: {@code s3://bucket/key} (any S3 API: AWS, MinIO, Ceph, R2)
 * or {@code gs://bucket/key} (Google Cloud Storage through its S3 interoperability API).
 */
public record ObjectUri(String scheme, String bucket, String key) {
  // Bucket names as S3 allows them (3-63 of a-z0-9.-), keys as anything but empty segments' start.
  private static final Pattern URI = Pattern.compile("^(s3|gs)://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$");

  /** The URI's parts, or empty if it is not an object storage URI. */
  public static Optional<ObjectUri> parse(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    Matcher m = URI.matcher(uri);
    return m.matches() ? Optional.of(new ObjectUri(m.group(1), m.group(2), m.group(3) == null ? "" : m.group(3)))
        : Optional.empty();
  }

  /** True for s3:// and gs:// URIs, well-formed or not (the caller says what is wrong with them). */
  public static boolean isObjectStorage(String uri) {
    return uri != null && (uri.startsWith("s3://") || uri.startsWith("gs://"));
  }

  /** The object under this prefix at {@code relative}. */
  public ObjectUri child(String relative) {
    String base = key.isEmpty() || key.endsWith("/") ? key : key + "/";
    return new ObjectUri(scheme, bucket, base + relative);
  }

  @Override
  public String toString() {
    return scheme + "://" + bucket + "/" + key;
  }
}
