"""The solvers on problems with known (hand-computed) minimisers; they see only functions."""

import numpy as np
import pytest

from sklinear import SoftmaxClassifier
from sklinear._penalties import soft_threshold
from sklinear._solvers import (
    AdamRule,
    MomentumRule,
    NonFiniteObjectiveError,
    accelerated_gradient,
    l1_quadratic,
    lbfgs,
    newton,
    newton_cg,
    proximal_newton,
    stochastic_gradient,
    truncated_cg,
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


def test_lbfgs_keeps_a_tiny_objective_beside_a_larger_gradient_finite():
    # f = 1e140 x^2 / 2 at x = 1e-160: f = 5e-181 and g = 1e-20. Dividing g by |f| (the unit
    # objective L-BFGS runs on) gave 2e160, whose square overflows inside L-BFGS-B: NaN
    # steps, and a "non-finite objective" error for a start already at the minimum's level.
    def value_and_gradient(x):
        return 0.5e140 * float(x @ x), 1e140 * x

    start = np.array([1e-160])
    result = lbfgs(value_and_gradient, start, max_iter=10, converged=lambda x: False)
    assert np.all(np.isfinite(result.theta))
    assert value_and_gradient(result.theta)[0] <= value_and_gradient(start)[0]


class _CholeskyChange:
    """theta = L^-T u for a lower-triangular L: the interface lbfgs' preconditioner uses."""

    def __init__(self, matrix):
        self.factor = np.linalg.cholesky(matrix)

    def forward(self, theta):
        return self.factor.T @ theta

    def back(self, u):
        return np.linalg.solve(self.factor.T, u)

    def gradient(self, gradient):
        return np.linalg.solve(self.factor, gradient)


def test_preconditioned_lbfgs_sees_a_near_identity_hessian():
    """Condition 1e4: with the Cholesky factor of a Hessian whose eigenvalues are up to 10 %
    off as the change of variables, L-BFGS meets the test in a few iterations (50 do not
    suffice without), and ``converged`` and the result see theta, not u."""
    value_and_gradient, expected = _quadratic(n=30, condition=1e4)
    zero = value_and_gradient(np.zeros(30))[1]
    A = np.column_stack([value_and_gradient(e)[1] - zero for e in np.eye(30)])
    eigenvalues, vectors = np.linalg.eigh((A + A.T) / 2)
    factors = np.exp(np.random.default_rng(1).uniform(-0.1, 0.1, 30))
    approximate = vectors @ np.diag(eigenvalues * factors) @ vectors.T
    evaluated, seen = [], []

    def recorded(theta):
        evaluated.append(theta.copy())
        return value_and_gradient(theta)

    def converged(theta):
        seen.append(theta.copy())
        return np.max(np.abs(value_and_gradient(theta)[1])) <= 1e-8

    result = lbfgs(recorded, np.zeros(30), max_iter=500, converged=converged,
                   preconditioner=_CholeskyChange(approximate))  # fmt: skip
    # every point the test is asked about is a point evaluated in theta
    assert all(any(np.array_equal(x, e) for e in evaluated) for x in seen)
    plain = lbfgs(value_and_gradient, np.zeros(30), max_iter=50,
                  converged=_gradient_below(value_and_gradient, 1e-8))  # fmt: skip
    assert result.converged and result.n_iter <= 10 and not plain.converged
    np.testing.assert_allclose(result.theta, expected, rtol=1e-6)
    np.testing.assert_array_equal(seen[-1], result.theta)
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


def test_newton_reduces_the_gradient_where_the_objective_is_flat_to_rounding():
    """Ill-conditioned problems reach an f flat to rounding before a small gradient.

    The value here carries a deterministic error of a few ulps (as rounding does) on top of
    a quadratic whose remaining decrease is far below it: Armijo's test then fails at random.
    Newton must still take unit steps that shrink the gradient, until the gradient test
    passes, rather than report a stall.
    """
    matrix = np.diag([1.0, 1e-6])
    minimiser = np.array([1e-7, 2e-4])
    offset = 1.0

    def value_and_gradient(x):
        difference = x - minimiser
        noise = 8 * np.finfo(float).eps * np.sin(1e9 * float(x.sum()))
        return offset + 0.5 * difference @ matrix @ difference + noise, matrix @ difference

    class System:
        def solve(self, gradient):
            # A slightly wrong solve (as a factorisation of an ill-conditioned matrix is):
            # each step removes 90% of the error.
            return -0.9 * np.linalg.solve(matrix, gradient)

    def value_gradient_hessian(x):
        return (*value_and_gradient(x), System())

    result = newton(
        value_gradient_hessian,
        value_and_gradient,
        np.zeros(2),
        max_iter=50,
        converged=_gradient_below(value_and_gradient, 1e-16),
    )
    assert result.converged, result.state
    np.testing.assert_allclose(result.theta, minimiser, rtol=1e-6)


def _spd(seed=0, n=8, condition=1e3):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q @ np.diag(np.geomspace(1.0, condition, n)) @ q.T, rng.normal(size=n)


def test_truncated_cg_solves_a_positive_definite_system():
    """Conjugate gradients from zero: exact (to rounding) in n products without a stopping
    tolerance; with one, the residual |H d + g| within it, in as many products as H has
    distinct eigenvalues."""
    matrix, gradient = _spd()
    products = []

    def product(v):
        products.append(v)
        return matrix @ v

    direction, used = truncated_cg(product, gradient, 0.0, 8)
    np.testing.assert_allclose(direction, -np.linalg.solve(matrix, gradient), rtol=1e-6)
    assert used == len(products) == 8
    # three distinct eigenvalues: within any tolerance after three products
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    clustered = q @ np.diag(np.repeat([1.0, 10.0, 100.0], 4)) @ q.T
    gradient_12 = rng.normal(size=12)
    tolerance = 1e-6 * np.linalg.norm(gradient_12)
    direction, used = truncated_cg(lambda v: clustered @ v, gradient_12, tolerance, 12)
    assert np.linalg.norm(clustered @ direction + gradient_12) <= tolerance and used == 3
    # cut short at max_steps: still a descent direction
    direction, used = truncated_cg(lambda v: matrix @ v, gradient, 0.0, 2)
    assert used == 2 and gradient @ direction < 0


def test_truncated_cg_preconditioned_by_the_diagonal():
    """Jacobi-preconditioned conjugate gradients: CG on D^-1/2 H D^-1/2. A diagonal H is
    solved in one product; a well-conditioned matrix seen through column scales spread
    over eight orders of magnitude within a few dozen, where plain CG is far from it after
    80; the stopping test stays on |H d + g|. Entries of the diagonal that are not
    positive count as 1."""
    rng = np.random.default_rng(2)
    diagonal = np.logspace(-4, 4, 12)
    gradient = rng.normal(size=12)
    direction, used = truncated_cg(
        lambda v: diagonal * v, gradient, 1e-12 * np.linalg.norm(gradient), 12, diagonal=diagonal
    )
    np.testing.assert_allclose(direction, -gradient / diagonal, rtol=1e-12)
    assert used == 1
    # a well-conditioned core (eigenvalues in [1, 4]) seen through column scales spread
    # over eight orders of magnitude: preconditioned, CG converges as on the core
    n = 200
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    core = q @ np.diag(rng.uniform(1.0, 4.0, n)) @ q.T
    root = np.sqrt(np.logspace(-4, 4, n))
    matrix = root[:, None] * core * root[None, :]
    gradient = rng.normal(size=n)
    tolerance = 1e-6 * np.linalg.norm(gradient)
    direction, used = truncated_cg(
        lambda v: matrix @ v, gradient, tolerance, 80, diagonal=np.diag(matrix)
    )
    assert np.linalg.norm(matrix @ direction + gradient) <= tolerance and used <= 40
    _, plain_used = truncated_cg(lambda v: matrix @ v, gradient, tolerance, 80)
    assert plain_used == 80  # not there
    # a zero or negative entry is read as 1 (no scaling of that coordinate)
    direction, used = truncated_cg(
        lambda v: v * 2.0, np.ones(3), 1e-12, 3, diagonal=np.array([2.0, 0.0, -5.0])
    )
    np.testing.assert_allclose(direction, -0.5 * np.ones(3))


def test_truncated_cg_stops_at_non_positive_curvature():
    """A direction of non-positive curvature ends the iterations: the first one gives -g,
    a later one the iterate so far (a descent direction in both cases)."""
    gradient = np.array([1.0, 0.0])
    direction, used = truncated_cg(lambda v: np.diag([-1.0, 2.0]) @ v, gradient, 0.0, 5)
    np.testing.assert_array_equal(direction, -gradient)
    assert used == 1
    # positive along g, negative along the second conjugate direction
    matrix = np.array([[1.0, 1.0], [1.0, -3.0]])
    direction, used = truncated_cg(lambda v: matrix @ v, gradient, 0.0, 5)
    np.testing.assert_allclose(direction, [-1.0, 0.0])
    assert used == 2 and gradient @ direction < 0


def _logistic(seed=0, n=80, p=6, alpha=1e-3):
    """Ridge logistic regression on correlated columns of unequal scales, written out:
    value, gradient and the Hessian's product."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) * np.geomspace(0.1, 10, p)
    scores = X @ rng.normal(size=p)
    y = (scores + 3 * np.std(scores) * rng.normal(size=n) > 0).astype(float)

    def value_and_gradient(x):
        z = X @ x
        value = np.mean(np.logaddexp(0, z) - y * z) + alpha / 2 * x @ x
        return value, X.T @ (1 / (1 + np.exp(-z)) - y) / n + alpha * x

    def value_gradient_product(x):
        q = 1 / (1 + np.exp(-X @ x))
        return (*value_and_gradient(x), lambda v: X.T @ (q * (1 - q) * (X @ v)) / n + alpha * v)

    return value_and_gradient, value_gradient_product


def test_newton_cg_meets_the_optimality_condition_superlinearly():
    """Newton-CG (no Hessian formed) drives the gradient of a ridge logistic regression to
    rounding in a few iterations, each direction a few products."""
    value_and_gradient, value_gradient_product = _logistic()
    gradients = []

    def converged(x):
        gradients.append(np.max(np.abs(value_and_gradient(x)[1])))
        return gradients[-1] <= 1e-12

    result = newton_cg(
        value_gradient_product, value_and_gradient, np.zeros(6), max_iter=30, converged=converged
    )
    assert result.converged and result.n_iter <= 12, result
    assert result.state["cg_steps"] <= 6 * result.n_iter
    assert np.max(np.abs(value_and_gradient(result.theta)[1])) <= 1e-12
    # the last steps: each gradient a hundredth of the last or less (superlinear)
    assert gradients[-1] <= 1e-2 * gradients[-2] and gradients[-2] <= 1e-2 * gradients[-3]
    assert len(result.loss_curve) == result.n_iter
    assert np.all(np.diff(result.loss_curve) <= 0)


def test_newton_cg_takes_the_majorizer_s_direction_where_newton_s_is_too_long():
    """Huber terms far in their linear zone have (almost) no curvature: Newton's direction
    there would need a step below 1/1000; the majorizer's (curvature epsilon / |r|), by
    conjugate gradients on its own products, is taken instead, and the run converges to
    the hand-computed minimiser ``c / (1 + alpha)``."""
    centre, alpha = np.array([10.0, -20.0, 0.5]), 1e-6

    def value_and_gradient(x):
        r = x - centre
        a = np.abs(r)
        value = np.sum(np.where(a <= 1, r**2 / 2, a - 0.5)) + alpha / 2 * x @ x
        return value, np.clip(r, -1, 1) + alpha * x

    def value_gradient_product(x):
        curvature = (np.abs(x - centre) <= 1) + alpha
        return (*value_and_gradient(x), lambda v: curvature * v)

    majorized = []

    def majorizer(x):
        majorized.append(x.copy())
        a = np.abs(x - centre)
        curvature = np.where(a <= 1, 1.0, 1.0 / np.maximum(a, 1.0)) + alpha
        return lambda v: curvature * v

    result = newton_cg(
        value_gradient_product,
        value_and_gradient,
        np.zeros(3),
        max_iter=20,
        converged=_gradient_below(value_and_gradient, 1e-12),
        majorizer=majorizer,
    )
    assert result.converged and majorized and result.n_iter <= 4, result.n_iter
    np.testing.assert_allclose(result.theta, centre / (1 + alpha), rtol=1e-12)


def test_newton_cg_stops_when_its_products_are_spent():
    """``max_products`` bounds the Hessian-vector products (each a pass over the data):
    the run ends uncertified with ``state['spent']``, the last direction cut to fit."""
    value_and_gradient, value_gradient_product = _logistic(alpha=1e-6)
    result = newton_cg(
        value_gradient_product,
        value_and_gradient,
        np.zeros(6),
        max_iter=30,
        converged=_gradient_below(value_and_gradient, 1e-14),
        max_products=4,
    )
    assert not result.converged and result.state["spent"] and not result.state["stalled"]
    assert result.state["cg_steps"] == 4


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_full_batch_non_finite_objective_raises(solver):
    with pytest.raises(NonFiniteObjectiveError, match="non-finite"):
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

    with (
        pytest.raises(NonFiniteObjectiveError, match="at iteration 1"),
        np.errstate(over="ignore", invalid="ignore"),
    ):
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


# --- control logic of the stochastic solver, with spies and hand-made loss sequences --------


class SpyRule:
    """An update rule that records the learning rate of every step and moves nowhere."""

    def __init__(self):
        self.learning_rates = []

    def step(self, gradient, learning_rate, state):
        self.learning_rates.append(learning_rate)
        return np.zeros_like(gradient)


def _run_spy(learning_rate, n_samples=10, batch_size=3, epochs=3, **options):
    """Steps of a run on 10 rows in batches of 3: 4 steps per epoch (3 + 3 + 3 + 1 rows)."""
    rule = SpyRule()
    stochastic_gradient(
        lambda x, rows: (1.0, np.ones_like(x)),
        np.zeros(2),
        n_samples,
        rule=rule,
        prox=lambda x, step: x,
        batch_size=batch_size,
        max_epochs=epochs,
        tol=None,
        n_iter_no_change=5,
        learning_rate=learning_rate,
        **options,
    )
    return np.array(rule.learning_rates)


def test_invscaling_steps_are_eta0_over_t_to_the_power_t():
    """eta_t = eta0 / t ** power_t, t = 1, 2, ... counting mini-batch steps across epochs;
    power_t defaults to 0.25 (the documented 'invscaling' schedule)."""
    t = np.arange(1, 13)
    np.testing.assert_allclose(_run_spy("invscaling", eta0=0.3), 0.3 / t**0.25, rtol=1e-12)
    np.testing.assert_allclose(
        _run_spy("invscaling", eta0=0.3, power_t=0.5), 0.3 / np.sqrt(t), rtol=1e-12
    )


def test_optimal_steps_are_one_over_alpha_t_plus_t0():
    """eta_t = 1 / (alpha (t + t0)) with t0 = 1 / (alpha eta0), so the schedule starts near
    eta0 and decays like 1 / (alpha t); it does not depend on eta0 otherwise."""
    alpha, eta0 = 0.01, 0.5
    t = np.arange(1, 13)
    t0 = 1 / (alpha * eta0)
    expected = 1 / (alpha * (t + t0))
    np.testing.assert_allclose(_run_spy("optimal", eta0=eta0, alpha=alpha), expected, rtol=1e-12)
    assert expected[-1] < 0.95 * eta0  # the hand values are not eta0: the test can tell


def test_constant_steps_are_eta0():
    np.testing.assert_allclose(_run_spy("constant", eta0=0.2), np.full(12, 0.2), rtol=0)


def _scripted(values):
    """One mini-batch per epoch whose objective is the next of ``values``."""
    sequence = iter(values)
    return lambda x, rows: (next(sequence), np.zeros_like(x))


def _run_scripted(
    values,
    *,
    n_iter_no_change,
    tol,
    learning_rate="constant",
    scores=None,
    rule=None,
    average=False,
):
    rule = SpyRule() if rule is None else rule
    score_sequence = None if scores is None else iter(scores)
    result = stochastic_gradient(
        _scripted(values),
        np.zeros(1),
        4,
        rule=rule,
        prox=lambda x, step: x,
        batch_size=4,
        max_epochs=len(values),
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        learning_rate=learning_rate,
        eta0=1.0,
        validation_score=None if scores is None else (lambda theta: next(score_sequence)),
        average=average,
    )
    return result, rule


@pytest.mark.parametrize("n_iter_no_change", [2, 3, 5])
def test_stops_after_exactly_n_iter_no_change_epochs_without_improvement(n_iter_no_change):
    """Epoch losses 10, 9, 8, then flat: the best is set at epoch 3, so the run stops at the
    end of epoch 3 + n_iter_no_change, converged."""
    values = [10.0, 9.0, 8.0] + [8.0] * 10
    result, _ = _run_scripted(values, n_iter_no_change=n_iter_no_change, tol=1e-4)
    assert result.n_iter == 3 + n_iter_no_change
    assert result.converged
    assert result.loss_curve == values[: 3 + n_iter_no_change]


def test_the_first_epoch_counts_as_an_improvement():
    values = [10.0, 9.0, 8.0, 8.0, 8.0]
    result, _ = _run_scripted(values, n_iter_no_change=1, tol=1e-4)
    assert result.n_iter == 4


def test_an_improvement_smaller_than_tol_does_not_reset_the_count():
    """An epoch improves when its loss is below best - tol * max(1, |best|); the best is the
    lowest loss so far, improving or not (as scikit-learn's SGD)."""
    # 200, then 100 improves; 99.5 (1: needs < 99), 99.1 (2: needs < 98.505); 97.0 improves
    # (< 98.109); 96.5 (1: needs < 96.03), 96.2 (2), 96.0 (3): stop at the end of epoch 8
    values = [200.0, 100.0, 99.5, 99.1, 97.0, 96.5, 96.2, 96.0, 50.0, 50.0]
    result, _ = _run_scripted(values, n_iter_no_change=3, tol=1e-2)
    assert result.n_iter == 8
    assert result.converged


def test_validation_scores_drive_the_count_when_given():
    """With a validation score the training loss is ignored: scores 0.5, 0.6, then flat stop
    the run n_iter_no_change epochs after the best, although the loss keeps falling."""
    values = list(np.linspace(10, 1, 12))
    scores = [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    result, _ = _run_scripted(values, n_iter_no_change=3, tol=1e-4, scores=scores)
    assert result.n_iter == 5
    assert result.validation_scores == scores[:5]
    assert result.converged


def test_adaptive_divides_the_step_by_five_after_n_iter_no_change_epochs():
    """'adaptive': the count of epochs without improvement divides eta by 5 instead of
    stopping, and restarts; steps are recorded per epoch (one mini-batch each)."""
    values = [10.0, 9.0] + [9.0] * 6
    _, rule = _run_scripted(values, n_iter_no_change=2, tol=1e-4, learning_rate="adaptive")
    # epochs 1-4 at eta0 = 1; after epoch 4 (2 epochs without improvement) eta = 0.2;
    # after epoch 6 eta = 0.04
    np.testing.assert_allclose(rule.learning_rates, [1, 1, 1, 1, 0.2, 0.2, 0.04, 0.04])


class _UnitStep:
    """An update rule that moves every coefficient by +1 a step: the t-th iterate is t."""

    def step(self, gradient, learning_rate, state):
        return np.ones_like(gradient)


def test_adaptive_division_restarts_the_running_mean():
    """With ``average``, dividing the step restarts the mean of the iterates: epochs 3-5
    do not improve (n_iter_no_change=3), so after epoch 5 eta is divided and the mean
    starts again from iterate 6; after epoch 7 it is 6 + rho_2 (7 - 6) with
    rho_2 = (1 + 3) / (2 + 3) = 0.8. Kept over the seven iterates it would lie below 6."""
    result, _ = _run_scripted(
        [10.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0],
        n_iter_no_change=3,
        tol=1e-4,
        learning_rate="adaptive",
        rule=_UnitStep(),
        average=True,
    )
    assert result.n_iter == 7
    np.testing.assert_allclose(result.theta, [6.8])
    assert result.state["average_count"] == 2


def _run_with_sample(batch_values, sample_values, *, n_iter_no_change, tol=1e-4):
    """40 rows in 4 batches of 10 per epoch and a sample of 8 rows (every fifth position of
    the order): the mini-batch objectives and the sample's objective follow their own
    scripts."""
    batches, samples, sample_rows = iter(batch_values), iter(sample_values), []

    def batch(theta, rows):
        if len(rows) == 8:
            sample_rows.append(np.sort(rows))
            return next(samples), np.zeros_like(theta)
        return next(batches), np.zeros_like(theta)

    result = stochastic_gradient(
        batch,
        np.zeros(1),
        40,
        rule=SpyRule(),
        prox=lambda x, step: x,
        batch_size=10,
        max_epochs=len(sample_values),
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        learning_rate="constant",
        eta0=1.0,
        random_state=0,
        sample_size=8,
    )
    return result, sample_rows


def test_with_a_sample_the_curve_and_the_stopping_test_follow_the_sample():
    """With ``sample_size`` the epoch's entry is the sample's objective: falling mini-batch
    objectives do not keep the run going once the sample's stops improving, and flat
    mini-batch objectives do not stop it while the sample's improves."""
    epochs = 10
    falling = list(np.repeat(np.linspace(10.0, 1.0, epochs), 4))
    flat_sample = [5.0, 4.0] + [4.0] * (epochs - 2)
    result, sample_rows = _run_with_sample(falling, flat_sample, n_iter_no_change=3)
    assert result.n_iter == 2 + 3 and result.converged
    assert result.loss_curve == flat_sample[:5]
    # the same 8 rows every epoch: positions 0, 5, ..., 35 of the shuffled order
    order = np.random.default_rng(0).permutation(40)
    expected = np.sort(order[0:40:5])
    for rows in sample_rows:
        np.testing.assert_array_equal(rows, expected)
    falling_sample = list(np.linspace(10.0, 1.0, epochs))
    result, _ = _run_with_sample([3.0] * 4 * epochs, falling_sample, n_iter_no_change=2)
    assert result.n_iter == epochs and not result.converged
    assert result.loss_curve == falling_sample


def test_tol_none_runs_every_epoch():
    result, _ = _run_scripted([5.0] * 7, n_iter_no_change=1, tol=None)
    assert result.n_iter == 7
    assert not result.converged


def test_newton_by_name_refuses_a_hessian_larger_than_memory(monkeypatch):
    """solver='newton' on wide data asked NumPy for a p x p Hessian it could not hold (671
    GiB for p = 300,000, a MemoryError deep in NumPy): refused first, with the remedy."""
    import sklinear._resources

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 300)), rng.integers(0, 3, size=50)
    # softmax: 3 outputs, 6 coupled blocks of 301 x 301 and a 903 x 903 system: ~10.9 MB
    monkeypatch.setattr(sklinear._resources, "available_memory", lambda: 8 * 2**20)
    with pytest.raises(
        ValueError,
        match=r"solver='newton' would need about .* for the Hessian of 301 coefficients x 3 "
        r"outputs.*solver='auto'",
    ):
        SoftmaxClassifier(solver="newton").fit(X, y)
    assert SoftmaxClassifier().fit(X, y).dual_gap_ is not None  # 'auto' is not refused
    monkeypatch.setattr(sklinear._resources, "available_memory", lambda: 16 * 2**20)
    assert SoftmaxClassifier(solver="newton").fit(X, y).n_iter_ > 0


# --- L1: the exact quadratic and proximal Newton ----------------------------------------------
def _cholesky_solve(matrix, rhs):
    return np.linalg.solve(matrix, rhs)


def _assert_l1_optimal(hessian, linear, l1_weights, v, atol):
    """The optimality conditions of min c.v + v^T H v / 2 + sum l1 |v| (not the algorithm):
    r = c + H v is -l1 sign(v) where v != 0 and within [-l1, l1] where v == 0."""
    residual = linear + hessian @ v
    nonzero = v != 0
    np.testing.assert_allclose(
        residual[nonzero], -(l1_weights * np.sign(v))[nonzero], rtol=0, atol=atol
    )
    assert np.all(np.abs(residual[~nonzero]) <= l1_weights[~nonzero] + atol)


def test_l1_quadratic_in_one_dimension_is_the_soft_threshold():
    for c, l1, h in ((3.0, 1.0, 2.0), (-3.0, 1.0, 2.0), (0.5, 1.0, 4.0)):
        v, done = l1_quadratic(
            np.array([[h]]),
            np.array([c]),
            np.array([l1]),
            np.zeros(1),
            solve=_cholesky_solve,
            max_steps=10,
        )
        assert done
        assert v[0] == pytest.approx(-np.sign(c) * max(abs(c) - l1, 0.0) / h)


def test_l1_quadratic_equals_the_lasso_and_corrects_a_wrong_start():
    """H = X^T X / n, c = -X^T y / n: the minimiser is the Lasso's (scikit-learn, no
    intercept). Started from a point with the wrong support and signs, components join
    and leave; the unpenalised component (l1 = 0) stays free."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    n, p = 200, 12
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))  # correlated columns
    w = np.zeros(p)
    w[:4] = [3.0, -2.0, 1.5, 0.5]
    y = X @ w + rng.normal(size=n)
    alpha = 0.3
    hessian, linear = X.T @ X / n, -X.T @ y / n
    reference = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000)
    reference.fit(X, y)
    start = -np.sign(reference.coef_ + 0.1) * 2.0  # every sign wrong, every column in
    v, done = l1_quadratic(
        hessian, linear, np.full(p, alpha), start, solve=_cholesky_solve, max_steps=200
    )
    assert done
    np.testing.assert_allclose(v, reference.coef_, rtol=1e-7, atol=1e-9)
    _assert_l1_optimal(hessian, linear, np.full(p, alpha), v, 1e-10)
    # one component unpenalised: it is non-zero at the minimiser, whatever the start
    weights = np.full(p, alpha)
    weights[5] = 0.0
    v, done = l1_quadratic(
        hessian, linear, weights, np.zeros(p), solve=_cholesky_solve, max_steps=200
    )
    assert done and v[5] != 0
    _assert_l1_optimal(hessian, linear, weights, v, 1e-10)


def test_l1_quadratic_on_an_ill_conditioned_design_meets_the_optimality_conditions():
    """Powers of a raw column (x, x^2, x^3 of x in [20, 80], standardised): condition
    number ~1e6, where coordinate descent and first-order methods crawl."""
    rng = np.random.default_rng(1)
    x = rng.uniform(20, 80, size=300)
    X = np.column_stack([x, x**2, x**3, np.sqrt(x), np.log(x)])
    X = (X - X.mean(0)) / X.std(0)
    y = np.sin(x / 10) + rng.normal(size=300) * 0.1
    hessian, linear = X.T @ X / 300, -X.T @ (y - y.mean()) / 300
    assert np.linalg.cond(hessian) > 1e5
    l1_weights = np.full(5, 1e-4)
    v, done = l1_quadratic(
        hessian, linear, l1_weights, np.zeros(5), solve=_cholesky_solve, max_steps=100
    )
    assert done
    _assert_l1_optimal(hessian, linear, l1_weights, v, 1e-10)


def test_proximal_newton_finds_the_support_of_a_smooth_l1_problem():
    """A logistic-like smooth f (log-sum-exp of an affine map) plus L1: the minimiser meets
    |g_j| <= l1 on its zeros and g_j = -l1 sign(theta_j) elsewhere; components outside the
    starting support join (they break the condition), the unpenalised one stays free."""
    rng = np.random.default_rng(2)
    A = rng.normal(size=(50, 6))
    b = rng.normal(size=50)

    def value_and_gradient(theta):
        z = A @ theta + b
        value = np.mean(np.logaddexp(0.0, z)) - 0.3 * theta.sum() + 0.05 * theta @ theta
        sigma = 1.0 / (1.0 + np.exp(-z))
        return value, A.T @ sigma / 50 - 0.3 + 0.1 * theta

    def value_gradient_active_hessian(theta, free):
        value, gradient = value_and_gradient(theta)
        z = A @ theta + b
        sigma = 1.0 / (1.0 + np.exp(-z))
        hessian = (A * (sigma * (1 - sigma))[:, None]).T @ A / 50 + 0.1 * np.eye(6)
        return value, gradient, hessian[np.ix_(free, free)]

    l1_weights = np.full(6, 0.05)
    l1_weights[0] = 0.0
    result = proximal_newton(
        value_gradient_active_hessian,
        value_and_gradient,
        np.zeros(6),
        l1_weights=l1_weights,
        solve=_cholesky_solve,
        max_iter=50,
        converged=lambda theta: False,
    )
    theta = result.theta
    gradient = value_and_gradient(theta)[1]
    assert np.count_nonzero(theta) >= 2  # joined from an all-zero start
    nonzero = theta != 0
    np.testing.assert_allclose(
        gradient[nonzero], -(l1_weights * np.sign(theta))[nonzero], atol=1e-9
    )
    assert np.all(np.abs(gradient[~nonzero]) <= l1_weights[~nonzero] + 1e-9)


def test_proximal_newton_keeps_its_working_set_within_the_cap():
    """With ``max_working`` the Hessian is asked for at most that many components (the
    support first, then the largest breaches), and the iterations still reach the
    minimiser of a lasso (scikit-learn's answer)."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(4)
    A = rng.normal(size=(80, 10))
    b = A[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=80)
    alpha = 0.05

    def value_and_gradient(theta):
        r = A @ theta - b
        return 0.5 * r @ r / 80, A.T @ r / 80

    sizes = []

    def value_gradient_active_hessian(theta, free):
        sizes.append(int(free.sum()))
        value, gradient = value_and_gradient(theta)
        return value, gradient, (A.T @ A / 80)[np.ix_(free, free)]

    result = proximal_newton(
        value_gradient_active_hessian,
        value_and_gradient,
        np.zeros(10),
        l1_weights=np.full(10, alpha),
        solve=_cholesky_solve,
        max_iter=30,
        converged=lambda theta: False,
        max_working=4,
    )
    assert sizes[0] == 4  # more breaches at zero than that: the four largest
    assert max(sizes) <= 4
    reference = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(result.theta, reference.fit(A, b).coef_, atol=1e-8)


def test_the_active_set_solver_s_steps_are_bounded_by_their_factorisations():
    """3 |W| + 20 steps, but no more than ~2e10 flops of |W|^3 / 3 factorisations (and at
    least 20): a 1,500-column working set gets 20 steps, not 4,520 of 1e9 flops each."""
    from sklinear._solvers import _quadratic_steps

    assert _quadratic_steps(10) == 50
    assert _quadratic_steps(285) == 875
    assert _quadratic_steps(500) == int(2e10 / (500**3 / 3))  # 480
    assert _quadratic_steps(1500) == 20


def test_l1_quadratic_stops_an_overflowing_walk_without_solving_on_inf():
    """A damped solve on a singular model can return an enormous step, and the next
    orthant's gradient then overflows. No direction is solved for there (LAPACK on inf
    hangs in some builds; sklinear's damped solve refuses it with a LinAlgError, which
    ended a penguins absolute-loss elastic-net fit with an error), and the walk stops,
    not done."""
    from sklinear._solvers import _orthant_direction, l1_quadratic

    calls = []

    def recorded(matrix, rhs):
        calls.append(rhs)
        return np.full(rhs.shape, np.nan)  # what a failed solve gives

    hessian = np.full((3, 3), 10.0)
    v = np.array([1e307, 1e307, 0.0])
    sign = np.array([1.0, 1.0, 0.0])
    with np.errstate(over="ignore"):  # as inside l1_quadratic's walk
        direction = _orthant_direction(
            hessian, np.zeros(3), np.full(3, 0.1), sign, v, np.arange(3), recorded
        )
    assert np.all(np.isnan(direction)) and not calls
    v, done = l1_quadratic(
        np.eye(2), np.array([-1.0, 1.0]), np.full(2, 0.1), np.zeros(2), solve=recorded, max_steps=5
    )
    assert not done and len(calls) == 1 and np.all(np.isfinite(v))
