#!/usr/bin/env bash
# drift-check against the numpy/scipy reference on the same files, on the same machine, in one run.
#
#   benchmarks/drift-vs-scipy.sh                 # 1,000,000-row baseline and current files
#   ROWS=100000 benchmarks/drift-vs-scipy.sh     # smaller
#
# Generates the files with drift_reference.py gen (cached in $WORK), times
#   reference: python3 drift_reference.py check BASE CUR            (prints every statistic)
#   ferry:     drift-check --baseline BASE --current CUR --all-tests --output json
#              (every statistic too, so the two do the same work), then the default check
#              (the configured test per feature) and a check against a stored profile,
# checks that the numbers agree, and prints wall time, CPU time, peak memory and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROWS=${ROWS:-1000000}
WORK=${WORK:-/tmp/ferry-drift-bench}
REF=${FERRY_DRIFT_REFERENCE:-}
if [ -z "$REF" ]; then
  for c in "$ROOT/../shared/bench/drift_reference.py" "$ROOT/benchmarks/drift_reference.py"; do
    if [ -f "$c" ]; then REF=$c; break; fi
  done
fi
python3 -c 'import numpy, scipy' 2>/dev/null || { echo "needs python3 with numpy and scipy: pip install numpy scipy" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
JAR=operator/target/ferry-operator.jar
if [ ! -f "$JAR" ] || [ -n "$(find operator/src/main -newer "$JAR" -print -quit)" ]; then
  mvn -o -q -pl operator package -DskipTests
fi
# java [options] "${DRIFT[@]}" ARGS runs drift-check from the jar (through ferry's main once it registers it)
if java -jar "$JAR" --help 2>/dev/null | grep -qw drift-check; then
  DRIFT=(-jar "$JAR" drift-check)
else
  DRIFT=(-cp "$JAR" dev.ferry.tools.DriftCheckCommand)
fi
mkdir -p "$WORK"
BASE=$WORK/base-$ROWS.csv
CUR=$WORK/cur-$ROWS.csv
[ -f "$BASE" ] || python3 "$REF" gen "$BASE" --rows "$ROWS" --seed 1
[ -f "$CUR" ] || python3 "$REF" gen "$CUR" --rows "$ROWS" --seed 2 --shift 0.1

# measure NAME CMD...: runs CMD with stdout to $WORK/NAME.out, records wall, user+sys and peak RSS
measure() {
  local name=$1; shift
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
  local rc=$?
  set -e
  if [ "$rc" -gt 1 ]; then echo "$name failed ($rc):" >&2; cat "$WORK/$name.err" >&2; exit 2; fi
  read -r wall user sys rss < <(tail -1 "$WORK/$name.time")
  printf '%-30s wall %7.2f s   cpu %7.2f s   peak RSS %6d MiB\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" $((rss / 1024))
  local var=${name//-/_}; eval "${var}_wall=$wall"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files: $BASE and $CUR ($ROWS rows each, $(du -m "$BASE" | cut -f1) MiB each)"
measure reference python3 "$REF" check "$BASE" "$CUR"
measure ferry-all-tests java "${DRIFT[@]}" --baseline "$BASE" --current "$CUR" --all-tests --output json
measure ferry-default java "${DRIFT[@]}" --baseline "$BASE" --current "$CUR" --output json
measure ferry-profile java "${DRIFT[@]}" profile --baseline "$BASE" --out "$WORK/profile-$ROWS.json"
echo "  (profile: $(du -m "$WORK/profile-$ROWS.json" | cut -f1) MiB)"
measure ferry-vs-profile java "${DRIFT[@]}" --baseline "$WORK/profile-$ROWS.json" --current "$CUR" --all-tests --output json
measure ferry-vs-profile-default java "${DRIFT[@]}" --baseline "$WORK/profile-$ROWS.json" --current "$CUR" --output json
# The same in a small heap: what a CronJob with a memory limit needs.
measure ferry-all-tests-Xmx400m java -Xmx400m "${DRIFT[@]}" --baseline "$BASE" --current "$CUR" --all-tests --output json
measure ferry-vs-profile-default-Xmx64m java -Xmx64m "${DRIFT[@]}" --baseline "$WORK/profile-$ROWS.json" --current "$CUR" --output json

python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
ref = json.load(open(f"{w}/reference.out"))
worst_rel, worst_p = 0.0, 0.0
for name in ("ferry-all-tests", "ferry-vs-profile"):
    ours = {s["feature"]: s["statistics"] for s in json.load(open(f"{w}/{name}.out"))["scores"]}
    for f, stats in ref["features"].items():
        for k, v in stats.items():
            mine = ours[f][k]
            if k.endswith("PValue"):
                worst_p = max(worst_p, abs(mine - v))
            else:
                worst_rel = max(worst_rel, abs(mine - v) / max(abs(v), 1e-300))
ok = worst_rel <= 1e-9 and worst_p <= 1e-6
print(f"numbers: worst relative difference {worst_rel:.2e} (statistics), worst absolute {worst_p:.2e} (p-values): "
      + ("equal within 1e-9 / 1e-6" if ok else "NOT EQUAL"))
print(f"reference: load {ref['loadSeconds']:.2f} s, compute {ref['computeSeconds']:.2f} s")
print(f"REF_COMPUTE={ref['computeSeconds']:.3f}", file=open(f"{w}/ref.env", "w"))
sys.exit(0 if ok else 1)
PY
. "$WORK/ref.env"
ratio() { echo "scale=3; $1 / $2" | bc; }
echo "ratio all-tests / reference:         $(ratio "$ferry_all_tests_wall" "$reference_wall")   (goal: at most 0.25)"
echo "ratio default / reference:           $(ratio "$ferry_default_wall" "$reference_wall")"
echo "ratio vs-profile all-tests / reference: $(ratio "$ferry_vs_profile_wall" "$reference_wall")"
echo "all-tests wall / reference compute:  $(ratio "$ferry_all_tests_wall" "$REF_COMPUTE")   (stretch: under 1)"
