package dev.ferry.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.Ferry;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.kube.Conditions;
import dev.ferry.net.ServiceUrls;
import dev.ferry.operator.FerryConfig;
import dev.ferry.testing.Fixtures;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollback as a user of the local mode sees it, with the quickstart's own server answering: the
 * quickstart runs to v2 (v1 replaced after drift), then a rollback moves traffic to a warm v1;
 * v2 is retried, promoted with rollout.scaleDownDelaySeconds 0, and a rollback to the now cold v1
 * says RollingBack while v2 keeps answering. Every answer during both is from a version in
 * production: no request fails. Prints the time from each request to all traffic on the target
 * (the figures in docs/serving.md); asserts behaviour, not times.
 */
class RollbackInLocalModeTest {
  private static final Pattern MODEL_VERSION = Pattern.compile("\"model_version\"\\s*:\\s*\"(\\d+)\"");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @TempDir
  Path work;

  @Test
  void aWarmRollbackOnlyMovesTrafficAndAColdOneSaysRollingBackUntilItsTargetIsReady() throws Exception {
    Path dir = Fixtures.copyQuickstart(work);
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (LocalMode local = new LocalMode(new LocalMode.Options(dir, 0, Duration.ofSeconds(60), FerryConfig.defaults(),
        ProcessContainerRunner.selfCommand(), new PrintStream(output, true, StandardCharsets.UTF_8)))) {
      assertThat(local.start()).isEmpty();
      local.awaitIdle(Duration.ofMinutes(4));
      ModelDeployment md = md(local);
      assertThat(md.getStatus().productionVersion).as(output.toString()).isEqualTo(2L);
      String request = Files.readString(dir.resolve("smoke/four-customers.json"));
      assertThat(servedVersion(local, request)).contains("2");
      String warmUid = deployment(local, 1).getMetadata().getUid();

      // Warm: v1 still runs out of traffic (scaleDownDelaySeconds, default 600 s).
      Timeline warm = new Timeline(local, request);
      long warmStart = System.nanoTime();
      annotate(local, Ferry.ANNOTATION_ROLLBACK, "warm-1");
      Duration warmTime = warm.until(v -> v.equals("1"), warmStart);
      ModelDeployment afterWarm = awaitMd(local, m -> Long.valueOf(1).equals(m.getStatus().productionVersion)
          && "Stable".equals(m.getStatus().phase));
      assertThat(Conditions.isTrue(afterWarm.getStatus(), "Ready")).isTrue();
      assertThat(deployment(local, 1).getMetadata().getUid()).as("the warm Deployment served; nothing restarted")
          .isEqualTo(warmUid);
      assertThat(warm.phases).doesNotContain("RollingBack");
      warm.assertEveryAnswerCameFrom("1", "2");

      // v2 again, this time with no warm predecessor after its promotion.
      edit(local, m -> m.getSpec().rollout.scaleDownDelaySeconds = 0);
      annotate(local, Ferry.ANNOTATION_RETRY, "2");
      awaitMd(local, m -> Long.valueOf(2).equals(m.getStatus().productionVersion) && "Stable".equals(m.getStatus().phase)
          && Conditions.isTrue(m.getStatus(), "Ready"));
      await().atMost(Duration.ofSeconds(60)).until(() -> deployment(local, 1) == null);

      Timeline cold = new Timeline(local, request);
      long coldStart = System.nanoTime();
      annotate(local, Ferry.ANNOTATION_ROLLBACK, "cold-1");
      Duration coldTime = cold.until(v -> v.equals("1"), coldStart);
      awaitMd(local, m -> Long.valueOf(1).equals(m.getStatus().productionVersion) && "Stable".equals(m.getStatus().phase)
          && Conditions.isTrue(m.getStatus(), "Ready"));
      assertThat(cold.phases).as("never Stable before v1 is ready").contains("RollingBack");
      cold.assertEveryAnswerCameFrom("1", "2");
      assertThat(cold.answersFrom("2")).as("v2 kept answering while v1 started").isPositive();

      System.out.printf("rollback in local mode: warm %d ms, cold %d ms (cold/warm %.1f)%n", warmTime.toMillis(),
          coldTime.toMillis(), (double) coldTime.toMillis() / Math.max(1, warmTime.toMillis()));
    }
  }

  private static ModelDeployment md(LocalMode local) {
    return local.client().resources(ModelDeployment.class).inNamespace("default").withName("churn").get();
  }

  private static Deployment deployment(LocalMode local, long version) {
    return local.client().apps().deployments().inNamespace("default").withName("churn-v" + version).get();
  }

  private static ModelDeployment awaitMd(LocalMode local, Predicate<ModelDeployment> condition) {
    return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
        .until(() -> md(local), m -> m != null && m.getStatus() != null && condition.test(m));
  }

  /** A user's edit: read, change, write, and again on a 409 (the operator writes the status meanwhile). */
  private static void edit(LocalMode local, java.util.function.Consumer<ModelDeployment> change) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      ModelDeployment md = md(local);
      change.accept(md);
      local.client().resource(md).update();
      return true;
    });
  }

  private static void annotate(LocalMode local, String key, String value) {
    edit(local, m -> m.getMetadata().getAnnotations().put(key, value));
  }

  /** The version the production Service answers with, as a client inside the cluster reaches it. */
  private Optional<String> servedVersion(LocalMode local, String request) {
    try {
      String url = ServiceUrls.resolve("http://churn.default.svc:8080/v2/models/churn/infer",
          Map.of(ServiceUrls.ENV_LOCAL_SERVICES, local.servicesFile().toString()));
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
          .POST(HttpRequest.BodyPublishers.ofString(request)).header("Content-Type", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = MODEL_VERSION.matcher(response.body());
      return response.statusCode() == 200 && m.find() ? Optional.of(m.group(1)) : Optional.of("HTTP "
          + response.statusCode());
    } catch (IOException | RuntimeException e) {
      return Optional.of("error " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** What clients and kubectl see, sampled every 50 ms, from a request until traffic has moved. */
  private final class Timeline {
    final List<String> answers = new ArrayList<>();
    final List<String> phases = new ArrayList<>();
    private final LocalMode local;
    private final String request;

    Timeline(LocalMode local, String request) {
      this.local = local;
      this.request = request;
    }

    /** Samples until 20 answers in a row satisfy {@code target}; the time to the first of them. */
    Duration until(Predicate<String> target, long startNanos) throws InterruptedException {
      long deadline = startNanos + Duration.ofSeconds(120).toNanos();
      Long firstOnTarget = null;
      int inARow = 0;
      AtomicBoolean done = new AtomicBoolean();
      while (!done.get() && System.nanoTime() < deadline) {
        String answer = servedVersion(local, request).orElse("none");
        long at = System.nanoTime();
        answers.add(answer);
        ModelDeployment md = md(local);
        if (md != null && md.getStatus() != null && md.getStatus().phase != null) {
          phases.add(md.getStatus().phase);
        }
        if (target.test(answer)) {
          firstOnTarget = firstOnTarget == null ? at : firstOnTarget;
          done.set(++inARow >= 20);
        } else {
          firstOnTarget = null;
          inARow = 0;
        }
        Thread.sleep(50);
      }
      assertThat(done.get()).as("traffic reached the target within 120 s; answers: %s", answers).isTrue();
      return Duration.ofNanos(firstOnTarget - startNanos);
    }

    void assertEveryAnswerCameFrom(String... versions) {
      assertThat(answers).as("no request failed or reached another version").allMatch(List.of(versions)::contains);
    }

    long answersFrom(String version) {
      return answers.stream().filter(version::equals).count();
    }
  }
}
