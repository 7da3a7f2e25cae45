"""LinearObjective against the objective J of SPEC 1.1, computed independently here.

J(w, b) = (1 / sum s) * sum_i s_i L(y_i, x_i w + b) + alpha * ((1 - r) / 2 ||w||^2 + r ||w||_1)

The objective works on implicitly standardised coefficients ``theta``; the tests check that
the value at ``from_user(w, b)`` is J(w, b) and that the gradient with respect to ``theta``
matches central finite differences of J composed with ``to_user``.
"""

import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import objective_J

import sklinear._data
from sklinear._losses import (
    AbsoluteLoss,
    BinomialLoss,
    HuberLoss,
    MultinomialLoss,
    SmoothedAbsoluteLoss,
    SquaredLoss,
)
from sklinear._objective import LinearObjective

N_SAMPLES = 60


def reference_objective(name, X, Y, w, b, alpha, l1_ratio, sample_weight, smooth_only=False):
    """J of SPEC 1.1 in float64, from the user's coefficients ``w`` (p, k) and ``b`` (k,);
    ``smooth_only`` leaves out the L1 part of the penalty."""
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    return objective_J(
        X,
        Y,
        np.asarray(w).T,
        b,
        loss=name,
        alpha=alpha * (1 - l1_ratio) if smooth_only else alpha,
        l1_ratio=0.0 if smooth_only else l1_ratio,
        sample_weight=sample_weight,
    )


LOSSES = {
    "squared": SquaredLoss,
    "absolute": AbsoluteLoss,
    "huber": lambda: HuberLoss(1.35),
    "smoothed_absolute": lambda: SmoothedAbsoluteLoss(0.5),
    "binomial": BinomialLoss,
    "multinomial": MultinomialLoss,
}

# (loss, number of outputs or None for a 1-d target)
PROBLEMS = [
    ("squared", None),
    ("absolute", None),
    ("huber", None),
    ("smoothed_absolute", None),
    ("binomial", None),
    ("squared", 3),
    ("binomial", 3),
    ("multinomial", 4),
]
PENALTIES = {"none": (0.0, 0.0), "l2": (0.3, 0.0), "elasticnet": (0.3, 0.5)}


def make_features(rng, n_samples=N_SAMPLES):
    """Columns on wildly different scales, an offset column and a sparse-ish column."""
    X = np.column_stack(
        [
            rng.normal(size=n_samples),
            1e4 * rng.normal(size=n_samples),
            5e3 + rng.normal(size=n_samples),
            rng.normal(size=n_samples) * (rng.uniform(size=n_samples) < 0.4),
        ]
    )
    return X


def make_target(rng, name, n_outputs, X):
    n_samples = X.shape[0]
    if name == "multinomial":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    shape = (n_samples,) if n_outputs is None else (n_samples, n_outputs)
    if name == "binomial":
        return rng.integers(0, 2, size=shape).astype(float)
    return rng.normal(size=shape) * 2


def to_format(X, fmt):
    return {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}[fmt](X)


def random_theta(rng, objective):
    return rng.normal(scale=0.5, size=objective.size)


def user_coefficients(objective, theta):
    w, b = objective.to_user(theta)
    return np.asarray(w, float), np.asarray(b, float)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name, n_outputs", PROBLEMS, ids=lambda v: str(v))
