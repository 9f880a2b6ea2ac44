package dev.ferry.serving;

import dev.ferry.api.v1alpha1.MetricCheck;
import dev.ferry.api.v1alpha1.ModelDeployment;
import dev.ferry.api.v1alpha1.PrometheusQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The placeholders of a canary analysis query, so one query can compare the candidate with the
 * version it replaces (Argo Rollouts' baseline versus canary):
 * {@code {{canary}}} and {@code {{stable}}} are version numbers, as in the pods' ferry.dev/version
 * label; {@code {{namespace}}}, {@code {{modelDeployment}}} and {@code {{model}}} name where it runs.
 */
public final class AnalysisQueries {
  public static final List<String> PLACEHOLDERS = List.of("canary", "stable", "namespace", "modelDeployment", "model");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z]*)\\s*}}");

  private AnalysisQueries() {
  }

  /** The values of the placeholders while {@code canary} is compared with {@code stable}. */
  public static Map<String, String> arguments(ModelDeployment md, Long canary, Long stable) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("canary", canary == null ? "" : String.valueOf(canary));
    args.put("stable", stable == null ? "" : String.valueOf(stable));
    args.put("namespace", md.getMetadata().getNamespace());
    args.put("modelDeployment", md.getMetadata().getName());
    args.put("model", md.getSpec().model);
    return args;
  }

  /** A copy of the check whose query has its placeholders replaced; the original is left alone. */
  public static MetricCheck bind(MetricCheck check, Map<String, String> args) {
    MetricCheck bound = new MetricCheck();
    bound.name = check.name;
    bound.min = check.min;
    bound.max = check.max;
    bound.prometheus = new PrometheusQuery();
    bound.prometheus.address = check.prometheus.address;
    bound.prometheus.timeoutSeconds = check.prometheus.timeoutSeconds;
    Matcher m = PLACEHOLDER.matcher(check.prometheus.query);
    StringBuilder query = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(query, Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
    }
    m.appendTail(query);
    bound.prometheus.query = query.toString();
    return bound;
  }

  /** Placeholders in a query that Ferry does not know (a typo would otherwise reach Prometheus as text). */
  public static List<String> unknown(String query) {
    List<String> unknown = new ArrayList<>();
    if (query == null) {
      return unknown;
    }
    Matcher m = PLACEHOLDER.matcher(query);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        unknown.add(m.group());
      }
    }
    return unknown;
  }
}
