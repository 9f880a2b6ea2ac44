package dev.ferry.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a container becomes a local process, decided once for Jobs and Deployments alike: the
 * command from the mapping file (Ferry's own image is this program), the pod's env and args with
 * $(VAR) expanded, and every path inside a mounted claim rewritten to the claim's local folder.
 */
final class LocalLaunch {
  private final LocalMapping mapping;
  private final String ferryImage;
  private final List<String> selfCommand;
  private final Map<String, String> commonEnv;
  private final ConfigMapFiles configMaps;
  private final SecretData secrets;

  /** Writes a ConfigMap's data as files in a folder, as a kubelet mounts it. */
  @FunctionalInterface
  interface ConfigMapFiles {
    Path materialize(String namespace, String name) throws IOException;
  }

  /** A Secret's decoded data, or null when there is no such Secret. */
  @FunctionalInterface
  interface SecretData {
    Map<String, String> read(String namespace, String name);
  }

  LocalLaunch(LocalMapping mapping, String ferryImage, List<String> selfCommand, Map<String, String> commonEnv,
      ConfigMapFiles configMaps) {
    this(mapping, ferryImage, selfCommand, commonEnv, configMaps, (namespace, name) -> null);
  }

  /**
   * @param commonEnv env every local process gets (the service map, for instance)
   * @param configMaps how ConfigMap volumes become folders
   * @param secrets where envFrom and secretKeyRef find a Secret's values, as the kubelet does
   */
  LocalLaunch(LocalMapping mapping, String ferryImage, List<String> selfCommand, Map<String, String> commonEnv,
      ConfigMapFiles configMaps, SecretData secrets) {
    this.mapping = mapping;
    this.ferryImage = ferryImage;
    this.selfCommand = List.copyOf(selfCommand);
    this.commonEnv = Map.copyOf(commonEnv);
    this.configMaps = configMaps;
    this.secrets = secrets;
  }

  /** A process to start. */
  record Launch(List<String> command, Path workingDir, Map<String, String> env, Map<String, Path> mounts) {
    /**
     * What a kubelet would report as the imageID, for a local process: the image, the command it
     * ran and the sha256 of the file it runs (the first argument that is a file: {@code Train.java}
     * in {@code java Train.java}; else the program itself), so the lineage says what produced a
     * model, not only a tag. {@code ferry-local://eclipse-temurin:17-jdk?run=java%20Train.java@sha256:...}
     */
    String imageId(String image) {
      String run = java.net.URLEncoder.encode(String.join(" ", command), java.nio.charset.StandardCharsets.UTF_8)
          .replace("+", "%20");
      return "ferry-local://" + image + "?run=" + (run.length() > 300 ? run.substring(0, 300) + "..." : run)
          + ranFile().flatMap(LocalLaunch::sha256).map(d -> "@" + d).orElse("");
    }

    private java.util.Optional<Path> ranFile() {
      List<String> args = command.subList(Math.min(1, command.size()), command.size());
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (List.of("-cp", "-classpath", "--class-path", "-jar").contains(arg) && i + 1 < args.size()) {
          // A Java program (Ferry's own built-in steps among them): the jar is the code that ran.
          for (String entry : args.get(i + 1).split(java.io.File.pathSeparator)) {
            if (Files.isRegularFile(workingDir.resolve(entry))) {
              return java.util.Optional.of(workingDir.resolve(entry));
            }
          }
          break;
        }
        if (arg.startsWith("-")) {
          continue;
        }
        Path p = workingDir.resolve(arg);
        if (Files.isRegularFile(p)) {
          return java.util.Optional.of(p);
        }
      }
      if (command.isEmpty()) {
        return java.util.Optional.empty();
      }
      Path program = Path.of(command.get(0));
      if (program.isAbsolute()) {
        return Files.isRegularFile(program) ? java.util.Optional.of(program) : java.util.Optional.empty();
      }
      for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(dir, command.get(0));
        if (Files.isRegularFile(candidate)) {
          return java.util.Optional.of(candidate.toAbsolutePath());
        }
      }
      return java.util.Optional.empty();
    }
  }

  private static java.util.Optional<String> sha256(Path file) {
    try (var in = Files.newInputStream(file)) {
      java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return java.util.Optional.of("sha256:" + java.util.HexFormat.of().formatHex(digest.digest()));
    } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
      return java.util.Optional.empty();
    }
  }

  /** The container cannot run here; the reason is what a kubelet would put in the container status. */
  static final class CannotRun extends Exception {
    private final String reason;

    CannotRun(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    String reason() {
      return reason;
    }
  }

  Launch prepare(String namespace, PodSpec pod, Container container) throws CannotRun {
    return prepare(namespace, pod, container, null);
  }

  /**
   * The process for a container; {@code scratch} is the pod's own folder, where its emptyDir
   * volumes live (shared by its containers, gone with the pod), or null when it has none.
   */
  Launch prepare(String namespace, PodSpec pod, Container container, Path scratch) throws CannotRun {
    Map<String, Path> mounts = mounts(namespace, pod, container, scratch);
    List<String> command = new ArrayList<>();
    Path workingDir = mapping.baseDir();
    Map<String, String> env = new LinkedHashMap<>(commonEnv);
    if (ferryImage.equals(container.getImage())) {
      command.addAll(selfCommand);
    } else {
      var mapped = mapping.command(container.getImage());
      if (mapped.isEmpty()) {
        throw new CannotRun("ImageNotMapped", "image " + container.getImage()
            + " is not mapped to a local command: add it under images: in " + mapping.file());
      }
      if (container.getCommand() == null || container.getCommand().isEmpty()) {
        command.addAll(mapped.get().command);
      }
      if (mapped.get().workingDir != null) {
        workingDir = mapping.baseDir().resolve(mapped.get().workingDir).normalize();
      }
      env.putAll(mapped.get().env);
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
    env.putAll(envFrom(namespace, container));
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        if (var.getValue() != null) {
          // The node agent's own settings (KUBERNETES_*: the service account's token files) are
          // host paths already: a mount at /tmp must not capture them.
          env.put(var.getName(), var.getName().startsWith("KUBERNETES_") ? var.getValue()
              : rewrite(var.getValue(), mounts));
        } else if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
          var ref = var.getValueFrom().getSecretKeyRef();
          String value = secret(namespace, ref.getName(), Boolean.TRUE.equals(ref.getOptional())).get(ref.getKey());
          if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
            throw new CannotRun("CreateContainerConfigError", "couldn't find key " + ref.getKey() + " in Secret "
                + namespace + "/" + ref.getName());
          }
          if (value != null) {
            env.put(var.getName(), value);
          }
        }
      }
    }
    return new Launch(command, workingDir, env, mounts);
  }

  /** envFrom Secrets, under their prefix; the container's own env wins over them, as in a pod. */
  private Map<String, String> envFrom(String namespace, Container container) throws CannotRun {
    Map<String, String> env = new LinkedHashMap<>();
    if (container.getEnvFrom() == null) {
      return env;
    }
    for (var from : container.getEnvFrom()) {
      if (from.getSecretRef() == null) {
        continue;
      }
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      secret(namespace, from.getSecretRef().getName(), Boolean.TRUE.equals(from.getSecretRef().getOptional()))
          .forEach((key, value) -> env.put(prefix + key, value));
    }
    return env;
  }

  /** The kubelet's words when a Secret a container needs is missing; the values never reach a message. */
  private Map<String, String> secret(String namespace, String name, boolean optional) throws CannotRun {
    Map<String, String> data = secrets.read(namespace, name);
    if (data == null && !optional) {
      throw new CannotRun("CreateContainerConfigError", "secret \"" + name + "\" not found");
    }
    return data == null ? Map.of() : data;
  }

  /**
   * A distributed step's worker env on one machine: host names under the pod's headless Service
   * ({@code <job>-0.<subdomain>}) stand for 127.0.0.1 and MASTER_PORT for {@code port}, a free port
   * of the Job's, as the cluster's DNS and pod network would connect them.
   */
  static List<EnvVar> onLoopback(List<EnvVar> env, String subdomain, String port) {
    if (env == null || subdomain == null) {
      return env;
    }
    List<EnvVar> out = new ArrayList<>();
    for (EnvVar var : env) {
      String value = var.getValue();
      if (value != null && value.endsWith("." + subdomain)) {
        value = "127.0.0.1";
      } else if (value != null && "MASTER_PORT".equals(var.getName())) {
        value = port;
      }
      out.add(value == null || value.equals(var.getValue()) ? var : new EnvVar(var.getName(), value, null));
    }
    return out;
  }

  /**
   * The container with its fieldRef env resolved from the pod, as the kubelet resolves the
   * downward API: names, uid, labels and annotations ({@code metadata.annotations['k']}, how a
   * distributed step's worker reads its rank), the service account, and loopback for the IPs.
   */
  static Container withFieldRefs(io.fabric8.kubernetes.api.model.Pod pod, Container container) {
    if (container.getEnv() == null || container.getEnv().stream().noneMatch(e -> e.getValueFrom() != null
        && e.getValueFrom().getFieldRef() != null)) {
      return container;
    }
    List<EnvVar> env = new ArrayList<>();
    for (EnvVar var : container.getEnv()) {
      boolean fieldRef = var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null;
      env.add(fieldRef ? new EnvVar(var.getName(), field(pod, var.getValueFrom().getFieldRef().getFieldPath()), null)
          : var);
    }
    return new io.fabric8.kubernetes.api.model.ContainerBuilder(container).withEnv(env).build();
  }

  static String field(io.fabric8.kubernetes.api.model.Pod pod, String path) {
    var meta = pod.getMetadata();
    java.util.regex.Matcher keyed = java.util.regex.Pattern.compile("^metadata\\.(labels|annotations)\\['(.+)'\\]$")
        .matcher(path);
    if (keyed.matches()) {
      Map<String, String> map = "labels".equals(keyed.group(1)) ? meta.getLabels() : meta.getAnnotations();
      return map == null ? "" : map.getOrDefault(keyed.group(2), "");
    }
    return switch (path) {
      case "metadata.name" -> meta.getName();
      case "metadata.namespace" -> meta.getNamespace();
      case "metadata.uid" -> java.util.Objects.toString(meta.getUid(), "");
      case "spec.serviceAccountName" -> java.util.Objects.toString(pod.getSpec().getServiceAccountName(), "");
      case "status.podIP", "status.hostIP" -> "127.0.0.1";
      default -> "";
    };
  }

  /** Mount paths of the container's PersistentVolumeClaims and ConfigMaps, mapped to local folders. */
  private Map<String, Path> mounts(String namespace, PodSpec pod, Container container, Path scratch)
      throws CannotRun {
    Map<String, Path> mounts = new LinkedHashMap<>();
    if (container.getVolumeMounts() == null) {
      return mounts;
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      Volume volume = pod.getVolumes() == null ? null : pod.getVolumes().stream()
          .filter(v -> v.getName().equals(mount.getName())).findFirst().orElse(null);
      if (volume != null && volume.getConfigMap() != null) {
        try {
          mounts.put(mount.getMountPath(), configMaps.materialize(namespace, volume.getConfigMap().getName()));
        } catch (IOException | RuntimeException e) {
          throw new CannotRun("ContainerCannotRun", "ConfigMap " + volume.getConfigMap().getName()
              + " cannot be mounted: " + e.getMessage());
        }
        continue;
      }
      if (volume != null && volume.getEmptyDir() != null) {
        if (scratch == null) {
          throw new CannotRun("ContainerCannotRun", "emptyDir volume " + volume.getName()
              + " is not supported here in local mode");
        }
        Path folder = scratch.resolve(volume.getName());
        try {
          Files.createDirectories(folder);
        } catch (IOException e) {
          throw new CannotRun("ContainerCannotRun", "cannot create " + folder + " for emptyDir " + volume.getName()
              + ": " + e.getMessage());
        }
        mounts.put(mount.getMountPath(), folder);
        continue;
      }
      if (volume == null || volume.getPersistentVolumeClaim() == null) {
        continue;
      }
      String claim = volume.getPersistentVolumeClaim().getClaimName();
      Path folder = mapping.volumes().get(claim);
      if (folder == null) {
        throw new CannotRun("ContainerCannotRun", "PersistentVolumeClaim " + claim
            + " is not mapped to a local folder: add it under volumes: in " + mapping.file());
      }
      try {
        Files.createDirectories(folder);
      } catch (IOException e) {
        throw new CannotRun("ContainerCannotRun", "cannot create " + folder + " for claim " + claim + ": "
            + e.getMessage());
      }
      mounts.put(mount.getMountPath(), folder);
      // A folder mapped to a path inside the claim ("models/quickstart: .") stands for that part of it.
      mapping.volumes().forEach((key, inside) -> {
        if (key.startsWith(claim + "/")) {
          mounts.put(mount.getMountPath() + key.substring(claim.length()), inside);
        }
      });
    }
    return mounts;
  }

  /** A container path as the local folder standing for it: the deepest mount that holds it decides. */
  static String rewrite(String value, Map<String, Path> mounts) {
    String best = null;
    for (String prefix : mounts.keySet()) {
      if ((value.equals(prefix) || value.startsWith(prefix + "/")) && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    return best == null ? value : mounts.get(best) + value.substring(best.length());
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
}
