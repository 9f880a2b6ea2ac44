package dev.ferry.tools;

import dev.ferry.data.DataFormat;
import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.drift.CheckOutcome;
import dev.ferry.drift.ColumnKind;
import dev.ferry.drift.DriftCheck;
import dev.ferry.drift.DriftConfig;
import dev.ferry.drift.DriftInputException;
import dev.ferry.drift.DriftProfile;
import dev.ferry.drift.DriftReport;
import dev.ferry.drift.WindowedCheck;
import dev.ferry.drift.WindowedReport;
import dev.ferry.drift.Windows;
import dev.ferry.kube.PvcUris;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Compares current data with a baseline, feature by feature, and says whether the data drifted.
 *
 * <p>Exit codes: 0 no dataset drift, 1 dataset drift, 2 the input, the configuration or the options
 * are unusable. Inside a Ferry CronJob the options come from the environment; the environment is
 * injected so tests and embedders can pass their own. Documented in {@code docs/drift-check.md}.
 */
@Command(name = "drift-check",
    description = "Compares current data with a baseline (a CSV or JSON Lines file, or a profile made by "
        + "'drift-check profile') feature by feature: PSI, Kolmogorov-Smirnov, Jensen-Shannon and Wasserstein for "
        + "numbers; chi-square, Jensen-Shannon and L-infinity for categories. Prints the verdict first, then every "
        + "feature by severity.",
    subcommands = {DriftCheckCommand.Profile.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:no dataset drift",
        "1:dataset drift: the share of drifting features reached datasetDriftShare",
        "2:the data, the profile or the configuration cannot be used, or the options are wrong",
        "3:a data-quality gate failed (--max-missing, --max-unseen, --max-out-of-range)"},
    footerHeading = "%nEnvironment (used when the option is absent):%n",
    footer = {
        "  FERRY_DRIFT_BASELINE     the baseline: path, URL, pvc://claim/path or a profile .json",
        "  FERRY_DRIFT_CURRENT      the current data: path, URL or pvc://claim/path",
        "  FERRY_DRIFT_CONFIG_JSON  the DriftPolicy spec as JSON (for --config)",
        "  FERRY_RESULT_PATH        where to write the compact result JSON (for --result)",
        "  FERRY_PVC_ROOT           where pvc:// claims are mounted (default /ferry/pvc)",
        "",
        "A pvc://claim/path is read at <FERRY_PVC_ROOT>/claim/path, where Ferry mounts the claim in its pods."})
public class DriftCheckCommand implements Callable<Integer> {
  static final int NO_DRIFT = 0;
  static final int DRIFT = 1;
  static final int UNUSABLE = 2;
  static final int DATA_QUALITY_FAILED = 3;

  static final String ENV_BASELINE = "FERRY_DRIFT_BASELINE";
  static final String ENV_CURRENT = "FERRY_DRIFT_CURRENT";
  static final String ENV_CONFIG_JSON = "FERRY_DRIFT_CONFIG_JSON";
  static final String ENV_RESULT_PATH = "FERRY_RESULT_PATH";
  static final String ENV_PVC_ROOT = "FERRY_PVC_ROOT";

