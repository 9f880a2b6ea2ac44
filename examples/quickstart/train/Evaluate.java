/*
 * Evaluate: the "evaluate" step of the Ferry quickstart pipeline. JDK only:
 *   FERRY_DATASET_PATH=data.csv FERRY_MODEL_PATH=/tmp/model FERRY_RESULT_PATH=/tmp/eval.json java Evaluate.java
 *
 * Loads $FERRY_MODEL_PATH/model.json written by Train.java, scores the HELD-OUT split of
 * the dataset (same FNV-1a rule as Train) and writes AUC and accuracy to $FERRY_RESULT_PATH.
 */
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class Evaluate {
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

    @SuppressWarnings("unchecked")
    static void run() throws IOException {
        Path dataset = Paths.get(requireEnv("FERRY_DATASET_PATH"));
        Path modelFile = Paths.get(requireEnv("FERRY_MODEL_PATH")).resolve("model.json");
        Path resultPath = Paths.get(requireEnv("FERRY_RESULT_PATH"));
        if (!Files.isRegularFile(modelFile)) throw new IllegalArgumentException("model file not found: " + modelFile);

        Map<String, Object> model;
        try {
            model = (Map<String, Object>) new Json(Files.readString(modelFile, StandardCharsets.UTF_8)).value();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(modelFile + ": cannot parse model JSON: " + e.getMessage());
        }
        if (!"ferry-quickstart-logreg/v1".equals(model.get("format")))
            throw new IllegalArgumentException(modelFile + ": unsupported format " + model.get("format"));
        List<Map<String, Object>> numeric = (List<Map<String, Object>>) model.get("numeric");
        List<Map<String, Object>> categorical = (List<Map<String, Object>>) model.get("categorical");
        List<Object> weights = (List<Object>) model.get("weights");
        double b = (Double) model.get("intercept");

        List<String[]> all = readCsv(dataset);
        String[] header = all.remove(0);
        int labelCol = column(header, (String) model.get("label_column"), dataset);
        int idCol = column(header, (String) model.get("id_column"), dataset);
        int[] numIdx = new int[numeric.size()], catIdx = new int[categorical.size()];
        for (int j = 0; j < numIdx.length; j++) numIdx[j] = column(header, (String) numeric.get(j).get("name"), dataset);
        for (int k = 0; k < catIdx.length; k++) catIdx[k] = column(header, (String) categorical.get(k).get("name"), dataset);

        // Same feature layout as Train: numerics in model order, then each category's levels.
        double[] w = new double[weights.size()];
        for (int j = 0; j < w.length; j++) w[j] = (Double) weights.get(j);
        List<Double> scores = new ArrayList<>(), labels = new ArrayList<>();
        int correct = 0;
        for (String[] r : all) {
            if (!isTest(r[idCol])) continue;
            double z = b;
            int f = 0;
            for (int j = 0; j < numIdx.length; j++, f++) {
                String v = r[numIdx[j]];
                double mean = (Double) numeric.get(j).get("mean"), std = (Double) numeric.get(j).get("std");
                double x;
                try { x = v.isEmpty() ? mean : Double.parseDouble(v); } // missing -> training mean
                catch (NumberFormatException e) { throw new IllegalArgumentException(dataset + ": column " + header[numIdx[j]] + " is numeric in the model but has '" + v + "'"); }
                z += w[f] * (x - mean) / std;
            }
            for (int k = 0; k < catIdx.length; k++) {
                List<Object> levels = (List<Object>) categorical.get(k).get("levels");
                int idx = levels.indexOf(r[catIdx[k]]); // unseen level -> all zeros
                if (idx >= 0) z += w[f + idx];
                f += levels.size();
            }
            if (f != w.length) throw new IllegalArgumentException(modelFile + ": " + w.length + " weights but " + f + " features");
            String lv = r[labelCol];
            if (!lv.equals("0") && !lv.equals("1")) throw new IllegalArgumentException(dataset + ": label must be 0 or 1, got '" + lv + "'");
            double p = 1 / (1 + Math.exp(-z)), y = lv.equals("1") ? 1 : 0;
            scores.add(p);
            labels.add(y);
            if ((p >= 0.5 ? 1 : 0) == y) correct++;
        }
        int n = scores.size();
        if (n == 0) throw new IllegalStateException("no held-out rows in " + dataset);
        double[] s = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) { s[i] = scores.get(i); y[i] = labels.get(i); }
        double auc = auc(s, y), acc = (double) correct / n;
        System.out.printf(Locale.ROOT, "held-out rows %d of %d: AUC %.4f, accuracy %.4f%n", n, all.size(), auc, acc);
        writeResult(resultPath, String.format(Locale.ROOT, "{\"metrics\":{\"auc\":%.4f,\"accuracy\":%.4f,\"test_rows\":%d}}", auc, acc, n));
    }

    /** Minimal JSON reader for model.json: objects -> Map, arrays -> List, numbers -> Double. */
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

    // ---- Helpers below are duplicated from Train.java (single-file programs); keep them in sync. ----

    static String requireEnv(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return v;
    }

    /** Plain CSV: comma-separated, no quoting. Returns header + rows; checks every row's width. */
    static List<String[]> readCsv(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("dataset file not found: " + file);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) throw new IllegalArgumentException(file + " is empty (expected a header line)");
        List<String[]> rows = new ArrayList<>();
        int width = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String[] f = line.split(",", -1); // -1 keeps trailing empty cells
            for (int k = 0; k < f.length; k++) f[k] = f[k].trim();
            if (width < 0) width = f.length;
            else if (f.length != width)
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected " + width + " fields, got " + f.length);
            rows.add(f);
        }
        return rows;
    }

    static int column(String[] header, String name, Path file) {
        for (int c = 0; c < header.length; c++) if (header[c].equals(name)) return c;
        throw new IllegalArgumentException(file + ": missing required column '" + name + "'");
    }

    /** Held-out rule shared with Train: FNV-1a 32-bit of the UTF-8 id, unsigned, mod 5 == 0. */
    static boolean isTest(String id) {
        int h = 0x811c9dc5;
        for (byte c : id.getBytes(StandardCharsets.UTF_8)) { h ^= (c & 0xff); h *= 0x01000193; }
        return Integer.remainderUnsigned(h, 5) == 0;
    }

    /** Rank-based AUC (Mann-Whitney U); tied scores share their average rank. */
    static double auc(double[] score, double[] y) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble(i -> score[i]));
        double rankSumPos = 0;
        long pos = 0;
        for (int i = 0; i < idx.length; ) {
            int j = i;
            while (j + 1 < idx.length && score[idx[j + 1]] == score[idx[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1; // ranks are 1-based
            for (int k = i; k <= j; k++) if (y[idx[k]] == 1) { rankSumPos += avgRank; pos++; }
            i = j + 1;
        }
        long neg = score.length - pos;
        if (pos == 0 || neg == 0) throw new IllegalStateException("AUC is undefined: only one class present in " + score.length + " rows");
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** The operator reads one JSON object of at most 4096 bytes from FERRY_RESULT_PATH. */
    static void writeResult(Path path, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 4096) throw new IllegalStateException("result JSON is " + bytes.length + " bytes, limit is 4096");
        if (path.getParent() != null) Files.createDirectories(path.getParent());
        Files.write(path, bytes);
        System.out.println("wrote result " + path + ": " + json);
    }

    static void fail(String msg) {
        System.err.println("error: " + msg);
        System.exit(1);
    }
}
