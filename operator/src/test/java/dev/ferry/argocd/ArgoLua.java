package dev.ferry.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs Ferry's Argo CD Lua scripts as Argo CD does: the resource, converted from JSON, is the
 * global {@code obj}; the script's return value is the health (a table with status and message),
 * the discovered actions, or the changed resource (or a list of impacted resources). JSON
 * numbers become Lua numbers (Argo CD's gopher-lua has only float64), null fields are absent.
 */
final class ArgoLua {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Path ARGOCD = Path.of("helm/ferry/argocd");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ArgoLua() {
  }

  static Path projectRoot() {
    String root = System.getProperty("ferry.projectRoot");
    if (root == null || root.isBlank()) {
      throw new IllegalStateException("system property ferry.projectRoot is not set (surefire sets it)");
    }
    return Path.of(root).toAbsolutePath().normalize();
  }

  static Path dir() {
    return projectRoot().resolve(ARGOCD);
  }

  static String script(String relative) {
    try {
      return Files.readString(dir().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a script with {@code obj} bound to the resource and returns what it returned, as JSON. */
  static JsonNode run(String scriptText, String chunkName, JsonNode obj) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(obj));
    Varargs result = globals.load(scriptText, chunkName).invoke();
    return fromLua(result.arg1());
  }

  static JsonNode health(String kind, JsonNode obj) {
    return run(script("health/" + kind + ".lua"), kind + " health", obj);
  }

  static JsonNode discover(String kind, JsonNode obj) {
    return run(script("actions/" + kind + "/discovery.lua"), kind + " discovery", obj);
  }

  static JsonNode action(String kind, String action, JsonNode obj) {
    return run(script("actions/" + kind + "/" + action + "/action.lua"), kind + " " + action, obj);
  }

  static LuaValue toLua(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return LuaValue.NIL;
    }
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!field.getValue().isNull()) {
          table.set(field.getKey(), toLua(field.getValue()));
        }
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.booleanValue());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.doubleValue());
    }
    return LuaValue.valueOf(node.asText());
  }

  /** A table with keys 1..n only is an array; any other table an object; integral numbers are integers. */
  static JsonNode fromLua(LuaValue value) {
    if (value.isnil()) {
      return NODES.nullNode();
    }
    if (value.istable()) {
      LuaTable table = value.checktable();
      int length = table.length();
      int keys = table.keys().length;
      if (length > 0 && keys == length) {
        ArrayNode array = NODES.arrayNode();
        for (int i = 1; i <= length; i++) {
          array.add(fromLua(table.get(i)));
        }
        return array;
      }
      ObjectNode object = NODES.objectNode();
      for (LuaValue key : table.keys()) {
        object.set(key.tojstring(), fromLua(table.get(key)));
      }
      return object;
    }
    if (value.isboolean()) {
      return NODES.booleanNode(value.toboolean());
    }
    if (value.type() == LuaValue.TNUMBER) {
      double d = value.todouble();
      if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
        return NODES.numberNode((int) d); // as Jackson reads small integers, so trees compare equal
      }
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? NODES.numberNode((long) d) : NODES.numberNode(d);
    }
    return NODES.textNode(value.tojstring());
  }
}
