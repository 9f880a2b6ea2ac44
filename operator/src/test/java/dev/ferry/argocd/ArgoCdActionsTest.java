package dev.ferry.argocd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1alpha1.TrainingRun;
import dev.ferry.api.v1alpha1.TrainingRunSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;

/** Ferry's Argo CD resource actions (helm/ferry/argocd/actions/), run on the samples. */
class ArgoCdActionsTest {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern REQUEST = Pattern.compile("^argocd-\\d{8}t\\d{6}z$");

  @Test
  void approveIsOfferedOnlyWhileACandidateAwaitsApproval() {
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "awaiting-approval"), "approve")).isTrue();
    for (String name : new String[] {"stable", "canary", "smoketesting", "rolled-back", "waiting", "fresh"}) {
      assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", name), "approve")).as(name).isFalse();
    }
  }

  @Test
  void approveNamesExactlyTheCandidateAndKeepsOtherAnnotations() {
    ObjectNode md = Samples.named("ModelDeployment", "awaiting-approval");
    JsonNode changed = ArgoLua.action("ModelDeployment", "approve", md);
    JsonNode annotations = changed.at("/metadata/annotations");
    assertThat(annotations.path("ferry.dev/approve").asText()).as("the candidate as RolloutPlanner compares it")
        .isEqualTo(String.valueOf(md.at("/status/candidateVersion").asLong())).isEqualTo("4");
    assertThat(annotations.path("example.com/keep").asText()).isEqualTo("me");
    assertThat(changed.path("spec")).as("an action never changes the spec: the app stays in sync with git")
        .isEqualTo(md.path("spec"));
    assertThat(changed.path("status")).isEqualTo(md.path("status"));
  }

  @Test
  void approveWithoutACandidateFailsInsteadOfApprovingNothing() {
    assertThatThrownBy(() -> ArgoLua.action("ModelDeployment", "approve", Samples.named("ModelDeployment", "stable")))
        .isInstanceOf(LuaError.class).hasMessageContaining("no candidate awaits approval");
  }

  @Test
  void rollbackIsOfferedOnlyWithAPreviousGoodVersion() {
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "stable"), "rollback")).isTrue();
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "no-history"), "rollback"))
        .as("nothing was replaced: nothing to return to").isFalse();
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "waiting"), "rollback"))
        .as("no production version").isFalse();
    ObjectNode rejectedOnly = Samples.named("ModelDeployment", "stable").deepCopy();
    ((com.fasterxml.jackson.databind.node.ArrayNode) rejectedOnly.with("status").withArray("rejectedVersions")).add(2);
    assertThat(enabled("ModelDeployment", rejectedOnly, "rollback")).as("the only previous version was itself rejected")
        .isFalse();
  }

  @Test
  void rollbackSetsAFreshRequestEachTime() {
    ObjectNode md = Samples.named("ModelDeployment", "stable");
    String before = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(Instant.now());
    JsonNode changed = ArgoLua.action("ModelDeployment", "rollback", md);
    String request = changed.at("/metadata/annotations").path("ferry.dev/rollback").asText();
    assertThat(request).matches(REQUEST).contains(before.substring(0, 6));
    assertThat(changed.at("/metadata/annotations").path(Samples.HEALTH).asText()).as("other annotations kept")
        .isEqualTo("Healthy");
    assertThat(changed.path("spec")).isEqualTo(md.path("spec"));

    ObjectNode bare = (ObjectNode) md.deepCopy();
    ((ObjectNode) bare.get("metadata")).remove("annotations");
    assertThat(ArgoLua.action("ModelDeployment", "rollback", bare).at("/metadata/annotations/ferry.dev~1rollback").asText())
        .as("an object without annotations gets them").matches(REQUEST);
  }

  @Test
  void retryIsOfferedOnlyWhenAVersionWasRejectedAndNamesTheLatestOneAsTheOperatorParsesIt() {
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "rolled-back"), "retry")).isTrue();
    assertThat(enabled("ModelDeployment", Samples.named("ModelDeployment", "stable"), "retry")).isFalse();
    ObjectNode md = Samples.named("ModelDeployment", "rolled-back").deepCopy();
    ((com.fasterxml.jackson.databind.node.ArrayNode) md.with("status").withArray("rejectedVersions")).add(130);
    JsonNode first = ArgoLua.action("ModelDeployment", "retry", md);
    String request = first.at("/metadata/annotations").path("ferry.dev/retry").asText();
    assertThat(request).matches("^130\\.argocd-\\d{8}t\\d{6}z$");
    assertThat(dev.ferry.serving.RolloutPlanner.retriedVersion(request)).as("what the operator reads").contains(130L);
    assertThat(first.path("spec")).isEqualTo(md.path("spec"));
    assertThatThrownBy(() -> ArgoLua.action("ModelDeployment", "retry", Samples.named("ModelDeployment", "stable")))
        .isInstanceOf(LuaError.class).hasMessageContaining("no version was rejected");
  }

  @Test
  void checkNowRequestsADriftCheckUnlessTheSpecIsInvalid() {
    assertThat(enabled("DriftPolicy", Samples.named("DriftPolicy", "no-drift"), "check-now")).isTrue();
    assertThat(enabled("DriftPolicy", Samples.named("DriftPolicy", "no-baseline"), "check-now"))
        .as("Ferry keeps the request until there is a baseline").isTrue();
    assertThat(enabled("DriftPolicy", Samples.named("DriftPolicy", "invalid"), "check-now")).isFalse();
    ObjectNode policy = Samples.named("DriftPolicy", "no-drift");
    JsonNode changed = ArgoLua.action("DriftPolicy", "check-now", policy);
    assertThat(changed.at("/metadata/annotations").path("ferry.dev/check-now").asText()).matches(REQUEST);
    assertThat(changed.path("spec")).isEqualTo(policy.path("spec"));
  }

  /** Argo CD 2.8+ lets an action create resources: run-now creates the TrainingRun a person would. */
  @Test
  void runNowCreatesAManualTrainingRunOwnedByThePipeline() throws Exception {
    ObjectNode pipeline = Samples.named("TrainingPipeline", "idle");
    assertThat(enabled("TrainingPipeline", pipeline, "run-now")).isTrue();
    assertThat(enabled("TrainingPipeline", Samples.named("TrainingPipeline", "invalid"), "run-now")).isFalse();

    JsonNode impacted = ArgoLua.action("TrainingPipeline", "run-now", pipeline);
    assertThat(impacted.isArray()).as("a list of impacted resources: %s", impacted).isTrue();
    assertThat(impacted).hasSize(1);
    assertThat(impacted.get(0).path("operation").asText()).isEqualTo("create");
    JsonNode run = impacted.get(0).path("resource");
    TrainingRun typed = ArgoCdHealthTest.STRICT.treeToValue(run, TrainingRun.class);
    assertThat(typed.getMetadata().getName()).matches(DNS_LABEL).startsWith("idle-argocd-").hasSizeLessThanOrEqualTo(63);
    assertThat(typed.getMetadata().getNamespace()).isEqualTo("ml");
    assertThat(typed.getMetadata().getLabels()).containsEntry("ferry.dev/pipeline", "idle");
    assertThat(typed.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getUid()).as("TrainingRunReconciler finds it owned and does not adopt it twice")
          .isEqualTo(pipeline.at("/metadata/uid").asText());
      assertThat(o.getKind()).isEqualTo("TrainingPipeline");
      assertThat(o.getApiVersion()).isEqualTo("ferry.dev/v1alpha1");
      assertThat(o.getBlockOwnerDeletion()).as("needs no finalizers permission for Argo CD").isNull();
    });
    assertThat(typed.getSpec().pipeline).isEqualTo("idle");
    assertThat(typed.getSpec().trigger.kind).isEqualTo(TrainingRunSpec.TriggerKind.Manual);
    assertThat(typed.getSpec().trigger.source).isEqualTo("argocd");
  }

  @Test
  void runNowKeepsLongPipelineNamesWithinALabel() {
    ObjectNode pipeline = Samples.named("TrainingPipeline", "idle").deepCopy();
    ((ObjectNode) pipeline.get("metadata")).put("name", "customer-churn-prediction-with-a-very-long-name-x");
    JsonNode run = ArgoLua.action("TrainingPipeline", "run-now", pipeline).get(0).path("resource");
    assertThat(run.at("/metadata/name").asText()).matches(DNS_LABEL).hasSizeLessThanOrEqualTo(63);
    assertThat(run.at("/spec/pipeline").asText()).isEqualTo("customer-churn-prediction-with-a-very-long-name-x");
  }

  private static boolean enabled(String kind, JsonNode obj, String action) {
    JsonNode actions = ArgoLua.discover(kind, obj);
    assertThat(actions.has(action)).as("%s discovery offers %s: %s", kind, action, actions).isTrue();
    return !actions.path(action).path("disabled").asBoolean(false);
  }
}
