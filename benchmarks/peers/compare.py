"""Drift-check beside its peers on the same files, same machine, interleaved runs.

    python3 compare.py --work DIR --ferry 'bin/ferry' --reference drift_reference.py \
        --python frouros=VENV/bin/python --python evidently=... --python nannyml=... [--rows 100000 --rows 1000000]

For each size it generates a baseline and a drifted current file (drift_reference.py gen), then runs,
in a rotating order each round: Ferry's default check, each peer doing its own default work, and
(for the speed ratio against numpy/scipy) the reference computing every statistic beside Ferry's
--all-tests. It reports median wall time and peak RSS (/usr/bin/time), ratios to Ferry, and whether
each statistic that two tools define the same way agrees; where definitions differ it says how.
Writes DIR/peers.json and prints a Markdown table. Exits 1 if a statistic that should agree does not.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

# (peer, its statistic, Ferry's statistic, factor on Ferry's value, column kind or None for both, why)
AGREE = [
    ("evidently", "wassersteinNormed", "wassersteinNormed", 1.0, "number",
     "Wasserstein distance over the baseline's standard deviation, as Ferry's wassersteinNormed"),
    ("evidently", "jsNatural", "js", math.sqrt(math.log(2)), "category",
     "Jensen-Shannon distance with natural logarithms: Ferry's (base 2) times sqrt(ln 2)"),
    ("nannyml", "js", "js", 1.0, "category", "Jensen-Shannon distance, base 2, over the categories"),
    ("frouros", "chi2PValue", "chi2PValue", 1.0, "category", "chi-square test of the contingency table"),
    ("reference", None, None, 1.0, None, "numpy/scipy: every statistic, same definitions"),
]
DIFFER = [
    ("frouros", "js", "number", "Jensen-Shannon over 10 equal-width bins of the value range; Ferry bins by the"
     " baseline's deciles (as PSI does), so its scale does not depend on outliers"),
    ("nannyml", "js", "number", "Jensen-Shannon over bins from numpy's 'doane' rule; Ferry uses the baseline's deciles"),
]
TOLERANCE = 1e-9


def timed(cmd, out_path):
    time_path = out_path + ".time"
    with open(out_path, "w") as out, open(out_path + ".err", "w") as err:
        rc = subprocess.call(["/usr/bin/time", "-f", "%e %M", "-o", time_path] + cmd, stdout=out, stderr=err)
    if rc not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({rc}): {open(out_path + '.err').read()[-2000:]}")
    wall, rss = open(time_path).read().split()[-2:]
    return float(wall), int(rss) // 1024


def stats_of(tool, path):
    data = json.load(open(path))
    if tool.startswith("ferry"):
        return {s["feature"]: dict(s["statistics"], type=s["type"]) for s in data["scores"]}
    if tool == "reference":
        return data["features"]
    return data["stats"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--ferry", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--jar", help="the jar, also run as plain java -jar (no archive, default collector)")
    p.add_argument("--python", action="append", default=[], help="peer=interpreter")
    p.add_argument("--rows", action="append", type=int)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    peers = dict(x.split("=", 1) for x in a.python)
    ferry = a.ferry.split()
    results = {}
    failures = []
    for rows in a.rows or [100000, 1000000]:
        base = os.path.join(a.work, f"base-{rows}.csv")
        cur = os.path.join(a.work, f"cur-{rows}.csv")
        for path, seed, shift in ((base, 1, "0"), (cur, 2, "0.1")):
            if not os.path.exists(path):
                subprocess.check_call([sys.executable, a.reference, "gen", path, "--rows", str(rows), "--seed",
                                       str(seed), "--shift", shift])
        tools = {"ferry": ferry + ["drift-check", "--baseline", base, "--current", cur, "--output", "json"]}
        if a.jar:
            tools["ferry (java -jar)"] = ["java", "-jar", a.jar, "drift-check", "--baseline", base, "--current", cur,
                                          "--output", "json"]
        for peer, python in peers.items():
            tools[peer] = [python, os.path.join(here, f"{peer}_check.py"), base, cur]
        tools["reference"] = [sys.executable, a.reference, "check", base, cur]
        tools["ferry-all-tests"] = ferry + ["drift-check", "--baseline", base, "--current", cur, "--all-tests",
                                            "--output", "json"]
        names = list(tools)
        runs = {n: [] for n in names}
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                runs[n].append(timed(tools[n], os.path.join(a.work, f"{n.split()[0]}{'-plain' if ' ' in n else ''}-{rows}.out")))
        medians = {n: {"wall": statistics.median(w for w, _ in runs[n]), "rss": max(m for _, m in runs[n]),
                       "walls": [w for w, _ in runs[n]]} for n in names}
        ours = stats_of("ferry-all-tests", os.path.join(a.work, f"ferry-all-tests-{rows}.out"))
        agreement = []
        for peer, theirs_name, ferry_name, factor, kind, why in AGREE:
            if peer not in tools:
                continue
            theirs = stats_of(peer, os.path.join(a.work, f"{peer}-{rows}.out"))
            worst = 0.0
            compared = 0
            for col, st in theirs.items():
                if col not in ours or (kind and ours[col]["type"] != kind):
                    continue
                for name, value in st.items():
                    if theirs_name is not None and name != theirs_name:
                        continue
                    mine = ours[col].get(ferry_name or name)
                    if mine is None or value is None:
                        continue
                    expected = mine * factor
                    scale = max(abs(expected), abs(value), 1e-300)
                    worst = max(worst, abs(expected - value) / scale if name.endswith("PValue") and scale < 1e-6
                                else abs(expected - value))
                    compared += 1
            ok = compared > 0 and worst <= TOLERANCE
            if not ok:
                failures.append(f"{rows} rows: {peer} {theirs_name or 'all'}: worst difference {worst:.3g}"
                                f" over {compared} values")
            agreement.append({"peer": peer, "statistic": theirs_name or "all", "values": compared,
                              "worstDifference": worst, "agrees": ok, "definition": why})
        for peer, name, kind, why in DIFFER:
            if peer in tools:
                agreement.append({"peer": peer, "statistic": f"{name} ({kind}s)", "agrees": None, "definition": why})
        results[rows] = {"runs": medians, "agreement": agreement}
    json.dump(results, open(os.path.join(a.work, "peers.json"), "w"), indent=2)
    print(f"machine: {os.cpu_count()} cores; load average {open('/proc/loadavg').read().split()[0]}; "
          f"{a.rounds} interleaved rounds, median wall time, largest peak RSS")
    print()
    print("| rows | tool | wall (s) | peak RSS (MiB) | time / Ferry's |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for rows, res in results.items():
        f = res["runs"]["ferry"]["wall"]
        for n, m in res["runs"].items():
            base_of = res["runs"]["ferry-all-tests"]["wall"] if n == "reference" else f
            label = n if n != "reference" else "numpy/scipy reference (every statistic)"
            ratio = m["wall"] / base_of
            note = " (to --all-tests)" if n == "reference" else ""
            print(f"| {rows:,} | {label} | {m['wall']:.2f} | {m['rss']} | {ratio:.2f}{note} |")
    print()
    print("| rows | peer | statistic | values | worst difference | agrees | definition |")
    print("| ---: | --- | --- | ---: | ---: | --- | --- |")
    for rows, res in results.items():
        for g in res["agreement"]:
            agrees = "differs by definition" if g["agrees"] is None else ("yes" if g["agrees"] else "NO")
            worst = "" if g["agrees"] is None else f"{g['worstDifference']:.1e}"
            print(f"| {rows:,} | {g['peer']} | {g['statistic']} | {g.get('values', '')} | {worst} | {agrees} |"
                  f" {g['definition']} |")
    if failures:
        print("\nstatistics that should agree and do not:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
