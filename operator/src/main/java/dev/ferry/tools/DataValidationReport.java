package dev.ferry.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.data.CategoryCounter;
import dev.ferry.data.NumericStats;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of validate-data: the verdict, every violation and every column's summary, as text
 * for people, as full JSON for stdout, and as a compact JSON result that fits a Kubernetes
 * termination message.
 */
final class DataValidationReport {
  /** Kubernetes keeps at most 4096 bytes of a termination message. */
  static final int RESULT_LIMIT = 4096;
  /** Violations named in the one-line message. */
  private static final int MESSAGE_VIOLATIONS = 3;
  private static final int MESSAGE_CHARS = 600;

  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final String source;
  private final String format;
  private final String digest;
  private final long rows;
  private final List<DataViolation> violations;
  private final List<ColumnSummary> columns;

  /** Statistics of one column: numeric ones for numbers, distinct values and the top 5 otherwise. */
  record ColumnSummary(String name, String type, boolean declared, String role, long count, long missing,
      NumericStats numbers, Integer distinct, boolean distinctCapped, List<CategoryCounter.Count> top) {

    ObjectNode toJson() {
      ObjectNode n = F.objectNode();
      n.put("name", name);
      n.put("type", type);
      n.put("declared", declared);
      if (role != null) {
        n.put("role", role);
      }
      n.put("count", count);
      n.put("missing", missing);
      if (numbers != null) {
        n.set("min", DataValidator.num(numbers.min()));
        n.set("max", DataValidator.num(numbers.max()));
        n.put("mean", numbers.mean());
        n.put("std", numbers.std());
      }
      if (distinct != null) {
        if (distinctCapped) {
          n.put("distinct", ">" + distinct);
        } else {
          n.put("distinct", distinct);
        }
        ArrayNode t = n.putArray("top");
        for (CategoryCounter.Count c : top) {
          t.addObject().put("value", c.value()).put("count", c.count());
        }
      }
      return n;
    }
  }

  DataValidationReport(String source, String format, String digest, long rows, List<DataViolation> violations,
      List<ColumnSummary> columns) {
    this.source = source;
    this.format = format;
    this.digest = digest;
    this.rows = rows;
    this.violations = List.copyOf(violations);
    this.columns = List.copyOf(columns);
  }

  boolean valid() {
    return violations.isEmpty();
  }

  long rows() {
    return rows;
  }

  List<DataViolation> violations() {
    return violations;
  }

  List<ColumnSummary> columns() {
    return columns;
  }

  String digest() {
    return digest;
  }

  /** One line: the verdict, and for a failure the first violations. */
  String message() {
    if (valid()) {
      return source + " matches the schema: " + rows + " rows, " + columns.size() + " columns";
    }
    StringBuilder b = new StringBuilder(source).append(" breaks the schema: ").append(violations.size())
        .append(violations.size() == 1 ? " violation" : " violations").append(" in ").append(rows).append(" rows: ");
    int shown = Math.min(MESSAGE_VIOLATIONS, violations.size());
    for (int i = 0; i < shown; i++) {
      if (i > 0) {
        b.append("; ");
      }
      b.append(DataValidator.clip(violations.get(i).summary(), 160));
    }
    if (violations.size() > shown) {
      b.append("; and ").append(violations.size() - shown).append(" more");
    }
    return DataValidator.clip(b.toString(), MESSAGE_CHARS);
  }

  /** Everything: what stdout shows with {@code --output json}. */
  ObjectNode toJson() {
    ObjectNode n = base();
    ArrayNode v = F.arrayNode();
    violations.forEach(x -> v.add(x.toJson()));
    n.set("violations", v);
    n.put("message", message());
    n.put("source", source);
    n.put("format", format);
    ArrayNode c = n.putArray("columns");
    columns.forEach(x -> c.add(x.toJson()));
    return n;
  }

  private ObjectNode base() {
    ObjectNode n = F.objectNode();
    ObjectNode metrics = n.putObject("metrics");
    metrics.put("rows", rows);
    metrics.put("violations", violations.size());
    if (digest != null) {
      n.put("datasetDigest", digest);
    }
    n.put("valid", valid());
    return n;
  }

