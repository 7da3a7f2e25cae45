"""Sample and class weights: scikit-learn's checks and messages, invariance to their scale,
float32 X with weights outside float32's range, class weights in partial_fit."""

import re

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.utils.class_weight import compute_class_weight

from sklinear import GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier

ESTIMATORS = [GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier]


def _data(n_samples=40, dtype=np.float64, n_classes=2):
    rng = np.random.RandomState(0)
    X = rng.randn(n_samples, 3)
    score = X @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.randn(n_samples)
    y_regression = score + 1.0
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    y_classes = np.searchsorted(edges, score)
    weights = rng.uniform(0.2, 3.0, size=n_samples)
    return X.astype(dtype), y_regression, y_classes, weights


def _target(estimator_class, y_regression, y_classes):
    return y_regression if estimator_class is GDLinearRegressor else y_classes


BAD_WEIGHTS = {
    "negative": lambda n: np.r_[-1.0, np.ones(n - 1)],
    "nan": lambda n: np.r_[np.nan, np.ones(n - 1)],
    "inf": lambda n: np.r_[np.inf, np.ones(n - 1)],
    "short": lambda n: np.ones(n - 1),
    "two-dimensional": lambda n: np.ones((n, 1)),
    "all zero": lambda n: np.zeros(n),
}


@pytest.mark.parametrize("case", list(BAD_WEIGHTS))
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_bad_sample_weights_get_scikit_learns_message(estimator_class, case):
    X, y_regression, y_classes, _ = _data()
    weights = BAD_WEIGHTS[case](len(X))
    with pytest.raises(ValueError) as reference:
        LinearRegression().fit(X, y_regression, sample_weight=weights)
    with pytest.raises(ValueError, match=re.escape(str(reference.value))):
        estimator_class().fit(X, _target(estimator_class, y_regression, y_classes), weights)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_sample_weight_is_not_modified(estimator_class):
    X, y_regression, y_classes, weights = _data()
    weights *= 1e30
    original = weights.copy()
    estimator_class().fit(X, _target(estimator_class, y_regression, y_classes), weights)
    np.testing.assert_array_equal(weights, original)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_fit_is_invariant_to_the_scale_of_the_weights(estimator_class, dtype):
    X, y_regression, y_classes, weights = _data(dtype=dtype, n_classes=3)
    y = _target(estimator_class, y_regression, y_classes)
    parameters = dict(alpha=1e-2, tol=1e-10, max_iter=5000)
    reference = estimator_class(**parameters).fit(X, y, sample_weight=weights)
    scales = [1e-30, 1e-6, 1e6, 1e30]
    if dtype == np.float32:
        scales += [1e40, 1e-45 / weights.min()]  # outside float32's range
    for scale in scales:
        scaled = estimator_class(**parameters).fit(X, y, sample_weight=weights * scale)
        np.testing.assert_allclose(scaled.coef_, reference.coef_, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(scaled.intercept_, reference.intercept_, rtol=1e-6, atol=1e-7)
        assert scaled.coef_.dtype == dtype


@pytest.mark.parametrize("scale", [1e-45, 1e-30, 1e30, 1e40])
def test_class_weights_of_any_scale_with_float32_x(scale):
    X, _, y, weights = _data(dtype=np.float32)
    parameters = dict(alpha=1e-2, tol=1e-10, max_iter=5000)
    reference = GDLogisticClassifier(class_weight={0: 1.0, 1: 3.0}, **parameters)
    reference.fit(X, y, sample_weight=weights)
    scaled = GDLogisticClassifier(class_weight={0: scale, 1: 3.0 * scale}, **parameters)
    scaled.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(scaled.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(scaled.intercept_, reference.intercept_, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("scale", [1e-30, 1.0, 1e40])
def test_weighted_fit_matches_ridge_at_any_weight_scale(scale):
    """SPEC 1.1: J = sum s_i (y - z)^2 / (2 sum s) + alpha |w|^2 / 2 is Ridge with
    alpha_ridge = alpha * sum(s) on the unscaled weights."""
    X, y, _, weights = _data(dtype=np.float32)
    alpha = 0.05
    ours = GDLinearRegressor(alpha=alpha, tol=1e-10, max_iter=5000)
    ours.fit(X, y, sample_weight=weights * scale)
    ridge = Ridge(alpha=alpha * weights.sum()).fit(X.astype(np.float64), y, weights)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ridge.intercept_, rtol=1e-5)


@pytest.mark.parametrize("scale", [1e-45, 1e40])
def test_weighted_logistic_fit_matches_scikit_learn_with_float32_x(scale):
    X, _, y, weights = _data(dtype=np.float32)
    alpha = 0.05
    ours = GDLogisticClassifier(alpha=alpha, tol=1e-10, max_iter=5000)
    ours.fit(X, y, sample_weight=weights * scale)
    reference = LogisticRegression(C=1 / (alpha * weights.sum()), tol=1e-12, max_iter=10000)
    reference.fit(X.astype(np.float64), y, sample_weight=weights)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-4)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-4, atol=1e-5)


