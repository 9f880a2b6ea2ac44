package dev.ferry.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CreatedAfterStartTest {
  private final CreatedAfterStart<Job> filter = new CreatedAfterStart<>(Instant.parse("2030-01-01T10:00:00.700Z"));

  private static Job createdAt(String timestamp) {
    return new JobBuilder().withNewMetadata().withName("j").withCreationTimestamp(timestamp).endMetadata().build();
  }

  @Test
  void dropsTheAddOfAnObjectThatExistedBeforeTheStart() {
    assertThat(filter.accept(createdAt("2030-01-01T09:59:59Z"))).isFalse();
    assertThat(filter.accept(createdAt("2029-12-31T10:00:00Z"))).isFalse();
  }

  @Test
  void passesObjectsCreatedInTheSecondOfTheStartOrLater() {
    // The API server writes whole seconds: an object created at 10:00:00.900 reads 10:00:00.
    assertThat(filter.accept(createdAt("2030-01-01T10:00:00Z"))).isTrue();
    assertThat(filter.accept(createdAt("2030-01-01T10:00:01Z"))).isTrue();
  }

  @Test
  void passesWhenTheCreationTimeIsMissingOrUnreadable() {
    assertThat(filter.accept(createdAt(null))).isTrue();
    assertThat(filter.accept(createdAt("yesterday"))).isTrue();
  }
}
