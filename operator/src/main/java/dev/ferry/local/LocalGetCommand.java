package dev.ferry.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry local get KIND [NAME]}: look at the objects of a running local mode, from another terminal. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Show objects of a running `ferry local` (it writes DIR/.ferry-local/kubeconfig).")
public class LocalGetCommand implements Callable<Integer> {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("tp", dev.ferry.api.v1alpha1.TrainingPipeline.class),
      Map.entry("trainingpipelines", dev.ferry.api.v1alpha1.TrainingPipeline.class),
      Map.entry("tr", dev.ferry.api.v1alpha1.TrainingRun.class),
      Map.entry("trainingruns", dev.ferry.api.v1alpha1.TrainingRun.class),
      Map.entry("mv", dev.ferry.api.v1alpha1.ModelVersion.class),
      Map.entry("modelversions", dev.ferry.api.v1alpha1.ModelVersion.class),
      Map.entry("md", dev.ferry.api.v1alpha1.ModelDeployment.class),
      Map.entry("modeldeployments", dev.ferry.api.v1alpha1.ModelDeployment.class),
      Map.entry("dp", dev.ferry.api.v1alpha1.DriftPolicy.class),
      Map.entry("driftpolicies", dev.ferry.api.v1alpha1.DriftPolicy.class),
      Map.entry("jobs", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
      Map.entry("pods", io.fabric8.kubernetes.api.model.Pod.class),
      Map.entry("events", io.fabric8.kubernetes.api.model.Event.class));

  @Parameters(index = "0", description = "tp, tr, mv, md, dp (or their plural names), jobs, pods, events")
  String kind;

  @Parameters(index = "1", arity = "0..1", description = "Object name; without it, all of the kind.")
  String name;

  @Option(names = "--dir", description = {"The folder `ferry local` runs; default: the one this directory is in"
      + " (a .ferry-local/ here or above), else the last one started on this machine."})
  Path dir;

  @Option(names = {"-o", "--output"}, defaultValue = "table",
      description = "table, yaml, or url (md NAME: the address its production Service answers at on this machine)")
  String output;

  /**
   * The folder of the local mode to read: {@code --dir}, else the nearest folder at or above
   * {@code cwd} with a {@code .ferry-local/kubeconfig}, else the last one started on this machine,
   * else the project's quickstart.
   */
  static Optional<Path> instance(Path dir, Path cwd) {
    if (dir != null) {
      return Files.exists(LocalMode.kubeconfig(dir)) ? Optional.of(dir) : Optional.empty();
    }
    for (Path p = cwd; p != null; p = p.getParent()) {
      if (Files.exists(LocalMode.kubeconfig(p))) {
        return Optional.of(p);
      }
    }
    try {
      Path last = Path.of(Files.readString(LocalMode.lastInstanceFile()).trim());
      if (Files.exists(LocalMode.kubeconfig(last))) {
        return Optional.of(last);
      }
    } catch (java.io.IOException | RuntimeException e) {
      // no local mode started on this machine yet
    }
    // From the project's root, the quickstart is the local mode people run.
    for (Path p = cwd; p != null; p = p.getParent()) {
      if (Files.exists(LocalMode.kubeconfig(p.resolve("examples/quickstart")))) {
        return Optional.of(p.resolve("examples/quickstart"));
      }
    }
    return Optional.empty();
  }

  /** {@code -o url}: where one ModelDeployment's production answers here, for scripts (curl "$URL/v2/..."). */
  private int printUrl(List<? extends HasMetadata> items, Path instance) {
    if (name == null || items.size() != 1 || !(items.get(0) instanceof dev.ferry.api.v1alpha1.ModelDeployment md)) {
      System.err.println("error: -o url needs one ModelDeployment: local get md NAME -o url");
      return 2;
    }
    if (md.getStatus() == null || md.getStatus().productionVersion == null) {
      System.err.println("error: md " + name + " has no version in production yet");
      return 1;
    }
    String url = dev.ferry.serving.ServingBuilders.url(md, md.getMetadata().getName());
    Path services = instance.resolve(".ferry-local").resolve("services.json");
    String local = dev.ferry.net.ServiceUrls.resolve(url, Map.of(dev.ferry.net.ServiceUrls.ENV_LOCAL_SERVICES,
        services.toString(), dev.ferry.net.ServiceUrls.ENV_NAMESPACE, md.getMetadata().getNamespace()));
    if (local.equals(url)) {
      System.err.println("error: md " + name + ": its Service has no local process behind it yet");
      return 1;
    }
    System.out.println(local);
    return 0;
  }

