"""Writes houses.csv (training data) and houses-recent.csv (this month's sales, bigger houses
farther out: drifted). Deterministic: python3 data/generate.py reproduces both files."""
import csv
import pathlib

import numpy as np


def houses(n, seed, area_mean, distance_mean):
    rng = np.random.default_rng(seed)
    rooms = rng.integers(1, 7, n)
    area = np.clip(rng.normal(area_mean, 30, n) + 10 * rooms, 25, 400).round(1)
    age = rng.integers(0, 80, n)
    distance = np.clip(rng.gamma(2.0, distance_mean / 2.0, n), 0.2, 60).round(2)
    price = 50000 + 30000 * rooms + 1500 * area - 800 * age - 4000 * distance + rng.normal(0, 15000, n)
    return rooms, area, age, distance, np.maximum(price, 20000).round(0)


def write(path, n, seed, area_mean, distance_mean):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["house_id", "rooms", "area", "age", "distance_km", "price"])
        for i, row in enumerate(zip(*houses(n, seed, area_mean, distance_mean))):
            out.writerow([f"h{seed}-{i:05d}", int(row[0]), row[1], int(row[2]), row[3], int(row[4])])


here = pathlib.Path(__file__).parent
write(here / "houses.csv", 2000, 1, 70, 8)
write(here / "houses-recent.csv", 800, 2, 110, 16)
