"""Frouros (https://github.com/IFCA-Advanced-Computing/frouros) doing drift-check's default work on
the files drift_reference.py gen writes, read as a Frouros user would (pandas): Jensen-Shannon over
10 bins for every number column, chi-square for every category column.

    python frouros_check.py BASE.csv CUR.csv     prints {"tool": "frouros", "stats": {column: {name: value}}}
"""
import json
import sys

import pandas as pd
from frouros.detectors.data_drift import JS, ChiSquareTest


def main(base_path, cur_path):
    base, cur = pd.read_csv(base_path), pd.read_csv(cur_path)
    stats = {}
    for col in base.columns:
        if col == "label":
            continue
        b, c = base[col].dropna(), cur[col].dropna()
        if pd.api.types.is_numeric_dtype(b):
            detector = JS(num_bins=10)
            detector.fit(X=b.to_numpy(dtype=float))
            result, _ = detector.compare(X=c.to_numpy(dtype=float))
            stats[col] = {"js": float(result.distance)}
        else:
            detector = ChiSquareTest()
            detector.fit(X=b.astype(str).to_numpy())
            result, _ = detector.compare(X=c.astype(str).to_numpy())
            stats[col] = {"chi2PValue": float(result.p_value)}
    print(json.dumps({"tool": "frouros", "stats": stats}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
