"""Warm-started paths precondition L-BFGS with one kept Hessian (sklinear._fit.CurvatureMemory).

The rules: where ``solver='auto'`` runs L-BFGS with a Newton fallback, an estimator with
``warm_start=True`` takes the data term's Hessian once, on every k-th row, at the start of
its first fit, and every later fit on the same data runs L-BFGS preconditioned by it; new
data takes a new Hessian; a Newton fallback's Hessian replaces the kept one; a fit without
``warm_start`` is not preconditioned. The fits stay
certified optima: the references are scikit-learn's LogisticRegression on standardised
columns and the Hessian written out with NumPy.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import objective_J
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sklinear._fit as fit_module
from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier, _solvers
from sklinear._objective import LinearObjective

ALPHAS = [1e-1, 1e-2, 1e-3]


@pytest.fixture
def fallback(monkeypatch):
    """Every problem in the regime of L-BFGS with a Newton fallback (not cheap for Newton)."""
    monkeypatch.setattr(fit_module, "_NEWTON_CHEAP_FLOPS", 0)


@pytest.fixture
def hessians(monkeypatch):
    """The row count of every Hessian evaluation, in order."""
    seen = []
    original = LinearObjective.value_gradient_hessian

    def recording(self, theta):
        seen.append(self.n_samples)
        return original(self, theta)

    monkeypatch.setattr(LinearObjective, "value_gradient_hessian", recording)
    return seen


@pytest.fixture
def preconditioned(monkeypatch):
    """Whether each L-BFGS run got a preconditioner, in order."""
    seen = []
    original = _solvers.lbfgs

    def recording(*args, preconditioner=None, **kwargs):
        seen.append(preconditioner is not None)
        return original(*args, preconditioner=preconditioner, **kwargs)

    monkeypatch.setattr(_solvers, "lbfgs", recording)
    return seen


def polynomial_classes(n=600, k=2, seed=0):
    """Correlated columns on scales 1e-2..1e3 and their squares: ill-conditioned."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 4)) @ rng.normal(size=(4, 4))
    X = np.column_stack([base, base**2, base[:, :1] * base[:, 1:]]) * np.geomspace(1e-2, 1e3, 11)
    scores = base @ rng.normal(size=(4, k)) + 0.3 * base**2 @ rng.normal(size=(4, k))
    if k == 2:
        return X, (scores[:, 0] - scores[:, 1] + rng.logistic(size=n) > 0).astype(int)
    return X, np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)


def reference_objective(X, y, alpha, classes=None):
    """J* of each one-vs-rest problem with the penalty on standardised coefficients."""
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    targets = [y] if classes is None else [(y == c).astype(int) for c in classes]
    values = []
    for target in targets:
        model = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000)
        model.fit(Xs, target)
        J = objective_J(Xs, target, model.coef_, model.intercept_, loss="binomial",
                        alpha=alpha, l1_ratio=0.0)  # fmt: skip
        values.append(J)
    return np.array(values)


def model_objective(model, X, y, alpha):
    std = X.std(axis=0)
    coef = np.atleast_2d(model.coef_) * std
    intercept = np.atleast_1d(model.intercept_) + np.atleast_2d(model.coef_) @ X.mean(axis=0)
    targets = [y] if len(model.classes_) == 2 else [(y == c).astype(int) for c in model.classes_]
    Xs = (X - X.mean(axis=0)) / std
    return np.array([
        objective_J(Xs, t, c, b, loss="binomial", alpha=alpha, l1_ratio=0.0)
        for t, c, b in zip(targets, coef, intercept, strict=True)
    ])  # fmt: skip


@pytest.mark.parametrize("k", [2, 3])
def test_a_warm_path_takes_one_hessian_and_every_fit_is_certified(
    fallback, hessians, preconditioned, k
):
    X, y = polynomial_classes(k=k)
    model = GDLogisticClassifier(scale_predictors=True, warm_start=True)
    for alpha in ALPHAS:
        model.set_params(alpha=alpha).fit(X, y)
        classes = None if k == 2 else model.classes_
        reference = reference_objective(X, y, alpha, classes)
        # J - J* <= gap <= tol |J| for the problem as a whole (the outputs' sum)
        error = model_objective(model, X, y, alpha).sum() - reference.sum()
        assert -1e-9 <= error <= model.dual_gap_ * (1 + 1e-6) + 1e-12
        assert model.dual_gap_ <= 1e-4 * abs(model.objective_)
    # one Hessian, at the start of the first fit, on every 3rd row: 600 // (16 * 12) = 3
    assert hessians == [200]
    assert preconditioned == [True, True, True]


