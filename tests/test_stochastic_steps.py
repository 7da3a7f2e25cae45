"""Mini-batch sampling, tail averaging and the sparse batch layout of the stochastic solvers.

References are written out here: a hand loop of the documented sampling and update rules,
and the same fit on the dense copy of a sparse matrix.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import model_objective, objective_J
from sklearn.exceptions import ConvergenceWarning

from sklinear import GDLinearRegressor, GDLogisticClassifier, _fit, _lazy, _solvers
from sklinear._data import InMemoryData
from sklinear._fit import auto_batch_size, stopping_sample_size
from sklinear._losses import BinomialLoss, SquaredLoss
from sklinear._objective import LinearObjective, rescale_solver_state, round_scale
from sklinear._solvers import MomentumRule, stochastic_gradient


def _least_squares(seed=0, n=23, p=3):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, p))
    b = A @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    return A, b


def _reference_loop(A, b, *, batch_size, epochs, eta0, momentum, seed, average):
    """The documented rules, written out: shuffle once, equal batches, a new batch order
    every epoch, Nesterov momentum, eta0 / t^0.25, the mean of the iterates weighted by
    polynomial decay: mean += 4 / (t + 3) (x - mean) (the first iterate: weight 1)."""
    rng = np.random.default_rng(seed)
    n = len(b)
    order = rng.permutation(n)
    n_batches = -(-n // batch_size)
    bounds = [i * n // n_batches for i in range(n_batches + 1)]
    x = np.zeros(A.shape[1])
    velocity = np.zeros_like(x)
    t = 0
    iterates = []
    for _ in range(epochs):
        for k in rng.permutation(n_batches):
            rows = order[bounds[k] : bounds[k + 1]]
            gradient = A[rows].T @ (A[rows] @ x - b[rows]) / len(rows)
            t += 1
            eta = eta0 / t**0.25
            velocity = momentum * velocity - eta * gradient
            x = x + momentum * velocity - eta * gradient
            iterates.append(x.copy())
    mean = iterates[0]
    for t, iterate in enumerate(iterates[1:], start=2):
        mean = mean + 4.0 / (t + 3.0) * (iterate - mean)
    return mean if average else x


@pytest.mark.parametrize("average", [False, True])
def test_stochastic_gradient_follows_the_reference_loop(average):
    A, b = _least_squares()
    seen = []

    def batch(x, rows):
        seen.append(len(rows))
        residual = A[rows] @ x - b[rows]
        return 0.5 * np.mean(residual**2), A[rows].T @ residual / len(rows)

    result = stochastic_gradient(
        batch,
        np.zeros(3),
        len(b),
        rule=MomentumRule(momentum=0.9),
        prox=lambda x, step: x,
        batch_size=5,
        max_epochs=4,
        tol=None,
        n_iter_no_change=5,
        learning_rate="invscaling",
        eta0=0.05,
        random_state=3,
        average=average,
    )
    expected = _reference_loop(
        A, b, batch_size=5, epochs=4, eta0=0.05, momentum=0.9, seed=3, average=average
    )
    np.testing.assert_allclose(result.theta, expected, rtol=1e-12, atol=1e-14)
    # 23 rows in batches of at most 5: five batches of 4 or 5 rows, never a short tail
    assert sorted(seen[:5]) == [4, 4, 5, 5, 5]
    if average:
        np.testing.assert_allclose(
            result.state["iterate"],
            _reference_loop(
                A, b, batch_size=5, epochs=4, eta0=0.05, momentum=0.9, seed=3, average=False
            ),
            rtol=1e-12,
        )


def test_prepared_layout_receives_slices_of_the_order():
    A, b = _least_squares(n=12)
    orders, seen = [], []

    def prepare(order):
        orders.append(order.copy())
        return True

    def batch(x, rows):
        seen.append(rows)
        index = orders[0][rows]
        residual = A[index] @ x - b[index]
        return 0.5 * np.mean(residual**2), A[index].T @ residual / len(index)

    stochastic_gradient(
        batch,
        np.zeros(3),
        12,
        rule=MomentumRule(momentum=0.0),
        prox=lambda x, step: x,
        batch_size=4,
        max_epochs=2,
        tol=None,
        n_iter_no_change=5,
        learning_rate="constant",
        eta0=0.01,
        random_state=0,
        prepare=prepare,
    )
    assert len(orders) == 1  # shuffled once per call, not per epoch
    assert sorted(orders[0]) == list(range(12))
    assert all(isinstance(rows, slice) for rows in seen)
    assert sorted((rows.start, rows.stop) for rows in seen[:3]) == [(0, 4), (4, 8), (8, 12)]


def _sparse_problem(seed=0, n=300, p=40):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.1, format="csr", random_state=seed)
    X.data = rng.uniform(0.5, 2.0, size=X.nnz)
    score = X @ rng.normal(size=p) + 0.3 * rng.normal(size=n)
    return X, (score > np.median(score)).astype(int)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_sgd_follows_the_dense_trajectory(average, weighted):
    """The sparse layout (one shuffled copy, contiguous batches) changes no step."""
    X, y = _sparse_problem()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y)) if weighted else None
    fits = []
    for data in (X, X.toarray()):
        model = GDLogisticClassifier(
            solver="sgd",
            batch_size=32,
            max_iter=3,
            tol=None,
            average=average,
            random_state=0,
        ).fit(data, y, sample_weight=weights)
        fits.append(model)
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-9)


def test_sparse_layout_is_a_permuted_copy_and_leaves_X_alone():
    X, y = _sparse_problem(n=50)
    before = X.copy()
    data = InMemoryData(X, y.astype(float))
    order = np.random.default_rng(0).permutation(50)
    assert data.prepare_batches(order)
    objective = LinearObjective(None, None, SquaredLoss(), 0.0, 0.0, data=data)
    objective.prepare_batches(order)
    theta = np.random.default_rng(1).normal(size=objective.size)
    value, gradient = objective.value_and_gradient(theta, slice(10, 20))
    expected_value, expected_gradient = objective.value_and_gradient(theta, order[10:20])
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12)
    assert (X != before).nnz == 0
    assert not InMemoryData(X.toarray(), y.astype(float)).prepare_batches(order)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_csr_matrix_whose_copy_does_not_fit_is_read_in_place(monkeypatch):
    """Where the shuffled copy would not fit in the available memory, the sgd fit reads the
    CSR matrix in place (each batch gathered from it): no copy of X, and the fit is still
    the dense trajectory."""
    import sklinear._data as data_module

    X, y = _sparse_problem()
    asked = []

    def fits_in_memory(n_bytes):
        asked.append(n_bytes)
        return False

    monkeypatch.setattr(data_module, "fits_in_memory", fits_in_memory)
    copies = []
    original = InMemoryData.prepare_batches

    def spy(self, order):
        laid_out = original(self, order)
        copies.append(self._laid_out)
        return laid_out

    monkeypatch.setattr(InMemoryData, "prepare_batches", spy)
    options = dict(solver="sgd", batch_size=32, max_iter=3, tol=None, random_state=0)
    sparse_fit = GDLogisticClassifier(**options).fit(X, y)
    dense_fit = GDLogisticClassifier(**options).fit(X.toarray(), y)
    assert copies and all(laid_out is None for laid_out in copies)
    # the copy it would have made: X's three arrays and the targets
    assert asked and asked[0] >= X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    np.testing.assert_allclose(sparse_fit.coef_, dense_fit.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse_fit.loss_curve_, dense_fit.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64, "mixed"])
@pytest.mark.parametrize("sorted_indices", [True, False])
def test_the_threaded_row_gather_is_x_of_the_order(monkeypatch, index_dtype, sorted_indices):
    """The layout's row gather, shared among threads (forced here on a small matrix), gives
    the arrays of ``X[order]``: empty rows, both index types and a mix of them (int32
    indices, int64 row pointers: SciPy's kernel refuses it, so the gather falls back), and
    rows whose indices are not sorted (the result then does not claim they are)."""
    import sklinear._data as data_module

    monkeypatch.setattr(data_module, "_PARALLEL_GATHER_NNZ", 0)
    X = sp.random(301, 40, density=0.2, format="csr", random_state=5)
    X.data[X.indptr[7] : X.indptr[8]] = 0.0  # an empty row
    X.eliminate_zeros()
    if not sorted_indices:
        X.indices[X.indptr[3] : X.indptr[4]] = X.indices[X.indptr[3] : X.indptr[4]][::-1]
        X.has_sorted_indices = False
    X.indices = X.indices.astype(np.int32 if index_dtype == "mixed" else index_dtype)
    X.indptr = X.indptr.astype(np.int64 if index_dtype == "mixed" else index_dtype)
    order = np.random.default_rng(3).permutation(301)
    gathered = data_module._csr_gather(X, order, n_jobs=3)
    expected = X[order]
    np.testing.assert_array_equal(gathered.indptr, expected.indptr)
    np.testing.assert_array_equal(gathered.indices, expected.indices)
    np.testing.assert_array_equal(gathered.data, expected.data)
    assert gathered.indices.dtype == expected.indices.dtype
    assert bool(gathered.has_sorted_indices) == sorted_indices
    np.testing.assert_array_equal(gathered.toarray(), X.toarray()[order])


def _rows_of(n, p, nnz):
    """A CSR matrix with ``nnz`` entries in every row (built directly: cheap for big n)."""
    indices = np.tile(np.arange(nnz), n) % p
    return sp.csr_matrix((np.ones(n * nnz), indices, np.arange(n + 1) * nnz), shape=(n, p))


def test_auto_batch_size():
    assert auto_batch_size(InMemoryData(np.zeros((5000, 20)), np.zeros(5000))) == 1024
    assert auto_batch_size(InMemoryData(np.zeros((100, 20)), np.zeros(100))) == 100
    # 4 p / nnz = 4 * 2000 / 10 = 800 rows < 1024: 1024
    assert auto_batch_size(InMemoryData(_rows_of(20000, 2000, 10), np.zeros(20000))) == 1024
    # 4 * 20000 / 10 = 8000 rows, capped at n / 16 = 5000
    assert auto_batch_size(InMemoryData(_rows_of(80000, 20000, 10), np.zeros(80000))) == 5000
    assert auto_batch_size(InMemoryData(_rows_of(200000, 20000, 10), np.zeros(200000))) == 8000


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_average_is_returned_and_the_iterate_continues_partial_fit():
    X, y = _least_squares(n=200, p=4)
    averaged = GDLinearRegressor(
        solver="sgd", batch_size=20, max_iter=2, tol=None, random_state=0
    ).fit(X, y)
    last = GDLinearRegressor(
        solver="sgd", batch_size=20, max_iter=2, tol=None, random_state=0, average=False
    ).fit(X, y)
    assert not np.allclose(averaged.coef_, last.coef_)
    # the iterate kept for partial_fit is the last iterate of the non-averaged run
    objective = last._make_objective(X, y, None, precondition=averaged._precondition)
    iterate = averaged._solver_state["iterate"]
    coef, intercept = objective.to_user(iterate)
    np.testing.assert_allclose(coef[:, 0], last.coef_, rtol=1e-12)
    np.testing.assert_allclose(intercept, last.intercept_, rtol=1e-12)


def test_rescale_maps_the_iterate_through_user_coefficients():
    X, y = _least_squares(n=50, p=3)
    objective = LinearObjective(X, y, SquaredLoss(), 0.1, 0.0)
    old_mean, old_scale = np.array([1.0, -2.0, 0.5]), np.array([2.0, 0.5, 4.0])
    user_coef, user_intercept = np.array([0.3, -1.0, 2.0]), 0.7
    old_theta = np.concatenate([user_coef * old_scale, [user_intercept + old_mean @ user_coef]])
    state = {"iterate": old_theta}
    rescale_solver_state(state, old_scale, objective.scale, objective, old_mean=old_mean)
    coef, intercept = objective.to_user(state["iterate"])
    np.testing.assert_allclose(coef[:, 0], user_coef, rtol=1e-12)
    np.testing.assert_allclose(intercept, [user_intercept], rtol=1e-12)


# --- the O(nnz) steps on sparse data (sklinear._lazy) -------------------------------------


def _sparse_data(seed=0, n=240, p=30, density=0.15, outputs=1):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csr", random_state=seed)
    X.data = rng.uniform(0.1, 2.0, size=X.nnz) * rng.choice([0.05, 1.0, 8.0], size=X.nnz)
    score = X @ rng.normal(size=(p, outputs)) + 0.3 * rng.normal(size=(n, outputs))
    return X, score


@pytest.fixture
def lazy_always(monkeypatch):
    """Take the O(nnz) steps whatever the batch size (they are chosen by cost)."""
    monkeypatch.setattr(_fit, "_LAZY_SHARE", np.inf)


# The options of the 'sgd' steps that the O(nnz) and in-place sparse steps must follow.
STEP_OPTIONS = [
    {},
    {"average": False},
    {"momentum": 0.0},
    {"momentum": 0.5, "learning_rate": "constant", "eta0": 0.2},
    {"fit_intercept": False},
    {"alpha": 0.0},
    {"alpha": 0.05, "scale_predictors": True},
    {"learning_rate": "adaptive", "eta0": 0.5, "n_iter_no_change": 1},
    # no epoch after the first improves by 10 |J|: the step is divided, and the running
    # mean restarted, after every epoch from the second
    {"learning_rate": "adaptive", "eta0": 0.5, "n_iter_no_change": 1, "tol": 10.0},
]


def _count_steps(monkeypatch, steps_class):
    """Count the calls of ``steps_class.step``."""
    calls = []
    step = steps_class.step

    def counted(self, *args):
        calls.append(1)
        return step(self, *args)

    monkeypatch.setattr(steps_class, "step", counted)
    return calls


def _count_lazy_steps(monkeypatch):
    return _count_steps(monkeypatch, _lazy.LazySparseSteps)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("options", STEP_OPTIONS, ids=repr)
def test_lazy_steps_follow_the_dense_steps(lazy_always, monkeypatch, options):
    """Same data as CSR (lazy steps) and dense (every coefficient updated every step):
    the same iterates, through ~300 steps with the deferred frames renormalised."""
    X, score = _sparse_data()
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    weights = np.random.default_rng(2).uniform(0.2, 2.0, size=len(y))
    calls = _count_lazy_steps(monkeypatch)
    fits = [
        GDLogisticClassifier(
            solver="sgd", batch_size=4, max_iter=5, random_state=0, **{"tol": None, **options}
        ).fit(data, y, sample_weight=weights)
        for data in (X, X.toarray())
    ]
    assert len(calls) == 5 * 60  # the sparse fit took the lazy steps, all of them
    size = np.max(np.abs(fits[1].coef_))  # rounding relative to the largest coefficient
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-8, atol=1e-9 * size)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, atol=1e-9 * size)
    # the L2 value comes from per-group sums of z z^T: a little more rounding
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-7)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_lazy_steps_with_several_outputs(lazy_always, kind):
    X, score = _sparse_data(outputs=3)
    if kind == "multiclass":
        y = np.argmax(score, axis=1)
        make = lambda: GDLogisticClassifier(  # noqa: E731
            solver="sgd", batch_size=8, max_iter=3, tol=None, random_state=0
        )
    else:
        y = score
        make = lambda: GDLinearRegressor(  # noqa: E731
            solver="sgd", batch_size=8, max_iter=3, tol=None, random_state=0, eta0=0.01
        )
    sparse_fit, dense_fit = make().fit(X, y), make().fit(X.toarray(), y)
    np.testing.assert_allclose(sparse_fit.coef_, dense_fit.coef_, rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(sparse_fit.intercept_, dense_fit.intercept_, rtol=1e-8)


def _reference_sparse_logistic(X, y, mean, scale, *, alpha, batch_size, epochs, seed):
    """The documented 'sgd' written out on the implicitly standardised problem: v = w * s,
    gradient (X - m)^T r / (n_b s) + alpha v / s^2, Nesterov momentum 0.9, eta 0.05 / t^0.25,
    the polynomial-decay mean of the iterates."""
    X = X.toarray()
    n, p = X.shape
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_batches = -(-n // batch_size)
    bounds = [i * n // n_batches for i in range(n_batches + 1)]
    v, c = np.zeros(p), np.log(y.mean() / (1 - y.mean()))
    velocity_v, velocity_c = np.zeros(p), 0.0
    mean_v, mean_c, t = np.zeros(p), 0.0, 0
    for _ in range(epochs):
        for k in rng.permutation(n_batches):
            rows = order[bounds[k] : bounds[k + 1]]
            w = v / scale
            scores = X[rows] @ w + c - mean @ w
            r = 1 / (1 + np.exp(-scores)) - y[rows]
            grad_v = (X[rows] - mean).T @ r / (len(rows) * scale) + alpha * v / scale**2
            grad_c = r.mean()
            t += 1
            eta = 0.05 / t**0.25
            velocity_v = 0.9 * velocity_v - eta * grad_v
            velocity_c = 0.9 * velocity_c - eta * grad_c
            v = v + 0.9 * velocity_v - eta * grad_v
            c = c + 0.9 * velocity_c - eta * grad_c
            rho = 4.0 / (t + 3.0)  # 1 at the first step
            mean_v, mean_c = mean_v + rho * (v - mean_v), mean_c + rho * (c - mean_c)
    w = mean_v / scale
    return w, mean_c - mean @ w


def test_lazy_steps_against_a_hand_written_loop(lazy_always, monkeypatch):
    """L2 decay, centring, intercept and averaging of the deferred steps against the
    explicit loop (every coefficient decayed every step)."""
    X, score = _sparse_data(seed=4, n=120, p=25)
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    calls = _count_lazy_steps(monkeypatch)
    model = GDLogisticClassifier(
        solver="sgd", alpha=0.01, batch_size=5, max_iter=3, tol=None, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert len(calls) == 3 * 24
    mean, scale, _ = model._precondition
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)  # as fit draws it
    coef, intercept = _reference_sparse_logistic(
        X, y, mean, scale, alpha=0.01, batch_size=5, epochs=3, seed=seed
    )
    np.testing.assert_allclose(model.coef_[0], coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.intercept_[0], intercept, rtol=1e-9)


def test_a_lazy_step_leaves_the_untouched_columns_alone(lazy_always):
    """O(nnz): a step writes the stored state of the batch's columns only (the others
    change through the shared per-group frames), yet matches the dense update."""
    X, score = _sparse_data(n=60, p=50, density=0.04)
    y = (score[:, 0] > 0).astype(float)
    objective = LinearObjective(X, y, BinomialLoss(), 0.01, 0.0, rounded_scale=True)
    theta = np.random.default_rng(0).normal(size=objective.size) * 0.1
    rule = MomentumRule(momentum=0.9)
    lazy = _lazy.LazySparseSteps(objective, theta.copy(), rule, {}, average=False)
    order = np.arange(60)
    lazy.prepare(order)
    before = lazy.z.copy()
    block = slice(0, 3)
    lazy.step(block, lambda: 0.1)
    touched = np.unique(X[:3].indices)
    untouched = np.setdiff1d(np.arange(50), touched)
    assert 0 < touched.size < 25
    np.testing.assert_array_equal(lazy.z[untouched], before[untouched])
    dense_state = {}
    _, gradient = objective.value_and_gradient(theta, np.arange(3))
    expected = theta + rule.step(gradient, 0.1, dense_state)
    np.testing.assert_allclose(lazy.result(), expected, rtol=1e-12, atol=1e-15)


def test_lazy_steps_are_chosen_when_a_batch_touches_few_columns(monkeypatch):
    X, score = _sparse_data(n=200, p=2000, density=0.0025)  # ~5 non-zeros a row
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    calls = _count_lazy_steps(monkeypatch)
    options = {"solver": "sgd", "max_iter": 1, "tol": None, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLogisticClassifier(batch_size=10, **options).fit(X, y)  # ~50 nnz < 2000 / 16
        assert len(calls) == 20
        GDLogisticClassifier(batch_size=100, **options).fit(X, y)  # ~500 nnz: dense steps
        GDLogisticClassifier(batch_size=10, **options).fit(X.tocsc(), y)  # CSC: dense steps
        GDLogisticClassifier(batch_size=10, penalty="l1", **options).fit(X, y)  # L1: dense
    assert len(calls) == 20


@pytest.fixture
def sparse_steps_always(monkeypatch):
    """Take the in-place steps of every coefficient (:class:`SparseSteps`) on CSR data,
    whatever the batch size; count their calls."""
    monkeypatch.setattr(_fit, "_LAZY_SHARE", -1.0)
    return _count_steps(monkeypatch, _lazy.SparseSteps)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("options", STEP_OPTIONS, ids=repr)
def test_sparse_steps_follow_the_dense_steps(sparse_steps_always, options):
    """CSR data through :class:`SparseSteps` and its dense copy through the generic steps:
    the same iterates, loss curve and epochs (sample weights, centring, intercept)."""
    X, score = _sparse_data()
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    weights = np.random.default_rng(2).uniform(0.2, 2.0, size=len(y))
    fits = [
        GDLogisticClassifier(
            solver="sgd", batch_size=16, max_iter=5, random_state=0, **{"tol": None, **options}
        ).fit(data, y, sample_weight=weights)
        for data in (X, X.toarray())
    ]
    assert len(sparse_steps_always) == 5 * 15  # the sparse fit took them, every step
    size = np.max(np.abs(fits[1].coef_))
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-9, atol=1e-12 * size)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, atol=1e-12 * size)
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-10)
    assert fits[0].n_iter_ == fits[1].n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("options", [{}, {"momentum": 0.5, "nesterov": False}], ids=repr)
def test_sparse_steps_rescale_velocity_and_mean(sparse_steps_always, monkeypatch, options):
    """:class:`SparseSteps` keep the velocity and the running mean as a factor times an
    array and rescale the array once the factor is small: rescaled every step (threshold
    2), the iterates, the loss curve and the carried state are those of the dense steps."""
    monkeypatch.setattr(_lazy, "_SMALL_FACTOR", 2.0)
    nesterov = options.pop("nesterov", True)
    if not nesterov:
        monkeypatch.setattr(
            _solvers.MomentumRule, "__init__", _classic_momentum(_solvers.MomentumRule.__init__)
        )
    X, score = _sparse_data()
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    fits = []
    for data in (X, X.toarray()):
        model = GDLogisticClassifier(solver="sgd", batch_size=16, random_state=0, **options)
        for _ in range(3):
            model.partial_fit(data, y, classes=[0, 1])
        fits.append(model)
    assert len(sparse_steps_always) == 3 * 15
    size = np.max(np.abs(fits[1].coef_))
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-9, atol=1e-12 * size)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, atol=1e-12 * size)
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-10)


def _classic_momentum(init):
    def classic(self, momentum=0.9, nesterov=True):
        init(self, momentum=momentum, nesterov=False)

    return classic


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_sparse_steps_with_several_outputs_and_partial_fit(sparse_steps_always, kind):
    """Several outputs, and the state (velocity, iterate, mean) carried across
    ``partial_fit`` calls, as the dense steps carry theirs."""
    X, score = _sparse_data(outputs=3)
    if kind == "multiclass":
        y = np.argmax(score, axis=1)
        make = lambda: GDLogisticClassifier(  # noqa: E731
            solver="sgd", batch_size=24, random_state=0
        )
        extra = {"classes": np.unique(y)}
    else:
        y = score
        make = lambda: GDLinearRegressor(  # noqa: E731
            solver="sgd", batch_size=24, random_state=0, eta0=0.01
        )
        extra = {}
    fits = []
    for data in (X, X.toarray()):
        model = make()
        for _ in range(3):
            model.partial_fit(data, y, **extra)
        fits.append(model)
    assert len(sparse_steps_always) == 3 * 10
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-10)


def test_sparse_steps_are_chosen_when_a_batch_touches_many_columns(monkeypatch):
    """Batches that touch many columns: :class:`SparseSteps` (not the lazy steps); CSC
    data and L1 penalties: the generic steps."""
    X, score = _sparse_data(n=200, p=2000, density=0.0025)  # ~5 non-zeros a row
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    calls = []
    step = _lazy.SparseSteps.step
    monkeypatch.setattr(
        _lazy.SparseSteps, "step", lambda self, *a: calls.append(1) or step(self, *a)
    )
    options = {"solver": "sgd", "max_iter": 1, "tol": None, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLogisticClassifier(batch_size=10, **options).fit(X, y)  # ~50 nnz: lazy steps
        assert calls == []
        GDLogisticClassifier(batch_size=100, **options).fit(X, y)  # ~500 nnz
        assert len(calls) == 2
        GDLogisticClassifier(batch_size=100, **options).fit(X.tocsc(), y)
        GDLogisticClassifier(batch_size=100, penalty="l1", **options).fit(X, y)
    assert len(calls) == 2


# --- the stopping signal of fit: J of the returned coefficients on a sample of rows --------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("steps", ["dense", "sparse", "lazy"])
@pytest.mark.parametrize("average", [True, False])
def test_fit_records_J_of_the_returned_coefficients(monkeypatch, steps, average):
    """Up to 10,000 rows the sample is every row: the last entry of ``loss_curve_`` is J of
    SPEC 1.1 at the returned coefficients (the mean with ``average``), whichever steps ran
    (generic on dense data, in place or lazy on CSR); sample weights weigh it."""
    if steps == "lazy":
        monkeypatch.setattr(_fit, "_LAZY_SHARE", np.inf)
    X, score = _sparse_data()
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    weights = np.random.default_rng(3).uniform(0.2, 2.0, size=len(y))
    data = X.toarray() if steps == "dense" else X
    model = GDLogisticClassifier(
        solver="sgd", batch_size=16, max_iter=4, tol=None, random_state=0, average=average
    ).fit(data, y, sample_weight=weights)
    assert len(model.loss_curve_) == 4
    expected = model_objective(model, X, y, sample_weight=weights)
    np.testing.assert_allclose(model.loss_curve_[-1], expected, rtol=1e-10)


def test_stopping_sample_size():
    assert stopping_sample_size(500) >= 500  # small data: every row
    assert stopping_sample_size(10_000) == 10_000
    assert stopping_sample_size(80_000) == 10_000
    assert stopping_sample_size(320_000) == 20_000  # n / 16


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("steps", ["dense", "sparse"])
def test_the_sample_is_evenly_spaced_in_the_order(monkeypatch, steps):
    """Above the sample size ``m``: J of the returned coefficients on the rows at positions
    ``i n // m`` of the shuffled order (hand-built here from the documented sampling); not
    on all rows."""
    monkeypatch.setattr(_fit, "_SAMPLE_ROWS", 50)
    X, score = _sparse_data(n=240)
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    data = X.toarray() if steps == "dense" else X
    model = GDLogisticClassifier(
        solver="sgd", batch_size=40, max_iter=2, tol=None, random_state=0
    ).fit(data, y)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)  # as fit draws it
    order = np.random.default_rng(seed).permutation(240)
    rows = order[np.arange(50) * 240 // 50]
    expected = objective_J(
        X[rows],
        y[rows].astype(float),
        model.coef_,
        model.intercept_,
        loss="binomial",
        alpha=model.alpha,
        l1_ratio=0.0,
    )
    np.testing.assert_allclose(model.loss_curve_[-1], expected, rtol=1e-10)
    assert not np.isclose(model.loss_curve_[-1], model_objective(model, X, y), rtol=1e-6)


def test_partial_fit_records_the_mean_mini_batch_objective(monkeypatch):
    """partial_fit runs no stopping test: its entry is the mean of the epoch's mini-batch
    objectives at the iterates (no extra pass), which differs from J of the result."""
    X, score = _sparse_data()
    y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    calls = []
    value = _lazy.SparseSteps.value
    monkeypatch.setattr(
        _lazy.SparseSteps, "value", lambda self, *a: calls.append(1) or value(self, *a)
    )
    model = GDLogisticClassifier(solver="sgd", batch_size=16, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    assert calls == []
    assert not np.isclose(model.loss_curve_[-1], model_objective(model, X, y), rtol=1e-6)


def test_round_scale():
    scale = np.array([0.01, 0.0123, 0.5, 3.0, 7.0])
    factor = np.array([1.0, 1.0, 1.0, 2.0, 1.0])
    rounded = round_scale(scale, factor, 1e-4)
    exponent = 4 * np.log2(rounded / factor)
    np.testing.assert_allclose(exponent, np.round(exponent), atol=1e-12)
    assert np.all(np.abs(np.log2(rounded / scale)) <= 1 / 8 + 1e-12)  # nearest power
    np.testing.assert_array_equal(round_scale(scale, factor, 0.0), scale)
    X, score = _sparse_data()
    y = (score[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd = GDLogisticClassifier(solver="sgd", max_iter=1).fit(X, y)
        lbfgs = GDLogisticClassifier(solver="lbfgs").fit(X, y)
    assert np.unique(np.round(4 * np.log2(sgd._precondition[1]), 9)).size <= 40
    assert not np.array_equal(sgd._precondition[1], lbfgs._precondition[1])
    np.testing.assert_allclose(sgd._precondition[1], lbfgs._precondition[1], rtol=0.1)
