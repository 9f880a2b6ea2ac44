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
    String[] rest = TOOLS.containsKey(effective[0]) ? java.util.Arrays.copyOfRange(effective, 1, effective.length)
        : effective;
    System.exit(commandLine(effective[0]).execute(rest));
  }

  /** The tools a Job runs, made alone: picocli would otherwise build every command's model to run one. */
  private static final java.util.Map<String, java.util.function.Supplier<Object>> TOOLS = java.util.Map.of(
      "drift-check", DriftCheckCommand::new,
      "validate-data", ValidateDataCommand::new,
      "smoke-test", SmokeTestCommand::new);

  /** A tool's own command line, named as under ferry; for anything else, ferry's whole one. */
  static CommandLine commandLine(String first) {
    java.util.function.Supplier<Object> tool = TOOLS.get(first);
    return tool == null ? new CommandLine(new Main()) : new CommandLine(tool.get()).setCommandName("ferry " + first);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
