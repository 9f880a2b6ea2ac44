package dev.ferry.data;

import java.util.Locale;
import java.util.Optional;

/** The file formats {@link DatasetReader} reads. */
public enum DataFormat {
  /** Comma-separated values with a header row (RFC 4180 quoting). */
  CSV,
  /** JSON Lines: one JSON object per line; the first object's keys are the columns. */
  JSONL;

  /** The lower-case name used on the command line and in the Dataset kind ({@code csv}, {@code jsonl}). */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a format name: {@code csv}, {@code jsonl} or {@code ndjson}, in any case.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static DataFormat parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "csv":
        return CSV;
      case "jsonl":
      case "ndjson":
        return JSONL;
      default:
        throw new IllegalArgumentException("unknown data format \"" + name + "\" (use csv or jsonl)");
    }
  }

  /**
   * The format a path or URL's extension names: {@code .csv}, {@code .jsonl} or {@code .ndjson}, in
   * any case; a URL's query and fragment are ignored.
   */
  public static Optional<DataFormat> fromName(String pathOrUrl) {
    if (pathOrUrl == null) {
      return Optional.empty();
    }
    String s = pathOrUrl;
    int cut = s.indexOf('?');
    if (cut >= 0) {
      s = s.substring(0, cut);
    }
    cut = s.indexOf('#');
    if (cut >= 0) {
      s = s.substring(0, cut);
    }
    s = s.toLowerCase(Locale.ROOT);
    if (s.endsWith(".csv")) {
      return Optional.of(CSV);
    }
    if (s.endsWith(".jsonl") || s.endsWith(".ndjson")) {
      return Optional.of(JSONL);
    }
    return Optional.empty();
  }
}
