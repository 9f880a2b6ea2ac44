package dev.ferry.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.storage.ObjectStorage;
import dev.ferry.storage.ObjectUri;
import dev.ferry.storage.StorageException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry storage cp SRC DST}: one object or a prefix's objects between a bucket and a local
 * path, in either direction, printing bytes, objects and sha256 as JSON. Steps stay
 * storage-agnostic: Ferry's own image runs this before a step (download) and after it (upload).
 * Settings and credentials come from the environment ({@link ObjectStorage#settings}).
 */
@Command(name = "storage", mixinStandardHelpOptions = true,
    description = "Copy between object storage (s3://, gs://) and local files.",
    subcommands = StorageCommand.Copy.class)
public class StorageCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("usage: ferry storage cp SRC DST (one of them s3://... or gs://...)");
    return 2;
  }

  @Command(name = "cp", mixinStandardHelpOptions = true,
      description = {"Copy SRC to DST; one is s3://BUCKET/KEY or gs://BUCKET/KEY, the other a local path.",
          "A key ending in / is a prefix: its objects become the files of a folder, or a folder's files its objects.",
          "Exit code: 0 copied, 1 the storage refused (missing bucket or key, credentials), 2 bad arguments."})
  public static class Copy implements Callable<Integer> {
    private final Map<String, String> env;

    public Copy() {
      this(System.getenv());
    }

    public Copy(Map<String, String> env) {
      this.env = env;
    }

    @Parameters(index = "0", paramLabel = "SRC")
    String source;

    @Parameters(index = "1", paramLabel = "DST")
    String target;

    @picocli.CommandLine.Option(names = "--result", paramLabel = "FILE",
        description = "Also write the JSON summary to FILE (a pod's termination message: how Ferry reads digests).")
    Path result;

    @picocli.CommandLine.Option(names = "--if-exists",
        description = "Nothing to copy (no objects under the prefix, no local folder) is success with 0 objects.")
    boolean ifExists;

    @picocli.CommandLine.Option(names = "--manifest", paramLabel = "FILE",
        description = {"Downloading a prefix: write each file's path and sha256 to FILE.",
            "Uploading a folder: skip the files FILE lists with the same sha256 (their objects hold those bytes)."})
    Path manifest;

    @picocli.CommandLine.Option(names = "--rank-zero-only",
        description = "In a worker of a distributed step (JOB_COMPLETION_INDEX set and not 0) copy nothing: rank 0"
            + " publishes the model.")
    boolean rankZeroOnly;

    @picocli.CommandLine.Option(names = "--expect-sha256", paramLabel = "DIGEST",
        description = "Fail (exit 1) unless what was copied has this digest: sha256:... as this command prints it.")
    String expectedDigest;

    @Override
    public Integer call() {
      Optional<ObjectUri> from = ObjectUri.parse(source);
      Optional<ObjectUri> to = ObjectUri.parse(target);
      for (String uri : new String[] {source, target}) {
        if (ObjectUri.isObjectStorage(uri) && ObjectUri.parse(uri).isEmpty()) {
          System.err.println("storage: " + uri + " is not a valid object URI: use s3://BUCKET/KEY (a bucket name is"
              + " 3-63 characters of a-z, 0-9, . and -)");
          return 2;
        }
      }
      if (from.isPresent() == to.isPresent()) {
        System.err.println("storage: exactly one of SRC and DST is s3:// or gs://");
        return 2;
      }
      ObjectUri remote = from.orElseGet(to::get);
      try (ObjectStorage storage = ObjectStorage.forUri(remote, env)) {
        ObjectStorage.Transfer t;
        String index = env.get("JOB_COMPLETION_INDEX");
        if (rankZeroOnly && index != null && !index.isBlank() && !index.strip().equals("0")) {
          t = new ObjectStorage.Transfer(0, null, 0);
        } else if (ifExists && nothingThere(storage, from.orElse(null))) {
          t = new ObjectStorage.Transfer(0, null, 0);
        } else {
          t = from.isPresent() ? download(storage, remote) : storage.upload(Path.of(source), remote, unchanged());
        }
        if (expectedDigest != null && !expectedDigest.equals(t.sha256())) {
          throw new StorageException("the copy of " + source + " has digest " + t.sha256() + ", not " + expectedDigest
              + ": the stored objects changed after they were recorded");
        }
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("source", source);
        out.put("target", target);
        out.put("bytes", t.bytes());
        out.put("objects", t.objects());
        if (t.sha256() != null) {
          out.put("sha256", t.sha256());
        }
        System.out.println(out);
        if (result != null) {
          java.nio.file.Files.writeString(result, out.toString());
        }
        return 0;
      } catch (StorageException e) {
        System.err.println("storage: " + e.getMessage());
        writeFailure("storage: " + e.getMessage());
        return 1;
      } catch (java.io.IOException e) {
        System.err.println("storage: cannot write " + result + ": " + e.getMessage());
        return 1;
      }
    }

    private ObjectStorage.Transfer download(ObjectStorage storage, ObjectUri remote) throws StorageException,
        java.io.IOException {
      Map<String, String> files = new java.util.TreeMap<>();
      ObjectStorage.Transfer t = storage.download(remote, Path.of(target), files);
      if (manifest != null) {
        java.nio.file.Files.writeString(manifest, new ObjectMapper().writeValueAsString(files));
      }
      return t;
    }

    /** The files the manifest says were downloaded, or none. */
    private Map<String, String> unchanged() throws java.io.IOException {
      if (manifest == null || !java.nio.file.Files.exists(manifest)) {
        return Map.of();
      }
      return new ObjectMapper().readValue(manifest.toFile(),
          new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { });
    }

    /** A download of an empty prefix, or an upload of a missing or empty folder. */
    private boolean nothingThere(ObjectStorage storage, ObjectUri download) throws StorageException {
      if (download != null) {
        return (download.key().isEmpty() || download.key().endsWith("/")) && storage.list(download).isEmpty();
      }
      Path folder = Path.of(source);
      if (!java.nio.file.Files.exists(folder)) {
        return true;
      }
      if (!java.nio.file.Files.isDirectory(folder)) {
        return false;
      }
      try (var files = java.nio.file.Files.walk(folder)) {
        return files.noneMatch(java.nio.file.Files::isRegularFile);
      } catch (java.io.IOException e) {
        throw new StorageException("cannot read " + folder + ": " + e.getMessage(), e);
      }
    }

    /** The reason, where the kubelet reads a failed container's message from. */
    private void writeFailure(String message) {
      if (result != null) {
        try {
          java.nio.file.Files.writeString(result, message);
        } catch (java.io.IOException ignored) {
          // the message is on stderr too, and FallbackToLogsOnError shows it
        }
      }
    }
  }
}
