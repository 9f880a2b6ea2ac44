package dev.ferry.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the control plane's binaries: {@code FERRY_CONTROL_PLANE_BIN} when set, otherwise by
 * running {@code tools/control-plane/build.sh} of the Ferry checkout the program runs in (it
 * builds once into a cache outside the repository, then answers at once).
 */
public final class ControlPlaneBinaries {
  public static final String ENV_BIN = "FERRY_CONTROL_PLANE_BIN";

  private ControlPlaneBinaries() {
  }

  public static Path locate(Path from) throws IOException, InterruptedException {
    String bin = System.getenv(ENV_BIN);
    if (bin != null && !bin.isBlank()) {
      return Path.of(bin);
    }
    Path script = buildScript(from);
    if (script == null) {
      throw new IOException("the real control plane needs etcd, kube-apiserver and kube-controller-manager: run "
          + "tools/control-plane/build.sh from a Ferry checkout (Go needed) and set " + ENV_BIN
          + " to the folder it prints");
    }
    // The build prints its progress on stderr (shown as is) and the binaries' folder on stdout.
    Process build = new ProcessBuilder(List.of("bash", script.toString()))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (build.waitFor() != 0 || out.isEmpty()) {
      throw new IOException(script + " failed (exit " + build.exitValue() + "); its messages are above");
    }
    return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
  }

  /** tools/control-plane/build.sh in {@code from} or a folder above it. */
  static Path buildScript(Path from) {
    for (Path dir = from.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("tools").resolve("control-plane").resolve("build.sh");
      if (Files.isRegularFile(script)) {
        return script;
      }
    }
    return null;
  }
}
