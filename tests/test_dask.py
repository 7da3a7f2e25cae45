"""Dask collections: fit without gathering X, one round trip per evaluation, lazy predictions.

Every test runs on the session's LocalCluster (``dask_client``, 2 worker processes). The
reference for a Dask fit is the in-memory fit of the same data (the in-memory estimators are
checked against scikit-learn in their own test files), plus one direct check against
scikit-learn's LogisticRegression.
"""

import pickle
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from sklearn.linear_model import LogisticRegression  # noqa: E402

import sklinear._dask  # noqa: E402
from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier  # noqa: E402
from sklinear._dask import DaskData, _ChunkData, _TargetPreparation  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    # Tight tolerances stop at machine precision on some cases; the fits are compared anyway.
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

N_SAMPLES, N_FEATURES, CHUNK = 240, 4, 80
TIGHT = {"tol": 1e-10, "max_iter": 3000}


def _data(seed=0, n_samples=N_SAMPLES):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, N_FEATURES))
    X[:, 0] = 30.0 + 0.5 * X[:, 0]  # a column with a large mean (the block shift)
    w = np.array([0.4, -1.0, 0.8, 0.0])
    score = (X - X.mean(axis=0)) @ w
    weights = rng.uniform(0.2, 2.0, n_samples)
    return X, score, weights, rng


def _labels(kind, score, rng):
    noisy = score + rng.normal(scale=0.7, size=score.shape)
    if kind == "binary":
        return (noisy > 0).astype(int)
    if kind == "strings":
        return np.array(["ant", "bee", "cat"])[np.digitize(noisy, [-0.5, 0.5])]
    if kind == "multilabel":
        second = rng.normal(size=score.shape) + score * 0.3
        return np.column_stack([noisy > 0, second > 0, noisy < 0.4]).astype(int)
    if kind == "continuous":
        return 2.0 * score + 1.0 + rng.normal(scale=0.3, size=score.shape)
    if kind == "two_targets":
        return np.column_stack([score, -score + rng.normal(size=score.shape)])
    raise AssertionError(kind)


def _dask(array, chunks=CHUNK):
    return da.from_array(array, chunks=(chunks,) + array.shape[1:])


def _assert_same_fit(in_memory, distributed_fit):
    reference = np.atleast_1d(in_memory.coef_)
    scale = max(np.max(np.abs(reference)), 1e-12)
    np.testing.assert_allclose(
        distributed_fit.coef_, in_memory.coef_, rtol=1e-5, atol=1e-5 * scale
    )
    np.testing.assert_allclose(
        distributed_fit.intercept_,
        in_memory.intercept_,
        rtol=1e-5,
        atol=1e-5 * max(scale, np.max(np.abs(in_memory.intercept_))),
    )


FIT_CASES = [
    (GDLogisticClassifier, "binary", {"solver": "lbfgs", "alpha": 1e-2}, True),
    (GDLogisticClassifier, "strings", {"solver": "gd", "alpha": 1e-1}, True),
    (GDLogisticClassifier, "multilabel", {"alpha": 1e-2}, True),
    (
        GDLogisticClassifier,
        "strings",
        {"penalty": "elasticnet", "l1_ratio": 0.5, "alpha": 2e-2, "class_weight": "balanced"},
        True,
    ),
    (
        GDLogisticClassifier,
        "strings",
        {"class_weight": {"ant": 2.0, "bee": 1.0, "cat": 0.5}, "alpha": 1e-2},
        False,
    ),
    (SoftmaxClassifier, "strings", {"alpha": 1e-2}, True),
    (SoftmaxClassifier, "binary", {"alpha": 1e-2, "fit_intercept": False}, False),
    (SoftmaxClassifier, "strings", {"alpha": 1e-2, "class_weight": "balanced"}, False),
    (SoftmaxClassifier, "strings", {"alpha": 1e-2, "solver": "newton"}, True),
    (GDLinearRegressor, "continuous", {"alpha": 1e-3}, True),
    (GDLinearRegressor, "continuous", {"loss": "huber", "solver": "lbfgs", "alpha": 1e-2}, True),
    (
        GDLinearRegressor,
        "continuous",
        {"loss": "absolute_error", "alpha": 1e-3, "max_iter": 6},
        True,
    ),
    (GDLinearRegressor, "two_targets", {"penalty": "l1", "alpha": 1e-2}, False),
    (GDLinearRegressor, "continuous", {"penalty": None, "fit_intercept": False}, False),
]


@pytest.mark.parametrize("persisted", [False, True])
@pytest.mark.parametrize(("Estimator", "target", "params", "weighted"), FIT_CASES)
def test_fit_equals_in_memory_fit(dask_client, Estimator, target, params, weighted, persisted):
    """Chunks computed in each pass (graphs), or persisted (the chunk actors)."""
    X, score, weights, rng = _data()
    X = np.hstack([X, rng.normal(size=(len(X), 4))])  # targets of 3 classes kept by actors
    y = _labels(target, score, rng)
    sample_weight = weights if weighted else None
    in_memory = Estimator(**{**TIGHT, **params}).fit(X, y, sample_weight=sample_weight)
    chunked = [_dask(X), _dask(y)] + ([] if sample_weight is None else [_dask(weights)])
    if persisted:
        chunked = dask_client.persist(chunked)
    on_dask = Estimator(**{**TIGHT, **params}).fit(
        chunked[0], chunked[1], sample_weight=None if sample_weight is None else chunked[2]
    )
    _assert_same_fit(in_memory, on_dask)
    if hasattr(in_memory, "classes_"):
        np.testing.assert_array_equal(on_dask.classes_, in_memory.classes_)
    assert on_dask.n_features_in_ == N_FEATURES + 4
    if persisted:  # the statistics' graph created the actors, which did every evaluation
        assert on_dask.n_graphs_ == 1
    assert not hasattr(on_dask, "feature_names_in_")


def test_warm_start_and_pickle_follow_the_in_memory_fit(dask_client):
    """A warm-started refit goes on from the Dask fit's coefficients as in memory, and the
    fitted model pickles with no Dask state (it predicts on NumPy and Dask input)."""
    X, score, _, rng = _data(seed=14)
    y = _labels("strings", score, rng)
    in_memory = SoftmaxClassifier(warm_start=True, max_iter=3).fit(X, y)
    model = SoftmaxClassifier(warm_start=True, max_iter=3).fit(_dask(X), y)
    _assert_same_fit(in_memory, model)
    in_memory.fit(X, y)
    model.fit(_dask(X), y)
    assert model.n_iter_ == in_memory.n_iter_ == 3
    _assert_same_fit(in_memory, model)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), in_memory.predict(X))
    np.testing.assert_array_equal(restored.predict(_dask(X)).compute(), in_memory.predict(X))


def test_sampled_hessian_takes_the_in_memory_rows(dask_client, monkeypatch):
    """A large L-BFGS fit preconditioned by every k-th row's Hessian (see
    tests/test_sampled_curvature.py): the Dask seam slices the same rows lazily, so the
    fit takes the in-memory fit's iterations and coefficients."""
    from sklearn.datasets import make_classification

    import sklinear._fit as fit_module

    monkeypatch.setattr(fit_module, "_NEWTON_CHEAP_FLOPS", 0)  # L-BFGS, as on large data
    steps = []
    original = fit_module._sampled_preconditioner

    def recording(objective, theta, step):
        steps.append((step, type(objective.data).__name__))
        return original(objective, theta, step)

    monkeypatch.setattr(fit_module, "_sampled_preconditioner", recording)
    X, y = make_classification(
        n_samples=4000, n_features=12, n_informative=8, n_classes=4, random_state=0
    )
    in_memory = SoftmaxClassifier(alpha=1 / 4000, tol=1e-8).fit(X, y)
    on_dask = SoftmaxClassifier(alpha=1 / 4000, tol=1e-8).fit(_dask(X, 500), _dask(y, 500))
    assert steps == [(19, "InMemoryData"), (19, "DaskData")]
    assert on_dask.n_iter_ == in_memory.n_iter_
    _assert_same_fit(in_memory, on_dask)


