package dev.ferry.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceUrlsTest {
  @TempDir
  Path dir;

  Path file;
  Map<String, String> env;

  @BeforeEach
  void services() throws IOException {
    file = dir.resolve("services.json");
    ServiceUrls.write(file, Map.of(
        "churn-staging.ml:8080", "127.0.0.1:40001",
        "prometheus.monitoring:9090", "127.0.0.1:40002",
        "web.ml:80", "127.0.0.1:40003"));
    env = Map.of(ServiceUrls.ENV_LOCAL_SERVICES, file.toString());
  }

  private String resolve(String url, Map<String, String> env) {
    return ServiceUrls.resolve(URI.create(url), env).toString();
  }

  private String resolve(String url) {
    return resolve(url, env);
  }

  @Test
  void onAClusterEveryUrlIsUnchanged() {
    URI uri = URI.create("http://churn-staging.ml.svc:8080/v2/health/ready");
    assertThat(ServiceUrls.resolve(uri, Map.of())).isSameAs(uri);
    assertThat(ServiceUrls.resolve(uri, Map.of(ServiceUrls.ENV_LOCAL_SERVICES, " "))).isSameAs(uri);
  }

  @Test
  void everyInClusterSpellingOfAServiceReachesItsLocalPort() {
    assertThat(resolve("http://churn-staging.ml:8080/v2/models/churn/infer"))
        .isEqualTo("http://127.0.0.1:40001/v2/models/churn/infer");
    assertThat(resolve("http://churn-staging.ml.svc:8080/v2/health/ready"))
        .isEqualTo("http://127.0.0.1:40001/v2/health/ready");
    assertThat(resolve("http://churn-staging.ml.svc.cluster.local:8080"))
        .isEqualTo("http://127.0.0.1:40001");
    assertThat(resolve("http://churn-staging.ml.svc.cluster.local.:8080/"))
        .isEqualTo("http://127.0.0.1:40001/");
    assertThat(resolve("http://Prometheus.Monitoring.SVC:9090/api/v1/query"))
        .isEqualTo("http://127.0.0.1:40002/api/v1/query");
  }

  @Test
  void pathQueryFragmentAndUserInfoAreKeptAsTheyWere() {
    assertThat(resolve("http://user:p%40ss@prometheus.monitoring:9090/prom/api/v1/query?query=sum%28x%29%20%2F%202#f"))
        .isEqualTo("http://user:p%40ss@127.0.0.1:40002/prom/api/v1/query?query=sum%28x%29%20%2F%202#f");
  }

  @Test
  void theSchemesDefaultPortCountsWhenTheUrlHasNone() {
    assertThat(resolve("http://web.ml/hook")).isEqualTo("http://127.0.0.1:40003/hook");
    assertThat(resolve("https://web.ml/hook")).as("443 is not mapped").isEqualTo("https://web.ml/hook");
  }

  @Test
  void aBareServiceNameNeedsTheNamespaceFromTheEnvironment() {
    assertThat(resolve("http://churn-staging:8080/x")).isEqualTo("http://churn-staging:8080/x");
    Map<String, String> withNamespace = Map.of(ServiceUrls.ENV_LOCAL_SERVICES, file.toString(),
        ServiceUrls.ENV_NAMESPACE, "ml");
    assertThat(resolve("http://churn-staging:8080/x", withNamespace)).isEqualTo("http://127.0.0.1:40001/x");
    assertThat(resolve("http://churn-staging.ml:8080/x", withNamespace)).isEqualTo("http://127.0.0.1:40001/x");
  }

  @Test
  void unknownServicesPortsAndHostsStayUnchanged() {
    assertThat(resolve("http://churn-staging.ml:9999/")).isEqualTo("http://churn-staging.ml:9999/");
    assertThat(resolve("http://churn.ml:8080/")).isEqualTo("http://churn.ml:8080/");
    assertThat(resolve("http://churn-staging.other:8080/")).isEqualTo("http://churn-staging.other:8080/");
    assertThat(resolve("https://hooks.slack.com/services/T0")).isEqualTo("https://hooks.slack.com/services/T0");
    assertThat(resolve("http://churn-staging.ml.svc.example.org:8080/"))
        .isEqualTo("http://churn-staging.ml.svc.example.org:8080/");
    assertThat(resolve("http://127.0.0.1:8080/")).isEqualTo("http://127.0.0.1:8080/");
    assertThat(resolve("file:///tmp/x")).isEqualTo("file:///tmp/x");
  }

  @Test
  void aMissingFileMeansNoServiceIsLocalYet() throws IOException {
    Files.delete(file);
    assertThat(resolve("http://churn-staging.ml:8080/")).isEqualTo("http://churn-staging.ml:8080/");
  }

  @Test
  void theFileIsReadAgainWhenItChanges() throws IOException {
    assertThat(resolve("http://churn-staging.ml:8080/")).isEqualTo("http://127.0.0.1:40001/");

    ServiceUrls.write(file, Map.of("churn-staging.ml:8080", "127.0.0.1:40011", "churn.ml:8080", "127.0.0.1:40012"));
    assertThat(resolve("http://churn-staging.ml:8080/")).isEqualTo("http://127.0.0.1:40011/");
    assertThat(resolve("http://churn.ml:8080/")).isEqualTo("http://127.0.0.1:40012/");

    // Rewritten in place with the same size: the modification time tells.
    Files.writeString(file, "{\"churn-staging.ml:8080\": \"127.0.0.1:40021\"}");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(resolve("http://churn-staging.ml:8080/")).isEqualTo("http://127.0.0.1:40021/");
    assertThat(resolve("http://churn.ml:8080/")).isEqualTo("http://churn.ml:8080/");
  }

  @Test
  void writeProducesTheDocumentedJson() throws IOException {
    ServiceUrls.write(file, Map.of(ServiceUrls.key("churn", "ml", 8080), "127.0.0.1:41000", "a.b:1", "[::1]:2"));
    assertThat(Files.readString(file).replaceAll("\\s", ""))
        .isEqualTo("{\"a.b:1\":\"[::1]:2\",\"churn.ml:8080\":\"127.0.0.1:41000\"}");
    assertThat(resolve("http://a.b:1/x")).isEqualTo("http://[::1]:2/x");
    try (var files = Files.list(dir)) {
      assertThat(files).as("no temporary file is left behind").containsExactly(file);
    }
  }

  @Test
  void writeRefusesWhatResolveCouldNotRead() {
    assertThatThrownBy(() -> ServiceUrls.write(file, Map.of("churn:8080", "127.0.0.1:1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<service>.<namespace>:<port>");
    assertThatThrownBy(() -> ServiceUrls.write(file, Map.of("churn.ml:8080", "http://127.0.0.1:1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not <host>:<port>");
  }

  @Test
  void aMalformedFileIsAnErrorNamingTheFile() throws IOException {
    Files.writeString(file, "{\"churn.ml:8080\": ");
    assertThatThrownBy(() -> resolve("http://churn.ml:8080/"))
        .isInstanceOf(ServiceUrls.ServicesFileException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("not valid JSON");

    Files.writeString(file, "[\"churn.ml:8080\"]");
    assertThatThrownBy(() -> resolve("http://churn.ml:8080/"))
        .isInstanceOf(ServiceUrls.ServicesFileException.class).hasMessageContaining("one JSON object");

    Files.writeString(file, "{\"churn.ml:8080\": 40001}");
    assertThatThrownBy(() -> resolve("http://churn.ml:8080/"))
        .isInstanceOf(ServiceUrls.ServicesFileException.class).hasMessageContaining("must be a string");
  }

  @Test
  void aUrlWithoutAServiceHostNeverReadsTheFile() throws IOException {
    Files.writeString(file, "not json");
    assertThat(resolve("http://127.0.0.1:8080/")).as("an IP is not a Service name").isEqualTo("http://127.0.0.1:8080/");
    assertThat(ServiceUrls.resolve("mailto:a@b.c", env)).isEqualTo("mailto:a@b.c");
  }
}
