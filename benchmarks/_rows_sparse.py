"""W7 and W7-sgd: sparse TF-IDF-like logistic regression (CSR, ~50 non-zeros a row)."""

from _certify import RECORDER
from _datasets import tfidf_like, tfidf_like_split
from _table import SLOW_FIT, Row, epochs, fits_note, peer_iter, status, timed_ours
from _workloads import Timed, objective_binary, relative_gap, traced_peak
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score

from sklinear import GDLogisticClassifier

PEER_SOLVERS = {"liblinear": "W7-lib", "saga": "W7-saga"}  # solver: row label
COPY_SHARE = 0.5  # a peak above this share of X.data.nbytes means X (or its data) was copied
# ... once the solver's p-sized memory is set aside: L-BFGS-B's workspace is (2 m + 5) = 25
# float64 vectors of length p (m = 10), plus the moments, gradients and iterates: 40 in all.
P_SIZED_VECTORS = 40


def w7(scale, **_):
    """GDLogisticClassifier(alpha=1/n) against LogisticRegression(C=1) liblinear and saga.

    Two rows (W7-lib, W7-saga); the J gap of both is against the better peer's J (the goal
    is "no worse than the best peer"). The note says whether the fit copied X: the
    tracemalloc peak of one more fit against ``X.data.nbytes``.
    """
    X, y = tfidf_like(int(100_000 * scale))
    n = X.shape[0]

    def objective(model):
        return objective_binary(model, X, y, 1 / n)

    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y, stop_after=SLOW_FIT)
    peers = {
        solver: Timed(
            lambda solver=solver: LogisticRegression(C=1.0, solver=solver),
            X,
            y,
            stop_after=SLOW_FIT,
        )
        for solver in PEER_SOLVERS
    }
    peer_objective = {solver: objective(peer.model) for solver, peer in peers.items()}
    best = min(peer_objective, key=peer_objective.get)
    RECORDER.record(
        "W7", ours.model, objective, X, y, candidates={f"peer {best}": peer_objective[best]}
    )
    gap = relative_gap(objective(ours.model), peer_objective[best])
    peak = traced_peak(lambda: GDLogisticClassifier(alpha=1 / n).fit(X, y))
    p_sized = P_SIZED_VECTORS * 8 * X.shape[1]
    copied = peak - p_sized >= COPY_SHARE * X.data.nbytes
    copy_note = (
        f"X {'COPIED' if copied else 'not copied'}: peak {peak / 2**20:.1f} MiB "
        f"(p-sized {p_sized / 2**20:.1f}), "
        f"X.data {X.data.nbytes / 2**20:.1f} MiB"
    )
    rows = []
    for solver, peer in peers.items():
        ratio = ours.time / peer.time
        rows.append(
            Row(
                workload=PEER_SOLVERS[solver],
                ours=ours.time,
                peer=peer.time,
                ratio=ratio,
                goal="<=0.5",
                gap=gap,
                warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
                passes=ours.passes,
                status=status(ratio, 0.5, gap, extra_ok=not copied),
                note=f"{fits_note(ours, peer)} gap vs best peer ({best}); n_iter "
                f"{ours.model.n_iter_}/{peer_iter(peer.model)}; {copy_note}".strip(),
            )
        )
    return rows


def w7_sgd(scale, **_):
    """solver='sgd' against SGDClassifier(loss='log_loss'), both random_state=0, defaults."""
    X_train, X_test, y_train, y_test = tfidf_like_split(int(100_000 * scale))
    ours = timed_ours(
        lambda: GDLogisticClassifier(solver="sgd", random_state=0),
        X_train,
        y_train,
        stop_after=SLOW_FIT,
    )
    peer = Timed(
        lambda: SGDClassifier(loss="log_loss", random_state=0),
        X_train,
        y_train,
        stop_after=SLOW_FIT,
    )
    accuracy_ours = accuracy_score(y_test, ours.model.predict(X_test))
    accuracy_peer = accuracy_score(y_test, peer.model.predict(X_test))
    ratio = ours.time / peer.time
    return Row(
        workload="W7-sgd",
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal="<=0.5",
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=epochs(ours, X_train),
        status=status(ratio, 0.5, extra_ok=accuracy_ours >= accuracy_peer - 0.002),
        note=f"{fits_note(ours, peer)} held-out acc {accuracy_ours:.4f}/{accuracy_peer:.4f} "
        f"(within 0.002); epochs {ours.model.n_iter_}/{peer_iter(peer.model)}".strip(),
    )