def test_fit_without_a_distributed_client_uses_the_local_scheduler(dask_client, graph_counter):
    """With Dask's synchronous scheduler configured, the cluster sees no graph at all."""
    import dask

    X, score, weights, rng = _data(seed=11)
    y = _labels("strings", score, rng)
    before = graph_counter()
    with dask.config.set(scheduler="synchronous"):
        model = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(_dask(X), _dask(y), _dask(weights))
    assert graph_counter() == before
    _assert_same_fit(SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X, y, weights), model)


@pytest.mark.parametrize("persisted", [False, True], ids=["graphs", "chunk-actors"])
@pytest.mark.parametrize("how", ["sample_weight", "class_weight"])
def test_a_class_of_zero_total_weight_is_left_out_as_in_memory(dask_client, how, persisted):
    """SoftmaxClassifier leaves a class of zero total weight out of the fit (intercept -inf,
    coefficients 0; tests/test_softmax.py): found on the workers (one compute of the
    per-class weights), with the same result and certificate as the in-memory fit."""
    X, score, weights, rng = _data(seed=5)
    y = np.array(["ant", "bee", "cat", "dog"])[np.digitize(score, [-0.8, 0.0, 0.8])]
    params = dict(alpha=1e-2, tol=1e-8)
    if how == "sample_weight":
        weights = np.where(y == "bee", 0.0, weights)
        fit_args = dict(sample_weight=weights)
        dask_args = dict(sample_weight=_dask(weights))
    else:
        params["class_weight"] = {"bee": 0.0}
        fit_args = dask_args = {}
    in_memory = SoftmaxClassifier(**params).fit(X, y, **fit_args)
    X_dask, y_dask = _dask(X), _dask(y)
    if persisted:
        X_dask, y_dask = dask_client.persist([X_dask, y_dask])
        distributed.wait([X_dask, y_dask])
    on_dask = SoftmaxClassifier(**params).fit(X_dask, y_dask, **dask_args)
    if persisted:  # the statistics' graph; the chunk actors answered every evaluation
        assert on_dask.n_graphs_ == 1
    assert in_memory.intercept_[1] == on_dask.intercept_[1] == -np.inf
    np.testing.assert_array_equal(on_dask.coef_[1], 0.0)
    kept = [0, 2, 3]
    scale = np.max(np.abs(in_memory.coef_))
    np.testing.assert_allclose(on_dask.coef_, in_memory.coef_, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(
        on_dask.intercept_[kept], in_memory.intercept_[kept], rtol=1e-5, atol=1e-5
    )
    assert on_dask.dual_gap_ <= 1e-8 * on_dask.objective_
    np.testing.assert_allclose(on_dask.objective_, in_memory.objective_, rtol=1e-9)


def test_binary_fit_equals_scikit_learn(dask_client):
    """sum-normalised alpha = 1 / (C n): the optimum of LogisticRegression(C)."""
    X, score, _, rng = _data(seed=3)
    y = _labels("binary", score, rng)
    alpha = 1e-2
    reference = LogisticRegression(C=1.0 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    model = GDLogisticClassifier(alpha=alpha, **TIGHT).fit(_dask(X), _dask(y))
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-4)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-4)


def test_float32_and_persisted_chunks_of_unequal_size(dask_client, float32_arithmetic):
    X, score, weights, rng = _data(seed=1)
    X32 = X.astype(np.float32)
    y = _labels("binary", score, rng)
    X_dask = da.from_array(X32, chunks=((50, 120, 70), (2, 2)))  # column chunks: rechunked
    y_dask = da.from_array(y, chunks=60)  # other row chunks: aligned to X's
    X_dask, y_dask = dask_client.persist([X_dask, y_dask])
    in_memory = GDLogisticClassifier(tol=1e-6).fit(X32, y, sample_weight=weights)
    on_dask = GDLogisticClassifier(tol=1e-6).fit(X_dask, y_dask, sample_weight=weights)
    assert on_dask.coef_.dtype == np.float32
    np.testing.assert_allclose(on_dask.coef_, in_memory.coef_, rtol=1e-4)


