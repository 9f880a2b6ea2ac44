package dev.ferry.bench;

import dev.ferry.storage.ObjectStorage;
import dev.ferry.storage.ObjectUri;
import dev.ferry.testing.RealS3;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Peak RSS of {@code ferry drift-check} reading its current data straight from a bucket (a real
 * S3 server), for CSVs of a quarter of and the whole {@code --mib}, with the JVM's default heap
 * and with {@code -Xmx256m}: whether memory follows the object's size. Run with benchmarks/storage.sh.
 */
public final class DriftCheckFromBucket {
  private static final Pattern RSS = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)");
  private static final Pattern WALL = Pattern.compile("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\): ([0-9:.]+)");

  private DriftCheckFromBucket() {
  }

  public static void main(String[] args) throws Exception {
    int mib = 1024;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--mib")) {
        mib = Integer.parseInt(args[++i]);
      }
    }
    Path work = Files.createTempDirectory("ferry-drift-bench");
    try (RealS3 s3 = RealS3.start(Files.createDirectories(work.resolve("s3")))) {
      s3.createBucket("bench");
      Path baseline = work.resolve("baseline.csv");
      csv(baseline, 8L << 20, 1, 0.0);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int size : new int[] {Math.max(1, mib / 4), mib}) {
        Path current = work.resolve("current.csv");
        long rows = csv(current, (long) size << 20, 2, 0.3);
        try (ObjectStorage storage = ObjectStorage.forUri(ObjectUri.parse("s3://bench/x").orElseThrow(), s3.env())) {
          storage.upload(current, ObjectUri.parse("s3://bench/current.csv").orElseThrow());
        }
        long bytes = Files.size(current);
        Files.delete(current);
        for (String heap : new String[] {null, "-Xmx256m"}) {
          List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-v", java));
          if (heap != null) {
            command.add(heap);
          }
          command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.ferry.Main", "drift-check",
              "--baseline", baseline.toString(), "--current", "s3://bench/current.csv", "--output", "json"));
          ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
          builder.environment().putAll(s3.env());
          Process process = builder.start();
          String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          int exit = process.waitFor();
          Matcher rss = RSS.matcher(out);
          Matcher wall = WALL.matcher(out);
          System.out.printf(Locale.ROOT, "drift-check, current %5d MiB (%,d rows) from s3://, heap %-9s exit %d"
              + "  peak RSS %s MiB  wall %s%n", bytes >> 20, rows, heap == null ? "default" : heap, exit,
              rss.find() ? String.valueOf(Long.parseLong(rss.group(1)) / 1024) : "?", wall.find() ? wall.group(1) : "?");
          if (exit != 0 && exit != 1) {
            System.out.println(out.lines().filter(l -> !l.startsWith("\t")).limit(5).reduce("", (a, b) -> a + b + "\n"));
          }
        }
      }
    } finally {
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** A CSV of about {@code bytes}: four numeric columns and a category, shifted by {@code shift}. */
  private static long csv(Path file, long bytes, long seed, double shift) throws Exception {
    Random random = new Random(seed);
    String[] plans = {"basic", "pro", "enterprise"};
    long rows = 0;
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write("a,b,c,d,plan\n");
      long written = 0;
      while (written < bytes) {
        String line = String.format(Locale.ROOT, "%.5f,%.5f,%.4f,%d,%s%n", random.nextGaussian() + shift,
            random.nextDouble() * 100, random.nextGaussian() * 3, random.nextInt(50),
            plans[random.nextInt(plans.length)]);
        out.write(line);
        written += line.length();
        rows++;
      }
    }
    return rows;
  }
}