  /**
   * The result file: the same fields as {@link #toJson()}, shrunk to at most {@code limit} bytes
   * of UTF-8 by dropping the column summaries, then shortening the violations' values, then
   * dropping violations from the end ({@code violationsOmitted} says how many), then cutting the
   * message.
   */
  byte[] toResult(int limit) {
    ObjectNode full = toJson();
    full.remove("source");
    full.remove("format");
    byte[] bytes = bytes(full);
    if (bytes.length <= limit) {
      return bytes;
    }
    full.remove("columns");
    bytes = bytes(full);
    if (bytes.length <= limit) {
      return bytes;
    }
    ArrayNode compact = F.arrayNode();
    violations.forEach(x -> compact.add(compactViolation(x)));
    full.set("violations", compact);
    full.remove("message");
    full.put("message", message());
    // Drop violations from the end until the rest fits: find how many fit by halving.
    int lo = 0;
    int hi = compact.size();
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (bytes(withViolations(full, compact, mid)).length <= limit) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    ObjectNode fitted = withViolations(full, compact, lo);
    bytes = bytes(fitted);
    if (bytes.length <= limit) {
      return bytes;
    }
    String message = fitted.path("message").asText();
    int excess = bytes.length - limit;
    int keep = Math.max(0, message.length() - excess - 3);
    while (true) {
      fitted.put("message", message.substring(0, keep) + "...");
      bytes = bytes(fitted);
      if (bytes.length <= limit || keep == 0) {
        return bytes;
      }
      keep = Math.max(0, keep - Math.max(1, bytes.length - limit));
    }
  }

  private static ObjectNode withViolations(ObjectNode full, ArrayNode compact, int count) {
    ObjectNode n = full.deepCopy();
    ArrayNode v = F.arrayNode();
    for (int i = 0; i < count; i++) {
      v.add(compact.get(i));
    }
    n.set("violations", v);
    if (count < compact.size()) {
      n.put("violationsOmitted", compact.size() - count);
    }
    // Keep the brief's field order: metrics, datasetDigest, valid, violations, (violationsOmitted), message.
    JsonNode message = n.remove("message");
    n.set("message", message);
    return n;
  }

  /** A violation with short strings and short lists, for the result file. */
  private static ObjectNode compactViolation(DataViolation v) {
    ObjectNode n = v.toJson();
    if (v.column() != null) {
      n.put("column", DataValidator.clip(v.column(), 64));
    }
    n.set("observed", shorten(v.observed()));
    n.set("bound", shorten(v.bound()));
    if (v.note() != null) {
      n.put("note", DataValidator.clip(v.note(), 80));
    }
    return n;
  }

  private static JsonNode shorten(JsonNode node) {
    if (node == null) {
      return F.nullNode();
    }
    if (node.isTextual()) {
      return F.textNode(DataValidator.clip(node.asText(), 40));
    }
    if (node.isArray()) {
      ArrayNode a = F.arrayNode();
      for (int i = 0; i < Math.min(5, node.size()); i++) {
        a.add(shorten(node.get(i)));
      }
      if (node.size() > 5) {
        a.add("...");
      }
      return a;
    }
    return node;
  }

  /** The result for input that could not be read: no metrics, no digest, only the reason. */
  static byte[] errorResult(String message, int limit) {
    ObjectNode n = F.objectNode();
    n.putObject("metrics");
    n.put("valid", false);
    n.putArray("violations");
    n.put("message", message);
    byte[] bytes = bytes(n);
    int keep = message.length();
    while (bytes.length > limit && keep > 0) {
      keep = Math.max(0, keep - Math.max(1, bytes.length - limit));
      n.put("message", message.substring(0, keep) + "...");
      bytes = bytes(n);
    }
    return bytes;
  }