def test_statistics_are_the_weighted_moments(dask_client):
    """40 unequal chunks (a tree of sums), one of them with zero weights, against NumPy."""
    X, score, weights, rng = _data(seed=10, n_samples=1000)
    weights[100:137] = 0.0
    y = _labels("strings", score, rng)
    model = SoftmaxClassifier().fit(X[:30], y[:30])  # classes_ for the target encoding
    chunks = (tuple([37] * 20 + [13] * 20) + (1000 - 37 * 20 - 13 * 20,),)
    data = DaskData(
        da.from_array(X, chunks=chunks + ((N_FEATURES,),)),
        da.from_array(y, chunks=chunks),
        da.from_array(weights, chunks=chunks),
        _TargetPreparation(model, None),
        n_outputs=3,
    )
    statistics = data.statistics()
    one_hot = (y[:, None] == model.classes_[None, :]).astype(float)
    mean = np.average(X, axis=0, weights=weights)
    assert statistics.weight_sum == pytest.approx(weights.sum(), rel=1e-12)
    np.testing.assert_allclose(statistics.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(
        statistics.variance, np.average((X - mean) ** 2, axis=0, weights=weights), rtol=1e-10
    )
    np.testing.assert_allclose(
        statistics.target_mean, np.average(one_hot, axis=0, weights=weights), rtol=1e-12
    )
    np.testing.assert_allclose(
        statistics.target_product, (X * weights[:, None]).T @ one_hot / weights.sum(), rtol=1e-10
    )
    assert data.n_graphs == 1


def _unaligned_copy(X):
    raw = bytearray(X.nbytes + 1)
    unaligned = np.frombuffer(raw, dtype=X.dtype, offset=1, count=X.size).reshape(X.shape)
    unaligned[...] = X
    assert not unaligned.flags.aligned
    return unaligned


def test_unaligned_chunks_are_read_through_one_reused_aligned_buffer(monkeypatch):
    """Chunks deserialised at odd addresses are copied block by block into one buffer.

    A fresh copy per block costs page faults on every block on the workers (their nanny
    pins the mmap threshold); the blocks must be aligned (BLAS) and share one buffer, across
    evaluations too, and the sums equal those of the aligned chunk.
    """
    from sklinear import _data
    from sklinear._losses import BinomialLoss

    rng = np.random.RandomState(3)
    X = rng.normal(size=(3000, 120))  # 2,880 kB: three row blocks of 1 MiB
    y = (X[:, 0] + rng.normal(size=3000) > 0).astype(float)
    coef = rng.normal(scale=0.1, size=(120, 1))
    seen = []
    block_evaluate = _data.block_evaluate

    def recording(X_block, *args):
        seen.append(X_block)
        return block_evaluate(X_block, *args)

    monkeypatch.setattr(_data, "block_evaluate", recording)
    unaligned = _unaligned_copy(X)
    sums = [
        _ChunkData(unaligned, y, None, n_jobs=1).evaluate(BinomialLoss(), coef, np.zeros(1))
        for _ in range(2)
    ]
    assert len(seen) == 6
    assert all(block.flags.aligned for block in seen)
    assert all(np.shares_memory(block, seen[0]) for block in seen)
    monkeypatch.setattr(_data, "block_evaluate", block_evaluate)
    reference = _data.InMemoryData(X, y, n_jobs=1).evaluate(BinomialLoss(), coef, np.zeros(1))
    for result in sums:
        assert result.loss == pytest.approx(reference.loss, rel=1e-12)
        np.testing.assert_allclose(result.product, reference.product, rtol=1e-12)
        np.testing.assert_allclose(result.gradient_sum, reference.gradient_sum, rtol=1e-12)


def test_chunk_blocks_keep_multi_output_temporaries_under_the_mmap_threshold():
    """Distributed's nanny pins glibc's mmap threshold at 128 KiB: the rows x outputs
    temporaries of a softmax block stay under it; one output keeps the in-memory blocks."""
    from sklinear import _data

    rng = np.random.RandomState(8)
    X = rng.normal(size=(6000, 50))
    Y = np.eye(10)[rng.randint(0, 10, 6000)]
    blocks = _ChunkData(X, Y, None, n_jobs=1)._blocks()
    assert all((stop - start) * 10 * 8 < 128 << 10 for start, stop in blocks)
    assert [start for start, _ in blocks[1:]] == [stop for _, stop in blocks[:-1]]
    assert blocks[0][0] == 0 and blocks[-1][1] == 6000
    one = _ChunkData(X, Y[:, 0], None, n_jobs=1)._blocks()
    assert one == _data.InMemoryData(X, Y[:, 0], n_jobs=1)._blocks()


def test_scratch_buffers_stay_with_worker_threads_only():
    """A chunk evaluation keeps its thread's buffers for the next task; an in-memory pass
    in the caller's thread frees them (no memory held after a fit)."""
    from sklinear import _data
    from sklinear._losses import SquaredLoss

    rng = np.random.RandomState(9)
    X, y = rng.normal(size=(3000, 120)), rng.normal(size=3000)
    coef = rng.normal(size=(120, 1))
    _data.release_scratch()
    in_memory = _data.InMemoryData(X, y, n_jobs=1).evaluate(
        SquaredLoss(), coef, np.zeros(1), hessian=True
    )
    assert "buffers" not in _data._SCRATCH.__dict__
    chunk = _ChunkData(X, y, None, n_jobs=1).evaluate(
        SquaredLoss(), coef, np.zeros(1), hessian=True
    )
    assert "weighted" in _data._SCRATCH.buffers
    _data.release_scratch()
    np.testing.assert_allclose(chunk.hessian_xx, in_memory.hessian_xx, rtol=1e-12)
    np.testing.assert_allclose(chunk.hessian_xx[0], X.T @ X, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chunk_moments_over_several_row_blocks_are_numpy_moments(dtype):
    """An unaligned chunk of three row blocks, a column with a large mean, weights."""
    from sklinear._dask import _chunk_moments

    rng = np.random.RandomState(4)
    X = rng.normal(size=(5000, 60)).astype(dtype)
    X[:, 1] = (1e4 + X[:, 1]).astype(dtype)
    weights = rng.uniform(0.0, 2.0, 5000)
    y = rng.choice(np.array(["ant", "bee", "cat"]), 5000)
    model = SoftmaxClassifier().fit(X[:30], y[:30])
    moments = _chunk_moments(_TargetPreparation(model, None), _unaligned_copy(X), y, weights)
    # Reference in extended precision: the cross products about a mean of 1e4 lose ~1e-9
    # relative in a float64 matrix product.
    exact = X.astype(np.longdouble)
    one_hot = (y[:, None] == model.classes_[None, :]).astype(np.longdouble)
    w = weights.astype(dtype).astype(np.longdouble)  # the weights travel in the dtype of X
    mean = (w @ exact) / w.sum()
    assert moments.weight_sum == pytest.approx(float(w.sum()), rel=1e-12)
    np.testing.assert_allclose(moments.mean, mean.astype(float), rtol=1e-13)
    np.testing.assert_allclose(
        moments.squares, (w @ (exact - mean) ** 2).astype(float), rtol=1e-11
    )
    np.testing.assert_allclose(
        moments.cross, ((exact - mean).T @ (w[:, None] * one_hot)).astype(float), rtol=1e-10
    )
    np.testing.assert_allclose(moments.target_sum, (w @ one_hot).astype(float), rtol=1e-12)
    assert moments.finite == (True, True, True)


class _GraphCounter(distributed.diagnostics.plugin.SchedulerPlugin):
    """Counts the graphs the scheduler receives (one per client round trip)."""

    name = "sklinear-graph-counter"

    def __init__(self):
        self.graphs = 0

    def update_graph(self, scheduler, **kwargs):
        self.graphs += 1


def _graphs_seen(dask_scheduler):
    return dask_scheduler.plugins[_GraphCounter.name].graphs


@pytest.fixture(scope="module")
def task_recorder(dask_client):
    """The sklinear tasks of each graph the scheduler receives (see _TaskRecorder)."""
    dask_client.register_plugin(_TaskRecorder())

    def graphs():
        return dask_client.run_on_scheduler(_recorded_graphs)

    return graphs


@pytest.fixture(scope="module")
def graph_counter(dask_client):
    dask_client.register_plugin(_GraphCounter())

    def count():
        return dask_client.run_on_scheduler(_graphs_seen)

    return count


class _TaskRecorder(distributed.diagnostics.plugin.SchedulerPlugin):
    """Records, per graph holding sklinear tasks, those tasks: key, worker restriction, chunks
    read and where."""

    name = "sklinear-task-recorder"

    def __init__(self):
        self.graphs = []

    def update_graph(self, scheduler, *, tasks, annotations, **kwargs):
        restrictions = annotations.get("workers", {})
        loose = annotations.get("allow_other_workers", {})
        recorded = []
        for key in tasks:
            if not (isinstance(key, tuple) and str(key[0]).startswith("sklinear_")):
                continue
            inputs = {
                dependency.key: sorted(worker.address for worker in dependency.who_has or ())
                for dependency in scheduler.tasks[key].dependencies
                if not str(dependency.key[0]).startswith("sklinear_")
            }
            recorded.append((key, restrictions.get(key), loose.get(key), inputs))
        # graphs without a sklinear task (a test's own persist, which may reach the
        # scheduler after the count taken before the fit) are not sklinear's
        if recorded:
            self.graphs.append(recorded)


def _recorded_graphs(dask_scheduler):
    return dask_scheduler.plugins[_TaskRecorder.name].graphs


def test_each_pass_runs_one_task_per_worker_thread_where_the_chunks_are(
    dask_client, task_recorder, monkeypatch
):
    """12 persisted chunks on 2 single-threaded workers: 2 tasks per pass, added on the client.

    Each task reads the X chunks held by one worker and is restricted (loosely) to it: no
    chunk of X moves, even before the scheduler knows how long the tasks take. (The
    evaluations as graphs: the fallback of the chunk actors, which are turned off here.)
    """
    monkeypatch.setattr(sklinear._dask, "_USE_ACTORS", False)
    X, score, _, rng = _data(seed=5, n_samples=480)
    y = _labels("strings", score, rng)
    X_dask, y_dask = dask_client.persist([_dask(X, 40), _dask(y, 40)])
    distributed.wait([X_dask, y_dask])
    before = len(task_recorder())
    GDLogisticClassifier(solver="lbfgs", alpha=1e-2).fit(X_dask, y_dask)
    graphs = task_recorder()[before:]
    workers = dask_client.nthreads()
    assert sum(workers.values()) == 2
    x_name = X_dask.name
    passes = 0
    for graph in graphs:
        tasks = [task for task in graph if not str(task[0][0]).startswith("sklinear_sum")]
        sums = [task for task in graph if str(task[0][0]).startswith("sklinear_sum")]
        assert len(tasks) <= 2 and not sums
        chunks_read = 0
        for _, restriction, loose, inputs in tasks:
            x_holders = [holders for key, holders in inputs.items() if key[0] == x_name]
            chunks_read += len(x_holders)
            if x_holders:  # an X pass (not the pass over y that finds the classes)
                assert restriction is not None and loose is True
                assert all(holders == list(restriction) for holders in x_holders)
        passes += chunks_read == 12
    assert passes == len(graphs) - 1  # every graph but the classes' reads all of X


def test_chunk_actors_are_created_with_the_statistics_where_the_chunks_are(
    dask_client, task_recorder
):
    """12 persisted chunks on 2 workers: the classes graph, then one graph with the
    statistics tasks and one chunk actor per worker, restricted (loosely) to that worker and
    reading all the chunks it holds; the evaluations send no graph."""
    X, score, _, rng = _data(seed=5, n_samples=480)
    y = _labels("strings", score, rng)
    X_dask, y_dask = dask_client.persist([_dask(X, 40), _dask(y, 40)])
    distributed.wait([X_dask, y_dask])
    before = len(task_recorder())
    model = GDLogisticClassifier(solver="lbfgs", alpha=1e-2).fit(X_dask, y_dask)
    graphs = task_recorder()[before:]
    assert len(graphs) == 2 and model.n_graphs_ == 1
    statistics = graphs[1]
    actors = [task for task in statistics if str(task[0][0]).startswith("sklinear_actor")]
    moments = [task for task in statistics if str(task[0][0]).startswith("sklinear_moments")]
    assert len(actors) == 2 and len(moments) == 2
    chunks_read = 0
    for _, restriction, loose, inputs in actors:
        x_holders = [holders for key, holders in inputs.items() if key[0] == X_dask.name]
        assert restriction is not None and loose is True
        assert x_holders and all(holders == list(restriction) for holders in x_holders)
        chunks_read += len(x_holders)
    assert chunks_read == 12
    _assert_same_fit(GDLogisticClassifier(solver="lbfgs", alpha=1e-2).fit(X, y), model)


def _actors_on_workers(client):
    return sum(client.run(lambda dask_worker: len(dask_worker.state.actors)).values())


def test_chunk_actors_are_released_after_the_fit(dask_client):
    X, score, _, rng = _data(seed=6)
    y = _labels("strings", score, rng)
    X_dask, y_dask = dask_client.persist([_dask(X), _dask(y)])
    distributed.wait([X_dask, y_dask])
    seen = []
    evaluate = DaskData._actor_pass

    def watching(self, call):
        seen.append(_actors_on_workers(dask_client))
        return evaluate(self, call)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DaskData, "_actor_pass", watching)
        SoftmaxClassifier(alpha=1e-2).fit(X_dask, y_dask)
    assert seen and seen[0] == 2  # one per worker during the fit
    deadline = time.monotonic() + 10  # releases reach the workers asynchronously
    while _actors_on_workers(dask_client) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _actors_on_workers(dask_client) == 0


def test_a_failing_actor_call_hands_the_rest_of_the_fit_to_graphs(
    dask_client, graph_counter, monkeypatch
):
    """An actor call that fails (as when a worker is lost) is redone as a graph, and so is
    every later evaluation: the fit is the in-memory fit."""
    X, score, weights, rng = _data(seed=9)
    y = _labels("strings", score, rng)
    X_dask, y_dask, w_dask = dask_client.persist([_dask(X), _dask(y), _dask(weights)])
    distributed.wait([X_dask, y_dask, w_dask])
    calls = {"actor": 0, "evaluate": 0}
    actor_pass, evaluate = DaskData._actor_pass, DaskData.evaluate

    def failing_third(self, call):
        calls["actor"] += 1
        if calls["actor"] == 3:
            raise OSError("Unable to contact Actor's worker")
        return actor_pass(self, call)

    def counting_evaluate(self, *args, **kwargs):
        calls["evaluate"] += 1
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(DaskData, "_actor_pass", failing_third)
    monkeypatch.setattr(DaskData, "evaluate", counting_evaluate)
    before = graph_counter()
    model = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X_dask, y_dask, sample_weight=w_dask)
    graphs = graph_counter() - before
    assert calls["actor"] == 3 and calls["evaluate"] > 3
    # classes + the largest weight + statistics with the actors + one graph per evaluation
    # from the third on
    ours = 3 + calls["evaluate"] - 2
    assert ours <= graphs <= ours + 1
    assert model.n_graphs_ == 1 + calls["evaluate"] - 2
    _assert_same_fit(
        SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X, y, sample_weight=weights), model
    )


