package dev.ferry.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket, the JDK's own
 * client): open a page, evaluate an expression in it, take a screenshot of the whole page. For
 * tests that must see a page as a browser lays it out and paints it. Installed by .ci/run; a
 * missing browser fails the test with the command that installs it.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  /** The page opened: until the browser shows it, the target may still be about:blank, "complete" too. */
  private final String url;

  private HeadlessChromium(Process process, Path profile, WebSocket socket, String url) {
    this.url = url;
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts the browser on {@code url} in a window {@code width} x {@code height}. */
  public static HeadlessChromium open(String url, int width, int height) throws Exception {
    Path binary = Path.of("/usr/bin/chromium");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("Chromium is not installed: apt-get install -y --no-install-recommends chromium"
          + " (.ci/run installs it)");
    }
    Path profile = Files.createTempDirectory("ferry-chromium");
    Process process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--hide-scrollbars", "--no-first-run", "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height, url).redirectErrorStream(true).start();
    String browser = null;
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    StringBuilder seen = new StringBuilder();
    while (browser == null && System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        break;
      }
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        browser = m.group(1);
      }
    }
    if (browser == null) {
      process.destroyForcibly();
      throw new IllegalStateException("Chromium did not start its DevTools endpoint:\n" + seen);
    }
    // Keep draining its output so it never blocks on a full pipe.
    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "chromium-output");
    drain.setDaemon(true);
    drain.start();
    URI ws = URI.create(browser);
    HttpClient http = HttpClient.newHttpClient();
    String pageSocket = null;
    for (int i = 0; i < 100 && pageSocket == null; i++) {
      HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getHost() + ":"
          + ws.getPort() + "/json/list")).build(), HttpResponse.BodyHandlers.ofString());
      for (JsonNode target : JSON.readTree(list.body())) {
        if ("page".equals(target.path("type").asText())) {
          pageSocket = target.path("webSocketDebuggerUrl").asText();
        }
      }
      if (pageSocket == null) {
        Thread.sleep(100); // the page target appears once the first navigation began
      }
    }
    if (pageSocket == null) {
      process.destroyForcibly();
      throw new IllegalStateException("Chromium opened no page for " + url);
    }
    HeadlessChromium[] self = new HeadlessChromium[1];
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
      private final StringBuilder message = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        message.append(data);
        if (last) {
          try {
            JsonNode reply = JSON.readTree(message.toString());
            CompletableFuture<JsonNode> waiting = self[0] == null ? null : self[0].pending.remove(reply.path("id").asInt());
            if (waiting != null) {
              waiting.complete(reply);
            }
          } catch (IOException e) {
            // not a reply to a command: events are not used here
          }
          message.setLength(0);
        }
        webSocket.request(1);
        return null;
      }
    }).get(10, TimeUnit.SECONDS);
    self[0] = new HeadlessChromium(process, profile, socket, url);
    return self[0];
  }

  /** Sends one DevTools command and returns its result, or fails with the browser's error. */
  public JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", JSON.valueToTree(params));
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(JSON.writeValueAsString(command), true).get(10, TimeUnit.SECONDS);
    JsonNode answer = reply.get(30, TimeUnit.SECONDS);
    if (answer.has("error")) {
      throw new IllegalStateException(method + ": " + answer.get("error"));
    }
    return answer.path("result");
  }

  /** Waits until the page opened has loaded (not the blank one before it), then evaluates {@code expression} and returns its JSON value. */
  public JsonNode evaluate(String expression) throws Exception {
    for (int i = 0; i < 100; i++) {
      String state = call("Runtime.evaluate", Map.of("expression", "location.href + ' ' + document.readyState",
          "returnByValue", true)).path("result").path("value").asText();
      if (state.equals(url + " complete")) {
        break;
      }
      Thread.sleep(100);
    }
    JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("the page's script failed: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** A PNG of the whole page, beyond the window if it is longer. */
  public byte[] screenshot() throws Exception {
    JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    return Base64.getDecoder().decode(shot.path("data").asText());
  }

  @Override
  public void close() throws IOException {
    socket.abort();
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try (var files = Files.walk(profile)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary profile left behind is harmless
    }
  }
}
