"""Pointwise losses: the value and the gradient with respect to the raw score.

A loss knows only the target and the raw scores ``z = X w + b``; it knows nothing of
the features, the penalty, the sample weights or the solver. Every loss here is stable for
raw scores up to ``|z| = 1e4`` (no overflow, no NaN): the log-losses use
``logaddexp`` / log-sum-exp forms and ``expit`` for the sigmoid.

Shapes: ``raw`` is ``(n_samples,)`` for one output or ``(n_samples, n_outputs)``; the
gradient has the shape of ``raw``; the value is per sample, ``(n_samples,)``, summed
over the outputs.

For Newton's method a loss gives the second derivative (``hessian_weights``) and its
layout: ``'shared'`` (one column for every output: squared loss), ``'separable'`` (one
column per output) or ``'coupled'`` (the multinomial loss: one column per pair ``k <= l``).
For the duality gap a loss gives ``dual_repair``: how to move the natural dual point
``u_i = c_i L'(y_i, z_i)`` so that ``sum_i u_i = 0`` (the dual constraint of an unpenalised
intercept) while bounding the loss conjugate; see :mod:`sklinear._certificate`.
"""

import numpy as np
from scipy.special import xlogy

from ._links import IdentityLink, LogitLink, SoftmaxLink


class SquaredLoss:
    """``L(y, z) = (y - z)^2 / 2``; the gradient is ``z - y``."""

    smooth = True
    link = IdentityLink()

    def loss_gradient(self, y, raw):
        gradient = raw - y
        value = 0.5 * gradient * gradient
        return _sum_outputs(value), gradient

    def baseline(self, y, sample_weight):
        """The constant score that minimises the loss: the weighted mean of ``y``."""
        return np.average(y, axis=0, weights=sample_weight)

    def baseline_from_mean(self, target_mean):
        return target_mean

    def constant_score_sums(self, target_mean, score, target_variance=None):
        """Mean loss and residual at one constant score per output, from ``ybar`` and the
        targets' weighted variance; ``(None, None)`` where it is unknown or the targets' mean
        exceeds 100 standard deviations.

        Returns ``(sum_k (var_k + (ybar_k - b_k)^2) / 2, (b, -1))``: the residual of sample
        ``i`` is ``b - y_i`` (the variance about ``ybar``, not ``E[y^2] - 2 b ybar + b^2``,
        which cancels for targets far from 0).
        """
        # X^T (b - y) from the statistics is mean b - X^T y / S: it cancels where the targets'
        # mean dwarfs their spread, and a pass is then more accurate.
        if target_variance is None or np.any(target_mean**2 > 1e4 * target_variance):
            return None, None
        score = np.asarray(score, dtype=float)
        loss = 0.5 * float(np.sum(target_variance + (target_mean - score) ** 2))
        return loss, (score, -1.0)

    constant_needs_variance = True
    hessian_layout = "shared"
    has_conjugate = True

    def hessian_weights(self, y, raw):
        return np.ones(raw.shape[0], dtype=raw.dtype)

    def conjugate(self, y, v):
        """``L*(v) = v y + v^2 / 2`` per row (one output; see :func:`_bounded_quadratic`)."""
        return _bounded_quadratic(y, v, np.inf, 1.0)

    def dual_repair(self, gradient_mean, target_mean):
        """Exact shift ``v' = v - g``: ``F*`` drops by ``g . ybar + |g|^2 / 2``."""
        g = gradient_mean
        return 0.0, -g, 0.0, -float(g @ target_mean) - 0.5 * float(g @ g)


class AbsoluteLoss:
    """``L(y, z) = |y - z|``; a subgradient is ``sign(z - y)``. Not smooth.

    Full-batch solvers minimise it by continuation: a sequence of Huber losses whose
    ``epsilon`` shrinks to zero (see :class:`HuberLoss`).
    """

    smooth = False
    link = IdentityLink()

    def loss_gradient(self, y, raw):
        residual = raw - y
        return _sum_outputs(np.abs(residual)), np.sign(residual)

    def baseline(self, y, sample_weight):
        """The weighted median of ``y`` (per output)."""
        return _weighted_median(y, sample_weight)


