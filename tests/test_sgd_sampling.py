"""Mini-batch sampling, tail averaging and the sparse batch layout of the stochastic solvers.

References are written out here: a hand loop of the documented sampling and update rules,
and the same fit on the dense copy of a sparse matrix.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sklinear import GDLinearRegressor, GDLogisticClassifier
from sklinear._data import InMemoryData
from sklinear._fit import auto_batch_size
from sklinear._losses import SquaredLoss
from sklinear._objective import LinearObjective, rescale_solver_state
from sklinear._solvers import MomentumRule, stochastic_gradient


def _least_squares(seed=0, n=23, p=3):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, p))
    b = A @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    return A, b


def _reference_loop(A, b, *, batch_size, epochs, eta0, momentum, seed, average):
    """The documented rules, written out: shuffle once, equal batches, a new batch order
    every epoch, Nesterov momentum, eta0 / t^0.25, mean of the last epoch's iterates."""
    rng = np.random.default_rng(seed)
    n = len(b)
    order = rng.permutation(n)
    n_batches = -(-n // batch_size)
    bounds = [i * n // n_batches for i in range(n_batches + 1)]
    x = np.zeros(A.shape[1])
    velocity = np.zeros_like(x)
    t = 0
    for _ in range(epochs):
        iterates = []
        for k in rng.permutation(n_batches):
            rows = order[bounds[k] : bounds[k + 1]]
            gradient = A[rows].T @ (A[rows] @ x - b[rows]) / len(rows)
            t += 1
            eta = eta0 / t**0.25
            velocity = momentum * velocity - eta * gradient
            x = x + momentum * velocity - eta * gradient
            iterates.append(x.copy())
    return np.mean(iterates, axis=0) if average else x


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
