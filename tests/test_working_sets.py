"""Working sets for wide L1 / elastic-net fits (sklinear._fit._working_sets).

The references are independent of sklinear: scikit-learn's Lasso, ElasticNet and
LogisticRegression (saga) at tight tolerances with SPEC 1.1's alpha correspondences, J of
SPEC 1.1 computed here from coef_ and intercept_, and the columns' correlations with the
residual at the start computed here with NumPy. The Newton limit (1,500 rows) is lowered
through the module constant so that small problems are "wide".
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression

import sklinear._fit as fit_module
from sklinear import GDLinearRegressor, GDLogisticClassifier
from sklinear._objective import LinearObjective

TOL = 1e-4


def objective_j(loss, X, y, coef, intercept, alpha, l1_ratio):
    """J of SPEC 1.1 by the formula."""
    z = X @ np.ravel(coef) + float(np.ravel(intercept)[0])
    if loss == "squared":
        data = 0.5 * np.mean((y - z) ** 2)
    else:
        data = np.mean(np.logaddexp(0, z) - y * z)
    w = np.ravel(coef)
    return float(data + alpha * ((1 - l1_ratio) / 2 * w @ w + l1_ratio * np.sum(np.abs(w))))


def sparse_problem(n=150, p=300, support=6, seed=0, logistic=False):
    """Gaussian columns; the true support on the last columns (not the first ones the
    order of the columns would suggest)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = np.zeros(p)
    w[-support:] = rng.choice([-1.0, 1.0], support) * rng.uniform(1.0, 2.0, support)
    z = X @ w + 0.3
    if logistic:
        return X, (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, z + 0.5 * rng.normal(size=n)


@pytest.fixture
def narrow_newton(monkeypatch):
    """A Newton system of at most 100 rows (99 columns and the intercept); sets from 8."""
    monkeypatch.setattr(fit_module, "_NEWTON_MAX_ROWS", 100)
    monkeypatch.setattr(fit_module, "_WORKING_SET_START", 8)


@pytest.fixture
def rounds(monkeypatch):
    """Each working set's columns and the support at its round's start; the loop's results."""
    record = {"sets": [], "supports": [], "results": []}
    columns, loop = LinearObjective.columns, fit_module._working_sets
    distances = fit_module.dual_distances

    def recording_columns(self, features):
        record["sets"].append(np.array(features))
        return columns(self, features)

    def recording_distances(objective, theta):
        result = distances(objective, theta)
        record["supports"].append(np.flatnonzero(np.isneginf(result)))
        return result

    def recording_loop(*args, **kwargs):
        result = loop(*args, **kwargs)
        record["results"].append(result)
        return result

    monkeypatch.setattr(LinearObjective, "columns", recording_columns)
    monkeypatch.setattr(fit_module, "dual_distances", recording_distances)
    monkeypatch.setattr(fit_module, "_working_sets", recording_loop)
    return record


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("l1_ratio, reference", [(1.0, Lasso), (0.5, ElasticNet)])
def test_wide_regression_is_certified_and_matches_scikit_learn(
    narrow_newton, rounds, l1_ratio, reference
):
    X, y = sparse_problem()
    alpha = 0.2
    model = fit_quietly(
        GDLinearRegressor(penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio), X, y
    )
    (result,) = rounds["results"]
    assert result.converged  # the working sets certified it: no L-BFGS-B on all columns
    assert result.state["working_set_rounds"] >= 2
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    ratio = {} if reference is Lasso else {"l1_ratio": l1_ratio}
    peer = reference(alpha=alpha, tol=1e-14, max_iter=100_000, **ratio).fit(X, y)
    j = objective_j("squared", X, y, model.coef_, model.intercept_, alpha, l1_ratio)
    j_peer = objective_j("squared", X, y, peer.coef_, peer.intercept_, alpha, l1_ratio)
    assert j == pytest.approx(model.objective_, rel=1e-12)
    assert j <= j_peer + 1e-6 * TOL * abs(j_peer)
    np.testing.assert_allclose(model.coef_, peer.coef_, atol=1e-4)
    assert model.intercept_ == pytest.approx(peer.intercept_, abs=1e-4)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_wide_logistic_is_certified_and_matches_scikit_learn(narrow_newton, rounds, l1_ratio):
    X, y = sparse_problem(n=300, logistic=True, seed=1)
    n, alpha = X.shape[0], 0.06
    model = fit_quietly(
        GDLogisticClassifier(penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio), X, y
    )
    (result,) = rounds["results"]
    assert result.converged
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    peer = LogisticRegression(
        C=1 / (alpha * n), l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y)
    j = objective_j("logistic", X, y, model.coef_, model.intercept_, alpha, l1_ratio)
    j_peer = objective_j("logistic", X, y, peer.coef_, peer.intercept_, alpha, l1_ratio)
    assert j == pytest.approx(model.objective_, rel=1e-12)
    assert j <= j_peer + 1e-6 * TOL * abs(j_peer)
    np.testing.assert_allclose(model.coef_, peer.coef_, atol=1e-4)


def test_loss_curve_counts_the_subproblems_iterations(narrow_newton, rounds):
    """One entry per iteration, J of the whole problem: non-increasing, ending at
    objective_ (the subproblems' J is the whole problem's with zeros off the set)."""
    X, y = sparse_problem(n=300, logistic=True, seed=1)
    model = fit_quietly(GDLogisticClassifier(penalty="l1", alpha=0.06), X, y)
    assert len(model.loss_curve_) == model.n_iter_
    assert np.all(np.diff(model.loss_curve_) <= 1e-12 * abs(model.objective_))
    assert model.loss_curve_[-1] == pytest.approx(model.objective_, rel=1e-12)


def test_sets_hold_the_support_and_grow_with_it(narrow_newton, rounds):
    """Each set holds the support and is at least twice its size (and the start size)."""
    X, y = sparse_problem(p=400, support=15, seed=2)
    fit_quietly(GDLinearRegressor(penalty="l1", alpha=0.1), X, y)
    assert rounds["results"][0].converged
    assert len(rounds["sets"]) >= 2
    for features, support in zip(rounds["sets"], rounds["supports"], strict=False):
        assert np.all(np.isin(support, features))
        assert len(features) >= max(8, 2 * len(support))
    assert len(rounds["sets"][-1]) > len(rounds["sets"][0])


def test_first_set_holds_the_columns_nearest_their_constraint(narrow_newton, rounds):
    """From zero coefficients the dual point is the centred residual ``u = (y - ybar) / n``
    scaled by ``kappa = alpha / max_j |x_j^T u|``; the columns are ranked by the distance
    ``(alpha - kappa |x_j^T u|) / std_j`` (celer's): the first set is the 8 nearest."""
    X, y = sparse_problem(p=400, seed=3)
    alpha = 0.1
    fit_quietly(GDLinearRegressor(penalty="l1", alpha=alpha), X, y)
    correlation = np.abs((X - X.mean(axis=0)).T @ (y - y.mean())) / len(y)
    kappa = min(1.0, alpha / correlation.max())
    distance = (alpha - kappa * correlation) / X.std(axis=0)
    expected = np.sort(np.argsort(distance)[:8])
    np.testing.assert_array_equal(rounds["sets"][0], expected)
    # the order of the columns' correlations alone would pick other columns here
    assert set(np.argsort(-correlation)[:8]) != set(expected)


def test_stop_needs_the_whole_problems_gap(narrow_newton, rounds):
    """A loose tol (0.1): the first set's subproblem is certified at once, but columns left
    out break their conditions; the loop goes on until the whole gap is within tol |J| and
    no column left out breaks them, which puts J at the optimum (Lasso at 1e-14), not only
    within tol (stopped on the whole gap alone it ended 1.4e-5 above it)."""
    X, y = sparse_problem(p=400, support=12, seed=4)
    alpha = 0.1
    model = fit_quietly(GDLinearRegressor(penalty="l1", alpha=alpha, tol=0.1), X, y)
    assert rounds["results"][0].converged
    assert len(rounds["sets"]) >= 2
    assert model.dual_gap_ <= 0.1 * abs(model.objective_)
    peer = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    j = objective_j("squared", X, y, model.coef_, model.intercept_, alpha, 1.0)
    j_peer = objective_j("squared", X, y, peer.coef_, peer.intercept_, alpha, 1.0)
    assert j - j_peer <= 1e-6 * abs(j_peer)


def test_sets_wider_than_a_newton_system_hand_over_to_lbfgs(narrow_newton, rounds):
    """A support too large for a Newton system of the set: the loop gives up and L-BFGS-B
    on all columns certifies the fit."""
    X, y = sparse_problem(n=200, p=300, support=60, seed=5)
    alpha = 0.005
    model = fit_quietly(GDLinearRegressor(penalty="l1", alpha=alpha), X, y)
    (result,) = rounds["results"]
    assert not result.converged
    assert np.count_nonzero(model.coef_) > 30
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    assert len(model.loss_curve_) == model.n_iter_
    assert model.n_iter_ > result.n_iter  # the loop's iterations count in n_iter_


@pytest.mark.parametrize(
    "kwargs, wide, expected",
    [
        ({"penalty": "l1", "alpha": 0.05}, True, True),
        ({"penalty": "l1", "alpha": 0.05}, False, False),  # Newton on all columns
        ({"penalty": "l1", "alpha": 0.05, "solver": "gd"}, True, False),
        ({"penalty": "l2", "alpha": 0.05}, True, False),
        # an L2 part of alpha (1 - r) = 2 against unit variances: 2/3 of the curvature
        ({"penalty": "elasticnet", "alpha": 4.0, "l1_ratio": 0.5}, True, False),
        ({"penalty": "elasticnet", "alpha": 0.05, "l1_ratio": 0.5}, True, True),
    ],
)
def test_working_sets_apply_to_wide_weakly_ridged_l1_fits(monkeypatch, kwargs, wide, expected):
    if wide:
        monkeypatch.setattr(fit_module, "_NEWTON_MAX_ROWS", 60)
    seen = []
    original = fit_module._full_batch

    def full_batch(objective, theta0, solver, **options):
        seen.append(fit_module.working_set_applies(objective, solver))
        return original(objective, theta0, solver, **options)

    monkeypatch.setattr(fit_module, "_full_batch", full_batch)
    X, y = sparse_problem(n=100, p=120)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLinearRegressor(max_iter=5, **kwargs).fit(X, y)
    assert seen == [expected]


def test_polynomial_design_l1_fit_is_certified_by_working_sets():
    """Degree-3 features of the breast cancer data (5,455 columns, a Newton system of all of
    them far beyond 1,500 rows): L-BFGS-B on all columns ran its 1,000 iterations with the
    gap at 9e-4 |J|; the working sets certify in tens of iterations."""
    from sklearn.datasets import load_breast_cancer

    from sklinear.preprocessing import PolyFeatures

    X, y = load_breast_cancer(return_X_y=True)
    Z = PolyFeatures(degree=3).fit_transform(X)
    alpha = 1e-2
    model = fit_quietly(
        GDLogisticClassifier(penalty="l1", alpha=alpha, scale_predictors=True), Z, y
    )
    assert model.n_iter_ <= 50
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    std = Z.std(axis=0)
    j = objective_j("logistic", Z, y, model.coef_, model.intercept_, 0.0, 1.0)
    j += alpha * np.sum(np.abs(model.coef_ * std))
    assert j == pytest.approx(model.objective_, rel=1e-10)


def test_sets_double_after_a_round_that_did_not_halve_the_gap(narrow_newton, rounds, monkeypatch):
    """With every round counted as stalled (the gap must fall below 0 times the last), each
    set is twice the last (within the Newton limit of 99 columns)."""
    monkeypatch.setattr(fit_module, "_WORKING_SET_STALL", 0.0)
    X, y = sparse_problem(p=400, support=15, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    sizes = [len(features) for features in rounds["sets"]]
    assert len(sizes) >= 3
    for last, size in zip(sizes, sizes[1:], strict=False):
        assert size >= min(2 * last, 99)


def test_sparse_columns_give_the_dense_fit(narrow_newton, rounds):
    """CSR data: the subproblems copy sparse columns; the answer is the dense one."""
    import scipy.sparse as sp

    X, y = sparse_problem(seed=6)
    X[np.abs(X) < 0.5] = 0.0
    dense = fit_quietly(GDLinearRegressor(penalty="l1", alpha=0.1), X, y)
    sparse = fit_quietly(GDLinearRegressor(penalty="l1", alpha=0.1), sp.csr_matrix(X), y)
    assert all(result.converged for result in rounds["results"])
    assert len(rounds["results"]) == 2
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
    assert sparse.intercept_ == pytest.approx(dense.intercept_, abs=1e-8)


def test_softmax_working_sets_match_scikit_learn(monkeypatch, rounds):
    """Three classes: the Newton system has 3 rows per column (at most 300: 99 columns)."""
    from sklinear import SoftmaxClassifier

    monkeypatch.setattr(fit_module, "_NEWTON_MAX_ROWS", 300)
    monkeypatch.setattr(fit_module, "_WORKING_SET_START", 8)
    rng = np.random.default_rng(7)
    n, p = 300, 200
    X = rng.normal(size=(n, p))
    W = np.zeros((p, 3))
    W[-4:] = rng.normal(size=(4, 3)) * 2
    y = np.argmax(X @ W + rng.gumbel(size=(n, 3)), axis=1)
    alpha = 0.03
    model = fit_quietly(SoftmaxClassifier(penalty="l1", alpha=alpha), X, y)
    (result,) = rounds["results"]
    assert result.converged
    assert model.dual_gap_ <= TOL * abs(model.objective_)
    peer = LogisticRegression(
        C=1 / (alpha * n), l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y)

    def j(coef, intercept):
        z = X @ coef.T + intercept
        data = np.mean(np.logaddexp.reduce(z, axis=1) - z[np.arange(n), y])
        return data + alpha * np.sum(np.abs(coef))

    j_model, j_peer = j(model.coef_, model.intercept_), j(peer.coef_, peer.intercept_)
    assert j_model == pytest.approx(model.objective_, rel=1e-12)
    assert j_model <= j_peer + 1e-6 * TOL * abs(j_peer)
