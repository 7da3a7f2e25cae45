"""Benchmark the sklinear transformers against their peers (BENCHMARKS.md W4-W6).

Run ``python benchmarks/bench_transformers.py`` (``--quick`` for 10x smaller data). Each
time is the best of 3 ``fit_transform`` calls, sklinear and peer side by side in one
process; the goal is the ratio sklinear / peer.

W4's dense output (1,000,000 x 259 float64, 2 GiB) also prints its *floor*: the best of 3
times to allocate a zero array of the output's shape and touch each of its pages, with as
many threads as sklinear uses (the kernel zeroes every page on first touch), and that
floor over the peer's time: no encoder can return the array faster, so a goal below the
floor ratio cannot hold on the machine.
"""

import argparse
import gc
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures
from sklinear._data import available_threads


def best_time(function, repeat=3):
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def output_floor(shape, repeat=3):
    """Best time to allocate ``np.zeros(shape)`` and touch every page of it, the rows
    split between ``available_threads()`` threads (each faults its own pages in)."""
    threads = available_threads()
    step = max(1, 4096 // 8)

    def touch(block):
        block[:, ::step] = 0.0

    bounds = np.linspace(0, shape[0], threads + 1).astype(int)
    ranges = list(zip(bounds[:-1], bounds[1:], strict=True))

    def allocate():
        out = np.zeros(shape)
        list(pool.map(touch, [out[a:b] for a, b in ranges]))
        return out

    with ThreadPoolExecutor(threads) as pool:
        return best_time(allocate, repeat)


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
        lambda: output_floor((n, sum(k - 1 for k in (3, 10, 50, 200)))),
    )
    yield (
        "W4-sparse dummies CSR",
        lambda frame=frame: DummyEncoder(sparse_output=True).fit_transform(frame),
        lambda frame=frame: OneHotEncoder(drop="first").fit_transform(frame),
        0.25,
        None,
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 20))
    X[rng.random(X.shape) < 0.1] = np.nan
    yield (
        "W5 impute + indicators",
        lambda: MissingIndicatorImputer().fit_transform(X),
        lambda: SimpleImputer(add_indicator=True).fit_transform(X),
        0.8,
        None,
    )
    n_poly = int(100_000 * scale)
    for n_features, degree in ((30, 2), (10, 3)):
        X = rng.normal(size=(n_poly, n_features))
        yield (
            f"W6 poly {n_features} features degree {degree}",
            lambda X=X, degree=degree: PolyFeatures(degree, include_bias=True).fit_transform(X),
            lambda X=X, degree=degree: PolynomialFeatures(degree).fit_transform(X),
            0.6,
            None,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="data 10x smaller")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    header = (
        f"{'workload':34} {'sklinear s':>11} {'peer s':>9} {'ratio':>7} {'goal':>6}"
        f"        {'floor s':>8} {'floor/peer':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, ours, peer, goal, floor in workloads(scale):
        ours_time = best_time(ours)
        peer_time = best_time(peer)
        ratio = ours_time / peer_time
        flag = "ok" if ratio <= goal else "MISSED"
        bound = ""
        if floor is not None:
            floor_time = floor()
            bound = f" {floor_time:8.3f} {floor_time / peer_time:10.2f}"
        print(
            f"{name:34} {ours_time:11.3f} {peer_time:9.3f} {ratio:7.2f} <={goal:<4} "
            f"{flag:7}{bound}",
            flush=True,
        )


if __name__ == "__main__":
    main()
