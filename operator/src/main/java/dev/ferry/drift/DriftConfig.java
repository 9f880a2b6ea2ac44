package dev.ferry.drift;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.api.v1alpha1.ColumnSchema;
import dev.ferry.api.v1alpha1.DatasetSpec;
import dev.ferry.api.v1alpha1.DriftPolicySpec;
import dev.ferry.api.v1alpha1.DriftPolicySpec.Correction;
import dev.ferry.api.v1alpha1.DriftPolicySpec.DriftTest;
import dev.ferry.api.v1alpha1.DriftPolicySpec.FeatureTest;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What drift-check is told beyond the data: per-feature tests and thresholds, the share of
 * drifting features that makes dataset drift, the multiple-testing correction, declared column
 * types and the columns to leave out (label, ids).
 *
 * <p>The configuration file is a DriftPolicy (the whole object, or only its {@code spec}), YAML or
 * JSON. drift-check reads {@code features}, {@code datasetDriftShare}, {@code correction}, and
 * {@code baseline.schema.columns} / {@code current.schema.columns} for types ({@code number} and
 * {@code integer} are numbers; {@code category}, {@code boolean} and {@code string} are
 * categories) and roles ({@code label} and {@code id} columns are left out); the other fields are
 * the operator's and are ignored here.
 */
public final class DriftConfig {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final ObjectMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /** A feature's test and threshold as configured; either may be null (then the default). */
  public record FeatureSetting(DriftTest test, Double threshold) {}

  /**
   * The model's columns and the data-quality gates: {@code prediction} is tested as the model's
   * output, {@code target} (the label) as its target, each null when not asked for; a gate is null
   * when not set.
   */
  public record Outputs(String prediction, String target, Double maxMissingShare, Double maxUnseenShare,
      Double maxOutOfRangeShare) {
    static final Outputs NONE = new Outputs(null, null, null, null, null);

    public Outputs withPrediction(String column) {
      return new Outputs(column, target, maxMissingShare, maxUnseenShare, maxOutOfRangeShare);
    }

    public Outputs withTarget(String column) {
      return new Outputs(prediction, column, maxMissingShare, maxUnseenShare, maxOutOfRangeShare);
    }

    public Outputs withGates(Double missing, Double unseen, Double outOfRange) {
      return new Outputs(prediction, target, missing != null ? missing : maxMissingShare,
          unseen != null ? unseen : maxUnseenShare, outOfRange != null ? outOfRange : maxOutOfRangeShare);
    }
  }

  private final Map<String, FeatureSetting> features;
  private final double datasetDriftShare;
  private final Correction correction;
  private final Map<String, ColumnKind> declaredKinds;
  private final Set<String> excluded;
  private final String baselineUri;
  private final String currentUri;
  private final Outputs outputs;

  private DriftConfig(Map<String, FeatureSetting> features, double datasetDriftShare, Correction correction,
      Map<String, ColumnKind> declaredKinds, Set<String> excluded, String baselineUri, String currentUri,
      Outputs outputs) {
    this.outputs = outputs;
    this.features = Collections.unmodifiableMap(features);
    this.datasetDriftShare = datasetDriftShare;
    this.correction = correction;
    this.declaredKinds = Collections.unmodifiableMap(declaredKinds);
    this.excluded = Collections.unmodifiableSet(excluded);
    this.baselineUri = baselineUri;
    this.currentUri = currentUri;
  }

  /** No configuration: every common column but the label, default tests, share 0.5, Bonferroni. */
  public static DriftConfig defaults() {
    return new DriftConfig(new LinkedHashMap<>(), 0.5, Correction.bonferroni, new LinkedHashMap<>(),
        new LinkedHashSet<>(), null, null, Outputs.NONE);
  }

  /** Reads a DriftPolicy or its spec from a YAML or JSON file. */
  public static DriftConfig fromFile(Path file) throws DriftInputException {
    try {
      dev.ferry.data.ConfigFile config = dev.ferry.data.ConfigFile.read(file, "configuration file");
      return parse(config.text(), file.toString(), config.json() ? JSON : YAML);
    } catch (dev.ferry.data.ConfigFile.Unreadable e) {
      throw new DriftInputException(e.getMessage());
    }
  }


