"""GDLogisticClassifier: binary against LogisticRegression, one-vs-rest, multilabel, threshold.

The objective J of SPEC 1.1 is computed here from ``coef_`` / ``intercept_``, independently of
sklinear: s = sample_weight * class_weight[y], J = (1 / sum s) sum_i s_i sum_k
log(1 + exp(-t_ik z_ik)) + alpha R(w), with t in {-1, +1}.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import (
    assert_coef_close,
    assert_reaches_optimum,
    effective_weights,
    objective_J,
)
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TunedThresholdClassifierCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.class_weight import compute_sample_weight

from sklinear import GDLogisticClassifier, SoftmaxClassifier

TIGHT = dict(tol=1e-10, max_iter=100_000)
SCALES = np.array([1.0, 10.0, 100.0, 1e3, 1e4])


def make_features(n_samples, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5)) * SCALES
    return np.column_stack([X, 300.0 + rng.normal(size=n_samples)]), rng


def make_binary(n_samples=300, seed=0, labels=("neg", "pos")):
    X, rng = make_features(n_samples, seed)
    w = rng.normal(size=6) / np.r_[SCALES, 1.0]
    z = (X - X.mean(axis=0)) @ w * 1.5 + 0.3
    y = np.where(rng.uniform(size=n_samples) < expit(z), labels[1], labels[0])
    return X, y


def make_multiclass(n_samples=300, n_classes=3, seed=1):
    X, rng = make_features(n_samples, seed)
    W = rng.normal(size=(6, n_classes)) / np.r_[SCALES, 1.0][:, None]
    Z = (X - X.mean(axis=0)) @ W * 2
    Z = Z - np.log(-np.log(rng.uniform(size=Z.shape)))  # Gumbel: a softmax draw
    return X, np.argmax(Z, axis=1)


CLASS_WEIGHTS = [None, "balanced", {"neg": 1.0, "pos": 3.0}]


@pytest.mark.parametrize("solver", ["auto", "gd", "lbfgs"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("class_weight", CLASS_WEIGHTS, ids=["none", "balanced", "dict"])
def test_binary_matches_logistic_regression(class_weight, weighted, solver):
    X, y = make_binary()
    sample_weight = np.random.default_rng(2).uniform(0.2, 3, size=len(y)) if weighted else None
    s = effective_weights(y, sample_weight, class_weight)
    alpha = 0.01
    # LogisticRegression's C scaling uses the class-weighted sum of the sample weights
    reference = LogisticRegression(
        C=1 / (alpha * s.sum()),
        class_weight=class_weight,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
    ).fit(X, y, sample_weight=sample_weight)
    model = GDLogisticClassifier(alpha=alpha, class_weight=class_weight, solver=solver, **TIGHT)
    model.fit(X, y, sample_weight=sample_weight)
    T = (y == "pos").astype(float)[:, None]

    def J(m):
        return objective_J(
            X,
            T,
            m.coef_,
            m.intercept_,
            loss="binomial",
            alpha=alpha,
            l1_ratio=0.0,
            sample_weight=s,
        )

    assert_reaches_optimum(J(model), J(reference))
    assert_coef_close(X, model.coef_, reference.coef_)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.classes_, ["neg", "pos"])
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def _kkt_violation(X, T, coef, intercept, alpha, l1_ratio, s):
    """Largest violation of the optimality conditions of J (subgradient of the L1 part),
    in standardised units: the gradient with respect to ``v = w * std`` of centred columns
    (at the optimum the intercept's gradient, sum of residuals, is zero, so centring does
    not change the conditions; it keeps an offset column from amplifying that residual)."""
    Z = X @ np.atleast_2d(coef).T + intercept
    residual = (expit(Z) - T) * s[:, None] / s.sum()
    std = X.std(axis=0)
    grad = residual.T @ (X - X.mean(axis=0)) + alpha * (1 - l1_ratio) * coef
    l1 = alpha * l1_ratio
    violation = np.where(
        coef != 0, np.abs(grad + l1 * np.sign(coef)), np.maximum(np.abs(grad) - l1, 0)
    )
    return max(np.max(violation / std), np.max(np.abs(residual.sum(axis=0))))


@pytest.mark.parametrize(
    "penalty, l1_ratio, solver, noise_column",
    [
        ("l1", 1.0, "auto", False),
        ("l1", 1.0, "auto", True),
        ("l1", 1.0, "gd", False),
        ("l1", 1.0, "gd", True),
        ("elasticnet", 0.5, "auto", False),
        ("elasticnet", 0.5, "auto", True),
        ("elasticnet", 0.5, "gd", False),
        ("elasticnet", 0.5, "gd", True),
    ],
)
def test_l1_penalties_satisfy_optimality_conditions(penalty, l1_ratio, solver, noise_column):
    """No sklearn reference converges tightly on unscaled features with L1, so the optimum is
    checked by its optimality (KKT) conditions, computed here by hand."""
    X, y = make_binary()
    if noise_column:
        X = np.column_stack([X, np.random.default_rng(9).normal(size=len(y))])
    s = np.random.default_rng(3).uniform(0.2, 3, size=len(y))
    alpha = 0.02
    model = GDLogisticClassifier(
        penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, solver=solver, **TIGHT
    )
    model.fit(X, y, sample_weight=s)
    T = (y == "pos").astype(float)[:, None]
    assert _kkt_violation(X, T, model.coef_, model.intercept_, alpha, l1_ratio, s) < 1e-6


# Stochastic solvers: the objective within 1e-3 relative of the optimum (mini-batch noise;
# with learning_rate='adaptive' they reach ~1e-5 here, a wrong objective is off by >1e-2).
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_binary_stochastic_solvers_within_tolerance(solver, class_weight):
    X, y = make_binary(n_samples=1000)
    s = effective_weights(y, None, class_weight)
    alpha = 0.01
    reference = LogisticRegression(
        C=1 / (alpha * s.sum()), class_weight=class_weight, solver="newton-cholesky", tol=1e-12
    ).fit(X, y)
    model = GDLogisticClassifier(
        alpha=alpha,
        class_weight=class_weight,
        solver=solver,
        learning_rate="adaptive",
        eta0=0.01,
        tol=1e-6,
        max_iter=300,
        batch_size=32,
        random_state=0,
    ).fit(X, y)
    T = (y == "pos").astype(float)[:, None]

    def J(m):
        return objective_J(
            X,
            T,
            m.coef_,
            m.intercept_,
            loss="binomial",
            alpha=alpha,
            l1_ratio=0.0,
            sample_weight=s,
        )

    assert J(model) <= J(reference) * (1 + 1e-3)


@pytest.mark.parametrize("solver", ["auto", "gd"])
@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 2.0, 2: 0.5}])
def test_one_vs_rest_equals_separate_binary_fits(solver, class_weight):
    """The OvR problem is separable across classes: one binary fit per class, with the same
    per-sample weights, has the same optimum."""
    X, y = make_multiclass()
    sample_weight = np.random.default_rng(4).uniform(0.2, 3, size=len(y))
    model = GDLogisticClassifier(alpha=0.01, class_weight=class_weight, solver=solver, **TIGHT)
    model.fit(X, y, sample_weight=sample_weight)
    assert model.coef_.shape == (3, X.shape[1]) and model.intercept_.shape == (3,)
    s = effective_weights(y, sample_weight, class_weight)
    for k in range(3):
        binary = GDLogisticClassifier(alpha=0.01, solver=solver, **TIGHT)
        binary.fit(X, (y == k).astype(int), sample_weight=s)
        assert_coef_close(X, model.coef_[k], binary.coef_[0], rtol=1e-5)
        np.testing.assert_allclose(model.intercept_[k], binary.intercept_[0], rtol=1e-5, atol=1e-6)


def test_one_vs_rest_matches_sklearn_one_vs_rest():
    X, y = make_multiclass()
    alpha = 0.01
    reference = OneVsRestClassifier(
        LogisticRegression(C=1 / (alpha * len(y)), solver="newton-cholesky", tol=1e-12)
    ).fit(X, y)
    model = GDLogisticClassifier(alpha=alpha, **TIGHT).fit(X, y)
    coef_ref = np.vstack([e.coef_ for e in reference.estimators_])
    assert_coef_close(X, model.coef_, coef_ref)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    # OvR probabilities: the sigmoids normalised to sum to one
    sigmoid = expit(model.decision_function(X))
    np.testing.assert_allclose(
        model.predict_proba(X), sigmoid / sigmoid.sum(axis=1, keepdims=True)
    )


def make_multilabel(n_samples=300, n_labels=3, seed=5):
    X, rng = make_features(n_samples, seed)
    W = rng.normal(size=(6, n_labels)) / np.r_[SCALES, 1.0][:, None]
    Z = (X - X.mean(axis=0)) @ W * 1.5
    return X, (rng.uniform(size=Z.shape) < expit(Z)).astype(int)


@pytest.mark.parametrize("solver", ["auto", "gd"])
def test_multilabel_equals_separate_fits(solver):
    X, Y = make_multilabel()
    s = np.random.default_rng(6).uniform(0.2, 3, size=len(Y))
    model = GDLogisticClassifier(alpha=0.01, solver=solver, threshold=0.4, **TIGHT)
    model.fit(X, Y, sample_weight=s)
    assert model.coef_.shape == (3, X.shape[1]) and model.intercept_.shape == (3,)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    for k in range(3):
        single = GDLogisticClassifier(alpha=0.01, solver=solver, **TIGHT)
        single.fit(X, Y[:, k], sample_weight=s)
        assert_coef_close(X, model.coef_[k], single.coef_[0], rtol=1e-5)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba, expit(X @ model.coef_.T + model.intercept_), rtol=1e-10)
    np.testing.assert_array_equal(model.predict(X), (proba >= 0.4).astype(int))
    assert model.predict(X).shape == Y.shape


def test_multilabel_matches_independent_logistic_regressions():
    X, Y = make_multilabel()
    alpha = 0.01
    model = GDLogisticClassifier(alpha=alpha, **TIGHT).fit(X, Y)
    for k in range(Y.shape[1]):
        ref = LogisticRegression(C=1 / (alpha * len(Y)), solver="newton-cholesky", tol=1e-12)
        ref.fit(X, Y[:, k])
        assert_coef_close(X, model.coef_[k], ref.coef_[0])


def test_multilabel_takes_a_sparse_indicator_matrix():
    """A SciPy sparse 0/1 indicator y (MultiLabelBinarizer(sparse_output=True)), which
    scikit-learn's multilabel classifiers take, failed as 'Unknown label type: unknown'."""
    X, Y = make_multilabel(n_samples=100)
    alpha = 0.01
    model = GDLogisticClassifier(alpha=alpha, **TIGHT).fit(X, sp.csr_matrix(Y))
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    for k in range(Y.shape[1]):
        ref = LogisticRegression(C=1 / (alpha * len(Y)), solver="newton-cholesky", tol=1e-12)
        assert_coef_close(X, model.coef_[k], ref.fit(X, Y[:, k]).coef_[0])


