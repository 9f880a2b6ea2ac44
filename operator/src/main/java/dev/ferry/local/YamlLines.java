package dev.ferry.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The line of every field of every document in a YAML file, by the field path the API server
 * names ({@code spec.steps[1].name}), so a refusal points at the line to fix, not at the document.
 */
final class YamlLines {
  private final Map<String, Integer> lines;

  private YamlLines(Map<String, Integer> lines) {
    this.lines = lines;
  }

  /** One index per document, in order; empty if the file does not parse (its parse error says where). */
  static List<YamlLines> index(Path file) {
    List<YamlLines> documents = new ArrayList<>();
    try (JsonParser parser = new YAMLFactory().createParser(file.toFile())) {
      Deque<Frame> stack = new ArrayDeque<>();
      Map<String, Integer> current = null;
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        int line = parser.currentTokenLocation().getLineNr();
        if (stack.isEmpty() && (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)) {
          current = new HashMap<>();
          documents.add(new YamlLines(current));
        }
        switch (token) {
          case FIELD_NAME -> {
            Frame top = stack.peek();
            top.field = parser.currentName();
            current.putIfAbsent(child(top.path, top.field), line);
          }
          case START_OBJECT, START_ARRAY -> {
            String path = valuePath(stack, current, line);
            stack.push(new Frame(path, token == JsonToken.START_ARRAY));
          }
          case END_OBJECT, END_ARRAY -> stack.pop();
          default -> valuePath(stack, current, line);
        }
      }
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    return documents;
  }

  /** The line of {@code path}, or of the nearest enclosing field that has one; 0 if none. */
  int lineOf(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
    }
    return 0;
  }

  private static String valuePath(Deque<Frame> stack, Map<String, Integer> lines, int line) {
    Frame top = stack.peek();
    if (top == null) {
      return "";
    }
    if (top.array) {
      String path = top.path + "[" + top.index++ + "]";
      lines.putIfAbsent(path, line);
      return path;
    }
    return child(top.path, top.field);
  }

  private static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static final class Frame {
    final String path;
    final boolean array;
    int index;
    String field = "";

    Frame(String path, boolean array) {
      this.path = path;
      this.array = array;
    }
  }
}
