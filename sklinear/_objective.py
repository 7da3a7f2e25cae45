"""The objective a solver minimises: data + loss + penalty + sample weights + intercept.

    J(w, b) = (1 / n_eff) * sum_i s_i * L(y_i, x_i . w + b) + penalty(w),  n_eff = sum_i s_i

Implicit standardisation (preconditioning). The solver works on coefficients ``v`` of the
standardised columns ``x_s = (x - m) / s`` and an intercept ``c``, but ``X_s`` is never
built: the products go through ``X`` itself,

    X_s v + c   = X (v / s) + (c - m . (v / s))
    X_s^T r     = (X^T r - m * sum(r)) / s,

and the penalty is applied to the user's coefficients ``w = v / s``, so the optimum is that of
``J`` on the features the user passed. ``to_user`` maps ``(v, c)`` back to ``(w, b)``.

Dense ``X`` is processed in row blocks that stay in cache: the scores of a block, its loss and
its residual, and the block's share of ``X^T r`` are computed before moving on, so one value
and gradient costs one read of ``X``.

The solver sees a flat float64 vector ``theta`` (the ``v`` rows, then ``c`` when there is an
intercept, each row holding one value per output) and nothing else of the problem.
"""

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from ._penalties import ElasticNetPenalty

_BLOCK_BYTES = 1 << 20

# The row blocks are small: multi-threaded BLAS gains nothing on them and, on a loaded
# machine, stalls a scheduler slice per call. Block loops run with one BLAS thread.
_BLAS = ThreadpoolController()


def column_statistics(X, sample_weight, center):
    """Weighted column means (zero when not ``center``) and variances of ``X``.

    Without centring the "variance" is the mean square. Computed in float64 in row blocks,
    without copying X.
    """
    n_samples, n_features = X.shape
    weights = np.ones(n_samples) if sample_weight is None else sample_weight
    total = weights.sum()
    if sp.issparse(X):
        X = X.tocsr()
        row_weights = np.repeat(weights, np.diff(X.indptr))
        data = X.data.astype(np.float64)
        first = np.bincount(X.indices, weights=data * row_weights, minlength=n_features)
        second = np.bincount(X.indices, weights=data * data * row_weights, minlength=n_features)
    else:
        first = np.zeros(n_features)
        second = np.zeros(n_features)
        with _BLAS.limit(limits=1, user_api="blas"):
            for rows in _row_blocks(X):
                block = X[rows].astype(np.float64)
                block_weights = weights[rows]
                first += block_weights @ block
                block *= block
                second += block_weights @ block
    first /= total
    second /= total
    if not center:
        return np.zeros(n_features), second
    variance = np.maximum(second - first * first, 0.0)
    # A constant column computed with rounding noise has variance ~ eps * mean^2: call it 0.
    variance[variance <= (np.finfo(np.float64).eps * 1e3 * first) ** 2] = 0.0
    return first, variance


def preconditioner_scale(variance, l2_strength):
    """Column scales ``s = sqrt(variance + l2_strength)``.

    In the coefficients ``v = w * s`` of the standardised problem the diagonal of the
    Hessian of ``J`` is about ``(c * variance + l2_strength) / s^2 ~ 1`` (``c`` the loss
    curvature): columns with little variance stay well scaled even under a strong L2
    penalty (``alpha / s^2`` would otherwise dominate). Columns with no variance and no
    L2 penalty get scale 1.
    """
    scale = np.sqrt(variance + l2_strength)
    scale[~(scale > 0)] = 1.0
    return scale


