package dev.ferry.drift;

import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.data.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits data into consecutive windows, as it streams: every {@code N} rows, or by a timestamp
 * column into periods aligned to the UNIX epoch in UTC (a day is midnight to midnight UTC). Each
 * window is a {@link DatasetReader#slice} of the source, so one pass reads the whole data and no
 * window is held in memory. Rows split by time must come in time order, as logs are written; a
 * row earlier than its window is an error that names its line.
 */
public final class Windows {
  private static final Pattern PERIOD = Pattern.compile("^(\\d{1,9})(s|m|h|d|w)$");
  private static final Pattern BY_TIME = Pattern.compile("^(.+):(\\d{1,9}[smhdw])$");

  /** How to split: {@code rows} rows each, or by {@code column} into periods of {@code period}. */
  public record Spec(long rows, String column, Duration period) {
    public boolean byTime() {
      return column != null;
    }

    @Override
    public String toString() {
      return byTime() ? column + ":" + describe(period) : Long.toString(rows);
    }
  }

  /** One window: its place, its bounds and label (time windows; null for rows), its first row and its rows. */
  public record Window(int index, String label, Instant from, Instant to, long firstRow, DatasetReader rows) {}

  private Windows() {
  }

  /** {@code 10000} (rows per window) or {@code COLUMN:PERIOD} with PERIOD like 30m, 1h, 1d, 1w. */
  public static Spec parse(String text, String option) throws DriftInputException {
    String t = text == null ? "" : text.trim();
    if (t.matches("\\d{1,12}")) {
      long rows = Long.parseLong(t);
      if (rows < 1) {
        throw new DriftInputException(option + " " + text + ": a window holds at least 1 row");
      }
      return new Spec(rows, null, null);
    }
    Matcher m = BY_TIME.matcher(t);
    if (!m.matches()) {
      throw new DriftInputException(option + " " + text + ": give rows per window (10000) or COLUMN:PERIOD"
          + " (timestamp:1d; a period is a whole number of s, m, h, d or w)");
    }
    return new Spec(0, m.group(1), period(m.group(2), option + " " + text));
  }

  static Duration period(String text, String where) throws DriftInputException {
    Matcher m = PERIOD.matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new DriftInputException(where + ": a period is a whole number above 0 of s, m, h, d or w, e.g. 1h or 1d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }

  static String describe(Duration d) {
    long s = d.getSeconds();
    if (s % 604_800 == 0) {
      return s / 604_800 + "w";
    }
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  /**
   * A timestamp as logs write it: an ISO 8601 instant or date-time (with an offset, or UTC
   * without one; a space for the T is fine), a date (its midnight UTC), or a number of seconds
   * since the epoch (milliseconds from 1e11 on, which as seconds would be past the year 5000).
   */
  static Instant timestamp(String v) {
    if (v == null || v.isBlank()) {
      return null;
    }
    String s = v.trim();
    double number = NumberText.parse(s);
    if (!Double.isNaN(number)) {
      double seconds = Math.abs(number) >= 1e11 ? number / 1000 : number;
      long whole = (long) Math.floor(seconds);
      return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9));
    }
    String iso = s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + "T" + s.substring(11) : s;
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException notOffset) {
      try {
        return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException notLocal) {
        try {
          return LocalDate.parse(iso).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notDate) {
          return null;
        }
      }
    }
  }

  /** The windows of one source, in order; each must be read to its end before the next is asked for. */
  public static final class Splitter {
    private final DatasetReader reader;
    private final Spec spec;
    private final int column;
    private final String side;
    private Row pending;
    private long rowsRead;
    private int index;
    private Instant lastEnd;

    /** @param side "baseline" or "current", for messages */
    public Splitter(DatasetReader reader, Spec spec, String side) throws DriftInputException {
      this.reader = reader;
      this.spec = spec;
      this.side = side;
      this.column = spec.byTime() ? reader.columnIndex(spec.column()) : -1;
      if (spec.byTime() && column < 0) {
        throw new DriftInputException(reader.source() + ": no column \"" + spec.column() + "\" to split the " + side
            + " data into windows by (its columns are " + DriftCheck.list(reader.columns()) + ")");
      }
    }

    /** The next window, or null after the last. */
    public Window next() throws DatasetException, DriftInputException {
      Row first = pending != null ? pending : reader.next();
      pending = null;
      if (first == null) {
        return null;
      }
      long firstRow = rowsRead + 1;
      int i = index++;
      if (!spec.byTime()) {
        long[] left = {spec.rows()};
        Row[] head = {first};
        DatasetReader slice = reader.slice(reader.source() + " from row " + firstRow, () -> {
          if (head[0] != null) {
            Row r = head[0];
            head[0] = null;
            left[0]--;
            rowsRead++;
            return r;
          }
          if (left[0] == 0) {
            return null;
          }
          Row r = reader.next();
          if (r != null) {
            left[0]--;
            rowsRead++;
          }
          return r;
        });
        return new Window(i, null, null, null, firstRow, slice);
      }
      Instant t = time(first);
      long p = spec.period().getSeconds();
      long start = Math.floorDiv(t.getEpochSecond(), p) * p;
      Instant from = Instant.ofEpochSecond(start);
      Instant to = from.plus(spec.period());
      if (lastEnd != null && from.isBefore(lastEnd)) {
        throw outOfOrder(first, t, lastEnd);
      }
      lastEnd = to;
      Row[] head = {first};
      DatasetReader slice = reader.slice(reader.source() + " " + from + "/" + to, () -> {
        if (head[0] != null) {
          Row r = head[0];
          head[0] = null;
          rowsRead++;
          return r;
        }
        if (pending != null) {
          return null;
        }
        Row r = reader.next();
        if (r == null) {
          return null;
        }
        Instant at = time(r);
        if (at.isBefore(from)) {
          throw outOfOrder(r, at, from);
        }
        if (!at.isBefore(to)) {
          pending = r;
          return null;
        }
        rowsRead++;
        return r;
      });
      return new Window(i, from + "/" + to, from, to, firstRow, slice);
    }

    private Instant time(Row row) throws DatasetException {
      String v = row.value(column);
      Instant t = timestamp(v);
      if (t == null) {
        throw new DatasetException(reader.source(), row.line(), "column \"" + spec.column() + "\": "
            + (v == null || v.isBlank() ? "no timestamp" : "\"" + ColumnScan.clip(v, 40) + "\" is not a timestamp")
            + " (the " + side + " data is split into windows by it: an ISO 8601 date-time, a date or seconds since"
            + " the epoch)");
      }
      return t;
    }

    private DatasetException outOfOrder(Row row, Instant at, Instant bound) {
      return new DatasetException(reader.source(), row.line(), "column \"" + spec.column() + "\": " + at
          + " comes after rows of " + bound + " or later; windows by time need the rows in time order");
    }
  }
}
