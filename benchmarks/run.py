"""Estimator benchmarks of BENCHMARKS.md: sklinear against its scikit-learn peers.

    python benchmarks/run.py [--quick] [--only W1,W2,...] [--skip-slow] [--transformers]

One row per workload: sklinear time, peer time (each the best of 3 fits, side by side in
one process), their ratio, the goal, the relative objective gap (J_sklinear - J_peer) / |J_peer|
with J of SPEC.md 1.1 computed from ``coef_`` / ``intercept_``, the ConvergenceWarnings seen
(sklinear/peer), the passes over X per sklinear fit, and ok / MISSED. ``--quick`` divides
every sample count by 10 and times one fit each (a smoke test). ``--skip-slow`` leaves out
the W1-raw peer (~55 s a fit; ``--quick`` implies it). The CERT rows check the optimality
certificate of every full-batch sklinear fit of the run (see ``_certify.py``).
``--transformers`` adds W4-W6 from ``benchmarks/bench_transformers.py``. See
benchmarks/README.md for the columns and the latest table.
"""

import argparse
import os
import platform
import sys
import time
from datetime import date

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, r2_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _certify import RECORDER  # noqa: E402
from _rows_dask import s1, s2, s3  # noqa: E402
from _rows_multiclass import w8, w8_ovr  # noqa: E402
from _rows_precision import f2  # noqa: E402
from _rows_sparse import w7, w7_sgd  # noqa: E402
from _rows_wide import w9, w10  # noqa: E402
from _table import (  # noqa: E402
    Row,
    compare,
    epochs,
    format_header,
    format_row,
    peer_iter,
    status,
    timed_ours,
)
from _workloads import (  # noqa: E402
    REPEAT,
    Timed,
    classification,
    classification_raw,
    classification_split,
    objective_binary,
    objective_multinomial,
    objective_squared,
    regression,
    regression_split,
    relative_gap,
    traced_peak,
)

from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier  # noqa: E402

# --- workloads -------------------------------------------------------------------------------


def w1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return compare("W1", ours, peer, 0.5, lambda m: objective_binary(m, X, y, 1 / n), data=(X, y))


def w1_gd(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n, solver="gd"), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return compare(
        "W1-gd", ours, peer, 1.5, lambda m: objective_binary(m, X, y, 1 / n), data=(X, y)
    )


def w1_raw(scale, skip_slow=False, **_):
    X, y = classification_raw(int(200_000 * scale))
    n = X.shape[0]
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    if skip_slow:
        RECORDER.record("W1-raw", ours.model, lambda m: objective_binary(m, X, y, 1 / n), X, y)
        return Row(
            workload="W1-raw",
            ours=ours.time,
            goal="<=0.1",
            warnings=f"{ours.convergence_warnings}/-",
            passes=ours.passes,
            status="skipped",
            note=f"peer skipped (--skip-slow); n_iter {ours.model.n_iter_}",
        )
    peer = Timed(lambda: LogisticRegression(C=1.0, max_iter=100_000), X, y, repeat=1)
    row = compare(
        "W1-raw",
        ours,
        peer,
        0.1,
        lambda m: objective_binary(m, X, y, 1 / n),
        "peer 1 fit;",
        data=(X, y),
    )
    if ours.convergence_warnings:
        row["status"] = "MISSED"
    return row


def w1_l1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n, alpha = X.shape[0], 1e-3
    ours = timed_ours(lambda: GDLogisticClassifier(penalty="l1", alpha=alpha), X, y)
    peer = Timed(lambda: LogisticRegression(C=1 / (alpha * n), l1_ratio=1.0, solver="saga"), X, y)
    row = compare(
        "W1-l1",
        ours,
        peer,
        0.2,
        lambda m: objective_binary(m, X, y, alpha, l1_ratio=1.0),
        data=(X, y),
    )
    nonzero = np.count_nonzero(ours.model.coef_), np.count_nonzero(peer.model.coef_)
    row["note"] += f" nnz {nonzero[0]}/{nonzero[1]}"
    return row


def w1_sgd(scale, **_):
    X_train, X_test, y_train, y_test = classification_split(int(200_000 * scale))
    ours = timed_ours(lambda: GDLogisticClassifier(solver="sgd", random_state=0), X_train, y_train)
    peer = Timed(lambda: SGDClassifier(loss="log_loss", random_state=0), X_train, y_train)
    acc_ours = accuracy_score(y_test, ours.model.predict(X_test))
    acc_peer = accuracy_score(y_test, peer.model.predict(X_test))
    ratio = ours.time / peer.time
    return Row(
        workload="W1-sgd",
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal="<=0.25",
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=epochs(ours, X_train),
        status=status(ratio, 0.25, extra_ok=acc_ours >= acc_peer),
        note=f"held-out acc {acc_ours:.4f}/{acc_peer:.4f}; epochs "
        f"{ours.model.n_iter_}/{peer_iter(peer.model)}",
    )


