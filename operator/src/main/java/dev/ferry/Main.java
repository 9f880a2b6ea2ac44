package dev.ferry;

import dev.ferry.local.LocalCommand;
import dev.ferry.operator.OperatorCommand;
import dev.ferry.tools.DriftCheckCommand;
import dev.ferry.tools.SmokeTestCommand;
import dev.ferry.tools.ValidateDataCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Ferry's one jar: the operator (the default), the local mode, and the tools that run in Jobs. */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
    description = "Declarative MLOps for Kubernetes.",
    subcommands = {OperatorCommand.class, LocalCommand.class, ValidateDataCommand.class, SmokeTestCommand.class,
        DriftCheckCommand.class, dev.ferry.tools.StorageCommand.class})
public class Main implements Runnable {
  public static void main(String[] args) {
    // No subcommand means the operator: that is what the container image runs.
    String[] effective = args.length == 0 ? new String[] {"operator"} : args;
    // Every HTTP server Ferry runs (metrics, the local gateway, kubectl's) answers without waiting
    // for delayed ACKs; the JDK reads this once, when its first HttpServer starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    System.exit(new CommandLine(new Main()).execute(effective));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
