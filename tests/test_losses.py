"""Pointwise losses: values against hand formulas, gradients against finite differences,
and numerical stability for raw scores up to |z| = 1e4."""

import warnings

import numpy as np
import pytest
from _reference import pointwise_loss
from scipy.special import expit, log_softmax, logsumexp

from sklinear._losses import (
    AbsoluteLoss,
    BinomialLoss,
    HuberLoss,
    MultinomialLoss,
    SmoothedAbsoluteLoss,
    SquaredLoss,
    softmax,
)

rng = np.random.default_rng(0)


def _regression_data(n_samples=50, n_outputs=None, kink_free=()):
    """Targets and raw scores; residuals kept away from each value in ``kink_free``."""
    shape = (n_samples,) if n_outputs is None else (n_samples, n_outputs)
    y = rng.normal(size=shape) * 2
    residual = rng.normal(size=shape) * 2
    for kink in kink_free:
        for sign in (-1, 1):
            near = np.abs(residual - sign * kink) < 1e-2
            residual[near] += 0.05
    return y, y + residual


def _classification_data(n_samples=50, n_outputs=None):
    if n_outputs is None:
        y = rng.integers(0, 2, size=n_samples).astype(float)
        raw = rng.normal(size=n_samples) * 3
    else:
        y = rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float)
        raw = rng.normal(size=(n_samples, n_outputs)) * 3
    return y, raw


def _multinomial_data(n_samples=50, n_classes=4):
    labels = rng.integers(0, n_classes, size=n_samples)
    y = np.eye(n_classes)[labels]
    return y, rng.normal(size=(n_samples, n_classes)) * 3


CASES = {
    "squared": (SquaredLoss, lambda n_out: _regression_data(n_outputs=n_out)),
    "absolute": (AbsoluteLoss, lambda n_out: _regression_data(n_outputs=n_out, kink_free=[0])),
    "huber": (
        lambda: HuberLoss(1.35),
        lambda n_out: _regression_data(n_outputs=n_out, kink_free=[0, 1.35]),
    ),
    "smoothed_absolute": (
        lambda: SmoothedAbsoluteLoss(0.5),
        lambda n_out: _regression_data(n_outputs=n_out, kink_free=[0, 0.5]),
    ),
    "binomial": (BinomialLoss, lambda n_out: _classification_data(n_outputs=n_out)),
}


def _finite_difference(loss, y, raw, step=1e-6):
    """Central differences of the per-sample value, one output column at a time."""
    raw2 = raw if raw.ndim == 2 else raw[:, None]
    gradient = np.empty_like(raw2)
    for k in range(raw2.shape[1]):
        shift = np.zeros_like(raw2)
        shift[:, k] = step
        plus = loss.loss_gradient(y, (raw2 + shift).reshape(raw.shape))[0]
        minus = loss.loss_gradient(y, (raw2 - shift).reshape(raw.shape))[0]
        gradient[:, k] = (plus - minus) / (2 * step)
    return gradient.reshape(raw.shape)


@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "2d"])
@pytest.mark.parametrize("name", list(CASES))
def test_loss_value_and_gradient(name, n_outputs):
    make_loss, make_data = CASES[name]
    loss = make_loss()
    y, raw = make_data(n_outputs)
    value, gradient = loss.loss_gradient(y, raw)
    assert value.shape == (y.shape[0],)
    assert gradient.shape == raw.shape
    np.testing.assert_allclose(value, pointwise_loss(name, y, raw), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gradient, _finite_difference(loss, y, raw), rtol=1e-6, atol=1e-7)


