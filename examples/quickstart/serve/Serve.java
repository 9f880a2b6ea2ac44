/*
 * Serve: the quickstart model server, an Open Inference Protocol (v2) server for the model
 * Train.java writes. JDK only:
 *   FERRY_MODEL_PATH=/tmp/qs-model java Serve.java
 *
 * Loads $FERRY_MODEL_PATH/model.json, listens on $FERRY_SERVER_PORT (default 8080; 0 picks a free
 * port) on every interface and answers:
 *   GET  /v2/health/live, /v2/health/ready (200 once the model is loaded), /v2
 *   GET  /v2/models/<name>[/versions/<v>]          metadata: inputs are the model's feature columns
 *   GET  /v2/models/<name>[/versions/<v>]/ready
 *   POST /v2/models/<name>[/versions/<v>]/infer    one tensor per feature column, one value per row
 *   GET  /metrics                                   Prometheus text format
 * See README.md for the environment, the request and response formats and an example.
 */
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

public class Serve {
    static final String FORMAT = "ferry-quickstart-logreg/v1";
    static final int MAX_BODY = 16 << 20;
    static final Set<String> NUMERIC_TYPES = Set.of("FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64",
            "UINT8", "UINT16", "UINT32", "UINT64");

    static String modelName, modelVersion;
    /** Null until model.json is loaded: /v2/health/ready says 503 until then. */
    static volatile Model model;

    // Metrics of the infer endpoint: requests by status code, and their total duration.
    static final Map<Integer, LongAdder> requestsByCode = new ConcurrentSkipListMap<>();
    static final DoubleAdder durationSum = new DoubleAdder();
    static final LongAdder durationCount = new LongAdder();

    public static void main(String[] args) {
        try {
            run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            fail(e.getMessage());
        } catch (ClassCastException | NullPointerException e) { // a field missing or of the wrong type
            fail("model.json does not have the structure Train.java writes: " + e.getMessage());
        } catch (IOException e) {
            fail("I/O error: " + e);
        }
    }

    static void run() throws IOException {
        Path modelFile = Paths.get(requireEnv("FERRY_MODEL_PATH")).resolve("model.json");
        modelName = envOr("FERRY_MODEL_NAME", "churn");
        modelVersion = envOr("FERRY_MODEL_VERSION", null);
        int port = port(envOr("FERRY_SERVER_PORT", "8080"));
        requestsByCode.put(200, new LongAdder()); // so rate(...{code="200"}) has a series from the start

        // The JDK server writes headers and body separately; without TCP_NODELAY each answer waits
        // for the client's delayed ACK (about 40 ms). Read when the first server is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
        server.setExecutor(Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
        server.createContext("/", Serve::handle);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(1))); // SIGTERM from the kubelet
        System.out.println("listening on port " + server.getAddress().getPort());

