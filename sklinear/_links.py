"""Inverse links: from raw scores ``z = X w + b`` to what a model predicts.

Each loss in :mod:`sklinear._losses` carries its link as the class attribute ``link``, and
every predicted probability comes from here:

* :class:`IdentityLink` (squared, absolute, Huber losses): the prediction is the score.
* :class:`LogitLink` (binomial log-loss): ``sigmoid(z)`` per output; binary, one-vs-rest
  and multilabel probabilities.
* :class:`SoftmaxLink` (multinomial cross-entropy): ``softmax(z)`` over each row.

The log-probabilities are computed in log space (``log_expit``, ``log_softmax``), never
as ``log(probability)``: they stay finite for scores up to ``|z| = 1e4`` where the
probability itself rounds to 0. Class-probability rows are finite and sum to one for any
finite scores. ``temperature`` divides the scores first (``softmax(z / T)``); a tiny
positive ``T`` gives the argmax row (shared equally between tied maxima, the limit of
``softmax(z / T)`` as ``T -> 0+``), never NaN.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax


class IdentityLink:
    """Regression: the prediction is the raw score itself."""

    def inverse(self, raw):
        """Return ``raw`` unchanged.

        Parameters
        ----------
        raw : ndarray
            Raw scores.

        Returns
        -------
        prediction : ndarray
            The same array.
        """
        return raw


class LogitLink:
    """Sigmoid link of the binomial log-loss: ``P(y = 1 | z) = 1 / (1 + exp(-z))``."""

    def inverse(self, raw):
        """Elementwise ``sigmoid(raw)``: the probability of each output being 1.

        Parameters
        ----------
        raw : ndarray
            Raw scores, any shape.

        Returns
        -------
        probability : ndarray
            Same shape as ``raw``, in ``[0, 1]``.
        """
        return expit(raw)

    def log_inverse(self, raw):
        """Elementwise ``log(sigmoid(raw))``, computed as ``log_expit`` (finite for finite raw).

        Parameters
        ----------
        raw : ndarray
            Raw scores, any shape.

        Returns
        -------
        log_probability : ndarray
            Same shape as ``raw``, ``<= 0``.
        """
        return log_expit(raw)

    def class_probabilities(self, raw, temperature=1.0):
        """Probabilities of the classes, rows summing to one.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_outputs)
            One column: a binary problem, returned as ``[1 - p, p]`` with
            ``p = sigmoid(z / temperature)`` (``1 - p`` computed as ``sigmoid(-z / T)``).
            Several columns: one-vs-rest, the sigmoids normalised to sum to one (in log
            space, so that rows of very negative scores do not become 0 / 0).
        temperature : float, default=1.0
            ``> 0``; divides the scores of a binary problem.

        Returns
        -------
        probability : ndarray of shape (n_samples, max(2, n_outputs))
        """
        if raw.shape[1] == 1:
            score = _divide(raw[:, 0], temperature)
            return np.column_stack([expit(-score), expit(score)])
        return softmax(log_expit(raw), axis=1)

    def log_class_probabilities(self, raw, temperature=1.0):
        """Logarithm of :meth:`class_probabilities`, computed in log space.

        Binary: ``[log_expit(-z / T), log_expit(z / T)]``. One-vs-rest:
        ``log_expit(z_k) - logsumexp_j(log_expit(z_j))``.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_outputs)
        temperature : float, default=1.0

        Returns
        -------
        log_probability : ndarray of shape (n_samples, max(2, n_outputs))
        """
        if raw.shape[1] == 1:
            score = _divide(raw[:, 0], temperature)
            return np.column_stack([log_expit(-score), log_expit(score)])
        return log_softmax(log_expit(raw), axis=1)


class SoftmaxLink:
    """Softmax link of the multinomial cross-entropy: ``P(k | z) = exp(z_k) / sum_j exp(z_j)``."""

    def inverse(self, raw):
        """Row-wise ``softmax(raw)``.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_classes)

        Returns
        -------
        probability : ndarray of shape (n_samples, n_classes)
            Rows summing to one.
        """
        return softmax(raw, axis=1)

    def log_inverse(self, raw):
        """Row-wise ``log_softmax(raw) = raw - logsumexp(raw)``.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_classes)

        Returns
        -------
        log_probability : ndarray of shape (n_samples, n_classes)
        """
        return log_softmax(raw, axis=1)

    def class_probabilities(self, raw, temperature=1.0):
        """``softmax(raw / temperature)`` over each row.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_classes)
        temperature : float, default=1.0
            ``> 0``. Each row is shifted by its maximum before the division, so a tiny
            temperature sends the other scores to ``-inf`` (probability 0) instead of
            overflowing to ``inf - inf``.

        Returns
        -------
        probability : ndarray of shape (n_samples, n_classes)
        """
        return self.inverse(_temper(raw, temperature))

    def log_class_probabilities(self, raw, temperature=1.0):
        """``log_softmax(raw / temperature)`` over each row, in log space.

        Parameters
        ----------
        raw : ndarray of shape (n_samples, n_classes)
        temperature : float, default=1.0

        Returns
        -------
        log_probability : ndarray of shape (n_samples, n_classes)
        """
        return self.log_inverse(_temper(raw, temperature))


def _divide(raw, temperature):
    """``raw / temperature``; a tiny temperature may overflow to ``+-inf``, which is fine."""
    if temperature == 1.0:
        return raw
    with np.errstate(over="ignore"):
        return raw / temperature


def _temper(raw, temperature):
    """``(raw - row maximum) / temperature``: the same softmax as ``raw / temperature``."""
    if temperature == 1.0:
        return raw
    return _divide(raw - raw.max(axis=1, keepdims=True), temperature)
