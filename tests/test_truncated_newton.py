"""Truncated Newton (Newton-CG) after L-BFGS on wide smooth fits (sklinear._fit._full_batch).

Where ``solver='auto'`` runs L-BFGS with no Newton fallback (the Newton system wider than
``_NEWTON_MAX_ROWS``), a fit that L-BFGS leaves uncertified goes on by Newton-CG. The Newton
limits are lowered through the module constants so that small problems are "wide". The
references are independent of sklinear: scikit-learn's LogisticRegression (newton-cholesky)
and Ridge (cholesky) on the columns scaled as the penalty asks, with SPEC 1.1's alpha
correspondence (``C = 1 / (alpha n)``, Ridge's ``alpha n``), and J of SPEC 1.1 computed from
``coef_`` and ``intercept_`` (tests/_reference.py).
"""

import warnings

import numpy as np
import pytest
from _reference import assert_coef_close, assert_reaches_optimum, encode_targets, objective_J
from scipy.optimize import minimize
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

import sklinear._fit as fit_module
from sklinear import GDLinearRegressor, GDLogisticClassifier, PolyFeatures, SoftmaxClassifier

ALPHA = 1e-4
TOL = 1e-8


@pytest.fixture
def wide(monkeypatch):
    """Newton systems of more than 10 rows are "wide" (and beyond the late Newton's
    limit); L-BFGS is not rescaled by the Hessian's diagonal (it certifies some of these
    fits alone: test_rescaled_lbfgs.py); records the solver each full-batch fit ended
    with."""
    monkeypatch.setattr(fit_module, "rescaling_applies", lambda objective: False)
    monkeypatch.setattr(fit_module, "_NEWTON_MAX_ROWS", 10)
    monkeypatch.setattr(fit_module, "_NEWTON_SQUARED_MAX_ROWS", 10)
    monkeypatch.setattr(fit_module, "_NEWTON_LATE_MAX_ROWS", 10)
    used = []
    original = fit_module._full_batch

    def spy(*args, **kwargs):
        result, name = original(*args, **kwargs)
        used.append(name)
        return result, name

    monkeypatch.setattr(fit_module, "_full_batch", spy)
    return used


def polynomial_problem(kind, n=200, p=6, seed=0):
    """Degree-2 features (27 columns) of columns on scales from 0.1 to 10: correlated,
    ill-conditioned, as polynomial designs are."""
    scales = np.random.default_rng(seed).uniform(0.1, 10, p)
    if kind == "squared":
        X, y = make_regression(n_samples=n, n_features=p, noise=5.0, random_state=seed)
    else:
        classes = 2 if kind == "binary" else 3
        X, y = make_classification(
            n_samples=n, n_features=p, n_informative=p // 2, n_classes=classes, random_state=seed
        )
    return PolyFeatures(2).fit_transform(X * scales), y


def make_model(kind, **options):
    options = {"alpha": ALPHA, "tol": TOL, "scale_predictors": True, **options}
    if kind == "squared":
        return GDLinearRegressor(**options)
    return (GDLogisticClassifier if kind == "binary" else SoftmaxClassifier)(**options)


def penalty_scale(Z, scale_predictors):
    """The columns' standard deviations where the penalty is on ``coef * std``, else 1."""
    return Z.std(axis=0) if scale_predictors else np.ones(Z.shape[1])


def objective(kind, Z, y, coef, intercept, std):
    """SPEC 1.1's J with the penalty on ``coef * std``: J of the columns ``Z / std``."""
    loss = {"squared": "squared", "binary": "binomial", "multinomial": "multinomial"}[kind]
    Y = y if kind == "squared" else encode_targets(y, np.unique(y), loss)
    coef = np.asarray(coef) * std
    return objective_J(Z / std, Y, coef, intercept, loss=loss, alpha=ALPHA, l1_ratio=0.0)


