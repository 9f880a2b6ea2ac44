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
        ObjectStorage.Transfer t = from.isPresent() ? storage.download(remote, Path.of(target))
            : storage.upload(Path.of(source), remote);
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("source", source);
        out.put("target", target);
        out.put("bytes", t.bytes());
        out.put("objects", t.objects());
        out.put("sha256", t.sha256());
        System.out.println(out);
        return 0;
      } catch (StorageException e) {
        System.err.println("storage: " + e.getMessage());
        return 1;
      }
    }
  }
}
