"""Benchmark C1 of BENCHMARKS.md: the model search of ``sklinear cv`` against scikit-learn.

Run ``python benchmarks/bench_cli.py`` (200,000 rows; ``--rows 20000`` for a quick run).
It writes a mixed CSV file (numeric columns on scales 1e-2..1e3, text columns, missing
values, a two-class text target), then times, on the same folds and grid (the command's
default: degrees 1 2 x alphas 1e-4 1e-3 1e-2, l2, 5 stratified folds shuffled with seed
0):

- ``sklinear cv FILE --target t --jobs J`` as a user runs it (a subprocess: reading the
  file, the search along warm-started paths, the refit of the best, the report);
- the equivalent scikit-learn pipeline in a plain GridSearchCV (``n_jobs=J``), reading the
  same file: ColumnTransformer(SimpleImputer(add_indicator=True) on the numbers;
  SimpleImputer(most_frequent, add_indicator=True) + OneHotEncoder(drop='first') on the
  text) -> PolynomialFeatures -> StandardScaler -> LogisticRegression with
  ``C = 1 / (alpha * n_train)`` (SPEC.md 1.1's correspondence; StandardScaler matches the
  command's penalty on standardised coefficients). The command's degree-2 design leaves
  out the terms that are 0 on every training row or equal to another (products of two
  dummies of one column, squares of 0/1 columns: ``PolyFeatures(drop_redundant=True)``),
  which PolynomialFeatures keeps;
- with ``--plain-sklinear``, also sklinear's own pipeline in a plain GridSearchCV, which
  isolates what the warm-started paths and the shared preprocessing gain.

The goal is a time ratio <= 0.5 (command / scikit-learn) at the same best score (within
0.002). Nothing here is a test; timings on a shared machine are noisy: with ``--jobs 1``
the CPU times of both sides are printed too, which a busy machine disturbs less.
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

DEGREES = [1, 2]
ALPHAS = [1e-4, 1e-3, 1e-2]
FOLDS = 5
SEED = 0


def mixed_table(n_rows, seed=0):
    """Numeric columns on scales 1e-2..1e3, text columns, missing values, text target."""
    rng = np.random.default_rng(seed)
    scales = [1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3]
    columns, signal = {}, np.zeros(n_rows)
    for number, scale in enumerate(scales):
        z = rng.normal(size=n_rows)
        signal += rng.normal() * z + 0.3 * (z**2 - 1) * (number % 2)
        columns[f"num{number}"] = scale * z + scale * 3
    for number, n_categories in enumerate((3, 8, 20)):
        codes = rng.integers(0, n_categories, size=n_rows)
        effects = rng.normal(size=n_categories)
        signal += effects[codes]
        labels = np.array([f"cat{number}_{k}" for k in range(n_categories)], dtype=object)
        columns[f"text{number}"] = labels[codes]
    frame = pd.DataFrame(columns)
    for name in ("num1", "num4", "text1"):
        frame.loc[rng.random(n_rows) < 0.05, name] = np.nan
    probability = 1 / (1 + np.exp(-(signal - np.median(signal))))
    frame["t"] = np.where(rng.random(n_rows) < probability, "yes", "no")
    return frame


def run_command(path, jobs):
    command = [sys.executable, "-m", "sklinear", "cv", path, "--target", "t", "--jobs",
               str(jobs), "--seed", str(SEED), "--folds", str(FOLDS), "-q"]  # fmt: skip
    command += ["--degree", *map(str, DEGREES), "--alpha", *map(str, ALPHAS)]
    started, cpu_before = time.perf_counter(), _children_cpu()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if result.returncode != 0:
        raise RuntimeError(f"sklinear cv failed: {result.stderr}")
    best = next(line for line in result.stdout.splitlines() if line.startswith("best"))
    score = float(re.search(r"\(accuracy ([0-9.]+)", best).group(1))
    return elapsed, cpu, score, best, result.stderr.strip()


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sklearn_search(frame, n_jobs):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler

    X, y = frame.drop(columns="t"), frame["t"]
    numeric = [c for c in X.columns if c.startswith("num")]
    text = [c for c in X.columns if c.startswith("text")]
    prepare = ColumnTransformer(
        [
            ("numbers", SimpleImputer(add_indicator=True), numeric),
            ("text", make_pipeline(
                SimpleImputer(strategy="most_frequent", add_indicator=True),
                OneHotEncoder(drop="first", handle_unknown="ignore", sparse_output=False),
            ), text),
        ]
    )  # fmt: skip
    pipeline = Pipeline(
        [
            ("prepare", prepare),
            ("poly", PolynomialFeatures(include_bias=False)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    n_train = len(y) * (FOLDS - 1) / FOLDS
    grid = {"poly__degree": DEGREES, "model__C": [1 / (a * n_train) for a in ALPHAS]}
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    search = GridSearchCV(pipeline, grid, cv=folds, scoring="accuracy", n_jobs=n_jobs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    return search, len(caught)


def plain_sklinear_search(frame, n_jobs):
    from sklearn.model_selection import GridSearchCV

    from sklinear.cli import _search

    X, y = frame.drop(columns="t"), frame["t"]
    pipeline = _search.build_pipeline("logistic", seed=SEED)
    grid = _search.build_param_grid(degrees=DEGREES, alphas=ALPHAS, penalties=["l2"],
                                    l1_ratios=[0.5], solver="auto")  # fmt: skip
    search = GridSearchCV(pipeline, grid, cv=_search.make_cv("logistic", FOLDS, SEED),
                          scoring="accuracy", n_jobs=n_jobs)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    return search, len(caught)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the table")
    parser.add_argument("--jobs", type=int, default=-1, help="processes (both sides)")
    parser.add_argument("--plain-sklinear", action="store_true",
                        help="also time sklinear's pipeline in a plain GridSearchCV")  # fmt: skip
    args = parser.parse_args(argv)

    frame = mixed_table(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mixed.csv")
        frame.to_csv(path, index=False)
        print(f"C1: {args.rows} rows x {frame.shape[1] - 1} features, grid "
              f"{len(DEGREES)} degrees x {len(ALPHAS)} alphas x {FOLDS} folds, "
              f"jobs {args.jobs}")  # fmt: skip
        ours, our_cpu, our_score, best, notes = run_command(path, args.jobs)
        cpu_note = f" (CPU {our_cpu:.1f} s)" if args.jobs == 1 else ""
        print(f"sklinear cv           {ours:8.1f} s  best accuracy {our_score:.4f}{cpu_note}")
        print(f"  {best}")
        if notes:
            print("  " + notes.replace("\n", "\n  "))

        started, cpu = time.perf_counter(), time.process_time()
        peer, n_warnings = sklearn_search(pd.read_csv(path), args.jobs)
        peer_time, peer_cpu = time.perf_counter() - started, time.process_time() - cpu
        cpu_note = f", CPU {peer_cpu:.1f} s" if args.jobs == 1 else ""
        print(f"scikit-learn search   {peer_time:8.1f} s  best accuracy {peer.best_score_:.4f} "
              f"({peer.best_params_}; {n_warnings} warnings{cpu_note})")  # fmt: skip
        if args.plain_sklinear:
            started, cpu = time.perf_counter(), time.process_time()
            plain, n_warnings = plain_sklinear_search(pd.read_csv(path), args.jobs)
            plain_time, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
            cpu_note = f", CPU {plain_cpu:.1f} s" if args.jobs == 1 else ""
            print(f"sklinear GridSearchCV {plain_time:8.1f} s  best accuracy "
                  f"{plain.best_score_:.4f} ({n_warnings} warnings{cpu_note})")  # fmt: skip
            print(f"  paths / plain search: {ours / plain_time:.2f}")
    ratio = ours / peer_time
    if args.jobs == 1:
        print(f"C1 CPU-time ratio {our_cpu / peer_cpu:.2f} (robust to a shared machine)")
    gap = peer.best_score_ - our_score
    status = "ok" if ratio <= 0.5 and gap <= 0.002 else "MISSED"
    print(f"C1 ratio {ratio:.2f} (goal <= 0.5), score gap {gap:+.4f} (goal <= 0.002): {status}")


if __name__ == "__main__":
    main()
