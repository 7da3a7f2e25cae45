"""Array API inputs under ``array_api_dispatch``: computed on their device, same answers as NumPy.

References are independent of the device code: the NumPy fit of the same data (its own
code path, :class:`~sklinear._data.InMemoryData`), scikit-learn's Array API estimator checks,
and array-api-strict arrays on its non-CPU device ``device1``, which refuse any conversion to
NumPy and any mix with arrays of another device: a fit that moved ``X`` to the host, or
combined it with a host array, raises.
"""

import warnings
from collections import namedtuple

import array_api_compat
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import check_array_api_input

from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier, _array_api
from sklinear._array_api import ArrayAPIData, namespace_name, to_numpy
from sklinear._data import InMemoryData
from sklinear._losses import (
    BinomialLoss,
    HuberLoss,
    MultinomialLoss,
    SmoothedAbsoluteLoss,
    SquaredLoss,
)

array_api_strict = pytest.importorskip("array_api_strict")  # part of the test extra

# Checks of recent scikit-learn releases; left out where the installed release lacks them.
check_array_api_same_namespace = getattr(estimator_checks, "check_array_api_same_namespace", None)
check_array_api_mixed_inputs = getattr(estimator_checks, "check_array_api_mixed_inputs", None)


def _torch():
    return pytest.importorskip("torch")  # an optional extra: skipped where not installed


# --- backends: how to put a NumPy array into a namespace on a device ------------------------
def _strict(dtype):
    def make(array):
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
        return array_api_strict.asarray(array, device=array_api_strict.Device("device1"))

    return make


def _torch_on(device, dtype):
    def make(array):
        torch = _torch()
        if device == "cuda" and not torch.cuda.is_available():
            pytest.skip("no CUDA device on this machine (runs where one is present)")
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
        return torch.asarray(array, device=device)

    return make


def _cupy(dtype):
    def make(array):
        cupy = pytest.importorskip("cupy")
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
        return cupy.asarray(array)

    return make


BACKENDS = {
    "strict-float64": (_strict("float64"), "array_api_strict", np.float64),
    "strict-float32": (_strict("float32"), "array_api_strict", np.float32),
    "torch-cpu-float64": (_torch_on("cpu", "float64"), "torch", np.float64),
    "torch-cpu-float32": (_torch_on("cpu", "float32"), "torch", np.float32),
    "torch-cuda-float64": (_torch_on("cuda", "float64"), "torch", np.float64),
    "torch-cuda-float32": (_torch_on("cuda", "float32"), "torch", np.float32),
    "cupy-float32": (_cupy("float32"), "cupy", np.float32),
}


def _data(kind, seed=0, n_samples=120, n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) + np.array([0.0, 3.0, -1.0, 0.5])
    w = rng.normal(size=(n_features, 3))
    scores = (X - X.mean(axis=0)) @ w + rng.normal(size=(n_samples, 3))
    if kind == "regression":
        y = scores[:, 0]
    elif kind == "regression2d":
        y = scores[:, :2]
    elif kind == "binary":
        y = np.where(scores[:, 0] > 0, 7, 3)
    elif kind == "multiclass":
        y = np.array([3, 5, 7])[np.argmax(scores, axis=1)]
    elif kind == "multilabel":
        y = (scores > 0).astype(np.int64)
    else:  # strings: labels no Array API library holds
        y = np.array(["a", "b", "c"])[np.argmax(scores, axis=1)]
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    return X, y, weights


# (id, estimator, target kind, with sample weights)
CASES = [
    ("reg-squared-l2-auto", GDLinearRegressor(alpha=1e-2, tol=1e-9), "regression", True),
    (
        "reg-elasticnet-gd",
        GDLinearRegressor(penalty="elasticnet", alpha=1e-2, l1_ratio=0.5, solver="gd", tol=1e-9),
        "regression",
        False,
    ),
    (
        "reg-huber-lbfgs",
        GDLinearRegressor(loss="huber", alpha=1e-3, solver="lbfgs", tol=1e-9),
        "regression",
        True,
    ),
    (
        "reg-absolute-l1",
        GDLinearRegressor(loss="absolute_error", penalty="l1", alpha=1e-3, tol=1e-9),
        "regression",
        False,
    ),
    (
        "reg-multioutput-newton",
        GDLinearRegressor(alpha=1e-2, solver="newton", tol=1e-9),
        "regression2d",
        True,
    ),
    (
        "reg-sgd",
        GDLinearRegressor(solver="sgd", max_iter=4, tol=None, eta0=0.01, random_state=0),
        "regression",
        True,
    ),
    ("logistic-binary-auto", GDLogisticClassifier(alpha=1e-2, tol=1e-9), "binary", True),
    (
        "logistic-ovr-lbfgs",
        GDLogisticClassifier(alpha=1e-2, solver="lbfgs", tol=1e-9),
        "multiclass",
        False,
    ),
    (
        "logistic-multilabel-newton",
        GDLogisticClassifier(alpha=1e-2, solver="newton", tol=1e-9),
        "multilabel",
        True,
    ),
    (
        "logistic-l1",
        GDLogisticClassifier(penalty="l1", alpha=1e-2, tol=1e-9),
        "binary",
        False,
    ),
    (
        "logistic-balanced-gd",
        GDLogisticClassifier(class_weight="balanced", alpha=1e-2, solver="gd", tol=1e-9),
        "multiclass",
        True,
    ),
    (
        "logistic-adam",
        GDLogisticClassifier(solver="adam", max_iter=4, tol=None, random_state=0),
        "binary",
        False,
    ),
    ("softmax-auto", SoftmaxClassifier(alpha=1e-2, tol=1e-9), "multiclass", True),
    (
        "softmax-elasticnet-lbfgs-l1",
        SoftmaxClassifier(penalty="elasticnet", l1_ratio=0.5, alpha=1e-2, tol=1e-9),
        "multiclass",
        False,
    ),
    (
        "softmax-binary-lbfgs",
        SoftmaxClassifier(alpha=1e-2, solver="lbfgs", tol=1e-9),
        "binary",
        True,
    ),
    (
        "softmax-l1-gd",
        SoftmaxClassifier(penalty="l1", alpha=1e-2, solver="gd", tol=1e-9),
        "multiclass",
        True,
    ),
    (
        "reg-no-penalty-lbfgs",
        GDLinearRegressor(penalty=None, solver="lbfgs", tol=1e-9),
        "regression",
        True,
    ),
    ("softmax-string-labels", SoftmaxClassifier(alpha=1e-2, tol=1e-9), "strings", False),
]

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