def test_binary_shapes():
    X, y = make_binary()
    model = GDLogisticClassifier().fit(X, y)
    assert model.coef_.shape == (1, X.shape[1]) and model.intercept_.shape == (1,)
    assert model.decision_function(X).shape == (len(y),)
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba[:, 1], expit(model.decision_function(X)))
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba))


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
def test_threshold_is_applied_to_the_probability(threshold):
    X, y = make_binary()
    model = GDLogisticClassifier(threshold=threshold).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(model.predict(X), np.where(p >= threshold, "pos", "neg"))


def test_threshold_is_inclusive():
    X, y = make_binary()
    model = GDLogisticClassifier().fit(X, y)
    p = model.predict_proba(X)[:, 1]
    chosen = np.sort(p)[len(p) // 3]
    model.set_params(threshold=float(chosen))
    predicted = model.predict(X)
    assert np.all(predicted[p == chosen] == "pos")
    assert np.all(predicted[p < chosen] == "neg")


def test_works_in_tuned_threshold_classifier_cv():
    X, y = make_binary(labels=(0, 1))
    tuned = TunedThresholdClassifierCV(
        GDLogisticClassifier(alpha=0.01), scoring="balanced_accuracy", cv=3
    ).fit(X, y)
    assert 0 < tuned.best_threshold_ < 1
    p = tuned.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(tuned.predict(X), (p >= tuned.best_threshold_).astype(int))
    # the estimator's own threshold gives the same predictions when set to the tuned value
    own = GDLogisticClassifier(alpha=0.01, threshold=tuned.best_threshold_).fit(X, y)
    np.testing.assert_array_equal(own.predict(X), tuned.predict(X))


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix], ids=["csr", "csc"])
def test_sparse_equals_dense(fmt):
    X, y = make_multiclass()
    X[np.random.default_rng(7).uniform(size=X.shape) < 0.5] = 0
    dense = GDLogisticClassifier(alpha=0.01, **TIGHT).fit(X, y)
    sparse = GDLogisticClassifier(alpha=0.01, **TIGHT).fit(fmt(X), y)
    assert_coef_close(X, sparse.coef_, dense.coef_, rtol=1e-6)
    np.testing.assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X), atol=1e-7)


