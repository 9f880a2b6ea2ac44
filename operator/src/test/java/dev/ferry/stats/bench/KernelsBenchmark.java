package dev.ferry.stats.bench;

import dev.ferry.stats.Binning;
import dev.ferry.stats.Divergence;
import dev.ferry.stats.Ecdf;
import dev.ferry.stats.KolmogorovSmirnov;
import dev.ferry.stats.Quantiles;
import dev.ferry.stats.Sorting;
import dev.ferry.stats.Wasserstein;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-column kernels of drift-check on one core, in values per second (one operation is one
 * value of the current column): KS from unsorted current values (copy, sort, distinct counts,
 * statistic and p-value against a stored exact baseline), Wasserstein the same way, and PSI plus
 * Jensen-Shannon against a stored profile (bin every value by the 9 decile edges, then both
 * distances over the 10 counts). Run with {@code benchmarks/kernels.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "-XX:ActiveProcessorCount=1"})
@Threads(1)
public class KernelsBenchmark {
  static final int N = 1_000_000;

  @Param({"normal6g"})
  public String data;

  double[] current;
  double[] scratch;
  Ecdf baseline;
  double[] edges;
  long[] baselineBins;

  @Setup(Level.Trial)
  public void setup() {
    Random r = new Random(1);
    double[] b = new double[N];
    current = new double[N];
    for (int i = 0; i < N; i++) {
      // values as a CSV with 6 significant digits holds them: ties happen, as in real data
      b[i] = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.6g", 50 + 10 * r.nextGaussian()));
      current[i] = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.6g", 50.5 + 10 * r.nextGaussian()));
    }
    Sorting.sort(b, N);
    edges = Quantiles.decileEdges(b, N);
    baseline = Ecdf.ofSorted(b, N);
    baselineBins = Binning.countSorted(edges, baseline);
    scratch = new double[N];
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double ks() {
    System.arraycopy(current, 0, scratch, 0, N);
    Sorting.sort(scratch, N);
    Ecdf c = Ecdf.ofSorted(scratch, N);
    return KolmogorovSmirnov.test(baseline, c).pValue();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double ksAndWasserstein() {
    System.arraycopy(current, 0, scratch, 0, N);
    Sorting.sort(scratch, N);
    Ecdf c = Ecdf.ofSorted(scratch, N);
    return KolmogorovSmirnov.test(baseline, c).pValue() + Wasserstein.distance(baseline, c);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double psiAndJsAgainstProfile() {
    long[] bins = new long[10];
    Binning.count(edges, current, N, bins);
    return Divergence.psi(baselineBins, bins) + Divergence.jensenShannon(baselineBins, bins);
  }
}