def test_actors_that_cannot_be_created_leave_the_passes_to_graphs(
    dask_client, graph_counter, monkeypatch
):
    """The actors' graph fails (here: their task raises on the worker): the statistics and
    every evaluation are graphs, and the fit is the in-memory fit."""
    import operator

    X, score, _, rng = _data(seed=10)
    y = _labels("binary", score, rng)
    X_dask, y_dask = dask_client.persist([_dask(X), _dask(y)])
    distributed.wait([X_dask, y_dask])
    actor_tasks = DaskData._actor_tasks

    def raising_tasks(self, client):
        tasks = actor_tasks(self, client)
        return {key: ((operator.truediv, 1, 0), worker) for key, (_, worker) in tasks.items()}

    calls = {"evaluate": 0}
    evaluate = DaskData.evaluate

    def counting_evaluate(self, *args, **kwargs):
        calls["evaluate"] += 1
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(DaskData, "_actor_tasks", raising_tasks)
    monkeypatch.setattr(DaskData, "evaluate", counting_evaluate)
    before = graph_counter()
    model = GDLogisticClassifier(alpha=1e-2, **TIGHT).fit(X_dask, y_dask)
    graphs = graph_counter() - before
    ours = 1 + 2 + calls["evaluate"]  # classes, the failed and the plain statistics, passes
    assert ours <= graphs <= ours + 1
    assert model.n_graphs_ == 2 + calls["evaluate"]
    _assert_same_fit(GDLogisticClassifier(alpha=1e-2, **TIGHT).fit(X, y), model)


def test_targets_kept_by_the_actors_follow_the_class_weights_of_each_fit(dask_client):
    """Two fits on the same persisted chunks, the class weights changed in between: each is
    its in-memory fit (prepared targets are kept for one fit only)."""
    X, score, _, rng = _data(seed=12)
    X = np.hstack([X, rng.normal(size=(len(X), 8))])  # wide enough for the targets to be kept
    y = _labels("strings", score, rng)
    X_dask, y_dask = dask_client.persist([_dask(X), _dask(y)])
    distributed.wait([X_dask, y_dask])
    for class_weight in (None, {"ant": 5.0, "bee": 1.0, "cat": 0.2}):
        params = {"alpha": 1e-2, "class_weight": class_weight, **TIGHT}
        model = SoftmaxClassifier(**params).fit(X_dask, y_dask)
        _assert_same_fit(SoftmaxClassifier(**params).fit(X, y), model)


