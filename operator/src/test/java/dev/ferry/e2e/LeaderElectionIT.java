package dev.ferry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes with leader election on one Lease of the real API server: one leads, the
 * other waits; SIGKILL the leader and the other takes over once the Lease expires; SIGTERM the
 * new leader and it gives the Lease up and exits within its grace period.
 */
class LeaderElectionIT {
  @RegisterExtension
  static final RealCluster cluster = RealCluster.shared();
  private static final String LEASE = "ferry-operator";
  private final List<Process> started = new ArrayList<>();
  private String namespace;

  @AfterEach
  void stopAll() {
    started.forEach(Process::destroyForcibly);
  }

  private Process operator(String name) throws IOException {
    Process process = OperatorProcess.start(cluster, name, namespace, Map.of("FERRY_LEADER_ELECTION", "true",
        "FERRY_LEASE_NAME", LEASE, "FERRY_LEASE_NAMESPACE", namespace));
    started.add(process);
    return process;
  }

  /** Waits until an instance logs a line: it is up, has read the Lease and names its holder. */
  private void awaitLog(String name, String text) throws Exception {
    Instant deadline = Instant.now().plusSeconds(90);
    java.nio.file.Path log = OperatorProcess.log(cluster, name);
    while (!java.nio.file.Files.exists(log) || !java.nio.file.Files.readString(log).contains(text)) {
      assertThat(Instant.now()).as(name + " logs \"" + text + "\"").isBefore(deadline);
      Thread.sleep(200);
    }
  }

  private String holder() {
    Lease lease = cluster.admin().leases().inNamespace(namespace).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private Duration awaitHolder(Predicate<String> condition, Duration atMost) throws InterruptedException {
    Instant begin = Instant.now();
    while (!condition.test(holder())) {
      assertThat(Duration.between(begin, Instant.now())).as("waiting for the Lease holder; it is " + holder())
          .isLessThan(atMost);
      Thread.sleep(200);
    }
    return Duration.between(begin, Instant.now());
  }

  @Test
  void theOtherInstanceTakesOverAfterSigkillAndSigtermGivesTheLeaseUp(TestInfo test) throws Exception {
    namespace = cluster.namespace(test.getDisplayName());
    Process a = operator("operator-a");
    awaitHolder("operator-a"::equals, Duration.ofSeconds(90));
    Process b = operator("operator-b");
    awaitLog("operator-b", "the leader is operator-a");
    assertThat(holder()).as("one writer: b waits while a renews").isEqualTo("operator-a");
    assertThat(b.isAlive()).isTrue();

    a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    Duration failover = awaitHolder("operator-b"::equals, Duration.ofSeconds(40));
    System.out.printf("leader election: SIGKILL of the leader to the other's lead in %d ms%n", failover.toMillis());
    assertThat(failover).as("failover after SIGKILL (the Lease lasts 15 s)").isLessThan(Duration.ofSeconds(20));

    operator("operator-c");
    awaitLog("operator-c", "the leader is operator-b");
    assertThat(holder()).isEqualTo("operator-b");
    Instant term = Instant.now();
    b.destroy(); // SIGTERM
    assertThat(b.waitFor(10, TimeUnit.SECONDS)).as("exits within 10 s of SIGTERM").isTrue();
    Duration exit = Duration.between(term, Instant.now());
    Duration handover = awaitHolder("operator-c"::equals, Duration.ofSeconds(30)).plus(exit);
    System.out.printf("leader election: SIGTERM to exit in %d ms (exit code %d), to the successor's lead in %d ms%n",
        exit.toMillis(), b.exitValue(), handover.toMillis());
    // Given up on exit, the Lease need not expire first (15 s): the successor's next try (every 2 s) takes it.
    assertThat(handover).as("successor leads after a SIGTERM").isLessThan(Duration.ofSeconds(8));
  }
}
