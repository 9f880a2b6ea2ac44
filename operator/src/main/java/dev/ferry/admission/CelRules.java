package dev.ferry.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Evaluates the {@code x-kubernetes-validations} rules of a CRD on an object, as the API server does,
 * with Google's cel-java (the API server runs cel-go, its sibling): the operator holds specs that
 * reached it anyway (older CRDs, the local mode) to the same rules, and tests check the rules.
 *
 * <ul>
 *   <li>Each rule is compiled with {@code self} (and {@code oldSelf}) typed from the schema where it
 *       sits, like the API server: a misspelled field or a type mismatch is a compile error.
 *   <li>Values are converted by their schema: {@code integer} to Long, {@code number} to Double
 *       (also when written as 1), objects to maps, arrays to lists; null fields count as absent.
 *   <li>A rule runs on every value at its path (every item of an array). Rules that use
 *       {@code oldSelf} run only on updates where the old value exists at the same path; object
 *       fields and map keys correlate, array items do not (lists here are atomic).
 *   <li>A rule that errors (e.g. reads an absent field without {@code has()}) rejects the object,
 *       with the error in place of the rule's message, as the API server reports it.
 * </ul>
 * Not modelled: Kubernetes' CEL libraries (quantity(), url(), ...), cost limits, messageExpression,
 * ratcheting of unchanged values.
 */
public final class CelRules {
  /** A rule, and the path where it applies, e.g. {@code spec.steps[*]}. */
  public record Rule(String path, String rule, String message) {
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");
  // The API server compares int and double (CrossTypeNumericComparisons); so do we.
  private static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final Map<String, CelRules> BY_CRD = new ConcurrentHashMap<>();

  private final JsonNode schema;
  private final List<Rule> rules = new ArrayList<>();
  private final Map<Rule, String> compileErrors = new LinkedHashMap<>();
  /** The compiled rules of each schema node that has any. */
  private final Map<JsonNode, List<Compiled>> compiled = new IdentityHashMap<>();
  private final Map<String, CelType> structs = new HashMap<>();

  private record Compiled(Rule rule, CelRuntime.Program program, boolean transition) {
  }

  /** The violations of {@code newObject} (a map, JsonNode or POJO); pass the stored object as {@code oldObject} for an update. */
  public static List<String> violations(String crdYaml, Object newObject, Object oldObjectOrNull) {
    return BY_CRD.computeIfAbsent(crdYaml, CelRules::new).violations(newObject, oldObjectOrNull);
  }

  public static CelRules of(String crdYaml) {
    return BY_CRD.computeIfAbsent(crdYaml, CelRules::new);
  }

  private CelRules(String crdYaml) {
    this(parse(crdYaml));
  }

  private static JsonNode parse(String crdYaml) {
    try {
      return YAML.readTree(crdYaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rules of a parsed CRD (compiling them takes a moment: keep the instance). */
  public CelRules(JsonNode crd) {
    // As the API server does for CEL: a root rule sees metadata.name and metadata.generateName.
    com.fasterxml.jackson.databind.node.ObjectNode withMetadata = CrdSchemas.openApiSchema(crd).deepCopy();
    com.fasterxml.jackson.databind.node.ObjectNode metadata = withMetadata.with("properties").with("metadata");
    metadata.put("type", "object");
    metadata.with("properties").with("name").put("type", "string");
    metadata.with("properties").with("generateName").put("type", "string");
    this.schema = withMetadata;
    CelType root = typeOf(schema, crd.at("/spec/names/plural").asText());
    CelTypeProvider types = new CelTypeProvider() {
      @Override
      public ImmutableCollection<CelType> types() {
        return ImmutableList.copyOf(structs.values());
      }

      @Override
      public Optional<CelType> findType(String name) {
        return Optional.ofNullable(structs.get(name));
      }
    };
    Cel base = CelFactory.standardCelBuilder()
        .setOptions(OPTIONS)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .setTypeProvider(types)
        .build();
    compileRules(base, schema, root, "");
  }

  /** Every rule of the CRD with its path. */
  public List<Rule> rules() {
    return List.copyOf(rules);
  }

  /** Rules that do not compile, with the compiler's message. */
  public Map<Rule, String> compileErrors() {
    return Map.copyOf(compileErrors);
  }

  public List<String> violations(Object newObject, Object oldObjectOrNull) {
    List<String> out = new ArrayList<>();
    Object oldValue = oldObjectOrNull == null ? null : toCel(schema, YAML.valueToTree(oldObjectOrNull));
    check(schema, toCel(schema, YAML.valueToTree(newObject)), oldValue, "", out);
    return out;
  }

  private void check(JsonNode node, Object value, Object old, String path, List<String> out) {
    if (value == null) {
      return;
    }
    for (Compiled c : compiled.getOrDefault(node, List.of())) {
      if (c.transition() && old == null) {
        continue;
      }
      // A rule on the whole object names its field in its message (metadata.name: at most ...).
      String where = path.isEmpty() ? "" : path + ": ";
      try {
        Object result = c.program().eval(Map.of("self", value, "oldSelf", old == null ? value : old));
        if (!Boolean.TRUE.equals(result)) {
          out.add(where + c.rule().message());
        }
      } catch (CelEvaluationException e) {
        out.add(where + "error evaluating rule '" + c.rule().rule() + "': " + e.getMessage());
      }
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, child) -> {
        JsonNode childSchema = node.path("properties").has((String) key)
            ? node.path("properties").path((String) key)
            : node.path("additionalProperties");
        Object oldChild = old instanceof Map<?, ?> oldMap ? oldMap.get(key) : null;
        String childPath = node.path("properties").has((String) key)
            ? (path.isEmpty() ? "" : path + ".") + key
            : path + "[" + key + "]";
        check(childSchema, child, oldChild, childPath, out);
      });
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        check(node.path("items"), list.get(i), null, path + "[" + i + "]", out);
      }
    }
  }

