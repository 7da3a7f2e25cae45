"""SoftmaxClassifier: multinomial LogisticRegression equivalence, temperature, sampling."""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import assert_coef_close, effective_weights, encode_targets, objective_J
from scipy.special import expit, log_softmax, logsumexp, softmax
from scipy.stats import chisquare
from sklearn.linear_model import LogisticRegression

from sklinear import GDLogisticClassifier, SoftmaxClassifier

TIGHT = dict(tol=1e-10, max_iter=100_000)
SCALES = np.array([1.0, 10.0, 100.0, 1e3, 1e4])


def make_multiclass(n_samples=300, n_classes=4, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5)) * SCALES
    X = np.column_stack([X, 300.0 + rng.normal(size=n_samples)])
    W = rng.normal(size=(6, n_classes)) / np.r_[SCALES, 1.0][:, None]
    Z = (X - X.mean(axis=0)) @ W * 2
    Z = Z - np.log(-np.log(rng.uniform(size=Z.shape)))  # Gumbel-max: a softmax draw
    labels = np.array(["ant", "bee", "cat", "dog", "eel"])[:n_classes]
    return X, labels[np.argmax(Z, axis=1)]


@pytest.mark.parametrize("solver", ["auto", "gd", "lbfgs"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "class_weight", [None, "balanced", {"ant": 2.0, "cat": 0.5}], ids=["none", "balanced", "dict"]
)
def test_matches_multinomial_logistic_regression(class_weight, weighted, solver):
    X, y = make_multiclass()
    sample_weight = np.random.default_rng(2).uniform(0.2, 3, size=len(y)) if weighted else None
    s = effective_weights(y, sample_weight, class_weight)
    alpha = 0.01
    reference = LogisticRegression(
        C=1 / (alpha * s.sum()),
        class_weight=class_weight,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
    ).fit(X, y, sample_weight=sample_weight)
    model = SoftmaxClassifier(alpha=alpha, class_weight=class_weight, solver=solver, **TIGHT)
    model.fit(X, y, sample_weight=sample_weight)
    classes = np.unique(y)

    def J(m):
        return objective_J(
            X,
            encode_targets(y, classes, "multinomial"),
            m.coef_,
            m.intercept_,
            loss="multinomial",
            alpha=alpha,
            l1_ratio=0.0,
            sample_weight=s,
        )

    J_ours, J_ref = J(model), J(reference)
    assert J_ours <= J_ref * (1 + 1e-7) and J_ours >= J_ref * (1 - 2e-7)
    assert model.coef_.shape == (4, X.shape[1]) and model.intercept_.shape == (4,)
    # L2 makes the coefficients unique (rows sum to zero); intercepts are unique up to a
    # constant, fixed by centring in both
    assert_coef_close(X, model.coef_, reference.coef_)
    np.testing.assert_allclose(
        model.intercept_ - model.intercept_.mean(),
        reference.intercept_ - reference.intercept_.mean(),
        rtol=1e-4,
        atol=1e-4,
    )
    # 'gd' may stop on its stall criterion (J flat to machine precision) with probabilities
    # ~1e-6 from the reference: J is what the contract fixes, so 1e-5 here
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-5)


# Stochastic solvers: objective within 1e-3 relative (mini-batch noise; 'adaptive' steps
# bring them to ~1e-5 here, a wrong objective is off by more than 1e-2).
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_within_tolerance(solver):
    X, y = make_multiclass(n_samples=1000)
    alpha = 0.01
    reference = LogisticRegression(C=1 / (alpha * len(y)), solver="newton-cholesky", tol=1e-12)
    reference.fit(X, y)
    model = SoftmaxClassifier(
        alpha=alpha,
        solver=solver,
        learning_rate="adaptive",
        eta0=0.01,
        tol=1e-6,
        max_iter=300,
        batch_size=32,
        random_state=0,
    ).fit(X, y)
    classes, s = np.unique(y), np.ones(len(y))

    def J(m):
        return objective_J(
            X,
            encode_targets(y, classes, "multinomial"),
            m.coef_,
            m.intercept_,
            loss="multinomial",
            alpha=alpha,
            l1_ratio=0.0,
            sample_weight=s,
        )

    assert J(model) <= J(reference) * (1 + 1e-3)


