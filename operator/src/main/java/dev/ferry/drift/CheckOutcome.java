package dev.ferry.drift;

/** A finished check, whole or by windows, in each form drift-check writes it. */
public interface CheckOutcome {
  /** The result of a check whose data failed a data-quality gate. */
  String DATA_QUALITY_FAILED = "DataQualityFailed";

  boolean datasetDrift();

  /** Drift, NoDrift or DataQualityFailed. */
  String result();

  /** The self-contained HTML page. */
  String toHtml();

  /** The full report as indented JSON. */
  String toPrettyJson();

  /** The report for a terminal: the verdict first. */
  String toText();

  /** The compact result in at most {@code limit} bytes, naming the HTML page when one was written. */
  byte[] toCompact(int limit, String report);
}