def test_the_kept_hessian_is_the_data_terms_on_every_kth_row(fallback):
    """At the first fit's start (zero coefficients, the intercept at the class share) the
    Hessian of the mean log-loss in (w, c), scores (x - m) w + c, is p (1 - p) times the
    Gram matrix of the centred rows, here of rows 0, 3, 6, ...; m the mean of every row."""
    X, y = polynomial_classes()
    model = GDLogisticClassifier(alpha=1e-2, warm_start=True).fit(X, y)
    share = y.mean()
    rows = np.column_stack([X[::3] - X.mean(axis=0), np.ones(len(X[::3]))])
    expected = share * (1 - share) * rows.T @ rows / len(rows)
    kept = model._curvature.curvature.blocks
    assert kept.shape == (1, 12, 12)
    np.testing.assert_allclose(kept[0], expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())


def test_rows_whose_weights_are_all_zero_give_the_hessian_of_every_row(fallback, hessians):
    """Every 3rd row weighs 0 here: the Hessian is then taken on every row, and the fit
    is the weighted optimum (the reference: LogisticRegression on the weighted rows)."""
    X, y = polynomial_classes()
    weights = np.ones(len(y))
    weights[::3] = 0.0
    alpha = 1e-2
    model = GDLogisticClassifier(alpha=alpha, scale_predictors=True, warm_start=True)
    model.fit(X, y, sample_weight=weights)
    assert hessians[0] == 600
    kept = weights > 0
    mean, std = X[kept].mean(axis=0), X[kept].std(axis=0)
    Xs = (X[kept] - mean) / std
    reference = LogisticRegression(C=1 / (alpha * kept.sum()), tol=1e-12, max_iter=10_000)
    reference.fit(Xs, y[kept])
    j_star = objective_J(Xs, y[kept], reference.coef_, reference.intercept_,
                         loss="binomial", alpha=alpha, l1_ratio=0.0)  # fmt: skip
    j_model = objective_J(Xs, y[kept], model.coef_ * std, model.intercept_ + model.coef_ @ mean,
                          loss="binomial", alpha=alpha, l1_ratio=0.0)  # fmt: skip
    assert j_model - j_star <= model.dual_gap_ + 1e-12
    assert model.dual_gap_ <= 1e-4 * abs(model.objective_)


def test_the_preconditioner_is_the_hessian_in_each_alphas_coordinates(fallback):
    """The coordinates v = w * s with s = sqrt(var + alpha var) (scale_predictors): the
    factor L of the next alpha's preconditioner has L L^T = S^-1 H S^-1 + diag(alpha var /
    s^2, 0)."""
    X, y = polynomial_classes()
    model = GDLogisticClassifier(alpha=1e-1, scale_predictors=True, warm_start=True).fit(X, y)
    kept = model._curvature.curvature
    alpha = 1e-3
    model.set_params(alpha=alpha)
    objective = model._make_objective(X, model._encode_target(y, fitting=False) * 1.0, None)
    variance = X.var(axis=0)
    scale = np.r_[np.sqrt(variance * (1 + alpha)), 1.0]
    penalty = np.r_[alpha * variance / scale[:-1] ** 2, 0.0]
    expected = kept.blocks[0] / np.outer(scale, scale) + np.diag(penalty)
    (factor,) = kept.preconditioner(objective).factors
    np.testing.assert_allclose(factor @ factor.T, expected, rtol=1e-8, atol=1e-13)


def test_new_data_takes_a_new_hessian(fallback, hessians):
    X, y = polynomial_classes()
    other_X, other_y = polynomial_classes(seed=1)
    model = GDLogisticClassifier(alpha=1e-2, warm_start=True)
    model.fit(X, y)
    model.fit(X, y)
    assert len(hessians) == 1
    model.fit(other_X, other_y)
    assert len(hessians) == 2
    model.fit(X[:-1], y[:-1])  # one row fewer: other moments
    assert len(hessians) == 3
    assert model.dual_gap_ <= 1e-4 * abs(model.objective_)


def test_explicit_lbfgs_is_not_preconditioned(fallback, hessians, preconditioned):
    X, y = polynomial_classes()
    model = GDLogisticClassifier(alpha=1e-1, scale_predictors=True, solver="lbfgs")
    model.set_params(warm_start=True).fit(X, y)
    model.set_params(alpha=1e-2).fit(X, y)
    assert preconditioned == [False, False] and hessians == []
    reference = reference_objective(X, y, 1e-2)
    assert model_objective(model, X, y, 1e-2).sum() - reference.sum() <= model.dual_gap_ + 1e-12