def _softmax_sums_by_hand(X, one_hot, weights, coef, offset):
    """Sum of the weighted cross-entropies, sum s x (p - y)^T and sum s (p - y)."""
    scores = X @ coef + offset
    top = scores.max(axis=1, keepdims=True)
    log_normaliser = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
    probabilities = np.exp(scores - log_normaliser[:, None])
    residual = weights[:, None] * (probabilities - one_hot)
    loss = weights @ (log_normaliser - (scores * one_hot).sum(axis=1))
    return loss, X.T @ residual, residual.sum(axis=0)


@pytest.mark.parametrize("sizes", [[3], [1, 2]])
@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_chunk_actor_evaluation_is_the_softmax_sums(monkeypatch, sizes, fraction):
    """A chunk actor (run here in-process) over 3 unequal chunks, in one group or two (its
    thread pool), its targets kept or prepared in each call: the sums by hand."""
    from sklinear._dask import _ChunkActor, _EvaluationCall

    monkeypatch.setattr(sklinear._dask, "_TARGET_CACHE_FRACTION", fraction)
    rng = np.random.RandomState(13)
    X = rng.normal(size=(90, 6))
    y = rng.choice(np.array(["ant", "bee", "cat"]), 90)
    weights = rng.uniform(0.5, 2.0, 90)
    table = np.array([2.0, 1.0, 0.5])
    model = SoftmaxClassifier().fit(X, y)
    prepare = _TargetPreparation(model, table)
    bounds = [0, 20, 55, 90]
    chunks = [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
    actor = _ChunkActor(
        prepare,
        sizes,
        [X[rows] for rows in chunks],
        [y[rows] for rows in chunks],
        [weights[rows] for rows in chunks],
    )
    assert len(actor.groups) == len(sizes)
    assert actor.n_cached == (3 if fraction else 0)
    coef, offset = rng.normal(size=(6, 3)), rng.normal(size=3)
    call = _EvaluationCall(prepare, model._make_loss(), coef, offset, None, False)
    sums = actor.evaluate(call)
    one_hot = (y[:, None] == model.classes_[None, :]).astype(float)
    effective = weights * table[np.searchsorted(model.classes_, y)]
    loss, product, gradient_sum = _softmax_sums_by_hand(X, one_hot, effective, coef, offset)
    assert sums.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(sums.product, product, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sums.gradient_sum, gradient_sum, rtol=1e-10, atol=1e-12)


def test_distinct_labels_are_numpy_unique_with_counts(dask_client):
    """Strings over unequal chunks (one empty) and a 0/1 matrix: numpy.unique's answer."""
    from sklinear._dask import _distinct_labels

    rng = np.random.RandomState(7)
    labels = rng.choice(np.array(["ant", "bee", "cat", "dog"]), 300).astype(object)
    chunked = da.from_array(labels, chunks=((100, 0, 150, 50),))
    values, counts = _distinct_labels(chunked)
    expected_values, expected_counts = np.unique(labels, return_counts=True)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(counts, expected_counts)
    indicator = rng.randint(0, 2, size=(90, 3))
    values, counts = _distinct_labels(da.from_array(indicator, chunks=(40, 3)))
    np.testing.assert_array_equal(values, [0, 1])
    np.testing.assert_array_equal(counts, [np.sum(indicator == 0), np.sum(indicator == 1)])


def test_chunk_groups_split_a_workers_chunks_among_its_threads(dask_client):
    """Chunks held by one worker become as many tasks as it has threads (contiguous runs);
    chunks that are not persisted (computed in the graph) are a task each."""
    from sklinear._dask import _chunk_groups

    first, second = sorted(dask_client.nthreads())
    futures = dask_client.scatter([np.full(3, float(i)) for i in range(5)], workers=[first])
    keys = [future.key for future in futures]
    persisted = dict(zip(keys, futures, strict=True))

    class TwoThreads:  # the scheduler's answers, as if ``first`` had two threads
        who_has = staticmethod(dask_client.who_has)

        def nthreads(self):
            return {first: 2, second: 1}

    assert _chunk_groups(TwoThreads(), persisted, keys) == [(first, [0, 1, 2]), (first, [3, 4])]
    assert _chunk_groups(dask_client, persisted, keys) == [(first, [0, 1, 2, 3, 4])]
    lazy = {key: (np.zeros, 3) for key in keys}
    assert _chunk_groups(dask_client, lazy, keys) == [(None, [index]) for index in range(5)]
    assert _chunk_groups(None, persisted, keys) == [(None, [index]) for index in range(5)]
    # Persisted but still computing (persist returns at once): waited for, then grouped.
    import operator

    slow = dask_client.submit(time.sleep, 0.5, pure=False, workers=[second])
    pending = [
        dask_client.submit(operator.getitem, (np.full(3, float(i)), slow), 0, workers=[second])
        for i in range(3)
    ]
    assert not any(future.done() for future in pending)
    keys = [future.key for future in pending]
    groups = _chunk_groups(dask_client, dict(zip(keys, pending, strict=True)), keys)
    assert groups == [(second, [0, 1, 2])]


@pytest.mark.parametrize("data", ["persisted", "graphs", "lazy"])
@pytest.mark.parametrize("Estimator", [GDLogisticClassifier, SoftmaxClassifier])
def test_one_round_trip_per_evaluation(dask_client, graph_counter, monkeypatch, Estimator, data):
    """Persisted chunks: one call of the chunk actors per evaluation (no graph); persisted
    with the actors turned off, or lazily defined chunks: one graph per evaluation."""
    X, score, _, rng = _data(seed=2)
    y = _labels("strings", score, rng)
    calls = {"evaluate": 0, "statistics": 0, "actors": 0}
    evaluate, statistics, actor_pass = DaskData.evaluate, DaskData.statistics, DaskData._actor_pass

    def counting_evaluate(self, *args, **kwargs):
        calls["evaluate"] += 1
        return evaluate(self, *args, **kwargs)

    def counting_statistics(self):
        calls["statistics"] += 1
        return statistics(self)

    def counting_actor_pass(self, call):
        calls["actors"] += 1
        return actor_pass(self, call)

    monkeypatch.setattr(DaskData, "evaluate", counting_evaluate)
    monkeypatch.setattr(DaskData, "statistics", counting_statistics)
    monkeypatch.setattr(DaskData, "_actor_pass", counting_actor_pass)
    monkeypatch.setattr(sklinear._dask, "_USE_ACTORS", data != "graphs")
    X_dask, y_dask = _dask(X), _dask(y)
    if data != "lazy":
        X_dask, y_dask = dask_client.persist([X_dask, y_dask])
        distributed.wait([X_dask, y_dask])
    before = graph_counter()
    model = Estimator(solver="lbfgs", alpha=1e-2, tol=1e-6).fit(X_dask, y_dask)
    graphs = graph_counter() - before
    assert calls["statistics"] == 1
    assert calls["evaluate"] >= model.n_iter_ >= 2
    # one graph finds the classes (da.unique on y), then one for the statistics (and the
    # actors), then one per evaluation unless the actors answer it;
    # the scheduler is shared with the rest of the suite, where one unrelated graph (a
    # release of an earlier test's collections) has been seen to land during the fit: the
    # scheduler's count may exceed ours by one, never by one per evaluation.
    by_actors = data == "persisted"
    assert calls["actors"] == (calls["evaluate"] if by_actors else 0)
    ours = 1 + calls["statistics"] + (0 if by_actors else calls["evaluate"])
    assert ours <= graphs <= ours + 1
    assert model.n_graphs_ == ours - 1


def test_binary_default_fit_never_converts_X_on_the_client(dask_client, monkeypatch):
    """The benchmarks' probe: GDLogisticClassifier() on Dask X and y, __array__ refused."""
    X, score, _, rng = _data(seed=4)
    y = _labels("binary", score, rng)
    X_dask, y_dask = _dask(X), _dask(y)

    def refuse(self, *args, **kwargs):
        raise AssertionError("a Dask array was converted to NumPy on the client")

    monkeypatch.setattr(da.Array, "__array__", refuse)
    model = GDLogisticClassifier().fit(X_dask, y_dask)
    monkeypatch.undo()
    _assert_same_fit(GDLogisticClassifier().fit(X, y), model)


def test_fit_never_converts_X_on_the_client(dask_client, monkeypatch):
    X, score, weights, rng = _data(seed=4)
    y = _labels("strings", score, rng)

    def refuse(self, *args, **kwargs):
        raise AssertionError("a Dask array was converted to NumPy on the client")

    X_dask, y_dask, w_dask = _dask(X), _dask(y), _dask(weights)
    monkeypatch.setattr(da.Array, "__array__", refuse)
    model = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X_dask, y_dask, sample_weight=w_dask)
    proba = model.predict_proba(X_dask)
    monkeypatch.undo()
    reference = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X, y, sample_weight=weights)
    _assert_same_fit(reference, model)
    np.testing.assert_allclose(proba.compute(), reference.predict_proba(X), rtol=1e-5)


