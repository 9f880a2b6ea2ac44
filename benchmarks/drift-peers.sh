#!/usr/bin/env bash
# drift-check beside Evidently, NannyML and Frouros (and the numpy/scipy reference) on the same
# files, on this machine, in interleaved rounds: wall time, peak RSS, ratios, and agreement of each
# statistic the tools define alike. Peers come from PyPI, pinned in peers/requirements-*.txt, each in
# its own virtual environment under $WORK (created once, reused).
#
#   benchmarks/drift-peers.sh                       # 100,000 and 1,000,000 rows, 3 rounds
#   ROWS="100000" ROUNDS=5 benchmarks/drift-peers.sh
#
# Ferry runs as bin/ferry (the class-data sharing archive the build writes, the serial collector),
# the way its docs say to run it, and once more as a plain `java -jar` to show what those options
# buy. Results: the tables on stdout and $WORK/peers.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${WORK:-/tmp/ferry-drift-peers}
ROWS=${ROWS:-100000 1000000}
ROUNDS=${ROUNDS:-3}
REF=${FERRY_DRIFT_REFERENCE:-}
if [ -z "$REF" ]; then
  for c in "$ROOT/../shared/bench/drift_reference.py" "$ROOT/benchmarks/drift_reference.py"; do
    if [ -f "$c" ]; then REF=$c; break; fi
  done
fi
python3 -c 'import numpy, scipy' 2>/dev/null || { echo "needs python3 with numpy and scipy: python3 -m pip install numpy scipy" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
JAR=operator/target/ferry-operator.jar
if [ ! -f "$JAR" ] || [ -n "$(find operator/src/main -newer "$JAR" -print -quit)" ]; then
  mvn -B -q -pl operator package -DskipTests
fi
mkdir -p "$WORK"
args=()
for peer in frouros evidently nannyml; do
  venv=$WORK/venv-$peer
  req=benchmarks/peers/requirements-$peer.txt
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/requirements.txt"
  fi
  args+=(--python "$peer=$venv/bin/python")
done
for r in $ROWS; do args+=(--rows "$r"); done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); java $(java -version 2>&1 | head -1 | cut -d'"' -f2); $(python3 --version)"
exec python3 benchmarks/peers/compare.py --work "$WORK" --ferry "$ROOT/bin/ferry" --jar "$ROOT/$JAR" --reference "$REF" --rounds "$ROUNDS" "${args[@]}"
