package dev.ferry.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ferry.api.v1alpha1.ColumnSchema;
import dev.ferry.api.v1alpha1.ColumnSchema.ColumnRole;
import dev.ferry.api.v1alpha1.ColumnSchema.ColumnType;
import dev.ferry.api.v1alpha1.DatasetSchema;
import dev.ferry.data.CategoryCounter;
import dev.ferry.data.DataValues;
import dev.ferry.data.NumericStats;
import dev.ferry.data.Row;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks rows against a {@link DatasetSchema} in one pass and summarises every column, in memory
 * bounded by the number of columns, never by the number of rows: per rule it keeps a count, the
 * first {@value #LINES_KEPT} lines and a few offending values; per column a {@link NumericStats}
 * and a {@link CategoryCounter} capped at {@value #DISTINCT_CAP} distinct values.
 *
 * <p>Feed it with {@link #accept(Row)} for every row, then call {@link #finish}.
 */
final class DataValidator {
  static final int LINES_KEPT = 5;
  static final int TYPE_VALUES_KEPT = 5;
  static final int UNKNOWN_VALUES_KEPT = 10;
  static final int DISTINCT_CAP = 1000;
  static final int TOP = 5;
  static final int VALUE_CHARS = 100;

  private final DatasetSchema schema;
  private final List<String> fileColumns;
  private final Check[] checks;
  private final Summary[] summaries;
  private long rows;

  DataValidator(DatasetSchema schema, List<String> fileColumns) {
    this.schema = schema;
    this.fileColumns = List.copyOf(fileColumns);
    Map<String, ColumnSchema> declared = new HashMap<>();
    if (schema.columns != null) {
      for (ColumnSchema c : schema.columns) {
        if (c != null && c.name != null) {
          declared.putIfAbsent(c.name, c);
        }
      }
    }
    checks = new Check[fileColumns.size()];
    summaries = new Summary[fileColumns.size()];
    for (int i = 0; i < fileColumns.size(); i++) {
      ColumnSchema c = declared.get(fileColumns.get(i));
      checks[i] = c == null ? null : new Check(c);
      summaries[i] = new Summary(fileColumns.get(i), c);
    }
  }

  void accept(Row row) {
    rows++;
    String[] values = row.values();
    for (int i = 0; i < checks.length; i++) {
      String v = values[i];
      Check check = checks[i];
      Summary summary = summaries[i];
      if (v == null) {
        summary.missing++;
        if (check != null) {
          check.missing.add(row.line());
        }
        continue;
      }
      summary.count++;
      if (check == null) {
        summary.addUndeclared(v);
      } else {
        check.accept(v, row.line(), summary);
      }
    }
  }

  /** The verdict, once every row has been accepted. */
  DataValidationReport finish(String source, String format, String digest) {
    List<DataViolation> violations = new ArrayList<>();
    if (schema.minRows != null && rows < schema.minRows) {
      violations.add(new DataViolation(null, DataViolation.MIN_ROWS, num(rows), num(schema.minRows), null, null, null));
    }
    Set<String> present = new HashSet<>(fileColumns);
    Map<String, Check> byName = new HashMap<>();
    for (Check c : checks) {
      if (c != null) {
        byName.put(c.schema.name, c);
      }
    }
    if (schema.columns != null) {
      for (ColumnSchema c : schema.columns) {
        if (c == null || c.name == null) {
          continue;
        }
        if (!present.contains(c.name)) {
          if (!Boolean.FALSE.equals(c.required)) {
            violations.add(new DataViolation(c.name, DataViolation.MISSING_COLUMN, text("absent"), text("required"),
                null, null, null));
          }
          continue;
        }
        Check check = byName.remove(c.name); // a name declared twice is checked once
        if (check != null) {
          check.violations(rows, violations);
        }
      }
    }
    List<DataValidationReport.ColumnSummary> columnSummaries = new ArrayList<>();
    for (Summary s : summaries) {
      columnSummaries.add(s.toSummary());
    }
    return new DataValidationReport(source, format, digest, rows, violations, columnSummaries);
  }

  /** The first lines (up to {@link #LINES_KEPT}) and the count of rows breaking one rule. */
  private static final class Lines {
    long count;
    final long[] first = new long[LINES_KEPT];

    void add(long line) {
      if (count < LINES_KEPT) {
        first[(int) count] = line;
      }
      count++;
    }

    List<Long> list() {
      return Arrays.stream(first, 0, (int) Math.min(count, LINES_KEPT)).boxed().toList();
    }
  }

  /** The rules of one declared column that is in the file. */
  private static final class Check {
    final ColumnSchema schema;
    final ColumnType type;
    final Set<String> allowed;
    final Lines missing = new Lines();
    final Lines badType = new Lines();
    final Set<String> badTypeValues = new LinkedHashSet<>();
    final Lines belowMin = new Lines();
    final Lines aboveMax = new Lines();
    double lowest = Double.POSITIVE_INFINITY;
    double highest = Double.NEGATIVE_INFINITY;
    final Lines notAllowed = new Lines();
    final Set<String> unknownValues = new LinkedHashSet<>();
    boolean moreUnknownValues;

    Check(ColumnSchema schema) {
      this.schema = schema;
      this.type = schema.type == null ? ColumnType.number : schema.type;
      this.allowed = type == ColumnType.category && schema.values != null ? new HashSet<>(schema.values) : null;
    }

    void accept(String v, long line, Summary summary) {
      switch (type) {
        case number, integer -> {
          double d = DataValues.parseNumber(v);
          if (Double.isNaN(d) || (type == ColumnType.integer && !DataValues.isWhole(d))) {
            badType(v, line);
            return;
          }
          lowest = Math.min(lowest, d);
          highest = Math.max(highest, d);
          if (schema.min != null && d < schema.min) {
            belowMin.add(line);
          }
          if (schema.max != null && d > schema.max) {
            aboveMax.add(line);
          }
          summary.addNumber(d);
        }
        case bool -> {
          Boolean b = DataValues.parseBoolean(v);
          if (b == null) {
            badType(v, line);
            return;
          }
          summary.addCategory(b.toString());
        }
        case category -> {
          if (allowed != null && !allowed.contains(v)) {
            notAllowed.add(line);
            if (unknownValues.size() < UNKNOWN_VALUES_KEPT) {
              unknownValues.add(clip(v, VALUE_CHARS));
            } else if (!unknownValues.contains(clip(v, VALUE_CHARS))) {
              moreUnknownValues = true;
            }
          }
          summary.addCategory(v);
        }
        default -> summary.addCategory(v);
      }
    }

    private void badType(String v, long line) {
      badType.add(line);
      if (badTypeValues.size() < TYPE_VALUES_KEPT) {
        badTypeValues.add(clip(v, VALUE_CHARS));
      }
    }

    void violations(long rows, List<DataViolation> out) {
      String name = schema.name;
      if (badType.count > 0) {
        out.add(new DataViolation(name, DataViolation.TYPE, strings(badTypeValues), text(typeName(type)),
            badType.count, badType.list(), null));
      }
      if (belowMin.count > 0) {
        out.add(new DataViolation(name, DataViolation.MIN, num(lowest), num(schema.min), belowMin.count,
            belowMin.list(), null));
      }
      if (aboveMax.count > 0) {
        out.add(new DataViolation(name, DataViolation.MAX, num(highest), num(schema.max), aboveMax.count,
            aboveMax.list(), null));
      }
      if (notAllowed.count > 0) {
        out.add(new DataViolation(name, DataViolation.VALUES, strings(unknownValues), strings(schema.values),
            notAllowed.count, notAllowed.list(), moreUnknownValues
                ? "more than " + UNKNOWN_VALUES_KEPT + " distinct values outside the list; the first "
                    + UNKNOWN_VALUES_KEPT + " are shown"
                : null));
      }
      double allowedShare = schema.maxMissing == null ? 0 : schema.maxMissing;
      double share = rows == 0 ? 0 : (double) missing.count / rows;
      if (share > allowedShare) {
        out.add(new DataViolation(name, DataViolation.MAX_MISSING, num(round(share)), num(allowedShare),
            missing.count, missing.list(), null));
      }
    }
  }

  /** Statistics of one column of the file, declared or not. */
  private static final class Summary {
    final String name;
    final ColumnSchema declared;
    final boolean statistics;
    long count;
    long missing;
    NumericStats numbers;
    CategoryCounter categories;
    /** For an undeclared column: every value so far was a number. */
    boolean allNumbers = true;

    Summary(String name, ColumnSchema declared) {
      this.name = name;
      this.declared = declared;
      this.statistics = declared == null || declared.role != ColumnRole.id;
      ColumnType type = declared == null ? null : declared.type == null ? ColumnType.number : declared.type;
      if (statistics) {
        if (type == null || type == ColumnType.number || type == ColumnType.integer) {
          numbers = new NumericStats();
        }
        if (type == null || !(type == ColumnType.number || type == ColumnType.integer)) {
          categories = new CategoryCounter(DISTINCT_CAP);
        }
      }
    }

    void addNumber(double d) {
      if (numbers != null) {
        numbers.add(d);
      }
    }

    void addCategory(String v) {
      if (categories != null) {
        categories.add(v);
      }
    }

    void addUndeclared(String v) {
      if (allNumbers) {
        double d = DataValues.parseNumber(v);
        if (Double.isNaN(d)) {
          allNumbers = false;
          numbers = null;
        } else {
          addNumber(d);
        }
      }
      addCategory(v);
    }

    DataValidationReport.ColumnSummary toSummary() {
      String type;
      if (declared != null) {
        type = typeName(declared.type == null ? ColumnType.number : declared.type);
      } else {
        type = allNumbers && count > 0 ? "number" : "category";
      }
      boolean numeric = statistics && numbers != null && (declared != null || allNumbers);
      NumericStats n = numeric && numbers.count() > 0 ? numbers : null;
      CategoryCounter c = statistics && !numeric ? categories : null;
      String role = declared == null ? null : (declared.role == null ? ColumnRole.feature : declared.role).name();
      return new DataValidationReport.ColumnSummary(name, type, declared != null, role, count, missing, n,
          c == null ? null : c.distinct(), c != null && c.capped(), c == null ? null : c.top(TOP));
    }
  }

  static String typeName(ColumnType type) {
    return type == ColumnType.bool ? "boolean" : type.name();
  }

  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  /** Four significant digits: enough to read a share, exact enough to compare. */
  static double round(double share) {
    return share == 0 ? 0 : new BigDecimal(share).round(new MathContext(4)).doubleValue();
  }

  static JsonNode num(double v) {
    if (DataValues.isWhole(v) && Math.abs(v) < 1e15) {
      return JsonNodeFactory.instance.numberNode((long) v);
    }
    return JsonNodeFactory.instance.numberNode(v);
  }

  static JsonNode num(Double v) {
    return v == null ? JsonNodeFactory.instance.nullNode() : num(v.doubleValue());
  }

  static JsonNode num(long v) {
    return JsonNodeFactory.instance.numberNode(v);
  }

  static JsonNode text(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  static ArrayNode strings(Iterable<String> values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    if (values != null) {
      values.forEach(a::add);
    }
    return a;
  }
}
