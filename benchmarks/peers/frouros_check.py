"""Frouros on the files drift_reference.py gen writes: the work drift-check does by default, one
test per feature (Jensen-Shannon over 10 bins for the 8 numbers, chi-square for the 2 categories).

    python3 frouros_check.py BASE.csv CUR.csv      prints one line per feature: name, test, value

A first peer script (issue 16, item 6): it reads the CSV with numpy.genfromtxt, as
drift_reference.py does, which dominates its time; a fair comparison reads with pandas as a
Frouros user would, and is the next step before any ratio is reported.
"""
import sys

import numpy as np
from frouros.detectors.data_drift import JS, ChiSquareTest

NUMERIC = [f"x{i}" for i in range(8)]


def main(base_path, cur_path):
    base_num = np.genfromtxt(base_path, delimiter=",", skip_header=1, usecols=range(8), dtype=float)
    cur_num = np.genfromtxt(cur_path, delimiter=",", skip_header=1, usecols=range(8), dtype=float)
    base_cat = np.genfromtxt(base_path, delimiter=",", skip_header=1, usecols=(8, 9), dtype=str)
    cur_cat = np.genfromtxt(cur_path, delimiter=",", skip_header=1, usecols=(8, 9), dtype=str)
    for i, name in enumerate(NUMERIC):
        b = base_num[:, i][~np.isnan(base_num[:, i])]
        c = cur_num[:, i][~np.isnan(cur_num[:, i])]
        detector = JS(num_bins=10)
        detector.fit(X=b)
        result, _ = detector.compare(X=c)
        print(name, "js", float(result.distance))
    for j, name in enumerate(["c0", "c1"]):
        detector = ChiSquareTest()
        detector.fit(X=base_cat[:, j])
        result, _ = detector.compare(X=cur_cat[:, j])
        print(name, "chi2", float(result.p_value))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
