package dev.ferry.drift;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the reference (numpy and scipy) from tests. The tests that compare with it fail, saying what
 * to install, when python3 with numpy and scipy is not on the machine: a comparison that did not run
 * must not read as one that passed. (.ci/run installs them.)
 */
public final class Python {
  private static Boolean available;

  private Python() {}

  /** Fails the calling test unless python3 can import numpy and scipy. */
  public static void requireScipy() {
    if (available == null) {
      try {
        available = run(List.of("python3", "-c", "import numpy, scipy"), null, 60).exit == 0;
      } catch (IOException e) {
        available = false;
      }
    }
    if (!available) {
      throw new AssertionError("python3 with numpy and scipy is needed to compare with the reference; install them"
          + " with: python3 -m pip install numpy scipy (.ci/run does)");
    }
  }

  /** drift_reference.py: $FERRY_DRIFT_REFERENCE, shared/bench/ beside the checkout, or the copy in benchmarks/. */
  public static Path reference() {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("FERRY_DRIFT_REFERENCE");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    Path root = Path.of(System.getProperty("ferry.projectRoot", "..")).toAbsolutePath().normalize();
    candidates.add(root.resolveSibling("shared").resolve("bench/drift_reference.py"));
    candidates.add(root.resolve("benchmarks/drift_reference.py"));
    for (Path p : candidates) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("drift_reference.py not found in " + candidates);
  }

  /** The output of a command. */
  public record Result(int exit, String out, String err) {}

  /** Runs a command (its standard input from {@code stdin} when not null) and waits at most {@code seconds}. */
  public static Result run(List<String> command, String stdin, int seconds) throws IOException {
    Path out = Files.createTempFile("py-out", ".txt");
    Path err = Files.createTempFile("py-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Runs python3 with a script given as text and arguments; fails the test on a non-zero exit. */
  public static String script(String code, String stdin, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", code));
    cmd.addAll(List.of(args));
    Result r = run(cmd, stdin, 600);
    if (r.exit != 0) {
      throw new AssertionError("python3 failed (" + r.exit + "): " + r.err);
    }
    return r.out;
  }
}
