package dev.ferry.kube;

import java.util.Optional;

/**
 * pvc://claim/path URIs: the claim is mounted into the pod at {@link #MOUNT_ROOT}/claim, and the
 * URI is handed to the container as the local path below it. Local mode maps the same mount
 * paths to folders, so the step contract is the same everywhere.
 */
public final class PvcUris {
  public static final String SCHEME = "pvc://";
  public static final String MOUNT_ROOT = "/ferry/pvc";

  private PvcUris() {
  }

  /** A parsed pvc:// URI. */
  public record PvcUri(String claim, String path) {
    public String mountPath() {
      return MOUNT_ROOT + "/" + claim;
    }

    public String localPath() {
      return path.isEmpty() ? mountPath() : mountPath() + "/" + path;
    }

    /**
     * The pod volume for the claim: a DNS label, where a claim name may be a DNS subdomain (with
     * dots); a claim whose name had to change gets a hash of the original, so two never collide.
     */
    public String volumeName() {
      String label = claim.replace('.', '-');
      return label.equals(claim) ? Names.join(Names.MAX_LABEL, "pvc", claim)
          : Names.join(Names.MAX_LABEL, "pvc", label, Names.shortHash(claim, 8));
    }
  }

  public static Optional<PvcUri> parse(String uri) {
    if (uri == null || !uri.startsWith(SCHEME)) {
      return Optional.empty();
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String claim = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
    if (claim.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PvcUri(claim, path));
  }

  /** The path a container sees for a URI: the mounted path for pvc://, the URI itself otherwise. */
  public static String containerPath(String uri) {
    return parse(uri).map(PvcUri::localPath).orElse(uri);
  }
}