def test_value_and_gradient_match_reference(
    name, n_outputs, penalty, weighted, fit_intercept, fmt
):
    rng = np.random.default_rng(zlib.crc32(f"{name}-{n_outputs}-{penalty}".encode()))
    X_dense = make_features(rng)
    X = to_format(X_dense, fmt)
    Y = make_target(rng, name, n_outputs, X_dense)
    sample_weight = rng.uniform(0.1, 3.0, size=N_SAMPLES) if weighted else None
    alpha, l1_ratio = PENALTIES[penalty]
    objective = LinearObjective(
        X,
        Y,
        LOSSES[name](),
        alpha,
        l1_ratio,
        sample_weight=sample_weight,
        fit_intercept=fit_intercept,
        standardize=True,
    )
    theta = random_theta(rng, objective)

    def smooth_reference(theta):
        w, b = user_coefficients(objective, theta)
        return reference_objective(
            name, X_dense, Y, w, b, alpha, l1_ratio, sample_weight, smooth_only=True
        )

    value, gradient = objective.value_and_gradient(theta)
    np.testing.assert_allclose(value, smooth_reference(theta), rtol=1e-10)
    w, b = user_coefficients(objective, theta)
    full = reference_objective(name, X_dense, Y, w, b, alpha, l1_ratio, sample_weight)
    np.testing.assert_allclose(objective.value(theta), full, rtol=1e-10)

    # The reference goes through the user's coefficients: with the offset column (mean 5e3)
    # the scores X w + b cancel to ~1e-12 absolute, so the step is 1e-5 (rounding ~1e-7).
    step = 1e-5
    numeric = np.empty_like(theta)
    for j in range(theta.size):
        shift = np.zeros_like(theta)
        shift[j] = step
        numeric[j] = (smooth_reference(theta + shift) - smooth_reference(theta - shift)) / (
            2 * step
        )
    scale = max(1.0, np.abs(numeric).max())
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("name, n_outputs", PROBLEMS, ids=lambda v: str(v))
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_float32_close_to_float64(name, n_outputs, fmt, float32_arithmetic):
    rng = np.random.default_rng(7)
    # No offset column here: with mean / std = 5e3 the float32 residual's rounding is
    # amplified by the mean in X^T r (see test_estimator_integration for the effect on fits).
    X64 = make_features(rng)[:, [0, 1, 3]]
    Y = make_target(rng, name, n_outputs, X64)
    weights = rng.uniform(0.1, 3.0, size=N_SAMPLES)
    objectives = [
        LinearObjective(
            to_format(X64.astype(dtype), fmt),
            Y.astype(dtype),
            LOSSES[name](),
            0.3,
            0.5,
            sample_weight=weights.astype(dtype),
        )
        for dtype in (np.float64, np.float32)
    ]
    # the same user coefficients (the standardisation differs by float32 rounding of X)
    w, b = user_coefficients(objectives[0], random_theta(rng, objectives[0]))
    v64, g64 = objectives[0].value_and_gradient(objectives[0].from_user(w, b))
    v32, g32 = objectives[1].value_and_gradient(objectives[1].from_user(w, b))
    assert np.all(np.isfinite(g32))
    np.testing.assert_allclose(v32, v64, rtol=1e-4)
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4 * np.abs(g64).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_user_mapping_round_trip_and_scores(fit_intercept, weighted):
    rng = np.random.default_rng(3)
    X = make_features(rng)
    Y = rng.normal(size=(N_SAMPLES, 2))
    sample_weight = rng.uniform(0.1, 3.0, size=N_SAMPLES) if weighted else None
    objective = LinearObjective(
        X, Y, SquaredLoss(), 0.1, 0.0, sample_weight=sample_weight, fit_intercept=fit_intercept
    )
    w = rng.normal(size=(4, 2)) / np.array([1, 1e4, 1, 1])[:, None]
    b = rng.normal(size=2) if fit_intercept else np.zeros(2)
    theta = objective.from_user(w, b)
    w_back, b_back = objective.to_user(theta)
    np.testing.assert_allclose(w_back, w, rtol=1e-12)
    np.testing.assert_allclose(b_back, b, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(objective.raw_prediction(theta), X @ w + b, rtol=1e-9, atol=1e-9)
    X_new = make_features(rng, 5)
    np.testing.assert_allclose(
        objective.raw_prediction(theta, X_new), X_new @ w + b, rtol=1e-9, atol=1e-9
    )


def test_preconditioning_centres_on_the_weighted_mean():
    """The preconditioner centres on the weighted column means (so the intercept decouples)
    and gives every column, constant ones included, a positive finite scale. The choice of
    scale is the solver's; the optimum does not depend on it (the tests above)."""
    rng = np.random.default_rng(4)
    X = make_features(rng)
    X[:, 3] = 2.5
    weights = rng.uniform(0.1, 3.0, size=N_SAMPLES)
    objective = LinearObjective(
        X, rng.normal(size=N_SAMPLES), SquaredLoss(), 0.1, 0.0, sample_weight=weights
    )
    np.testing.assert_allclose(objective.mean, np.average(X, axis=0, weights=weights), rtol=1e-12)
    assert np.all(np.isfinite(objective.scale)) and np.all(objective.scale > 0)
    theta = random_theta(rng, objective)
    value, gradient = objective.value_and_gradient(theta)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("n_outputs", [None, 3])
def test_sparse_statistics_are_the_weighted_moments(fmt, dtype, weighted, n_outputs):
    """The statistics pass of sparse X (SciPy's kernels on X's arrays for float64, the
    public products otherwise) gives the weighted moments computed densely here; rows are
    split into blocks and the squares into chunks (several of each: both made small)."""
    rng = np.random.default_rng(12)
    n_samples = 300
    dense = rng.normal(size=(n_samples, 7)) * (rng.uniform(size=(n_samples, 7)) < 0.3)
    dense[:, 2] += 3.0 * (rng.uniform(size=n_samples) < 0.5)
    X = to_format(dense, fmt).astype(dtype)
    exact = X.toarray().astype(np.float64)
    Y = rng.normal(size=(n_samples,) if n_outputs is None else (n_samples, n_outputs))
    weights = rng.uniform(0.1, 3.0, size=n_samples) if weighted else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sklinear._data, "FLOAT64_COPY_BYTES", 0)  # float32 stays float32
        data = sklinear._data.InMemoryData(X, Y.astype(dtype), weights)
        assert data.X.dtype == dtype
        patch.setattr(sklinear._data, "_SPARSE_BLOCK_BYTES", 256)
        patch.setattr(sklinear._data, "_SQUARE_CHUNK", 16)  # squares in several chunks
        statistics = data.statistics()
    s = np.ones(n_samples) if weights is None else weights
    mean = np.average(exact, axis=0, weights=s)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    assert statistics.weight_sum == pytest.approx(s.sum(), rel=1e-12)
    np.testing.assert_allclose(statistics.mean, mean, rtol=tolerance)
    np.testing.assert_allclose(
        statistics.variance,
        np.average((exact - mean) ** 2, axis=0, weights=s),
        rtol=tolerance * 10,
    )
    Y2 = Y.reshape(n_samples, -1).astype(dtype).astype(np.float64)
    np.testing.assert_allclose(
        statistics.target_product,
        (exact * s[:, None]).T @ Y2 / s.sum(),
        rtol=tolerance * 10,
        atol=tolerance,
    )


