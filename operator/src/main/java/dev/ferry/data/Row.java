package dev.ferry.data;

/**
 * One data row.
 *
 * @param line the 1-based physical line in the file where the row starts (a quoted CSV field may
 *     span several lines)
 * @param values one cell per column, in {@link DatasetReader#columns()} order; {@code null} is a
 *     missing value (empty CSV cell, JSON {@code null} or absent key). The array is new for every
 *     row and belongs to the caller.
 */
public record Row(long line, String[] values) {

  /** The cell of column {@code index}, {@code null} when missing. */
  public String value(int index) {
    return values[index];
  }

  public int size() {
    return values.length;
  }
}
