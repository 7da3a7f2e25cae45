"""Estimator benchmarks of BENCHMARKS.md: sklinear against its scikit-learn peers.

    python benchmarks/run.py [--quick] [--only W1,W2,...] [--skip-slow] [--transformers]

One row per workload: sklinear time, peer time (each the best of 3 fits, side by side in
one process), their ratio, the goal, the relative objective gap (J_sklinear - J_peer) / |J_peer|
with J of SPEC.md 1.1 computed from ``coef_`` / ``intercept_``, the ConvergenceWarnings seen
(sklinear/peer), the passes over X per sklinear fit, and ok / MISSED. ``--quick`` divides every
sample count by 10 (a smoke test). ``--skip-slow`` leaves out the W1-raw peer (~55 s a fit;
``--quick`` implies it).
``--transformers`` adds W4-W6 from ``benchmarks/bench_transformers.py``. See
benchmarks/README.md for the columns and the latest table.
"""

import argparse
import os
import platform
import sys
import time
import tracemalloc
import warnings
from datetime import date

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, r2_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _workloads import (  # noqa: E402
    PassCounter,
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
)

from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier  # noqa: E402

OBJECTIVE_TOLERANCE = 1e-6


class Row(dict):
    """One line of the table; missing cells print as '-'."""


def _status(ratio, goal, gap=None, extra_ok=True):
    ok = ratio is not None and ratio <= goal and extra_ok
    if gap is not None:
        ok = ok and gap <= OBJECTIVE_TOLERANCE
    return "ok" if ok else "MISSED"


def _compare(name, ours, peer, goal, objective, note=""):
    """Row for a full-batch workload: time ratio and objective gap."""
    j_ours, j_peer = objective(ours.model), objective(peer.model)
    gap = relative_gap(j_ours, j_peer)
    ratio = ours.time / peer.time
    return Row(
        workload=name,
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal=f"<={goal:g}",
        gap=gap,
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=getattr(ours, "passes", None),
        status=_status(ratio, goal, gap),
        note=(note + f" n_iter {ours.model.n_iter_}/{_peer_iter(peer.model)}").strip(),
    )


def _peer_iter(model):
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is None:
        return "-"
    return int(np.max(n_iter))


def _timed_ours(make, *args, repeat=3):
    with PassCounter() as counter:
        timed = Timed(make, *args, repeat=repeat)
    timed.passes = counter.full / repeat
    timed.batches = counter.batches / repeat
    return timed


# --- workloads -------------------------------------------------------------------------------


def w1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    ours = _timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return _compare("W1", ours, peer, 1.0, lambda m: objective_binary(m, X, y, 1 / n))


