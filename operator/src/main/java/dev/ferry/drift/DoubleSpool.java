package dev.ferry.drift;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The values of one numeric column, appended during a pass and read back whole afterwards, one
 * column at a time. Values live in chunks of 65,536 doubles; while the shared {@link Budget} has
 * room they stay on the heap, and after that every full chunk is written to a temporary file of
 * its own, so the heap holds at most the budget plus one chunk per column. Not thread-safe; one
 * spool per column and thread.
 */
final class DoubleSpool implements AutoCloseable {
  static final int CHUNK = 1 << 16;

  /** Bytes of spooled values the heap may hold, shared by all spools of a run. */
  static final class Budget {
    private final long bytes;
    private final Path dir;
    private final AtomicLong used = new AtomicLong();

    /**
     * @param bytes heap bytes for spooled values; beyond them, chunks go to disk
     * @param dir where temporary files go ({@code null}: the system's temporary directory)
     */
    Budget(long bytes, Path dir) {
      this.bytes = bytes;
      this.dir = dir;
    }

    boolean take(long n) {
      if (used.addAndGet(n) <= bytes) {
        return true;
      }
      used.addAndGet(-n);
      return false;
    }

    void give(long n) {
      used.addAndGet(-n);
    }

    long used() {
      return used.get();
    }
  }

  private final Budget budget;
  private final String name;
  private final List<double[]> chunks = new ArrayList<>();
  private double[] current;
  private int pos;
  private long count;
  private long onDisk;
  /** Heap bytes this spool took from the budget. */
  private long taken;
  private Path file;
  private FileChannel channel;
  private ByteBuffer buffer;

  /** @param name the column, for messages */
  DoubleSpool(Budget budget, String name) {
    this.budget = budget;
    this.name = name;
  }

  void add(double v) {
    if (current == null || pos == CHUNK) {
      nextChunk();
    }
    current[pos++] = v;
    count++;
  }

  long count() {
    return count;
  }

  private void nextChunk() {
    if (current != null) {
      chunks.add(current);
    }
    if (budget.take(CHUNK * 8L)) {
      taken += CHUNK * 8L;
      current = new double[CHUNK];
    } else {
      spill();
      if (current == null) {
        current = new double[CHUNK];
      }
    }
    pos = 0;
  }

  /** Writes the full chunks to this column's file and keeps one array to reuse. */
  private void spill() {
    try {
      if (channel == null) {
        file = budget.dir == null ? Files.createTempFile("ferry-drift-", ".f64")
            : Files.createTempFile(budget.dir, "ferry-drift-", ".f64");
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ,
            StandardOpenOption.DELETE_ON_CLOSE);
        buffer = ByteBuffer.allocateDirect(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
      }
      double[] keep = null;
      for (double[] c : chunks) {
        buffer.clear();
        buffer.asDoubleBuffer().put(c);
        buffer.limit(CHUNK * 8);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        onDisk += CHUNK;
        if (keep == null) {
          keep = c;
        } else {
          budget.give(CHUNK * 8L);
          taken -= CHUNK * 8L;
        }
      }
      chunks.clear();
      current = keep;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool the values of column \"" + name + "\" to disk in "
          + (budget.dir == null ? System.getProperty("java.io.tmpdir") : budget.dir) + " (" + e.getMessage()
          + "); give more memory to the spool (--spool-memory) or a writable --spool-dir", e);
    }
  }

  /**
   * Every value, in the order added, in a new array of exactly {@link #count()} values (the
   * array must fit in an int-indexed Java array: at most about 2.1 billion values per column).
   */
  double[] toArray() {
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("column \"" + name + "\" has more than 2^31 values");
    }
    double[] out = new double[(int) count];
    int at = 0;
    try {
      if (channel != null && onDisk > 0) {
        ByteBuffer b = buffer;
        long position = 0;
        long remaining = onDisk * 8;
        while (remaining > 0) {
          b.clear();
          b.limit((int) Math.min(b.capacity(), remaining));
          int read = channel.read(b, position);
          if (read < 0) {
            throw new IOException("spool file ended early");
          }
          position += read;
          remaining -= read;
          b.flip();
          int n = b.remaining() / 8;
          b.asDoubleBuffer().get(out, at, n);
          at += n;
          b.position(n * 8);
          if (b.hasRemaining()) {
            // a partial double: put it back by stepping the position back
            position -= b.remaining();
            remaining += b.remaining();
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back the spooled values of column \"" + name + "\"", e);
    }
    for (double[] c : chunks) {
      System.arraycopy(c, 0, out, at, CHUNK);
      at += CHUNK;
    }
    if (current != null) {
      System.arraycopy(current, 0, out, at, pos);
    }
    return out;
  }

  /** Frees the heap chunks and deletes the file. */
  @Override
  public void close() {
    budget.give(taken);
    taken = 0;
    chunks.clear();
    current = null;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // DELETE_ON_CLOSE; nothing else to do
      }
      channel = null;
    }
  }
}
