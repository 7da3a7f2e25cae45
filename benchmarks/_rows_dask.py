"""S1-S3: fits on dask arrays on a LocalCluster(n_workers=2, threads_per_worker=1).

Each row first probes whether the sklinear estimator's ``fit`` takes a dask array without
converting it to NumPy (``dask.array.Array.__array__`` is made to raise during a small probe
fit); only then does it start the cluster. The timed sklinear fits also run with
``__array__`` refused, so a fit that gathers X part-way is reported, not timed.

Scheduler round trips are counted by a scheduler plugin that counts ``update_graph`` calls
(one per graph the client submits: a ``compute``, ``persist`` or ``submit``), plus the
evaluations answered by sklinear's chunk actors (``DaskData._actor_pass``: one call of each
actor, all in flight together, relayed by the scheduler; no graph). The rows print them per
fit next to what the fit asked for (:class:`DaskCounter`): the objective evaluations
(``DaskData.evaluate``, each one pass over X), the statistics pass (once per fit, which also
creates the actors) and, for classifiers, the pass over y that finds the classes. The round
trips per evaluation are ``(graphs + actor calls - statistics - classes) / evaluations``, at
most 1 by the goal.
"""

import contextlib
import warnings

import numpy as np
from _certify import RECORDER
from _table import Row, status, timed_ours
from _workloads import (
    Timed,
    classification,
    objective_binary,
    objective_multinomial,
    objective_squared,
    regression,
    relative_gap,
)

from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier

N_CHUNKS = 8
PROBE_ROWS = 2000


class _Gathered(Exception):
    """Raised by the patched ``dask.array.Array.__array__``."""


@contextlib.contextmanager
def refuse_gathering(da):
    """Make ``numpy.asarray(dask_array)`` raise :class:`_Gathered` inside the block."""
    original = da.Array.__array__

    def refuse(self, *args, **kwargs):
        raise _Gathered

    da.Array.__array__ = refuse
    try:
        yield
    finally:
        da.Array.__array__ = original


def _dask():
    try:
        import dask.array as da
        import distributed  # noqa: F401
    except ImportError:
        return None
    return da


