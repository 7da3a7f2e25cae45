"""L-BFGS rescaled by the Hessian's diagonal (``_fit._lbfgs_rescaled``).

Smooth fits beyond the Newton tiers that L-BFGS has not certified after ``_JACOBI_AFTER``
iterations go on preconditioned by ``diag(H)`` at the iterate. References: the dense
Newton system's diagonal (itself checked against finite differences in
test_objective.py), scikit-learn's newton-cholesky optimum, and call counts of the control
path.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklinear import GDLogisticClassifier, _fit
from sklinear._losses import BinomialLoss, HuberLoss, MultinomialLoss, SquaredLoss
from sklinear._objective import DiagonalPreconditioner, LinearObjective


def _problem(loss_name, rng, n=120, p=6):
    X = rng.normal(size=(n, p)) * np.exp(rng.uniform(-2, 2, p)) + 10 * rng.normal(size=p)
    if loss_name == "binomial":
        return X, BinomialLoss(), (rng.uniform(size=n) < 0.5).astype(float)
    if loss_name == "multinomial":
        return X, MultinomialLoss(), np.eye(3)[rng.integers(0, 3, n)]
    if loss_name == "squared":
        return X, SquaredLoss(), rng.normal(size=(n, 2))
    return X, HuberLoss(1.0), 3 * rng.normal(size=n)


@pytest.mark.parametrize("loss_name", ["binomial", "multinomial", "squared", "huber"])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_diagonal_is_the_newton_systems(loss_name, fmt, fit_intercept):
    """The diagonal, in the solver's coordinates (centred, scaled columns and the
    intercept), equals the diagonal of the dense Hessian of the Newton system (Huber: of
    its majorizer's, positive in the linear zone), with sample weights and an L2 part."""
    rng = np.random.default_rng(3)
    X, loss, Y = _problem(loss_name, rng)
    if fmt != "dense":
        X = sp.csr_matrix(X * (rng.uniform(size=X.shape) < 0.5)).asformat(fmt)
    weights = rng.uniform(0.5, 2.0, size=X.shape[0])
    objective = LinearObjective(
        X, Y, loss, 0.1, 0.0, sample_weight=weights, fit_intercept=fit_intercept
    )
    theta = 0.1 * rng.normal(size=objective.size)
    diagonal = objective.hessian_diagonal(theta)
    if loss_name == "huber":
        system = objective.majorizing_newton_system(theta)
    else:
        system = objective.value_gradient_hessian(theta)[2]
    expected = np.diag(system.dense()).reshape(diagonal.shape)
    np.testing.assert_allclose(diagonal, expected, rtol=1e-10)
    assert diagonal.shape == (objective.n_rows, objective.n_outputs)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_hessian_diagonal_does_not_copy_sparse_x(monkeypatch, fmt):
    """The diagonal of a sparse X's Hessian reads X's own arrays: its temporaries are
    chunks (made small here), far less than X (squaring X copied it; a CSC X is one
    block)."""
    import tracemalloc

    import sklinear._data as data_module

    rng = np.random.default_rng(4)
    # many values a row: the rows' own temporaries (scores, curvature) stay small beside X
    X = sp.random(1000, 400, density=0.5, format=fmt, random_state=4)
    y = (rng.uniform(size=1000) < 0.5).astype(float)
    monkeypatch.setattr(data_module, "_SQUARE_CHUNK", 1024)
    objective = LinearObjective(X, y, BinomialLoss(), 0.1, 0.0)
    theta = 0.1 * rng.normal(size=objective.size)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        objective.hessian_diagonal(theta)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * (X.data.nbytes + X.indices.nbytes)


def test_diagonal_preconditioner_is_a_change_of_variables():
    """``theta = u / d``, ``d = sqrt(diag)`` (1 where the diagonal is not positive): back
    inverts forward, and the gradient in ``u`` is the chain rule's ``g / d``."""
    preconditioner = DiagonalPreconditioner(np.array([4.0, 0.0, 0.25, -1.0]))
    np.testing.assert_allclose(preconditioner.scale, [2.0, 1.0, 0.5, 1.0])
    theta = np.array([1.0, 2.0, 3.0, 4.0])
    u = preconditioner.forward(theta)
    np.testing.assert_allclose(u, [2.0, 2.0, 1.5, 4.0])
    np.testing.assert_allclose(preconditioner.back(u), theta)
    # f(theta) = a . theta: in u, f = a . (u / d), gradient a / d
    np.testing.assert_allclose(preconditioner.gradient(theta), [0.5, 2.0, 6.0, 4.0])


@pytest.fixture
def wide(monkeypatch):
    """No Newton tier and no Newton-CG: L-BFGS, rescaled or not, alone."""
    for name in ("_NEWTON_MAX_ROWS", "_NEWTON_SQUARED_MAX_ROWS", "_NEWTON_LATE_MAX_ROWS"):
        monkeypatch.setattr(_fit, name, 10)
    monkeypatch.setattr(_fit, "newton_cg_applies", lambda objective: False)


def _raw_wide(alpha=1e-3):
    """Wide logistic data on raw columns of scales exp(-3) .. exp(3), and the optimum of
    J from scikit-learn's newton-cholesky (C = 1 / (alpha n))."""
    rng = np.random.default_rng(0)
    n, p = 200, 300
    X, y = make_classification(n, p, n_informative=20, random_state=0)
    X = X * np.exp(rng.uniform(-3, 3, p))
    reference = LogisticRegression(
        C=1 / (alpha * n), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y)
    scores = X @ reference.coef_[0] + reference.intercept_[0]
    optimum = np.mean(np.logaddexp(0, scores) - y * scores)
    optimum += alpha / 2 * reference.coef_[0] @ reference.coef_[0]
    return X, y, optimum


def test_rescaling_certifies_what_plain_lbfgs_does_not(wide, monkeypatch):
    """Raw wide columns, alpha 1e-3, max_iter 300: rescaled L-BFGS certifies its answer
    (no warning, J within the certified tol of scikit-learn's optimum, J - J* <= gap);
    without the rescaling, L-BFGS ends its 300 iterations uncertified."""
    X, y, optimum = _raw_wide()
    calls = []
    original = LinearObjective.hessian_diagonal

    def counting(objective, theta):
        calls.append(1)
        return original(objective, theta)

    monkeypatch.setattr(LinearObjective, "hessian_diagonal", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GDLogisticClassifier(alpha=1e-3, max_iter=300).fit(X, y)
    assert calls  # it was rescaled
    assert model.objective_ - optimum <= model.dual_gap_ * (1 + 1e-9)
    assert model.dual_gap_ <= 1e-4 * model.objective_
    assert model.objective_ <= optimum * (1 + 1e-4)
    monkeypatch.setattr(_fit, "_JACOBI_AFTER", 10**9)  # never rescaled
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        plain = GDLogisticClassifier(alpha=1e-3, max_iter=300).fit(X, y)
    assert plain.objective_ > optimum * (1 + 1e-4)


def test_the_diagonal_is_recomputed_every_jacobi_after_iterations(wide, monkeypatch):
    """With ``_JACOBI_AFTER = 10`` and ``max_iter = 45`` on a fit that does not certify in
    45 iterations: plain L-BFGS for 10, then rescaled runs of 10, 10, 10 and 5, each from
    a diagonal computed at its own start."""
    X, y, _ = _raw_wide(alpha=1e-5)
    monkeypatch.setattr(_fit, "_JACOBI_AFTER", 10)
    starts = []
    original = LinearObjective.hessian_diagonal

    def recording(objective, theta):
        starts.append(theta.copy())
        return original(objective, theta)

    monkeypatch.setattr(LinearObjective, "hessian_diagonal", recording)
    runs = []
    original_run = _fit._run

    def spy(name, objective, theta, max_iter, certifier, verbose, preconditioner=None, **kw):
        result = original_run(
            name, objective, theta, max_iter, certifier, verbose, preconditioner, **kw
        )
        runs.append((max_iter, preconditioner is not None, result.n_iter))
        return result

    monkeypatch.setattr(_fit, "_run", spy)
    with pytest.warns(ConvergenceWarning):
        model = GDLogisticClassifier(alpha=1e-5, max_iter=45).fit(X, y)
    assert [(budget, rescaled) for budget, rescaled, _ in runs] == [
        (10, False),
        (10, True),
        (10, True),
        (10, True),
        (5, True),
    ]
    assert all(n_iter == budget for budget, _, n_iter in runs)
    assert len(starts) == 4 and model.n_iter_ == 45
    # each diagonal at a new iterate
    assert all(not np.array_equal(a, b) for a, b in zip(starts, starts[1:], strict=False))


def test_a_rescaled_run_that_stalls_ends_the_rescaling(wide, monkeypatch):
    """A rescaled run that stops at machine precision (stalled) is not followed by another
    rescaling: the Newton tiers after it take over."""
    X, y, _ = _raw_wide(alpha=1e-5)
    monkeypatch.setattr(_fit, "_JACOBI_AFTER", 10)
    original_run = _fit._run
    runs = []

    def stalling(name, objective, theta, max_iter, certifier, verbose, preconditioner=None, **kw):
        result = original_run(
            name, objective, theta, max_iter, certifier, verbose, preconditioner, **kw
        )
        runs.append(preconditioner is not None)
        if preconditioner is not None:
            result.state["stalled"] = True
        return result

    monkeypatch.setattr(_fit, "_run", stalling)
    with pytest.warns(ConvergenceWarning):
        model = GDLogisticClassifier(alpha=1e-5, max_iter=45).fit(X, y)
    assert runs == [False, True]
    assert model.n_iter_ == 20


def test_fits_certified_before_jacobi_after_are_not_rescaled(wide, monkeypatch):
    """Standardised data: L-BFGS certifies within _JACOBI_AFTER iterations and never
    computes a diagonal."""
    monkeypatch.setattr(LinearObjective, "hessian_diagonal", None)  # calling it would fail
    X, y = make_classification(500, 40, random_state=0)
    model = GDLogisticClassifier(alpha=1e-4, solver="auto").fit(X, y)
    assert model.n_iter_ < _fit._JACOBI_AFTER
    assert model.dual_gap_ <= 1e-4 * model.objective_
