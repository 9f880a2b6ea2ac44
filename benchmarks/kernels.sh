#!/usr/bin/env bash
# Kernel throughput of drift-check on one core (JMH): values of a 1,000,000-value column per second.
#   benchmarks/kernels.sh            # full run (about 1.5 minutes)
#   benchmarks/kernels.sh -wi 1 -i 2 # quicker, noisier
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -pl operator test-compile
CP="operator/target/test-classes:operator/target/classes:$(mvn -o -q -pl operator dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)"
exec java -cp "$CP" org.openjdk.jmh.Main 'dev.ferry.stats.bench.KernelsBenchmark' -rf text -rff /dev/null "$@"