def test_class_weight_dict_equals_sample_weight():
    X, y = make_binary()
    cw = {"neg": 0.5, "pos": 2.0}
    by_class = GDLogisticClassifier(class_weight=cw, **TIGHT).fit(X, y)
    by_sample = GDLogisticClassifier(**TIGHT).fit(
        X, y, sample_weight=np.where(y == "pos", 2.0, 0.5)
    )
    assert_coef_close(X, by_class.coef_, by_sample.coef_, rtol=1e-6)


# --- class_weight='balanced' in the corner cases of scikit-learn's checks ------------------


@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
def test_balanced_with_a_class_of_zero_total_weight(cls):
    """Sample weights that remove class 2: 'balanced' then balances the two classes left
    (by hand: sum(s) / (2 * sum of s in the class)) and gives class 2 no infinite weight,
    so the fit equals the one with those weights passed as sample weights."""
    X, y = make_multiclass(n_samples=150)
    s = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    s[y == 2] = 0.0
    kept = y != 2
    by_hand = np.zeros(len(y))
    by_hand[kept] = effective_weights(y[kept], s[kept], "balanced")
    balanced = cls(class_weight="balanced", **TIGHT).fit(X, y, sample_weight=s)
    explicit = cls(**TIGHT).fit(X, y, sample_weight=by_hand)
    assert np.all(np.isfinite(balanced.coef_))
    if cls is SoftmaxClassifier:  # class 2 at its limit (see test_softmax.py)
        assert balanced.intercept_[2] == explicit.intercept_[2] == -np.inf
    else:  # one-vs-rest: class 2's own output is constant 0, certified alone
        assert np.all(np.isfinite(balanced.intercept_))
    assert balanced.dual_gap_ <= 1e-10 * balanced.objective_
    assert_coef_close(X, balanced.coef_, explicit.coef_, rtol=1e-6)
    np.testing.assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), atol=1e-8)


