"""Evidently's DataDriftPreset (its defaults: normed Wasserstein for numbers, Jensen-Shannon distance
for categories above 1000 rows; KS and chi-square below) on the files drift_reference.py gen writes.

    python evidently_check.py BASE.csv CUR.csv   prints {"tool": "evidently", "stats": {column: {name: value}}}
"""
import json
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset

NAMES = {"Wasserstein distance (normed)": "wassersteinNormed", "Jensen-Shannon distance": "jsNatural",
         "K-S p_value": "ksPValue", "chi-square p_value": "chi2PValue"}


def main(base_path, cur_path):
    base = pd.read_csv(base_path).drop(columns=["label"])
    cur = pd.read_csv(cur_path).drop(columns=["label"])
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=base)
    stats = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            method = config.get("method")
            stats[config["column"]] = {NAMES.get(method, method): float(metric["value"])}
    print(json.dumps({"tool": "evidently", "stats": stats}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
