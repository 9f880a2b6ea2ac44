package dev.ferry.api.v1alpha1;

/**
 * The 5-field cron syntax both schedules accept, as a pattern the API server checks at admission.
 * It is the common part of what the pipeline's scheduler (cron-utils, Unix definition) and the
 * Kubernetes CronJob controller (a DriftPolicy's schedule becomes one) both read, with each field's
 * range: a schedule one of them would refuse, such as "61 25 * * 9", is refused by
 * {@code kubectl apply} instead of sitting in the cluster until the operator reads it. What a
 * pattern cannot see (a descending range like 5-3) is still caught by the operator's own parse.
 */
public final class CronSyntax {
  private static final String MINUTE = "(0?[0-9]|[1-5][0-9])";
  private static final String HOUR = "(0?[0-9]|1[0-9]|2[0-3])";
  private static final String DAY_OF_MONTH = "(0?[1-9]|[12][0-9]|3[01])";
  private static final String MONTH = "(0?[1-9]|1[0-2]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)";
  private static final String DAY_OF_WEEK = "([0-6]|SUN|MON|TUE|WED|THU|FRI|SAT)";

  private static final String STEP = "(/[1-9][0-9]*)?";
  // Each field is a comma list of *, a value or a range, each with an optional step of 1 or more.
  // Spelled out rather than built by a method: an annotation needs a compile-time constant.
  private static final String MINUTES = "((\\*|" + MINUTE + "(-" + MINUTE + ")?)" + STEP
      + "(,(\\*|" + MINUTE + "(-" + MINUTE + ")?)" + STEP + ")*)";
  private static final String HOURS = "((\\*|" + HOUR + "(-" + HOUR + ")?)" + STEP
      + "(,(\\*|" + HOUR + "(-" + HOUR + ")?)" + STEP + ")*)";
  private static final String DAYS_OF_MONTH = "((\\*|" + DAY_OF_MONTH + "(-" + DAY_OF_MONTH + ")?)" + STEP
      + "(,(\\*|" + DAY_OF_MONTH + "(-" + DAY_OF_MONTH + ")?)" + STEP + ")*)";
  private static final String MONTHS = "((\\*|" + MONTH + "(-" + MONTH + ")?)" + STEP
      + "(,(\\*|" + MONTH + "(-" + MONTH + ")?)" + STEP + ")*)";
  private static final String DAYS_OF_WEEK = "((\\*|" + DAY_OF_WEEK + "(-" + DAY_OF_WEEK + ")?)" + STEP
      + "(,(\\*|" + DAY_OF_WEEK + "(-" + DAY_OF_WEEK + ")?)" + STEP + ")*)";

  /** Anchored pattern of a whole schedule: five fields separated by spaces. */
  public static final String PATTERN = "^ *" + MINUTES + " +" + HOURS + " +" + DAYS_OF_MONTH + " +" + MONTHS + " +"
      + DAYS_OF_WEEK + " *$";

  private CronSyntax() {
  }
}