  /** What stdout shows. */
  public enum Output { text, json }

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--baseline", paramLabel = "PATH_OR_URL",
      description = "The baseline: a CSV or JSON Lines path, file: URI, http(s):// URL or pvc://claim/path, "
          + "or a profile (.json) made by 'drift-check profile'.")
  String baseline;

  @Option(names = "--current", paramLabel = "PATH_OR_URL", description = "The current data, read the same ways.")
  String current;

  @Option(names = "--config", paramLabel = "FILE",
      description = "A DriftPolicy (or its spec), YAML or JSON: features[] (test, threshold), datasetDriftShare, "
          + "correction, and column types and roles under baseline.schema.columns.")
  Path config;

  @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
      description = "text for people (default) or the full JSON report.")
  Output output = Output.text;

  @Option(names = "--compact", description = "Print the compact JSON result (at most 4096 bytes) instead.")
  boolean compact;

  @Option(names = "--all-tests", description = "Compute and report every test that applies to each feature "
      + "(the verdict still uses each feature's configured test).")
  boolean allTests;

  @Option(names = "--result", paramLabel = "PATH",
      description = "Also write the compact result JSON here, e.g. /dev/termination-log.")
  Path result;

  @Option(names = "--html", paramLabel = "PATH",
      description = "Also write the report as one self-contained HTML page (summary table, baseline and current"
          + " distributions per feature; nothing fetched from the network).")
  Path html;

  @Option(names = "--window", paramLabel = "ROWS|COLUMN:PERIOD",
      description = "Check the current data window by window: every ROWS rows, or by a timestamp column into periods"
          + " (timestamp:1d; s, m, h, d or w, aligned to the epoch in UTC; rows in time order). Drift in any window is"
          + " drift.")
  String window;

  @Option(names = "--learn-thresholds", description = "With --window: learn each feature's threshold from the"
      + " baseline's own windows (a statistic outside the range they reached drifts) instead of the configured one.")
  boolean learnThresholds;

  @Option(names = "--prediction", paramLabel = "COLUMN", description = "The model's prediction column, tested like a"
      + " feature and reported apart; its drift is dataset drift.")
  String prediction;

  @Option(names = "--target", paramLabel = "COLUMN", description = "The label column, tested as the target (prior"
      + " shift) instead of being left out; its drift is dataset drift.")
  String target;

  @Option(names = "--labels", paramLabel = "PATH_OR_URL", description = "With --target: labelled data that arrives"
      + " later than the features; its target column is compared with the baseline's (default: the current data's).")
  String labels;

  @Option(names = "--labels-format", paramLabel = "csv|jsonl", description = "Default: from the extension.")
  String labelsFormat;

  @Option(names = "--max-missing", paramLabel = "SHARE", description = "Data-quality gate: a column with more missing"
      + " values in the current data fails the check (DataQualityFailed, exit 3).")
  Double maxMissing;

  @Option(names = "--max-unseen", paramLabel = "SHARE", description = "Data-quality gate: the most share of a category"
      + " column's current values the baseline never had.")
  Double maxUnseen;

  @Option(names = "--max-out-of-range", paramLabel = "SHARE", description = "Data-quality gate: the most share of a"
      + " number column's current values outside the baseline's range.")
  Double maxOutOfRange;

  @Option(names = "--multivariate", description = "Also test the number features together: PCA reconstruction error"
      + " against the baseline's, which sees a change in how features move together (a correlation that flipped) when"
      + " each feature alone looks unchanged. Reads each file once more; the baseline must be data, not a profile.")
  boolean multivariate;

  @Option(names = "--report-to", paramLabel = "FOLDER",
      description = "Also write the HTML page as a new file, named by the check's time, in this folder: a path,"
          + " pvc://claim/folder, s3://bucket/prefix or gs://bucket/prefix. The result JSON says where (report).")
  String reportTo;

  @Option(names = "--succeed-on-drift", description = "Exit 0 when the check ran, whatever its verdict, which is "
      + "in the output and the result file (a DriftPolicy's Job: a check that found drift did its job); errors still "
      + "exit 2.")
  boolean succeedOnDrift;

  @Option(names = "--baseline-format", paramLabel = "csv|jsonl", description = "Default: from the extension.")
  String baselineFormat;

  @Option(names = "--current-format", paramLabel = "csv|jsonl", description = "Default: from the extension.")
  String currentFormat;

  @Option(names = "--label", paramLabel = "COLUMN",
      description = "The label column, left out. Default: a column named label or target.")
  String label;

  @Option(names = "--type", paramLabel = "COLUMN=number|category",
      description = "Declare a column's type (repeatable); others are inferred from the baseline.")
  Map<String, String> types = new LinkedHashMap<>();

  @Option(names = "--spool-memory", paramLabel = "MiB",
      description = "Heap for the values kept during a pass (KS and Wasserstein, a baseline's deciles, a current"
          + " file read beside the baseline); beyond it they go to --spool-dir. Default: 32 MiB, or a quarter of the"
          + " maximum heap when that is less.")
  Long spoolMemory;

  @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where spilled values go. Default: java.io.tmpdir.")
  Path spoolDir;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  /** Reads the environment of the process. */
  public DriftCheckCommand() {
    this(System.getenv());
  }

  /** Reads {@code env} instead of the environment of the process. */
  public DriftCheckCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path resultPath = result != null ? result : envPath(ENV_RESULT_PATH);
    boolean json = output == Output.json || compact;
    try {
      DriftConfig cfg = loadConfig();
      String b = location(baseline, ENV_BASELINE, cfg.baselineUri(), "baseline", "--baseline");
      String c = location(current, ENV_CURRENT, cfg.currentUri(), "current data", "--current");
      DriftCheck.Options o = options(cfg);
      if (multivariate && window != null) {
        throw new DriftInputException("--multivariate checks the current data as one whole; it does not yet run per"
            + " --window");
      }
      if (learnThresholds && window == null) {
        throw new DriftInputException("--learn-thresholds learns from the baseline's windows: give --window too");
      }
      CheckOutcome report = window != null ? windowed(b, c, o) : single(b, c, o);
      // The page is written first, so the result can say where it is.
      String page = null;
      if (html != null || reportTo != null) {
        String rendered = report.toHtml();
        if (html != null) {
          try {
            write(html, rendered.getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            return unusable("cannot write the HTML report to " + html + ": " + e.getMessage(), resultPath, json, out,
                err);
          }
        }
        if (reportTo != null) {
          try {
            page = dev.ferry.drift.ReportStore.write(reportTo, rendered, java.time.Instant.now(), env(ENV_PVC_ROOT),
                env);
          } catch (IOException e) {
            return unusable("cannot write the HTML report to " + reportTo + ": " + e.getMessage(), resultPath, json,
                out, err);
          }
        }
      }
      if (compact) {
        out.println(new String(report.toCompact(DriftReport.COMPACT_LIMIT, page), StandardCharsets.UTF_8));
      } else if (output == Output.json) {
        out.println(report.toPrettyJson());
      } else {
        out.print(report.toText());
        if (page != null) {
          out.println("report: " + page);
        }
      }
      out.flush();
      if (resultPath != null) {
        write(resultPath, report.toCompact(DriftReport.COMPACT_LIMIT, page));
      }
      if (succeedOnDrift) {
        return NO_DRIFT;
      }
      return CheckOutcome.DATA_QUALITY_FAILED.equals(report.result()) ? DATA_QUALITY_FAILED : report.datasetDrift() ? DRIFT : NO_DRIFT;
    } catch (DatasetException | DriftInputException e) {
      return unusable(e.getMessage(), resultPath, json, out, err);
    } catch (IOException e) {
      return unusable("cannot write the result to " + resultPath + ": " + e.getMessage(), null, json, out, err);
    } catch (UncheckedIOException e) {
      return unusable(e.getMessage(), resultPath, json, out, err);
    } catch (OutOfMemoryError e) {
      return unusable("out of memory: give the JVM more heap (-Xmx), a smaller --spool-memory with a --spool-dir, "
          + "or check against a sketched profile", resultPath, json, out, err);
    } catch (RuntimeException e) {
      // A bug, not bad input; still one line, not a stack trace, and still a result for the operator.
      return unusable("internal error: " + e, resultPath, json, out, err);
    }
  }

  private CheckOutcome single(String b, String c, DriftCheck.Options o)
      throws DatasetException, DriftInputException {
    DriftReport report;
    if (multivariate && DriftProfile.looksLikeProfile(b)) {
      throw new DriftInputException("--multivariate needs the baseline's rows, and " + b + " is a profile: give the"
          + " baseline data instead");
    }
    String targetColumn = o.config().outputs().target();
    DriftCheck.Options main = labels == null ? o : o.leavingOut(targetColumn, "the target, compared with --labels");
    try (DatasetReader cur = DatasetReader.open(c, format(currentFormat, "--current-format"), env)) {
      report = compareWithBaseline(b, cur, main);
    }
    if (labels != null) {
      try (DatasetReader later = DatasetReader.open(location(labels, "-", null, "labels", "--labels"),
          format(labelsFormat, "--labels-format"), env)) {
        DriftCheck.Options only = o.only(targetColumn, later.columns());
        DriftReport targets = compareWithBaseline(b, later, only);
        for (dev.ferry.drift.FeatureResult t : targets.scores()) {
          report = report.with(t);
        }
      }
    }
    if (targetColumn != null && report.scores().stream().noneMatch(f -> f.role() == dev.ferry.drift.FeatureResult.Role.target)) {
      throw new DriftInputException("the target " + targetColumn + " is not in both the baseline and the "
          + (labels == null ? "current data" : "labels " + labels));
    }
    String predictionColumn = o.config().outputs().prediction();
    if (predictionColumn != null
        && report.scores().stream().noneMatch(f -> f.role() == dev.ferry.drift.FeatureResult.Role.prediction)) {
      throw new DriftInputException("the prediction " + predictionColumn + " is not in both the baseline and the"
          + " current data");
    }
    if (multivariate) {
      java.util.List<String> numbers = report.scores().stream()
          .filter(f -> f.kind() == ColumnKind.number).map(dev.ferry.drift.FeatureResult::feature).toList();
      DataFormat bf = format(baselineFormat, "--baseline-format");
      DataFormat cf = format(currentFormat, "--current-format");
      report = report.withMultivariate(dev.ferry.drift.Multivariate.check(() -> DatasetReader.open(b, bf, env),
          () -> DatasetReader.open(c, cf, env), numbers));
    }
    return report;
  }

  /** Compares {@code current} with the baseline {@code b}: a stored profile, or data read now. */
  private DriftReport compareWithBaseline(String b, DatasetReader current, DriftCheck.Options o)
      throws DatasetException, DriftInputException {
    if (DriftProfile.looksLikeProfile(b)) {
      return DriftCheck.compare(DriftProfile.read(Path.of(b)), current, o);
    }
    try (DatasetReader base = DatasetReader.open(b, format(baselineFormat, "--baseline-format"), env)) {
      return DriftCheck.compare(base, current, o);
    }
  }

  private CheckOutcome windowed(String b, String c, DriftCheck.Options o) throws DatasetException, DriftInputException {
    Windows.Spec spec = Windows.parse(window, "--window");
    WindowedReport report;
    try (DatasetReader cur = DatasetReader.open(c, format(currentFormat, "--current-format"), env)) {
      DataFormat bf = format(baselineFormat, "--baseline-format");
      if (DriftProfile.looksLikeProfile(b)) {
        if (learnThresholds) {
          throw new DriftInputException("--learn-thresholds needs the baseline's rows to split into windows, and "
              + b + " is a profile: give the baseline data instead");
        }
        report = WindowedCheck.run(DriftProfile.read(Path.of(b)), null, cur, spec, o);
      } else {
        DriftProfile profile;
        try (DatasetReader base = DatasetReader.open(b, bf, env)) {
          profile = WindowedCheck.profile(base, spec, o, spoolDir);
        } catch (IOException e) {
          throw new DriftInputException("cannot keep the baseline's profile in a temporary file ("
              + (spoolDir == null ? "java.io.tmpdir" : spoolDir) + "): " + e.getMessage(), e);
        }
        if (learnThresholds) {
          try (DatasetReader again = DatasetReader.open(b, bf, env)) {
            report = WindowedCheck.run(profile, again, cur, spec, o);
          }
        } else {
          report = WindowedCheck.run(profile, null, cur, spec, o);
        }
      }
    }
    return report;
  }

  DriftCheck.Options options(DriftConfig cfg) throws DriftInputException {
    Map<String, ColumnKind> kinds = new LinkedHashMap<>();
    for (Map.Entry<String, String> t : types.entrySet()) {
      try {
        kinds.put(t.getKey(), ColumnKind.valueOf(t.getValue().trim().toLowerCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new DriftInputException("--type " + t.getKey() + "=" + t.getValue() + ": the type is number or category");
      }
    }
    if (labels != null && target == null && cfg.outputs().target() == null) {
      throw new DriftInputException("--labels " + labels + ": name the label column to compare with --target COLUMN");
    }
    DriftConfig.Outputs outputs = cfg.outputs().withGates(DriftConfig.share("--max-missing", maxMissing),
        DriftConfig.share("--max-unseen", maxUnseen), DriftConfig.share("--max-out-of-range", maxOutOfRange));
    if (prediction != null) {
      outputs = outputs.withPrediction(prediction);
    }
    if (target != null) {
      outputs = outputs.withTarget(target);
    }
    DriftConfig c = cfg.withKinds(kinds).withOutputs(outputs);
    long spool = spoolMemory != null ? Math.max(0, spoolMemory) << 20 : defaultSpoolBytes();
    return new DriftCheck.Options(c, allTests, spool, spoolDir, label);
  }

  /**
   * A bounded default, not a share of whatever heap the JVM was given: a check's memory is then the
   * same on a laptop and in a pod (under 200 MiB peak at 1M rows), and values beyond it stream
   * through a temporary file in the page cache at little cost.
   */
  static long defaultSpoolBytes() {
    return Math.min(SPOOL_DEFAULT_BYTES, Runtime.getRuntime().maxMemory() / 4);
  }

  static final long SPOOL_DEFAULT_BYTES = 32L << 20;

  DriftConfig loadConfig() throws DriftInputException {
    if (config != null) {
      return DriftConfig.fromFile(config);
    }
    String json = env(ENV_CONFIG_JSON);
    return json != null ? DriftConfig.fromJson(json, ENV_CONFIG_JSON) : DriftConfig.defaults();
  }

  String location(String option, String envName, String fromConfig, String what, String flag)
      throws DriftInputException {
    String v = option != null && !option.isBlank() ? option : env(envName);
    if (v == null) {
      v = fromConfig;
    }
    if (v == null || v.isBlank()) {
      throw new DriftInputException("no " + what + ": give " + flag + " PATH_OR_URL or set " + envName);
    }
    if (v.startsWith(PvcUris.SCHEME)) {
      if (PvcUris.parse(v).isEmpty()) {
        throw new DriftInputException(v + ": not a pvc://claim/path URI");
      }
      String path = PvcUris.containerPath(v);
      String root = env(ENV_PVC_ROOT);
      if (root != null) {
        path = root.replaceAll("/+$", "") + path.substring(PvcUris.MOUNT_ROOT.length());
      }
      return path;
    }
    return v;
  }

  static DataFormat format(String name, String flag) throws DriftInputException {
    if (name == null || name.isBlank()) {
      return null;
    }
    try {
      return DataFormat.parse(name);
    } catch (IllegalArgumentException e) {
      throw new DriftInputException(flag + ": " + e.getMessage());
    }
  }

  private int unusable(String message, Path resultPath, boolean json, PrintWriter out, PrintWriter err) {
    err.println("drift-check: " + message);
    err.flush();
    if (json) {
      out.println(new String(DriftReport.errorResult(message, compact ? DriftReport.COMPACT_LIMIT : Integer.MAX_VALUE),
          StandardCharsets.UTF_8));
      out.flush();
    }
    if (resultPath != null) {
      try {
        write(resultPath, DriftReport.errorResult(message, DriftReport.COMPACT_LIMIT));
      } catch (IOException e) {
        err.println("drift-check: cannot write the result to " + resultPath + ": " + e.getMessage());
        err.flush();
      }
    }
    return UNUSABLE;
  }

  static void write(Path path, byte[] bytes) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    Files.write(path, bytes);
  }

  private Path envPath(String name) {
    String v = env(name);
    return v == null ? null : Path.of(v);
  }

  String env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  /** {@code drift-check profile}: computes a baseline profile once. */
  @Command(name = "profile",
      description = "Profiles a baseline once (bin edges and counts, category counts, and the distribution KS and "
          + "Wasserstein need, exact or sketched) so scheduled checks read only the current data.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:the profile was written", "2:the baseline or the options cannot be used"})
  public static class Profile implements Callable<Integer> {
    @ParentCommand
    DriftCheckCommand parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--baseline", paramLabel = "PATH_OR_URL", description = "The baseline data (as for drift-check).")
    String baseline;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where to write the profile (.json).")
    Path out;

    @Option(names = "--format", paramLabel = "csv|jsonl", description = "Default: from the extension.")
    String format;

    @Option(names = "--config", paramLabel = "FILE", description = "A DriftPolicy (or its spec), for column types and roles.")
    Path config;

    @Option(names = "--label", paramLabel = "COLUMN", description = "The label column, left out. Default: label or target.")
    String label;

    @Option(names = "--type", paramLabel = "COLUMN=number|category", description = "Declare a column's type (repeatable).")
    Map<String, String> types = new LinkedHashMap<>();

    @Option(names = "--sketch", paramLabel = "K", defaultValue = "0",
        description = "Keep about K values per number column instead of every distinct value: KS is then within "
            + "1/K and Wasserstein within (max - min)/K of the exact values. Default 0: exact.")
    int sketch;

    @Option(names = "--spool-memory", paramLabel = "MiB", description = "As for drift-check.")
    Long spoolMemory;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "As for drift-check.")
    Path spoolDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter stdout = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      DriftCheckCommand p = parent != null ? parent : new DriftCheckCommand(Map.of());
      Path tmp = null;
      try {
        if (sketch < 0) {
          throw new DriftInputException("--sketch must be 0 (exact) or more");
        }
        p.config = config != null ? config : p.config;
        p.label = label != null ? label : p.label;
        p.types.putAll(types);
        p.spoolMemory = spoolMemory != null ? spoolMemory : p.spoolMemory;
        p.spoolDir = spoolDir != null ? spoolDir : p.spoolDir;
        DriftConfig cfg = p.loadConfig();
        String b = p.location(baseline != null ? baseline : p.baseline, ENV_BASELINE, cfg.baselineUri(),
            "baseline", "--baseline");
        if (DriftProfile.looksLikeProfile(b)) {
          throw new DriftInputException(b + ": already a profile; give the baseline data (.csv, .jsonl)");
        }
        DriftCheck.Options o = p.options(cfg);
        Path target = out.toAbsolutePath();
        if (target.getParent() != null) {
          Files.createDirectories(target.getParent());
        }
        tmp = Files.createTempFile(target.getParent(), ".profile-", ".tmp");
        DriftProfile.Summary s;
        try (DatasetReader reader = DatasetReader.open(b, format(format, "--format"), System.getenv());
            OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
          s = DriftProfile.write(reader, o, sketch, os);
        }
        try {
          // Readable by the other pods that mount the same volume (a temporary file starts private).
          Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system: keep its defaults
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
        stdout.println("profile of " + b + " written to " + out + ": " + s.rows() + " rows, " + s.numbers()
            + " number and " + s.categories() + " category columns"
            + (s.skipped().isEmpty() ? "" : ", left out: " + String.join(", ",
                s.skipped().stream().map(x -> x.column() + " (" + x.reason() + ")").toList()))
            + (sketch > 0 ? ", sketched to about " + sketch + " values per number column" : ", exact"));
        stdout.flush();
        return 0;
      } catch (DatasetException | DriftInputException e) {
        return fail(err, e.getMessage());
      } catch (IOException | UncheckedIOException e) {
        return fail(err, "cannot write the profile to " + out + ": " + e.getMessage());
      } catch (OutOfMemoryError e) {
        return fail(err, "out of memory: give the JVM more heap (-Xmx) or a smaller --spool-memory with a --spool-dir");
      } catch (RuntimeException e) {
        return fail(err, "internal error: " + e);
      } finally {
        if (tmp != null) {
          try {
            Files.deleteIfExists(tmp);
          } catch (IOException ignored) {
            // best effort
          }
        }
      }
    }

    private static int fail(PrintWriter err, String message) {
      err.println("drift-check profile: " + message);
      err.flush();
      return UNUSABLE;
    }
  }

  /**
   * Runs drift-check on its own ({@code java -cp ferry-operator.jar dev.ferry.tools.DriftCheckCommand}),
   * for benchmarks and until the main command registers it.
   */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new DriftCheckCommand()).execute(args));
  }
}