def reference(kind, Z, y, scale_predictors):
    """scikit-learn's optimum of SPEC 1.1's J: coefficients in the user's columns."""
    n = Z.shape[0]
    std = penalty_scale(Z, scale_predictors)
    if kind == "squared":
        model = Ridge(alpha=ALPHA * n, solver="cholesky").fit(Z / std, y)
    else:
        model = LogisticRegression(
            C=1.0 / (ALPHA * n), solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(Z / std, y)
    return model.coef_ / std, model.intercept_


def fit(model, Z, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(Z, y)


@pytest.mark.parametrize(
    "kind, scale_predictors",
    [("binary", True), ("multinomial", True), ("squared", False)],
)
def test_a_wide_fit_that_lbfgs_leaves_uncertified_is_certified_by_newton_cg(
    wide, kind, scale_predictors
):
    """L-BFGS stalls at machine precision short of tol = 1e-8 (see the next test); Newton-CG
    goes on from there and certifies: no warning, the gap within tol |J|, J at
    scikit-learn's optimum to tol and the coefficients with it."""
    Z, y = polynomial_problem(kind)
    model = fit(make_model(kind, scale_predictors=scale_predictors), Z, y)
    assert wide == ["lbfgs+newton_cg"]
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    assert model.n_iter_ == len(model.loss_curve_) < model.max_iter
    coef, intercept = reference(kind, Z, y, scale_predictors)
    std = penalty_scale(Z, scale_predictors)
    J_ours = objective(kind, Z, y, model.coef_, model.intercept_, std)
    np.testing.assert_allclose(model.objective_, J_ours, rtol=1e-12)
    assert_reaches_optimum(J_ours, objective(kind, Z, y, coef, intercept, std), rtol=TOL)
    assert_coef_close(Z, model.coef_, coef, rtol=1e-5)


def test_a_wide_huber_fit_is_certified_by_newton_cg(wide, monkeypatch):
    """Huber's loss (no curvature in its linear zone: heavy-tailed noise puts rows there):
    L-BFGS stalls short of tol = 1e-10, Newton-CG certifies, at the optimum of SciPy's
    trust-region Newton (trust-exact) on J written out here with its gradient and
    generalised Hessian."""
    X, y = make_regression(n_samples=300, n_features=8, noise=5.0, random_state=0)
    Z = PolyFeatures(2).fit_transform(X * np.random.default_rng(0).uniform(0.1, 10, 8))
    y = y + 30 * np.random.default_rng(1).standard_t(1.5, size=300)
    epsilon, tol = 1.35, 1e-10
    model = fit(GDLinearRegressor(loss="huber", alpha=ALPHA, epsilon=epsilon, tol=tol), Z, y)
    assert wide == ["lbfgs+newton_cg"]
    assert model.dual_gap_ <= tol * model.objective_
    n, p = Z.shape
    A = np.column_stack([Z, np.ones(n)])
    ridge = ALPHA * np.diag(np.r_[np.ones(p), 0.0])

    def value_and_gradient(v):
        r = A @ v - y
        a = np.abs(r)
        data = np.mean(np.where(a <= epsilon, r**2 / 2, epsilon * a - epsilon**2 / 2))
        return data + v @ ridge @ v / 2, A.T @ np.clip(r, -epsilon, epsilon) / n + ridge @ v

    def hessian(v):
        inside = np.abs(A @ v - y) <= epsilon
        return A[inside].T @ A[inside] / n + ridge

    reference = minimize(
        value_and_gradient,
        np.zeros(p + 1),
        jac=True,
        hess=hessian,
        method="trust-exact",
        options={"gtol": 1e-12, "maxiter": 2000},
    )
    assert reference.success
    assert_reaches_optimum(model.objective_, reference.fun, rtol=tol)
    assert_coef_close(Z, model.coef_, reference.x[:p], rtol=1e-5)
    monkeypatch.setattr(fit_module, "newton_cg_applies", lambda objective: False)
    with pytest.warns(ConvergenceWarning, match="stopped at machine precision"):
        GDLinearRegressor(loss="huber", alpha=ALPHA, epsilon=epsilon, tol=tol).fit(Z, y)


@pytest.mark.parametrize(
    "kind, scale_predictors",
    [("binary", True), ("multinomial", True), ("squared", False)],
)
def test_without_newton_cg_lbfgs_stalls_on_those_fits(wide, monkeypatch, kind, scale_predictors):
    """The premise of the test above: with the fallback's condition broken, the same fits
    end where L-BFGS stalled, uncertified, with a ConvergenceWarning."""
    monkeypatch.setattr(fit_module, "newton_cg_applies", lambda objective: False)
    Z, y = polynomial_problem(kind)
    model = make_model(kind, scale_predictors=scale_predictors)
    with pytest.warns(ConvergenceWarning, match="stopped at machine precision"):
        model.fit(Z, y)
    assert wide == ["lbfgs"]
    assert model.dual_gap_ > TOL * abs(model.objective_)
    assert model.n_iter_ < model.max_iter


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_without_a_penalty_the_gradient_test_stays_relative_to_the_first_gradient(
    wide, monkeypatch, kind
):
    """No penalty, no gap: L-BFGS stalls short of the gradient test (the gradient within
    tol of the fit's first one); Newton-CG meets that same test (a test relative to the
    gradient where it took over would be 1e-4 times stricter) and the fit ends at
    scikit-learn's unpenalised optimum (overlapping classes: it exists)."""
    scales = np.random.default_rng(0).uniform(0.1, 10, 6)
    X, y = make_classification(
        n_samples=2000,
        n_features=6,
        n_informative=3,
        class_sep=0.3,
        n_classes=2 if kind == "binary" else 3,
        random_state=0,
    )
    Z = PolyFeatures(2).fit_transform(X * scales)
    model = fit(make_model(kind, penalty=None), Z, y)
    assert wide == ["lbfgs+newton_cg"] and model.dual_gap_ is None
    std = Z.std(axis=0)
    reference = LogisticRegression(C=np.inf, solver="newton-cg", tol=1e-12, max_iter=1000)
    reference.fit(Z / std, y)
    loss = "binomial" if kind == "binary" else "multinomial"
    Y = encode_targets(y, np.unique(y), loss)
    J_ref = objective_J(
        Z, Y, reference.coef_ / std, reference.intercept_, loss=loss, alpha=0.0, l1_ratio=0.0
    )
    J_ours = objective_J(Z, Y, model.coef_, model.intercept_, loss=loss, alpha=0.0, l1_ratio=0.0)
    assert_reaches_optimum(J_ours, J_ref, rtol=1e-10)
    assert_coef_close(Z, model.coef_, reference.coef_ / std, rtol=1e-4)
    monkeypatch.setattr(fit_module, "newton_cg_applies", lambda objective: False)
    with pytest.warns(ConvergenceWarning, match="stopped at machine precision"):
        make_model(kind, penalty=None).fit(Z, y)


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_fits_that_lbfgs_certifies_are_unchanged(wide, monkeypatch, kind):
    """At tol = 1e-4 L-BFGS certifies the same problems alone: the fit is L-BFGS's, pass
    for pass, whether Newton-CG could follow or not."""
    Z, y = polynomial_problem(kind)
    model = fit(make_model(kind, tol=1e-4), Z, y)
    assert wide == ["lbfgs"]
    monkeypatch.setattr(fit_module, "newton_cg_applies", lambda objective: False)
    alone = fit(make_model(kind, tol=1e-4), Z, y)
    np.testing.assert_array_equal(model.coef_, alone.coef_)
    np.testing.assert_array_equal(model.intercept_, alone.intercept_)
    assert model.loss_curve_ == alone.loss_curve_ and model.n_iter_ == alone.n_iter_


def test_newton_cg_s_products_are_held_to_the_iterations_left(wide, monkeypatch):
    """Each Hessian-vector product is a pass, as an L-BFGS iteration is: with three
    iterations left after L-BFGS stalls, Newton-CG makes three products (one direction, one
    Newton iteration) and the fit warns that max_iter ran out (not that it stalled)."""
    Z, y = polynomial_problem("binary")
    with monkeypatch.context() as patch:
        patch.setattr(fit_module, "newton_cg_applies", lambda objective: False)
        with pytest.warns(ConvergenceWarning):
            stalled = make_model("binary").fit(Z, y).n_iter_
    model = make_model("binary", max_iter=stalled + 3)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter"):
        model.fit(Z, y)
    assert wide[-1] == "lbfgs+newton_cg"
    assert model._solver_state["cg_steps"] == 3 and model.n_iter_ == stalled + 1


def test_newton_cg_is_preconditioned_by_the_hessian_diagonal(monkeypatch):
    """Digits' last 48 pixels, degree 2 of the raw values, 400 rows (1,224 columns, ten
    classes), softmax at alpha 1e-4 with scale_predictors=False: L-BFGS, rescaled, stalls
    short of the certificate and Newton-CG goes on. Its conjugate gradients, preconditioned
    by the Hessian's diagonal, certify the fit in under 100 products; plain ones spend the
    iterations left (over 500 products) and the fit warns."""
    from sklearn.datasets import load_digits

    from sklinear import _solvers

    X, y = load_digits(return_X_y=True)
    Z = PolyFeatures(2).fit_transform(X[:400, 16:])
    y = y[:400]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = SoftmaxClassifier(alpha=1e-4).fit(Z, y)
    assert 0 < model._solver_state["cg_steps"] < 100
    assert model.dual_gap_ <= 1e-4 * model.objective_
    plain = _solvers.newton_cg
    monkeypatch.setattr(
        _solvers, "newton_cg", lambda *args, diagonal=None, **kwargs: plain(*args, **kwargs)
    )
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        unpreconditioned = SoftmaxClassifier(alpha=1e-4).fit(Z, y)
    assert unpreconditioned._solver_state["cg_steps"] > 500
    assert model.objective_ <= unpreconditioned.objective_ * (1 + 1e-9)