# --- class weights in partial_fit ----------------------------------------------------
@pytest.mark.parametrize("estimator_class", [GDLogisticClassifier, SoftmaxClassifier])
def test_partial_fit_refuses_balanced_class_weight_like_sgd(estimator_class):
    X, _, y, _ = _data(n_classes=3)
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for partial"):
        SGDClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    model = estimator_class(solver="sgd", class_weight="balanced", random_state=0)
    with pytest.raises(
        ValueError, match=r"class_weight='balanced' is not supported for partial_fit.*compute_"
    ):
        model.partial_fit(X, y, classes=[0, 1, 2])
    # fit computes the balanced weights over all the data, as scikit-learn does
    balanced = estimator_class(class_weight="balanced", tol=1e-10).fit(X, y)
    weights = compute_class_weight("balanced", classes=np.unique(y), y=y)[y]
    reference = estimator_class(tol=1e-10).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(balanced.coef_, reference.coef_, rtol=1e-6)


@pytest.mark.parametrize("estimator_class", [GDLogisticClassifier, SoftmaxClassifier])
def test_partial_fit_dict_class_weight_is_computed_against_classes(estimator_class):
    """A chunk without class 2 with class_weight={2: 5} is fine, as for SGDClassifier;
    the weights are those of the dict, the same as the equivalent sample weights."""
    X, _, y, _ = _data(n_classes=3)
    chunk = y != 2
    SGDClassifier(class_weight={2: 5.0}).partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    common = dict(solver="sgd", random_state=0, batch_size=8)
    weighted = estimator_class(class_weight={1: 3.0, 2: 5.0}, **common)
    weighted.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    weighted.partial_fit(X, y)
    equivalent = estimator_class(**common)
    equivalent.partial_fit(
        X[chunk], y[chunk], classes=[0, 1, 2], sample_weight=np.where(y[chunk] == 1, 3.0, 1.0)
    )
    equivalent.partial_fit(X, y, sample_weight=np.select([y == 1, y == 2], [3.0, 5.0], 1.0))
    np.testing.assert_allclose(weighted.coef_, equivalent.coef_, rtol=1e-12)
    unweighted = estimator_class(**common)
    unweighted.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    unweighted.partial_fit(X, y)
    assert not np.allclose(unweighted.coef_, weighted.coef_)


@pytest.mark.parametrize("estimator_class", [GDLogisticClassifier, SoftmaxClassifier])
def test_dict_class_weight_with_unknown_class_gets_sgds_message(estimator_class):
    X, _, y, _ = _data(n_classes=3)
    class_weight = {0: 2.0, 7: 1.0}
    with pytest.raises(ValueError) as reference:
        SGDClassifier(class_weight=class_weight).partial_fit(X, y, classes=[0, 1, 2])
    model = estimator_class(solver="sgd", class_weight=class_weight)
    with pytest.raises(ValueError, match=re.escape(str(reference.value))):
        model.partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_class_weight_must_be_finite_and_non_negative(bad):
    X, _, y, _ = _data()
    model = GDLogisticClassifier(class_weight={0: 1.0, 1: bad})
    with pytest.raises(ValueError, match="class_weight must give each class a finite, non-neg"):
        model.fit(X, y)
