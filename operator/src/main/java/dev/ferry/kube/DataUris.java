package dev.ferry.kube;

import java.util.Locale;
import java.util.Optional;

/**
 * Which data locations a resource may name, checked where the spec is validated so that an
 * unsupported one is an InvalidSpec naming the field, not a step that fails later. Steps and
 * drift checks read {@code pvc://<claim>/<path>} (mounted into the pod), {@code s3://} and
 * {@code gs://} objects (downloaded by Ferry), {@code http(s)://}, or an absolute path inside the pod.
 */
public final class DataUris {
  /** A DNS subdomain, what Kubernetes allows as a PersistentVolumeClaim name. */
  private static final java.util.regex.Pattern CLAIM =
      java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private DataUris() {
  }

  /** What is wrong with {@code uri} as data to read, or empty. */
  public static Optional<String> readableProblem(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      return Optional.of(field + ": required");
    }
    if (dev.ferry.storage.ObjectUri.isObjectStorage(uri)) {
      return objectProblem(field, uri); // Ferry downloads it before each step and drift check
    }
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://") || uri.startsWith("/") || lower.startsWith("file:/")) {
      return Optional.empty(); // an absolute path is a file in the step's image or a volume it mounts
    }
    return pvcProblem(field, uri, "pvc://<claim>/<path>, s3://<bucket>/<key>, gs://<bucket>/<key>, http://, https://,"
        + " file:/... or an absolute path");
  }

  /** What is wrong with {@code uri} as a place to write artifacts (a mounted claim or a bucket prefix), or empty. */
  public static Optional<String> writableProblem(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      return Optional.of(field + ": required");
    }
    if (dev.ferry.storage.ObjectUri.isObjectStorage(uri)) {
      return objectProblem(field, uri);
    }
    return pvcProblem(field, uri, "pvc://<claim>/<path>, s3://<bucket>/<prefix> or gs://<bucket>/<prefix>");
  }

  private static Optional<String> objectProblem(String field, String uri) {
    return dev.ferry.storage.ObjectUri.parse(uri).isPresent() ? Optional.empty()
        : Optional.of(field + ": \"" + uri + "\" is not an object URI: s3://<bucket>/<key> or gs://<bucket>/<key>, the"
            + " bucket 3-63 characters of a-z, 0-9, '.' and '-'");
  }

  private static Optional<String> pvcProblem(String field, String uri, String supported) {
    if (uri.startsWith(PvcUris.SCHEME)) {
      Optional<PvcUris.PvcUri> pvc = PvcUris.parse(uri);
      if (pvc.isEmpty()) {
        return Optional.of(field + ": pvc:// URIs need a claim name: pvc://<claim>/<path>, got \"" + uri + "\"");
      }
      // A claim name the API server would refuse in a pod's volume fails every Job create instead.
      String claim = pvc.get().claim();
      return claim.length() <= 253 && CLAIM.matcher(claim).matches() ? Optional.empty()
          : Optional.of(field + ": \"" + claim + "\" is not a PersistentVolumeClaim name (lowercase letters, digits,"
              + " '-' and '.', at most 253 characters) in \"" + uri + "\"");
    }
    int colon = uri.indexOf(':');
    String scheme = colon > 0 ? uri.substring(0, colon) : "";
    return Optional.of(field + ": " + (scheme.isEmpty() ? "a URI with a scheme is needed" : "unsupported URI scheme \""
        + scheme + "\"") + " in \"" + uri + "\"; use " + supported);
  }
}
