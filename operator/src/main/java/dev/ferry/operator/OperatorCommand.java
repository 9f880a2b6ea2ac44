package dev.ferry.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ferry operator}: the controller, against the cluster of the current kubeconfig or service account. */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the Ferry operator against the current Kubernetes cluster (kubeconfig or in-cluster).")
public class OperatorCommand implements Callable<Integer> {
  @Mixin
  OperatorOptions options = new OperatorOptions();

  @Override
  public Integer call() throws InterruptedException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    FerryOperator operator = new FerryOperator(client, options.toConfig(), Clock.systemUTC(), true).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      stopped.countDown();
    }, "ferry-shutdown"));
    stopped.await();
    return 0;
  }
}