def _row_blocks(X):
    n_samples, n_features = X.shape
    block = max(64, _BLOCK_BYTES // max(1, n_features * X.dtype.itemsize))
    for start in range(0, n_samples, block):
        yield slice(start, min(start + block, n_samples))


class LinearObjective:
    """Value, gradient and proximal step of ``J`` for a linear model.

    The standardised columns are ``(x - mean) / scale`` with the weighted column mean
    (when there is an intercept) and ``scale`` from :func:`preconditioner_scale`.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Float32 or float64; never copied or modified.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Encoded target in the loss's convention (one-hot for the multinomial loss).
    loss : object
        A loss of :mod:`sklinear._losses`.
    alpha, l1_ratio : float
        Penalty strength and L1 share.
    sample_weight : ndarray of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    mean, scale : ndarray of shape (n_features,), default=None
        Preconditioning statistics; computed from ``X`` when None and ``standardize``.
    standardize : bool, default=True
        Work on implicitly standardised columns.
    """

    def __init__(
        self,
        X,
        Y,
        loss,
        alpha,
        l1_ratio,
        *,
        sample_weight=None,
        fit_intercept=True,
        mean=None,
        scale=None,
        standardize=True,
    ):
        if Y.ndim == 2 and Y.shape[1] == 1:
            Y = Y[:, 0]
        self.X = X
        self.Y = Y
        self.loss = loss
        self.sample_weight = sample_weight
        self.fit_intercept = fit_intercept
        self.n_samples, self.n_features = X.shape
        self.n_outputs = 1 if Y.ndim == 1 else Y.shape[1]
        self.weight_sum = (
            float(self.n_samples) if sample_weight is None else float(sample_weight.sum())
        )
        if mean is None or scale is None:
            if standardize:
                mean, variance = column_statistics(X, sample_weight, center=fit_intercept)
                scale = preconditioner_scale(variance, alpha * (1.0 - l1_ratio))
            else:
                mean, scale = np.zeros(self.n_features), np.ones(self.n_features)
        # Without an intercept nothing can absorb a centring shift: columns are only scaled
        # (also when statistics from an earlier fit with an intercept are passed in).
        self.mean = mean if fit_intercept else np.zeros(self.n_features)
        self.scale = scale
        self.penalty = ElasticNetPenalty(alpha, l1_ratio, scale)
        self.smooth = loss.smooth and self.penalty.smooth
        self.n_rows = self.n_features + int(fit_intercept)
        self.size = self.n_rows * self.n_outputs

    # --- parameter mapping -------------------------------------------------------------
    def _split(self, theta):
        theta = theta.reshape(self.n_rows, self.n_outputs)
        coef = theta[: self.n_features]
        intercept = theta[self.n_features] if self.fit_intercept else np.zeros(self.n_outputs)
        return coef, intercept

    def _raw_parameters(self, theta):
        """Weights and offset such that scores are ``X @ weights + offset``."""
        weights, offset = self.to_user(theta)
        if self.n_outputs == 1:
            weights = weights[:, 0]
        return weights.astype(self.X.dtype, copy=False), offset

    def to_user(self, theta):
        """Coefficients ``(n_features, n_outputs)`` and intercepts ``(n_outputs,)``."""
        coef, intercept = self._split(theta)
        weights = coef / self.scale[:, None]
        return weights, intercept - self.mean @ weights

    def from_user(self, coef, intercept):
        """Inverse of :meth:`to_user`: a flat ``theta`` from user coefficients."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.n_features, self.n_outputs)
        rows = [coef * self.scale[:, None]]
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=np.float64).reshape(self.n_outputs)
            rows.append((intercept + self.mean @ coef)[None, :])
        return np.concatenate(rows).ravel()

    def initial_theta(self):
        """Zero coefficients and the best constant score as intercept."""
        theta = np.zeros((self.n_rows, self.n_outputs))
        if self.fit_intercept:
            theta[self.n_features] = self.loss.baseline(self.Y, self.sample_weight)
        return theta.ravel()

    # --- evaluation --------------------------------------------------------------------
    def raw_prediction(self, theta, X=None):
        """Scores ``z`` of the rows of ``X`` (default: the training data)."""
        weights, offset = self._raw_parameters(theta)
        X = self.X if X is None else X
        raw = X @ weights
        return raw + (offset[0] if raw.ndim == 1 else offset)

    def value_and_gradient(self, theta, rows=None):
        """Value and gradient of the smooth part of ``J`` (data term + L2 part).

        ``rows`` (an index array) restricts the data term to those samples, normalised by
        their own weight sum: the mini-batch objective of the stochastic solvers.
        """
        weights, offset = self._raw_parameters(theta)
        if rows is None:
            X, Y, sample_weight, weight_sum = self.X, self.Y, self.sample_weight, self.weight_sum
            blocks = [slice(None)] if sp.issparse(X) else _row_blocks(X)
        else:
            X, Y = self.X[rows], self.Y[rows]
            sample_weight = None if self.sample_weight is None else self.sample_weight[rows]
            weight_sum = len(rows) if sample_weight is None else float(sample_weight.sum())
            blocks = [slice(None)]
        value = 0.0
        product = np.zeros((self.n_features, self.n_outputs))
        residual_sum = np.zeros(self.n_outputs)
        with _BLAS.limit(limits=1, user_api="blas"):
            for block in blocks:
                X_block = X[block]
                raw = X_block @ weights
                raw += offset[0] if raw.ndim == 1 else offset
                loss, gradient = self.loss.loss_gradient(Y[block], raw)
                if sample_weight is not None:
                    block_weights = sample_weight[block]
                    loss = loss * block_weights
                    gradient = gradient * (
                        block_weights if raw.ndim == 1 else block_weights[:, None]
                    )
                value += float(loss.sum(dtype=np.float64))
                if gradient.ndim == 1:
                    gradient = gradient[:, None]
                product += X_block.T @ gradient
                residual_sum += np.ones(len(gradient), dtype=gradient.dtype) @ gradient
        if weight_sum <= 0:
            raise ValueError("The sample weights sum to zero: at least one must be positive.")
        value /= weight_sum
        product /= weight_sum
        residual_sum /= weight_sum
        return self._finish(theta, value, product, residual_sum)

    def _finish(self, theta, value, product, residual_sum):
        coef, _ = self._split(theta)
        penalty_value, penalty_gradient = self.penalty.smooth_value_gradient(coef)
        grad_coef = (product - self.mean[:, None] * residual_sum) / self.scale[:, None]
        grad_coef += penalty_gradient
        if self.fit_intercept:
            gradient = np.concatenate([grad_coef, residual_sum[None, :]])
        else:
            gradient = grad_coef
        return value + penalty_value, gradient.ravel()

    def l1_weights(self):
        """Per-component L1 strength in the layout of ``theta`` (zero for the intercept)."""
        weights = np.zeros((self.n_rows, self.n_outputs))
        weights[: self.n_features] = self.penalty.l1_weight
        return weights.ravel()

    def nonsmooth_value(self, theta):
        """The L1 part of the penalty."""
        return self.penalty.nonsmooth_value(self._split(theta)[0])

    def prox(self, theta, step):
        """Proximal step of ``step * (L1 part)``; the intercept is untouched."""
        if self.penalty.smooth:
            return theta
        theta = theta.reshape(self.n_rows, self.n_outputs).copy()
        theta[: self.n_features] = self.penalty.prox(theta[: self.n_features], step)
        return theta.ravel()

    def value(self, theta):
        """The whole objective ``J``."""
        return self.value_and_gradient(theta)[0] + self.nonsmooth_value(theta)