def _same_place(array, reference, library):
    assert namespace_name(array) == library
    assert str(_array_api.device(array)) == str(_array_api.device(reference))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize(
    ("case", "estimator", "kind", "weighted"), CASES, ids=[c[0] for c in CASES]
)
def test_fit_on_device_matches_numpy(backend, case, estimator, kind, weighted):
    make, library, dtype = BACKENDS[backend]
    X, y, weights = _data(kind)
    reference = clone(estimator).fit(X, y, sample_weight=weights if weighted else None)

    X_device = make(X)
    y_device = y if kind == "strings" else make(y)
    weights_device = make(weights) if weighted else None
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(estimator).fit(X_device, y_device, sample_weight=weights_device)
        outputs = {m: getattr(model, m)(X_device) for m in METHODS if hasattr(model, m)}

    # Fitted arrays and outputs live in X's namespace, on X's device, in X's dtype.
    for name in ("coef_", "intercept_"):
        _same_place(getattr(model, name), X_device, library)
        assert to_numpy(getattr(model, name)).dtype == dtype
        # the NumPy fit's shapes: a 0-d intercept_ for a 1-d target (it was (1,))
        assert to_numpy(getattr(model, name)).shape == np.shape(getattr(reference, name))
    if hasattr(reference, "classes_"):
        assert_array_equal(model.classes_, reference.classes_)
    for method, output in outputs.items():
        expected = getattr(reference, method)(X)
        if kind == "strings" and method == "predict":
            assert isinstance(output, np.ndarray)  # strings stay NumPy
        else:
            _same_place(output, X_device, library)
        assert to_numpy(output).shape == expected.shape

    coef = to_numpy(model.coef_)
    if dtype == np.float64:
        scale = np.max(np.abs(reference.coef_))
        assert_allclose(coef, reference.coef_, rtol=1e-5, atol=1e-7 * scale)
        assert_allclose(to_numpy(model.intercept_), reference.intercept_, rtol=1e-5, atol=1e-7)
        if kind.startswith("regression"):
            spread = np.std(y)
            assert_allclose(
                to_numpy(outputs["predict"]), reference.predict(X), rtol=1e-6, atol=1e-6 * spread
            )
        else:
            assert_array_equal(to_numpy(outputs["predict"]), reference.predict(X))
    elif estimator.solver in ("sgd", "adam"):
        # Unconverged mini-batch iterates: the NumPy float32 fit is the reference (the
        # float32 and float64 NumPy fits themselves differ by ~1e-2 after a few Adam epochs).
        X32 = X.astype(np.float32)
        reference32 = clone(estimator).fit(X32, y, sample_weight=weights if weighted else None)
        method = "predict_proba" if "predict_proba" in outputs else "predict"
        expected = getattr(reference32, method)(X32)
        assert_allclose(to_numpy(outputs[method]), expected, rtol=1e-5, atol=1e-5)
    else:  # float32: predictions within 1e-3 of the float64 NumPy fit
        if "predict_proba" in outputs:
            assert_allclose(
                to_numpy(outputs["predict_proba"]), reference.predict_proba(X), atol=1e-3
            )
        else:
            spread = np.std(y)
            assert_allclose(to_numpy(outputs["predict"]), reference.predict(X), atol=1e-3 * spread)


@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float64", "torch-cuda-float64"])
def test_a_class_of_zero_total_weight_is_left_out_on_the_device(backend):
    """SoftmaxClassifier's limit for a class whose samples all weigh zero (coefficients 0,
    intercept -inf; tests/test_softmax.py) on the device: the class's column is dropped
    there, and the fit equals the NumPy fit."""
    make, library, _ = BACKENDS[backend]
    X, y, weights = _data("multiclass")
    weights = np.where(y == 5, 0.0, weights)
    reference = SoftmaxClassifier(alpha=1e-2, tol=1e-9).fit(X, y, sample_weight=weights)
    X_device = make(X)
    with sklearn.config_context(array_api_dispatch=True):
        model = SoftmaxClassifier(alpha=1e-2, tol=1e-9).fit(
            X_device, make(y), sample_weight=make(weights)
        )
        probability = to_numpy(model.predict_proba(X_device))
    _same_place(model.intercept_, X_device, library)
    intercept = to_numpy(model.intercept_)
    assert intercept[1] == reference.intercept_[1] == -np.inf
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-5, atol=1e-8)
    assert_allclose(intercept[[0, 2]], reference.intercept_[[0, 2]], rtol=1e-5, atol=1e-8)
    assert_array_equal(probability[:, 1], 0.0)
    assert_allclose(probability, reference.predict_proba(X), atol=1e-7)
    assert model.dual_gap_ <= 1e-9 * model.objective_


@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float64", "torch-cuda-float64"])
def test_scores_and_score_follow_input(backend):
    make, library, _ = BACKENDS[backend]
    X, y, _ = _data("multiclass")
    reference = SoftmaxClassifier(alpha=1e-2).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        model = SoftmaxClassifier(alpha=1e-2).fit(make(X), make(y))
        score = model.score(make(X), make(y))
        draws = model.sample(make(X), top_k=1)
    assert isinstance(score, float)
    assert score == pytest.approx(reference.score(X, y))
    _same_place(draws, make(X), library)
    assert_array_equal(to_numpy(draws), reference.predict(X))