def test_lazily_generated_data_bigger_than_the_client_needs(dask_client):
    """X is generated on the workers and never held whole, by the client or the cluster."""
    n_samples, n_features, chunk = 200_000, 20, 25_000
    X = da.random.RandomState(0).normal(size=(n_samples, n_features), chunks=(chunk, n_features))
    w = np.linspace(-1, 1, n_features)
    y = (X @ w + da.random.RandomState(1).logistic(size=n_samples, chunks=chunk)) > 0
    tracemalloc.start()
    model = GDLogisticClassifier(alpha=1e-3, tol=1e-6).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The client (which hosts the LocalCluster's scheduler and its bookkeeping here) held a
    # small fraction of X's 32 MB.
    assert peak < X.nbytes / 4
    # No chunk of X left on the workers once the client's releases have reached the
    # scheduler (they travel asynchronously: allow a few seconds).
    deadline = time.monotonic() + 10
    while True:
        held = dask_client.run_on_scheduler(
            lambda dask_scheduler: [str(key) for key in dask_scheduler.tasks]
        )
        if not any(X.name in key for key in held) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not any(X.name in key for key in held)
    X_numpy, y_numpy = X.compute(), y.compute()
    _assert_same_fit(GDLogisticClassifier(alpha=1e-3, tol=1e-6).fit(X_numpy, y_numpy), model)


# --- predictions ------------------------------------------------------------------------------
PREDICT_CASES = [
    (GDLogisticClassifier, "binary", ("predict", "predict_proba", "predict_log_proba")),
    (GDLogisticClassifier, "strings", ("predict", "predict_proba", "decision_function")),
    (GDLogisticClassifier, "multilabel", ("predict", "predict_proba", "decision_function")),
    (SoftmaxClassifier, "strings", ("predict", "predict_proba", "predict_log_proba")),
    (SoftmaxClassifier, "binary", ("decision_function", "predict_proba")),
    (GDLinearRegressor, "continuous", ("predict",)),
    (GDLinearRegressor, "two_targets", ("predict",)),
]


@pytest.mark.parametrize(("Estimator", "target", "methods"), PREDICT_CASES)
def test_predictions_are_lazy_and_equal_chunk_by_chunk(
    dask_client, graph_counter, Estimator, target, methods
):
    X, score, _, rng = _data(seed=5)
    y = _labels(target, score, rng)
    model = Estimator(alpha=1e-2).fit(X, y)
    X_dask = _dask(X, chunks=70)
    for name in methods:
        before = graph_counter()
        result = getattr(model, name)(X_dask)
        assert graph_counter() == before, f"{name} computed something"
        assert isinstance(result, da.Array)
        assert result.chunks[0] == X_dask.chunks[0]
        for index, start in enumerate(range(0, len(X), 70)):
            expected = getattr(model, name)(X[start : start + 70])
            np.testing.assert_array_equal(result.blocks[index].compute(), expected)
    expected_score = model.score(X, y)
    dask_score = model.score(X_dask, _dask(y, chunks=70))
    assert isinstance(dask_score, float)
    assert dask_score == pytest.approx(expected_score, rel=1e-12)


def test_sample_draws_chunk_by_chunk_with_documented_seeds(dask_client):
    X, score, _, rng = _data(seed=6)
    y = _labels("strings", score, rng)
    model = SoftmaxClassifier(alpha=1e-2).fit(X, y)
    X_dask = _dask(X, chunks=100)
    drawn = model.sample(X_dask, top_k=2, random_state=7)
    seeds = np.random.RandomState(7).randint(np.iinfo(np.int32).max, size=3)
    expected = np.concatenate(
        [
            model.sample(X[start : start + 100], top_k=2, random_state=seed)
            for start, seed in zip(range(0, len(X), 100), seeds, strict=True)
        ]
    )
    np.testing.assert_array_equal(drawn.compute(), expected)


def test_predict_checks_the_number_of_features(dask_client):
    X, score, _, rng = _data(seed=7)
    model = GDLinearRegressor().fit(X, _labels("continuous", score, rng))
    with pytest.raises(ValueError, match="X has 3 features, but GDLinearRegressor is expecting 4"):
        model.predict(_dask(X[:, :3]))


# --- DataFrames ---------------------------------------------------------------------------------
def test_dask_dataframe_keeps_feature_names(dask_client, graph_counter):
    X, score, weights, rng = _data(seed=8)
    y = _labels("strings", score, rng)
    columns = ["length", "width", "depth", "mass"]
    frame = pd.DataFrame(X, columns=columns)
    dask_frame = dd.from_pandas(frame, npartitions=3)
    dask_target = dd.from_pandas(pd.Series(y, name="label"), npartitions=3)
    in_memory = GDLogisticClassifier(alpha=1e-2, **TIGHT).fit(frame, y)
    model = GDLogisticClassifier(alpha=1e-2, **TIGHT).fit(dask_frame, dask_target)
    np.testing.assert_array_equal(model.feature_names_in_, columns)
    _assert_same_fit(in_memory, model)
    before = graph_counter()
    proba = model.predict_proba(dask_frame)
    assert graph_counter() == before  # lazy: not even the partition lengths are computed
    np.testing.assert_allclose(proba.compute(), in_memory.predict_proba(frame), rtol=1e-6)
    assert model.score(dask_frame, dask_target) == pytest.approx(in_memory.score(frame, y))
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(dask_frame[columns[::-1]])


def test_pandas_X_with_a_dask_target_keeps_feature_names(dask_client):
    """A pandas X with a Dask y (an AttributeError of dask.array.asarray before)."""
    X, score, weights, rng = _data(seed=12)
    y = _labels("continuous", score, rng)
    frame = pd.DataFrame(X, columns=["length", "width", "depth", "mass"])
    in_memory = GDLinearRegressor(alpha=1e-2, **TIGHT).fit(frame, y, sample_weight=weights)
    model = GDLinearRegressor(alpha=1e-2, **TIGHT).fit(
        frame, dd.from_pandas(pd.Series(y), npartitions=3), sample_weight=_dask(weights)
    )
    _assert_same_fit(in_memory, model)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    pl = pytest.importorskip("polars")
    model = GDLinearRegressor(alpha=1e-2, **TIGHT).fit(
        pl.from_pandas(frame), _dask(y), sample_weight=weights
    )
    _assert_same_fit(in_memory, model)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)