def test_csr_passes_read_views_of_x(monkeypatch):
    """A CSR row block is a view of X's arrays (SciPy's constructor would copy views of a
    larger array), and the statistics and a full evaluation allocate far less than X's
    arrays over blocks of an eighth of X (tracemalloc sees NumPy's buffers)."""
    import tracemalloc

    rng = np.random.default_rng(13)
    X = sp.random(8000, 60, density=0.5, format="csr", random_state=13)
    y = (rng.uniform(size=8000) < 0.5).astype(float)
    block = sklinear._data._csr_rows(X, 100, 900)
    assert np.shares_memory(block.data, X.data) and np.shares_memory(block.indices, X.indices)
    np.testing.assert_array_equal(block.toarray(), X[100:900].toarray())
    x_bytes = X.data.nbytes + X.indices.nbytes
    monkeypatch.setattr(sklinear._data, "_SPARSE_BLOCK_BYTES", x_bytes // 8)
    objective = LinearObjective(X, y, BinomialLoss(), 0.1, 0.0, n_jobs=1)
    theta = random_theta(rng, objective)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        objective.data.statistics()
        objective.value_and_gradient(theta)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * x_bytes


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_statistics_do_not_copy_x(monkeypatch, fmt, dtype):
    """The statistics pass of a sparse X, float32 included, reads X's arrays in place:
    its temporaries are chunks (made small here), far less than X (X.multiply(X) copied
    a float32 CSC matrix whole); the moments are those of the float64 values."""
    import tracemalloc

    rng = np.random.default_rng(14)
    # many values a row: the rows' own temporaries (weights, targets) stay small beside X
    X = sp.random(1000, 400, density=0.5, format=fmt, random_state=14, dtype=dtype)
    y = rng.normal(size=1000)
    monkeypatch.setattr(sklinear._data, "_SQUARE_CHUNK", 1024)
    monkeypatch.setattr(sklinear._data, "FLOAT64_COPY_BYTES", 0)  # float32 stays float32
    data = sklinear._data.InMemoryData(X, y)
    assert data.X.dtype == dtype
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        statistics = data.statistics()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * (X.data.nbytes + X.indices.nbytes)
    exact = X.toarray().astype(np.float64)
    np.testing.assert_allclose(statistics.mean, exact.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(statistics.variance, exact.var(axis=0), rtol=1e-10)


def test_objective_does_not_copy_or_modify_x():
    rng = np.random.default_rng(5)
    for X in (make_features(rng), sp.csr_matrix(make_features(rng))):
        before = X.copy()
        objective = LinearObjective(X, rng.normal(size=N_SAMPLES), HuberLoss(), 0.1, 0.5)
        objective.value_and_gradient(random_theta(rng, objective))
        assert objective.X is X
        if sp.issparse(X):
            assert (X != before).nnz == 0
        else:
            np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("weighted", [False, True])
def test_mini_batch_rows_are_normalised_by_their_weight_sum(weighted):
    rng = np.random.default_rng(6)
    X = make_features(rng)
    Y = rng.integers(0, 2, size=N_SAMPLES).astype(float)
    sample_weight = rng.uniform(0.1, 3.0, size=N_SAMPLES) if weighted else None
    objective = LinearObjective(X, Y, BinomialLoss(), 0.2, 0.0, sample_weight=sample_weight)
    theta = random_theta(rng, objective)
    rows = rng.choice(N_SAMPLES, size=17, replace=False)
    w, b = user_coefficients(objective, theta)
    weights_rows = None if sample_weight is None else sample_weight[rows]
    expected = reference_objective(
        "binomial", X[rows], Y[rows], w, b, 0.2, 0.0, weights_rows, smooth_only=True
    )
    np.testing.assert_allclose(objective.value_and_gradient(theta, rows)[0], expected, rtol=1e-10)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_prox_soft_thresholds_coefficients_and_leaves_intercept(n_outputs):
    rng = np.random.default_rng(8)
    X = make_features(rng)
    Y = rng.normal(size=(N_SAMPLES, n_outputs))
    alpha, l1_ratio, step = 0.4, 0.5, 0.3
    objective = LinearObjective(X, Y, SquaredLoss(), alpha, l1_ratio)
    theta = random_theta(rng, objective)
    result = objective.prox(theta, step).reshape(5, n_outputs)
    before = theta.reshape(5, n_outputs)
    np.testing.assert_array_equal(result[4], before[4])  # the intercept row is untouched
    # threshold on v = w * scale: step * alpha * l1_ratio / scale, by hand
    threshold = step * alpha * l1_ratio / objective.scale[:, None]
    v = before[:4]
    expected = np.sign(v) * np.maximum(np.abs(v) - threshold, 0)
    np.testing.assert_allclose(result[:4], expected, rtol=1e-12)
    # a huge step zeroes every coefficient but keeps the intercept
    huge = objective.prox(theta, 1e20).reshape(5, n_outputs)
    assert np.all(huge[:4] == 0)
    np.testing.assert_array_equal(huge[4], before[4])
    # the input is not modified
    np.testing.assert_array_equal(theta.reshape(5, n_outputs), before)


def test_initial_theta_is_zero_coefficients_and_best_constant():
    rng = np.random.default_rng(9)
    X = make_features(rng)
    y = rng.normal(size=N_SAMPLES) + 3
    weights = rng.uniform(0.1, 3.0, size=N_SAMPLES)
    objective = LinearObjective(X, y, SquaredLoss(), 0.1, 0.0, sample_weight=weights)
    w, b = objective.to_user(objective.initial_theta())
    np.testing.assert_allclose(w, 0, atol=1e-15)
    np.testing.assert_allclose(b, np.average(y, weights=weights))


def test_zero_weight_sum_raises():
    X = np.ones((3, 1))
    objective = LinearObjective(
        X, np.ones(3), SquaredLoss(), 0.1, 0.0, sample_weight=np.zeros(3), standardize=False
    )
    with pytest.raises(ValueError, match="sum to zero"):
        objective.value_and_gradient(np.zeros(objective.size))


@pytest.mark.parametrize("wide", [False, True], ids=["row_blocks", "wide_in_place"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "name, n_outputs",
    [p for p in PROBLEMS if hasattr(LOSSES[p[0]](), "hessian_weights")],
    ids=lambda v: str(v),
)
def test_newton_system_matches_finite_differences_of_the_gradient(
    name, n_outputs, weighted, wide, monkeypatch
):
    """The Hessian Newton solves with is the derivative of the (tested) gradient.

    ``wide`` forces the path of wide designs (tall row blocks, p x p blocks accumulated in
    place by rank-k updates, every BLAS thread) on a small problem.
    """
    if wide:
        monkeypatch.setattr(sklinear._data, "_WIDE_HESSIAN_BYTES", 0)
        monkeypatch.setattr(sklinear._data, "_WIDE_BLOCK_BYTES", 0)  # 256-row blocks
    rng = np.random.default_rng(zlib.crc32(f"hessian-{name}-{n_outputs}".encode()))
    n_samples = 700  # three tall row blocks on the wide path
    X = make_features(rng, n_samples)
    Y = make_target(rng, name, n_outputs, X)
    sample_weight = rng.uniform(0.1, 3.0, size=n_samples) if weighted else None
    objective = LinearObjective(
        X, Y, LOSSES[name](), 0.3, 0.0, sample_weight=sample_weight, standardize=True
    )
    theta = random_theta(rng, objective)
    system = objective.value_gradient_hessian(theta)[2]
    hessian = system.dense()
    step = 1e-4  # central differences: error ~ step^2, rounding ~ 1e-16 / step
    numeric = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        shift = np.zeros_like(theta)
        shift[j] = step
        numeric[:, j] = (
            objective.value_and_gradient(theta + shift)[1]
            - objective.value_and_gradient(theta - shift)[1]
        ) / (2 * step)
    scale = np.abs(numeric).max()
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6 * scale)
    # The Newton direction solves H d = -g with that Hessian (not checked for the
    # multinomial loss: its Hessian is singular along a common shift of the intercepts, and
    # the solve is damped there).
    if name != "multinomial":
        gradient = rng.normal(size=theta.size)
        np.testing.assert_allclose(
            hessian @ system.solve(gradient),
            -gradient,
            rtol=1e-4,
            atol=1e-6 * np.abs(gradient).max(),
        )


@pytest.mark.parametrize(
    ("n_features", "rows"), [(100, (1 << 20) // 800), (740, 1024), (5000, (8 << 20) // 40_000)]
)
def test_dense_row_blocks_of_wide_rows_hold_at_least_1024_rows_up_to_8_mib(n_features, rows):
    """1 MiB blocks, but wide rows take 1,024 rows a block (at most 8 MiB): the per-block
    cost of small blocks halved the speed of a pass over a 740-column design."""
    from sklinear._data import InMemoryData

    X = np.zeros((5000, n_features))
    blocks = InMemoryData(X, np.zeros(5000))._blocks()
    assert blocks[0] == (0, rows)
    assert blocks[-1][1] == 5000 and all(
        a[1] == b[0] for a, b in zip(blocks[:-1], blocks[1:], strict=True)
    )


@pytest.mark.parametrize(
    ("dtype", "n_outputs", "rows"),
    [
        (np.float32, 1, (2 << 20) // 400),  # 2 MiB of float32 rows of one output
        (np.float64, 1, (1 << 20) // 800),
        (np.float32, 3, (1 << 20) // (4 * (100 + 12))),  # several outputs: 1 MiB, as float64
    ],
)
def test_dense_float32_row_blocks_of_one_output_hold_2_mib(dtype, n_outputs, rows):
    """float32 rows of one output go in 2 MiB blocks: in 1 MiB blocks the per-block NumPy
    calls of the loss kept a float32 pass from running faster on two threads."""
    from sklinear._data import FLOAT64_COPY_BYTES, InMemoryData

    n_samples = 30_000
    assert n_samples * 100 * 8 > FLOAT64_COPY_BYTES  # float32 stays float32
    X = np.zeros((n_samples, 100), dtype=dtype)
    Y = np.zeros(n_samples) if n_outputs == 1 else np.zeros((n_samples, n_outputs))
    data = InMemoryData(X, Y.astype(dtype))
    assert data.X.dtype == dtype
    blocks = data._blocks()
    assert blocks[0] == (0, max(rows, 1024))
    assert blocks[-1][1] == n_samples and all(
        a[1] == b[0] for a, b in zip(blocks[:-1], blocks[1:], strict=True)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("rows", "n_features"),
    [(1, 3), (81, 100), (82, 100), (83, 100), (5242, 100), (300, 7), (40, 10_000), (0, 5)],
)
def test_subtract_row_is_numpys_broadcast_subtraction(dtype, rows, n_features):
    """The faster row subtraction (rows of several block rows against the row repeated)
    gives NumPy's numbers bit for bit: whole repeats, the rows left over, a block with fewer
    rows than a repeat, and blocks that are not C-contiguous."""
    from sklinear._data import repeat_row, subtract_row

    rng = np.random.default_rng(rows + n_features)
    block = (rng.standard_normal((rows, n_features)) * 1e4).astype(dtype)
    row = (rng.standard_normal(n_features) * 1e4).astype(dtype)
    repeated = repeat_row(row, n_features)
    assert repeated.size >= sklinear._data._ROW_REPEAT and np.all(repeated == row)
    for layout in (block, np.asfortranarray(block), block[:, ::-1]):
        expected = layout - row
        out = np.empty_like(block)
        assert subtract_row(layout, row, out, repeated) is out
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(subtract_row(layout, row, np.empty_like(block)), expected)


@pytest.mark.parametrize(
    ("n_features", "n_outputs", "rows"),
    [(50, 10, (1 << 20) // (8 * (50 + 40))), (100, 100, 1024), (20, 3, (1 << 20) // (8 * 32))],
)
def test_dense_row_blocks_of_several_outputs_count_their_output_columns(
    n_features, n_outputs, rows
):
    """With several outputs a block's 1 MiB also holds its four n_outputs-column arrays
    (scores, probabilities, targets, gradients), at least 1,024 rows; one output does not
    (the previous test)."""
    from sklinear._data import InMemoryData

    X = np.zeros((5000, n_features))
    blocks = InMemoryData(X, np.zeros((5000, n_outputs)))._blocks()
    assert blocks[0] == (0, max(rows, 1024))
    assert blocks[-1][1] == 5000


@pytest.mark.parametrize("fmt", ["dense", "float32", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("scale_predictors", [False, True], ids=["raw", "scaled"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "name, n_outputs",
    [p for p in PROBLEMS if hasattr(LOSSES[p[0]](), "hessian_weights")],
    ids=lambda v: str(v),
)
def test_hessian_product_matches_finite_differences_of_the_gradient(
    name, n_outputs, weighted, scale_predictors, fit_intercept, fmt
):
    """``hessian_product(theta)(d)`` (one pass, no Hessian formed: Newton-CG's) is the
    derivative of the (tested) gradient along ``d``, in the solver's coordinates, with the
    L2 part; columns of unequal scales and an offset column (centring; float32 rows are
    shifted by the means before the products), every layout of the losses' curvature (one
    column shared by the outputs, one per output, a K x K block per row), several
    directions."""
    rng = np.random.default_rng(zlib.crc32(f"product-{name}-{n_outputs}".encode()))
    X = make_features(rng)
    Y = make_target(rng, name, n_outputs, X)
    sample_weight = rng.uniform(0.1, 3.0, size=N_SAMPLES) if weighted else None
    objective = LinearObjective(
        X.astype(np.float32) if fmt == "float32" else to_format(X, fmt),
        Y,
        LOSSES[name](),
        0.3,
        0.0,
        sample_weight=sample_weight,
        fit_intercept=fit_intercept,
        scale_predictors=scale_predictors,
    )
    assert (objective._shift is not None) == (fmt == "float32" and fit_intercept)
    theta = random_theta(rng, objective)
    product = objective.hessian_product(theta)
    step = 1e-5  # central differences: error ~ step^2, rounding ~ 1e-16 / step
    for _ in range(3):
        direction = rng.normal(size=theta.size)
        numeric = (
            objective.value_and_gradient(theta + step * direction)[1]
            - objective.value_and_gradient(theta - step * direction)[1]
        ) / (2 * step)
        scale = np.abs(numeric).max()
        np.testing.assert_allclose(product(direction), numeric, rtol=1e-6, atol=1e-7 * scale)
    # the products leave the last full evaluation (the certificate's) where it was
    gradient = objective.value_and_gradient(theta)[1]
    product(direction)
    np.testing.assert_array_equal(objective.last_gradient, gradient)


def test_hessian_product_is_none_without_row_blocks_of_its_own():
    """A data layer other than NumPy / SciPy in memory (Dask's and the Array API's have
    their own passes) has no product: Newton-CG does not apply there."""

    class OtherData(sklinear._data.InMemoryData):
        pass

    rng = np.random.default_rng(0)
    X = make_features(rng)
    y = make_target(rng, "binomial", None, X)
    objective = LinearObjective(None, None, BinomialLoss(), 0.3, 0.0, data=OtherData(X, y))
    assert objective.hessian_product(objective.initial_theta()) is None
    in_memory = LinearObjective(X, y, BinomialLoss(), 0.3, 0.0)
    assert in_memory.hessian_product(in_memory.initial_theta()) is not None
