"""The solvers on problems with known (hand-computed) minimisers; they see only functions."""

import numpy as np
import pytest

from sklinear._penalties import soft_threshold
from sklinear._solvers import (
    AdamRule,
    MomentumRule,
    NonFiniteObjectiveError,
    accelerated_gradient,
    lbfgs,
    newton,
    stochastic_gradient,
)


def _quadratic(seed=0, n=6, condition=100.0):
    """f(x) = x^T A x / 2 - c^T x with a known minimiser A^{-1} c."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = q @ np.diag(np.geomspace(1.0, condition, n)) @ q.T
    c = rng.normal(size=n)

    def value_and_gradient(x):
        gradient = A @ x - c
        return 0.5 * x @ A @ x - c @ x, gradient

    return value_and_gradient, np.linalg.solve(A, c)


def _gradient_below(value_and_gradient, tol):
    """A ``converged`` test: every gradient component at most ``tol``."""
    return lambda x: np.max(np.abs(value_and_gradient(x)[1])) <= tol


def test_lbfgs_finds_quadratic_minimum():
    value_and_gradient, expected = _quadratic()
    result = lbfgs(
        value_and_gradient,
        np.zeros(6),
        max_iter=500,
        converged=_gradient_below(value_and_gradient, 1e-7),
    )
    assert result.converged
    np.testing.assert_allclose(result.theta, expected, rtol=1e-7, atol=1e-9)
    assert result.n_iter >= 1
    np.testing.assert_allclose(result.loss_curve[-1], value_and_gradient(expected)[0], rtol=1e-12)


def test_accelerated_gradient_finds_quadratic_minimum():
    value_and_gradient, expected = _quadratic()
    result = accelerated_gradient(
        value_and_gradient,
        np.zeros(6),
        prox=lambda x, step: x,
        nonsmooth_value=lambda x: 0.0,
        max_iter=5000,
        # FISTA's restarts leave it at about 1e-6 here when f stops decreasing in float64
        converged=_gradient_below(value_and_gradient, 1e-5),
    )
    assert result.converged
    np.testing.assert_allclose(result.theta, expected, rtol=1e-4, atol=1e-6)
    # restarts keep the iterate whenever momentum overshoots: the curve never goes up
    assert np.all(np.diff(result.loss_curve) <= 1e-12 * np.abs(result.loss_curve[:-1]))


def test_accelerated_gradient_lasso_matches_soft_threshold():
    """min_x |x - c|^2 / 2 + lam |x|_1 has the minimiser soft_threshold(c, lam)."""
    c = np.array([3.0, -0.2, 0.5, -4.0, 0.0])
    lam = 0.6

    def value_and_gradient(x):
        return 0.5 * np.sum((x - c) ** 2), x - c

    result = accelerated_gradient(
        value_and_gradient,
        np.zeros(5),
        prox=lambda x, step: soft_threshold(x, step * lam),
        nonsmooth_value=lambda x: lam * np.sum(np.abs(x)),
        max_iter=1000,
        # optimality: x is a fixed point of the proximal gradient step
        converged=lambda x: np.max(np.abs(x - soft_threshold(x - (x - c), lam))) <= 1e-12,
    )
    assert result.converged
    np.testing.assert_allclose(result.theta, [2.4, 0.0, 0.0, -3.4, 0.0], atol=1e-9)


def test_accelerated_gradient_stops_at_max_iter_unconverged():
    value_and_gradient, _ = _quadratic(condition=1e6)
    result = accelerated_gradient(
        value_and_gradient,
        np.zeros(6),
        prox=lambda x, step: x,
        nonsmooth_value=lambda x: 0.0,
        max_iter=3,
        converged=_gradient_below(value_and_gradient, 1e-14),
    )
    assert not result.converged and result.n_iter == 3 and len(result.loss_curve) == 3


def test_newton_solves_a_quadratic_in_one_step():
    """Newton's direction on a quadratic is exact: one step, accepted at unit length."""
    value_and_gradient, expected = _quadratic(condition=1e4)

    class System:
        def __init__(self):
            self.matrix = np.column_stack(
                [value_and_gradient(e)[1] - value_and_gradient(np.zeros(6))[1] for e in np.eye(6)]
            )

        def solve(self, gradient):
            return -np.linalg.solve(self.matrix, gradient)

    def value_gradient_hessian(x):
        return (*value_and_gradient(x), System())

    result = newton(
        value_gradient_hessian,
        value_and_gradient,
        np.zeros(6),
        max_iter=20,
        converged=_gradient_below(value_and_gradient, 1e-9),
    )
    assert result.converged and result.n_iter == 1
    np.testing.assert_allclose(result.theta, expected, rtol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_full_batch_non_finite_objective_raises(solver):
    with pytest.raises(NonFiniteObjectiveError):
        if solver == "lbfgs":
            lbfgs(
                lambda x: (np.nan, np.array([1.0])),
                np.zeros(1),
                max_iter=10,
                converged=lambda x: False,
            )
        else:
            accelerated_gradient(
                lambda x: (np.nan, np.array([1.0])),
                np.zeros(1),
                prox=lambda x, step: x,
                nonsmooth_value=lambda x: 0.0,
                max_iter=10,
                converged=lambda x: False,
            )


def test_momentum_rule_hand_values():
    gradient = np.array([1.0, -2.0])
    state = {}
    # Nesterov: v = -eta g; step = m v - eta g = -(1 + m) eta g
    step = MomentumRule(momentum=0.9, nesterov=True).step(gradient.copy(), 0.1, state)
    np.testing.assert_allclose(step, -(1.9) * 0.1 * gradient)
    state = {}
    rule = MomentumRule(momentum=0.5, nesterov=False)
    np.testing.assert_allclose(rule.step(gradient, 0.1, state), -0.1 * gradient)
    # second step: v = 0.5 * (-0.1 g) - 0.1 g = -0.15 g
    np.testing.assert_allclose(rule.step(gradient, 0.1, state), -0.15 * gradient)
    np.testing.assert_allclose(MomentumRule(momentum=0.0).step(gradient, 0.1, {}), -0.1 * gradient)


def test_adam_rule_hand_values():
    gradient = np.array([2.0, -0.5, 0.0])
    state = {}
    # first step with bias correction: m_hat = g, v_hat = g^2, step = -eta g / (|g| + eps)
    step = AdamRule(epsilon=1e-8).step(gradient, 0.01, state)
    np.testing.assert_allclose(step, -0.01 * gradient / (np.abs(gradient) + 1e-8), rtol=1e-6)
    assert state["adam_steps"] == 1


@pytest.mark.parametrize("rule", [MomentumRule(momentum=0.9), AdamRule()], ids=["sgd", "adam"])
def test_stochastic_gradient_least_squares(rule):
    rng = np.random.default_rng(0)
    n = 400
    A = rng.normal(size=(n, 3))
    truth = np.array([1.0, -2.0, 0.5])
    b = A @ truth + 0.01 * rng.normal(size=n)
    expected = np.linalg.lstsq(A, b, rcond=None)[0]

    def batch(x, rows):
        residual = A[rows] @ x - b[rows]
        return 0.5 * np.mean(residual**2), A[rows].T @ residual / len(rows)

    result = stochastic_gradient(
        batch,
        np.zeros(3),
        n,
        rule=rule,
        prox=lambda x, step: x,
        batch_size=20,
        max_epochs=200,
        tol=1e-8,
        n_iter_no_change=5,
        learning_rate="adaptive",
        eta0=0.05,
        random_state=0,
    )
    # mini-batch noise: a loose, stated tolerance
    np.testing.assert_allclose(result.theta, expected, atol=2e-3)
    assert len(result.loss_curve) == result.n_iter


def test_stochastic_gradient_raises_on_divergence():
    def batch(x, rows):
        return float(np.sum(x**2)) * 1e300, 1e300 * x + 1.0

    with pytest.raises(NonFiniteObjectiveError), np.errstate(over="ignore", invalid="ignore"):
        stochastic_gradient(
            batch,
            np.ones(2),
            10,
            rule=MomentumRule(0.0),
            prox=lambda x, step: x,
            batch_size=5,
            max_epochs=5,
            tol=None,
            n_iter_no_change=5,
            learning_rate="constant",
            eta0=1.0,
        )