def test_predict_warns_of_feature_names_on_one_side_only(dask_client):
    """scikit-learn's warnings, whichever side has the names (a Dask DataFrame given to a
    model fitted without names went unnoticed)."""
    X, score, _, rng = _data(seed=13)
    y = _labels("binary", score, rng)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    plain = GDLogisticClassifier().fit(X, y)
    with pytest.warns(UserWarning, match="X has feature names, but GDLogisticClassifier was"):
        proba = plain.predict_proba(dd.from_pandas(frame, npartitions=3))
    np.testing.assert_allclose(proba.compute(), plain.predict_proba(X), rtol=1e-12)
    named = GDLogisticClassifier().fit(frame, y)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        named.predict(_dask(X))


def test_column_names_mixing_strings_and_numbers_raise_as_in_memory(dask_client):
    """scikit-learn's TypeError for a pandas X (the Dask DataFrame was fitted without
    names, in silence)."""
    X, score, _, rng = _data(seed=15)
    frame = pd.DataFrame(X, columns=["a", 1, "c", "d"])
    y = _labels("continuous", score, rng)
    with pytest.raises(TypeError, match="Feature names are only supported if all input"):
        GDLinearRegressor().fit(frame, y)
    with pytest.raises(TypeError, match="Feature names are only supported if all input"):
        GDLinearRegressor().fit(dd.from_pandas(frame, npartitions=2), y)


def test_dask_dataframe_with_text_column_is_refused(dask_client):
    frame = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["r", "g", "b", "r"]})
    with pytest.raises(ValueError, match="Column 'colour' of X must be numeric"):
        GDLinearRegressor().fit(dd.from_pandas(frame, npartitions=2), np.arange(4.0))


def test_dask_dataframe_with_boolean_and_nullable_columns_is_read_as_float64(dask_client):
    """pandas stacks a float column and a bool / Int64 / Float64 / boolean one into an
    object array; these columns are numbers, read as float64 as in memory (pd.NA as NaN,
    refused as in memory)."""
    X, score, _, rng = _data(seed=10)
    y = _labels("continuous", score, rng)
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["flag"] = X[:, 3] > 0
    frame["count"] = pd.array(np.round(3 * X[:, 3]).astype(int), dtype="Int64")
    frame["level"] = pd.array(X[:, 3], dtype="Float64")
    frame["known"] = pd.array(X[:, 1] > 0, dtype="boolean")
    dask_frame = dd.from_pandas(frame, npartitions=3)
    in_memory = GDLinearRegressor(alpha=1e-2, **TIGHT).fit(frame, y)
    model = GDLinearRegressor(alpha=1e-2, **TIGHT).fit(dask_frame, y)
    _assert_same_fit(in_memory, model)
    np.testing.assert_allclose(
        model.predict(dask_frame).compute(), in_memory.predict(frame), rtol=1e-6, atol=1e-6
    )
    frame.loc[7, "count"] = pd.NA
    with pytest.raises(ValueError, match="Input X contains NaN"):
        GDLinearRegressor().fit(dd.from_pandas(frame, npartitions=3), y)


def test_empty_chunks_add_nothing_to_fit_or_predictions(dask_client):
    """A filter leaves empty partitions: the fit and the predictions skip them (an empty
    chunk's evaluation returned None, and its in-memory predict refused 0 rows)."""
    X, score, _, rng = _data(seed=11)
    y = _labels("strings", score, rng)
    in_memory = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(X, y)
    X_dask = da.from_array(X, chunks=((80, 0, 160), (N_FEATURES,)))
    for data in (X_dask, dask_client.persist(X_dask)):
        model = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(data, _dask(y, chunks=60))
        _assert_same_fit(in_memory, model)
        np.testing.assert_array_equal(model.predict(data).compute(), in_memory.predict(X))
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(label=y)
    frame = frame.sort_values("b", ignore_index=True)
    dask_frame = dd.from_pandas(frame, npartitions=4)
    kept = dask_frame[dask_frame["b"] > 0.5]  # rows of the last partitions only
    assert 0 in kept.map_partitions(len).compute().tolist()
    rows = frame[frame["b"] > 0.5]
    features = ["a", "b", "c", "d"]
    in_memory = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(rows[features], rows["label"])
    model = SoftmaxClassifier(alpha=1e-2, **TIGHT).fit(kept[features], kept["label"])
    _assert_same_fit(in_memory, model)
    np.testing.assert_allclose(
        model.predict_proba(kept[features]).compute(),
        in_memory.predict_proba(rows[features]),
        rtol=1e-6,
    )
    assert model.score(kept[features], kept["label"]) == pytest.approx(
        in_memory.score(rows[features], rows["label"])
    )


@pytest.mark.parametrize(
    ("dtype", "scale", "weights_on"),
    [
        (np.float64, 1e300, "dask"),
        (np.float64, 1e-310, "numpy"),
        (np.float32, 1e40, "dask"),  # beyond float32
    ],
)
def test_sample_weights_of_any_scale_fit_as_in_memory(dask_client, dtype, scale, weights_on):
    """The weights are divided by the largest one, as in memory (1e300 gave zero
    coefficients without a word, float32 data with weights of 1e40 "sample_weight must be
    finite")."""
    X, score, weights, rng = _data(seed=16)
    X = X.astype(dtype)
    y = _labels("continuous", score, rng)
    weights = weights * scale
    in_memory = GDLinearRegressor(alpha=1e-2, tol=1e-8).fit(X, y, sample_weight=weights)
    model = GDLinearRegressor(alpha=1e-2, tol=1e-8).fit(
        _dask(X), y, sample_weight=_dask(weights) if weights_on == "dask" else weights
    )
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-4)
    np.testing.assert_allclose(model.intercept_, in_memory.intercept_, rtol=1e-4)


def test_class_weights_beyond_float32_fit_as_in_memory(dask_client):
    X, score, _, rng = _data(seed=17)
    X = X.astype(np.float32)
    y = _labels("strings", score, rng)
    params = dict(alpha=1e-2, tol=1e-8, class_weight={"ant": 1e40, "bee": 5e39, "cat": 1e39})
    in_memory = SoftmaxClassifier(**params).fit(X, y)
    model = SoftmaxClassifier(**params).fit(_dask(X), _dask(y))
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-4, atol=1e-6)


