package dev.ferry.drift;

import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.data.Row;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One streaming pass over a dataset through {@link DatasetReader}, feeding the columns under test
 * into {@link ColumnScan}s. Before the pass, {@link #inferKinds} can read ahead (at most {@link
 * #INFER_ROWS} rows, kept and replayed) to decide which columns hold numbers.
 */
final class DatasetScan {
  /** Non-missing values looked at to decide that a column holds numbers. */
  static final int INFER_VALUES = 1000;
  /** Most rows read ahead for that. */
  static final int INFER_ROWS = 100_000;

  /**
   * What to do with one column; {@code lo} and {@code hi} are the baseline's range when it is known
   * during the pass (NaN otherwise), to count the values outside it.
   */
  record Plan(String name, ColumnKind kind, String kindOrigin, boolean keepValues, double[] edges, double lo,
      double hi) {
    Plan(String name, ColumnKind kind, String kindOrigin, boolean keepValues, double[] edges) {
      this(name, kind, kindOrigin, keepValues, edges, Double.NaN, Double.NaN);
    }
  }

  final DatasetReader reader;
  final String side;
  private final Deque<Row> readAhead = new ArrayDeque<>();
  final Map<String, ColumnScan> columns = new LinkedHashMap<>();
  long rows;
  String digest;

  /** @param side "baseline" or "current", for messages */
  DatasetScan(DatasetReader reader, String side) {
    this.reader = reader;
    this.side = side;
  }

  /**
   * A plan per feature, keeping values: the declared kind where there is one, else the kind
   * inferred by reading ahead ({@link #inferKinds}).
   */
  List<Plan> planColumns(List<String> features, java.util.Map<String, ColumnKind> declared) throws DatasetException {
    List<String> toInfer = features.stream().filter(f -> !declared.containsKey(f)).toList();
    java.util.Map<String, Inferred> inferred = inferKinds(toInfer);
    List<Plan> plans = new java.util.ArrayList<>();
    for (String f : features) {
      ColumnKind kind = declared.get(f);
      plans.add(kind != null ? new Plan(f, kind, "declared", true, null)
          : new Plan(f, inferred.get(f).kind(), inferred.get(f).origin(), true, null));
    }
    return plans;
  }

  /**
   * Decides the kind of each named column from its first {@link #INFER_VALUES} non-missing values
   * (numbers if every one is a number), reading ahead up to {@link #INFER_ROWS} rows. Returns the
   * kind and how it was decided; a column with no value at all in the rows read is a category.
   */
  Map<String, Inferred> inferKinds(Collection<String> names) throws DatasetException {
    Map<String, int[]> seen = new LinkedHashMap<>();
    Map<String, boolean[]> numeric = new LinkedHashMap<>();
    for (String n : names) {
      seen.put(n, new int[1]);
      numeric.put(n, new boolean[] {true});
    }
    int undecided = names.size();
    while (undecided > 0 && readAhead.size() < INFER_ROWS) {
      Row row = reader.next();
      if (row == null) {
        break;
      }
      readAhead.add(row);
      for (String n : names) {
        int[] s = seen.get(n);
        if (s[0] >= INFER_VALUES) {
          continue;
        }
        String v = row.value(reader.columnIndex(n));
        if (v == null || v.isBlank()) {
          continue;
        }
        if (numeric.get(n)[0] && !ColumnScan.isNumber(v)) {
          numeric.get(n)[0] = false;
        }
        if (++s[0] == INFER_VALUES) {
          undecided--;
        }
      }
    }
    Map<String, Inferred> out = new LinkedHashMap<>();
    for (String n : names) {
      int s = seen.get(n)[0];
      boolean num = s > 0 && numeric.get(n)[0];
      out.put(n, new Inferred(num ? ColumnKind.number : ColumnKind.category, s,
          "inferred from its first " + s + " value" + (s == 1 ? "" : "s") + " in the baseline"));
    }
    return out;
  }

  /** A kind decided from the data. */
  record Inferred(ColumnKind kind, int valuesSeen, String origin) {}

  /** Reads every row (the read-ahead first) into the planned columns. */
  void run(List<Plan> plans, DoubleSpool.Budget budget) throws DatasetException, DriftInputException {
    List<ColumnScan> cols = new ArrayList<>();
    for (Plan p : plans) {
      int index = reader.columnIndex(p.name());
      DoubleSpool spool = p.kind() == ColumnKind.number && p.keepValues() ? new DoubleSpool(budget, p.name()) : null;
      ColumnScan c = new ColumnScan(p.name(), index, p.kind(), p.kindOrigin(), spool,
          p.kind() == ColumnKind.number ? p.edges() : null, p.lo(), p.hi());
      columns.put(p.name(), c);
      cols.add(c);
    }
    ColumnScan[] array = cols.toArray(new ColumnScan[0]);
    String source = reader.source();
    while (true) {
      Row row = readAhead.isEmpty() ? reader.next() : readAhead.poll();
      if (row == null) {
        break;
      }
      rows++;
      String[] values = row.values();
      long line = row.line();
      for (ColumnScan c : array) {
        c.accept(values[c.index], line, source, side);
      }
    }
    digest = reader.digest();
  }

  /** Frees every spool. */
  void close() {
    for (ColumnScan c : columns.values()) {
      if (c.spool != null) {
        c.spool.close();
      }
    }
  }
}