class SmoothedAbsoluteLoss:
    """``|r|`` smoothed near zero: ``r^2 / (2 mu)`` where ``|r| <= mu``, else ``|r| - mu / 2``.

    It is the Huber loss divided by its threshold ``mu``; as ``mu -> 0`` it tends to the
    absolute loss. Full-batch solvers minimise the absolute loss through a decreasing
    sequence of ``mu`` (continuation).
    """

    smooth = True
    link = IdentityLink()

    def __init__(self, mu, majorize=False):
        self.mu = mu
        self.majorize = majorize

    def loss_gradient(self, y, raw):
        residual = raw - y
        absolute = np.abs(residual)
        mu = self.mu
        inside = np.minimum(absolute, mu)  # squared only within mu: no overflow at 1e200
        value = np.where(absolute <= mu, inside * inside / (2 * mu), absolute - 0.5 * mu)
        return _sum_outputs(value), np.clip(residual / mu, -1.0, 1.0)

    def baseline(self, y, sample_weight):
        return _weighted_median(y, sample_weight)

    hessian_layout = "separable"
    has_conjugate = True

    def hessian_weights(self, y, raw):
        """``1 / mu`` where ``|r| <= mu``, else 0; with ``majorize``, ``1 / |r|`` there."""
        absolute = np.abs(raw - y)
        inside = absolute <= self.mu
        if not self.majorize:
            return inside.astype(raw.dtype) / self.mu
        return (1.0 / np.where(inside, self.mu, absolute)).astype(raw.dtype)

    def majorizer(self):
        """This loss with ``majorize`` set: the curvature ``psi(r) / r`` of its quadratic
        majorizer (``1 / mu`` inside the quadratic zone, ``1 / |r|`` outside), as
        :meth:`HuberLoss.majorizer`."""
        return SmoothedAbsoluteLoss(self.mu, majorize=True)

    def conjugate(self, y, v):
        """``L*(v) = v y + mu v^2 / 2`` on ``|v| <= 1``, ``inf`` beyond (one output)."""
        return _bounded_quadratic(y, v, 1.0, self.mu)

    def dual_repair(self, gradient_mean, target_mean):
        """``L*(v) = v y + mu v^2 / 2`` on ``|v| <= 1``: mix with a constant ``pi``."""
        return _mix_bounded(gradient_mean, target_mean, bound=1.0, curvature=self.mu)


class HuberLoss:
    """Huber loss with threshold ``epsilon``.

    ``L = r^2 / 2`` where ``|r| <= epsilon``, else ``epsilon * |r| - epsilon^2 / 2``,
    with ``r = z - y``; the gradient is ``clip(r, -epsilon, epsilon)``. It is the loss
    ``SGDRegressor(loss='huber')`` uses.
    """

    smooth = True
    link = IdentityLink()

    def __init__(self, epsilon=1.35, majorize=False):
        self.epsilon = epsilon
        self.majorize = majorize

    def loss_gradient(self, y, raw):
        residual = raw - y
        absolute = np.abs(residual)
        epsilon = self.epsilon
        inside = np.minimum(absolute, epsilon)  # squared only within epsilon: no overflow
        value = np.where(
            absolute <= epsilon, 0.5 * inside * inside, epsilon * absolute - 0.5 * epsilon**2
        )
        return _sum_outputs(value), np.clip(residual, -epsilon, epsilon)

    def baseline(self, y, sample_weight):
        return _weighted_median(y, sample_weight)

    hessian_layout = "separable"
    has_conjugate = True

    def hessian_weights(self, y, raw):
        """1 where ``|r| <= epsilon``, else 0; with ``majorize``, ``epsilon / |r|`` there."""
        absolute = np.abs(raw - y)
        inside = absolute <= self.epsilon
        if not self.majorize:
            return inside.astype(raw.dtype)
        return np.where(inside, 1.0, self.epsilon / np.where(inside, 1.0, absolute)).astype(
            raw.dtype
        )

    def majorizer(self):
        """This loss with ``majorize`` set: its ``hessian_weights`` are then the curvature of
        Huber's quadratic majorizer at each residual, ``psi(r) / r`` (1 inside the
        quadratic zone, ``epsilon / |r|`` outside; the iteratively reweighted least squares
        weights). The quadratic model with them lies above the loss and touches it at the
        residuals, so minimising it (with the penalty) decreases ``J`` (majorize-minimize):
        Newton's method falls back on it where the loss's own curvature, 0 in the linear
        zone, makes steps too long to be taken."""
        return HuberLoss(self.epsilon, majorize=True)

    def conjugate(self, y, v):
        """``L*(v) = v y + v^2 / 2`` on ``|v| <= epsilon``, ``inf`` beyond (one output)."""
        return _bounded_quadratic(y, v, self.epsilon, 1.0)

    def dual_repair(self, gradient_mean, target_mean):
        """Mix with a constant ``pi``, ``|pi| <= epsilon``: ``L*(pi) = pi y + pi^2 / 2``."""
        return _mix_bounded(gradient_mean, target_mean, bound=self.epsilon, curvature=1.0)


