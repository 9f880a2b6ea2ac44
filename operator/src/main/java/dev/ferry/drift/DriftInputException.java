package dev.ferry.drift;

/**
 * Input that drift-check cannot use: a bad dataset, profile or configuration. The message is for
 * people and names the file and, when known, the column and line; the command prints it and exits 2.
 */
public class DriftInputException extends Exception {
  private static final long serialVersionUID = 1L;

  public DriftInputException(String message) {
    super(message);
  }

  public DriftInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code "source, line N, column \"c\": reason"}, leaving out what is unknown. */
  public static DriftInputException at(String source, long line, String column, String reason) {
    StringBuilder b = new StringBuilder(source == null ? "dataset" : source);
    if (line > 0) {
      b.append(", line ").append(line);
    }
    if (column != null) {
      b.append(", column \"").append(column).append('"');
    }
    return new DriftInputException(b.append(": ").append(reason).toString());
  }
}
