package dev.ferry.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing: a list or an object as a meta.k8s.io/v1 Table, which is what kubectl asks
 * for ({@code Accept: application/json;as=Table;g=meta.k8s.io;v=v1}) and prints as columns. A
 * CRD's columns are its {@code additionalPrinterColumns}, evaluated with Jayway JsonPath (the
 * Kubernetes JSONPath subset the CRDs use: dotted fields and {@code [?(@.type=="Ready")]});
 * built-in kinds get the columns kubectl users know.
 */
public final class Tables {
  private static final Configuration JSON_PATH = Configuration.builder()
      .jsonProvider(new JacksonJsonNodeJsonProvider()).mappingProvider(new JacksonMappingProvider())
      .options(Option.ALWAYS_RETURN_LIST, Option.SUPPRESS_EXCEPTIONS).build();

  /** One column: its definition and how to read its cell from an object. */
  record Column(String name, String type, String format, int priority, String description,
      Function<JsonNode, Object> cell) {
  }

  private final List<Column> columns;

  private Tables(List<Column> columns) {
    this.columns = columns;
  }

  /** The columns of a CRD's served version. */
  public static Tables forCrd(JsonNode crd, String version, Instant now) {
    List<Column> columns = new ArrayList<>();
    columns.add(name());
    JsonNode printer = null;
    for (JsonNode v : crd.at("/spec/versions")) {
      if (v.path("name").asText().equals(version)) {
        printer = v.path("additionalPrinterColumns");
      }
    }
    if (printer == null || printer.isEmpty()) {
      columns.add(age(now));
    } else {
      for (JsonNode c : printer) {
        String path = c.path("jsonPath").asText();
        String type = c.path("type").asText("string");
        JsonPath compiled = JsonPath.compile("$" + (path.startsWith(".") ? path : "." + path));
        columns.add(new Column(c.path("name").asText(), type, c.path("format").asText(""),
            c.path("priority").asInt(0), c.path("description").asText(""), o -> value(compiled, type, o, now)));
      }
    }
    return new Tables(columns);
  }

  /** The columns of a built-in kind (by its Kind), or Name and Age for one without its own. */
  public static Tables forBuiltIn(String kind, Instant now) {
    List<Column> c = new ArrayList<>();
    switch (kind) {
      case "Event" -> {
        c.add(text("Last Seen", o -> since(first(o, "lastTimestamp", "eventTime", "metadata.creationTimestamp"), now)));
        c.add(text("Type", o -> o.path("type").asText("")));
        c.add(text("Reason", o -> o.path("reason").asText("")));
        c.add(text("Object", o -> o.at("/involvedObject/kind").asText("").toLowerCase() + "/"
            + o.at("/involvedObject/name").asText("")));
        c.add(text("Message", o -> o.path("message").asText("")));
        c.add(nameColumn(1));
        return new Tables(c);
      }
      default -> c.add(name());
    }
    switch (kind) {
      case "Pod" -> {
        c.add(text("Ready", o -> ready(o) + "/" + o.at("/spec/containers").size()));
        c.add(text("Status", Tables::podStatus));
        c.add(new Column("Restarts", "integer", "", 0, "", o -> restarts(o)));
      }
      case "Job" -> {
        c.add(text("Status", Tables::jobStatus));
        c.add(text("Completions", o -> o.at("/status/succeeded").asInt(0) + "/" + o.at("/spec/completions").asInt(1)));
        c.add(text("Duration", o -> duration(o.at("/status/startTime").asText(null),
            o.at("/status/completionTime").asText(null), now)));
      }
      case "Deployment" -> {
        c.add(text("Ready", o -> o.at("/status/readyReplicas").asInt(0) + "/" + o.at("/spec/replicas").asInt(1)));
        c.add(new Column("Up-to-date", "integer", "", 0, "", o -> o.at("/status/updatedReplicas").asInt(0)));
        c.add(new Column("Available", "integer", "", 0, "", o -> o.at("/status/availableReplicas").asInt(0)));
      }
      case "Service" -> {
        c.add(text("Type", o -> o.at("/spec/type").asText("ClusterIP")));
        c.add(text("Cluster-IP", o -> o.at("/spec/clusterIP").asText("<none>")));
        c.add(text("Ports", Tables::ports));
      }
      case "ConfigMap" -> c.add(new Column("Data", "integer", "", 0, "",
          o -> o.path("data").size() + o.path("binaryData").size()));
      case "Secret" -> {
        c.add(text("Type", o -> o.path("type").asText("").isEmpty() ? "Opaque" : o.path("type").asText()));
        c.add(new Column("Data", "integer", "", 0, "", o -> o.path("data").size() + o.path("stringData").size()));
      }
      case "CronJob" -> {
        c.add(text("Schedule", o -> o.at("/spec/schedule").asText("")));
        c.add(text("Suspend", o -> Boolean.toString(o.at("/spec/suspend").asBoolean(false))));
        c.add(new Column("Active", "integer", "", 0, "", o -> o.at("/status/active").size()));
        c.add(text("Last Schedule", o -> since(o.at("/status/lastScheduleTime").asText(null), now)));
      }
      case "Namespace" -> c.add(text("Status", o -> o.at("/status/phase").asText("Active")));
      default -> { }
    }
    c.add(age(now));
    return new Tables(c);
  }