class BinomialLoss:
    """Log-loss of a sigmoid: ``L(y, z) = log(1 + exp(z)) - y z`` for ``y`` in {0, 1}.

    This equals ``log(1 + exp(-t z))`` with ``t = 2 y - 1`` in {-1, +1}. The gradient is
    ``sigmoid(z) - y``. With ``raw`` of shape ``(n, K)`` and ``y`` a 0/1 matrix it is
    ``K`` independent sigmoids (one-vs-rest, multilabel).
    """

    smooth = True
    link = LogitLink()
    # The K outputs are K independent problems: the certificate repairs each alone.
    separable_outputs = True

    def loss_gradient(self, y, raw, per_output=False):
        """Per-row losses (per row and output with ``per_output``) and the gradient."""
        # One exponential serves the value and the sigmoid: with e = exp(-|z|),
        # log(1 + exp(z)) - y z = (max(z, 0) - y z) + log1p(e), summed in this order so
        # that a confident correct score (y = 1, z >> 0) keeps its tiny loss exactly, and
        # sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) otherwise.
        # The same numbers in fewer temporaries (a dozen NumPy calls per row block of a
        # pass): the numerator exp(min(z, 0)) is 1 for z >= 0 and exp(-|z|) otherwise,
        # bit for bit what np.where(z >= 0, 1, e) gave at half its cost.
        exponential = np.abs(raw)
        np.negative(exponential, out=exponential)
        np.exp(exponential, out=exponential)
        value = np.maximum(raw, 0)
        temporary = np.multiply(y, raw)
        value -= temporary
        value += np.log1p(exponential, out=temporary)
        gradient = np.minimum(raw, 0)
        np.exp(gradient, out=gradient)
        exponential += 1
        gradient /= exponential
        gradient -= y
        return (value if per_output else _sum_outputs(value)), gradient

    def baseline(self, y, sample_weight):
        """The log-odds of the weighted positive rate (clipped away from 0 and 1)."""
        return self.baseline_from_mean(np.average(y, axis=0, weights=sample_weight))

    def baseline_from_mean(self, target_mean):
        rate = np.clip(target_mean, 1e-10, 1 - 1e-10)
        return np.log(rate) - np.log1p(-rate)

    def constant_score_sums(self, target_mean, score):
        """Mean loss and residual at one constant score per output, from ``ybar``.

        Returns ``(sum_k softplus(b_k) - ybar_k b_k, (sigmoid(b), -1))``: the residual of
        sample ``i`` is ``sigmoid(b) + (-1) y_i``.
        """
        score = np.asarray(score, dtype=float)
        loss = float(np.sum(np.logaddexp(0.0, score) - target_mean * score))
        return loss, (_sigmoid(score), -1.0)

    hessian_layout = "separable"
    has_conjugate = True

    def hessian_weights(self, y, raw):
        """``sigmoid(z) (1 - sigmoid(z)) = e / (1 + e)^2`` with ``e = exp(-|z|)``."""
        exponential = np.exp(-np.abs(raw))
        return exponential / (1.0 + exponential) ** 2

    def conjugate(self, y, v):
        """``L*(v) = q log q + (1 - q) log(1 - q)`` with ``q = y + v`` in [0, 1], ``inf``
        beyond (one output); ``q`` within ``_DOMAIN_ROUNDING`` of the interval is clipped
        into it (the rounding of ``y + v``)."""
        q = np.asarray(y, dtype=float) + v
        outside = (q < -_DOMAIN_ROUNDING) | (q > 1.0 + _DOMAIN_ROUNDING)
        q = np.clip(q, 0.0, 1.0)
        return np.where(outside, np.inf, xlogy(q, q) + xlogy(1.0 - q, 1.0 - q))

    def dual_repair(self, gradient_mean, target_mean):
        """Mix the probabilities with a constant ``pi`` in [0, 1] (one ``lambda`` for all)."""
        return _mix_towards_constant(gradient_mean, target_mean, multinomial=False)

    def dual_repair_per_output(self, gradient_mean, target_mean):
        """The same mix with one ``lambda`` per output (arrays of shape (n_outputs,)): an
        output whose targets are all 0 (or all 1) needs ``lambda = 1``, the others far less
        (one shared ``lambda`` would make the bound ``J`` itself)."""
        return _mix_towards_constant(
            gradient_mean, target_mean, multinomial=False, per_output=True
        )