# --- the seam itself --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float64", "torch-cpu-float32"])
@pytest.mark.parametrize(
    ("loss", "outputs"),
    [
        (SquaredLoss(), 1),
        (HuberLoss(0.5), 2),
        (HuberLoss(0.5).majorizer(), 1),
        (SmoothedAbsoluteLoss(0.5).majorizer(), 1),
        (BinomialLoss(), 1),
        (BinomialLoss(), 3),
        (MultinomialLoss(), 3),
    ],
    ids=[
        "squared",
        "huber-2-outputs",
        "huber-majorizer",
        "smoothed-absolute-majorizer",
        "binomial",
        "binomial-3-outputs",
        "multinomial",
    ],
)
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("coef_scale", [0.3, 60.0], ids=["small-scores", "large-scores"])
def test_evaluate_and_statistics_equal_the_numpy_seam(
    backend, loss, outputs, weighted, coef_scale, monkeypatch, float32_arithmetic
):
    """Every sum of the device seam equals the NumPy seam's: several row blocks, chunked
    products (16-row chunks), softmax scores small (no row shift) and large (shifted)."""
    monkeypatch.setattr(_array_api, "_CHUNK_ROWS", 16)
    make, _, dtype = BACKENDS[backend]
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(300, 5)) + 4.0).astype(dtype)
    if isinstance(loss, MultinomialLoss):
        Y = np.eye(outputs)[rng.integers(0, outputs, 300)]
    elif isinstance(loss, BinomialLoss):
        Y = rng.integers(0, 2, 300 if outputs == 1 else (300, outputs)).astype(float)
    else:
        Y = rng.normal(size=(300, outputs))
    Y = Y.astype(dtype)
    weights = rng.uniform(0.5, 2, 300).astype(dtype) if weighted else None
    coef = rng.normal(size=(5, outputs)) * coef_scale
    offset = rng.normal(size=outputs)
    shift = X.mean(axis=0).astype(np.float64)
    rows = rng.choice(300, size=50, replace=False)
    host = InMemoryData(X, Y, weights)
    device = ArrayAPIData(make(X), make(Y), None if weights is None else make(weights))
    device.block_rows = 64  # several row blocks per pass (300 rows), summed in order
    monkeypatch.setattr(_array_api, "_STATISTICS_BLOCK_BYTES", 64 * 5 * X.itemsize)
    rtol = 1e-10 if dtype == np.float64 else 2e-4
    for options in ({}, {"shift": shift, "hessian": True}, {"rows": rows, "hessian": True}):
        expected = host.evaluate(loss, coef, offset, **options)
        actual = device.evaluate(loss, coef, offset, **options)
        assert actual.loss == pytest.approx(expected.loss, rel=rtol)
        fields = ("product", "gradient_sum", "hessian_xx", "hessian_x", "hessian_1")
        for field in (*fields, "loss_outputs"):
            if getattr(expected, field) is None:
                assert getattr(actual, field) is None
                continue
            # sums of O(1) terms over 300 rows; centred sums may be pure rounding (~1e-13)
            scale = max(np.max(np.abs(getattr(expected, field))), 1.0)
            assert_allclose(getattr(actual, field), getattr(expected, field), atol=rtol * scale)
    expected, actual = host.statistics(), device.statistics()
    # float32 statistics are float32 products summed per block in float64.
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    for field in ("weight_sum", "mean", "variance", "target_mean", "target_product"):
        assert_allclose(getattr(actual, field), getattr(expected, field), rtol=rtol)


def _count_transfers(monkeypatch):
    """The shapes of the arrays the seam brings to the host, in order (a live list)."""
    transfers = []
    original = _array_api.to_numpy

    def counting(array):
        transfers.append(tuple(array.shape))
        return original(array)

    monkeypatch.setattr(_array_api, "to_numpy", counting)
    return transfers


