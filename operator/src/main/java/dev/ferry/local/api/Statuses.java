package dev.ferry.local.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;

/** The API server's error bodies (meta/v1 Status), which kubectl turns into its own messages. */
final class Statuses {
  private Statuses() {
  }

  /**
   * 422 Invalid with one cause per problem, as an API server answers a write its schema or CEL
   * rules refuse: kubectl prints {@code The ModelDeployment "churn" is invalid:} and then each cause.
   */
  static MockResponse invalid(String group, String kind, String name, List<String> problems) {
    ObjectNode status = status(422, "Invalid", kind + "." + group + " \"" + name + "\" is invalid: "
        + (problems.size() == 1 ? problems.get(0) : "[" + String.join(", ", problems) + "]"));
    ObjectNode details = status.putObject("details");
    details.put("name", name);
    details.put("group", group);
    details.put("kind", kind);
    ArrayNode causes = details.putArray("causes");
    for (String problem : problems) {
      ObjectNode cause = causes.addObject();
      int colon = problem.indexOf(": ");
      boolean fielded = colon > 0 && !problem.substring(0, colon).contains(" ");
      cause.put("reason", problem.contains(": Required value") ? "FieldValueRequired" : "FieldValueInvalid");
      cause.put("message", fielded ? problem.substring(colon + 2) : problem);
      cause.put("field", fielded ? problem.substring(0, colon) : "");
    }
    return response(422, status);
  }

  static MockResponse badRequest(String message) {
    return response(400, status(400, "BadRequest", message));
  }

  static ObjectNode status(int code, String reason, String message) {
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    status.put("code", code);
    return status;
  }

  private static MockResponse response(int code, ObjectNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }
}
