/*
 * Train: the "train" step of the Ferry quickstart pipeline. JDK only:
 *   FERRY_DATASET_PATH=data.csv FERRY_MODEL_PATH=/tmp/model FERRY_RESULT_PATH=/tmp/train.json java Train.java
 *
 * Fits a logistic regression (batch gradient descent, L2) on the training split, writes
 * $FERRY_MODEL_PATH/model.json and a one-object result JSON to $FERRY_RESULT_PATH.
 * See README.md for the environment contract, the split rule and the model.json format.
 */
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class Train {
    static final String LABEL = "churned", ID = "customer_id";

    public static void main(String[] args) {
        try {
            run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            fail(e.getMessage());
        } catch (IOException e) {
            fail("I/O error: " + e);
        }
    }

    static void run() throws IOException {
        Path dataset = Paths.get(requireEnv("FERRY_DATASET_PATH"));
        Path modelDir = Paths.get(requireEnv("FERRY_MODEL_PATH"));
        Path resultPath = Paths.get(requireEnv("FERRY_RESULT_PATH"));
        double lr = param("FERRY_PARAM_LEARNINGRATE", 0.1);
        int epochs = (int) param("FERRY_PARAM_EPOCHS", 200);
        double l2 = param("FERRY_PARAM_L2", 0.001);
        if (lr <= 0 || epochs < 1 || l2 < 0) throw new IllegalArgumentException("need LEARNINGRATE > 0, EPOCHS >= 1, L2 >= 0");

        List<String[]> all = readCsv(dataset);
        String[] header = all.remove(0);
        int labelCol = column(header, LABEL, dataset), idCol = column(header, ID, dataset);
        List<String[]> train = new ArrayList<>();
        for (String[] r : all) if (!isTest(r[idCol])) train.add(r);
        if (train.isEmpty()) throw new IllegalStateException("no training rows in " + dataset);
        System.out.printf("dataset %s: %d rows, %d in the training split%n", dataset, all.size(), train.size());

        // Column roles: numeric if every non-empty training value parses, else categorical.
        List<Integer> numCols = new ArrayList<>(), catCols = new ArrayList<>();
        for (int c = 0; c < header.length; c++) {
            if (c == labelCol || c == idCol) continue;
            boolean numeric = true;
            for (String[] r : train) if (!r[c].isEmpty() && parseOrNaN(r[c]).isNaN()) { numeric = false; break; }
            (numeric ? numCols : catCols).add(c);
        }

        // Standardization stats from non-empty training values; the mean doubles as the imputation value.
        double[] mean = new double[numCols.size()], std = new double[numCols.size()];
        for (int j = 0; j < numCols.size(); j++) {
            int c = numCols.get(j), n = 0;
            double s = 0, ss = 0;
            for (String[] r : train) if (!r[c].isEmpty()) { double v = Double.parseDouble(r[c]); s += v; ss += v * v; n++; }
            mean[j] = n == 0 ? 0 : s / n;
            double var = n == 0 ? 0 : ss / n - mean[j] * mean[j];
            std[j] = var > 1e-12 ? Math.sqrt(var) : 1; // constant column: avoid dividing by zero
        }
        // Category levels, sorted so the feature order is reproducible. Full one-hot (no dropped
        // level): L2 keeps it identifiable, and an unseen level simply scores as all zeros.
        List<List<String>> levels = new ArrayList<>();
        for (int c : catCols) {
            TreeSet<String> set = new TreeSet<>();
            for (String[] r : train) if (!r[c].isEmpty()) set.add(r[c]);
            levels.add(new ArrayList<>(set));
        }
        List<String> features = new ArrayList<>();
        for (int c : numCols) features.add(header[c]);
        for (int k = 0; k < catCols.size(); k++) for (String lv : levels.get(k)) features.add(header[catCols.get(k)] + "=" + lv);

        // Design matrix: standardized numerics (missing -> mean -> 0), then one-hot categories.
        int n = train.size(), d = features.size();
        double[][] x = new double[n][d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            String[] r = train.get(i);
            y[i] = label(r[labelCol], dataset);
            for (int j = 0; j < numCols.size(); j++) {
                String v = r[numCols.get(j)];
                x[i][j] = v.isEmpty() ? 0 : (Double.parseDouble(v) - mean[j]) / std[j];
            }
            int off = numCols.size();
            for (int k = 0; k < catCols.size(); k++) {
                int idx = levels.get(k).indexOf(r[catCols.get(k)]);
                if (idx >= 0) x[i][off + idx] = 1;
                off += levels.get(k).size();
            }
        }

        // Batch gradient descent on mean log-loss + (l2/2)*|w|^2; the intercept is not penalized.
        // The logged loss is measured on each epoch's weights before that epoch's update.
        double[] w = new double[d];
        double b = 0, loss = Double.NaN;
        long t0 = System.nanoTime();
        for (int e = 1; e <= epochs; e++) {
            double[] gw = new double[d];
            double gb = 0;
            loss = 0;
            for (int i = 0; i < n; i++) {
                double p = sigmoid(dot(w, x[i]) + b), err = p - y[i];
                loss -= y[i] == 1 ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15));
                for (int j = 0; j < d; j++) gw[j] += err * x[i][j];
                gb += err;
            }
            loss = loss / n + 0.5 * l2 * dot(w, w);
            for (int j = 0; j < d; j++) w[j] -= lr * (gw[j] / n + l2 * w[j]);
            b -= lr * gb / n;
            // Converging GD never goes far above the starting loss (ln 2); if it does, the step is too big.
            if (!Double.isFinite(loss) || !Double.isFinite(b) || loss > 10 * Math.log(2))
                throw new IllegalStateException("training diverged at epoch " + e + " (loss " + loss + "); lower FERRY_PARAM_LEARNINGRATE");
            if (e == 1 || e % Math.max(1, epochs / 10) == 0 || e == epochs) System.out.printf(Locale.ROOT, "epoch %4d  loss %.5f%n", e, loss);
        }
        System.out.printf(Locale.ROOT, "trained %d features for %d epochs in %d ms, final loss %.5f%n", d, epochs, (System.nanoTime() - t0) / 1_000_000, loss);

        double[] score = new double[n];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            score[i] = sigmoid(dot(w, x[i]) + b);
            if ((score[i] >= 0.5 ? 1 : 0) == y[i]) correct++;
        }
        double auc = auc(score, y), acc = (double) correct / n;

        // model.json: hand-written, format documented in README.md.
        StringBuilder m = new StringBuilder("{\n  \"format\": \"ferry-quickstart-logreg/v1\",\n");
        m.append("  \"label_column\": ").append(q(LABEL)).append(",\n  \"id_column\": ").append(q(ID)).append(",\n");
        m.append("  \"numeric\": [");
        for (int j = 0; j < numCols.size(); j++)
            m.append(j == 0 ? "\n" : ",\n").append("    {\"name\": ").append(q(header[numCols.get(j)]))
             .append(", \"mean\": ").append(mean[j]).append(", \"std\": ").append(std[j]).append("}");
        m.append("\n  ],\n  \"categorical\": [");
        for (int k = 0; k < catCols.size(); k++) {
            m.append(k == 0 ? "\n" : ",\n").append("    {\"name\": ").append(q(header[catCols.get(k)])).append(", \"levels\": [");
            for (int l = 0; l < levels.get(k).size(); l++) m.append(l == 0 ? "" : ", ").append(q(levels.get(k).get(l)));
            m.append("]}");
        }
        m.append("\n  ],\n  \"feature_names\": [");
        for (int j = 0; j < d; j++) m.append(j == 0 ? "" : ", ").append(q(features.get(j)));
        m.append("],\n  \"weights\": [");
        for (int j = 0; j < d; j++) m.append(j == 0 ? "" : ", ").append(w[j]);
        m.append("],\n  \"intercept\": ").append(b).append("\n}\n");
        Files.createDirectories(modelDir);
        Files.writeString(modelDir.resolve("model.json"), m, StandardCharsets.UTF_8);
        System.out.println("wrote " + modelDir.resolve("model.json"));

        String uri = System.getenv("FERRY_MODEL_URI");
        String artifact = uri != null && !uri.isEmpty() ? uri : modelDir.toString();
        writeResult(resultPath, String.format(Locale.ROOT,
                "{\"metrics\":{\"train_auc\":%.4f,\"train_accuracy\":%.4f,\"train_rows\":%d,\"final_loss\":%.5f},\"artifactUri\":%s}",
                auc, acc, n, loss, q(artifact)));
        System.out.printf(Locale.ROOT, "train AUC %.4f, accuracy %.4f%n", auc, acc);
    }

    static double label(String v, Path file) {
        if (v.equals("1")) return 1;
        if (v.equals("0")) return 0;
        throw new IllegalArgumentException(file + ": label " + LABEL + " must be 0 or 1, got '" + v + "'");
    }

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    static double dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }

    static Double parseOrNaN(String s) { try { return Double.parseDouble(s); } catch (NumberFormatException e) { return Double.NaN; } }

    static double param(String name, double def) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) return def;
        try { return Double.parseDouble(v.trim()); }
        catch (NumberFormatException e) { throw new IllegalArgumentException(name + " is not a number: '" + v + "'"); }
    }

    // ---- Helpers below are duplicated in Evaluate.java (single-file programs); keep them in sync. ----

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

    /** Held-out rule shared with Evaluate: FNV-1a 32-bit of the UTF-8 id, unsigned, mod 5 == 0. */
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

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
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
