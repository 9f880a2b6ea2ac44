package dev.ferry.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs a container as a local process: the image's command from the mapping file (Ferry's own
 * image runs this very program), the pod's env and args, PersistentVolumeClaim mounts rewritten
 * to the mapped folders, a result file standing for {@code /dev/termination-log}, and a log per
 * pod. An image with no mapping fails the pod with a message naming the image and the file.
 */
public class ProcessContainerRunner implements ContainerRunner, AutoCloseable {
  /** The kubelet's fallback: the tail of the log when a failed container wrote no message. */
  private static final int LOG_TAIL_BYTES = 2048;

  private final LocalMapping mapping;
  private final String ferryImage;
  private final List<String> selfCommand;
  private final Path runDir;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  /**
   * @param selfCommand how to run this program (java -cp ... dev.ferry.Main); Ferry's image maps to it
   * @param runDir where pod logs and result files are kept
   */
  public ProcessContainerRunner(LocalMapping mapping, String ferryImage, List<String> selfCommand, Path runDir) {
    this.mapping = mapping;
    this.ferryImage = ferryImage;
    this.selfCommand = List.copyOf(selfCommand);
    this.runDir = runDir;
  }

  /** The command that runs this program again, from its own class path. */
  public static List<String> selfCommand() {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Absolute entries: the process runs in the example's folder, not where ferry was started.
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    return List.of(javaBin, "-cp", classPath, "dev.ferry.Main");
  }

  public Path logFile(Pod pod) {
    return runDir.resolve("pods").resolve(pod.getMetadata().getNamespace())
        .resolve(pod.getMetadata().getName() + ".log");
  }

  @Override
  public Exit run(Pod pod, Container container, Duration timeout) throws InterruptedException {
    Map<String, Path> mounts;
    try {
      mounts = mounts(pod, container);
    } catch (IllegalArgumentException e) {
      return new Exit(128, e.getMessage(), "ContainerCannotRun", null);
    }
    List<String> command = new ArrayList<>();
    Path workingDir = mapping.baseDir();
    Map<String, String> extraEnv = Map.of();
    if (ferryImage.equals(container.getImage())) {
      command.addAll(selfCommand);
    } else {
      var mapped = mapping.command(container.getImage());
      if (mapped.isEmpty()) {
        return new Exit(128, "image " + container.getImage() + " is not mapped to a local command: add it under"
            + " images: in " + mapping.file(), "ImageNotMapped", null);
      }
      if (container.getCommand() == null || container.getCommand().isEmpty()) {
        command.addAll(mapped.get().command);
      }
      if (mapped.get().workingDir != null) {
        workingDir = mapping.baseDir().resolve(mapped.get().workingDir).normalize();
      }
      extraEnv = mapped.get().env;
    }
    if (container.getCommand() != null) {
      container.getCommand().forEach(c -> command.add(rewrite(c, mounts)));
    }
    if (container.getArgs() != null) {
      container.getArgs().forEach(a -> command.add(rewrite(expand(a, container), mounts)));
    }
    if (container.getWorkingDir() != null) {
      workingDir = Path.of(rewrite(container.getWorkingDir(), mounts));
    }

    Path podDir = runDir.resolve("pods").resolve(pod.getMetadata().getNamespace());
    Path log = logFile(pod);
    Path result = podDir.resolve(pod.getMetadata().getName() + ".result");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.putAll(extraEnv);
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        if (var.getValue() != null) {
          env.put(var.getName(), rewrite(var.getValue(), mounts));
        }
      }
    }
    String terminationPath = container.getTerminationMessagePath() == null ? "/dev/termination-log"
        : container.getTerminationMessagePath();
    env.replaceAll((k, v) -> v.equals(terminationPath) ? result.toString() : v);

    Process process;
    try {
      Files.createDirectories(podDir);
      Files.deleteIfExists(result);
      process = builder.start();
    } catch (IOException e) {
      return new Exit(128, "could not start " + command.get(0) + " for image " + container.getImage() + ": "
          + e.getMessage(), "ContainerCannotRun", null);
    }
    running.add(process);
    try {
      boolean exited = timeout == null ? waitFor(process) : process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        kill(process);
        return new Exit(137, "killed after the Job's activeDeadlineSeconds", "DeadlineExceeded", null);
      }
      int code = process.exitValue();
      String message = readQuietly(result);
      if (message.isBlank() && code != 0 && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())) {
        message = tail(log);
      }
      return new Exit(code, message, code == 0 ? "Completed" : "Error", null);
    } catch (InterruptedException e) {
      kill(process);
      throw e;
    } finally {
      running.remove(process);
    }
  }

  private static boolean waitFor(Process process) throws InterruptedException {
    process.waitFor();
    return true;
  }

  /** Mount paths of the container's PersistentVolumeClaims, mapped to local folders. */
  private Map<String, Path> mounts(Pod pod, Container container) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    if (container.getVolumeMounts() == null) {
      return mounts;
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
          .findFirst().orElse(null);
      if (volume == null || volume.getPersistentVolumeClaim() == null) {
        continue;
      }
      String claim = volume.getPersistentVolumeClaim().getClaimName();
      Path folder = mapping.volumes().get(claim);
      if (folder == null) {
        throw new IllegalArgumentException("PersistentVolumeClaim " + claim + " is not mapped to a local folder: add it"
            + " under volumes: in " + mapping.file());
      }
      try {
        Files.createDirectories(folder);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot create " + folder + " for claim " + claim + ": " + e.getMessage());
      }
      mounts.put(mount.getMountPath(), folder);
    }
    return mounts;
  }

  /** Rewrites a value that points into a mounted claim to the local folder standing for it. */
  static String rewrite(String value, Map<String, Path> mounts) {
    for (var mount : mounts.entrySet()) {
      String prefix = mount.getKey();
      if (value.equals(prefix) || value.startsWith(prefix + "/")) {
        return mount.getValue() + value.substring(prefix.length());
      }
    }
    return value;
  }

  /** Expands $(VAR) references from the container's env, as the kubelet does for args. */
  private static String expand(String arg, Container container) {
    String out = arg;
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        if (var.getValue() != null) {
          out = out.replace("$(" + var.getName() + ")", var.getValue());
        }
      }
    }
    return out;
  }

  private static String readQuietly(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(Path log) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long start = Math.max(0, file.length() - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (file.length() - start)];
      file.seek(start);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** Kills every process still running, children included (Ctrl-C). */
  @Override
  public void close() {
    running.forEach(ProcessContainerRunner::kill);
  }
}
