package dev.ferry.tools;

import dev.ferry.api.v1alpha1.DatasetSchema;
import dev.ferry.data.DataFormat;
import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * CI for data: checks a dataset against its schema in one streaming pass.
 *
 * <p>Exit codes: 0 the data matches the schema, 1 it breaks it, 2 the data or the schema cannot be
 * read (or the command is misused). Inside a Ferry step the options come from the environment
 * ({@code FERRY_DATASET_*}, {@code FERRY_RESULT_PATH}); the environment is injected so tests and
 * embedders can pass their own.
 */
@Command(name = "validate-data",
    description = "Checks a CSV or JSON Lines dataset against a schema: required columns, types, min/max, "
        + "allowed values, missing values and row count. Prints the verdict, every violation and a summary of "
        + "every column.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the data matches the schema",
        "1:the data breaks the schema",
        "2:the data or the schema cannot be read, or the options are wrong"},
    footerHeading = "%nEnvironment (used when the option is absent):%n",
    footer = {
        "  FERRY_DATASET_SCHEMA_JSON  the schema as JSON (for --schema)",
        "  FERRY_DATASET_PATH         the dataset path (for --data)",
        "  FERRY_DATASET_URI          the dataset URI, when FERRY_DATASET_PATH is unset",
        "                             (a pvc:// URI needs FERRY_DATASET_PATH)",
        "  FERRY_DATASET_FORMAT       csv or jsonl (for --format)",
        "  FERRY_RESULT_PATH          where to write the result JSON (for --result)"})
public class ValidateDataCommand implements Callable<Integer> {
  static final int VALID = 0;
  static final int INVALID = 1;
  static final int UNREADABLE = 2;

  static final String ENV_SCHEMA_JSON = "FERRY_DATASET_SCHEMA_JSON";
  static final String ENV_DATASET_PATH = "FERRY_DATASET_PATH";
  static final String ENV_DATASET_URI = "FERRY_DATASET_URI";
  static final String ENV_DATASET_FORMAT = "FERRY_DATASET_FORMAT";
  static final String ENV_RESULT_PATH = "FERRY_RESULT_PATH";

  /** What stdout shows. */
  public enum Output { text, json }

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--schema", paramLabel = "FILE",
      description = "The schema, YAML or JSON: {minRows, columns: [{name, type, required, min, max, values, maxMissing, role}]}.")
  Path schemaFile;

  @Option(names = "--data", paramLabel = "PATH_OR_URL",
      description = "The dataset: a path, a file: URI or an http(s):// URL.")
  String data;

  @Option(names = "--format", paramLabel = "csv|jsonl",
      description = "The dataset format. Default: from the extension (.csv, .jsonl, .ndjson).")
  String format;

  @Option(names = "--result", paramLabel = "PATH",
      description = "Write the compact result JSON (at most 4096 bytes) here, e.g. /dev/termination-log.")
  Path result;

  @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
      description = "What stdout shows: text for people (default) or the full JSON report.")
  Output output = Output.text;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  /** Reads the environment of the process. */
  public ValidateDataCommand() {
    this(System.getenv());
  }

  /** Reads {@code env} instead of the environment of the process. */
  public ValidateDataCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The input is unusable: exit 2 with this message. */
  private static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path resultPath = result;
    try {
      if (resultPath == null && env(ENV_RESULT_PATH) != null) {
        resultPath = Path.of(env(ENV_RESULT_PATH));
      }
      DatasetSchema schema = schema();
      String location = location();
      DataFormat dataFormat = dataFormat();
      DataValidationReport report;
      try (DatasetReader reader = DatasetReader.open(location, dataFormat, env)) {
        DataValidator validator = new DataValidator(schema, reader.columns());
        reader.forEach(validator::accept);
        report = validator.finish(reader.source(), reader.format().id(), reader.digest());
      }
      if (output == Output.json) {
        out.println(DataValidationReport.pretty(report.toJson()));
      } else {
        out.print(report.toText());
      }
      out.flush();
      if (resultPath != null) {
        write(resultPath, report.toResult(DataValidationReport.RESULT_LIMIT));
      }
      return report.valid() ? VALID : INVALID;
    } catch (DatasetException | Unreadable e) {
      return unreadable(e.getMessage(), resultPath, out, err);
    } catch (DatasetSchemaLoader.SchemaException e) {
      return unreadable(e.getMessage(), resultPath, out, err);
    } catch (IOException e) {
      return unreadable("cannot write the result to " + resultPath + ": " + e.getMessage(), null, out, err);
    } catch (RuntimeException e) {
      // A bug, not bad input; still one line, not a stack trace, and still a result for the operator.
      return unreadable("internal error: " + e, resultPath, out, err);
    }
  }

  private int unreadable(String message, Path resultPath, PrintWriter out, PrintWriter err) {
    err.println("validate-data: " + message);
    err.flush();
    if (output == Output.json) {
      out.println(new String(DataValidationReport.errorResult(message, Integer.MAX_VALUE),
          StandardCharsets.UTF_8));
      out.flush();
    }
    if (resultPath != null) {
      try {
        write(resultPath, DataValidationReport.errorResult(message, DataValidationReport.RESULT_LIMIT));
      } catch (IOException e) {
        err.println("validate-data: cannot write the result to " + resultPath + ": " + e.getMessage());
        err.flush();
      }
    }
    return UNREADABLE;
  }

  private static void write(Path path, byte[] bytes) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    Files.write(path, bytes);
  }

  private DatasetSchema schema() throws Unreadable, DatasetSchemaLoader.SchemaException {
    if (schemaFile != null) {
      return DatasetSchemaLoader.fromFile(schemaFile);
    }
    String json = env(ENV_SCHEMA_JSON);
    if (json != null) {
      return DatasetSchemaLoader.fromJson(json, ENV_SCHEMA_JSON);
    }
    throw new Unreadable("no schema: give --schema FILE or set " + ENV_SCHEMA_JSON);
  }

  private String location() throws Unreadable {
    if (data != null && !data.isBlank()) {
      return data;
    }
    String path = env(ENV_DATASET_PATH);
    if (path != null) {
      return path;
    }
    String uri = env(ENV_DATASET_URI);
    if (uri != null) {
      if (uri.toLowerCase(Locale.ROOT).startsWith("pvc://")) {
        throw new Unreadable(ENV_DATASET_URI + " is " + uri + ", which only the operator can mount; set "
            + ENV_DATASET_PATH + " to the mounted path or give --data");
      }
      return uri;
    }
    throw new Unreadable("no dataset: give --data PATH_OR_URL or set " + ENV_DATASET_PATH);
  }

  private DataFormat dataFormat() throws Unreadable {
    String name = format != null && !format.isBlank() ? format : env(ENV_DATASET_FORMAT);
    if (name == null) {
      return null; // from the extension
    }
    try {
      return DataFormat.parse(name);
    } catch (IllegalArgumentException e) {
      throw new Unreadable(e.getMessage() + (format != null ? "" : " in " + ENV_DATASET_FORMAT));
    }
  }

  private String env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

}
