package dev.ferry.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator jar of an earlier commit, built from the repository's own history (git archive,
 * then Maven) into target/, once. A clone without that history fails here, saying so.
 */
final class EarlierBuild {
  private EarlierBuild() {
  }

  static synchronized Path jar(String commit) throws IOException, InterruptedException {
    Path dir = RealCluster.ROOT.resolve("operator").resolve("target").resolve("earlier").resolve(commit);
    Path jar = dir.resolve("operator").resolve("target").resolve("ferry-operator.jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    RealCluster.deleteTree(dir);
    Files.createDirectories(dir);
    run(dir, "sh", "-c", "git -C '" + RealCluster.ROOT + "' archive --format=tar " + commit + " | tar -x -C '" + dir + "'");
    run(dir, "mvn", "-B", "-q", "-pl", "operator", "-am", "package", "-DskipTests");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("building " + commit + " made no " + jar);
    }
    return jar;
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Path log = dir.resolveSibling(dir.getFileName() + ".log");
    Process process = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed (a clone without commit "
          + "history? git fetch --unshallow); see " + log + ":\n" + Files.readString(log));
    }
  }
}
