package dev.ferry.kube;

import java.util.Locale;
import java.util.Optional;

/**
 * Which data locations a resource may name, checked where the spec is validated so that an
 * unsupported one is an InvalidSpec naming the field, not a step that fails later. Steps and
 * drift checks read {@code pvc://<claim>/<path>} (mounted into the pod), {@code http(s)://}, or an
 * absolute path inside the pod.
 */
public final class DataUris {
  private DataUris() {
  }

  /** What is wrong with {@code uri} as data to read, or empty. */
  public static Optional<String> readableProblem(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      return Optional.of(field + ": required");
    }
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://") || uri.startsWith("/") || lower.startsWith("file:/")) {
      return Optional.empty(); // an absolute path is a file in the step's image or a volume it mounts
    }
    return pvcProblem(field, uri, "pvc://<claim>/<path>, http://, https://, file:/... or an absolute path");
  }

  /** What is wrong with {@code uri} as a place to write artifacts (a mounted claim), or empty. */
  public static Optional<String> writableProblem(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      return Optional.of(field + ": required");
    }
    return pvcProblem(field, uri, "pvc://<claim>/<path>");
  }

  private static Optional<String> pvcProblem(String field, String uri, String supported) {
    if (uri.startsWith(PvcUris.SCHEME)) {
      return PvcUris.parse(uri).isPresent() ? Optional.empty()
          : Optional.of(field + ": pvc:// URIs need a claim name: pvc://<claim>/<path>, got \"" + uri + "\"");
    }
    int colon = uri.indexOf(':');
    String scheme = colon > 0 ? uri.substring(0, colon) : "";
    return Optional.of(field + ": " + (scheme.isEmpty() ? "a URI with a scheme is needed" : "unsupported URI scheme \""
        + scheme + "\"") + " in \"" + uri + "\"; use " + supported);
  }
}
