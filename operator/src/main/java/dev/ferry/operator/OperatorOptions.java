package dev.ferry.operator;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The operator's settings from flags and env, shared by {@code operator} and {@code local} so both configure it alike. */
public class OperatorOptions {
  @Option(names = "--namespaces", split = ",", defaultValue = "${env:FERRY_WATCH_NAMESPACES}",
      description = "Namespaces to watch, comma separated; empty watches all (env FERRY_WATCH_NAMESPACES).")
  List<String> namespaces;

  @Option(names = "--ferry-image", defaultValue = "${env:FERRY_IMAGE:-" + FerryConfig.DEFAULT_IMAGE + "}",
      description = "Image of Ferry itself, run by built-in steps (env FERRY_IMAGE). Default: ${DEFAULT-VALUE}.")
  String ferryImage;

  public FerryConfig toConfig() {
    Set<String> watched = new LinkedHashSet<>();
    if (namespaces != null) {
      namespaces.stream().map(String::strip).filter(n -> !n.isEmpty()).forEach(watched::add);
    }
    return new FerryConfig(ferryImage == null ? FerryConfig.DEFAULT_IMAGE : ferryImage, Set.copyOf(watched));
  }
}
