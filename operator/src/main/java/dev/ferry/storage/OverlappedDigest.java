package dev.ferry.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A sha256 taken on another thread while the bytes move: hashing a chunk overlaps with reading
 * and writing the next one, so a transfer costs about the larger of the two instead of their
 * sum (on this project's 2-core benchmark machine the hash of 1 GiB took as long as its
 * download). The caller hands over a chunk with {@link #update} and must not touch that buffer
 * again until the next {@code update} or {@link #finish} returns.
 */
final class OverlappedDigest implements AutoCloseable {
  private static final ExecutorService HASHERS = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "ferry-storage-sha256");
    thread.setDaemon(true);
    return thread;
  });

  private final MessageDigest digest;
  private Future<?> pending;

  OverlappedDigest() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Waits for the previous chunk, then hashes {@code length} bytes of {@code chunk} in the background. */
  void update(byte[] chunk, int length) {
    await();
    pending = HASHERS.submit(() -> digest.update(chunk, 0, length));
  }

  /** Waits for the last chunk: its buffer is the caller's again. */
  void await() {
    if (pending == null) {
      return;
    }
    try {
      pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while hashing", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("hashing failed", e.getCause());
    } finally {
      pending = null;
    }
  }

  /** sha256:<hex> of everything handed over. */
  String finish() {
    await();
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void close() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }
}