  /** The value as CEL sees it, converted by the schema. */
  private static Object toCel(JsonNode node, JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      value.fields().forEachRemaining(field -> {
        JsonNode child = node.path("properties").has(field.getKey())
            ? node.path("properties").path(field.getKey())
            : node.path("additionalProperties");
        Object converted = toCel(child, field.getValue());
        if (converted != null) {
          map.put(field.getKey(), converted);
        }
      });
      return map;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      value.forEach(item -> list.add(toCel(node.path("items"), item)));
      return list;
    }
    if (value.isNumber()) {
      boolean decimal = "number".equals(node.path("type").asText()) || !value.canConvertToExactIntegral();
      return decimal ? (Object) value.asDouble() : (Object) value.asLong();
    }
    return value.isBoolean() ? value.asBoolean() : value.asText();
  }

  private void compileRules(Cel base, JsonNode node, CelType type, String path) {
    if (node.has("x-kubernetes-validations")) {
      Cel cel = base.toCelBuilder().addVar("self", type).addVar("oldSelf", type).build();
      List<Compiled> here = new ArrayList<>();
      for (JsonNode v : node.path("x-kubernetes-validations")) {
        String expression = v.path("rule").asText();
        Rule rule = new Rule(path.isEmpty() ? "<root>" : path, expression, v.path("message").asText("failed rule: " + expression));
        rules.add(rule);
        try {
          CelAbstractSyntaxTree ast = cel.compile(expression).getAst();
          if (!ast.getResultType().equals(SimpleType.BOOL) && !ast.getResultType().equals(SimpleType.DYN)) {
            compileErrors.put(rule, "evaluates to " + ast.getResultType().name() + ", not bool");
            continue;
          }
          here.add(new Compiled(rule, cel.createProgram(ast), OLD_SELF.matcher(expression).find()));
        } catch (CelValidationException | CelEvaluationException e) {
          compileErrors.put(rule, e.getMessage());
        }
      }
      compiled.put(node, here);
    }
    if (type instanceof StructType struct) {
      node.path("properties").fields().forEachRemaining(p ->
          compileRules(base, p.getValue(), struct.findField(p.getKey()).orElseThrow().type(),
              (path.isEmpty() ? "" : path + ".") + p.getKey()));
    } else if (type instanceof ListType list) {
      compileRules(base, node.path("items"), list.elemType(), path + "[*]");
    } else if (type instanceof MapType map) {
      compileRules(base, node.path("additionalProperties"), map.valueType(), path + "[*]");
    }
  }

  /** The CEL type of a schema node, as the API server declares it; objects become struct types named by path. */
  private CelType typeOf(JsonNode node, String name) {
    if (node.path("x-kubernetes-int-or-string").asBoolean()) {
      return SimpleType.DYN;
    }
    switch (node.path("type").asText()) {
      case "string":
        return SimpleType.STRING;
      case "integer":
        return SimpleType.INT;
      case "number":
        return SimpleType.DOUBLE;
      case "boolean":
        return SimpleType.BOOL;
      case "array":
        return ListType.create(typeOf(node.path("items"), name + "._items"));
      case "object":
        if (node.has("properties")) {
          Map<String, CelType> fields = new LinkedHashMap<>();
          node.path("properties").fields().forEachRemaining(p -> fields.put(p.getKey(), typeOf(p.getValue(), name + "." + p.getKey())));
          StructType struct = StructType.create(name, ImmutableSet.copyOf(fields.keySet()), f -> Optional.ofNullable(fields.get(f)));
          structs.put(name, struct);
          return struct;
        }
        if (node.path("additionalProperties").isObject()) {
          return MapType.create(SimpleType.STRING, typeOf(node.path("additionalProperties"), name + "._values"));
        }
        return SimpleType.DYN;
      default:
        return SimpleType.DYN;
    }
  }
}