# --- input errors ---------------------------------------------------------------------
def test_stochastic_solvers_point_to_partial_fit(dask_client):
    X, score, _, rng = _data()
    with pytest.raises(ValueError, match="partial_fit, e.g. with dask_ml.wrappers.Incremental"):
        GDLogisticClassifier(solver="sgd").fit(_dask(X), _dask(_labels("binary", score, rng)))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        ("nan_x", "Input X contains NaN or infinity"),
        # finite, but the chunks' sums of squares overflow: said so, with the remedy
        ("huge_x", "values so large .* that their squares overflow float64 .* rescale"),
        ("nan_y", "Input y contains NaN or infinity"),
        ("negative_weight", "sample_weight must be finite and non-negative"),
        ("zero_weights", "sample weights sum to zero"),
        ("short_y", "inconsistent numbers of samples: X has 240 rows, y has 239"),
    ],
)
def test_bad_input_is_a_clear_error(dask_client, mutate, message):
    X, score, weights, rng = _data()
    y = _labels("continuous", score, rng)
    if mutate == "nan_x":
        X[100, 2] = np.nan
    elif mutate == "huge_x":
        X[:, 1] *= 1e154
    elif mutate == "nan_y":
        y[5] = np.inf
    elif mutate == "negative_weight":
        weights[200] = -1.0
    elif mutate == "zero_weights":
        weights[:] = 0.0
    elif mutate == "short_y":
        y = y[:-1]
    with pytest.raises(ValueError, match=message):
        GDLinearRegressor().fit(_dask(X), _dask(y), sample_weight=_dask(weights))


@pytest.mark.parametrize(("dtype", "scale"), [(np.float64, 1e-170), (np.float32, 1e200)])
def test_regression_targets_out_of_range_raise_as_in_memory(dask_client, dtype, scale):
    """The in-memory range check (y of 1e-170 gave zero coefficients without a word; 1e200
    with float32 X, "y contains NaN or infinity")."""
    X, score, _, rng = _data()
    X = X.astype(dtype)
    y = _labels("continuous", score, rng) * scale
    with pytest.raises(ValueError, match="y's largest magnitude is .* outside"):
        GDLinearRegressor().fit(X, y)
    with pytest.raises(ValueError, match="y's largest magnitude is .* outside"):
        GDLinearRegressor().fit(_dask(X), _dask(y))


def test_labels_that_cannot_be_sorted_say_why(dask_client):
    """As in memory: None among string labels names the rows (NumPy's sort of the labels of
    a chunk said only "'<' not supported between instances of 'NoneType' and 'str'")."""
    X, _, _, _ = _data()
    labels = np.array(["a", None] * (len(X) // 2), dtype=object)
    with pytest.raises(TypeError, match=r"missing labels .* e\.g\. row\(s\) \[1, 3"):
        GDLogisticClassifier().fit(_dask(X), _dask(labels))


def test_one_class_and_unknown_chunk_sizes_are_clear_errors(dask_client):
    X, _, _, _ = _data()
    with pytest.raises(ValueError, match="only one class"):
        GDLogisticClassifier().fit(_dask(X), _dask(np.zeros(len(X), dtype=int)))
    unknown = _dask(X)[_dask(X)[:, 1] > -10]  # boolean mask: chunk sizes unknown
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        GDLinearRegressor().fit(unknown, np.zeros(len(X)))
    # y and the weights too (they said "X has 240 rows, y has nan")
    target = dd.from_pandas(pd.Series(np.zeros(len(X))), npartitions=3)
    with pytest.raises(ValueError, match=r"y has unknown chunk sizes .* y\.compute_chunk_sizes"):
        GDLinearRegressor().fit(_dask(X), target.values)
    with pytest.raises(ValueError, match="sample_weight has unknown chunk sizes"):
        GDLinearRegressor().fit(_dask(X), target, sample_weight=(target + 1).to_dask_array())


@pytest.mark.parametrize("what", ["y", "sample_weight"])
def test_numpy_vectors_of_the_wrong_length_name_both_lengths(dask_client, what):
    """A NumPy y or sample_weight of the wrong length with a Dask X (Dask's own
    "Chunks do not add up to shape" before)."""
    X, _, _, _ = _data()
    y, weights = np.zeros(len(X)), np.ones(len(X))
    if what == "y":
        y = y[:-1]
    else:
        weights = weights[:-1]
    with pytest.raises(ValueError, match=f"X has 240 rows, {what} has 239"):
        GDLinearRegressor().fit(_dask(X), y, sample_weight=weights)


# --- out of core ------------------------------------------------------------------------------
def _three_directions(X, rng):
    """Labels of three classes, each favoured along its own direction (Gumbel noise)."""
    directions = np.array([[1.5, 0.0, -1.5], [0.0, 1.5, -1.0], [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
    scores = (X - X.mean(axis=0)) @ directions + rng.gumbel(size=(len(X), 3))
    return np.array(["ant", "bee", "cat"])[np.argmax(scores, axis=1)]


@pytest.mark.parametrize(
    ("Estimator", "target", "fit_kwargs"),
    [
        (GDLogisticClassifier, "binary", {"classes": [0, 1]}),
        (SoftmaxClassifier, "directions", {"classes": ["ant", "bee", "cat"]}),
        (GDLinearRegressor, "continuous", {}),
    ],
)
def test_incremental_streams_chunks_to_the_in_memory_score(
    dask_client, Estimator, target, fit_kwargs
):
    """dask-ml's Incremental feeds the chunks to partial_fit: 3 passes reach the full fit."""
    from dask_ml.wrappers import Incremental

    X, score, _, rng = _data(seed=9, n_samples=3000)
    y = _three_directions(X, rng) if target == "directions" else _labels(target, score, rng)
    train, test = slice(0, 2400), slice(2400, None)
    full = Estimator(alpha=1e-4).fit(X[train], y[train]).score(X[test], y[test])
    streamed = Incremental(
        Estimator(solver="sgd", alpha=1e-4, eta0=0.05, batch_size=32, random_state=0)
    )
    X_dask, y_dask = _dask(X[train], chunks=400), _dask(y[train], chunks=400)
    for _ in range(3):
        streamed.partial_fit(X_dask, y_dask, **fit_kwargs)
    assert streamed.estimator_.n_iter_ == 3 * 6  # one epoch per chunk and pass
    held_out = streamed.score(_dask(X[test], chunks=300), _dask(y[test], chunks=300))
    assert held_out >= full - 0.01


# --- optional dependency ---------------------------------------------------------------
def test_sklinear_imports_and_fits_without_dask():
    code = (
        "import sys\n"
        "for name in ('dask', 'distributed', 'dask_ml'): sys.modules[name] = None\n"
        "import numpy as np, sklinear\n"
        "from sklinear import GDLogisticClassifier\n"
        "m = GDLogisticClassifier().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])\n"
        "print(m.predict([[3.0]])[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_import_sklinear_does_not_import_dask():
    code = (
        "import sys, sklinear, sklinear.linear_model\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_column_vector_and_two_d_labels(dask_client):
    """A column-vector y is raveled with scikit-learn's warning (same fit as the 1-d y); a
    2-d y is refused by SoftmaxClassifier and must be 0/1 for GDLogisticClassifier."""
    from sklearn.exceptions import DataConversionWarning

    X, score, _, rng = _data()
    y = _labels("binary", score, rng)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = GDLogisticClassifier(**TIGHT).fit(_dask(X), _dask(y[:, None]))
    _assert_same_fit(GDLogisticClassifier(**TIGHT).fit(X, y), column)
    with pytest.raises(ValueError, match="SoftmaxClassifier needs a 1-d array of class labels"):
        SoftmaxClassifier().fit(_dask(X), _dask(np.stack([y, y], axis=1)))
    with pytest.raises(ValueError, match="A 2-d y must be a multilabel indicator matrix"):
        GDLogisticClassifier().fit(_dask(X), _dask(np.stack([y, 2 * y], axis=1)))