def test_one_small_transfer_per_evaluation(monkeypatch):
    X, y, _ = _data("multiclass")
    X_device = _strict("float64")(X)
    Y = _strict("float64")(np.eye(3)[np.searchsorted([3, 5, 7], y)])
    data = ArrayAPIData(X_device, Y)
    transfers = _count_transfers(monkeypatch)
    data.evaluate(MultinomialLoss(), np.zeros((4, 3)), np.zeros(3))
    # One vector back: the loss sum, the 4 x 3 products and the 3 gradient sums, and per
    # row block the softmax's guards (the smallest and largest row sum of exponentials).
    guards = 2 * len(data._blocks())
    assert transfers == [(1 + 4 * 3 + 3 + guards,)]
    transfers.clear()
    # Scores beyond exp's range fail the guards: the evaluation is done again, shifted.
    data.evaluate(MultinomialLoss(), np.full((4, 3), 300.0), np.zeros(3))
    assert transfers == [(1 + 4 * 3 + 3 + guards,)] * 2
    transfers.clear()
    data.evaluate(BinomialLoss(), np.zeros((4, 3)), np.zeros(3))
    # three binary outputs: also their three loss sums (the certificate repairs each alone)
    assert transfers == [(1 + 4 * 3 + 3 + 3,)]
    assert data.n_evaluations == 4  # the shifted evaluation done again counts
    # The host copies of the targets exist only on request.
    assert data.Y is None and data.sample_weight is None


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_pytorch_fused_kernels_serve_devices_other_than_the_cpu(device):
    torch = _torch()
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine (runs where one is present)")
    xp = array_api_compat.array_namespace(torch.zeros(1))
    expected = None if device == "cpu" else torch
    assert _array_api._fused(xp, torch.device(device)) is expected
    assert _array_api._fused(array_api_compat.array_namespace(np.zeros(1)), "cpu") is None


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("one_hot", [True, False], ids=["one-hot", "soft-targets"])
def test_pytorch_softmax_fused_kernels_equal_the_numpy_seam(weighted, one_hot, monkeypatch):
    """PyTorch's fused softmax: the sums (Hessian included) are the NumPy seam's. One-hot
    rows take minus the log of their class's probability, guarded by the smallest one:
    where it underflows (large scores) the evaluation is done again with log_softmax.
    Other targets take logsumexp: one vector back, no guards. (Forced on the CPU here; on
    a GPU it is the default.)"""
    torch = _torch()
    monkeypatch.setattr(_array_api, "_fused", lambda xp, device_: torch)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4)) + [0.0, 2.0, -1.0, 3.0]
    Y = np.eye(3)[rng.integers(0, 3, 300)]
    if not one_hot:
        Y[7] = [0.25, 0.75, 0.0]
    weights = rng.uniform(0.5, 2, 300) if weighted else None
    data = ArrayAPIData(*(None if a is None else torch.asarray(a) for a in (X, Y, weights)))
    data.block_rows = 64  # several row blocks: still no guard per block
    transfers = _count_transfers(monkeypatch)
    hessian_size = 6 * 4 * 4 + 6 * 4 + 6  # the 6 pairs k <= l of 3 classes
    for scale, hessian in ((0.1, False), (300.0, False), (0.5, True), (300.0, True)):
        transfers.clear()
        coef, offset = rng.normal(size=(4, 3)) * scale, np.array([0.0, 1.0, -1.0])
        actual = data.evaluate(MultinomialLoss(), coef, offset, hessian=hessian)
        size = 1 + 4 * 3 + 3 + (hessian_size if hessian else 0)
        guarded = (size + 2 * len(data._blocks()),)
        if not one_hot:
            assert transfers == [(size,)]
        elif scale < 1:
            assert transfers == [guarded]
        else:  # a class probability underflowed: done again, shifted (no guards)
            assert transfers == [guarded, (size,)]
        expected = InMemoryData(X, Y, weights).evaluate(
            MultinomialLoss(), coef, offset, hessian=hessian
        )
        assert actual.loss == pytest.approx(expected.loss, rel=1e-12)
        for field in ("product", "gradient_sum", "hessian_xx", "hessian_x", "hessian_1"):
            if getattr(expected, field) is not None:
                wanted = getattr(expected, field)
                atol = 1e-12 * max(np.max(np.abs(wanted)), 1.0)
                assert_allclose(getattr(actual, field), wanted, atol=atol)


@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float32"])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("one_hot", [True, False], ids=["one-hot", "soft-targets"])
def test_multinomial_value_picks_the_class_score_of_one_hot_rows(
    backend, weighted, one_hot, monkeypatch, float32_arithmetic
):
    """One-hot targets: each row's y_i . z_i is its class's score, gathered by label (full
    passes and mini-batches); other targets take the product. Both equal the NumPy seam."""
    make, _, dtype = BACKENDS[backend]
    rng = np.random.default_rng(3)
    X = (rng.normal(size=(400, 6)) + [0, 2, -1, 0, 5, 1]).astype(dtype)
    Y = np.eye(4)[rng.integers(0, 4, 400)]
    if not one_hot:  # rows that sum to 1, one of them not 0 / 1
        Y[7] = [0.25, 0.75, 0.0, 0.0]
    Y = Y.astype(dtype)
    weights = rng.uniform(0.5, 2, 400).astype(dtype) if weighted else None
    coef, offset = rng.normal(size=(6, 4)), rng.normal(size=4)
    shift = X.mean(axis=0).astype(np.float64)
    host = InMemoryData(X, Y, weights)
    device = ArrayAPIData(make(X), make(Y), None if weights is None else make(weights))
    device.block_rows = 128
    gathered = []
    original = _array_api._multinomial

    def spy(*args, **kwargs):
        gathered.append(kwargs["labels"] is not None)
        return original(*args, **kwargs)

    monkeypatch.setattr(_array_api, "_LOSSES", {MultinomialLoss: (spy, None)})
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    rows = rng.choice(400, size=60, replace=False)
    for options in ({}, {"shift": shift}, {"rows": rows}):
        gathered.clear()
        expected = host.evaluate(MultinomialLoss(), coef, offset, **options)
        actual = device.evaluate(MultinomialLoss(), coef, offset, **options)
        assert actual.loss == pytest.approx(expected.loss, rel=rtol)
        assert_allclose(actual.product, expected.product, rtol=rtol * 10, atol=rtol * 100)
        assert gathered == [one_hot] * (1 if "rows" in options else 4)


@pytest.mark.parametrize(
    ("backend", "means", "constant", "passes"),
    [
        ("torch-cpu-float32", 0.0, False, 1),  # raw moments accurate: one pass
        ("torch-cpu-float32", 0.0, True, 2),  # a constant column's variance needs centring
        ("torch-cpu-float32", 1e4, False, 2),  # mean^2 >> variance: a second, centred pass
        ("strict-float64", 1e4, False, 1),  # float64 rounding is far below the variance
        ("strict-float64", 1e9, False, 2),
    ],
)
def test_statistics_pass_centres_only_where_the_means_need_it(
    backend, means, constant, passes, monkeypatch, float32_arithmetic
):
    make, _, dtype = BACKENDS[backend]
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 3)) * [1.0, 2.0, 0.5] + means
    X = np.column_stack([X, np.zeros(500)] + ([np.full(500, 7.0)] if constant else []))
    X = X.astype(dtype)
    Y = rng.normal(size=(500, 2)).astype(dtype)
    data = ArrayAPIData(make(X), make(Y))
    data.block_rows = 128
    sums = []
    original = ArrayAPIData._moment_sums

    def counting(self, reference):
        sums.append(reference is not None)
        return original(self, reference)

    monkeypatch.setattr(ArrayAPIData, "_moment_sums", counting)
    statistics = data.statistics()
    assert sums == [False, True][:passes]
    exact = X.astype(np.float64)
    assert_allclose(statistics.mean, exact.mean(axis=0), rtol=1e-7, atol=1e-6)
    # the variances of the varying columns to the statistics' precision; the zero and
    # constant columns exactly 0
    assert_allclose(statistics.variance[:3], exact[:, :3].var(axis=0), rtol=1e-5)
    assert_array_equal(statistics.variance[3:], 0.0)
    assert_allclose(statistics.target_product, exact.T @ Y / 500, rtol=1e-5, atol=1e-6)