  /** {@code source} (an object or a list of them) as a Table with each row's object included. */
  public ObjectNode table(JsonNode source) {
    ObjectNode table = JsonNodeFactory.instance.objectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (source.at("/metadata/resourceVersion").isTextual()) {
      metadata.put("resourceVersion", source.at("/metadata/resourceVersion").asText());
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      ObjectNode d = definitions.addObject();
      d.put("name", column.name());
      d.put("type", column.type());
      d.put("format", column.format());
      d.put("description", column.description());
      d.put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    if (source.has("items")) {
      source.path("items").forEach(item -> rows.add(row(item)));
    } else {
      rows.add(row(source));
    }
    return table;
  }

  private ObjectNode row(JsonNode object) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    ArrayNode cells = row.putArray("cells");
    for (Column column : columns) {
      Object value = column.cell().apply(object);
      if (value == null) {
        cells.addNull();
      } else if (value instanceof Integer i) {
        cells.add(i);
      } else if (value instanceof Long l) {
        cells.add(l);
      } else if (value instanceof Double d) {
        cells.add(d);
      } else if (value instanceof Boolean b) {
        cells.add(b);
      } else {
        cells.add(value.toString());
      }
    }
    row.set("object", object);
    return row;
  }

  private static Object value(JsonPath path, String type, JsonNode object, Instant now) {
    JsonNode found = path.read(object, JSON_PATH);
    if (found == null || !found.isArray() || found.isEmpty() || found.get(0).isNull()) {
      return null;
    }
    JsonNode first = found.get(0);
    return switch (type) {
      case "integer" -> first.isNumber() ? (Object) first.asLong() : first.asText();
      case "number" -> first.isNumber() ? (Object) first.asDouble() : first.asText();
      case "boolean" -> first.isBoolean() ? (Object) first.asBoolean() : first.asText();
      case "date" -> since(first.asText(), now);
      default -> {
        if (found.size() == 1) {
          yield first.isValueNode() ? first.asText() : first.toString();
        }
        List<String> all = new ArrayList<>();
        found.forEach(n -> all.add(n.isValueNode() ? n.asText() : n.toString()));
        yield String.join(",", all);
      }
    };
  }

  private static Column name() {
    return nameColumn(0);
  }

  private static Column nameColumn(int priority) {
    return new Column("Name", "string", "name", priority, "the object's name",
        o -> o.at("/metadata/name").asText(""));
  }

  private static Column age(Instant now) {
    return new Column("Age", "date", "", 0, "time since the object was created",
        o -> since(o.at("/metadata/creationTimestamp").asText(null), now));
  }

  private static Column text(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", "", 0, "", cell);
  }

  private static String first(JsonNode o, String... fields) {
    for (String f : fields) {
      JsonNode n = o.at("/" + f.replace('.', '/'));
      if (n.isTextual() && !n.asText().isEmpty()) {
        return n.asText();
      }
    }
    return null;
  }

  private static int ready(JsonNode pod) {
    int ready = 0;
    for (JsonNode s : pod.at("/status/containerStatuses")) {
      if (s.path("ready").asBoolean()) {
        ready++;
      }
    }
    return ready;
  }

  private static int restarts(JsonNode pod) {
    int n = 0;
    for (JsonNode s : pod.at("/status/containerStatuses")) {
      n += s.path("restartCount").asInt(0);
    }
    return n;
  }

  private static String podStatus(JsonNode pod) {
    for (JsonNode s : pod.at("/status/containerStatuses")) {
      if (s.at("/state/waiting/reason").isTextual()) {
        return s.at("/state/waiting/reason").asText();
      }
      if (s.at("/state/terminated/reason").isTextual()) {
        return s.at("/state/terminated/reason").asText();
      }
    }
    return pod.at("/status/phase").asText("Pending");
  }

  private static String jobStatus(JsonNode job) {
    for (JsonNode c : job.at("/status/conditions")) {
      if ("True".equals(c.path("status").asText()) && ("Complete".equals(c.path("type").asText())
          || "Failed".equals(c.path("type").asText()))) {
        return c.path("type").asText();
      }
    }
    return job.at("/status/active").asInt(0) > 0 ? "Running" : "Pending";
  }

  private static String ports(JsonNode service) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : service.at("/spec/ports")) {
      out.add(p.path("port").asInt() + "/" + p.path("protocol").asText("TCP"));
    }
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }

  private static String duration(String start, String end, Instant now) {
    if (start == null) {
      return "";
    }
    try {
      Instant from = Instant.parse(start);
      return human(Duration.between(from, end == null ? now : Instant.parse(end)));
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  /** The age of {@code timestamp} as kubectl prints it (45s, 3m20s, 5h, 2d), or {@code <unknown>}. */
  public static String since(String timestamp, Instant now) {
    if (timestamp == null || timestamp.isEmpty()) {
      return "<unknown>";
    }
    try {
      return human(Duration.between(Instant.parse(timestamp), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  /** Kubernetes' HumanDuration: two units while they say something, one after. */
  static String human(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (h < 192) {
      return h % 24 == 0 ? days + "d" : days + "d" + (h % 24) + "h";
    }
    return days < 365 * 2 ? days + "d" : (days / 365) + "y" + (days % 365) + "d";
  }
}
