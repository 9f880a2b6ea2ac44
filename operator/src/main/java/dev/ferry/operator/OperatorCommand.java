package dev.ferry.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry operator}: the controller, against the cluster of the current kubeconfig or service account. */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the Ferry operator against the current Kubernetes cluster (kubeconfig or in-cluster).")
public class OperatorCommand implements Callable<Integer> {

  @Mixin
  OperatorOptions options = new OperatorOptions();

  @Option(names = "--metrics-port", defaultValue = "${env:FERRY_METRICS_PORT:-8080}",
      description = "Port of /metrics, /healthz and /readyz (env FERRY_METRICS_PORT). Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(names = "--log-format", defaultValue = "${env:FERRY_LOG_FORMAT:-text}",
      description = "text or json (env FERRY_LOG_FORMAT). Default: ${DEFAULT-VALUE}.")
  String logFormat;

  @Option(names = "--log-level", defaultValue = "${env:FERRY_LOG_LEVEL:-info}",
      description = "error, warn, info or debug (env FERRY_LOG_LEVEL). Default: ${DEFAULT-VALUE}.")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    Logging.configure(logFormat, logLevel);
    // Taken here, not in a static field: picocli makes every subcommand to parse any command line,
    // and a tool (drift-check) should not pay for starting the logging it never uses.
    Logger log = LoggerFactory.getLogger(OperatorCommand.class);
    FerryConfig config = options.toConfig();
    KubernetesClient client = new KubernetesClientBuilder().build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FerryOperator operator = new FerryOperator(client, config, Clock.systemUTC(), true,
        OutsideSystems.real(System.getenv()), registry);
    OperatorHttpServer http = OperatorHttpServer.start(metricsPort, operator.operator(), registry);
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM: stop taking events, let reconciles in flight finish, then close the client.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping");
      operator.close();
      http.close();
      stopped.countDown();
    }, "ferry-shutdown"));
    operator.start();
    log.info("Ferry operator started: namespaces {}, leader election {}, metrics on :{}",
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        config.leaderElection().map(l -> l.leaseNamespace() + "/" + l.leaseName()).orElse("off"), http.port());
    stopped.await();
    return 0;
  }
}