def probe(make, X, y, da):
    """None when ``make().fit`` takes a small dask array without gathering it, else why not."""
    X_probe = da.from_array(X[:PROBE_ROWS], chunks=(PROBE_ROWS // N_CHUNKS, X.shape[1]))
    try:
        with refuse_gathering(da):
            make().fit(X_probe, y[:PROBE_ROWS])
    except _Gathered:
        return "fit converts the dask array to NumPy (gathers X)"
    except Exception as error:  # noqa: BLE001 - report whatever fit raised
        return f"fit raised {type(error).__name__}: {error}"[:80]
    return None


def graph_counter_class():
    from distributed.diagnostics.plugin import SchedulerPlugin

    class GraphCounter(SchedulerPlugin):
        """Counts the graphs the scheduler receives (client round trips)."""

        name = "sklinear-benchmark-graph-counter"

        def __init__(self):
            self.graphs = 0

        def update_graph(self, scheduler, *args, **kwargs):
            self.graphs += 1

    return GraphCounter


@contextlib.contextmanager
def local_cluster():
    """A 2-worker, 1-thread-each LocalCluster, its client and a graph counter.

    Yields ``(client, count)``: ``count()`` is the number of graphs submitted so far (the
    scheduler runs in this process, so its plugin instance is read directly).
    """
    from distributed import Client, LocalCluster

    GraphCounter = graph_counter_class()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(GraphCounter())

        def count():
            return cluster.scheduler.plugins[GraphCounter.name].graphs

        yield client, count


def to_dask(da, X, y):
    """X and y as dask arrays of 8 row chunks, persisted on the workers (and waited for).

    Waiting matters twice: the first timed fit would otherwise also wait for the data to
    reach the workers, and the scheduler would count the two persist graphs, which land
    after ``persist`` returns, against the fit.
    """
    from distributed import wait

    n = X.shape[0]
    with warnings.catch_warnings():
        # Persisting in-memory data sends it with the graph, once, before any timing.
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        X_dask = da.from_array(X, chunks=(-(-n // N_CHUNKS), X.shape[1])).persist()
        y_dask = da.from_array(y, chunks=-(-n // N_CHUNKS)).persist()
    wait([X_dask, y_dask])
    return X_dask, y_dask


class DaskCounter:
    """Counts, around fits, the passes a Dask fit asks for: evaluations, statistics, classes.

    Wraps ``DaskData.evaluate`` and ``DaskData.statistics`` and the class discovery
    (``sklinear._dask._distinct_labels``); each of them is meant to be one round trip: a
    graph, or for an evaluation on persisted chunks one call of the chunk actors
    (``DaskData._actor_pass``, counted as ``actor calls``).
    """

    def __enter__(self):
        from sklinear import _dask

        self.counts = {"evaluations": 0, "statistics": 0, "classes": 0, "actor calls": 0}
        self._module = _dask
        self._originals = [
            (_dask.DaskData, "evaluate", "evaluations"),
            (_dask.DaskData, "statistics", "statistics"),
            (_dask, "_distinct_labels", "classes"),
            (_dask.DaskData, "_actor_pass", "actor calls"),
        ]
        self._saved = []
        for owner, name, count in self._originals:
            original = getattr(owner, name)
            self._saved.append((owner, name, original))
            setattr(owner, name, self._counting(original, count))
        return self

    def _counting(self, original, count):
        counts = self.counts

        def counting(*args, **kwargs):
            counts[count] += 1
            return original(*args, **kwargs)

        return counting

    def __exit__(self, *exc):
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        return False


def timed_dask_fit(make, X_dask, y_dask, count, da):
    """Best-of-3 sklinear fit on dask arrays with gathering refused; adds the graphs per fit.

    Returns the :class:`Timed` (with ``passes``, ``graphs`` and the ``counts`` of
    :class:`DaskCounter` per fit), or the reason it failed.
    """
    before = count()
    try:
        with refuse_gathering(da), DaskCounter() as counter:
            timed = timed_ours(make, X_dask, y_dask)
    except _Gathered:
        return "fit gathered X (numpy.asarray on the dask array) during the timed fit"
    timed.counts = {name: n / timed.fits for name, n in counter.counts.items()}
    timed.graphs = (count() - before) / timed.fits + timed.counts["actor calls"]
    timed.passes = timed.counts["evaluations"]  # passes over X, the statistics aside
    return timed


def timed_peer_fit(make, X_dask, y_dask, count):
    before = count()
    timed = Timed(make, X_dask, y_dask)
    timed.graphs = (count() - before) / timed.fits
    return timed


def round_trips(ours, peer=None):
    """'round trips/fit s/p a/b for e evaluations + 1 statistics + 1 classes (g graphs, c
    actor calls); x per evaluation'.

    The round trips per evaluation leave out the per-fit passes (statistics, classes).
    """
    counts = ours.counts
    text = f"round trips/fit {ours.graphs:.3g}"
    if peer is not None:
        text = f"round trips/fit s/p {ours.graphs:.3g}/{peer.graphs:.3g}"
    parts = [f"{counts['evaluations']:.3g} evaluations", f"{counts['statistics']:.3g} statistics"]
    if counts["classes"]:
        parts.append(f"{counts['classes']:.3g} classes")
    if counts["actor calls"]:
        actor_calls = counts["actor calls"]
        graphs = ours.graphs - actor_calls
        parts[-1] += f" ({graphs:.3g} graphs, {actor_calls:.3g} actor calls)"
    fixed = counts["statistics"] + counts["classes"]
    per = (ours.graphs - fixed) / max(counts["evaluations"], 1)
    return f"{text} for {' + '.join(parts)}; {per:.2f} per evaluation", per


def relative_difference(coef, reference):
    coef, reference = np.asarray(coef), np.asarray(reference)
    return float(np.max(np.abs(coef - reference)) / np.max(np.abs(reference)))


def _not_available(name, goal, reason):
    return Row(workload=name, goal=goal, status="n/a", note=reason)


def s1(scale, **_):
    """GDLogisticClassifier on W1 as a dask array against dask-ml's LogisticRegression(lbfgs)."""
    da = _dask()
    if da is None:
        return _not_available("S1", "<=0.2", "dask / distributed are not installed")
    X, y = classification(int(200_000 * scale))
    n = X.shape[0]
    reason = probe(GDLogisticClassifier, X, y, da)
    if reason:
        return _not_available("S1", "<=0.2", f"not supported yet: {reason}")
    from dask_ml.linear_model import LogisticRegression as DaskLogisticRegression

    with local_cluster() as (_, count):
        X_dask, y_dask = to_dask(da, X, y)
        ours = timed_dask_fit(lambda: GDLogisticClassifier(alpha=1 / n), X_dask, y_dask, count, da)
        if isinstance(ours, str):
            return Row(workload="S1", goal="<=0.2", status="MISSED", note=ours)
        peer = timed_peer_fit(
            lambda: DaskLogisticRegression(solver="lbfgs"), X_dask, y_dask, count
        )

    def objective(model):
        return objective_binary(model, X, y, 1 / n)

    memory = GDLogisticClassifier(alpha=1 / n).fit(X, y)
    RECORDER.record("S1", ours.model, objective, X, y, candidates={"in-memory": objective(memory)})
    return _dask_row("S1", ours, peer, 0.2, objective, memory)


def _dask_row(name, ours, peer, goal, objective, memory, extra_note=""):
    """Row of a dask fit against a peer: ratio, J gap to the peer, coefficients against the
    in-memory fit (rel. 1e-5), round trips (at most one per evaluation)."""
    difference = relative_difference(ours.model.coef_, memory.coef_)
    trips, per_evaluation = round_trips(ours, peer if peer.model is not memory else None)
    gap = relative_gap(objective(ours.model), objective(peer.model))
    ratio = ours.time / peer.time
    return Row(
        workload=name,
        ours=ours.time,
        peer=peer.time,
        ratio=ratio,
        goal=f"<={goal:g}",
        gap=gap,
        warnings=f"{ours.convergence_warnings}/{peer.convergence_warnings}",
        passes=ours.passes,
        status=status(ratio, goal, gap, extra_ok=difference <= 1e-5 and per_evaluation <= 1),
        note=f"{extra_note}coef rel. diff. to in-memory fit {difference:.1e}; {trips}",
    )


def s2(scale, **_):
    """SoftmaxClassifier on W3 as a dask array against the in-memory fit (no dask-ml peer)."""
    da = _dask()
    if da is None:
        return _not_available("S2", "<=2", "dask / distributed are not installed")
    X, y = classification(int(100_000 * scale), n_features=50, n_informative=30, n_classes=10)
    n = X.shape[0]
    reason = probe(SoftmaxClassifier, X, y, da)
    if reason:
        return _not_available("S2", "<=2", f"not supported yet: {reason}")
    with local_cluster() as (_, count):
        X_dask, y_dask = to_dask(da, X, y)
        ours = timed_dask_fit(lambda: SoftmaxClassifier(alpha=1 / n), X_dask, y_dask, count, da)
    if isinstance(ours, str):
        return Row(workload="S2", goal="<=2", status="MISSED", note=ours)
    memory = timed_ours(lambda: SoftmaxClassifier(alpha=1 / n), X, y)

    def objective(model):
        return objective_multinomial(model, X, y, 1 / n)

    RECORDER.record(
        "S2", ours.model, objective, X, y, candidates={"in-memory": objective(memory.model)}
    )
    return _dask_row("S2", ours, memory, 2.0, objective, memory.model, "peer = in-memory fit; ")


def s3(scale, **_):
    """GDLinearRegressor on W2 as a dask array against dask-ml's LinearRegression(lbfgs).

    dask-ml's C=1 minimises sum (y - z)^2 / 2 + |w|^2 / 2 (intercept included in the
    penalty), the correspondence of Ridge(alpha=1): J uses alpha = 1/n.
    """
    da = _dask()
    if da is None:
        return _not_available("S3", "<=0.2", "dask / distributed are not installed")
    X, y = regression(int(200_000 * scale))
    n = X.shape[0]
    reason = probe(GDLinearRegressor, X, y, da)
    if reason:
        return _not_available("S3", "<=0.2", f"not supported yet: {reason}")
    from dask_ml.linear_model import LinearRegression as DaskLinearRegression

    with local_cluster() as (_, count):
        X_dask, y_dask = to_dask(da, X, y)
        ours = timed_dask_fit(lambda: GDLinearRegressor(alpha=1 / n), X_dask, y_dask, count, da)
        if isinstance(ours, str):
            return Row(workload="S3", goal="<=0.2", status="MISSED", note=ours)
        peer = timed_peer_fit(lambda: DaskLinearRegression(solver="lbfgs"), X_dask, y_dask, count)

    def objective(model):
        return objective_squared(model, X, y, 1 / n)

    memory = GDLinearRegressor(alpha=1 / n).fit(X, y)
    RECORDER.record("S3", ours.model, objective, X, y, candidates={"in-memory": objective(memory)})
    return _dask_row("S3", ours, peer, 0.2, objective, memory)
