"""Fits a linear regression of house prices (numpy least squares) and reports its held-out error.

The step contract: the dataset at $FERRY_DATASET_PATH, the model goes to $FERRY_MODEL_PATH
(a folder no other run writes), the result (metrics) to $FERRY_RESULT_PATH."""
import json
import os

import numpy as np

FEATURES = ["rooms", "area", "age", "distance_km"]

data = np.genfromtxt(os.environ["FERRY_DATASET_PATH"], delimiter=",", names=True, dtype=None, encoding="utf-8")
x = np.column_stack([np.ones(len(data))] + [data[f].astype(float) for f in FEATURES])
y = data["price"].astype(float)

order = np.random.default_rng(7).permutation(len(y))
cut = int(0.8 * len(y))
train, test = order[:cut], order[cut:]
coef, *_ = np.linalg.lstsq(x[train], y[train], rcond=None)
error = x[test] @ coef - y[test]
rmse = float(np.sqrt(np.mean(error ** 2)))
r2 = float(1 - np.sum(error ** 2) / np.sum((y[test] - y[test].mean()) ** 2))

model_dir = os.environ["FERRY_MODEL_PATH"]
os.makedirs(model_dir, exist_ok=True)
with open(os.path.join(model_dir, "model.json"), "w") as f:
    json.dump({"features": FEATURES, "intercept": coef[0], "coefficients": coef[1:].tolist()}, f)
with open(os.environ["FERRY_RESULT_PATH"], "w") as f:
    json.dump({"metrics": {"rmse": rmse, "r2": r2}}, f)
print(f"trained on {len(train)} houses: rmse {rmse:.0f}, r2 {r2:.3f}")