def test_balanced_with_one_class_left_predicts_it():
    """scikit-learn's check_classifiers_one_label_sample_weights: weights that keep only
    class 1 give a finite fit that predicts class 1 (as class_weight=None does)."""
    X = np.random.default_rng(0).uniform(size=(10, 10))
    y = np.arange(10) % 2
    model = GDLogisticClassifier(class_weight="balanced").fit(X, y, sample_weight=y)
    assert np.all(np.isfinite(model.coef_))
    np.testing.assert_array_equal(model.predict(X), np.ones(10))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_multilabel_balanced_is_the_product_of_per_label_weights(weighted):
    """Multilabel 'balanced': each label column balanced between its 0s and its 1s, the
    weights multiplied over the labels (scikit-learn's compute_sample_weight for
    multi-output y; with sample weights, each column balanced on the weighted counts)."""
    X, Y = make_multilabel(n_samples=200)
    s = np.random.default_rng(4).uniform(0.5, 2.0, size=len(Y)) if weighted else None
    if s is None:
        expected = compute_sample_weight("balanced", Y)
    else:
        expected = s * np.prod([effective_weights(col, s, "balanced") / s for col in Y.T], axis=0)
    balanced = GDLogisticClassifier(class_weight="balanced", **TIGHT).fit(X, Y, sample_weight=s)
    explicit = GDLogisticClassifier(**TIGHT).fit(X, Y, sample_weight=expected)
    np.testing.assert_allclose(balanced.coef_, explicit.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(balanced.intercept_, explicit.intercept_, rtol=1e-6, atol=1e-9)
    assert not np.allclose(expected, expected[0])  # the weights do differ between rows


def test_multilabel_class_weight_dict_raises():
    X, Y = make_multilabel(n_samples=50)
    with pytest.raises(ValueError, match="class_weight as a dict is not defined for multilabel"):
        GDLogisticClassifier(class_weight={0: 2.0}).fit(X, Y)
