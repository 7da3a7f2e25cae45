"""Pointwise losses: the value and the gradient with respect to the raw score.

A loss knows only the target and the raw scores ``z = X w + b``; it knows nothing of
the features, the penalty, the sample weights or the solver. Every loss here is stable for
raw scores up to ``|z| = 1e4`` (no overflow, no NaN): the log-losses use
``logaddexp`` / log-sum-exp forms and ``expit`` for the sigmoid.

Shapes: ``raw`` is ``(n_samples,)`` for one output or ``(n_samples, n_outputs)``; the
gradient has the shape of ``raw``; the value is per sample, ``(n_samples,)``, summed
over the outputs.
"""

import numpy as np

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

    def __init__(self, mu):
        self.mu = mu

    def loss_gradient(self, y, raw):
        residual = raw - y
        absolute = np.abs(residual)
        mu = self.mu
        value = np.where(absolute <= mu, residual * residual / (2 * mu), absolute - 0.5 * mu)
        return _sum_outputs(value), np.clip(residual / mu, -1.0, 1.0)

    def baseline(self, y, sample_weight):
        return _weighted_median(y, sample_weight)


class HuberLoss:
    """Huber loss with threshold ``epsilon``.

    ``L = r^2 / 2`` where ``|r| <= epsilon``, else ``epsilon * |r| - epsilon^2 / 2``,
    with ``r = z - y``; the gradient is ``clip(r, -epsilon, epsilon)``. It is the loss
    ``SGDRegressor(loss='huber')`` uses.
    """

    smooth = True
    link = IdentityLink()

    def __init__(self, epsilon=1.35):
        self.epsilon = epsilon

    def loss_gradient(self, y, raw):
        residual = raw - y
        absolute = np.abs(residual)
        epsilon = self.epsilon
        value = np.where(
            absolute <= epsilon, 0.5 * residual * residual, epsilon * absolute - 0.5 * epsilon**2
        )
        return _sum_outputs(value), np.clip(residual, -epsilon, epsilon)

    def baseline(self, y, sample_weight):
        return _weighted_median(y, sample_weight)


class BinomialLoss:
    """Log-loss of a sigmoid: ``L(y, z) = log(1 + exp(z)) - y z`` for ``y`` in {0, 1}.

    This equals ``log(1 + exp(-t z))`` with ``t = 2 y - 1`` in {-1, +1}. The gradient is
    ``sigmoid(z) - y``. With ``raw`` of shape ``(n, K)`` and ``y`` a 0/1 matrix it is
    ``K`` independent sigmoids (one-vs-rest, multilabel).
    """

    smooth = True
    link = LogitLink()

    def loss_gradient(self, y, raw):
        # One exponential serves the value and the sigmoid: with e = exp(-|z|),
        # log(1 + exp(z)) - y z = (max(z, 0) - y z) + log1p(e), summed in this order so
        # that a confident correct score (y = 1, z >> 0) keeps its tiny loss exactly, and
        # sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) otherwise.
        exponential = np.exp(-np.abs(raw))
        value = np.maximum(raw, 0)
        value -= y * raw
        value += np.log1p(exponential)
        gradient = np.where(raw >= 0, 1, exponential)
        gradient /= 1 + exponential
        gradient -= y
        return _sum_outputs(value), gradient

    def baseline(self, y, sample_weight):
        """The log-odds of the weighted positive rate (clipped away from 0 and 1)."""
        rate = np.clip(np.average(y, axis=0, weights=sample_weight), 1e-10, 1 - 1e-10)
        return np.log(rate) - np.log1p(-rate)


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
        frequency = np.clip(np.average(y, axis=0, weights=sample_weight), 1e-10, None)
        log_frequency = np.log(frequency)
        return log_frequency - log_frequency.mean()


def log_softmax_parts(raw):
    """Return ``logsumexp(raw, axis=1)`` and ``softmax(raw, axis=1)``, computed stably.

    The row maximum and the row sums go column by column and through a matrix-vector
    product: NumPy's reductions along a short last axis are several times slower.
    """
    shift = raw[:, 0].copy()
    for column in range(1, raw.shape[1]):
        np.maximum(shift, raw[:, column], out=shift)
    exponential = raw - shift[:, None]
    np.exp(exponential, out=exponential)
    total = exponential @ np.ones(raw.shape[1], dtype=raw.dtype)
    exponential /= total[:, None]
    return np.log(total) + shift, exponential


def softmax(raw):
    """Row-wise softmax of a 2-D array, stable for large scores."""
    return log_softmax_parts(raw)[1]


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
