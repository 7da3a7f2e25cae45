"""The elastic-net penalty: hand-worked values, the soft threshold, and the prox."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from sklinear._penalties import ElasticNetPenalty, penalty_parameters, soft_threshold


def test_soft_threshold_hand_values():
    values = np.array([3.0, -3.0, 0.5, -0.5, 0.0, 1.0, -1.0])
    np.testing.assert_array_equal(
        soft_threshold(values, 1.0), [2.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    )
    # per-coefficient thresholds broadcast
    np.testing.assert_allclose(
        soft_threshold(np.array([[2.0], [-2.0]]), np.array([[0.5], [3.0]])), [[1.5], [0.0]]
    )
    assert np.all(soft_threshold(values, 0.0) == values)


@pytest.mark.parametrize("value", [-2.3, -0.4, 0.0, 0.2, 1.7])
@pytest.mark.parametrize("threshold", [0.0, 0.3, 1.0])
def test_soft_threshold_is_the_l1_proximal_step(value, threshold):
    """argmin_u threshold * |u| + (u - v)^2 / 2, found numerically."""
    result = minimize_scalar(
        lambda u: threshold * abs(u) + 0.5 * (u - value) ** 2,
        bounds=(-5, 5),
        method="bounded",
        options={"xatol": 1e-10},
    )
    np.testing.assert_allclose(soft_threshold(np.array(value), threshold), result.x, atol=1e-7)


def test_penalty_value_hand_worked():
    coef = np.array([[1.0], [-2.0]])
    # 0.5 * ((1 - 0.3) / 2 * (1 + 4) + 0.3 * (1 + 2)) = 0.5 * (1.75 + 0.9)
    penalty = ElasticNetPenalty(alpha=0.5, l1_ratio=0.3)
    np.testing.assert_allclose(penalty.value(coef), 1.325)
    smooth, gradient = penalty.smooth_value_gradient(coef)
    np.testing.assert_allclose(smooth, 0.5 * 0.35 * 5)
    np.testing.assert_allclose(gradient, 0.5 * 0.7 * coef)
    np.testing.assert_allclose(penalty.nonsmooth_value(coef), 0.5 * 0.3 * 3)
    assert not penalty.smooth
    assert ElasticNetPenalty(0.5, 0.0).smooth and ElasticNetPenalty(0.0, 1.0).smooth


def test_penalty_on_scaled_coefficients():
    """With ``scale`` the penalty is on ``w = v / scale`` (the user's coefficients)."""
    scale = np.array([2.0, 0.5, 10.0])
    v = np.array([[4.0, -1.0], [1.0, 0.5], [-30.0, 0.0]])
    w = v / scale[:, None]
    alpha, l1_ratio = 0.7, 0.4
    penalty = ElasticNetPenalty(alpha, l1_ratio, scale)
    expected = alpha * ((1 - l1_ratio) / 2 * np.sum(w**2) + l1_ratio * np.sum(np.abs(w)))
    np.testing.assert_allclose(penalty.value(v), expected)
    # gradient of the smooth part with respect to v, by finite differences
    _, gradient = penalty.smooth_value_gradient(v)
    step = 1e-6
    numeric = np.zeros_like(v)
    for index in np.ndindex(v.shape):
        shift = np.zeros_like(v)
        shift[index] = step
        numeric[index] = (
            penalty.smooth_value_gradient(v + shift)[0]
            - penalty.smooth_value_gradient(v - shift)[0]
        ) / (2 * step)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-7, atol=1e-9)
    # prox of step * alpha * l1_ratio * sum |v / scale|: per-entry threshold
    prox = penalty.prox(v, 0.5)
    np.testing.assert_allclose(prox, soft_threshold(v, 0.5 * alpha * l1_ratio / scale[:, None]))
    # by hand for the first entry: threshold 0.5 * 0.7 * 0.4 / 2 = 0.07
    np.testing.assert_allclose(prox[0, 0], 4.0 - 0.07)


def test_prox_is_identity_without_l1():
    v = np.array([[1.0], [-2.0]])
    assert np.array_equal(ElasticNetPenalty(1.0, 0.0).prox(v, 1.0), v)
    assert np.array_equal(ElasticNetPenalty(0.0, 1.0).prox(v, 1.0), v)


@pytest.mark.parametrize(
    "penalty, expected",
    [("l2", (0.3, 0.0)), ("l1", (0.3, 1.0)), ("elasticnet", (0.3, 0.6)), (None, (0.0, 0.0))],
)
def test_penalty_parameters(penalty, expected):
    assert penalty_parameters(penalty, 0.3, 0.6) == expected
