/*
 * DataParallelTrain: a data-parallel training step in PyTorch's conventions, JDK only, so the
 * example runs anywhere a JDK does. Every worker reads WORLD_SIZE, RANK, MASTER_ADDR and
 * MASTER_PORT (what Ferry gives a step with workers: N, and what torchrun gives its processes),
 * trains on its shard of the rows (row i belongs to rank i % WORLD_SIZE), and the workers sum
 * their gradients over TCP every epoch (rank 0 gathers and sends the sum back: an all-reduce),
 * so all ranks take the same steps and end with the same weights: those of full-batch gradient
 * descent on all rows, whatever the number of workers.
 *
 * Model: linear regression of the last CSV column on the others (numbers, a header row).
 * Rank 0 writes $FERRY_MODEL_PATH/model.json and the step's result; FERRY_PARAM_EPOCHS and
 * FERRY_PARAM_LEARNINGRATE tune it; FERRY_PARAM_FAILRANK makes that rank fail (for tests).
 */
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class DataParallelTrain {
    public static void main(String[] args) throws Exception {
        int world = Integer.parseInt(env("WORLD_SIZE", "1"));
        int rank = Integer.parseInt(env("RANK", "0"));
        if (String.valueOf(rank).equals(System.getenv("FERRY_PARAM_FAILRANK"))) {
            System.err.println("rank " + rank + ": failing on purpose (FERRY_PARAM_FAILRANK)");
            write(Paths.get(env("FERRY_RESULT_PATH", "/dev/termination-log")), "rank " + rank + " failed on purpose");
            System.exit(3);
        }
        int epochs = Integer.parseInt(env("FERRY_PARAM_EPOCHS", "300"));
        double lr = Double.parseDouble(env("FERRY_PARAM_LEARNINGRATE", "0.5"));

        List<double[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(Paths.get(env("FERRY_DATASET_PATH", null)), StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",");
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            if ((i - 1) % world != rank) continue; // this rank's shard
            rows.add(Arrays.stream(lines.get(i).split(",")).mapToDouble(Double::parseDouble).toArray());
        }
        int d = header.length - 1;
        double[] w = new double[d + 1]; // weights and the intercept last

        try (AllReduce group = AllReduce.join(rank, world, env("MASTER_ADDR", "127.0.0.1"),
                Integer.parseInt(env("MASTER_PORT", "29500")))) {
            System.out.println("rank " + rank + " of " + world + " joined; " + rows.size() + " rows in its shard");
            double loss = 0;
            long total = 0;
            for (int epoch = 0; epoch < epochs; epoch++) {
                double[] sums = new double[d + 3]; // gradient, squared error, row count
                for (double[] r : rows) {
                    double err = predict(w, r, d) - r[d];
                    for (int j = 0; j < d; j++) sums[j] += err * r[j];
                    sums[d] += err;
                    sums[d + 1] += err * err;
                    sums[d + 2] += 1;
                }
                double[] all = group.sum(sums);
                total = (long) all[d + 2];
                for (int j = 0; j <= d; j++) w[j] -= lr * all[j] / total;
                loss = all[d + 1] / total;
            }
            System.out.printf(Locale.ROOT, "rank %d: %d epochs over %d rows, mse %.6f%n", rank, epochs, total, loss);
            if (rank == 0) {
                Path modelDir = Paths.get(env("FERRY_MODEL_PATH", null));
                Files.createDirectories(modelDir);
                StringBuilder m = new StringBuilder("{\"features\": [");
                for (int j = 0; j < d; j++) m.append(j == 0 ? "" : ", ").append('"').append(header[j]).append('"');
                m.append("], \"weights\": ").append(Arrays.toString(Arrays.copyOf(w, d)))
                        .append(", \"intercept\": ").append(w[d]).append(", \"workers\": ").append(world).append("}\n");
                Files.writeString(modelDir.resolve("model.json"), m);
                write(Paths.get(env("FERRY_RESULT_PATH", "/dev/termination-log")), String.format(Locale.ROOT,
                        "{\"metrics\": {\"mse\": %.10f, \"rows\": %d, \"workers\": %d}}", loss, total, world));
            }
        }
    }

    static double predict(double[] w, double[] r, int d) {
        double y = w[d];
        for (int j = 0; j < d; j++) y += w[j] * r[j];
        return y;
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        if (v != null && !v.isBlank()) return v;
        if (fallback == null) throw new IllegalStateException(name + " is not set");
        return fallback;
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Sums vectors across ranks through rank 0, over one TCP connection per other rank. */
    static final class AllReduce implements Closeable {
        /** One connection, with its streams made once (a buffer must not be dropped between reads). */
        record Peer(Socket socket, DataInputStream in, DataOutputStream out) {
            static Peer of(Socket s) throws IOException {
                s.setTcpNoDelay(true);
                return new Peer(s, new DataInputStream(new BufferedInputStream(s.getInputStream())),
                        new DataOutputStream(new BufferedOutputStream(s.getOutputStream())));
            }
        }

        private final ServerSocket server;
        private final List<Peer> peers;

        private AllReduce(ServerSocket server, List<Peer> peers) {
            this.server = server;
            this.peers = peers;
        }

        static AllReduce join(int rank, int world, String host, int port) throws IOException, InterruptedException {
            if (world == 1) return new AllReduce(null, List.of());
            if (rank == 0) {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(port));
                Peer[] byRank = new Peer[world];
                for (int i = 1; i < world; i++) {
                    Peer p = Peer.of(server.accept());
                    byRank[p.in().readInt()] = p;
                }
                return new AllReduce(server, Arrays.asList(byRank).subList(1, world));
            }
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (true) { // rank 0 may not listen yet: its pod can start last
                try {
                    Peer p = Peer.of(new Socket(host, port));
                    p.out().writeInt(rank);
                    p.out().flush();
                    return new AllReduce(null, List.of(p));
                } catch (ConnectException | UnknownHostException e) {
                    if (System.nanoTime() > deadline) throw new IOException("rank 0 at " + host + ":" + port + " never answered", e);
                    Thread.sleep(200);
                }
            }
        }

        double[] sum(double[] mine) throws IOException {
            if (peers.isEmpty()) return mine;
            if (server != null) { // rank 0: gather, add, send back
                double[] total = mine.clone();
                for (Peer p : peers) {
                    double[] theirs = read(p, mine.length);
                    for (int i = 0; i < total.length; i++) total[i] += theirs[i];
                }
                for (Peer p : peers) send(p, total);
                return total;
            }
            send(peers.get(0), mine);
            return read(peers.get(0), mine.length);
        }

        private static void send(Peer p, double[] v) throws IOException {
            for (double x : v) p.out().writeDouble(x);
            p.out().flush();
        }

        private static double[] read(Peer p, int n) throws IOException {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = p.in().readDouble();
            return v;
        }

        @Override
        public void close() throws IOException {
            for (Peer p : peers) p.socket().close();
            if (server != null) server.close();
        }
    }
}