def test_coefficients_equal_in_the_data_dtype_reuse_the_last_sums(float32_arithmetic):
    """A line search whose step no longer changes the float32 coefficients gets the last
    sums again without a pass over X; any change that reaches X's dtype, another loss
    object or option, or a mini-batch, is evaluated."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    Y = rng.integers(0, 2, 200).astype(float)
    coef, offset = rng.normal(size=(3, 1)), np.array([0.2])
    loss = BinomialLoss()
    tiny = coef * (1 + 1e-12)  # equal once rounded to float32, not in float64
    single = ArrayAPIData(_strict("float32")(X), _strict("float32")(Y))
    first = single.evaluate(loss, coef, offset)
    first.product[:] = np.nan  # the caller's copy: the cached sums are not touched
    again = single.evaluate(loss, tiny, offset)
    assert single.n_evaluations == 1
    assert np.all(np.isfinite(again.product))
    for call in (
        lambda: single.evaluate(loss, coef * 1.001, offset),
        lambda: single.evaluate(BinomialLoss(), coef * 1.001, offset),
        lambda: single.evaluate(loss, coef * 1.001, offset, hessian=True),
        lambda: single.evaluate(loss, coef * 1.001, offset, rows=np.arange(10)),
        lambda: single.evaluate(loss, coef * 1.001, offset, rows=np.arange(10)),
    ):
        before = single.n_evaluations
        call()
        assert single.n_evaluations == before + 1
    double = ArrayAPIData(_strict("float64")(X), _strict("float64")(Y))
    double.evaluate(loss, coef, offset)
    double.evaluate(loss, tiny, offset)
    assert double.n_evaluations == 2


def test_predict_raises_for_another_namespace():
    X, y, _ = _data("binary")
    with sklearn.config_context(array_api_dispatch=True):
        model = GDLogisticClassifier().fit(_strict("float64")(X), _strict("float64")(y))
        for method in METHODS:
            with pytest.raises(ValueError, match=rf"GDLogisticClassifier.{method}\(\) must use"):
                getattr(model, method)(X)
    # A NumPy fit refuses device arrays under dispatch, too.
    numpy_model = GDLogisticClassifier().fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match=r"fitted on numpy \(device None\), got"):
            numpy_model.predict(_strict("float64")(X))


# --- NumPy input and no dispatch ----------------------------------------------------------------
@pytest.mark.parametrize(
    "estimator", [GDLinearRegressor(), GDLogisticClassifier(), SoftmaxClassifier()]
)
def test_numpy_input_unchanged_with_dispatch(estimator):
    kind = "regression" if isinstance(estimator, GDLinearRegressor) else "multiclass"
    X, y, weights = _data(kind)
    expected = clone(estimator).fit(X, y, sample_weight=weights)
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(estimator).fit(X, y, sample_weight=weights)
        predicted = model.predict(X)
    assert isinstance(model.coef_, np.ndarray)
    assert_array_equal(model.coef_, expected.coef_)
    assert_array_equal(predicted, expected.predict(X))


@pytest.mark.parametrize(
    "estimator", [GDLinearRegressor(), GDLogisticClassifier(), SoftmaxClassifier()]
)
def test_numpy_X_takes_y_and_weights_to_the_host(estimator):
    # Everything follows X: y and sample_weight on another device go to NumPy.
    kind = "regression" if isinstance(estimator, GDLinearRegressor) else "multiclass"
    X, y, weights = _data(kind)
    expected = clone(estimator).fit(X, y, sample_weight=weights)
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(estimator).fit(X, _strict64(y), sample_weight=_strict64(weights))
    assert isinstance(model.coef_, np.ndarray)
    assert_allclose(model.coef_, expected.coef_, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float64"])
@pytest.mark.parametrize(
    "estimator", [GDLinearRegressor(), GDLogisticClassifier(), SoftmaxClassifier()]
)
def test_without_dispatch_arrays_are_converted_to_numpy(backend, estimator):
    make = BACKENDS[backend][0]
    if backend.startswith("strict"):  # np.asarray works for CPU arrays only, as in scikit-learn

        def make(array):
            return array_api_strict.asarray(np.asarray(array))

    kind = "regression" if isinstance(estimator, GDLinearRegressor) else "multiclass"
    X, y, weights = _data(kind)
    expected = clone(estimator).fit(X, y, sample_weight=weights)
    model = clone(estimator).fit(make(X), make(y), sample_weight=make(weights))
    assert isinstance(model.coef_, np.ndarray)
    assert_allclose(model.coef_, expected.coef_, rtol=1e-12, atol=1e-14)
    predicted = model.predict(make(X))
    assert isinstance(predicted, np.ndarray)
    assert_allclose(predicted, expected.predict(X), rtol=1e-12, atol=1e-12)


def test_missing_array_api_compat_is_a_clear_error(monkeypatch):
    X, y, _ = _data("binary")
    monkeypatch.setattr(_array_api, "array_api_compat", None)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ImportError, match=r"needs the package array-api-compat"):
            GDLogisticClassifier().fit(_strict64(X), _strict64(y))
        # NumPy input does not need it.
        GDLogisticClassifier().fit(X, y)


def test_without_dispatch_a_device_array_raises_like_scikit_learn():
    X, y, _ = _data("binary")
    with pytest.raises(RuntimeError, match="to a NumPy array"):
        GDLogisticClassifier().fit(_strict("float64")(X), y)


# --- errors -------------------------------------------------------------------------------------
def _strict64(array):
    return _strict("float64")(array)


@pytest.mark.parametrize(
    ("estimator", "X", "y", "weights", "message"),
    [
        (GDLogisticClassifier(), np.full((4, 2), np.nan), [0, 1, 0, 1], None, "NaN or infinity"),
        (GDLogisticClassifier(), np.ones(4), [0, 1, 0, 1], None, "Expected a 2D array"),
        (GDLogisticClassifier(), np.eye(4), [0, 1, 0], None, "inconsistent numbers of samples"),
        (GDLogisticClassifier(), np.eye(4), [0, 0, 0, 0], None, "at least 2 classes"),
        (GDLogisticClassifier(), np.eye(4), [0.5, 1.5, 0.5, 2.5], None, "Unknown label type"),
        (SoftmaxClassifier(), np.eye(4), np.eye(4, 2), None, "needs a 1-d array of class labels"),
        (GDLogisticClassifier(), np.eye(4), np.full((4, 2), 2), None, "multilabel indicator"),
        (GDLinearRegressor(), np.eye(4), np.zeros((4, 0)), None, "no target columns"),
        (GDLinearRegressor(), np.eye(4), [0.0, 1.0, np.inf, 0.0], None, "y contains NaN"),
        (GDLinearRegressor(), np.eye(4), [0.0, 1.0, 2.0, 0.0], [1.0, -1, 1, 1], "non-negative"),
        (
            GDLinearRegressor(),
            np.eye(4),
            [0.0, 1.0, 2.0, 0.0],
            [1.0, 1.0],
            "one weight per sample",
        ),
        (GDLinearRegressor(), np.eye(4), [0.0, 1.0, 2.0, 0.0], [0.0] * 4, "sums to zero"),
    ],
)
def test_bad_input_raises_clearly(estimator, X, y, weights, message):
    y = np.asarray(y)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match=message):
            clone(estimator).fit(
                _strict64(X),
                _strict64(y) if y.dtype.kind == "f" else _strict64(y.astype(np.int64)),
                sample_weight=None if weights is None else _strict64(np.asarray(weights)),
            )


@pytest.mark.parametrize("backend", ["strict", "torch"])
def test_columns_whose_squares_overflow_raise_clearly(backend):
    """A finite column of 1e154 overflows Newton's system (the solver 'auto' picks here):
    a ValueError naming the column, as on NumPy. With torch loaded, LAPACK's least squares
    on the non-finite system never returned; on array-api-strict it raised LinAlgError."""
    make = _strict64 if backend == "strict" else _torch_on("cpu", "float64")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * np.array([1.0, 1.0, 1e154])
    y = rng.normal(size=40)
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"column\(s\) 2 of X overflow"):
            GDLinearRegressor().fit(make(X), make(y))


@pytest.mark.parametrize("what", ["X", "y", "sample_weight"])
@pytest.mark.parametrize("backend", ["strict", "torch"])
def test_complex_inputs_are_refused_not_cast_to_real(backend, what):
    """NumPy input says 'Complex data not supported'; device input was cast to its real
    part in silence (X, y, sample_weight), or failed in torch's unique (class labels)."""
    if backend == "strict":
        device = array_api_strict.Device("device1")

        def to_device(array):
            return array_api_strict.asarray(array, device=device)
    else:
        to_device = _torch().asarray
    rng = np.random.default_rng(0)
    data = {"X": rng.normal(size=(20, 3)), "y": rng.normal(size=20), "sample_weight": None}
    data[what] = (np.ones((20, 3)) if what == "X" else np.ones(20)) * (1 + 1j)
    arrays = {key: None if value is None else to_device(value) for key, value in data.items()}
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match=f"Complex data not supported: {what} has"):
            GDLinearRegressor().fit(
                arrays["X"], arrays["y"], sample_weight=arrays["sample_weight"]
            )
        if what == "y":  # class labels
            with pytest.raises(ValueError, match="Complex data not supported: y has"):
                GDLogisticClassifier().fit(arrays["X"], arrays["y"])