  static byte[] bytes(JsonNode n) {
    try {
      return JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String pretty(JsonNode n) {
    try {
      return PRETTY.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text for people: the verdict line, the violations table, the column summaries. */
  String toText() {
    StringBuilder b = new StringBuilder();
    String digestText = digest == null ? "" : ", " + digest;
    if (valid()) {
      b.append("VALID: ").append(source).append(" matches the schema (").append(rows).append(" rows, ")
          .append(columns.size()).append(" columns").append(digestText).append(")\n");
    } else {
      b.append("INVALID: ").append(source).append(" breaks the schema: ").append(violations.size())
          .append(violations.size() == 1 ? " violation" : " violations").append(" in ").append(rows)
          .append(" rows").append(digest == null ? "" : " (" + digest + ")").append('\n');
      b.append("\nViolations\n");
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"COLUMN", "RULE", "ROWS", "OBSERVED", "BOUND", "FIRST LINES"});
      List<String> notes = new ArrayList<>();
      for (DataViolation v : violations) {
        table.add(new String[] {
            v.column() == null ? "-" : v.column(),
            v.rule(),
            v.rows() == null ? "-" : Long.toString(v.rows()),
            cell(v.rule().equals(DataViolation.MAX_MISSING) ? F.textNode(percent(v.observed().asDouble())) : v.observed()),
            cell(v.rule().equals(DataViolation.MAX_MISSING) ? F.textNode(percent(v.bound().asDouble())) : v.bound()),
            v.lines().isEmpty() ? "-" : String.join(", ", v.lines().stream().map(String::valueOf).toList())
                + (v.rows() != null && v.rows() > v.lines().size() ? ", ..." : "")});
        if (v.note() != null) {
          notes.add((v.column() == null ? "" : v.column() + " ") + v.rule() + ": " + v.note());
        }
      }
      appendTable(b, table);
      notes.forEach(n -> b.append("  note: ").append(n).append('\n'));
    }
    b.append("\nColumns\n");
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"NAME", "TYPE", "COUNT", "MISSING", "MIN", "MAX", "MEAN", "STD", "DISTINCT", "TOP VALUES"});
    for (ColumnSummary c : columns) {
      NumericStats n = c.numbers();
      String top = "";
      if (c.top() != null) {
        top = String.join(", ", c.top().stream()
            .map(t -> DataValidator.clip(t.value(), 24) + " (" + t.count() + ")").toList());
      }
      table.add(new String[] {
          c.name() + (c.declared() ? "" : " *"),
          c.type() + ("id".equals(c.role()) ? " (id)" : ""),
          Long.toString(c.count()),
          Long.toString(c.missing()),
          n == null ? "" : number(n.min()),
          n == null ? "" : number(n.max()),
          n == null ? "" : number(n.mean()),
          n == null ? "" : number(n.std()),
          c.distinct() == null ? "" : (c.distinctCapped() ? ">" : "") + c.distinct(),
          top});
    }
    appendTable(b, table);
    if (columns.stream().anyMatch(c -> !c.declared())) {
      b.append("  * not in the schema; type inferred\n");
    }
    return b.toString();
  }

  private static String cell(JsonNode n) {
    if (n == null || n.isNull()) {
      return "-";
    }
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      n.forEach(x -> parts.add(x.isTextual() ? "\"" + DataValidator.clip(x.asText(), 30) + "\"" : text(x)));
      return DataValidator.clip(String.join(", ", parts), 60);
    }
    return DataValidator.clip(text(n), 60);
  }

  private static void appendTable(StringBuilder b, List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        r[i] = oneLine(r[i]);
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
  }

  /** A JSON value as people read it: numbers without a needless ".0", strings bare. */
  static String text(JsonNode n) {
    if (n == null || n.isNull()) {
      return "-";
    }
    if (n.isNumber()) {
      return number(n.asDouble());
    }
    return n.isTextual() ? n.asText() : n.toString();
  }

  static String number(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    BigDecimal d = new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
    return Math.abs(v) >= 1e-4 && Math.abs(v) < 1e15 ? d.toPlainString() : d.toString();
  }

  static String percent(double share) {
    return number(share * 100) + "%";
  }
}
