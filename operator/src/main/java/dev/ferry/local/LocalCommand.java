package dev.ferry.local;

import dev.ferry.operator.OperatorOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry local [DIR]}: the whole lifecycle on this machine, no cluster needed. */
@Command(name = "local", mixinStandardHelpOptions = true, subcommands = LocalGetCommand.class,
    description = {"Run Ferry with no cluster: an embedded Kubernetes API, the operator, and local processes for Jobs.",
        "Applies every YAML in DIR (default examples/quickstart). Exit code: 0 all good, 1 a resource ended failed,"
            + " 2 a manifest could not be applied or local mode could not start."})
public class LocalCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = "examples/quickstart", description = "Folder of manifests.")
  Path dir;

  @Option(names = "--exit-when-idle", description = "Stop when nothing runs and nothing is scheduled within --horizon.")
  boolean exitWhenIdle;

  @Option(names = "--horizon", defaultValue = "60s", converter = DurationConverter.class,
      description = "How far ahead a scheduled run keeps --exit-when-idle waiting. Default ${DEFAULT-VALUE}.")
  Duration horizon;

  @Option(names = "--timeout", defaultValue = "30m", converter = DurationConverter.class,
      description = "Longest --exit-when-idle waits. Default ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = "--dump", description = "Write every object (custom resources, Jobs, Pods, events) as YAML here at the end.")
  Path dump;

  @Option(names = "--port", defaultValue = "0", description = "Port of the embedded API server; 0 picks a free one.")
  int port;

  @Option(names = "--metrics-port", defaultValue = "-1",
      description = "Serve the operator's /metrics, /healthz and /readyz on this port (0 picks one); off by default.")
  int metricsPort;

  @Option(names = "--gateway-port", defaultValue = "0",
      description = "Port of the local gateway, which routes requests by the HTTPRoutes (spec.traffic); 0 picks a free one.")
  int gatewayPort;

  @Option(names = "--control-plane", description = {"Run on a real kube-apiserver, etcd and kube-controller-manager"
      + " instead of the embedded API server. Built from the Go module proxy on first use (tools/control-plane;"
      + " about 16 min on 2 cores), then reused. State lives in DIR/.ferry-local/control-plane: stop and start"
      + " again, and runs, versions and history are still there."})
  boolean controlPlane;

  @Mixin
  OperatorOptions operatorOptions = new OperatorOptions();

  @Override
  public Integer call() throws IOException, InterruptedException {
    dev.ferry.operator.Logging.quiet();
    if (!Files.isDirectory(dir)) {
      System.err.println("error: " + dir + " is not a folder of manifests");
      return 2;
    }
    LocalMode local = new LocalMode(new LocalMode.Options(dir, port, horizon, operatorOptions.toConfig(),
        ProcessContainerRunner.selfCommand(), System.out, metricsPort, controlPlane, gatewayPort));
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      local.close();
    }, "ferry-local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    List<String> problems;
    try {
      problems = local.start();
    } catch (IOException e) {
      System.err.println("error: " + e.getMessage());
      local.close();
      return 2;
    }
    if (!exitWhenIdle) {
      System.out.println("ferry local: running; Ctrl-C stops everything");
      stop.await();
      return 0;
    }
    local.awaitIdle(timeout);
    List<String> failures = local.failures();
    if (dump != null) {
      local.dump(dump);
      System.out.println("ferry local: wrote every object to " + dump);
    }
    failures.forEach(f -> System.out.println("failed: " + f));
    boolean finished = local.isIdle();
    System.out.println(verdict(finished, timeout, problems, failures));
    Runtime.getRuntime().removeShutdownHook(hook);
    local.close();
    return !failures.isEmpty() || !finished ? 1 : problems.isEmpty() ? 0 : 2;
  }

  /**
   * The last line of a run: what failed, in the order of the exit code's meaning (1 for a failed
   * resource, 2 for a manifest not applied), or that nothing did.
   */
  static String verdict(boolean idle, Duration timeout, List<String> problems, List<String> failures) {
    List<String> parts = new java.util.ArrayList<>();
    if (!failures.isEmpty()) {
      parts.add(failures.size() + (failures.size() == 1 ? " resource" : " resources") + " failed ("
          + String.join(", ", failures.stream().map(f -> f.substring(0, Math.max(0, f.indexOf(':'))).trim())
              .map(f -> f.isEmpty() ? "?" : f).toList()) + ")");
    }
    if (!problems.isEmpty()) {
      parts.add(problems.size() + (problems.size() == 1 ? " manifest problem" : " manifest problems")
          + ": not applied (the error: lines above)");
    }
    String state = idle ? "idle" : "stopped after --timeout " + timeout.toSeconds() + " s with work still running";
    return "ferry local: " + state + "; " + (parts.isEmpty() ? "nothing failed" : String.join("; ", parts));
  }

  /** Reads 30s, 5m, 1h. */
  public static class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Duration.parse("PT" + value.toUpperCase());
    }
  }
}
