package dev.ferry.drift;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ferry.data.DatasetException;
import dev.ferry.data.DatasetReader;
import dev.ferry.drift.DriftReport.Skipped;
import dev.ferry.stats.Ecdf;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A baseline computed once and stored as JSON, so a scheduled check reads only the current data.
 * The format ({@code "kind": "DriftProfile", "version": 1}) is documented in {@code
 * docs/drift-check.md}: per number column the decile edges, bin counts, summary statistics and the
 * distribution (every distinct value with its count, {@link EcdfCodec}, or a sketch of {@code k}
 * of them with its error bounds); per category column the count of every category.
 */
public final class DriftProfile {
  public static final String KIND = "DriftProfile";
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build()).build();

  final String source;
  final String format;
  final String digest;
  final long rows;
  final List<BaselineFeature> features;
  final List<Skipped> skipped;

  DriftProfile(String source, String format, String digest, long rows, List<BaselineFeature> features,
      List<Skipped> skipped) {
    this.source = source;
    this.format = format;
    this.digest = digest;
    this.rows = rows;
    this.features = features;
    this.skipped = skipped;
  }

  Set<String> skippedColumns() {
    Set<String> s = new TreeSet<>();
    skipped.forEach(x -> s.add(x.column()));
    return s;
  }

  /** What {@link #write} did. */
  public record Summary(long rows, int numbers, int categories, List<Skipped> skipped) {}

  /**
   * Profiles a baseline file and writes the profile, one column at a time.
   *
   * @param sketch 0 for exact distributions, else keep about this many entries per number column
   */
  public static Summary write(DatasetReader baseline, DriftCheck.Options o, int sketch, OutputStream out)
      throws DatasetException, DriftInputException, IOException {
    List<String> cols = baseline.columns();
    Map<String, String> excluded = DriftCheck.excluded(cols, o);
    List<String> features = new ArrayList<>();
    for (String c : cols) {
      if (!excluded.containsKey(c)) {
        features.add(c);
      }
    }
    if (features.isEmpty()) {
      throw new DriftInputException(baseline.source() + ": no columns to profile (left out: "
          + DriftCheck.list(new ArrayList<>(excluded.keySet())) + ")");
    }
    DatasetScan scan = new DatasetScan(baseline, "baseline");
    List<Skipped> skipped = new ArrayList<>();
    excluded.forEach((c, why) -> skipped.add(new Skipped(c, why)));
    try {
      List<DatasetScan.Plan> plans = scan.planColumns(features, o.config().declaredKinds());
      scan.run(plans, o.budget());
      if (scan.rows == 0) {
        throw new DriftInputException(baseline.source() + ": the baseline has no data rows (only a header)");
      }
      int numbers = 0;
      int categories = 0;
      try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
        g.useDefaultPrettyPrinter();
        g.writeStartObject();
        g.writeStringField("kind", KIND);
        g.writeNumberField("version", VERSION);
        g.writeStringField("source", baseline.source());
        g.writeStringField("format", baseline.format().id());
        g.writeStringField("digest", scan.digest);
        g.writeNumberField("rows", scan.rows);
        g.writeArrayFieldStart("columns");
        for (String f : features) {
          ColumnScan c = scan.columns.get(f);
          if (c.present == 0) {
            skipped.add(new Skipped(f, "no values in the baseline (all " + c.missing + " missing)"));
            if (c.spool != null) {
              c.spool.close();
            }
            continue;
          }
          if (c.kind == ColumnKind.number) {
            BaselineFeature.Prepared p = BaselineFeature.numbers(c);
            c.spool.close();
            writeNumber(g, p.feature(), sketch > 0 ? p.ecdf().sketch(sketch) : p.ecdf());
            numbers++;
          } else {
            writeCategory(g, BaselineFeature.categories(c));
            categories++;
          }
        }
        g.writeEndArray();
        g.writeArrayFieldStart("skipped");
        for (Skipped s : skipped) {
          g.writeStartObject();
          g.writeStringField("column", s.column());
          g.writeStringField("reason", s.reason());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      return new Summary(scan.rows, numbers, categories, skipped);
    } finally {
      scan.close();
    }
  }

  private static void writeCommon(JsonGenerator g, BaselineFeature f) throws IOException {
    g.writeStringField("name", f.name);
    g.writeStringField("type", f.kind.name());
    g.writeStringField("typeOrigin", f.kindOrigin);
    g.writeNumberField("count", f.count);
    g.writeNumberField("missing", f.missing);
  }

  private static void writeNumber(JsonGenerator g, BaselineFeature f, Ecdf e) throws IOException {
    g.writeStartObject();
    writeCommon(g, f);
    g.writeNumberField("min", f.min);
    g.writeNumberField("max", f.max);
    g.writeNumberField("mean", f.mean);
    g.writeNumberField("std", f.std);
    g.writeArrayFieldStart("binEdges");
    for (double d : f.edges) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("binCounts");
    for (long c : f.binCounts) {
      g.writeNumber(c);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("distribution");
    g.writeStringField("encoding", EcdfCodec.ENCODING);
    g.writeBooleanField("exact", !e.isSketch());
    g.writeNumberField("entries", e.size());
    g.writeNumberField("cdfErrorBound", e.cdfErrorBound());
    g.writeNumberField("wassersteinErrorBound", e.wassersteinErrorBound());
    EcdfCodec.Encoded enc = EcdfCodec.encode(e);
    g.writeArrayFieldStart("values");
    for (String s : enc.values()) {
      g.writeString(s);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("counts");
    for (String s : enc.counts()) {
      g.writeString(s);
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void writeCategory(JsonGenerator g, BaselineFeature f) throws IOException {
    g.writeStartObject();
    writeCommon(g, f);
    g.writeObjectFieldStart("categories");
    for (Map.Entry<String, Long> e : f.categories.entrySet()) {
      g.writeNumberField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeNumberField("otherCount", f.otherCount);
    g.writeEndObject();
  }

  /** True when the file looks like a profile (a .json name). */
  public static boolean looksLikeProfile(String location) {
    return location != null && location.toLowerCase(java.util.Locale.ROOT).endsWith(".json");
  }

  /** Reads a profile; the number distributions stay encoded until a check needs one. */
  public static DriftProfile read(Path file) throws DriftInputException {
    String name = file.toString();
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = JSON.readTree(in);
    } catch (NoSuchFileException e) {
      throw new DriftInputException(name + ": profile not found");
    } catch (JsonProcessingException e) {
      throw new DriftInputException(name + (e.getLocation() != null && e.getLocation().getLineNr() > 0
          ? ", line " + e.getLocation().getLineNr() : "") + ": not a valid profile (not JSON: "
          + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
    } catch (IOException e) {
      throw new DriftInputException(name + ": cannot read the profile: " + e.getMessage());
    }
    if (root == null || !root.isObject() || !KIND.equals(root.path("kind").asText())) {
      throw new DriftInputException(name + ": not a drift profile (no \"kind\": \"" + KIND
          + "\"; make one with drift-check profile --baseline B --out " + file.getFileName() + ")");
    }
    if (root.path("version").asInt() != VERSION) {
      throw new DriftInputException(name + ": profile version " + root.path("version").asText()
          + " is not supported (this drift-check reads version " + VERSION + ")");
    }
    List<BaselineFeature> features = new ArrayList<>();
    for (JsonNode c : root.path("columns")) {
      String col = c.path("name").asText(null);
      try {
        features.add(feature(c));
      } catch (RuntimeException e) {
        throw new DriftInputException(name + ", column \"" + col + "\": not a valid profile entry ("
            + e.getMessage() + ")");
      }
    }
    List<Skipped> skipped = new ArrayList<>();
    for (JsonNode s : root.path("skipped")) {
      skipped.add(new Skipped(s.path("column").asText(), s.path("reason").asText()));
    }
    return new DriftProfile(name, root.path("format").asText(null), root.path("digest").asText(null),
        root.path("rows").asLong(), features, skipped);
  }

  private static BaselineFeature feature(JsonNode c) {
    String name = require(c, "name").asText();
    ColumnKind kind = ColumnKind.valueOf(require(c, "type").asText());
    BaselineFeature f = new BaselineFeature(name, kind, c.path("typeOrigin").asText("from the profile"));
    f.count = require(c, "count").asLong();
    f.missing = c.path("missing").asLong();
    if (f.count <= 0) {
      throw new IllegalArgumentException("count must be positive");
    }
    if (kind == ColumnKind.category) {
      f.categories = new LinkedHashMap<>();
      require(c, "categories").fields().forEachRemaining(e -> f.categories.put(e.getKey(), e.getValue().asLong()));
      f.otherCount = c.path("otherCount").asLong();
      return f;
    }
    f.min = require(c, "min").asDouble();
    f.max = require(c, "max").asDouble();
    f.mean = require(c, "mean").asDouble();
    f.std = require(c, "std").asDouble();
    JsonNode edges = require(c, "binEdges");
    JsonNode counts = require(c, "binCounts");
    if (edges.size() != 9 || counts.size() != 10) {
      throw new IllegalArgumentException("expected 9 binEdges and 10 binCounts");
    }
    f.edges = new double[9];
    for (int i = 0; i < 9; i++) {
      f.edges[i] = edges.get(i).asDouble();
    }
    f.binCounts = new long[10];
    for (int i = 0; i < 10; i++) {
      f.binCounts[i] = counts.get(i).asLong();
    }
    JsonNode d = require(c, "distribution");
    if (!EcdfCodec.ENCODING.equals(d.path("encoding").asText())) {
      throw new IllegalArgumentException("unknown distribution encoding " + d.path("encoding"));
    }
    int entries = require(d, "entries").asInt();
    f.cdfErrorBound = d.path("cdfErrorBound").asDouble();
    f.wassersteinErrorBound = d.path("wassersteinErrorBound").asDouble();
    List<String> values = new ArrayList<>();
    require(d, "values").forEach(v -> values.add(v.asText()));
    List<String> cnts = new ArrayList<>();
    require(d, "counts").forEach(v -> cnts.add(v.asText()));
    EcdfCodec.Encoded enc = new EcdfCodec.Encoded(values, cnts);
    double ce = f.cdfErrorBound;
    double we = f.wassersteinErrorBound;
    f.distribution = () -> {
      try {
        Ecdf e = EcdfCodec.decode(enc, entries, ce, we);
        if (e.n() != f.count) {
          throw new IllegalArgumentException("the distribution counts " + e.n() + " values, the column " + f.count);
        }
        return e;
      } catch (IllegalArgumentException e) {
        throw new DriftInputException("profile column \"" + name + "\": the distribution is damaged (" + e.getMessage()
            + ")");
      }
    };
    return f;
  }

  private static JsonNode require(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing field " + field);
    }
    return v;
  }
}