def w2(scale, **_):
    X, y = regression(int(200_000 * scale))
    n = X.shape[0]
    ours = timed_ours(lambda: GDLinearRegressor(alpha=1 / n), X, y)
    peer = Timed(lambda: Ridge(alpha=1.0), X, y)
    return compare("W2", ours, peer, 1.0, lambda m: objective_squared(m, X, y, 1 / n), data=(X, y))


def w2_sgd(scale, **_):
    X_train, X_test, y_train, y_test = regression_split(int(200_000 * scale))
    ours = timed_ours(lambda: GDLinearRegressor(solver="sgd", random_state=0), X_train, y_train)
    peer = Timed(lambda: SGDRegressor(random_state=0), X_train, y_train)
    r2_ours = r2_score(y_test, ours.model.predict(X_test))
    r2_peer = r2_score(y_test, peer.model.predict(X_test))
    ratio = ours.time / peer.time
    return Row(
        workload="W2-sgd",
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal="<=0.25",
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=epochs(ours, X_train),
        status=status(ratio, 0.25, extra_ok=r2_ours >= r2_peer),
        note=f"held-out R2 {r2_ours:.6f}/{r2_peer:.6f}; epochs "
        f"{ours.model.n_iter_}/{peer_iter(peer.model)}",
    )


def w3(scale, **_):
    X, y = classification(int(100_000 * scale), n_features=50, n_informative=30, n_classes=10)
    n = X.shape[0]
    ours = timed_ours(lambda: SoftmaxClassifier(alpha=1 / n), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return compare(
        "W3", ours, peer, 0.5, lambda m: objective_multinomial(m, X, y, 1 / n), data=(X, y)
    )


def m1(scale, **_):
    X, y = classification(int(200_000 * scale))
    X = np.ascontiguousarray(X)
    n = X.shape[0]
    peak = traced_peak(lambda: GDLogisticClassifier(alpha=1 / n).fit(X, y))
    ratio = peak / X.nbytes
    return Row(
        workload="M1",
        ours=None,
        ratio=ratio,
        goal="<=0.1",
        status=status(ratio, 0.1),
        note=f"peak {peak / 2**20:.1f} MiB during fit, X {X.nbytes / 2**20:.1f} MiB (C order)",
    )


def f1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    X32 = X.astype(np.float32)
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X32, y)
    reference = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    ratio = ours.time / reference.time
    gap = relative_gap(
        objective_binary(ours.model, X, y, 1 / n), objective_binary(reference.model, X, y, 1 / n)
    )
    RECORDER.record("F1-f64", reference.model, lambda m: objective_binary(m, X, y, 1 / n), X, y)
    X32_values = X32.astype(np.float64)  # the float32 fit's own problem, in float64
    RECORDER.record(
        "F1",
        ours.model,
        lambda m: objective_binary(m, X32_values, y, 1 / n),
        X32,
        y,
        refit_X=X32_values,
    )
    return Row(
        workload="F1",
        ours=ours.time,
        peer=reference.time,
        ratio=ratio,
        goal="<=0.6",
        gap=gap,
        warnings=f"{ours.convergence_warnings}/{reference.convergence_warnings}",
        passes=ours.passes,
        status=status(ratio, 0.6),
        note=f"peer = sklinear on float64; passes f32/f64 {ours.passes:g}/{reference.passes:g}; "
        f"coef dtype {ours.model.coef_.dtype}",
    )


def g1(scale, **_):
    times = {}
    for n in (50_000, 100_000, 200_000, 400_000):
        n_scaled = int(n * scale)
        X, y = classification(n_scaled)
        timed = timed_ours(lambda a=1 / n_scaled: GDLogisticClassifier(alpha=a), X, y)
        times[n] = (timed.time, timed.passes)
        if n != 200_000:  # W1 (200k) is kept for the other workloads
            classification.cache_clear()
        del X, y
    ratio = times[400_000][0] / times[50_000][0]
    detail = ", ".join(f"{n // 1000}k {t:.3f}s/{p:g}p" for n, (t, p) in times.items())
    return Row(
        workload="G1",
        ours=times[400_000][0],
        peer=times[50_000][0],
        ratio=ratio,
        goal="<=10",
        status=status(ratio, 10.0),
        note=f"t(400k)/t(50k); {detail}",
    )


