package dev.ferry.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One way a dataset breaks its schema.
 *
 * @param column the column, or {@code null} for a rule on the whole dataset ({@code minRows})
 * @param rule {@code missingColumn}, {@code type}, {@code min}, {@code max}, {@code values},
 *     {@code maxMissing} or {@code minRows}
 * @param observed what was seen: the lowest/highest value (min/max), the share missing
 *     (maxMissing), the first offending values (type, values), the row count (minRows),
 *     {@code "absent"} (missingColumn)
 * @param bound what the schema allows
 * @param rows for per-row rules, how many rows break it; else {@code null}
 * @param lines for per-row rules, the first lines (at most {@link DataValidator#LINES_KEPT}) that
 *     break it; else empty
 * @param note an extra remark for people, or {@code null}
 */
record DataViolation(String column, String rule, JsonNode observed, JsonNode bound, Long rows, List<Long> lines,
    String note) {

  static final String MISSING_COLUMN = "missingColumn";
  static final String TYPE = "type";
  static final String MIN = "min";
  static final String MAX = "max";
  static final String VALUES = "values";
  static final String MAX_MISSING = "maxMissing";
  static final String MIN_ROWS = "minRows";

  DataViolation {
    lines = lines == null ? List.of() : List.copyOf(lines);
  }

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    if (column != null) {
      n.put("column", column);
    }
    n.put("rule", rule);
    n.set("observed", observed);
    n.set("bound", bound);
    if (rows != null) {
      n.put("rows", rows);
      n.set("lines", JsonNodeFactory.instance.arrayNode().addAll(lines.stream()
          .map(JsonNodeFactory.instance::numberNode).toList()));
    }
    if (note != null) {
      n.put("note", note);
    }
    return n;
  }

  /** One short clause for the verdict message, e.g. {@code age: 2 rows below min 0 (lowest -3; first at line 4)}. */
  String summary() {
    String first = lines.isEmpty() ? "" : "first at line " + lines.get(0);
    String who = column == null ? "" : column + ": ";
    switch (rule) {
      case MISSING_COLUMN:
        return "column " + column + " is missing";
      case MIN_ROWS:
        return "only " + observed.asText() + " rows, at least " + bound.asText() + " required";
      case TYPE:
        return who + rowsText() + " not " + bound.asText() + " (" + first + ", " + firstValue() + ")";
      case MIN:
        return who + rowsText() + " below min " + DataValidationReport.text(bound) + " (lowest "
            + DataValidationReport.text(observed) + ", " + first + ")";
      case MAX:
        return who + rowsText() + " above max " + DataValidationReport.text(bound) + " (highest "
            + DataValidationReport.text(observed) + ", " + first + ")";
      case VALUES:
        return who + rowsText() + " outside the allowed values (" + first + ", " + firstValue() + ")";
      case MAX_MISSING:
        return who + DataValidationReport.percent(observed.asDouble()) + " missing, at most "
            + DataValidationReport.percent(bound.asDouble()) + " allowed (" + first + ")";
      default:
        return who + rule;
    }
  }

  private String rowsText() {
    return rows + (rows == 1 ? " row" : " rows");
  }

  private String firstValue() {
    if (observed != null && observed.isArray() && observed.size() > 0) {
      return "\"" + DataValidator.clip(observed.get(0).asText(), 40) + "\"";
    }
    return "";
  }
}