def test_string_target_for_the_regressor_raises():
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="needs a numeric target"):
            GDLinearRegressor().fit(_strict64(np.eye(3)), np.array(["a", "b", "c"]))


def test_prediction_checks_the_number_of_features():
    X, y, _ = _data("binary")
    with sklearn.config_context(array_api_dispatch=True):
        model = GDLogisticClassifier().fit(_strict64(X), _strict64(y))
        with pytest.raises(ValueError, match="X has 3 features, but GDLogisticClassifier is"):
            model.predict(_strict64(X[:, :3]))


def test_unsupported_options_raise():
    X, y, _ = _data("binary")
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="early_stopping=True with solver='sgd'"):
            GDLogisticClassifier(solver="sgd", early_stopping=True).fit(_strict64(X), _strict64(y))
        with pytest.raises(ValueError, match="partial_fit does not support Array API inputs"):
            GDLogisticClassifier(solver="sgd").partial_fit(
                _strict64(X), _strict64(y), classes=_strict64(np.array([3, 7]))
            )


def test_warm_start_and_refit_on_numpy():
    X, y, _ = _data("multiclass")
    with sklearn.config_context(array_api_dispatch=True):
        model = SoftmaxClassifier(warm_start=True, alpha=1e-2, tol=1e-9).fit(
            _strict64(X), _strict64(y)
        )
        model.fit(_strict64(X), _strict64(y))  # starts at the optimum: no iteration needed
    assert model.n_iter_ <= 1
    model.fit(X, y)  # a NumPy refit leaves no device state behind
    assert isinstance(model.coef_, np.ndarray)
    assert_array_equal(
        model.predict(X), SoftmaxClassifier(alpha=1e-2, tol=1e-9).fit(X, y).predict(X)
    )


