package dev.ferry.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One feature's baseline and current counts over the same buckets, for people to look at: for a
 * number the baseline's decile bins (the ones PSI and Jensen-Shannon compare), for a category its
 * values (the most frequent {@value #MAX_CATEGORIES}, the rest together).
 */
public record Distribution(List<String> labels, long[] baseline, long[] current) {
  /** More bars than this are unreadable: the rarer categories are shown together. */
  public static final int MAX_CATEGORIES = 20;
  static final String OTHER = "(other)";

  /** The decile bins of a number: "≤ e1", "e1 – e2", ..., "> e9". */
  static Distribution ofBins(double[] edges, long[] baseline, long[] current) {
    List<String> labels = new ArrayList<>();
    if (edges.length == 0) {
      labels.add("all");
    } else {
      labels.add("≤ " + DriftReport.num(edges[0]));
      for (int i = 1; i < edges.length; i++) {
        labels.add(DriftReport.num(edges[i - 1]) + " – " + DriftReport.num(edges[i]));
      }
      labels.add("> " + DriftReport.num(edges[edges.length - 1]));
    }
    return new Distribution(labels, baseline.clone(), current.clone());
  }

  /**
   * Category counts ({@code labels[i]} counted {@code baseline[i]} and {@code current[i]} times),
   * the most frequent first by their share in either data set, the rest summed into "(other)".
   */
  static Distribution ofCategories(List<String> labels, long[] baseline, long[] current) {
    long nb = Math.max(1, Arrays.stream(baseline).sum());
    long nc = Math.max(1, Arrays.stream(current).sum());
    Integer[] order = IntStream.range(0, labels.size()).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.max((double) baseline[i] / nb,
        (double) current[i] / nc)).thenComparing(i -> labels.get(i)));
    int shown = labels.size() <= MAX_CATEGORIES ? labels.size() : MAX_CATEGORIES - 1;
    List<String> l = new ArrayList<>();
    long[] b = new long[Math.min(labels.size(), MAX_CATEGORIES)];
    long[] c = new long[b.length];
    for (int k = 0; k < order.length; k++) {
      int i = order[k];
      int slot = Math.min(k, shown);
      if (k < shown) {
        l.add(labels.get(i));
      } else if (k == shown) {
        l.add(OTHER);
      }
      b[slot] += baseline[i];
      c[slot] += current[i];
    }
    return new Distribution(l, b, c);
  }

  /** Share of the baseline (or current) rows in bucket {@code i}. */
  double share(long[] counts, int i) {
    long total = Arrays.stream(counts).sum();
    return total == 0 ? 0 : (double) counts[i] / total;
  }
}
