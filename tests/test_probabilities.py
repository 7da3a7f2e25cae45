"""Probabilities from the inverse links: extreme scores, log space, temperature.

The raw scores are set by hand: a model is fitted on data with one feature per output,
then given ``coef_ = I`` and ``intercept_ = 0``, so that the scores are the rows of ``X``.
Expected values are worked out by hand or come from ``scipy.special``.
"""

import numpy as np
import pytest
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax

from sklinear import GDLogisticClassifier, SoftmaxClassifier
from sklinear._links import IdentityLink, LogitLink, SoftmaxLink
from sklinear._losses import (
    AbsoluteLoss,
    BinomialLoss,
    HuberLoss,
    MultinomialLoss,
    SmoothedAbsoluteLoss,
    SquaredLoss,
)


def _with_scores(estimator, n_outputs, multilabel=False):
    """``estimator`` fitted, then rewired so that its raw scores equal ``X``."""
    rng = np.random.RandomState(0)
    n_features = max(n_outputs, 1)
    X = rng.randn(30, n_features)
    if multilabel:
        y = (rng.rand(30, n_outputs) < 0.5).astype(int)
        y[0], y[1] = 0, 1
    else:
        n_classes = 2 if n_outputs == 1 else n_outputs
        y = np.arange(30) % n_classes
    estimator.fit(X, y)
    estimator.coef_ = np.eye(n_outputs, n_features)
    estimator.intercept_ = np.zeros(n_outputs)
    return estimator


def _check_rows(proba, log_proba):
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(logsumexp(log_proba, axis=1), 0.0, atol=1e-12)


EXTREME = np.array([-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4])


# --- the links ------------------------------------------------------------------------
def test_each_loss_carries_its_canonical_inverse_link():
    """The gradient of a canonical loss at y = 0 is the inverse link of the score."""
    rng = np.random.RandomState(0)
    raw = rng.randn(7, 3) * 5
    for loss in (SquaredLoss(), BinomialLoss(), MultinomialLoss()):
        _, gradient = loss.loss_gradient(np.zeros_like(raw), raw)
        np.testing.assert_allclose(loss.link.inverse(raw), gradient, rtol=1e-12)
    for loss in (AbsoluteLoss(), HuberLoss(), SmoothedAbsoluteLoss(0.1)):
        assert isinstance(loss.link, IdentityLink)
    assert isinstance(BinomialLoss.link, LogitLink)
    assert isinstance(MultinomialLoss.link, SoftmaxLink)


def test_logit_link_matches_scipy_and_hand_values_at_extreme_scores():
    link = LogitLink()
    np.testing.assert_array_equal(link.inverse(EXTREME), expit(EXTREME))
    np.testing.assert_allclose(link.log_inverse(EXTREME), log_expit(EXTREME), rtol=1e-15)
    # log sigmoid(z) = -log(1 + e^-z): -1e4 and -800 exactly at the negative end
    assert link.log_inverse(np.array([-1e4]))[0] == -1e4
    assert link.log_inverse(np.array([-800.0]))[0] == -800.0
    assert np.all(np.isfinite(link.log_inverse(EXTREME)))


