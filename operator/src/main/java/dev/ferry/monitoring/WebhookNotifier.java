package dev.ferry.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1alpha1.DriftPolicySpec.Webhook;
import dev.ferry.net.ServiceUrls;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * Sends notifications to webhooks whose URL is kept in a Secret. The URL is a credential (Slack's
 * carries its token), so it never appears in what this class returns, logs or throws: failures
 * are described by the Secret's name and key and by the HTTP status, nothing else.
 */
public class WebhookNotifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final HttpClient http;
  private final Duration timeout;
  private final Map<String, String> env;

  public WebhookNotifier(KubernetesClient client, Duration timeout, Map<String, String> env) {
    this.client = client;
    this.timeout = timeout;
    this.env = env;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** The outcome of one attempt: sent, or why not, in words safe for status and events. */
  public record Outcome(boolean sent, String message) {
  }

  /** Sends one delivery; {@code deliveryId} goes in the {@link Deliveries#HEADER} header, the same on every retry. */
  public Outcome send(String namespace, Webhook webhook, Notification notification, String deliveryId) {
    String secretNamespace = webhook.urlSecretRef.namespace == null ? namespace : webhook.urlSecretRef.namespace;
    String where = "webhook from Secret " + secretNamespace + "/" + webhook.urlSecretRef.name + " key "
        + webhook.urlSecretRef.key;
    String url;
    try {
      url = readUrl(secretNamespace, webhook);
    } catch (IllegalStateException e) {
      return new Outcome(false, where + ": " + e.getMessage());
    }
    URI uri;
    try {
      uri = ServiceUrls.resolve(URI.create(url), env);
    } catch (IllegalArgumentException e) {
      return new Outcome(false, where + ": the value is not a valid URL");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
      return new Outcome(false, where + ": the URL must be http or https");
    }
    String body = "json".equals(webhook.format) ? genericBody(notification) : slackBody(notification);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json")
        .header(Deliveries.HEADER, deliveryId)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 == 2) {
        return new Outcome(true, where + ": sent (" + response.statusCode() + ")");
      }
      return new Outcome(false, where + ": answered HTTP " + response.statusCode());
    } catch (java.net.http.HttpTimeoutException e) {
      return new Outcome(false, where + ": timed out after " + timeout.toSeconds() + " s");
    } catch (IOException e) {
      // Exception messages may quote the URL: report the kind of failure only.
      return new Outcome(false, where + ": could not connect (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(false, where + ": interrupted");
    }
  }

  private String readUrl(String namespace, Webhook webhook) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(webhook.urlSecretRef.name).get();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new IllegalStateException("Ferry may not read Secrets in namespace " + namespace + ": keep the Secret in"
            + " Ferry's own namespace and name it in urlSecretRef.namespace, or add " + namespace
            + " to the chart's rbac.secretNamespaces");
      }
      throw new IllegalStateException("could not read the Secret (HTTP " + e.getCode() + ")");
    }
    if (secret == null) {
      throw new IllegalStateException("the Secret does not exist");
    }
    if (secret.getData() != null && secret.getData().containsKey(webhook.urlSecretRef.key)) {
      return new String(Base64.getDecoder().decode(secret.getData().get(webhook.urlSecretRef.key)),
          StandardCharsets.UTF_8).strip();
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(webhook.urlSecretRef.key)) {
      return secret.getStringData().get(webhook.urlSecretRef.key).strip();
    }
    throw new IllegalStateException("the Secret has no such key");
  }

  static String slackBody(Notification n) {
    ObjectNode body = JSON.createObjectNode();
    body.put("text", n.slackText());
    return body.toString();
  }

  static String genericBody(Notification n) {
    ObjectNode body = JSON.createObjectNode();
    body.put("source", "ferry");
    body.put("policy", n.policy());
    body.put("verdict", n.verdict());
    body.putPOJO("drifting", n.drifting());
    body.put("message", n.message());
    return body.toString();
  }
}
