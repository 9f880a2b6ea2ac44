package dev.ferry.drift;

import dev.ferry.kube.PvcUris;
import dev.ferry.storage.ObjectStorage;
import dev.ferry.storage.ObjectUri;
import dev.ferry.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Where a check's HTML page goes: one new page per check in a folder, a {@code pvc://claim/dir}
 * (the claim mounted in the check's pod), an {@code s3://} or {@code gs://} prefix, or a local
 * folder. Pages are named by the check's time, so a folder holds the history and nothing is
 * overwritten; the location written is returned in the form it was given, for the status.
 */
public final class ReportStore {
  /** Sortable, and free of ':' (awkward in URLs and object keys): 20261204T213005.123Z.html. */
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final java.util.regex.Pattern PAGE = java.util.regex.Pattern.compile("\\d{8}T\\d{6}\\.\\d{3}Z\\.html");

  private ReportStore() {
  }

  /** Whether {@code name} is a page name as {@link #fileName} makes them, and nothing else. */
  public static boolean isPageName(String name) {
    return PAGE.matcher(name).matches();
  }

  /** The page's name for a check finished at {@code time}. */
  public static String fileName(Instant time) {
    return NAME.format(time) + ".html";
  }

  /**
   * Writes {@code html} as a new page in the folder {@code location} and returns the page's
   * location. {@code pvcRoot} is where pvc:// claims are mounted; {@code env} holds the storage
   * settings for buckets.
   */
  public static String write(String location, String html, Instant time, String pvcRoot, Map<String, String> env)
      throws DriftInputException, IOException {
    String folder = location.replaceAll("/+$", "");
    String name = fileName(time);
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    if (ObjectUri.isObjectStorage(location)) {
      ObjectUri prefix = ObjectUri.parse(folder + "/").orElseThrow(() -> new DriftInputException(
          "--report-to " + location + ": not an s3://bucket/prefix or gs://bucket/prefix"));
      Path temp = Files.createTempFile("ferry-report", ".html");
      try {
        Files.write(temp, bytes);
        try (ObjectStorage storage = ObjectStorage.forUri(prefix, env)) {
          storage.upload(temp, prefix.child(name));
        } catch (StorageException e) {
          throw new IOException(e.getMessage(), e);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
      return prefix.child(name).toString();
    }
    Path dir;
    if (location.startsWith(PvcUris.SCHEME)) {
      PvcUris.PvcUri pvc = PvcUris.parse(location).orElseThrow(() -> new DriftInputException(
          "--report-to " + location + ": not a pvc://claim/folder URI"));
      String path = pvc.localPath();
      dir = Path.of(pvcRoot == null ? path : pvcRoot.replaceAll("/+$", "") + path.substring(PvcUris.MOUNT_ROOT.length()));
    } else {
      dir = Path.of(folder.isEmpty() ? "/" : folder);
    }
    Files.createDirectories(dir);
    // Written aside and moved in, so whoever serves the folder never sends half a page.
    Path temp = Files.createTempFile(dir, ".ferry-report", ".tmp");
    try {
      Files.write(temp, bytes);
      try {
        Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    return folder + "/" + name;
  }
}
