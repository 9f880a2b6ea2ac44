package dev.ferry.operator;

import java.util.Set;

/**
 * Configuration of one operator process, passed by constructor to whoever needs it.
 *
 * @param ferryImage image of Ferry itself: built-in steps, drift checks and smoke tests run it
 * @param namespaces namespaces to watch; empty means all
 */
public record FerryConfig(String ferryImage, Set<String> namespaces) {
  public static final String DEFAULT_IMAGE = "ghcr.io/ferry-ml/ferry:0.1.0";

  public static FerryConfig defaults() {
    return new FerryConfig(DEFAULT_IMAGE, Set.of());
  }
}