        Model m = Model.load(modelFile);
        model = m;
        System.out.printf("model %s%s ready: inputs %s%n", modelName, modelVersion == null ? "" : " version " + modelVersion,
                String.join(", ", m.inputNames()));
    }

    // ---- HTTP ----

    /** An answer: status and JSON (or text) body. */
    record Reply(int status, String body, String contentType) {
        static Reply json(int status, String body) { return new Reply(status, body, "application/json"); }
        static Reply error(int status, String message) { return json(status, "{\"error\":" + q(message) + "}"); }
    }

    static void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        boolean infer = path.endsWith("/infer");
        Reply reply;
        try {
            reply = route(ex.getRequestMethod(), path, ex);
        } catch (RuntimeException e) {
            System.err.println("error: " + ex.getRequestMethod() + " " + path + ": " + e);
            reply = Reply.error(500, "internal error: " + e);
        }
        if (infer) {
            requestsByCode.computeIfAbsent(reply.status(), c -> new LongAdder()).increment();
            durationSum.add((System.nanoTime() - t0) / 1e9);
            durationCount.increment();
        }
        try (ex) {
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            if (reply.status() == 405) ex.getResponseHeaders().set("Allow", path.endsWith("/infer") ? "POST" : "GET");
            ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) try (OutputStream out = ex.getResponseBody()) { out.write(bytes); }
        } catch (IOException e) {
            // the client went away
        }
    }

    static Reply route(String method, String path, HttpExchange ex) {
        boolean get = method.equals("GET");
        switch (path) {
            case "/v2/health/live":
                return get ? Reply.json(200, "{\"live\":true}") : Reply.error(405, "use GET");
            case "/v2/health/ready":
                return get ? ready() : Reply.error(405, "use GET");
            case "/v2":
                return get ? Reply.json(200, "{\"name\":\"ferry-quickstart-serve\",\"version\":\"1\",\"extensions\":[]}")
                        : Reply.error(405, "use GET");
            case "/metrics":
                return get ? new Reply(200, metrics(), "text/plain; version=0.0.4; charset=utf-8") : Reply.error(405, "use GET");
            default:
        }
        if (!path.startsWith("/v2/models/")) return Reply.error(404, "not found: " + path);
        // /v2/models/<name>[/versions/<v>][/ready|/infer]
        List<String> parts = new ArrayList<>(Arrays.asList(path.substring("/v2/models/".length()).split("/", -1)));
        String name = parts.remove(0), version = null;
        if (parts.size() >= 2 && parts.get(0).equals("versions")) { version = parts.get(1); parts.subList(0, 2).clear(); }
        String action = parts.isEmpty() ? "" : String.join("/", parts);
        if (!name.equals(modelName)) return Reply.error(404, "unknown model '" + name + "'; this server serves '" + modelName + "'");
        if (version != null && !version.equals(modelVersion))
            return Reply.error(404, "unknown version '" + version + "' of model '" + name + "'"
                    + (modelVersion == null ? "; this server has no version (FERRY_MODEL_VERSION is unset)" : "; this server serves version " + modelVersion));
        Model m = model;
        switch (action) {
            case "":
                if (!get) return Reply.error(405, "use GET");
                return m == null ? Reply.error(503, "model not loaded yet") : Reply.json(200, metadata(m));
            case "ready":
                return get ? ready() : Reply.error(405, "use GET");
            case "infer":
                if (!method.equals("POST")) return Reply.error(405, "use POST");
                if (m == null) return Reply.error(503, "model not loaded yet");
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readNBytes(MAX_BODY + 1);
                } catch (IOException e) {
                    return Reply.error(400, "cannot read the request body: " + e.getMessage());
                }
                if (body.length > MAX_BODY) return Reply.error(413, "request body over " + (MAX_BODY >> 20) + " MiB");
                try {
                    return Reply.json(200, infer(m, new String(body, StandardCharsets.UTF_8)));
                } catch (BadRequest e) {
                    return Reply.error(400, e.getMessage());
                }
            default:
                return Reply.error(404, "not found: " + path);
        }
    }

    static Reply ready() {
        return model != null ? Reply.json(200, "{\"ready\":true}") : Reply.json(503, "{\"ready\":false}");
    }

    static String metadata(Model m) {
        StringBuilder b = new StringBuilder("{\"name\":").append(q(modelName));
        if (modelVersion != null) b.append(",\"versions\":[").append(q(modelVersion)).append("]");
        b.append(",\"platform\":").append(q(FORMAT)).append(",\"inputs\":[");
        List<String> inputs = m.inputNames();
        for (int i = 0; i < inputs.size(); i++)
            b.append(i == 0 ? "" : ",").append("{\"name\":").append(q(inputs.get(i))).append(",\"datatype\":\"")
             .append(i < m.numeric().size() ? "FP64" : "BYTES").append("\",\"shape\":[-1]}");
        return b.append("],\"outputs\":[{\"name\":\"probability\",\"datatype\":\"FP64\",\"shape\":[-1]},")
                .append("{\"name\":\"churned\",\"datatype\":\"INT64\",\"shape\":[-1]}]}").toString();
    }

    static String metrics() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP ferry_model_requests_total Inference requests by HTTP status code.\n");
        b.append("# TYPE ferry_model_requests_total counter\n");
        requestsByCode.forEach((code, n) -> b.append("ferry_model_requests_total{code=\"").append(code).append("\"} ")
                .append(n.sum()).append('\n'));
        b.append("# HELP ferry_model_request_duration_seconds Time to answer an inference request.\n");
        b.append("# TYPE ferry_model_request_duration_seconds summary\n");
        b.append("ferry_model_request_duration_seconds_sum ").append(durationSum.sum()).append('\n');
        b.append("ferry_model_request_duration_seconds_count ").append(durationCount.sum()).append('\n');
        return b.toString();
    }

    // ---- Inference ----

    /** A client error: 400 with this message. */
    static final class BadRequest extends Exception {
        BadRequest(String message) { super(message, null, false, false); }
    }

    @SuppressWarnings("unchecked")
    static String infer(Model m, String body) throws BadRequest {
        Object parsed;
        try {
            parsed = new Json(body).value();
        } catch (RuntimeException | StackOverflowError e) { // StackOverflowError: absurd nesting
            throw new BadRequest("the request body is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map)) throw new BadRequest("the request body must be a JSON object with \"inputs\"");
        Map<String, Object> request = (Map<String, Object>) parsed;
        if (!(request.get("inputs") instanceof List)) throw new BadRequest("the request has no \"inputs\" array; " + expected(m));

        Map<String, List<Object>> columns = new LinkedHashMap<>();
        for (Object o : (List<Object>) request.get("inputs")) {
            if (!(o instanceof Map)) throw new BadRequest("every input must be an object {name, datatype, shape, data}");
            Map<String, Object> in = (Map<String, Object>) o;
            if (!(in.get("name") instanceof String)) throw new BadRequest("an input has no \"name\"");
            String name = (String) in.get("name");
            boolean numeric = m.numericIndex(name) >= 0;
            if (!numeric && m.categoricalIndex(name) < 0) throw new BadRequest("unknown input '" + name + "'; " + expected(m));
            if (columns.containsKey(name)) throw new BadRequest("input '" + name + "' is given twice");
            Object type = in.get("datatype");
            if (!(type instanceof String)) throw new BadRequest("input '" + name + "' has no \"datatype\"");
            if (numeric ? !NUMERIC_TYPES.contains(type) : !type.equals("BYTES"))
                throw new BadRequest("input '" + name + "' must have datatype " + (numeric ? "FP64 (or another number type)" : "BYTES")
                        + ", got " + type);
            if (!(in.get("data") instanceof List)) throw new BadRequest("input '" + name + "' has no \"data\" array");
            List<Object> data = new ArrayList<>();
            flatten(in.get("data"), data);
            if (in.get("shape") instanceof List) {
                long size = 1;
                for (Object d : (List<Object>) in.get("shape")) {
                    if (!(d instanceof Double)) throw new BadRequest("input '" + name + "' has a shape that is not a list of numbers");
                    size *= ((Double) d).longValue();
                }
                if (size != data.size())
                    throw new BadRequest("input '" + name + "' has shape " + shape((List<Object>) in.get("shape")) + " but " + data.size() + " values");
            }
            for (int r = 0; r < data.size(); r++) {
                Object v = data.get(r);
                if (v != null && (numeric ? !(v instanceof Double) : !(v instanceof String)))
                    throw new BadRequest("input '" + name + "' value " + r + " must be " + (numeric ? "a number" : "a string") + " or null, got "
                            + (v instanceof String ? q((String) v) : String.valueOf(v)));
            }
            columns.put(name, data);
        }
        int rows = -1;
        String first = null;
        for (String name : m.inputNames()) {
            List<Object> data = columns.get(name);
            if (data == null)
                throw new BadRequest("missing input '" + name + "' (" + (m.numericIndex(name) >= 0 ? "FP64" : "BYTES") + ", one value per row); " + expected(m));
            if (rows < 0) { rows = data.size(); first = name; }
            else if (data.size() != rows)
                throw new BadRequest("input '" + name + "' has " + data.size() + " values but '" + first + "' has " + rows + "; every input needs one value per row");
        }
        if (rows == 0) throw new BadRequest("the inputs have no rows");

        Set<String> wanted = new LinkedHashSet<>(List.of("probability", "churned"));
        if (request.get("outputs") instanceof List) { // the client may ask for some outputs only
            wanted.clear();
            for (Object o : (List<Object>) request.get("outputs")) {
                Object n = o instanceof Map ? ((Map<String, Object>) o).get("name") : null;
                if (!"probability".equals(n) && !"churned".equals(n))
                    throw new BadRequest("unknown output " + n + "; this model's outputs are: probability, churned");
                wanted.add((String) n);
            }
        }

        double[] p = new double[rows];
        for (int r = 0; r < rows; r++) p[r] = m.score(columns, r);
        StringBuilder b = new StringBuilder("{\"model_name\":").append(q(modelName));
        if (modelVersion != null) b.append(",\"model_version\":").append(q(modelVersion));
        if (request.get("id") instanceof String) b.append(",\"id\":").append(q((String) request.get("id")));
        b.append(",\"outputs\":[");
        String sep = "";
        for (String out : wanted) {
            boolean prob = out.equals("probability");
            b.append(sep).append("{\"name\":\"").append(out).append("\",\"datatype\":\"").append(prob ? "FP64" : "INT64")
             .append("\",\"shape\":[").append(rows).append("],\"data\":[");
            for (int r = 0; r < rows; r++) b.append(r == 0 ? "" : ",").append(prob ? Double.toString(p[r]) : (p[r] >= 0.5 ? "1" : "0"));
            b.append("]}");
            sep = ",";
        }
        return b.append("]}").toString();
    }

    static String expected(Model m) {
        return "this model's inputs are: " + String.join(", ", m.inputNames());
    }

    @SuppressWarnings("unchecked")
    static void flatten(Object o, List<Object> into) {
        if (o instanceof List) for (Object x : (List<Object>) o) flatten(x, into);
        else into.add(o);
    }

    static String shape(List<Object> shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.size(); i++) b.append(i == 0 ? "" : ",").append(((Double) shape.get(i)).longValue());
        return b.append("]").toString();
    }

    /** model.json as Train.java writes it (format in ../train/README.md). */
    record Model(List<String> numeric, double[] mean, double[] std, List<String> categorical, List<List<String>> levels,
                 double[] weights, double intercept) {

        @SuppressWarnings("unchecked")
        static Model load(Path file) throws IOException {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("model file not found: " + file);
            Map<String, Object> json;
            try {
                json = (Map<String, Object>) new Json(Files.readString(file, StandardCharsets.UTF_8)).value();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": cannot parse model JSON: " + e.getMessage());
            }
            if (!FORMAT.equals(json.get("format"))) throw new IllegalArgumentException(file + ": unsupported format " + json.get("format"));
            List<Map<String, Object>> num = (List<Map<String, Object>>) json.get("numeric");
            List<Map<String, Object>> cat = (List<Map<String, Object>>) json.get("categorical");
            List<String> numeric = new ArrayList<>(), categorical = new ArrayList<>();
            double[] mean = new double[num.size()], std = new double[num.size()];
            for (int j = 0; j < num.size(); j++) {
                numeric.add((String) num.get(j).get("name"));
                mean[j] = (Double) num.get(j).get("mean");
                std[j] = (Double) num.get(j).get("std");
            }
            List<List<String>> levels = new ArrayList<>();
            int features = numeric.size();
            for (Map<String, Object> c : cat) {
                categorical.add((String) c.get("name"));
                List<String> lv = new ArrayList<>();
                for (Object o : (List<Object>) c.get("levels")) lv.add((String) o);
                levels.add(lv);
                features += lv.size();
            }
            List<Object> w = (List<Object>) json.get("weights");
            if (w.size() != features) throw new IllegalArgumentException(file + ": " + w.size() + " weights but " + features + " features");
            double[] weights = new double[w.size()];
            for (int j = 0; j < weights.length; j++) weights[j] = (Double) w.get(j);
            return new Model(numeric, mean, std, categorical, levels, weights, (Double) json.get("intercept"));
        }

        List<String> inputNames() {
            List<String> all = new ArrayList<>(numeric);
            all.addAll(categorical);
            return all;
        }

        int numericIndex(String name) { return numeric.indexOf(name); }

        int categoricalIndex(String name) { return categorical.indexOf(name); }

        /** Row r of the request. Same feature layout and rules as Evaluate.java: missing -> mean, unseen level -> zeros. */
        double score(Map<String, List<Object>> columns, int r) {
            double z = intercept;
            int f = 0;
            for (int j = 0; j < numeric.size(); j++, f++) {
                Object v = columns.get(numeric.get(j)).get(r);
                double x = v == null ? mean[j] : (Double) v;
                z += weights[f] * (x - mean[j]) / std[j];
            }
            for (int k = 0; k < categorical.size(); k++) {
                int idx = levels.get(k).indexOf(columns.get(categorical.get(k)).get(r));
                if (idx >= 0) z += weights[f + idx];
                f += levels.get(k).size();
            }
            return 1 / (1 + Math.exp(-z));
        }
    }

    static int port(String v) {
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("FERRY_SERVER_PORT must be a port number (0 for any free port), got '" + v + "'");
    }

    static String envOr(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    // ---- Helpers below are duplicated from Evaluate.java and Train.java (single-file programs cannot share
    // ---- code); keep them in sync: Json and requireEnv as in Evaluate.java, q as in Train.java.

    static String requireEnv(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return v;
    }

    /** Minimal JSON reader: objects -> Map, arrays -> List, numbers -> Double. */
    static final class Json {
        final String s;
        int i;
        Json(String s) { this.s = s; }

        Object value() {
            Object v = parse();
            ws();
            if (i != s.length()) throw err("trailing data");
            return v;
        }

        Object parse() {
            ws();
            if (i >= s.length()) throw err("unexpected end");
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                if (peek('}')) return m;
                do { ws(); String k = str(); ws(); expect(':'); m.put(k, parse()); ws(); } while (peek(','));
                expect('}');
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                if (peek(']')) return l;
                do { l.add(parse()); ws(); } while (peek(','));
                expect(']');
                return l;
            }
            if (c == '"') return str();
            for (String lit : new String[]{"true", "false", "null"})
                if (s.startsWith(lit, i)) { i += lit.length(); return lit.equals("null") ? null : Boolean.valueOf(lit); }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            if (start == i) throw err("unexpected character '" + c + "'");
            return Double.parseDouble(s.substring(start, i));
        }

        String str() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length() && s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> { b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                    default -> b.append(e); // \" \\ \/
                }
            }
            expect('"');
            return b.toString();
        }

        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
        boolean peek(char c) { ws(); if (i < s.length() && s.charAt(i) == c) { i++; return true; } return false; }
        void expect(char c) { if (!peek(c)) throw err("expected '" + c + "'"); }
        IllegalArgumentException err(String m) { return new IllegalArgumentException(m + " at offset " + i); }
    }

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static void fail(String msg) {
        System.err.println("error: " + msg);
        System.exit(1);
    }
}