def test_binary_follows_sklearn_shapes_and_equals_logistic():
    X, y = make_multiclass(n_classes=2)
    alpha = 0.01
    model = SoftmaxClassifier(alpha=alpha, **TIGHT).fit(X, y)
    assert model.coef_.shape == (1, X.shape[1]) and model.intercept_.shape == (1,)
    assert model.decision_function(X).shape == (len(y),)
    reference = LogisticRegression(C=1 / (alpha * len(y)), solver="newton-cholesky", tol=1e-12)
    reference.fit(X, y)
    assert_coef_close(X, model.coef_, reference.coef_)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], expit(model.decision_function(X)), rtol=1e-12)
    logistic = GDLogisticClassifier(alpha=alpha, **TIGHT).fit(X, y)
    assert_coef_close(X, model.coef_, logistic.coef_, rtol=1e-6)


@pytest.fixture(scope="module")
def fitted():
    X, y = make_multiclass()
    return SoftmaxClassifier(alpha=0.01).fit(X, y), X


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
def test_predict_proba_is_softmax_of_scores_over_temperature(fitted, temperature):
    model, X = fitted
    model = SoftmaxClassifier(alpha=0.01, temperature=temperature).fit(X, _labels(model, X))
    z = model.decision_function(X)
    np.testing.assert_allclose(model.predict_proba(X), softmax(z / temperature, axis=1))
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_.T + model.intercept_)
    np.testing.assert_allclose(
        model.predict_log_proba(X), log_softmax(z / temperature, axis=1), atol=1e-10
    )


def _labels(model, X):
    return model.predict(X)


def test_predict_is_independent_of_temperature(fitted):
    model, X = fitted
    base = model.predict(X)
    for temperature in (0.05, 0.7, 3.0, 100.0):
        model.set_params(temperature=temperature)
        np.testing.assert_array_equal(model.predict(X), base)
        np.testing.assert_array_equal(
            model.classes_[np.argmax(model.predict_proba(X), axis=1)], base
        )
    model.set_params(temperature=1.0)


def test_restrict_distribution_spec_example():
    p = np.array([[0.3, 0.25, 0.2, 0.15, 0.1]])
    expected = [[0.3 / 0.75, 0.25 / 0.75, 0.2 / 0.75, 0.0, 0.0]]
    np.testing.assert_allclose(SoftmaxClassifier.restrict_distribution(p, top_k=3), expected)
    np.testing.assert_allclose(SoftmaxClassifier.restrict_distribution(p, top_p=0.7), expected)
    np.testing.assert_allclose(
        SoftmaxClassifier.restrict_distribution(p, top_k=3).round(4), [[0.4, 0.3333, 0.2667, 0, 0]]
    )
    # top_p reached exactly by the first two (0.55): the smallest such set has two classes
    np.testing.assert_allclose(
        SoftmaxClassifier.restrict_distribution(p, top_p=0.55),
        [[0.3 / 0.55, 0.25 / 0.55, 0, 0, 0]],
    )
    # order in the row does not matter
    shuffled = p[:, [3, 0, 4, 2, 1]]
    np.testing.assert_allclose(
        SoftmaxClassifier.restrict_distribution(shuffled, top_k=2),
        [[0, 0.3 / 0.55, 0, 0, 0.25 / 0.55]],
    )
    # top_p=1 and top_k >= K keep everything
    np.testing.assert_allclose(SoftmaxClassifier.restrict_distribution(p, top_p=1.0), p)
    np.testing.assert_allclose(SoftmaxClassifier.restrict_distribution(p, top_k=9), p)


def _kept_distribution(probability, top_k=None, top_p=None):
    """Top-k then top-p, by hand, for one row."""
    order = np.argsort(-probability, kind="stable")
    kept = np.zeros_like(probability)
    ranked = probability[order]
    if top_k is not None:
        ranked = np.where(np.arange(len(ranked)) < top_k, ranked, 0)
        ranked = ranked / ranked.sum()
    if top_p is not None:
        count = np.searchsorted(np.cumsum(ranked), top_p - 1e-12) + 1
        ranked = np.where(np.arange(len(ranked)) < count, ranked, 0)
        ranked = ranked / ranked.sum()
    kept[order] = ranked
    return kept


@pytest.mark.parametrize(
    "temperature, top_k, top_p",
    [
        (1.0, None, None),
        (2.0, None, None),
        (0.5, None, None),
        (1.0, 2, None),
        (1.0, None, 0.8),
        (1.5, 3, 0.9),
    ],
)
def test_sample_distribution_chi_square(fitted, temperature, top_k, top_p):
    model, X = fitted
    row = X[[int(np.argmax(model.predict_proba(X).max(axis=1) < 0.6))]]  # an uncertain row
    draws = 20_000
    rows = np.repeat(row, draws, axis=0)
    labels = model.sample(rows, temperature=temperature, top_k=top_k, top_p=top_p, random_state=0)
    probability = softmax(model.decision_function(row)[0] / temperature)
    expected = _kept_distribution(probability, top_k, top_p)
    counts = np.array([(labels == c).sum() for c in model.classes_])
    assert np.all(counts[expected == 0] == 0), "a class outside top-k / top-p was drawn"
    keep = expected > 0
    assert keep.sum() >= 2
    result = chisquare(counts[keep], expected[keep] * draws)
    assert result.pvalue > 1e-4, (counts, expected * draws)