def test_multinomial_value_and_gradient():
    loss = MultinomialLoss()
    y, raw = _multinomial_data()
    value, gradient = loss.loss_gradient(y, raw)
    np.testing.assert_allclose(value, logsumexp(raw, axis=1) - (y * raw).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(value, pointwise_loss("multinomial", y, raw), rtol=1e-12)
    np.testing.assert_allclose(gradient, _finite_difference(loss, y, raw), rtol=1e-6, atol=1e-7)
    # the gradient is softmax(z) - y: its rows sum to zero
    np.testing.assert_allclose(gradient.sum(axis=1), 0, atol=1e-12)


def test_loss_gradient_does_not_modify_inputs():
    for make_loss, make_data in CASES.values():
        y, raw = make_data(None)
        y_copy, raw_copy = y.copy(), raw.copy()
        make_loss().loss_gradient(y, raw)
        np.testing.assert_array_equal(y, y_copy)
        np.testing.assert_array_equal(raw, raw_copy)
    y, raw = _multinomial_data()
    raw_copy = raw.copy()
    MultinomialLoss().loss_gradient(y, raw)
    np.testing.assert_array_equal(raw, raw_copy)


def test_hand_worked_values():
    # squared: (3 - 1)^2 / 2 = 2, gradient z - y = -2
    value, gradient = SquaredLoss().loss_gradient(np.array([3.0]), np.array([1.0]))
    assert value[0] == 2.0 and gradient[0] == -2.0
    # huber, epsilon = 1: |r| = 3 -> 1 * 3 - 1/2 = 2.5, gradient clipped to 1
    value, gradient = HuberLoss(1.0).loss_gradient(np.array([0.0]), np.array([3.0]))
    assert value[0] == 2.5 and gradient[0] == 1.0
    # binomial at z = 0: log 2, gradient 1/2 - y
    value, gradient = BinomialLoss().loss_gradient(np.array([1.0, 0.0]), np.zeros(2))
    np.testing.assert_allclose(value, np.log(2))
    np.testing.assert_allclose(gradient, [-0.5, 0.5])
    # multinomial with equal scores over 4 classes: log 4, gradient 1/4 - y
    value, gradient = MultinomialLoss().loss_gradient(np.eye(4)[[2]], np.zeros((1, 4)))
    np.testing.assert_allclose(value, np.log(4))
    np.testing.assert_allclose(gradient, [[0.25, 0.25, -0.75, 0.25]])


EXTREME = np.array([-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binomial_is_stable_for_extreme_scores(dtype):
    raw = EXTREME.astype(dtype)
    for label in (0.0, 1.0):
        y = np.full_like(raw, label)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            value, gradient = BinomialLoss().loss_gradient(y, raw)
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(gradient))
        t = 2 * label - 1
        expected = np.logaddexp(0, -t * EXTREME)
        # log1p form where exp(-t z) is small
        small = -t * EXTREME < 0
        np.testing.assert_allclose(
            expected[small], np.log1p(np.exp(-t * EXTREME[small])), rtol=1e-12
        )
        # Accuracy of a few ulps of max(1, |z|): what log(1 + exp(z)) - y z can give.
        eps = np.finfo(dtype).eps
        assert np.all(np.abs(value - expected) <= 8 * eps * np.maximum(1, np.abs(EXTREME)))
        np.testing.assert_allclose(gradient, expit(EXTREME) - label, rtol=4 * eps, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multinomial_is_stable_for_extreme_scores(dtype):
    raw = np.array(
        [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4], [0.0, 1e3, -1e4]], dtype=dtype
    )
    for label in range(3):
        y = np.zeros(raw.shape, dtype=dtype)
        y[:, label] = 1
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            value, gradient = MultinomialLoss().loss_gradient(y, raw)
            probability = softmax(raw)
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(gradient))
        expected = logsumexp(raw.astype(np.float64), axis=1) - raw[:, label].astype(np.float64)
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(
            value, expected, rtol=rtol, atol=1e-3 if dtype == np.float32 else 0
        )
        np.testing.assert_allclose(probability.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_allclose(
            gradient + y, np.exp(log_softmax(raw.astype(np.float64), axis=1)), atol=1e-6
        )


@pytest.mark.parametrize(
    "loss", [SquaredLoss(), AbsoluteLoss(), HuberLoss(1.35), SmoothedAbsoluteLoss(1e-3)]
)
def test_regression_losses_are_finite_for_extreme_scores(loss):
    y = np.zeros_like(EXTREME)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, gradient = loss.loss_gradient(y, EXTREME)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(gradient))


@pytest.mark.parametrize(
    ("loss", "threshold"), [(HuberLoss(1.35), 1.35), (SmoothedAbsoluteLoss(0.1), 0.1)]
)
def test_linear_tails_do_not_square_huge_residuals(loss, threshold):
    """Beyond its threshold Huber's loss (and the smoothed absolute loss, Huber's over its
    threshold) is linear: residuals of 1e160 to 1e300 (a line search's trial point on raw
    polynomial columns) give finite values, by hand, without an overflow warning."""
    raw = np.array([-1e300, -1e160, 1e160, 1e300])
    y = np.zeros_like(raw)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error")
        value, gradient = loss.loss_gradient(y, raw)
    expected = threshold * np.abs(raw) - threshold**2 / 2
    if isinstance(loss, SmoothedAbsoluteLoss):
        expected = expected / threshold
    np.testing.assert_allclose(value, expected, rtol=1e-15)
    np.testing.assert_array_equal(np.abs(gradient), 1.0 if threshold == 0.1 else threshold)


def test_smoothed_absolute_tends_to_absolute():
    y, raw = _regression_data(kink_free=[0])
    exact = AbsoluteLoss().loss_gradient(y, raw)[0]
    for mu in (1e-2, 1e-4, 1e-6):
        smoothed = SmoothedAbsoluteLoss(mu).loss_gradient(y, raw)[0]
        assert np.all(smoothed <= exact + 1e-15)
        np.testing.assert_allclose(smoothed, exact, atol=mu / 2 + 1e-15)


@pytest.mark.parametrize("weights", [None, "random"])
def test_baselines_minimise_the_loss(weights):
    """The baseline intercept is the best constant score (checked on a grid)."""
    y = rng.normal(size=31) ** 3
    sample_weight = None if weights is None else rng.uniform(0.1, 2, size=y.size)
    w = np.ones_like(y) if sample_weight is None else sample_weight
    grid = np.linspace(y.min(), y.max(), 2001)
    for loss in (SquaredLoss(), AbsoluteLoss()):
        best = loss.baseline(y, sample_weight)
        value_at = lambda c, loss=loss: np.sum(w * loss.loss_gradient(y, np.full_like(y, c))[0])  # noqa: E731
        assert value_at(best) <= min(value_at(c) for c in grid) + 1e-9
    labels = (rng.uniform(size=y.size) < 0.3).astype(float)
    best = BinomialLoss().baseline(labels, sample_weight)
    np.testing.assert_allclose(expit(best), np.average(labels, weights=sample_weight))


def test_binomial_is_relatively_accurate_on_the_confident_side():
    """log(1 + exp(-|z|)) for a correctly classified sample, to a few ulps relative."""
    z = np.array([5.0, 10.0, 20.0, 30.0, 50.0, 700.0])
    for label, raw in ((1.0, z), (0.0, -z)):
        value = BinomialLoss().loss_gradient(np.full_like(z, label), raw)[0]
        np.testing.assert_allclose(value, np.log1p(np.exp(-z)), rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 5, 31, 32, 100])
