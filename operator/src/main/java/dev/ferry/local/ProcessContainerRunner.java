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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProcessContainerRunner.class);
  private final LocalLaunch launcher;
  private final Path runDir;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  /**
   * @param selfCommand how to run this program (java -cp ... dev.ferry.Main); Ferry's image maps to it
   * @param runDir where pod logs and result files are kept
   */
  public ProcessContainerRunner(LocalMapping mapping, String ferryImage, List<String> selfCommand, Path runDir) {
    this(new LocalLaunch(mapping, ferryImage, selfCommand, Map.of(), (ns, name) -> {
      throw new IOException("no API server to read it from");
    }), runDir);
  }

  ProcessContainerRunner(LocalLaunch launcher, Path runDir) {
    this.launcher = launcher;
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

  /** The log of the pod's default container (kubectl's default-container annotation, else its first). */
  public Path logFile(Pod pod) {
    return runDir.resolve("pods").resolve(pod.getMetadata().getNamespace())
        .resolve(pod.getMetadata().getName() + ".log");
  }

  /** Each container of a pod of several writes its own log; the default container's is {@link #logFile(Pod)}. */
  public Path logFile(Pod pod, String container) {
    return container.equals(defaultContainer(pod)) ? logFile(pod)
        : runDir.resolve("pods").resolve(pod.getMetadata().getNamespace())
            .resolve(pod.getMetadata().getName() + "-" + container + ".log");
  }

  static String defaultContainer(Pod pod) {
    var annotations = pod.getMetadata().getAnnotations();
    String named = annotations == null ? null : annotations.get("kubectl.kubernetes.io/default-container");
    return named != null ? named : pod.getSpec().getContainers().get(0).getName();
  }

  /** The pod's own folder for its emptyDir volumes: shared by its containers, removed with {@link #release}. */
  public Path scratch(Pod pod) {
    return runDir.resolve("pods").resolve(pod.getMetadata().getNamespace())
        .resolve(pod.getMetadata().getName() + ".volumes");
  }

  /** Removes the pod's emptyDir volumes, as the kubelet does once the pod is done. */
  public void release(Pod pod) {
    Path folder = scratch(pod);
    if (!Files.exists(folder)) {
      return;
    }
    try (var paths = Files.walk(folder)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not remove {}: {}", folder, e.getMessage());
    }
  }

  @Override
  public Exit run(Pod pod, Container container, Duration timeout) throws InterruptedException {
    container = LocalLaunch.withFieldRefs(pod, container);
    LocalLaunch.Launch launch;
    try {
      launch = launcher.prepare(pod.getMetadata().getNamespace(), pod.getSpec(), container, scratch(pod));
    } catch (LocalLaunch.CannotRun e) {
      return new Exit(128, e.getMessage(), e.reason(), null);
    }
    Path podDir = runDir.resolve("pods").resolve(pod.getMetadata().getNamespace());
    Path log = logFile(pod, container.getName());
    Path result = podDir.resolve(pod.getMetadata().getName() + ".result");
    ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.workingDir().toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.putAll(launch.env());
    String terminationPath = container.getTerminationMessagePath() == null ? "/dev/termination-log"
        : container.getTerminationMessagePath();
    env.replaceAll((k, v) -> v.equals(terminationPath) ? result.toString() : v);
    // An argument naming the termination message file points at the same local file.
    List<String> command = launch.command().stream().map(a -> a.equals(terminationPath) ? result.toString() : a)
        .toList();
    builder.command(command);

    Process process;
    try {
      Files.createDirectories(podDir);
      Files.deleteIfExists(result);
      process = builder.start();
    } catch (IOException e) {
      return new Exit(128, "could not start " + launch.command().get(0) + " for image " + container.getImage() + ": "
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
      return new Exit(code, message, code == 0 ? "Completed" : "Error", launch.imageId(container.getImage()));
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