def test_sample_is_reproducible_and_varies_by_row(fitted):
    model, X = fitted
    first = model.sample(X, random_state=3)
    np.testing.assert_array_equal(first, model.sample(X, random_state=3))
    assert set(first) <= set(model.classes_)
    assert first.shape == (X.shape[0],)


def test_top_k_one_and_temperature_zero_are_predict(fitted):
    model, X = fitted
    np.testing.assert_array_equal(model.sample(X, top_k=1, random_state=0), model.predict(X))
    np.testing.assert_array_equal(model.sample(X, temperature=0, random_state=0), model.predict(X))
    # a tiny temperature concentrates all mass on the argmax
    np.testing.assert_array_equal(
        model.sample(X, temperature=1e-6, random_state=0), model.predict(X)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"top_k": 0},
        {"top_k": -1},
        {"top_k": 1.5},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_p": -0.2},
        {"temperature": -1.0},
        {"temperature": "hot"},
    ],
)
def test_bad_sampling_arguments_raise(fitted, kwargs):
    model, X = fitted
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        model.sample(X[:3], **kwargs)


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_bad_temperature_parameter_raises_at_fit(temperature):
    X, y = make_multiclass(n_samples=30)
    model = SoftmaxClassifier(temperature=temperature)  # no validation in __init__
    with pytest.raises(ValueError, match="temperature"):
        model.fit(X, y)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix], ids=["csr", "csc"])
def test_sparse_equals_dense(fmt):
    X, y = make_multiclass()
    X[np.random.default_rng(7).uniform(size=X.shape) < 0.5] = 0
    dense = SoftmaxClassifier(alpha=0.01, **TIGHT).fit(X, y)
    sparse = SoftmaxClassifier(alpha=0.01, **TIGHT).fit(fmt(X), y)
    assert_coef_close(X, sparse.coef_, dense.coef_, rtol=1e-6)
    np.testing.assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X), atol=1e-7)
    np.testing.assert_array_equal(
        sparse.sample(fmt(X), random_state=1), dense.sample(X, random_state=1)
    )


# --- classes of zero total weight -----------------------------------------------------------


def _weightless_class_problem(seed=3):
    """Four classes; the sample weights of class 'cat' are all zero."""
    X, y = make_multiclass(n_samples=240, seed=seed)
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, size=len(y))
    weights[y == "cat"] = 0.0
    return X, y, weights


def _full_objective(model, X, y, weights, alpha):
    """J of the four-class problem at the model's coefficients, by hand: over the weighted
    rows (a zero-weight row of a class of score -inf contributes nothing), with the
    log-partition of all four classes (exp(-inf) = 0)."""
    rows = weights > 0
    Z = X[rows] @ model.coef_.T + model.intercept_
    label = np.searchsorted(model.classes_, y[rows])
    loss = logsumexp(Z, axis=1) - Z[np.arange(len(label)), label]
    s = weights[rows]
    return np.sum(s * loss) / np.sum(weights) + alpha / 2 * np.sum(model.coef_**2)


