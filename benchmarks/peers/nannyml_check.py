"""NannyML's UnivariateDriftCalculator with its default method (Jensen-Shannon for numbers and for
categories), the whole current file as one chunk, on the files drift_reference.py gen writes.

    python nannyml_check.py BASE.csv CUR.csv     prints {"tool": "nannyml", "stats": {column: {name: value}}}
"""
import json
import sys
import warnings

import nannyml as nml
import pandas as pd


def main(base_path, cur_path):
    base, cur = pd.read_csv(base_path), pd.read_csv(cur_path)
    columns = [c for c in base.columns if c != "label"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "too few chunks": one chunk is the comparison drift-check makes
        calc = nml.UnivariateDriftCalculator(column_names=columns, chunk_number=1)
        calc.fit(base)
        result = calc.calculate(cur).filter(period="analysis").to_df()
    stats = {}
    for col in columns:
        stats[col] = {"js": float(result[col]["jensen_shannon"]["value"].iloc[0])}
    print(json.dumps({"tool": "nannyml", "stats": stats}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