# --- scikit-learn's own Array API checks --------------------------------------------------------
ESTIMATORS = [GDLinearRegressor(), GDLogisticClassifier(), SoftmaxClassifier()]
# The (xp, device) names scikit-learn's mixed-input check reads.
NamespaceAndDevice = namedtuple("NamespaceAndDevice", ["xp", "device"])


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_scikit_learn_array_api_checks_strict(estimator):
    name = type(estimator).__name__
    assert estimator.__sklearn_tags__().array_api_support
    check_array_api_input(name, estimator, "array_api_strict", check_values=True)
    check_array_api_input(name, estimator, "array_api_strict", check_sample_weight=True)
    if check_array_api_same_namespace is not None:
        check_array_api_same_namespace(name, estimator, "array_api_strict")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_scikit_learn_array_api_checks_torch(estimator, device):
    torch = _torch()
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine (runs where one is present)")
    name = type(estimator).__name__
    for dtype in ("float64", "float32"):
        check_array_api_input(name, estimator, "torch", device, dtype, check_values=True)
    if check_array_api_mixed_inputs is not None:
        check_array_api_mixed_inputs(
            name,
            estimator,
            X_ns_and_device=NamespaceAndDevice("torch", device),
            other_ns_and_device=NamespaceAndDevice("array_api_strict", "device1"),
        )


# --- small float32 data is computed in float64 ----------------------------------------------
@pytest.mark.parametrize(
    "backend", ["strict-float32", "torch-cpu-float32", "torch-cuda-float32", "cupy-float32"]
)
def test_small_float32_is_computed_in_float64_on_the_device(backend):
    """As for NumPy (sklinear._data.FLOAT64_COPY_BYTES): the fit of an ill-conditioned design
    (condition ~6e7) equals the float64 NumPy fit of the same numbers, whatever the
    library's float32 summation order; the fitted attributes stay float32 on the device."""
    make, library, _ = BACKENDS[backend]
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=30, n_features=10, random_state=42)
    X32 = X.astype(np.float32)
    reference = GDLinearRegressor().fit(X32.astype(np.float64), y)
    with sklearn.config_context(array_api_dispatch=True):
        fitted = GDLinearRegressor().fit(make(X32), make(y.astype(np.float32)))
    assert namespace_name(fitted.coef_) == library
    coef = to_numpy(fitted.coef_)
    assert coef.dtype == np.float32
    scale = np.abs(reference.coef_).max()
    assert_allclose(coef, reference.coef_, atol=1e-6 * scale, rtol=0)


@pytest.mark.parametrize("rows", [5, 64, 100, 1000])
@pytest.mark.parametrize("partials", [1 << 26, 3 * 4 * 2 * 8])
def test_transpose_product_in_chunks_equals_the_product(monkeypatch, rows, partials):
    """X^T R from a batch of per-chunk products (and the rows left over), added in float64:
    the same numbers as the product, for any chunk count, with or without a tail."""
    monkeypatch.setattr(_array_api, "_CHUNK_ROWS", 16)
    monkeypatch.setattr(_array_api, "_PARTIALS_BYTES", partials)
    rng = np.random.default_rng(rows)
    X = rng.normal(size=(rows, 3)).astype(np.float32)
    R = rng.normal(size=(rows, 2)).astype(np.float32)
    xp = array_api_strict
    product = _array_api.transpose_product(xp, xp.asarray(X), xp.asarray(R))
    assert product.dtype == xp.float64 and product.shape == (3, 2)
    expected = X.astype(np.float64).T @ R.astype(np.float64)
    assert_allclose(to_numpy(product), expected, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("backend", ["strict-float32", "strict-float64", "torch-cpu-float32"])
def test_all_finite_is_exact(backend):
    """The row-sum test of X's finiteness: a NaN or an infinity anywhere is found, and
    finite values whose row sums overflow (float32: 3e38 + 3e38) are still accepted."""
    make, _, dtype = BACKENDS[backend]
    xp = _array_api.namespace(make(np.zeros((1, 1))))
    X = np.ones((50, 4), dtype=dtype)
    assert _array_api.all_finite(xp, make(X))
    for bad in (np.nan, np.inf, -np.inf):
        Z = X.copy()
        Z[37, 2] = bad
        assert not _array_api.all_finite(xp, make(Z))
    huge = X.copy()
    huge[5, :] = np.finfo(dtype).max / 2
    assert _array_api.all_finite(xp, make(huge))


@pytest.mark.parametrize("shape", [(5,), (100,), (1000, 3), (37, 2)])
def test_column_sums_in_chunks(monkeypatch, shape):
    monkeypatch.setattr(_array_api, "_CHUNK_ROWS", 16)
    monkeypatch.setattr(_array_api, "_PARTIALS_BYTES", 3 * 4 * 7)
    values = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    total = _array_api.column_sums(array_api_strict, array_api_strict.asarray(values))
    assert total.dtype == array_api_strict.float64
    assert_allclose(to_numpy(total), values.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("backend", ["strict-float32", "torch-cpu-float32"])
def test_float32_loss_sum_is_exact_over_the_rows(backend, float32_arithmetic):
    """The per-row float32 losses are summed exactly in float64 (a float32 sum of 200,000
    terms of mixed sizes is off by ~1e-6 relative; line searches near the optimum compare
    values in their tenth digit)."""
    make, _, _ = BACKENDS[backend]
    rng = np.random.default_rng(0)
    y = np.exp(rng.normal(scale=3.0, size=200_000)).astype(np.float32)
    X = np.zeros((y.size, 1), dtype=np.float32)
    data = ArrayAPIData(make(X), make(y))
    loss = data.evaluate(SquaredLoss(), np.zeros((1, 1)), np.zeros(1)).loss
    # at zero scores the per-row losses are the float32 numbers 0.5 * y^2
    expected = np.sum((np.float32(0.5) * y * y).astype(np.float64))
    assert loss == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("backend", ["numpy", "strict-float64"])
def test_column_vector_and_two_d_labels(backend):
    """As for Dask (tests/test_dask.py): the column vector raveled with the warning, a 2-d y
    refused by SoftmaxClassifier and checked as a 0/1 indicator by GDLogisticClassifier."""
    from sklearn.exceptions import DataConversionWarning

    make = (lambda a: np.asarray(a)) if backend == "numpy" else BACKENDS[backend][0]
    X, y, _ = _data("binary")
    y = (y == 7).astype(float)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.warns(DataConversionWarning, match="column-vector y"):
            column = GDLogisticClassifier(tol=1e-10).fit(make(X), make(y[:, None]))
        flat = GDLogisticClassifier(tol=1e-10).fit(make(X), make(y))
        assert_allclose(to_numpy(column.coef_), to_numpy(flat.coef_), rtol=1e-12)
        with pytest.raises(ValueError, match="SoftmaxClassifier needs a 1-d array of class"):
            SoftmaxClassifier().fit(make(X), make(np.stack([y, y], axis=1)))
        with pytest.raises(ValueError, match="A 2-d y must be a multilabel indicator matrix"):
            GDLogisticClassifier().fit(make(X), make(np.stack([y, 2 * y], axis=1)))


@pytest.mark.parametrize("labels_on", ["device", "numpy"])
@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float64"])
def test_boolean_class_labels_fit_as_on_numpy(backend, labels_on):
    """Boolean labels are classes False and True, as on NumPy (torch's searchsorted and
    array-api-strict's sort refused the boolean dtype)."""
    make, library, _ = BACKENDS[backend]
    X, y, weights = _data("binary")
    y = y == 7
    labels = make(y) if labels_on == "device" else y
    reference = GDLogisticClassifier(class_weight="balanced", tol=1e-10).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        model = GDLogisticClassifier(class_weight="balanced", tol=1e-10).fit(make(X), labels)
        predicted = model.predict(make(X))
    assert_array_equal(model.classes_, [False, True])
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-6)
    assert namespace_name(predicted) == library
    assert_array_equal(to_numpy(predicted), reference.predict(X))


def test_a_meta_tensor_is_a_clear_error():
    """PyTorch's 'meta' device holds no values (Tensor.item() failed deep in the checks)."""
    torch = _torch()
    X = torch.empty((10, 3), dtype=torch.float64, device="meta")
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="X is on PyTorch's 'meta' device"):
            GDLinearRegressor().fit(X, np.zeros(10))


