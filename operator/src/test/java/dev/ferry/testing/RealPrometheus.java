package dev.ferry.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's package, run as a plain process) scraping the given loopback ports
 * every second. No skipping: without the binary a test fails and says how to install it.
 *
 * <pre>
 * try (RealPrometheus prometheus = RealPrometheus.scraping(dir, metricsPort)) {
 *   check.prometheus.address = prometheus.address();
 * }
 * </pre>
 */
public final class RealPrometheus implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;

  private RealPrometheus(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts Prometheus with its data under {@code dir}, scraping each port's /metrics as job "ferry-it". */
  public static RealPrometheus scraping(Path dir, int... targets) throws IOException {
    Path binary = binary();
    StringBuilder list = new StringBuilder();
    for (int target : targets) {
      list.append(list.isEmpty() ? "" : ", ").append("\"127.0.0.1:").append(target).append('"');
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: ferry-it
            scrape_interval: 1s
            static_configs: [{targets: [%s]}]
        """.formatted(list));
    int port = freePort();
    Path log = dir.resolve("prometheus.log");
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // Should the JVM be killed before close(), do not leave Prometheus behind.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new RealPrometheus(process, log, port);
  }

  /** The base URL, for PrometheusQuery.address. */
  public String address() {
    return "http://127.0.0.1:" + port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Fails with Prometheus' exit code and the end of its log if it stopped. */
  public void assertAlive() {
    if (!process.isAlive()) {
      fail("prometheus exited with " + process.exitValue() + ":\n" + logTail());
    }
  }

  public String logTail() {
    try {
      String text = Files.readString(log);
      return text.length() <= 3000 ? text : text.substring(text.length() - 3000);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Path binary() {
    Path found = onPath("prometheus");
    if (found == null) {
      fail("the prometheus binary is not on the PATH. .ci/run installs it (apt-get install -y prometheus, as root);"
          + " on a Debian or Ubuntu machine run: sudo apt-get install -y prometheus");
    }
    return found;
  }

  private static Path onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin")) { // PATH may be trimmed under a test runner
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