@pytest.mark.parametrize("how", ["sample_weight", "class_weight"])
def test_a_class_of_zero_total_weight_is_certified_at_its_limit(how, recwarn):
    """With an intercept, a class whose samples all weigh zero has no minimiser (its
    intercept runs to -inf). The fit leaves it out: its coefficients are 0, its intercept
    -inf, its probability exactly 0; the other classes equal scikit-learn's fit without
    its rows; dual_gap_ certifies the objective (no ConvergenceWarning)."""
    X, y, weights = _weightless_class_problem()
    alpha = 1e-2
    if how == "sample_weight":
        model = SoftmaxClassifier(alpha=alpha, tol=1e-8).fit(X, y, sample_weight=weights)
    else:
        weights = np.where(y == "cat", 0.0, 1.0)
        model = SoftmaxClassifier(alpha=alpha, tol=1e-8, class_weight={"cat": 0.0}).fit(X, y)
    assert not [w for w in recwarn if "converge" in str(w.message).lower()]
    cat = list(model.classes_).index("cat")
    others = [k for k in range(4) if k != cat]
    assert model.intercept_[cat] == -np.inf
    np.testing.assert_array_equal(model.coef_[cat], 0.0)
    assert np.all(np.isfinite(model.intercept_[others]))
    rows = y != "cat"
    reference = LogisticRegression(
        C=1 / (alpha * weights.sum()), solver="newton-cholesky", tol=1e-12, max_iter=1000
    )
    reference.fit(X[rows], y[rows], sample_weight=weights[rows])
    # the multinomial gauge: compare the centred rows and probabilities
    assert_coef_close(X, model.coef_[others], reference.coef_, rtol=1e-4)
    probability = model.predict_proba(X)
    np.testing.assert_array_equal(probability[:, cat], 0.0)
    np.testing.assert_allclose(probability[:, others], reference.predict_proba(X), atol=1e-6)
    assert np.all(model.predict(X) != "cat")
    assert np.all(model.predict_log_proba(X)[:, cat] == -np.inf)
    # the certificate bounds the distance to the infimum of the four-class problem, which
    # scikit-learn's three-class optimum (with 'cat' at its limit) attains
    limit = SimpleNamespace(
        classes_=model.classes_,
        coef_=np.insert(reference.coef_, cat, 0.0, axis=0),
        intercept_=np.insert(reference.intercept_, cat, -np.inf),
    )
    J, J_reference = (_full_objective(m, X, y, weights, alpha) for m in (model, limit))
    np.testing.assert_allclose(model.objective_, J, rtol=1e-12)
    assert abs(J - J_reference) <= 1e-9 * J
    assert J - J_reference <= model.dual_gap_ <= 1e-8 * model.objective_


def test_one_class_left_predicts_it_with_probability_one():
    X, y, _ = _weightless_class_problem()
    weights = (y == "bee").astype(float)
    model = SoftmaxClassifier(alpha=1e-2).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(model.predict(X), "bee")
    np.testing.assert_array_equal(model.predict_proba(X)[:, 1], 1.0)
    assert model.dual_gap_ == 0.0 and model.objective_ == 0.0


@pytest.mark.parametrize(
    "params",
    [{"fit_intercept": False}, {"solver": "sgd", "max_iter": 5, "random_state": 0}],
    ids=["no-intercept", "sgd"],
)
def test_every_class_is_fitted_without_intercept_or_certificate(params, recwarn):
    """Without an intercept the objective has a minimiser (finite coefficients, certified);
    the stochastic solvers have no certificate to repair: every class is fitted."""
    X, y, weights = _weightless_class_problem()
    X = X - X.mean(axis=0)
    model = SoftmaxClassifier(alpha=1e-2, **params).fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    if "solver" not in params:
        assert model.dual_gap_ <= 1e-4 * model.objective_
        assert np.any(model.coef_[2] != 0)  # 'cat' fitted: pushed away from the rows


def test_warm_start_and_partial_fit_after_leaving_a_class_out():
    """A warm start keeps the fitted classes' coefficients and starts a class that comes
    back (weights now positive) afresh; partial_fit refits every class from the start."""
    X, y, weights = _weightless_class_problem()
    model = SoftmaxClassifier(alpha=1e-2, warm_start=True, tol=1e-8)
    model.fit(X, y, sample_weight=weights)
    first = model.n_iter_
    model.fit(X, y, sample_weight=weights)  # same problem: starts at its optimum
    assert model.n_iter_ < first
    model.fit(X, y)  # 'cat' weighs again: a finite fit equal to the cold one
    cold = SoftmaxClassifier(alpha=1e-2, tol=1e-8).fit(X, y)
    assert np.all(np.isfinite(model.intercept_))
    assert_coef_close(X, model.coef_, cold.coef_, rtol=1e-5)

    left_out = SoftmaxClassifier(alpha=1e-2).fit(X, y, sample_weight=weights)
    left_out.set_params(solver="sgd", random_state=0)
    left_out.partial_fit(X, y)
    assert np.all(np.isfinite(left_out.coef_)) and np.all(np.isfinite(left_out.intercept_))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_separable_classes_at_a_huge_feature_scale_fit(recwarn):
    # Newton drove the objective to 1e-180 and handed over to L-BFGS, whose gradient scaled
    # by that objective overflowed: "The objective became non-finite" for finite X of 1e90.
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    model = SoftmaxClassifier(solver="newton").fit(X * 1e90, y)
    np.testing.assert_array_equal(model.predict(X * 1e90), y)
