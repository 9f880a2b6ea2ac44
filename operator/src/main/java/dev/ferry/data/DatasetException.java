package dev.ferry.data;

/**
 * A dataset that cannot be read: missing, unreachable or malformed. The message is meant for people
 * and always names the source and, when known, the 1-based line: {@code "data.csv, line 7: ragged
 * row: expected 4 fields (as in the header), found 3"}.
 */
public class DatasetException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long line;
  private final String reason;

  /** A problem at a line of the source ({@code line} 0 or less when no line applies). */
  public DatasetException(String source, long line, String reason) {
    this(source, line, reason, null);
  }

  public DatasetException(String source, long line, String reason, Throwable cause) {
    super(format(source, line, reason), cause);
    this.source = source;
    this.line = Math.max(0, line);
    this.reason = reason;
  }

  /** A problem with the source as a whole (not found, unreachable, ...). */
  public DatasetException(String source, String reason) {
    this(source, 0, reason, null);
  }

  public DatasetException(String source, String reason, Throwable cause) {
    this(source, 0, reason, cause);
  }

  /** The file, path or URL (without query) as shown to people. */
  public String source() {
    return source;
  }

  /** The 1-based physical line, or 0 when the problem is not at a line. */
  public long line() {
    return line;
  }

  /** The message without the source and line. */
  public String reason() {
    return reason;
  }

  private static String format(String source, long line, String reason) {
    StringBuilder b = new StringBuilder(source == null || source.isEmpty() ? "dataset" : source);
    if (line > 0) {
      b.append(", line ").append(line);
    }
    return b.append(": ").append(reason).toString();
  }
}