  /** Events by time, everything else by namespace and name, so two runs of the command compare line by line. */
  private static java.util.Comparator<HasMetadata> order(Class<? extends HasMetadata> type) {
    if (type == io.fabric8.kubernetes.api.model.Event.class) {
      return java.util.Comparator.comparing(o -> String.valueOf(eventTime((io.fabric8.kubernetes.api.model.Event) o)));
    }
    return java.util.Comparator.comparing((HasMetadata o) -> String.valueOf(o.getMetadata().getNamespace()))
        .thenComparing(o -> o.getMetadata().getName());
  }

  private static String eventTime(io.fabric8.kubernetes.api.model.Event e) {
    return e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getMetadata().getCreationTimestamp();
  }

  @Override
  public Integer call() {
    Class<? extends HasMetadata> type = KINDS.get(kind.toLowerCase(Locale.ROOT));
    if (type == null) {
      System.err.println("error: unknown kind " + kind + "; use one of " + KINDS.keySet().stream().sorted().toList());
      return 2;
    }
    Optional<Path> found = instance(dir, Path.of("").toAbsolutePath());
    if (found.isEmpty()) {
      System.err.println(dir != null ? "error: no " + LocalMode.kubeconfig(dir) + ": is `ferry local " + dir
          + "` running?" : "error: no local mode here: no .ferry-local/kubeconfig in this directory or above, and"
          + " none started on this machine (" + LocalMode.lastInstanceFile() + "); start one with `ferry local DIR`"
          + " or pass --dir DIR");
      return 2;
    }
    Path kubeconfig = LocalMode.kubeconfig(found.get());
    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
      List<? extends HasMetadata> items = client.resources(type).inAnyNamespace().list().getItems().stream()
          .filter(o -> name == null || name.equals(o.getMetadata().getName()))
          .sorted(order(type)).toList();
      if (name != null && items.isEmpty()) {
        System.err.println("error: " + kind + " " + name + " not found");
        return 1;
      }
      if ("url".equals(output)) {
        return printUrl(items, found.get());
      }
      if ("yaml".equals(output)) {
        items.forEach(o -> System.out.print(Serialization.asYaml(o)));
      } else if (type == io.fabric8.kubernetes.api.model.Event.class) {
        System.out.printf("%-6s %-8s %-20s %-45s %s%n", "AGE", "TYPE", "REASON", "OBJECT", "MESSAGE");
        java.time.Instant now = java.time.Instant.now();
        for (HasMetadata o : items) {
          var e = (io.fabric8.kubernetes.api.model.Event) o;
          System.out.printf("%-6s %-8s %-20s %-45s %s%n", dev.ferry.local.api.Tables.since(eventTime(e), now),
              e.getType(), e.getReason(), e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName(),
              e.getMessage());
        }
      } else {
        ProgressView view = new ProgressView(client, System.out, p -> "",
            found.get().resolve(".ferry-local").resolve("services.json"));
        System.out.printf("%-40s %s%n", "NAME", "STATUS");
        items.forEach(o -> System.out.printf("%-40s %s%n", o.getMetadata().getName(), view.summary(o)));
      }
      return 0;
    } catch (java.io.IOException | io.fabric8.kubernetes.client.KubernetesClientException e) {
      System.err.println("error: cannot reach the local API server of " + found.get() + " (" + e.getMessage()
          + "): is `ferry local` running there?");
      return 2;
    }
  }
}