def w1_gd(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    ours = _timed_ours(lambda: GDLogisticClassifier(alpha=1 / n, solver="gd"), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return _compare("W1-gd", ours, peer, 3.0, lambda m: objective_binary(m, X, y, 1 / n))


def w1_raw(scale, skip_slow=False, **_):
    X, y = classification_raw(int(200_000 * scale))
    n = X.shape[0]
    ours = _timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    if skip_slow:
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
    row = _compare(
        "W1-raw", ours, peer, 0.1, lambda m: objective_binary(m, X, y, 1 / n), "peer 1 fit;"
    )
    if ours.convergence_warnings:
        row["status"] = "MISSED"
    return row


def w1_l1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n, alpha = X.shape[0], 1e-3
    ours = _timed_ours(lambda: GDLogisticClassifier(penalty="l1", alpha=alpha), X, y)
    peer = Timed(lambda: LogisticRegression(C=1 / (alpha * n), l1_ratio=1.0, solver="saga"), X, y)
    row = _compare(
        "W1-l1", ours, peer, 0.25, lambda m: objective_binary(m, X, y, alpha, l1_ratio=1.0)
    )
    nonzero = np.count_nonzero(ours.model.coef_), np.count_nonzero(peer.model.coef_)
    row["note"] += f" nnz {nonzero[0]}/{nonzero[1]}"
    return row


def w1_sgd(scale, **_):
    X_train, X_test, y_train, y_test = classification_split(int(200_000 * scale))
    ours = _timed_ours(
        lambda: GDLogisticClassifier(solver="sgd", random_state=0), X_train, y_train
    )
    peer = Timed(lambda: SGDClassifier(loss="log_loss", random_state=0), X_train, y_train)
    acc_ours = accuracy_score(y_test, ours.model.predict(X_test))
    acc_peer = accuracy_score(y_test, peer.model.predict(X_test))
    ratio = ours.time / peer.time
    return Row(
        workload="W1-sgd",
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal="<=0.5",
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=ours.batches / max(1, -(-X_train.shape[0] // 256)),
        status=_status(ratio, 0.5, extra_ok=acc_ours >= acc_peer),
        note=f"held-out acc {acc_ours:.4f}/{acc_peer:.4f}; epochs "
        f"{ours.model.n_iter_}/{_peer_iter(peer.model)}",
    )


def w2(scale, **_):
    X, y = regression(int(200_000 * scale))
    n = X.shape[0]
    ours = _timed_ours(lambda: GDLinearRegressor(alpha=1 / n), X, y)
    peer = Timed(lambda: Ridge(alpha=1.0), X, y)
    return _compare("W2", ours, peer, 1.5, lambda m: objective_squared(m, X, y, 1 / n))


def w2_sgd(scale, **_):
    X_train, X_test, y_train, y_test = regression_split(int(200_000 * scale))
    ours = _timed_ours(lambda: GDLinearRegressor(solver="sgd", random_state=0), X_train, y_train)
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
        passes=ours.batches / max(1, -(-X_train.shape[0] // 256)),
        status=_status(ratio, 0.25, extra_ok=r2_ours >= r2_peer),
        note=f"held-out R2 {r2_ours:.6f}/{r2_peer:.6f}; epochs "
        f"{ours.model.n_iter_}/{_peer_iter(peer.model)}",
    )


def w3(scale, **_):
    X, y = classification(int(100_000 * scale), n_features=50, n_informative=30, n_classes=10)
    n = X.shape[0]
    ours = _timed_ours(lambda: SoftmaxClassifier(alpha=1 / n), X, y)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y)
    return _compare("W3", ours, peer, 1.0, lambda m: objective_multinomial(m, X, y, 1 / n))


def m1(scale, **_):
    X, y = classification(int(200_000 * scale))
    X = np.ascontiguousarray(X)
    n = X.shape[0]
    model = GDLogisticClassifier(alpha=1 / n)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    ratio = peak / X.nbytes
    return Row(
        workload="M1",
        ours=None,
        ratio=ratio,
        goal="<=0.25",
        status=_status(ratio, 0.25),
        note=f"peak {peak / 2**20:.1f} MiB during fit, X {X.nbytes / 2**20:.1f} MiB (C order)",
    )


def f1(scale, **_):
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    X32 = X.astype(np.float32)
    ours = _timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X32, y)
    reference = _timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y)
    ratio = ours.time / reference.time
    gap = relative_gap(
        objective_binary(ours.model, X, y, 1 / n), objective_binary(reference.model, X, y, 1 / n)
    )
    return Row(
        workload="F1",
        ours=ours.time,
        peer=reference.time,
        ratio=ratio,
        goal="<=0.7",
        gap=gap,
        warnings=f"{ours.convergence_warnings}/{reference.convergence_warnings}",
        passes=ours.passes,
        status=_status(ratio, 0.7),
        note=f"peer = sklinear on float64; passes f32/f64 {ours.passes:g}/{reference.passes:g}; "
        f"coef dtype {ours.model.coef_.dtype}",
    )


def g1(scale, **_):
    times = {}
    for n in (50_000, 100_000, 200_000, 400_000):
        n_scaled = int(n * scale)
        X, y = classification(n_scaled)
        timed = _timed_ours(lambda a=1 / n_scaled: GDLogisticClassifier(alpha=a), X, y)
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
        status=_status(ratio, 10.0),
        note=f"t(400k)/t(50k); {detail}",
    )


def s1(scale, **_):
    """Dask arrays: run only when sklinear's fit takes a dask array without gathering it."""
    try:
        import dask.array as da
    except ImportError:
        return Row(workload="S1", status="n/a", note="dask is not installed")
    X, y = classification(int(200_000 * scale))
    probe = da.from_array(X[:2000], chunks=(250, X.shape[1]))
    original = da.Array.__array__

    def refuse(self, *args, **kwargs):
        raise _Gathered

    da.Array.__array__ = refuse
    try:
        GDLogisticClassifier().fit(probe, y[:2000])
        supported, reason = True, ""
    except _Gathered:
        supported, reason = False, "fit converts the dask array to NumPy (gathers X)"
    except Exception as error:  # noqa: BLE001 - report whatever fit raised
        supported, reason = False, f"fit raised {type(error).__name__}: {error}"[:80]
    finally:
        da.Array.__array__ = original
    if not supported:
        return Row(workload="S1", goal="<=0.2", status="n/a", note=f"not supported yet: {reason}")
    return _s1_run(X, y, da)


class _Gathered(Exception):
    pass


def _s1_run(X, y, da):
    from dask_ml.linear_model import LogisticRegression as DaskLogisticRegression
    from distributed import Client, LocalCluster

    n = X.shape[0]
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        X_dask = da.from_array(X, chunks=(-(-n // 8), X.shape[1])).persist()
        y_dask = da.from_array(y, chunks=-(-n // 8)).persist()
        ours = Timed(lambda: GDLogisticClassifier(alpha=1 / n), X_dask, y_dask)
        peer = Timed(lambda: DaskLogisticRegression(solver="lbfgs"), X_dask, y_dask)
    memory = GDLogisticClassifier(alpha=1 / n).fit(X, y)
    difference = np.max(np.abs(ours.model.coef_ - memory.coef_)) / np.max(np.abs(memory.coef_))
    ratio = ours.time / peer.time
    return Row(
        workload="S1",
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal="<=0.2",
        status=_status(ratio, 0.2, extra_ok=difference <= 1e-5),
        note=f"coef rel. difference to in-memory fit {difference:.1e}",
    )


def transformer_rows(scale, only):
    """W4-W6 through benchmarks/bench_transformers.py (another engineer's harness)."""
    import bench_transformers

    for name, ours, peer, goal in bench_transformers.workloads(scale):
        key = name.split()[0]
        if only and key not in only:
            continue
        ours_time = bench_transformers.best_time(ours)
        peer_time = bench_transformers.best_time(peer)
        ratio = ours_time / peer_time
        yield Row(
            workload=key,
            ours=ours_time,
            peer=peer_time,
            ratio=ratio,
            goal=f"<={goal:g}",
            status=_status(ratio, goal),
            note=name,
        )


WORKLOADS = {
    "W1": w1,
    "W1-gd": w1_gd,
    "W1-raw": w1_raw,
    "W1-l1": w1_l1,
    "W1-sgd": w1_sgd,
    "W2": w2,
    "W2-sgd": w2_sgd,
    "W3": w3,
    "M1": m1,
    "F1": f1,
    "G1": g1,
    "S1": s1,
}
TRANSFORMER_IDS = ("W4", "W4-sparse", "W5", "W6")


# --- table -----------------------------------------------------------------------------------

COLUMNS = (
    ("workload", "{:8}", 8),
    ("ours", "{:>10.3f}", 10),
    ("peer", "{:>9.3f}", 9),
    ("ratio", "{:>7.3f}", 7),
    ("goal", "{:>7}", 7),
    ("gap", "{:>9.1e}", 9),
    ("warnings", "{:>6}", 6),
    ("passes", "{:>7.1f}", 7),
    ("status", "{:>7}", 7),
    ("note", "  {}", 0),
)
HEADERS = {
    "workload": "workload",
    "ours": "sklinear s",
    "peer": "peer s",
    "ratio": "ratio",
    "goal": "goal",
    "gap": "J gap",
    "warnings": "CW s/p",
    "passes": "passes",
    "status": "status",
    "note": "  note",
}


def format_row(row):
    cells = []
    for key, fmt, width in COLUMNS:
        value = row.get(key)
        if value is None:
            cells.append(" " * max(0, width - 1) + "-" if width else "")
        else:
            cells.append(fmt.format(value))
    return " ".join(cells).rstrip()


def format_header():
    cells = []
    for key, _, width in COLUMNS:
        title = HEADERS[key]
        cells.append(title.ljust(width) if key == "workload" else title.rjust(width))
    return " ".join(cells)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every n divided by 10")
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. W1,W2,M1")
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
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(WORKLOADS) - set(TRANSFORMER_IDS)
    if unknown:
        known = [*WORKLOADS, *TRANSFORMER_IDS]
        parser.error(f"unknown workloads {sorted(unknown)}; known: {known}")
    selected = [name for name in WORKLOADS if not only or name in only]
    print(
        f"# sklinear benchmarks, {date.today()}, {platform.node()} "
        f"({os.cpu_count()} cores), numpy {np.__version__}, scale {scale:g}"
    )
    header = format_header()
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    for name in selected:
        row = WORKLOADS[name](scale, skip_slow=args.skip_slow or args.quick)
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