def test_softmax_link_matches_scipy_at_extreme_scores():
    link = SoftmaxLink()
    raw = np.array([[1e4, 0.0, -1e4], [-800.0, -801.0, -802.0], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(link.inverse(raw), softmax(raw, axis=1), rtol=1e-14)
    np.testing.assert_allclose(link.log_inverse(raw), log_softmax(raw, axis=1), rtol=1e-14)
    # hand-worked: the first row is [0, -1e4, -2e4] in log space
    np.testing.assert_allclose(link.log_inverse(raw)[0], [0.0, -1e4, -2e4], rtol=1e-15)


# --- GDLogisticClassifier: binary, one-vs-rest, multilabel -----------------------------
def test_binary_probabilities_at_extreme_scores():
    model = _with_scores(GDLogisticClassifier(), 1)
    z = EXTREME[:, None]
    proba, log_proba = model.predict_proba(z), model.predict_log_proba(z)
    np.testing.assert_allclose(proba, np.column_stack([expit(-z[:, 0]), expit(z[:, 0])]))
    reference = np.column_stack([log_expit(-z[:, 0]), log_expit(z[:, 0])])
    np.testing.assert_allclose(log_proba, reference, rtol=1e-14)
    # hand-worked: P(class 0 | z = 1e4) = 1 / (1 + e^1e4), so its log is -1e4
    assert log_proba[-1, 0] == -1e4 and log_proba[0, 1] == -1e4
    _check_rows(proba, log_proba)


def test_one_vs_rest_rows_of_very_negative_scores_are_finite():
    model = _with_scores(GDLogisticClassifier(), 3)
    scores = np.array([[-800.0, -800.0, -800.0], [-800.0, -801.0, -802.0], [-1e4, -1e4, -9e3]])
    proba, log_proba = model.predict_proba(scores), model.predict_log_proba(scores)
    # sigmoid(z) = e^z (1 - e^z + ...): for z <= -800 the normalised sigmoids are softmax(z)
    np.testing.assert_allclose(proba[0], [1 / 3, 1 / 3, 1 / 3], rtol=1e-14)
    np.testing.assert_allclose(proba[1], np.exp([0, -1, -2]) / np.exp([0, -1, -2]).sum())
    np.testing.assert_allclose(proba[2], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(log_proba, log_softmax(scores, axis=1), rtol=1e-14)
    _check_rows(proba, log_proba)


def test_one_vs_rest_mixed_extreme_scores_hand_worked():
    model = _with_scores(GDLogisticClassifier(), 3)
    # sigmoids (1, 0, 1/2) normalised by 3/2: (2/3, 0, 1/3)
    scores = np.array([[1e4, -1e4, 0.0]])
    proba, log_proba = model.predict_proba(scores), model.predict_log_proba(scores)
    np.testing.assert_allclose(proba, [[2 / 3, 0.0, 1 / 3]], rtol=1e-14)
    np.testing.assert_allclose(
        log_proba, [[np.log(2 / 3), -1e4 - np.log(1.5), np.log(1 / 3)]], rtol=1e-14
    )
    _check_rows(proba, log_proba)


def test_one_vs_rest_moderate_scores_equal_the_naive_normalisation():
    model = _with_scores(GDLogisticClassifier(), 4)
    scores = np.random.RandomState(1).uniform(-20, 20, size=(50, 4))
    naive = expit(scores) / expit(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(scores), naive, rtol=1e-12)
    np.testing.assert_allclose(
        model.predict_log_proba(scores), np.log(naive), rtol=1e-12, atol=1e-14
    )


def test_multilabel_probabilities_are_independent_sigmoids():
    model = _with_scores(GDLogisticClassifier(), 3, multilabel=True)
    scores = np.array([[1e4, -1e4, -800.0], [0.0, 2.0, -2.0]])
    proba, log_proba = model.predict_proba(scores), model.predict_log_proba(scores)
    np.testing.assert_array_equal(proba, expit(scores))
    np.testing.assert_allclose(log_proba, log_expit(scores), rtol=1e-15)
    np.testing.assert_allclose(log_proba[0], [0.0, -1e4, -800.0], atol=1e-300)
    assert np.all(np.isfinite(log_proba))


@pytest.mark.parametrize("n_outputs, multilabel", [(1, False), (3, False), (3, True)])
def test_logistic_rows_finite_for_random_extreme_scores(n_outputs, multilabel):
    model = _with_scores(GDLogisticClassifier(), n_outputs, multilabel=multilabel)
    scores = np.random.RandomState(2).uniform(-1e4, 1e4, size=(200, n_outputs))
    proba, log_proba = model.predict_proba(scores), model.predict_log_proba(scores)
    if multilabel:
        assert np.all(np.isfinite(log_proba)) and np.all((proba >= 0) & (proba <= 1))
    else:
        _check_rows(proba, log_proba)


# --- SoftmaxClassifier ---------------------------------------------------------------
@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_softmax_probabilities_at_extreme_scores(temperature):
    model = _with_scores(SoftmaxClassifier(temperature=temperature), 3)
    scores = np.array([[1e4, 0.0, -1e4], [-800.0, -800.0, -800.0], [-1e4, 1e4, 1e4]])
    proba, log_proba = model.predict_proba(scores), model.predict_log_proba(scores)
    np.testing.assert_allclose(proba, softmax(scores / temperature, axis=1), rtol=1e-14)
    reference = log_softmax(scores / temperature, axis=1)
    np.testing.assert_allclose(log_proba, reference, rtol=1e-14)
    # hand-worked first row: [0, -1e4 / T, -2e4 / T]
    np.testing.assert_allclose(log_proba[0], [0.0, -1e4 / temperature, -2e4 / temperature])
    _check_rows(proba, log_proba)


def test_binary_softmax_with_temperature_at_extreme_scores():
    model = _with_scores(SoftmaxClassifier(temperature=0.5), 1)
    z = EXTREME[:, None]
    proba, log_proba = model.predict_proba(z), model.predict_log_proba(z)
    reference = np.column_stack([log_expit(-2 * z[:, 0]), log_expit(2 * z[:, 0])])
    np.testing.assert_allclose(log_proba, reference, rtol=1e-14)
    assert log_proba[-1, 0] == -2e4
    _check_rows(proba, log_proba)


@pytest.mark.parametrize("temperature", [1e-300, 5e-324, 1e-12])
def test_tiny_temperature_gives_the_argmax_row(temperature):
    model = _with_scores(SoftmaxClassifier(), 3)
    model.set_params(temperature=temperature)
    scores = np.array([[1e4, 0.0, -1e4], [4.9, 5.0, 1.0], [-800.0, -1e4, -799.0]])
    proba = model.predict_proba(scores)
    np.testing.assert_array_equal(proba, np.eye(3)[[0, 1, 2]])
    np.testing.assert_array_equal(np.argmax(proba, axis=1), np.argmax(scores, axis=1))
    log_proba = model.predict_log_proba(scores)
    assert not np.any(np.isnan(log_proba))
    np.testing.assert_array_equal(np.exp(log_proba), proba)


def test_tiny_temperature_shares_tied_maxima_equally():
    """The limit of softmax(z / T) as T -> 0+ with a tie is uniform over the tie."""
    model = _with_scores(SoftmaxClassifier(temperature=1e-300), 3)
    np.testing.assert_array_equal(model.predict_proba([[2.0, 2.0, 0.0]]), [[0.5, 0.5, 0.0]])


def test_tiny_temperature_binary_softmax_is_the_sign():
    model = _with_scores(SoftmaxClassifier(temperature=1e-300), 1)
    proba = model.predict_proba([[3.0], [-1e4], [0.0]])
    np.testing.assert_array_equal(proba, [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0, np.nan, -np.inf, "hot", True, None])
@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
def test_temperature_set_after_fit_is_validated_at_predict_time(temperature, method):
    model = _with_scores(SoftmaxClassifier(), 3)
    model.set_params(temperature=temperature)
    with pytest.raises(ValueError, match=r"temperature must be a float > 0 .*; got "):
        getattr(model, method)([[1.0, 2.0, 3.0]])


def test_temperature_set_after_fit_is_validated_for_binary_softmax():
    model = _with_scores(SoftmaxClassifier(), 1)
    model.set_params(temperature=-2.0)
    with pytest.raises(ValueError, match=r"temperature must be a float > 0 .*; got -2.0"):
        model.predict_proba([[1.0]])


@pytest.mark.parametrize("temperature", [np.nan, -0.5, -np.inf, "cold", False])
def test_sample_refuses_a_bad_temperature(temperature):
    model = _with_scores(SoftmaxClassifier(), 3)
    with pytest.raises(ValueError, match=r"temperature must be a float >= 0 \(0 is the argmax\)"):
        model.sample([[1.0, 2.0, 3.0]], temperature=temperature, random_state=0)


def test_sample_refuses_a_bad_estimator_temperature():
    model = _with_scores(SoftmaxClassifier(), 3)
    model.set_params(temperature=np.nan)
    with pytest.raises(ValueError, match=r"set_params\(temperature=...\)\); got nan"):
        model.sample([[1.0, 2.0, 3.0]], random_state=0)


def test_sample_temperature_zero_and_tiny_are_the_argmax():
    model = _with_scores(SoftmaxClassifier(), 3)
    scores = np.array([[0.0, 0.1, -0.1], [3.0, 2.9, 2.95], [-1e4, -800.0, -801.0]] * 5)
    expected = model.classes_[np.argmax(scores, axis=1)]
    for temperature in (0, 0.0, 1e-300):
        labels = model.sample(scores, temperature=temperature, random_state=0)
        np.testing.assert_array_equal(labels, expected)
