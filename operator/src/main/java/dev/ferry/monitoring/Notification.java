package dev.ferry.monitoring;

import java.util.List;

/**
 * What a drift policy tells people.
 *
 * @param policy namespace/name of the DriftPolicy
 * @param verdict NoDrift, Drift, PerformanceBreach or Error
 * @param drifting the features that drifted, most severe first
 * @param message one human sentence
 */
public record Notification(String policy, String verdict, List<String> drifting, String message) {
  /** A Slack-compatible body: Slack, Mattermost and Rocket.Chat incoming webhooks take {"text": ...}. */
  public String slackText() {
    String icon = switch (verdict) {
      case "NoDrift" -> ":white_check_mark:";
      case "Error" -> ":warning:";
      default -> ":rotating_light:";
    };
    return icon + " Ferry DriftPolicy *" + policy + "*: " + verdict + ". " + message;
  }
}
