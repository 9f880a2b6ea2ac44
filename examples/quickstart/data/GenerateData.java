/*
 * GenerateData: writes a synthetic customer-churn dataset as CSV for the Ferry quickstart.
 * JDK only; run it with the single-file source launcher.
 *
 * The committed files were produced, from the repository root, with exactly:
 *   churn.csv (5000 rows, seed 42, no drift):
 *     java examples/quickstart/data/GenerateData.java --rows 5000 --out examples/quickstart/data/churn.csv
 *   churn-production.csv (2000 rows, seed 7, drifted sample for a drift check):
 *     java examples/quickstart/data/GenerateData.java --rows 2000 --seed 7 --shift 1.0 --out examples/quickstart/data/churn-production.csv
 *
 * Options: --rows N (default 5000), --seed S (default 42), --shift X (default 0),
 *          --out PATH (default: stdout).
 *
 * Columns: customer_id, tenure, monthly_charges, support_calls, plan, channel, churned.
 * The label comes from a logistic model of the features plus noise on the logit, so a
 * logistic regression can learn it well but not perfectly (held-out AUC around 0.8).
 * --shift moves the feature distributions (shorter tenure, higher charges, more support
 * calls, more basic plans, more android) to imitate production drift.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class GenerateData {
    static final String[] PLANS = {"basic", "pro", "enterprise"};
    static final String[] CHANNELS = {"web", "ios", "android", "partner"};

    public static void main(String[] args) throws IOException {
        int rows = 5000;
        long seed = 42;
        double shift = 0;
        String out = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value for " + a);
                String v = args[++i];
                try {
                    switch (a) {
                        case "--rows" -> rows = Integer.parseInt(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        case "--shift" -> shift = Double.parseDouble(v);
                        case "--out" -> out = v;
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(a + " expects a number, got '" + v + "'");
                }
            }
            if (rows < 1) throw new IllegalArgumentException("--rows must be >= 1");
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: java GenerateData.java [--rows N] [--seed S] [--shift X] [--out PATH]");
            System.exit(2);
        }

        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(rows * 40);
        sb.append("customer_id,tenure,monthly_charges,support_calls,plan,channel,churned\n");
        Set<String> ids = new HashSet<>();
        int churned = 0;
        for (int i = 0; i < rows; i++) {
            // Random hex ids (not row numbers) so the hash-based train/test split looks like real data.
            String id;
            do { id = String.format("C%08x", rnd.nextInt()); } while (!ids.add(id));

            // Drift: the plan mix moves toward basic and away from enterprise.
            double pBasic = clamp(0.50 + 0.15 * shift, 0.05, 0.90);
            double pEnterprise = clamp(0.15 - 0.05 * shift, 0.02, 0.90);
            int plan = pick(rnd, pBasic, 1 - pBasic - pEnterprise, pEnterprise);
            // Drift: more android sign-ups, fewer web.
            double pAndroid = clamp(0.25 + 0.10 * shift, 0.02, 0.60);
            int channel = pick(rnd, 0.40 - 0.10 * shift, 0.25, pAndroid, 0.10);

            // Tenure: exponential, longer for bigger plans, capped at 72 months (a real spike there).
            double meanTenure = Math.max(3, new double[]{16, 26, 38}[plan] - 8 * shift);
            int tenure = (int) Math.min(72, Math.round(-meanTenure * Math.log(1 - rnd.nextDouble())));

            // Charges follow the plan price band; drift makes everything pricier.
            double charge = new double[]{32, 66, 95}[plan] + rnd.nextGaussian() * new double[]{8, 11, 12}[plan] + 15 * shift;
            charge = Math.round(clamp(charge, 18, 120) * 100) / 100.0;

            int calls = Math.min(10, poisson(rnd, 1.4 + 0.6 * shift + (plan == 0 ? 0.4 : 0)));

            // Ground-truth churn model: short tenure, high charges, many calls, basic plan and
            // the partner channel raise churn. Gaussian noise on the logit keeps AUC below 1.
            double logit = -1.0
                    - 0.09 * tenure
                    + 0.035 * (charge - 60)
                    + 0.6 * calls
                    + (plan == 0 ? 0.9 : plan == 2 ? -0.6 : 0)
                    + (channel == 3 ? 0.35 : 0)
                    + 0.5 * rnd.nextGaussian();
            int label = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
            churned += label;

            // About 0.5% of monthly_charges are missing, as an empty cell.
            String chargeCell = rnd.nextDouble() < 0.005 ? "" : String.format(Locale.ROOT, "%.2f", charge);
            sb.append(id).append(',').append(tenure).append(',').append(chargeCell).append(',')
              .append(calls).append(',').append(PLANS[plan]).append(',').append(CHANNELS[channel])
              .append(',').append(label).append('\n');
        }

        if (out == null) {
            System.out.print(sb);
        } else {
            Path p = Paths.get(out);
            if (p.getParent() != null) Files.createDirectories(p.getParent());
            Files.writeString(p, sb, StandardCharsets.UTF_8);
            System.err.printf(Locale.ROOT, "wrote %d rows to %s (churn rate %.1f%%)%n", rows, out, 100.0 * churned / rows);
        }
    }

    static double clamp(double v, double lo, double hi) { return Math.max(lo, Math.min(hi, v)); }

    /** Picks an index with the given (unnormalized) weights. */
    static int pick(Random rnd, double... w) {
        double total = 0;
        for (double x : w) total += Math.max(0, x);
        double u = rnd.nextDouble() * total;
        for (int i = 0; i < w.length; i++) {
            u -= Math.max(0, w[i]);
            if (u < 0) return i;
        }
        return w.length - 1;
    }

    /** Knuth's Poisson sampler; fine for the small means used here. */
    static int poisson(Random rnd, double lambda) {
        double l = Math.exp(-lambda), p = 1;
        int k = 0;
        do { k++; p *= rnd.nextDouble(); } while (p > l);
        return k - 1;
    }
}
