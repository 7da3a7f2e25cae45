"""Benchmark the sklinear transformers against their peers (BENCHMARKS.md W4-W6).

Run ``python benchmarks/bench_transformers.py`` (``--quick`` for 10x smaller data). Each
time is the best of 3 ``fit_transform`` calls, sklinear and peer side by side in one
process; the goal is the ratio sklinear / peer.
"""

import argparse
import gc
import time

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures


def best_time(function, repeat=3):
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def categorical_frame(n_rows, seed=0):
    """n_rows x 4 string columns with 3, 10, 50 and 200 categories."""
    rng = np.random.default_rng(seed)
    columns = {}
    for n_categories in (3, 10, 50, 200):
        labels = np.array([f"c{n_categories}_{i}" for i in range(n_categories)], dtype=object)
        columns[f"x{n_categories}"] = labels[rng.integers(0, n_categories, n_rows)]
    return pd.DataFrame(columns)


def workloads(scale):
    n = int(1_000_000 * scale)
    frame = categorical_frame(n)
    yield (
        "W4 dummies dense",
        lambda frame=frame: DummyEncoder().fit_transform(frame),
        lambda frame=frame: pd.get_dummies(frame, drop_first=True, dtype=float),
        0.15,
    )
    yield (
        "W4-sparse dummies CSR",
        lambda frame=frame: DummyEncoder(sparse_output=True).fit_transform(frame),
        lambda frame=frame: OneHotEncoder(drop="first").fit_transform(frame),
        0.25,
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 20))
    X[rng.random(X.shape) < 0.1] = np.nan
    yield (
        "W5 impute + indicators",
        lambda: MissingIndicatorImputer().fit_transform(X),
        lambda: SimpleImputer(add_indicator=True).fit_transform(X),
        0.8,
    )
    n_poly = int(100_000 * scale)
    for n_features, degree in ((30, 2), (10, 3)):
        X = rng.normal(size=(n_poly, n_features))
        yield (
            f"W6 poly {n_features} features degree {degree}",
            lambda X=X, degree=degree: PolyFeatures(degree, include_bias=True).fit_transform(X),
            lambda X=X, degree=degree: PolynomialFeatures(degree).fit_transform(X),
            0.6,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="data 10x smaller")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    header = f"{'workload':34} {'sklinear s':>11} {'peer s':>9} {'ratio':>7} {'goal':>6}"
    print(header)
    print("-" * len(header))
    for name, ours, peer, goal in workloads(scale):
        ours_time = best_time(ours)
        peer_time = best_time(peer)
        ratio = ours_time / peer_time
        flag = "ok" if ratio <= goal else "MISSED"
        print(
            f"{name:34} {ours_time:11.3f} {peer_time:9.3f} {ratio:7.2f} <={goal:<4} {flag}",
            flush=True,
        )


if __name__ == "__main__":
    main()