def test_a_cold_fit_is_not_preconditioned(fallback, hessians, preconditioned):
    """Without warm_start a fit runs plain L-BFGS (the iterations every data layer runs:
    a Dask fit equals the in-memory one) and keeps nothing."""
    X, y = polynomial_classes()
    model = GDLogisticClassifier(alpha=1e-1, scale_predictors=True)
    model.fit(X, y)
    model.set_params(alpha=1e-2).fit(X, y)
    assert preconditioned == [False, False]
    assert 200 not in hessians  # a Newton fallback's Hessians are of every row
    assert getattr(model, "_curvature", None) is None
    reference = reference_objective(X, y, 1e-2)
    assert model_objective(model, X, y, 1e-2).sum() - reference.sum() <= model.dual_gap_ + 1e-12


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 iterations
def test_the_softmax_loss_is_not_preconditioned(fallback, preconditioned):
    X, y = polynomial_classes(k=3)
    SoftmaxClassifier(alpha=1e-2, warm_start=True, max_iter=5).fit(X, y)
    assert preconditioned and not any(preconditioned)


def test_a_newton_fallback_replaces_the_kept_hessian(fallback, hessians, monkeypatch):
    """Preconditioned L-BFGS out of its budget: Newton finishes from there, and the last
    Hessian it computed (of every row, near the optimum) is kept for the next fit."""
    monkeypatch.setattr(fit_module, "_FALLBACK_ITERATIONS", 1)
    X, y = polynomial_classes()
    model = GDLogisticClassifier(alpha=1e-2, warm_start=True, tol=1e-12).fit(X, y)
    assert hessians[0] == 200 and len(hessians) >= 2 and set(hessians[1:]) == {600}
    # the kept Hessian is the data term's at (nearly) the returned coefficients
    probability = model.predict_proba(X)[:, 1]
    rows = np.column_stack([X - X.mean(axis=0), np.ones(len(X))])
    expected = rows.T @ (rows * (probability * (1 - probability))[:, None]) / len(X)
    kept = model._curvature.curvature.blocks[0]
    np.testing.assert_allclose(kept, expected, rtol=1e-4, atol=1e-8 * np.abs(expected).max())
    assert model.dual_gap_ <= 1e-12 * abs(model.objective_)


def huber_optimum(X, y, alpha, fit_intercept, epsilon=1.35):
    """min over (w, b) of the mean Huber loss + alpha / 2 ||w * std||^2, by SciPy's L-BFGS
    on b = w * std (columns divided by their std, not centred)."""
    from scipy.optimize import minimize

    Xs = X / X.std(axis=0)
    n, p = Xs.shape

    def value_and_gradient(theta):
        beta, b = theta[:p], (theta[p] if fit_intercept else 0.0)
        r = y - Xs @ beta - b
        small = np.abs(r) <= epsilon
        value = np.where(small, r**2 / 2, epsilon * np.abs(r) - epsilon**2 / 2).mean()
        slope = np.where(small, r, epsilon * np.sign(r))  # -dL/dz
        gradient = np.r_[-Xs.T @ slope / n + alpha * beta, -slope.mean()][: p + fit_intercept]
        return value + alpha / 2 * beta @ beta, gradient

    theta0 = np.zeros(p + int(fit_intercept))
    result = minimize(value_and_gradient, theta0, jac=True, method="L-BFGS-B",
                      options={"maxiter": 100_000, "gtol": 1e-13, "ftol": 0.0})  # fmt: skip
    return result.fun


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_huber_paths_are_certified_on_sparse_data_and_without_intercept(
    fallback, preconditioned, hessians, fit_intercept, sparse
):
    """The Huber loss's paths (sparse X: the Hessian of every row, no strided view)."""
    rng = np.random.default_rng(0)
    X, _ = polynomial_classes()
    y = (X / X.std(axis=0)) @ rng.normal(size=X.shape[1]) + rng.normal(size=len(X)) + 3.0
    data = sp.csr_matrix(X) if sparse else X
    model = GDLinearRegressor(loss="huber", warm_start=True, scale_predictors=True,
                              fit_intercept=fit_intercept)  # fmt: skip
    for alpha in ALPHAS:
        model.set_params(alpha=alpha).fit(data, y)
        assert model.dual_gap_ <= 1e-4 * abs(model.objective_)
        j_star = huber_optimum(X, y, alpha, fit_intercept)
        penalty = alpha / 2 * np.sum((model.coef_ * X.std(axis=0)) ** 2)
        loss = objective_J(X, y, model.coef_, model.intercept_, loss="huber", alpha=0.0,
                           l1_ratio=0.0)  # fmt: skip
        j_model = loss + penalty
        assert j_star * (1 - 1e-9) <= j_model <= j_star + model.dual_gap_ * (1 + 1e-6)
    assert preconditioned == [True, True, True]
    assert hessians[0] == (600 if sparse else 200)


def test_curvature_step_keeps_about_16_rows_per_hessian_row():
    class Loss:
        hessian_layout = "shared"

    class Objective:
        loss, n_rows, n_outputs = Loss(), 741, 1

    objective = Objective()
    for n_samples, expected in [(40_000, 3), (160_000, 13), (10_000, 1), (5, 1)]:
        objective.n_samples = n_samples
        assert fit_module.curvature_step(objective) == expected