class MultinomialLoss:
    """Cross-entropy of a softmax: ``L(y, z) = logsumexp(z) - z[y]``.

    ``y`` is a one-hot matrix of shape ``(n, K)``; the gradient is ``softmax(z) - y``.
    """

    smooth = True
    link = SoftmaxLink()

    def loss_gradient(self, y, raw):
        log_normaliser, probability = log_softmax_parts(raw)
        value = log_normaliser - np.einsum("ij,ij->i", y, raw)
        probability -= y
        return value, probability

    def baseline(self, y, sample_weight):
        """Log class frequencies, centred to sum to zero."""
        return self.baseline_from_mean(np.average(y, axis=0, weights=sample_weight))

    def baseline_from_mean(self, target_mean):
        log_frequency = np.log(np.clip(target_mean, 1e-10, None))
        return log_frequency - log_frequency.mean()

    def constant_score_sums(self, target_mean, score):
        """Mean loss and residual at constant scores ``b`` (one per class), from ``ybar``.

        Returns ``(logsumexp(b) - ybar . b, (softmax(b), -1))``.
        """
        score = np.asarray(score, dtype=float)
        log_normaliser, probability = log_softmax_parts(score[None, :])
        loss = float(log_normaliser[0] - target_mean @ score)
        return loss, (probability[0], -1.0)

    hessian_layout = "coupled"
    has_conjugate = True

    def hessian_weights(self, y, raw):
        """``q_k (delta_kl - q_l)`` for the pairs ``k <= l`` (``np.triu_indices`` order)."""
        probability = log_softmax_parts(raw)[1]
        first, second = np.triu_indices(raw.shape[1])
        weights = -probability[:, first] * probability[:, second]
        diagonal = first == second
        weights[:, diagonal] += probability
        return weights

    def dual_repair(self, gradient_mean, target_mean):
        """Mix the probability rows with a point ``pi`` of the simplex."""
        return _mix_towards_constant(gradient_mean, target_mean, multinomial=True)


# Scores within +-_UNSHIFTED_SCORE need no shift by the row maxima before exp: exp stays
# within float32's normal range, and a row's sum of exponentials far from overflow. (The
# Array API passes skip the shift always and check their row sums afterwards: a host
# block's two reductions are cheap, a device's sync is not.)
_UNSHIFTED_SCORE = 40.0


def log_softmax_parts(raw):
    """Return ``logsumexp(raw, axis=1)`` and ``softmax(raw, axis=1)``, computed stably.

    The shift by the row maxima is skipped when every score is within
    ``+-_UNSHIFTED_SCORE`` (two reductions of the whole block decide): the row maxima and
    the shifted copy cost more than the exponentials (a third of a softmax of 10 classes).
    Otherwise the row maximum goes column by column for few columns (NumPy's reductions
    along a short last axis are several times slower). The row sums go through a
    matrix-vector product.
    """
    n_columns = raw.shape[1]
    if raw.size and -_UNSHIFTED_SCORE <= raw.min() and raw.max() <= _UNSHIFTED_SCORE:
        exponential = np.exp(raw)
        total = exponential @ np.ones(n_columns, dtype=raw.dtype)
        exponential /= total[:, None]
        return np.log(total), exponential
    if n_columns >= 32:
        shift = raw.max(axis=1)
    else:
        shift = raw[:, 0].copy()
        for column in range(1, n_columns):
            np.maximum(shift, raw[:, column], out=shift)
    exponential = raw - shift[:, None]
    np.exp(exponential, out=exponential)
    total = exponential @ np.ones(n_columns, dtype=raw.dtype)
    exponential /= total[:, None]
    return np.log(total) + shift, exponential


def softmax(raw):
    """Row-wise softmax of a 2-D array, stable for large scores."""
    return log_softmax_parts(raw)[1]


def _sigmoid(score):
    exponential = np.exp(-np.abs(score))
    return np.where(score >= 0, 1.0, exponential) / (1.0 + exponential)


# How far ``q = y + v`` may leave [0, 1] by rounding before the conjugate is infinite.
_DOMAIN_ROUNDING = 1e-12


def _bounded_quadratic(y, v, bound, curvature):
    """``v y + curvature v^2 / 2`` where ``|v| <= bound`` (with a relative rounding
    allowance), ``inf`` beyond: the conjugate of the squared loss (``bound = inf``) and of
    Huber's (``curvature = 1``) and the smoothed absolute loss (``bound = 1``)."""
    value = v * y + 0.5 * curvature * v * v
    return np.where(np.abs(v) <= bound * (1.0 + _DOMAIN_ROUNDING), value, np.inf)


