package dev.ferry.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The requests of a smoke test: a directory (a mounted ConfigMap) where each {@code <name>.json} is
 * an Open Inference Protocol v2 infer request and an optional {@code <name>.expected.json} holds
 * the outputs it must produce: {@code {"outputs": [{"name": ..., "data": [...]}, ...]}} (an
 * output may also give {@code datatype} and {@code shape}; other fields are ignored, so a saved
 * infer response works as is). Hidden entries (a ConfigMap's {@code ..data}) and other files are
 * ignored.
 */
final class SmokeTestCases {
  static final String REQUEST = ".json";
  static final String EXPECTED = ".expected.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request file: its name, its bytes as written, and its expected outputs (null: any). */
  record Case(String name, byte[] body, JsonNode expected) {
  }

  /** The directory cannot be used: the smoke test cannot run. */
  static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;

    Unusable(String message) {
      super(message);
    }
  }

  private SmokeTestCases() {
  }

  /** Every case of {@code dir}, sorted by file name. */
  static List<Case> load(Path dir) throws Unusable {
    if (!Files.isDirectory(dir)) {
      throw new Unusable("requests directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
    }
    Map<String, Path> requests = new TreeMap<>();
    Map<String, Path> expected = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String file = p.getFileName().toString();
        if (file.startsWith(".") || !file.endsWith(REQUEST) || !Files.isRegularFile(p)) {
          continue;
        }
        if (file.endsWith(EXPECTED)) {
          expected.put(file.substring(0, file.length() - EXPECTED.length()) + REQUEST, p);
        } else {
          requests.put(file, p);
        }
      }
    } catch (IOException e) {
      throw new Unusable("cannot list requests directory " + dir + ": " + e.getMessage());
    }
    for (String name : expected.keySet()) {
      if (!requests.containsKey(name)) {
        throw new Unusable(expected.get(name).getFileName() + " has no request " + name + " beside it in " + dir);
      }
    }
    if (requests.isEmpty()) {
      throw new Unusable("no requests in " + dir + ": expected <name>.json files, each an Open Inference Protocol v2"
          + " infer request");
    }
    List<Case> cases = new ArrayList<>();
    for (Map.Entry<String, Path> r : requests.entrySet()) {
      byte[] body = read(r.getValue());
      checkRequest(r.getKey(), parse(r.getKey(), body));
      JsonNode outputs = null;
      Path e = expected.get(r.getKey());
      if (e != null) {
        String name = e.getFileName().toString();
        outputs = parse(name, read(e));
        checkExpected(name, outputs);
      }
      cases.add(new Case(r.getKey(), body, outputs));
    }
    return cases;
  }

  private static byte[] read(Path p) throws Unusable {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new Unusable("cannot read " + p + ": " + e.getMessage());
    }
  }

  private static JsonNode parse(String name, byte[] bytes) throws Unusable {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new Unusable(name + ": must hold one JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      throw new Unusable(name + ": not valid JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column "
          + at.getColumnNr()) + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Unusable(name + ": " + e.getMessage());
    }
  }

  /** The fields the protocol requires of an input tensor, so a typo fails here and not as a server error. */
  private static void checkRequest(String name, JsonNode request) throws Unusable {
    JsonNode inputs = request.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw new Unusable(name + ": not an Open Inference Protocol v2 infer request: needs a non-empty \"inputs\" array");
    }
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode in = inputs.get(i);
      String where = name + ": inputs[" + i + "]";
      if (!in.isObject()) {
        throw new Unusable(where + " is not an object");
      }
      if (!in.path("name").isTextual()) {
        throw new Unusable(where + " has no \"name\"");
      }
      where = name + ": input '" + in.get("name").asText() + "'";
      if (!in.path("datatype").isTextual()) {
        throw new Unusable(where + " has no \"datatype\" (e.g. FP64, INT64, BYTES)");
      }
      if (!in.path("shape").isArray()) {
        throw new Unusable(where + " has no \"shape\" array");
      }
      for (JsonNode d : in.get("shape")) {
        if (!d.canConvertToLong() || !d.isIntegralNumber()) {
          throw new Unusable(where + " has a shape that is not a list of integers: " + in.get("shape"));
        }
      }
      if (!in.path("data").isArray()) {
        throw new Unusable(where + " has no \"data\" array");
      }
    }
  }

  private static void checkExpected(String name, JsonNode expected) throws Unusable {
    JsonNode outputs = expected.get("outputs");
    if (outputs == null || !outputs.isArray() || outputs.isEmpty()) {
      throw new Unusable(name + ": needs a non-empty \"outputs\" array of {\"name\": ..., \"data\": [...]}");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < outputs.size(); i++) {
      JsonNode out = outputs.get(i);
      if (!out.path("name").isTextual()) {
        throw new Unusable(name + ": outputs[" + i + "] has no \"name\"");
      }
      String output = out.get("name").asText();
      if (!seen.add(output)) {
        throw new Unusable(name + ": output '" + output + "' is expected twice");
      }
      if (!out.has("data") && !out.has("range") && !out.has("oneOf")) {
        throw new Unusable(name + ": output '" + output + "' needs \"data\" (the values), \"range\" ({\"min\": a,"
            + " \"max\": b}) or \"oneOf\" (the allowed values)");
      }
      if (out.has("data") && !out.get("data").isArray()) {
        throw new Unusable(name + ": output '" + output + "' has a \"data\" that is not an array");
      }
      for (String tolerance : List.of("absoluteTolerance", "relativeTolerance")) {
        if (out.has(tolerance) && !(out.get(tolerance).isNumber() && Double.isFinite(out.get(tolerance).asDouble())
            && out.get(tolerance).asDouble() >= 0)) {
          throw new Unusable(name + ": output '" + output + "': " + tolerance + " must be a number >= 0, got "
              + out.get(tolerance));
        }
        if (out.has(tolerance) && !out.has("data")) {
          throw new Unusable(name + ": output '" + output + "': " + tolerance + " applies to \"data\", which it has"
              + " not");
        }
      }
      if (out.has("range")) {
        JsonNode range = out.get("range");
        boolean numbers = range.isObject() && (range.has("min") || range.has("max"))
            && (!range.has("min") || range.get("min").isNumber()) && (!range.has("max") || range.get("max").isNumber());
        if (!numbers) {
          throw new Unusable(name + ": output '" + output + "': range must be {\"min\": number, \"max\": number}"
              + " (either may be left out), got " + range);
        }
        if (range.has("min") && range.has("max") && range.get("min").asDouble() > range.get("max").asDouble()) {
          throw new Unusable(name + ": output '" + output + "': range min " + range.get("min") + " is above max "
              + range.get("max"));
        }
      }
      if (out.has("oneOf") && !(out.get("oneOf").isArray() && !out.get("oneOf").isEmpty())) {
        throw new Unusable(name + ": output '" + output + "': oneOf must be a non-empty array of allowed values");
      }
      if (out.has("datatype") && !out.get("datatype").isTextual()) {
        throw new Unusable(name + ": output '" + output + "' has a datatype that is not a string");
      }
      if (out.has("shape") && !out.get("shape").isArray()) {
        throw new Unusable(name + ": output '" + output + "' has a shape that is not an array");
      }
    }
  }
}
