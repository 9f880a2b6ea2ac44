package dev.ferry.kube;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.api.v1alpha1.ModelVersion;
import dev.ferry.api.v1alpha1.ModelVersionSpec;
import dev.ferry.api.v1alpha1.ModelVersionStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A status computed from a stale object is not written, and the conflict is one log line, not a stack trace. */
@EnableKubernetesMockClient
class StatusWriterTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @SuppressWarnings("unchecked")
  private Context<ModelVersion> contextWithClientOnly() {
    return (Context<ModelVersion>) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Context.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getClient")) {
            return client;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void aConflictIsRetriedOnTheFreshObjectWithoutAStackTrace() {
    ModelVersion version = new ModelVersion();
    version.setMetadata(new ObjectMetaBuilder().withName("churn-v1").withNamespace("ml").build());
    version.setSpec(new ModelVersionSpec());
    version.getSpec().model = "churn";
    version.getMetadata().setResourceVersion("41");
    ModelVersion stale = version;
    // What the API server answers when the object moved on past resourceVersion 41 (the mock keeps no versions).
    server.expect().put().withPath("/apis/ferry.dev/v1alpha1/namespaces/ml/modelversions/churn-v1/status")
        .andReturn(409, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(409).withReason("Conflict")
            .withMessage("Operation cannot be fulfilled on modelversions.ferry.dev \"churn-v1\": the object has been"
                + " modified; please apply your changes to the latest version and try again").build())
        .once();

    Logger log = (Logger) LoggerFactory.getLogger(StatusWriter.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      ModelVersionStatus status = new ModelVersionStatus();
      status.rejectedReason = "computed from the stale object";
      UpdateControl<ModelVersion> control = StatusWriter.write(stale, status, contextWithClientOnly());

      assertThat(control.getScheduleDelay()).contains(1_000L);
      assertThat(server.getRequestCount()).as("one write, not retried with the stale status").isEqualTo(1);
      assertThat(lines.list).singleElement().satisfies(line -> {
        assertThat(line.getLevel()).isEqualTo(Level.INFO);
        assertThat(line.getThrowableProxy()).isNull();
        assertThat(line.getFormattedMessage()).contains("ModelVersion ml/churn-v1", "409 Conflict");
      });
    } finally {
      log.detachAppender(lines);
    }
  }
}
