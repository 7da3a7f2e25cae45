"""The rows of the benchmark table: what a row holds, how it is judged and printed.

Shared by ``benchmarks/run.py`` and the ``benchmarks/_rows_*.py`` modules. A workload
function returns one :class:`Row` or a list of them; missing cells print as '-'.
"""

import numpy as np
from _certify import RECORDER
from _workloads import PassCounter, Timed, relative_gap

OBJECTIVE_TOLERANCE = 1e-6
SLOW_FIT = 20.0  # seconds: no further fit of a timing starts once its fits took this long


class Row(dict):
    """One line of the table; missing cells print as '-'."""


def status(ratio, goal, gap=None, extra_ok=True):
    """'ok' when ``ratio <= goal``, ``gap <= 1e-6`` (if given) and ``extra_ok``."""
    ok = ratio is not None and ratio <= goal and extra_ok
    if gap is not None:
        ok = ok and gap <= OBJECTIVE_TOLERANCE
    return "ok" if ok else "MISSED"


def peer_iter(model):
    """The peer's iteration count (the maximum over classes), or '-'."""
    if hasattr(model, "estimators_"):  # OneVsRestClassifier
        return max(peer_iter(estimator) for estimator in model.estimators_)
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is None:
        return "-"
    return int(np.max(n_iter))


def timed_ours(make, *args, repeat=None, stop_after=None):
    """:class:`Timed` of a sklinear fit, with its passes over X (per fit) counted."""
    with PassCounter() as counter:
        timed = Timed(make, *args, repeat=repeat, stop_after=stop_after)
    timed.passes = counter.full / timed.fits
    timed.batches = counter.batches / timed.fits
    return timed


def epochs(timed, X):
    """Mini-batch calls per fit divided by the batches of one epoch ('auto' batch size as
    the fit resolves it); the O(nnz) sparse steps do not go through the objective, so
    their fits report the model's epoch count."""
    from sklinear._data import InMemoryData
    from sklinear._fit import auto_batch_size

    n_samples = X.shape[0]
    batch_size = timed.model.batch_size
    if batch_size == "auto":
        batch_size = auto_batch_size(InMemoryData(X, np.zeros(n_samples)))
    if timed.batches == 0:
        return float(timed.model.n_iter_)
    return timed.batches / max(1, -(-n_samples // batch_size))


def fits_note(ours, peer):
    """'fits 1/3;' when a slow fit was not repeated, else ''."""
    if ours.fits == ours.repeat and peer.fits == peer.repeat:
        return ""
    return f"fits {ours.fits}/{peer.fits};"


def compare(name, ours, peer, goal, objective, note="", data=None):
    """Row for a full-batch workload: time ratio and objective gap.

    ``data`` is ``(X, y)``: with it the sklinear fit is recorded for the CERT rows, with
    the peer's objective as one candidate for the optimum.
    """
    j_ours, j_peer = objective(ours.model), objective(peer.model)
    if data is not None:
        RECORDER.record(name, ours.model, objective, *data, candidates={"peer": j_peer})
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
        status=status(ratio, goal, gap),
        note=" ".join(
            part
            for part in (
                fits_note(ours, peer),
                note,
                f"n_iter {ours.model.n_iter_}/{peer_iter(peer.model)}",
            )
            if part
        ),
    )


# --- printing --------------------------------------------------------------------------------

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
