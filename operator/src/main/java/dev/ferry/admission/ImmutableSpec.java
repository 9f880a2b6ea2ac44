package dev.ferry.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The operator's twin of a CRD's {@code self == oldSelf} rule on a spec. The operator never sees
 * the old object, so it records a digest of the spec it accepted (in status) and compares: a spec
 * changed after that (possible where admission did not run: an older CRD, the local mode) is
 * reported with the CRD's own message and ignored, so a registry entry keeps what it was judged on.
 */
public final class ImmutableSpec {
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private ImmutableSpec() {
  }

  /** A digest of a spec; the same spec always gives the same digest. */
  public static String digest(Object spec) {
    try {
      byte[] json = CANONICAL.writeValueAsBytes(CANONICAL.valueToTree(spec));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serialize a spec", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "spec: {message}" when a digest was recorded and the spec no longer matches it. */
  public static Optional<String> changed(String recordedDigest, Object spec, String message) {
    return recordedDigest != null && !recordedDigest.equals(digest(spec))
        ? Optional.of("spec: " + message + " (it changed after it was accepted; the change is ignored)")
        : Optional.empty();
  }
}