def test_tensors_that_require_gradients_fit_without_warnings():
    """requires_grad inputs are read as data (reading sample weights that required
    gradients made PyTorch warn about converting them to a scalar)."""
    torch = _torch()
    X, y, weights = _data("regression")
    reference = GDLinearRegressor(tol=1e-10).fit(X, y, sample_weight=weights)
    tensors = [torch.tensor(a, requires_grad=True) for a in (X, y, weights)]
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GDLinearRegressor(tol=1e-10).fit(*tensors[:2], sample_weight=tensors[2])
        predicted = model.predict(tensors[0])
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-6)
    assert_allclose(to_numpy(predicted), reference.predict(X), rtol=1e-6)


@pytest.mark.parametrize(
    ("backend", "scale"),
    [
        ("strict-float64", 1e306),  # its sums overflowed: "the objective became non-finite"
        ("strict-float64", 5e-324),  # subnormal: coefficients 0.2 off, without a word
        ("torch-cpu-float32", 1e40),  # beyond float32: "the objective became non-finite"
    ],
)
def test_sample_weights_of_any_scale_fit_as_on_numpy(backend, scale):
    """The weights are divided by the largest one, as the NumPy fit divides them."""
    make, _, dtype = BACKENDS[backend]
    make_float64 = BACKENDS[backend.replace("float32", "float64")][0]
    X, y, weights = _data("regression")
    X = X.astype(dtype)
    reference = GDLinearRegressor(tol=1e-10).fit(X, y, sample_weight=weights * scale)
    with sklearn.config_context(array_api_dispatch=True):
        model = GDLinearRegressor(tol=1e-10).fit(
            make(X), make_float64(y), sample_weight=make_float64(weights * scale)
        )
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-5)


def test_class_weights_beyond_float32_fit_as_on_numpy():
    """float32 data with class weights of 1e40 (a shape mismatch deep in the fit before)."""
    make = BACKENDS["torch-cpu-float32"][0]
    X, y, _ = _data("strings")
    X = X.astype(np.float32)
    class_weight = {"a": 1e40, "b": 5e39, "c": 1e39}
    reference = SoftmaxClassifier(class_weight=class_weight, alpha=1e-2).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        model = SoftmaxClassifier(class_weight=class_weight, alpha=1e-2).fit(make(X), y)
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("scale", [1e-170, 1e200])
@pytest.mark.parametrize("backend", ["strict-float64", "torch-cpu-float32"])
def test_regression_targets_out_of_range_raise_as_on_numpy(backend, scale):
    """The NumPy fit's range check (y of 1e-170 gave zero coefficients without a word)."""
    make, _, dtype = BACKENDS[backend]
    make_float64 = BACKENDS[backend.replace("float32", "float64")][0]
    X, y, _ = _data("regression")
    with pytest.raises(ValueError, match="y's largest magnitude is .* outside"):
        GDLinearRegressor().fit(X.astype(dtype), y * scale)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="y's largest magnitude is .* outside"):
            GDLinearRegressor().fit(make(X), make_float64(y * scale))


def test_labels_that_cannot_be_sorted_say_why():
    """As on NumPy and Dask: None among string labels names the rows, mixed types name the
    types (the device fit raised NumPy's bare "'<' not supported between instances")."""
    X, y, _ = _data("strings")
    missing = y.astype(object)
    missing[[1, 3]] = None
    mixed = np.array([1, "a"] * (len(X) // 2), dtype=object)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match=r"missing labels .* e\.g\. row\(s\) \[1, 3\]"):
            SoftmaxClassifier().fit(_strict64(X), missing)
        with pytest.raises(TypeError, match=r"y mixes labels of types \['int', 'str'\]"):
            GDLogisticClassifier().fit(_strict64(X), mixed)