  /** Reads a DriftPolicy or its spec given as JSON text; {@code origin} names it in messages. */
  public static DriftConfig fromJson(String json, String origin) throws DriftInputException {
    return parse(json, origin, JSON);
  }

  private static DriftConfig parse(String text, String origin, ObjectMapper mapper) throws DriftInputException {
    if (text.isBlank()) {
      throw new DriftInputException(origin + ": the configuration is empty");
    }
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new DriftInputException(origin + where(e.getLocation()) + ": not valid "
          + (mapper == JSON ? "JSON" : "YAML") + ": " + firstLine(e.getOriginalMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new DriftInputException(origin + ": expected a DriftPolicy or its spec (an object)");
    }
    JsonNode specNode = root;
    String prefix = "";
    if (root.has("spec") || root.has("kind") || root.has("apiVersion")) {
      String kind = root.path("kind").asText("DriftPolicy");
      if (!"DriftPolicy".equals(kind)) {
        throw new DriftInputException(origin + ": kind is " + kind + ", expected DriftPolicy");
      }
      specNode = root.path("spec");
      prefix = "spec.";
      if (!specNode.isObject()) {
        throw new DriftInputException(origin + ": the DriftPolicy has no spec");
      }
    }
    DriftPolicySpec spec;
    try {
      spec = mapper.treeToValue(specNode, DriftPolicySpec.class);
    } catch (UnrecognizedPropertyException e) {
      throw new DriftInputException(origin + ": unknown field " + prefix + path(e) + " (known: "
          + String.join(", ", e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList()) + ")");
    } catch (InvalidFormatException e) {
      throw new DriftInputException(origin + ": " + prefix + path(e) + ": \"" + e.getValue() + "\" is not one of "
          + (e.getTargetType() != null && e.getTargetType().isEnum()
              ? java.util.Arrays.toString(e.getTargetType().getEnumConstants()) : e.getTargetType()));
    } catch (JsonProcessingException e) {
      throw new DriftInputException(origin + ": " + prefix + firstLine(e.getOriginalMessage()));
    }
    return fromSpec(spec, origin);
  }

  /** Takes the drift-check part of a DriftPolicySpec and checks it. */
  public static DriftConfig fromSpec(DriftPolicySpec spec, String origin) throws DriftInputException {
    Map<String, FeatureSetting> features = new LinkedHashMap<>();
    if (spec.features != null) {
      for (int i = 0; i < spec.features.size(); i++) {
        FeatureTest f = spec.features.get(i);
        String at = origin + ": features[" + i + "]";
        if (f == null || f.name == null || f.name.isBlank()) {
          throw new DriftInputException(at + ": name is required");
        }
        if (f.threshold != null && (f.threshold.isNaN() || f.threshold < 0)) {
          throw new DriftInputException(at + " (" + f.name + "): threshold must be 0 or more, found " + f.threshold);
        }
        if (f.threshold != null && f.test != null && DefaultTests.isPValue(f.test) && f.threshold > 1) {
          throw new DriftInputException(at + " (" + f.name + "): threshold of the p-value test " + f.test
              + " must be between 0 and 1, found " + f.threshold);
        }
        if (features.put(f.name, new FeatureSetting(f.test, f.threshold)) != null) {
          throw new DriftInputException(at + ": feature \"" + f.name + "\" is listed twice");
        }
      }
    }
    double share = spec.datasetDriftShare == null ? 0.5 : spec.datasetDriftShare;
    if (Double.isNaN(share) || share < 0 || share > 1) {
      throw new DriftInputException(origin + ": datasetDriftShare must be between 0 and 1, found " + share);
    }
    Map<String, ColumnKind> kinds = new LinkedHashMap<>();
    Set<String> excluded = new LinkedHashSet<>();
    for (DatasetSpec d : new DatasetSpec[] {spec.baseline, spec.current}) {
      if (d == null || d.schema == null || d.schema.columns == null) {
        continue;
      }
      for (ColumnSchema c : d.schema.columns) {
        if (c == null || c.name == null) {
          continue;
        }
        boolean target = spec.outputs != null && c.name.equals(spec.outputs.label);
        if (c.role == ColumnSchema.ColumnRole.label && !target || c.role == ColumnSchema.ColumnRole.id) {
          excluded.add(c.name);
        }
        if (c.type != null) {
          kinds.put(c.name, c.type == ColumnSchema.ColumnType.number || c.type == ColumnSchema.ColumnType.integer
              ? ColumnKind.number : ColumnKind.category);
        }
      }
    }
    Outputs outputs = Outputs.NONE;
    if (spec.outputs != null) {
      outputs = outputs.withPrediction(blankToNull(spec.outputs.prediction)).withTarget(blankToNull(spec.outputs.label));
    }
    if (spec.dataQuality != null) {
      DriftPolicySpec.DataQuality q = spec.dataQuality;
      outputs = outputs.withGates(share(origin + ": dataQuality.maxMissingShare", q.maxMissingShare),
          share(origin + ": dataQuality.maxUnseenShare", q.maxUnseenShare),
          share(origin + ": dataQuality.maxOutOfRangeShare", q.maxOutOfRangeShare));
    }
    return new DriftConfig(features, share, spec.correction == null ? Correction.bonferroni : spec.correction,
        kinds, excluded, spec.baseline == null ? null : spec.baseline.uri,
        spec.current == null ? null : spec.current.uri, outputs);
  }

  /** A data-quality gate as given, checked to be a share from 0 to 1; {@code what} names it in the error. */
  public static Double share(String what, Double v) throws DriftInputException {
    if (v != null && (v.isNaN() || v < 0 || v > 1)) {
      throw new DriftInputException(what + " " + v + ": a share between 0 and 1");
    }
    return v;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** The prediction and target columns and the data-quality gates. */
  public Outputs outputs() {
    return outputs;
  }

  /** A copy with these outputs and gates (command-line --prediction, --target, --max-*). */
  public DriftConfig withOutputs(Outputs other) {
    return new DriftConfig(new LinkedHashMap<>(features), datasetDriftShare, correction,
        new LinkedHashMap<>(declaredKinds), new LinkedHashSet<>(excluded), baselineUri, currentUri, other);
  }

  /** A copy with more declared types (command-line {@code --type}), which win over the file's. */
  public DriftConfig withKinds(Map<String, ColumnKind> more) {
    Map<String, ColumnKind> k = new LinkedHashMap<>(declaredKinds);
    k.putAll(more);
    return new DriftConfig(new LinkedHashMap<>(features), datasetDriftShare, correction, k,
        new LinkedHashSet<>(excluded), baselineUri, currentUri, outputs);
  }

  /** A copy that also leaves these columns out (command-line {@code --label}, {@code --exclude}). */
  public DriftConfig withExcluded(Set<String> more) {
    Set<String> e = new LinkedHashSet<>(excluded);
    e.addAll(more);
    return new DriftConfig(new LinkedHashMap<>(features), datasetDriftShare, correction,
        new LinkedHashMap<>(declaredKinds), e, baselineUri, currentUri, outputs);
  }

  /** A copy whose thresholds are these (learned ones), each feature keeping its configured test. */
  public DriftConfig withThresholds(Map<String, Double> thresholds) {
    Map<String, FeatureSetting> f = new LinkedHashMap<>(features);
    thresholds.forEach((name, t) -> f.put(name, new FeatureSetting(f.containsKey(name) ? f.get(name).test() : null, t)));
    return new DriftConfig(f, datasetDriftShare, correction, new LinkedHashMap<>(declaredKinds),
        new LinkedHashSet<>(excluded), baselineUri, currentUri, outputs);
  }

  /** Configured tests and thresholds by feature name, in file order. */
  public Map<String, FeatureSetting> features() {
    return features;
  }

  public double datasetDriftShare() {
    return datasetDriftShare;
  }

  public Correction correction() {
    return correction;
  }

  /** Declared column types. */
  public Map<String, ColumnKind> declaredKinds() {
    return declaredKinds;
  }

  /** Columns declared as label or id, left out of the check. */
  public Set<String> excluded() {
    return excluded;
  }

  /** {@code spec.baseline.uri}, or null. */
  public String baselineUri() {
    return baselineUri;
  }

  /** {@code spec.current.uri}, or null. */
  public String currentUri() {
    return currentUri;
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String where(JsonLocation loc) {
    return loc == null || loc.getLineNr() <= 0 ? "" : ", line " + loc.getLineNr();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