def test_log_softmax_parts_against_scipy(n_classes):
    """Both ways of taking the row maxima (by columns below 32 classes, a reduction from
    32), with scores large enough to overflow exp without the shift."""
    from sklinear._losses import log_softmax_parts

    raw = np.random.default_rng(n_classes).normal(scale=300.0, size=(50, n_classes))
    log_normaliser, probability = log_softmax_parts(raw)
    np.testing.assert_allclose(log_normaliser, logsumexp(raw, axis=1), rtol=1e-13)
    np.testing.assert_allclose(probability, np.exp(log_softmax(raw, axis=1)), atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("largest", [40.0, 41.0, 400.0])
def test_log_softmax_parts_with_and_without_the_shift(dtype, largest):
    """Blocks whose scores all lie within +-40 skip the shift by the row maxima (exp stays
    in float32's normal range); one score beyond sends the block the shifted way. Both
    agree with scipy to rounding, including rows whose scores all sit at the bound."""
    from sklinear._losses import log_softmax_parts

    raw = np.random.default_rng(0).uniform(-40.0, 40.0, size=(60, 7))
    raw[0] = -40.0
    raw[1] = 40.0
    raw[2, 3] = largest
    raw[3, 1] = -largest
    raw = raw.astype(dtype)
    with np.errstate(over="raise", under="ignore", invalid="raise", divide="raise"):
        log_normaliser, probability = log_softmax_parts(raw)
    exact = raw.astype(np.float64)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(log_normaliser, logsumexp(exact, axis=1), rtol=8 * eps)
    np.testing.assert_allclose(
        probability, np.exp(log_softmax(exact, axis=1)), rtol=256 * eps, atol=1e-30
    )


@pytest.mark.parametrize(
    ("loss", "r0", "exact", "majorizing"),
    [  # Huber (epsilon 1.35): 1 inside, epsilon / |r| outside
        (HuberLoss(1.35), [0.5, -2.7, 1.35, 10.0, -1.35], [1, 0, 1, 0, 1], [1, 0.5, 1, 0.135, 1]),
        # smoothed absolute (mu 0.5): 1 / mu inside, 1 / |r| outside
        (SmoothedAbsoluteLoss(0.5), [0.25, -2.0, 0.5, 8.0], [2, 0, 2, 0], [2, 0.5, 2, 0.125]),
    ],
    ids=["huber", "smoothed-absolute"],
)
def test_majorizer_curvature_by_hand_and_above_the_loss(loss, r0, exact, majorizing):
    """The majorizer's curvature is psi(r) / r (hand values); the quadratic with it at r0
    lies above the loss everywhere and touches it at r0 (the majorize-minimize property
    Newton's fallback relies on); the loss itself is unchanged."""
    r0 = np.array(r0)
    y = np.zeros_like(r0)
    np.testing.assert_array_equal(loss.hessian_weights(y, r0), exact)
    majorizer = loss.majorizer()
    assert type(majorizer) is type(loss) and majorizer.majorize and not loss.majorize
    np.testing.assert_allclose(majorizer.hessian_weights(y, r0), majorizing)
    for a, b in zip(majorizer.loss_gradient(y, r0), loss.loss_gradient(y, r0), strict=True):
        np.testing.assert_array_equal(a, b)
    for start in np.r_[r0, 0.0, 1e4]:
        c = majorizer.hessian_weights(np.zeros(1), np.array([start]))[0]
        value0, slope = (a[0] for a in loss.loss_gradient(np.zeros(1), np.array([start])))
        r = np.linspace(-50, 50, 2001)
        above = value0 + slope * (r - start) + c / 2 * (r - start) ** 2
        assert np.all(loss.loss_gradient(np.zeros_like(r), r)[0] <= above + 1e-9 * (1 + above))