def _mix_bounded(gradient_mean, target_mean, bound, curvature):
    """Dual repair for ``L*(v) = v y + curvature v^2 / 2`` on ``|v| <= bound``.

    ``v' = (1 - lambda) v + lambda pi`` with ``pi = -(1 - lambda) g / lambda`` (so that
    ``sum u' = 0``), that is ``v' = (1 - lambda) (v - g)``: the shifted point scaled into
    the domain, with the smallest ``lambda`` that keeps ``|v'| <= (1 - lambda) (bound +
    |g|) <= bound``. Its conjugate, with ``g = sum c v`` and ``U = sum c v^2 >= 0``, is

        F*(u') = (1 - lambda) (F*(u) - g . ybar) - curvature (1 - lambda)^2 |g|^2 / 2
                 - curvature lambda (1 - lambda) U / 2,

    at most the first two terms (``delta`` below, with ``(1 - lambda) F*(u)`` taken by the
    caller). The convexity bound ``(1 - lambda) F*(u) + lambda L*(pi)`` adds
    ``curvature (1 - lambda)^2 |g|^2 / (2 lambda)`` instead, about ``|g| bound / 2``: linear
    in the intercept's gradient, which on targets of size ``s`` is ``s`` times rounding
    while ``J`` is ``s^2`` (Huber on ``y`` of size 1e-9: a bound 24 times ``J``).
    """
    g = np.asarray(gradient_mean, dtype=float)
    lam = float(np.max(np.abs(g) / (bound + np.abs(g)), initial=0.0))
    if lam == 0.0:
        return 0.0, np.zeros_like(g), 0.0, 0.0
    beta = -(1.0 - lam) * g  # lambda pi
    delta = -(1.0 - lam) * float(g @ target_mean) - 0.5 * curvature * (1.0 - lam) ** 2 * float(
        g @ g
    )
    return lam, beta, 0.0, delta


def _mix_towards_constant(gradient_mean, target_mean, multinomial, per_output=False):
    """``q' = (1 - lambda) q + lambda pi`` with the smallest ``lambda`` giving ``sum u' = 0``.

    ``g = sum_i c_i (q_i - y_i)`` and ``ybar = sum_i c_i y_i`` per output; ``pi = ybar - (1 -
    lambda) g / lambda`` must lie in [0, 1] (binary, per output) or the simplex. Returns
    ``(lambda, lambda pi, -lambda, lambda H(pi))``: the repaired ``X^T u'`` is
    ``(1 - lambda) X^T u + m (lambda pi)^T - lambda X^T (c y)`` and, ``H`` (the negative
    entropy) being convex and zero at the vertices, ``F*(u') <= (1 - lambda) F*(u) +
    lambda H(pi)``. With ``per_output`` (binary outputs) each output has its own
    ``lambda`` and the four results are arrays of shape (n_outputs,).
    """
    g = np.asarray(gradient_mean, dtype=float)
    ybar = np.asarray(target_mean, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(g > 0, g / (ybar + g), 0.0)
        down = np.where((g < 0) & (not multinomial), -g / (1.0 - ybar - g), 0.0)
    # each output's smallest lambda (1 where none is finite); one for all: the largest
    lam = np.maximum(up, down)
    lam = np.where(np.isfinite(lam), np.clip(lam, 0.0, 1.0), 1.0)
    if not per_output:
        lam = float(np.max(lam, initial=0.0))
        if lam == 0.0:
            return 0.0, np.zeros_like(g), 0.0, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = np.clip(np.where(lam > 0, ybar - (1.0 - lam) * g / lam, 0.0), 0.0, 1.0)
    entropies = [xlogy(pi, pi)] + ([] if multinomial else [xlogy(1.0 - pi, 1.0 - pi)])
    if per_output:
        return lam, lam * pi, -lam, lam * sum(entropies)
    return lam, lam * pi, -lam, lam * float(sum(part.sum() for part in entropies))


def _sum_outputs(value):
    return value if value.ndim == 1 else value.sum(axis=1)


def _weighted_median(y, sample_weight):
    y = np.asarray(y)
    if y.ndim == 2:
        return np.array([_weighted_median(column, sample_weight) for column in y.T])
    if sample_weight is None:
        return np.median(y)
    order = np.argsort(y)
    cumulative = np.cumsum(sample_weight[order])
    return y[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])]
