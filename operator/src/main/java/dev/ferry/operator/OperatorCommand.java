package dev.ferry.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry operator}: the controller, against the cluster of the current kubeconfig or service account. */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the Ferry operator against the current Kubernetes cluster (kubeconfig or in-cluster).")
public class OperatorCommand implements Callable<Integer> {
  @Option(names = "--namespaces", split = ",", defaultValue = "${env:FERRY_WATCH_NAMESPACES}",
      description = "Namespaces to watch, comma separated; empty watches all (env FERRY_WATCH_NAMESPACES).")
  List<String> namespaces;

  @Option(names = "--ferry-image", defaultValue = "${env:FERRY_IMAGE:-" + FerryConfig.DEFAULT_IMAGE + "}",
      description = "Image of Ferry itself, run by built-in steps (env FERRY_IMAGE). Default: ${DEFAULT-VALUE}.")
  String ferryImage;

  @Override
  public Integer call() throws InterruptedException {
    var config = new FerryConfig(ferryImage, namespaces == null ? java.util.Set.of()
        : new HashSet<>(namespaces.stream().filter(n -> !n.isBlank()).toList()));
    KubernetesClient client = new KubernetesClientBuilder().build();
    FerryOperator operator = new FerryOperator(client, config, Clock.systemUTC(), true).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      stopped.countDown();
    }, "ferry-shutdown"));
    stopped.await();
    return 0;
  }
}