def pass_time(scale, **_):
    """PASS: one full pass of a W1 fit (``value_and_gradient`` inside the fit, under the
    fit's own thread limits; the median over the fit's passes) against ``X @ w`` plus
    ``X.T @ r`` with every BLAS thread (best of 10)."""
    from threadpoolctl import threadpool_info

    from sklinear import _objective
    from sklinear._data import available_threads

    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    original = _objective.LinearObjective.value_and_gradient
    times = []

    def timing(objective, theta, rows=None):
        start = time.perf_counter()
        result = original(objective, theta, rows)
        if rows is None:
            times.append(time.perf_counter() - start)
        return result

    _objective.LinearObjective.value_and_gradient = timing
    try:
        for _ in range(3):
            GDLogisticClassifier(alpha=1 / n).fit(X, y)
    finally:
        _objective.LinearObjective.value_and_gradient = original
    ours = float(np.median(times))
    w, r = np.full(X.shape[1], 0.01), np.full(n, 0.5)
    best = np.inf
    for _ in range(10):
        start = time.perf_counter()
        X @ w
        X.T @ r
        best = min(best, time.perf_counter() - start)
    blas = max((info.get("num_threads", 1) for info in threadpool_info()), default=1)
    ratio = ours / best
    return Row(
        workload="PASS",
        ours=ours,
        peer=best,
        ratio=ratio,
        goal="<=1",
        status=status(ratio, 1.0),
        note=f"median of {len(times)} passes in 3 W1 fits ({available_threads()} pass threads) "
        f"vs X @ w + X.T @ r ({blas} BLAS threads)",
    )


def transformer_rows(scale, only):
    """W4-W6 through benchmarks/bench_transformers.py (another engineer's harness)."""
    import bench_transformers

    for name, ours, peer, goal, floor in bench_transformers.workloads(scale):
        key = name.split()[0]
        if only and key not in only:
            continue
        ours_time = bench_transformers.best_time(ours)
        peer_time = bench_transformers.best_time(peer)
        ratio = ours_time / peer_time
        note = name
        if floor is not None:  # the output's allocation alone (see bench_transformers)
            floor_time = floor()
            note += f"; floor {floor_time:.3f} s = {floor_time / peer_time:.2f} of the peer"
        yield Row(
            workload=key,
            ours=ours_time,
            peer=peer_time,
            ratio=ratio,
            goal=f"<={goal:g}",
            status=status(ratio, goal),
            note=note,
        )


def cert(scale, **_):
    """CERT rows: one per full-batch sklinear fit recorded by the rows run before."""
    rows = RECORDER.rows()
    if not rows:
        return Row(workload="CERT", status="n/a", note="no full-batch fit was recorded")
    return rows


WORKLOADS = {
    "W1": w1,
    "W1-gd": w1_gd,
    "W1-raw": w1_raw,
    "W1-l1": w1_l1,
    "W1-sgd": w1_sgd,
    "W2": w2,
    "W2-sgd": w2_sgd,
    "W3": w3,
    "W7": w7,
    "W7-sgd": w7_sgd,
    "W8": w8,
    "W8-ovr": w8_ovr,
    "W9": w9,
    "W10": w10,
    "M1": m1,
    "F1": f1,
    "F2": f2,
    "G1": g1,
    "PASS": pass_time,
    "S1": s1,
    "S2": s2,
    "S3": s3,
    "CERT": cert,  # last: it reports on the fits of the rows before it
}
TRANSFORMER_IDS = ("W4", "W4-sparse", "W5", "W6")
# `--only CERT` alone certifies the fits of these rows.
CERT_DEFAULT_ROWS = ("W1", "W1-l1", "W2", "W3")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="every n divided by 10, one fit per timing"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated ids, e.g. W1,W7,CERT (CERT alone also runs "
        + ",".join(CERT_DEFAULT_ROWS)
        + ")",
    )
    parser.add_argument(
        "--skip-slow",
        action="store_true",
        help="leave out the W1-raw peer (~55 s per fit; implied by --quick)",
    )
    parser.add_argument(
        "--transformers", action="store_true", help="also run W4-W6 (bench_transformers.py)"
    )
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    if args.quick:
        REPEAT["fits"] = 1
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(WORKLOADS) - set(TRANSFORMER_IDS)
    if unknown:
        known = [*WORKLOADS, *TRANSFORMER_IDS]
        parser.error(f"unknown workloads {sorted(unknown)}; known: {known}")
    if only == ["CERT"]:
        only = [*CERT_DEFAULT_ROWS, "CERT"]
    selected = [name for name in WORKLOADS if not only or name in only]
    RECORDER.enabled = "CERT" in selected
    print(
        f"# sklinear benchmarks, {date.today()}, {platform.node()} "
        f"({os.cpu_count()} cores), numpy {np.__version__}, scale {scale:g}"
    )
    header = format_header()
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    for name in selected:
        rows = WORKLOADS[name](scale, skip_slow=args.skip_slow or args.quick)
        for row in rows if isinstance(rows, list) else [rows]:
            print(format_row(row), flush=True)
    if args.transformers or any(name in TRANSFORMER_IDS for name in only):
        wanted = [name for name in only if name in TRANSFORMER_IDS]
        for row in transformer_rows(scale, wanted):
            print(format_row(row), flush=True)
    elif not only:
        print("(W4-W6: add --transformers, or run benchmarks/bench_transformers.py)")
    print(f"# total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
