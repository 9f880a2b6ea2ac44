package dev.ferry.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the distinct values of a column in bounded memory. Up to {@code cap} distinct values are
 * tracked with exact counts; values first seen after that are counted only as "untracked" and make
 * {@link #capped()} true, so {@link #distinct()} is then a lower bound and {@link #top(int)} is
 * over the tracked values. Values longer than {@link #MAX_VALUE_LENGTH} characters are tracked by
 * their first characters.
 */
public final class CategoryCounter {
  /** Default number of distinct values tracked. */
  public static final int DEFAULT_CAP = 1000;
  /** Longest value kept as a key; longer ones are cut to this length. */
  public static final int MAX_VALUE_LENGTH = 256;

  private final int cap;
  private final Map<String, long[]> counts = new HashMap<>();
  private long total;
  private long untracked;

  public CategoryCounter() {
    this(DEFAULT_CAP);
  }

  public CategoryCounter(int cap) {
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be positive");
    }
    this.cap = cap;
  }

  /** A value and how often it was seen. */
  public record Count(String value, long count) {}

  public void add(String value) {
    String key = value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) : value;
    total++;
    long[] c = counts.get(key);
    if (c != null) {
      c[0]++;
    } else if (counts.size() < cap) {
      counts.put(key, new long[] {1});
    } else {
      untracked++;
    }
  }

  /** Values added. */
  public long total() {
    return total;
  }

  /** Distinct values tracked: exact unless {@link #capped()}, then the cap. */
  public int distinct() {
    return counts.size();
  }

  /** True when more distinct values were seen than the cap. */
  public boolean capped() {
    return untracked > 0;
  }

  public int cap() {
    return cap;
  }

  /** How often a tracked value was seen (0 if never seen or not tracked). */
  public long count(String value) {
    long[] c = counts.get(value);
    return c == null ? 0 : c[0];
  }

  /** The {@code k} most frequent tracked values, most frequent first, ties by value. */
  public List<Count> top(int k) {
    List<Count> all = new ArrayList<>(counts.size());
    counts.forEach((v, c) -> all.add(new Count(v, c[0])));
    all.sort(Comparator.comparingLong(Count::count).reversed().thenComparing(Count::value));
    return all.size() <= k ? all : new ArrayList<>(all.subList(0, k));
  }
}
