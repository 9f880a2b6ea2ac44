#!/usr/bin/env bash
# Object storage, measured against a real S3 server (S3Proxy over a folder, started here):
#  1. Ferry's storage path (multipart upload, streamed download, sha256 of both) against a plain
#     copy with the same AWS SDK and HTTP client, on one object (default 1024 MiB), medians of
#     interleaved rounds;
#  2. peak RSS of drift-check reading a CSV of about that size straight from the bucket
#     (/usr/bin/time -v), beside its size.
#   benchmarks/storage.sh                 # 1 GiB, 3 rounds (a few minutes)
#   benchmarks/storage.sh --mib 256 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=1024
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) MIB="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--mib N] [--rounds N]" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mvn -o -q -pl operator test-compile
CP="operator/target/test-classes:operator/target/classes:$(mvn -o -q -pl operator dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)"
java -Xmx2g -cp "$CP" dev.ferry.bench.StorageBenchmark --mib "$MIB" --rounds "$ROUNDS"
java -cp "$CP" dev.ferry.bench.DriftCheckFromBucket --mib "$MIB"
