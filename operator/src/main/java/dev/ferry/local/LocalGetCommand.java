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

  @Option(names = "--dir", defaultValue = "examples/quickstart", description = "The folder `ferry local` runs.")
  Path dir;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or yaml")
  String output;

  @Override
  public Integer call() {
    Class<? extends HasMetadata> type = KINDS.get(kind.toLowerCase(Locale.ROOT));
    if (type == null) {
      System.err.println("error: unknown kind " + kind + "; use one of " + KINDS.keySet().stream().sorted().toList());
      return 2;
    }
    Path kubeconfig = LocalMode.kubeconfig(dir);
    if (!Files.exists(kubeconfig)) {
      System.err.println("error: no " + kubeconfig + ": is `ferry local " + dir + "` running?");
      return 2;
    }
    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
      List<? extends HasMetadata> items = client.resources(type).inAnyNamespace().list().getItems().stream()
          .filter(o -> name == null || name.equals(o.getMetadata().getName())).toList();
      if (name != null && items.isEmpty()) {
        System.err.println("error: " + kind + " " + name + " not found");
        return 1;
      }
      if ("yaml".equals(output)) {
        items.forEach(o -> System.out.print(Serialization.asYaml(o)));
      } else {
        ProgressView view = new ProgressView(client, System.out, p -> "");
        System.out.printf("%-40s %s%n", "NAME", "STATUS");
        items.forEach(o -> System.out.printf("%-40s %s%n", o.getMetadata().getName(), view.summary(o)));
      }
      return 0;
    } catch (java.io.IOException | io.fabric8.kubernetes.client.KubernetesClientException e) {
      System.err.println("error: cannot reach the local API server (" + e.getMessage() + "): is `ferry local` running?");
      return 2;
    }
  }
}
