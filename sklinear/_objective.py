"""The objective a solver minimises: data + loss + penalty + sample weights + intercept.

    J(w, b) = (1 / n_eff) * sum_i s_i * L(y_i, x_i . w + b) + penalty(w),  n_eff = sum_i s_i

Implicit standardisation (preconditioning). The solver works on coefficients ``v`` of the
standardised columns ``x_s = (x - m) / s`` and an intercept ``c``, but ``X_s`` is never
built: the products go through ``X`` itself (see :mod:`sklinear._data`),

    X_s v + c   = (X - m) (v / s) + c
    X_s^T r     = (X - m)^T r / s,

and the penalty is applied to the user's coefficients ``w = v / s`` (or, with
``scale_predictors``, to ``w * std``), so the optimum is that of ``J`` on the features the
user passed. ``to_user`` maps ``(v, c)`` back to ``(w, b)``, ``b = c - m . w``.

The solver sees a flat float64 vector ``theta`` (the ``v`` rows, then ``c`` when there is an
intercept, each row holding one value per output) and nothing else of the problem. Each
evaluation also yields the duality gap at no extra pass (:mod:`sklinear._certificate`).
"""

import dataclasses

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._certificate import (
    absolute_completed_gap,
    absolute_stationarity,
    duality_gap,
    l1_completed_gap,
    penalty_value,
)
from ._data import EvaluationSums, InMemoryData, Statistics, all_blas_threads
from ._penalties import ElasticNetPenalty
from ._program import absolute_l1_program
from ._solvers import usable_diagonal

# Dense row blocks are centred before the products when a column's mean exceeds its spread
# by this factor: float32 products of uncentred columns lose the gradient in rounding.
_SHIFT_RATIO = {np.dtype(np.float32): 10.0, np.dtype(np.float64): 1e6}
# Column blocks of dense X in the kernel product X F^-2 X^T (kernel_solution): the scaled
# copy of one block at a time.
_KERNEL_BLOCK_BYTES = 1 << 24
# The L1 certificate's correction (:meth:`LinearObjective.completed_l1_gap`) solves a dense
# system over at most this many values of the columns it corrects (n x columns).
_COMPLETION_MAX_VALUES = 1 << 23
# The absolute loss with a pure L1 penalty is solved as a linear program
# (:meth:`LinearObjective.absolute_l1_program`) when its constraint matrix has at most this
# many entries (n (p + 1), or nnz + n on sparse data): 50,000 x 10 takes 1.2 s, 2,000 x 300
# 1.8 s on two cores.
_PROGRAM_MAX_ENTRIES = 2_000_000


def column_statistics(X, sample_weight, center):
    """Weighted column means (zero when not ``center``) and variances of ``X`` (float64)."""
    data = InMemoryData(X, np.zeros(X.shape[0]), sample_weight)
    statistics = data.statistics()
    if not center:
        return np.zeros(X.shape[1]), statistics.variance + statistics.mean**2
    return statistics.mean, statistics.variance


def preconditioner_scale(variance, l2_strength):
    """Column scales ``s = sqrt(variance + l2_strength)``.

    In the coefficients ``v = w * s`` of the standardised problem the diagonal of the
    Hessian of ``J`` is about ``(c * variance + l2_strength) / s^2 ~ 1`` (``c`` the loss
    curvature): columns with little variance stay well scaled even under a strong L2
    penalty. Columns with no variance and no L2 penalty get scale 1.
    """
    scale = np.sqrt(variance + l2_strength)
    scale[~(scale > 0)] = 1.0
    return scale


def round_scale(scale, factor, l2_strength):
    """Column scales rounded so that the L2 weights take few distinct values ('sgd').

    The L2 weight of column j in the solver's coordinates is ``l2_strength * (factor_j /
    scale_j)^2``; rounding ``scale_j / factor_j`` to a power of ``2^(1/4)`` (at most 9 %
    off) leaves a handful of distinct weights, so the O(nnz) sparse steps
    (:mod:`sklinear._lazy`) share their deferred decay among the columns of a group. The
    optimum does not depend on the scales. Without an L2 part the scales stay as they are.
    """
    scale = np.asarray(scale, dtype=float)
    if not l2_strength > 0:
        return scale
    ratio = scale / factor
    return factor * np.exp2(np.round(4.0 * np.log2(ratio)) / 4.0)


def penalty_factor(variance, scale_predictors):
    """Per-column factor ``f`` of the penalty on ``f * w``: the std, or 1.

    With ``scale_predictors`` a constant column (std 0) keeps factor 1: its coefficient is
    penalised as is (its optimum is 0, the intercept carries the constant).
    """
    if not scale_predictors:
        return np.ones_like(variance)
    factor = np.sqrt(variance)
    factor[~(factor > 0)] = 1.0
    return factor


def merge_moments(previous, chunk):
    """Weighted moments of two data sets together (Chan et al.'s pairwise update).

    ``previous`` and ``chunk`` are :class:`~sklinear._data.Statistics` (or ``previous`` None);
    only ``weight_sum``, ``mean`` and ``variance`` are combined.
    """
    if previous is None:
        return Statistics(chunk.weight_sum, chunk.mean, chunk.variance, None, None)
    total = previous.weight_sum + chunk.weight_sum
    share = chunk.weight_sum / total
    delta = chunk.mean - previous.mean
    mean = previous.mean + share * delta
    variance = (
        (1.0 - share) * previous.variance
        + share * chunk.variance
        + share * (1.0 - share) * delta * delta
    )
    return Statistics(total, mean, variance, None, None)


def streaming_precondition(moments, l2_strength, scale_predictors, rounded=False):
    """``(mean, scale, factor)`` for :class:`LinearObjective` from running moments
    (``rounded``: :func:`round_scale`)."""
    factor = penalty_factor(moments.variance, scale_predictors)
    scale = preconditioner_scale(moments.variance, l2_strength * factor**2)
    if rounded:
        scale = round_scale(scale, factor, l2_strength)
    return moments.mean, scale, factor


def rescale_solver_state(state, old_scale, new_scale, objective, old_mean=None):
    """Map a stochastic solver's state to new column scales (``v = w * scale``).

    Steps (momentum velocity) scale as ``v``, gradients as ``1 / scale``: Adam's first
    moment by ``old / new``, its second moment by ``(old / new)^2``. The intercept row is
    left as is. The iterate and the average kept by averaging (``state['iterate']``,
    ``state['average']``, in the coordinates of the old means ``old_mean`` and scales) are
    mapped exactly, through the user's coefficients.
    """
    for key in ("iterate", "average"):
        if state.get(key) is None:
            continue
        k = objective.n_outputs
        theta = state[key].reshape(objective.n_rows, k)
        weights = theta[: objective.n_features] / np.asarray(old_scale)[:, None]
        intercept = np.zeros(k)
        if objective.fit_intercept:
            mean = np.zeros(objective.n_features) if old_mean is None else old_mean
            intercept = theta[objective.n_features] - np.asarray(mean) @ weights
        state[key] = objective.from_user(weights, intercept)
    ratio = np.ones(objective.n_rows)
    ratio[: objective.n_features] = np.asarray(new_scale) / np.asarray(old_scale)
    ratio = np.repeat(ratio, objective.n_outputs)
    if state.get("velocity") is not None:
        state["velocity"] = state["velocity"] * ratio
    if state.get("first_moment") is not None:
        state["first_moment"] = state["first_moment"] / ratio
        state["second_moment"] = state["second_moment"] / ratio**2


class LinearObjective:
    """Value, gradient, Hessian, proximal step and duality gap of ``J`` for a linear model.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Float32 or float64; never copied or modified. Ignored when ``data`` is given.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Encoded target in the loss's convention (one-hot for the multinomial loss).
    loss : object
        A loss of :mod:`sklinear._losses`.
    alpha, l1_ratio : float
        Penalty strength and L1 share.
    sample_weight : ndarray of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    mean, scale : ndarray of shape (n_features,), default=None
        Preconditioning statistics; computed from the data when None and ``standardize``.
    standardize : bool, default=True
        Work on implicitly standardised columns.
    scale_predictors : bool, default=False
        Penalise ``w * std`` (the coefficients of the standardised columns).
    factor : ndarray of shape (n_features,), default=None
        The penalty factor (overrides ``scale_predictors``; passed on by :meth:`with_loss`).
    n_jobs : int or None, default=None
        Threads for a pass over ``X``.
    data : object, default=None
        A data object with the interface of :class:`~sklinear._data.InMemoryData` (Dask,
        Array API); built from ``X``, ``Y`` and ``sample_weight`` when None.
    statistics : Statistics, default=None
        Precomputed :meth:`~sklinear._data.InMemoryData.statistics`.
    rounded_scale : bool, default=False
        Round the computed column scales with :func:`round_scale` (solver 'sgd').
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
        scale_predictors=False,
        factor=None,
        n_jobs=None,
        data=None,
        statistics=None,
        rounded_scale=False,
    ):
        if data is None:
            data = InMemoryData(X, Y, sample_weight, n_jobs=n_jobs)
        self.data = data
        self.X = getattr(data, "X", X)
        self.Y = getattr(data, "Y", Y)
        self.sample_weight = getattr(data, "sample_weight", sample_weight)
        self.loss = loss
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.fit_intercept = fit_intercept
        self.n_samples, self.n_features = data.n_samples, data.n_features
        self.n_outputs = data.n_outputs
        self._statistics = statistics
        if factor is None:
            factor = (
                penalty_factor(self.statistics.variance, True)
                if scale_predictors
                else np.ones(self.n_features)
            )
        self.factor = factor
        if mean is None or scale is None:
            if standardize:
                statistics = self.statistics
                mean = statistics.mean
                l2_strength = self.alpha * (1.0 - self.l1_ratio)
                scale = preconditioner_scale(statistics.variance, l2_strength * factor**2)
                if rounded_scale:
                    scale = round_scale(scale, factor, l2_strength)
            else:
                mean, scale = np.zeros(self.n_features), np.ones(self.n_features)
        # Without an intercept nothing can absorb a centring shift: columns are only scaled.
        self.mean = np.asarray(mean, dtype=float) if fit_intercept else np.zeros(self.n_features)
        self.scale = np.asarray(scale, dtype=float)
        self.penalty = ElasticNetPenalty(self.alpha, self.l1_ratio, self.scale / factor)
        self.n_rows = self.n_features + int(fit_intercept)
        self.size = self.n_rows * self.n_outputs
        self._shift = self._choose_shift()
        self._last = None
        self._order = None
        self._laid_out = False

    @property
    def statistics(self):
        """The data's weighted moments, computed on first use (one pass)."""
        if self._statistics is None:
            self._statistics = self.data.statistics()
        return self._statistics

    @property
    def weight_sum(self):
        return self.statistics.weight_sum

    def _choose_shift(self):
        """The block shift: the centring mean where a column's mean dwarfs its scale."""
        if not (self.fit_intercept and self.data.can_shift) or not np.any(self.mean):
            return None
        ratio = _SHIFT_RATIO.get(np.dtype(self.data.dtype), 1e6)
        if np.any(np.abs(self.mean) > ratio * self.scale):
            return self.mean
        return None

    def every(self, step):
        """This objective (the same coordinates, penalty and loss) on every ``step``-th row,
        normalised by their own weight sum; None where the data layer has no such view.

        It serves Hessians (preconditioners). Where the rows carry no weights, their weight
        sum is their count and no statistics pass runs over them (a Dask graph saved): the
        other moments it holds are then the whole data's.
        """
        every = getattr(self.data, "every", None)
        data = None if every is None else every(step)
        if data is None:
            return None
        statistics = None
        if not getattr(self.data, "weighted", True):
            statistics = dataclasses.replace(self.statistics, weight_sum=float(data.n_samples))
        return self._sibling(self.loss, data, statistics)

    def with_loss(self, loss):
        """The same data, statistics, preconditioner and penalty with another loss."""
        return self._sibling(loss, self.data, self._statistics)

    def _sibling(self, loss, data, statistics=None):
        """An objective with this one's coordinates and penalty on ``data`` with ``loss``."""
        return LinearObjective(
            None,
            None,
            loss,
            self.alpha,
            self.l1_ratio,
            fit_intercept=self.fit_intercept,
            mean=self.mean,
            scale=self.scale,
            factor=self.factor,
            data=data,
            statistics=statistics,
        )

    def columns(self, features):
        """This objective on the columns ``features`` only (in-memory data), the others'
        coefficients held at zero: the subproblem of a working set (see
        :func:`sklinear._fit._working_sets`).

        The columns are copied (``n x len(features)``), with their statistics, centring,
        scales and penalty factors, so the subproblem's coordinates are those of this
        objective restricted to the rows :meth:`column_rows` of ``theta``: ``J`` of the
        subproblem at ``theta[rows]`` is ``J`` here at ``theta`` with zeros elsewhere.
        """
        features = np.asarray(features, dtype=np.intp)
        data, statistics = self.data, self.statistics
        subset = InMemoryData(data.X[:, features], data.Y, data.sample_weight, n_jobs=data.n_jobs)
        target_product = statistics.target_product
        return LinearObjective(
            None,
            None,
            self.loss,
            self.alpha,
            self.l1_ratio,
            fit_intercept=self.fit_intercept,
            mean=self.mean[features],
            scale=self.scale[features],
            factor=self.factor[features],
            data=subset,
            statistics=Statistics(
                statistics.weight_sum,
                statistics.mean[features],
                statistics.variance[features],
                statistics.target_mean,
                None if target_product is None else target_product[features],
            ),
        )

    def column_rows(self, features):
        """The rows of ``theta`` (reshaped to ``(n_rows, n_outputs)``) that the subproblem
        :meth:`columns` of ``features`` keeps: theirs, then the intercept's."""
        intercept = np.arange(self.n_features, self.n_rows)
        return np.concatenate([np.asarray(features, dtype=np.intp), intercept])

    # --- parameter mapping -------------------------------------------------------------
    def _split(self, theta):
        theta = theta.reshape(self.n_rows, self.n_outputs)
        coef = theta[: self.n_features]
        intercept = theta[self.n_features] if self.fit_intercept else np.zeros(self.n_outputs)
        return coef, intercept

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
            if hasattr(self.loss, "baseline_from_mean"):
                baseline = self.loss.baseline_from_mean(self.statistics.target_mean)
            else:
                baseline = self.loss.baseline(self.Y, self.sample_weight)
            theta[self.n_features] = baseline
        return theta.ravel()

    # --- evaluation --------------------------------------------------------------------
    def _scores_parameters(self, theta):
        """User coefficients and the offset that goes with the block shift."""
        coef, intercept = self.to_user(theta)
        if self._shift is not None:
            # (X - m) w + (b + m . w); b + m . w is the solver's own intercept c when the
            # shift is the centring mean.
            offset = intercept + self._shift @ coef
        else:
            offset = intercept
        return coef, intercept, offset

    def raw_prediction(self, theta, X=None):
        """Scores ``z`` of the rows of ``X`` (default: the training data)."""
        coef, intercept = self.to_user(theta)
        raw = self.data.scores(coef, intercept, X)
        return raw[:, 0] if self.n_outputs == 1 else raw

    def prepare_batches(self, order):
        """Mini-batches will be slices of positions in ``order`` (the stochastic solvers).

        Returns True (they may be passed as ``rows=slice``): a data layer that can lay its
        rows out in ``order`` (:meth:`~sklinear._data.InMemoryData.prepare_batches`) reads
        each batch as one contiguous block; for the others the slice is mapped to rows here.
        """
        self._order = np.asarray(order)
        prepare = getattr(self.data, "prepare_batches", None)
        self._laid_out = bool(prepare(self._order)) if prepare is not None else False
        return True

    def _evaluate(self, theta, rows=None, hessian=False, hessian_columns=None, loss=None):
        coef, intercept, offset = self._scores_parameters(theta)
        index = self._order[rows] if isinstance(rows, slice) else rows
        sums = self.data.evaluate(
            self.loss if loss is None else loss,
            coef,
            offset,
            shift=self._shift,
            hessian=hessian,
            rows=rows if self._laid_out or index is None else index,
            **({} if hessian_columns is None else {"hessian_columns": hessian_columns}),
        )
        if rows is None:
            weight_sum = self.weight_sum
        elif self.sample_weight is None:
            weight_sum = float(len(index))
        else:
            weight_sum = float(np.sum(self.sample_weight[index], dtype=np.float64))
        if not weight_sum > 0:
            raise ValueError("The sample weights sum to zero: at least one must be positive.")
        return coef, intercept, sums, weight_sum

    def value_and_gradient(self, theta, rows=None):
        """Value and gradient of the smooth part of ``J`` (data term + L2 part).

        ``rows`` (an index array, or a slice of the order given to :meth:`prepare_batches`)
        restricts the data term to those samples, normalised by their own weight sum: the
        mini-batch objective of the stochastic solvers.
        """
        last = self._last
        if rows is None and last is not None and np.array_equal(last[0], theta):
            return self._finish(theta, last[3], last[4])  # no pass: the sums are known
        coef, intercept, sums, weight_sum = self._evaluate(theta, rows)
        value, gradient = self._finish(theta, sums, weight_sum)
        if rows is None:
            self._last = (theta.copy(), coef, intercept, sums, weight_sum, gradient)
        return value, gradient

    def prime(self, theta):
        """Know the sums at ``theta`` without a pass when its coefficients are all zero.

        The scores are then one constant per output, and for the log-losses the loss, the
        residuals' sum and ``X^T u`` follow from the statistics (class frequencies, column
        means, ``X^T (c y)``): the first evaluation of a fit from zero costs no pass. The
        squared loss also needs the targets' variance (data on the host only: a pass over
        ``y``, not ``X``).
        """
        coef, intercept = self.to_user(theta)
        constant = getattr(self.loss, "constant_score_sums", None)
        if constant is None or np.any(coef):
            return
        statistics = self.statistics
        options = {}
        if getattr(self.loss, "constant_needs_variance", False):  # the squared loss
            variance = getattr(self.data, "target_variance", None)
            if variance is None:
                return
            options["target_variance"] = variance()
        loss_mean, gradient_mean = constant(statistics.target_mean, intercept, **options)
        if loss_mean is None:
            return
        # sum_i c_i x_i u_i^T with u_i = L'(y_i, b) affine in y_i: m g_0^T - X^T (c y) a^T
        g_at_zero, slope = gradient_mean
        xi = np.outer(statistics.mean, g_at_zero) + statistics.target_product * slope
        residual_sum = g_at_zero + statistics.target_mean * slope
        shift = self._shift if self._shift is not None else np.zeros(self.n_features)
        weight_sum = statistics.weight_sum
        sums = EvaluationSums(
            float(loss_mean) * weight_sum,
            (xi - np.outer(shift, residual_sum)) * weight_sum,
            residual_sum * weight_sum,
        )
        gradient = self._finish(theta, sums, weight_sum)[1]
        self._last = (theta.copy(), coef, intercept, sums, weight_sum, gradient)

    @property
    def last_gradient(self):
        """The gradient of the last full evaluation (see :meth:`certificate`)."""
        return self._last[5]

    def _centred_product(self, sums, weight_sum):
        """``sum_i c_i (x_i - m) g_i^T`` and ``sum_i c_i g_i`` from the shifted sums."""
        residual_sum = sums.gradient_sum / weight_sum
        product = sums.product / weight_sum
        shift = self._shift if self._shift is not None else 0.0
        # (x - m) = (x - shift) + (shift - m)
        difference = shift - self.mean
        if np.any(difference):
            product = product + np.outer(difference, residual_sum)
        return product, residual_sum

    def _finish(self, theta, sums, weight_sum):
        coef, _ = self._split(theta)
        penalty_value_, penalty_gradient = self.penalty.smooth_value_gradient(coef)
        product, residual_sum = self._centred_product(sums, weight_sum)
        grad_coef = product / self.scale[:, None] + penalty_gradient
        if self.fit_intercept:
            gradient = np.concatenate([grad_coef, residual_sum[None, :]])
        else:
            gradient = grad_coef
        return sums.loss / weight_sum + penalty_value_, gradient.ravel()

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

    # --- certificate ---------------------------------------------------------------------
    def _user_penalty(self):
        """Per-coefficient L2 and L1 strengths in user coordinates, shape (n_features, 1)."""
        factor = self.factor[:, None]
        return (
            self.alpha * (1.0 - self.l1_ratio) * factor**2,
            self.alpha * self.l1_ratio * factor,
        )

    def certificate(self, theta):
        """``(J, gap)`` at ``theta``: the objective and a duality gap (None if none exists).

        Reuses the last full evaluation when it was at ``theta`` (no extra pass).
        """
        last = self._last
        if last is None or not np.array_equal(last[0], theta):
            self.value_and_gradient(theta)
            last = self._last
        _, coef, intercept, sums, weight_sum, _ = last
        data_value = sums.loss / weight_sum
        residual_sum = sums.gradient_sum / weight_sum
        shift = self._shift if self._shift is not None else np.zeros(self.n_features)
        xi = sums.product / weight_sum + np.outer(shift, residual_sum)
        l2, l1 = self._user_penalty()
        value = data_value + penalty_value(coef, l2, l1)
        gap = duality_gap(
            coef,
            intercept,
            data_value,
            xi,
            residual_sum,
            self.loss,
            self.statistics,
            l2,
            l1,
            self.fit_intercept,
            data_values=None if sums.loss_outputs is None else sums.loss_outputs / weight_sum,
        )
        return value, gap

    def _completion_inputs(self, theta):
        """``(X, y, c, coef, intercept)`` for the completed dual points below (user
        coordinates, one output, ``c`` the normalised weights), or None where the data are
        not a NumPy or SciPy matrix in memory or have several outputs."""
        data = self._completion_data()
        if data is None:
            return None
        coef, intercept = self.to_user(theta)
        return (*data, coef[:, 0], intercept[0])

    def _completion_data(self, outputs=False):
        """``(X, y, c)`` of :meth:`_completion_inputs`, or None; ``outputs``: ``Y`` as
        ``(n, n_outputs)``, any number of outputs."""
        if type(self.data) is not InMemoryData or (self.n_outputs != 1 and not outputs):
            return None
        weights = np.ones(self.n_samples) if self.sample_weight is None else self.sample_weight
        Y = np.asarray(self.Y, dtype=float)
        return (
            self.data.X,
            Y.reshape(self.n_samples, -1) if outputs else Y.reshape(-1),
            np.asarray(weights, dtype=float) / self.weight_sum,
        )

    def completed_absolute_gap(self, theta, interpolated):
        """The absolute loss's duality gap at ``theta`` with the dual values of the rows
        within ``interpolated`` of their targets solved for (one threshold or several,
        the smallest gap kept: see
        :func:`~sklinear._certificate.absolute_completed_gap`); None where the data are not
        a NumPy or SciPy matrix in memory or have several outputs."""
        inputs = self._completion_inputs(theta)
        if inputs is None:
            return None
        l2, l1 = self._user_penalty()
        return absolute_completed_gap(*inputs, l2, l1, self.fit_intercept, interpolated)

    def absolute_l1_program(self, max_iter):
        """The absolute loss's exact minimiser under a pure L1 penalty or none, as
        ``(theta, iterations)``: the linear program of
        :func:`~sklinear._program.absolute_l1_program` (HiGHS); None elsewhere (an L2 part,
        several outputs, data not in memory, more than ``_PROGRAM_MAX_ENTRIES`` constraint
        entries) or where
        HiGHS reports no optimum within ``max_iter`` iterations. Not certified here."""
        l2, l1 = self._user_penalty()
        if np.any(l2 > 0) or np.any(l1 < 0):
            return None
        data = self._completion_data()
        if data is None:
            return None
        X, y, c = data
        entries = (X.nnz if sp.issparse(X) else X.size) + self.n_samples
        if entries > _PROGRAM_MAX_ENTRIES:
            return None
        solution = absolute_l1_program(
            X, y, c, l1[:, 0], self.fit_intercept, self.mean, self.scale, max_iter
        )
        if solution is None:
            return None
        coef, intercept, iterations = solution
        return self.from_user(coef, intercept), iterations

    def absolute_stationarity(self, theta, interpolated):
        """The unpenalised absolute loss's optimality condition at ``theta``, relative to
        where the fit starts: ``max_j |x_j^T u| / s_j`` of the completed subgradient ``u``
        (:func:`~sklinear._certificate.absolute_stationarity`) over the same at the zero
        coefficients and the weighted median (the "first gradient" of the gradient test);
        None where it does not apply (a penalty, several outputs, data not in memory, no
        completion)."""
        l2, l1 = self._user_penalty()
        if np.any(l2 > 0) or np.any(l1 > 0):
            return None
        inputs = self._completion_inputs(theta)
        if inputs is None:
            return None
        X, y, c, coef, intercept = inputs
        violation = absolute_stationarity(
            X, y, c, coef, intercept, self.fit_intercept, interpolated, self.scale
        )
        if violation is None:
            return None
        start = self.initial_theta().reshape(self.n_rows, 1)[self.n_features :, 0]
        u = c * np.sign(y - (float(start[0]) if self.fit_intercept else 0.0))
        if self.fit_intercept:
            u = u - c * (u.sum() / c.sum())  # the centred columns' first gradient
        reference = float(np.max(np.abs(np.asarray(X.T @ u).ravel()) / self.scale))
        return violation / reference if reference > 0 else (0.0 if violation == 0 else None)

    def completed_l1_gap(self, theta):
        """The duality gap at ``theta`` of a smooth loss with a conjugate (squared,
        logistic, Huber's) under an L1 or elastic-net penalty, at the natural dual point
        corrected on the support and the broken constraints (see
        :func:`~sklinear._certificate.l1_completed_gap`); None elsewhere (other losses or
        penalties, data not in memory, or more columns to correct than
        ``_COMPLETION_MAX_VALUES`` allows). Several outputs of a loss separable over them
        (one-vs-rest, multilabel, multi-output regression: all but the multinomial) are
        separate problems sharing ``X``: the gap is the sum of theirs."""
        l2, l1 = self._user_penalty()
        loss = self.loss
        # the multinomial loss, which couples its outputs, has no pointwise ``conjugate``
        if not hasattr(loss, "conjugate") or not np.all(l1 > 0):
            return None
        data = self._completion_data(outputs=True)
        if data is None:
            return None
        X, Y, c = data
        coef, intercept = self.to_user(theta)
        max_columns = min(self.n_features, _COMPLETION_MAX_VALUES // self.n_samples - 1)
        total = 0.0
        for k in range(self.n_outputs):
            gap = l1_completed_gap(
                X,
                Y[:, k],
                c,
                coef[:, k],
                intercept[k],
                l1,
                self.fit_intercept,
                loss,
                max_columns=max_columns,
                l2=l2,
            )
            if gap is None:
                return None
            total += gap
        return total

    # --- second order ----------------------------------------------------------------------
    def value_gradient_hessian(self, theta):
        """Value and gradient of the smooth part, and its Hessian as a :class:`NewtonSystem`."""
        coef, intercept, sums, weight_sum = self._evaluate(theta, hessian=True)
        value, gradient = self._finish(theta, sums, weight_sum)
        self._last = (theta.copy(), coef, intercept, sums, weight_sum, gradient)
        return value, gradient, self._newton_system(sums, weight_sum)

    def hessian_product(self, theta, loss=None):
        """``d -> H d``: the Hessian of the smooth part at ``theta`` times a direction, in
        the solver's coordinates (the columns' scaling and centring and the intercept as
        :meth:`value_and_gradient` has them), or None where the data layer has no row
        blocks of its own (Dask, Array API devices) or the loss no curvature.

        One pass over ``X`` now (the scores at ``theta``, in ``X``'s dtype and unshifted:
        their rounding only perturbs the curvature), then one per product: the
        direction's scores ``dz = X_s d_v + d_c``, each row's curvature (the loss's
        ``hessian_weights``, a ``K x K`` block per row for the softmax loss) applied to
        them, and ``X_s^T`` of the result (:func:`~sklinear._data.block_evaluate` with
        :class:`_CurvatureProduct` as its loss, the targets and scores as its rows), plus
        the L2 part. Nothing of :meth:`certificate`'s last evaluation changes. ``loss``
        (default: the objective's) gives the curvature, e.g. Huber's majorizer.
        """
        loss = self.loss if loss is None else loss
        data = self.data
        if type(data) is not InMemoryData or not hasattr(loss, "hessian_weights"):
            return None
        coef, intercept = self.to_user(theta)
        n = self.n_samples
        targets = np.asarray(data.Y, dtype=np.float64).reshape(n, -1)
        scores = np.asarray(data.scores(coef, intercept), dtype=np.float64).reshape(n, -1)
        rows = InMemoryData(
            data.X, np.hstack([targets, scores]), data.sample_weight, n_jobs=data.n_jobs
        )
        curvature = _CurvatureProduct(loss, targets.shape[1] if data.Y.ndim == 2 else None)
        weight_sum = self.weight_sum

        def product(direction):
            direction = np.asarray(direction, dtype=np.float64)
            d_coef, _, d_offset = self._scores_parameters(direction)
            sums = rows.evaluate(curvature, d_coef, d_offset, shift=self._shift)
            return self._finish(direction, sums, weight_sum)[1]

        return product

    def hessian_diagonal(self, theta):
        """The diagonal of the Hessian of ``J`` at ``theta`` in the solver's coordinates,
        shape (n_rows, n_outputs), or None where the data layer has no row blocks of its own
        (Dask, Array API devices) or the loss no curvature.

        Column ``j`` of output ``k``: ``sum_i w_i c_ik (x_ij - m_j)^2 / (W s_j^2)`` plus its
        L2 weight; the intercept: ``sum_i w_i c_ik / W``; ``c_ik`` the loss's curvature of
        output ``k`` at row ``i`` (the diagonal ``q_k (1 - q_k)`` of the softmax block;
        for Huber's loss its majorizer's, positive in the linear zone too). One pass over
        ``X``.
        """
        loss = self.loss
        majorizer = getattr(loss, "majorizer", None)
        if majorizer is not None:
            loss = majorizer()
        data = self.data
        if type(data) is not InMemoryData or not hasattr(loss, "hessian_weights"):
            return None
        k = self.n_outputs
        coef, intercept = self.to_user(theta)
        pairs = None
        if loss.hessian_layout == "coupled":
            first, second = np.triu_indices(k)
            pairs = np.flatnonzero(first == second)

        def curvature(Y_block, raw, weights):
            raw = np.asarray(raw, dtype=np.float64)
            if np.ndim(Y_block) == 1:
                raw = raw.reshape(-1)
            c = np.asarray(loss.hessian_weights(Y_block, raw), dtype=np.float64)
            if pairs is not None:
                c = c[:, pairs]
            c = np.broadcast_to(c.reshape(c.shape[0], -1), (c.shape[0], k))
            return c if weights is None else c * np.asarray(weights, dtype=np.float64)[:, None]

        total, second = data.curvature_diagonal(curvature, coef, intercept, self.mean)
        weight_sum = self.weight_sum
        l2_weight = np.broadcast_to(self.penalty.l2_weight, (self.n_features, 1))
        rows = [second / (weight_sum * self.scale[:, None] ** 2) + l2_weight]
        if self.fit_intercept:
            rows.append(total[None, :] / weight_sum)
        return np.concatenate(rows)

    def majorizing_newton_system(self, theta):
        """The Newton system of the loss's quadratic majorizer at ``theta`` (the loss's
        ``majorizer()`` curvature: see :meth:`HuberLoss.majorizer`), or None for a loss
        without one. A Newton step on it decreases ``J`` for any ``theta``."""
        majorizer = getattr(self.loss, "majorizer", None)
        if majorizer is None:
            return None
        coef, intercept, sums, weight_sum = self._evaluate(theta, hessian=True, loss=majorizer())
        return self._newton_system(sums, weight_sum)

    def majorizing_active_hessian(self, theta, free):
        """The Hessian among ``free`` of the loss's quadratic majorizer at ``theta`` (see
        :meth:`majorizing_newton_system`)."""
        return self.value_gradient_active_hessian(theta, free, loss=self.loss.majorizer())[2]

    def value_gradient_active_hessian(self, theta, free, loss=None):
        """Value and gradient of the smooth part, and the Hessian among the components
        ``free`` (a boolean mask of theta's shape) as a dense matrix.

        Only the Hessian blocks of the features with a free component are accumulated (an
        L1 fit's active set): ``n |A|^2`` work instead of ``n p^2``. ``loss`` (default: the
        objective's) gives the curvature, e.g. Huber's majorizer.
        """
        mask = np.asarray(free, dtype=bool).reshape(self.n_rows, -1)
        features = np.flatnonzero(mask[: self.n_features].any(axis=1))
        restrict = len(features) < self.n_features
        if restrict and getattr(self.data, "supports_hessian_columns", False):
            coef, intercept, sums, weight_sum = self._evaluate(
                theta, hessian=True, hessian_columns=features, loss=loss
            )
        else:
            coef, intercept, sums, weight_sum = self._evaluate(theta, hessian=True, loss=loss)
            if restrict:
                sums.hessian_xx = sums.hessian_xx[:, features][:, :, features]
                sums.hessian_x = sums.hessian_x[:, features]
        value, gradient = self._finish(theta, sums, weight_sum)
        self._last = (theta.copy(), coef, intercept, sums, weight_sum, gradient)
        system = self._newton_system(sums, weight_sum, features if restrict else None)
        rows = np.concatenate([features, np.arange(self.n_features, self.n_rows)])
        keep = mask[rows].ravel()
        return value, gradient, system.dense()[np.ix_(keep, keep)]

    def _newton_system(self, sums, weight_sum, features=None):
        """The Newton system; ``features`` (indices): the sums hold only those features'
        Hessian blocks, and the system is over them (and the intercept)."""
        shift = self._shift if self._shift is not None else 0.0
        # e with (x - m) = (x - shift) + e
        difference = np.broadcast_to(shift - self.mean, (self.n_features,))
        inverse = 1.0 / np.broadcast_to(self.scale, (self.n_features,))
        penalty_diagonal = self.penalty_diagonal()
        if features is not None:
            difference, inverse = difference[features], inverse[features]
            intercept = np.arange(self.n_features, self.n_rows)
            penalty_diagonal = penalty_diagonal[np.concatenate([features, intercept])]
        columns = sums.hessian_1.shape[0]
        n_features = len(inverse)
        n_rows = n_features + int(self.fit_intercept)
        blocks = np.empty((columns, n_rows, n_rows))
        # In place, a few rows at a time: a wide Hessian is hundreds of MB, and every p x p
        # temporary (outer products, scaled copies) costs as much as the arithmetic.
        step = max(1, (1 << 20) // max(1, 8 * n_features))
        for column in range(columns):
            block = blocks[column]
            one = sums.hessian_1[column]
            x = sums.hessian_x[column] + one * difference
            half = sums.hessian_x[column] + 0.5 * one * difference
            top = block[:n_features, :n_features]
            top[...] = sums.hessian_xx[column]
            for start in range(0, n_features, step):
                rows = slice(start, start + step)
                part = top[rows]
                if np.any(difference):
                    # xx + x_s e^T + e x_s^T + one e e^T with h = x_s + one e / 2
                    part += half[rows, None] * difference + difference[rows, None] * half
                part *= inverse[rows, None] / weight_sum
                part *= inverse
            if self.fit_intercept:
                block[:n_features, n_features] = x * inverse / weight_sum
                block[n_features, :n_features] = x * inverse / weight_sum
                block[n_features, n_features] = one / weight_sum
        return NewtonSystem(blocks, penalty_diagonal, self.loss.hessian_layout, self.n_outputs)

    def kernel_solution(self):
        """The exact ridge optimum through the ``n x n`` kernel system, as ``theta``; None
        where that system cannot be factored.

        For the squared loss and a pure L2 penalty ``alpha/2 |F w|^2`` (``F`` the penalty
        factors) with more columns than rows, the normal equations in the ``p``
        coefficients are equivalent to ``n`` equations in the rows (the push-through
        identity, as scikit-learn's Ridge solves wide problems): with the rows centred about
        the weighted means ``mu`` (with an intercept), ``X_c = X - 1 mu^T``,
        ``A = S^(1/2) X_c F^-1 / sqrt(sum s)`` and ``R = S^(1/2) (Y - ybar) / sqrt(sum s)``,
        ``w = F^-1 A^T (A A^T + alpha I)^-1 R`` and ``b = ybar - mu . w``. ``A A^T`` comes
        from ``X F^-2 X^T`` (column blocks of dense ``X``, a sparse product for CSR / CSC),
        never from a centred copy of ``X``. The caller certifies the result with a pass.
        """
        X = self.data.X
        n = self.n_samples
        Y = np.asarray(self.data.Y, dtype=np.float64).reshape(n, self.n_outputs)
        weights = self.data.sample_weight
        weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        weight_sum = float(np.sum(weights))
        inverse = 1.0 / self.factor**2
        if self.fit_intercept:
            mu = self.statistics.mean
            target_mean = self.statistics.target_mean
        else:
            mu, target_mean = np.zeros(self.n_features), np.zeros(self.n_outputs)
        if sp.issparse(X):
            gram = np.asarray((X @ sp.diags(inverse) @ X.T).toarray(), dtype=np.float64)
        else:
            gram = np.zeros((n, n))
            width = max(1, _KERNEL_BLOCK_BYTES // (8 * n))
            for start in range(0, self.n_features, width):
                block = X[:, start : start + width]
                gram += (block * inverse[start : start + width]) @ block.T
        shifted = X @ (inverse * mu)  # X F^-2 mu: the cross terms of the centring
        gram += float(mu @ (inverse * mu)) - shifted[:, None] - shifted[None, :]
        root = np.sqrt(weights)
        system = gram * np.outer(root, root) / weight_sum
        system[np.diag_indices(n)] += self.alpha
        rhs = root[:, None] * (Y - target_mean) / np.sqrt(weight_sum)
        try:
            solution = scipy.linalg.solve(system, rhs, assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, ValueError):
            return None
        if not np.all(np.isfinite(solution)):
            return None
        row_weights = root[:, None] * solution / np.sqrt(weight_sum)
        coef = inverse[:, None] * (
            np.asarray(X.T @ row_weights) - mu[:, None] * row_weights.sum(axis=0)
        )
        intercept = target_mean - mu @ coef
        return self.from_user(coef, intercept)

    def penalty_diagonal(self):
        """The L2 part of the Hessian in the solver's coordinates, one value per row of
        ``theta`` (zero for the intercept): what :meth:`_newton_system` adds to the data
        term's blocks."""
        diagonal = np.zeros(self.n_rows)
        l2_weight = np.broadcast_to(self.penalty.l2_weight, (self.n_features, 1))[:, 0]
        diagonal[: self.n_features] = l2_weight
        return diagonal

    def row_scale(self):
        """The scale of each row of ``theta``: the column scales, and 1 for the intercept
        (``v = w * scale``; the Hessian of the data term in ``v`` is ``S^-1 H_w S^-1``)."""
        return np.concatenate([self.scale, np.ones(int(self.fit_intercept))])

    def curvature_key(self):
        """What a stored Hessian of the data term depends on besides the coefficients: the
        data (through its moments), the loss and the parametrisation (see
        :class:`Curvature`)."""
        statistics = self.statistics
        loss = self.loss
        return (
            type(loss).__name__,
            tuple(sorted((k, repr(v)) for k, v in vars(loss).items())),
            self.fit_intercept,
            (self.n_samples, self.n_features, self.n_outputs),
            float(statistics.weight_sum),
            np.asarray(statistics.mean, dtype=np.float64).tobytes(),
            np.asarray(statistics.variance, dtype=np.float64).tobytes(),
            np.asarray(statistics.target_mean, dtype=np.float64).tobytes(),
            np.asarray(self.mean, dtype=np.float64).tobytes(),
        )


class Curvature:
    """The Hessian of the data term at some coefficients, kept to precondition later fits.

    A warm-started path (the same data, one alpha after another) needs the data term's
    curvature near each solution; one Hessian, taken at the path's start, stays close
    enough along it to serve every fit as a preconditioner (:class:`Preconditioner`),
    while each fit still stops on its own certificate. It is stored in the unscaled
    coordinates ``(w, c)`` (centred columns, ``c`` the intercept), so a fit whose penalty,
    hence column scales, differs maps it to its own coordinates and adds its own L2 part.

    Parameters
    ----------
    objective : LinearObjective
        The objective whose :meth:`~LinearObjective.value_gradient_hessian` gave ``system``.
    system : NewtonSystem
    """

    def __init__(self, objective, system):
        rows = objective.row_scale()
        self.key = objective.curvature_key()
        self.layout = system.layout
        self.n_outputs = system.n_outputs
        self.blocks = system.blocks * np.outer(rows, rows)

    def matches(self, objective):
        """Whether this curvature was computed on ``objective``'s data, loss and layout."""
        return (
            objective.loss.hessian_layout == self.layout and self.key == objective.curvature_key()
        )

    def preconditioner(self, objective):
        """The :class:`Preconditioner` of this Hessian plus ``objective``'s L2 part, in
        ``objective``'s coordinates; None where no factor exists."""
        rows = objective.row_scale()
        diagonal = objective.penalty_diagonal()
        inverse = 1.0 / np.outer(rows, rows)
        factors = []
        for block in self.blocks:
            factor = damped_cholesky(block * inverse, diagonal)
            if factor is None:
                return None
            factors.append(factor)
        return Preconditioner(factors, self.n_outputs)


class Preconditioner:
    """The change of variables ``theta = L^-T u`` of a Cholesky factor ``L`` of a Hessian.

    In ``u`` the Hessian is ``L^-1 H L^-T``: the identity where ``H`` is the Hessian of the
    objective, near it where ``H`` was taken elsewhere on the path. ``factors`` holds one
    lower-triangular factor shared by every output, or one per output (a separable loss);
    ``theta`` is row-major (row, output).
    """

    def __init__(self, factors, n_outputs):
        self.factors = factors
        self.n_outputs = n_outputs

    def _apply(self, vector, operation):
        matrix = np.asarray(vector, dtype=float).reshape(-1, self.n_outputs)
        if len(self.factors) == 1:
            return operation(self.factors[0], matrix).ravel()
        out = np.empty_like(matrix)
        for output, factor in enumerate(self.factors):
            out[:, output] = operation(factor, matrix[:, output])
        return out.ravel()

    def forward(self, theta):
        """``u = L^T theta``."""
        return self._apply(theta, lambda factor, x: factor.T @ x)

    def back(self, u):
        """``theta = L^-T u``."""
        return self._apply(u, _solve_transposed)

    def gradient(self, gradient):
        """The gradient in ``u``: ``L^-1 g``."""
        return self._apply(gradient, _solve_lower)


class DiagonalPreconditioner:
    """The change of variables ``theta = u / d`` with ``d = sqrt(diag(H))`` (Jacobi): in
    ``u`` the Hessian's diagonal is 1. Entries of ``diag(H)`` that are not positive (a
    column that is 0 on every row, without L2) keep ``d = 1``. The interface of
    :class:`Preconditioner`."""

    def __init__(self, diagonal):
        self.scale = np.sqrt(usable_diagonal(diagonal))

    def forward(self, theta):
        return np.asarray(theta, dtype=np.float64) * self.scale

    def back(self, u):
        return np.asarray(u, dtype=np.float64) / self.scale

    def gradient(self, gradient):
        return np.asarray(gradient, dtype=np.float64) / self.scale


def _solve_lower(factor, rhs):
    return scipy.linalg.solve_triangular(factor, rhs, lower=True, check_finite=False)


def _solve_transposed(factor, rhs):
    return scipy.linalg.solve_triangular(factor, rhs, lower=True, trans="T", check_finite=False)


def _damped(matrix, diagonal):
    """``matrix + diag(diagonal + mu)`` as fresh Fortran-ordered copies (to factor in place),
    ``mu`` = 0, then 1e-12 of the largest diagonal entry and 100 times more each time (30
    in all)."""
    n = matrix.shape[0]
    base = np.diagonal(matrix) + diagonal
    scale = float(np.max(np.abs(base))) if matrix.size else 1.0
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    damping = 0.0
    indices = np.diag_indices(n)
    for _ in range(30):
        damped = np.array(matrix, order="F", copy=True)
        damped[indices] = base + damping
        yield damped
        damping = scale * 1e-12 if damping == 0 else damping * 100


def damped_cholesky(matrix, diagonal):
    """The lower Cholesky factor of ``matrix + diag(diagonal + mu)``, raising ``mu`` from 0
    until it factors (as :func:`damped_solve`); None if it never does."""
    for damped in _damped(matrix, diagonal):
        try:
            factor = scipy.linalg.cholesky(
                damped, lower=True, overwrite_a=True, check_finite=False
            )
        except (np.linalg.LinAlgError, ValueError):
            continue
        if np.all(np.isfinite(factor)):
            return factor
    return None


class _CurvatureProduct:
    """The "loss" of a Hessian-vector pass (:meth:`LinearObjective.hessian_product`).

    Its rows' targets hold the encoded targets and the scores at the point of the Hessian
    side by side (``target_width`` columns of targets, None where they are one column of a
    1-D target); the scores it is given are a direction's, ``dz``. Its "gradient" is the
    loss's curvature at those rows applied to ``dz`` (:func:`apply_hessian_weights`), its
    value zero: :func:`~sklinear._data.block_evaluate` then sums ``X^T (D dz)``.
    """

    def __init__(self, loss, target_width):
        self.loss = loss
        self.target_width = target_width

    def loss_gradient(self, rows, direction_scores):
        width = 1 if self.target_width is None else self.target_width
        y = rows[:, 0] if self.target_width is None else rows[:, :width]
        raw = rows[:, width:]
        shape = direction_scores.shape
        dz = direction_scores.reshape(len(rows), -1)
        if raw.shape[1] == 1:  # one output: the losses see 1-D scores
            raw, dz = raw[:, 0], dz[:, 0]
        weights = self.loss.hessian_weights(y, raw.astype(direction_scores.dtype, copy=False))
        product = apply_hessian_weights(weights, dz, self.loss.hessian_layout)
        return np.zeros(len(rows)), product.reshape(shape)


def apply_hessian_weights(weights, direction, layout):
    """Each row's curvature times its row of ``direction`` (scores, ``(m,)`` or ``(m, K)``).

    ``weights`` is a loss's ``hessian_weights``: one column shared by every output
    ('shared'), one per output ('separable'), or one per pair of outputs ``k <= l`` in
    ``np.triu_indices`` order ('coupled': the row's symmetric ``K x K`` block), the layouts
    of :class:`NewtonSystem`'s blocks.
    """
    if layout != "coupled" or direction.ndim == 1:
        return (weights[:, None] if weights.ndim < direction.ndim else weights) * direction
    m, k = direction.shape
    first, second = np.triu_indices(k)
    block = np.zeros((m, k, k), dtype=np.result_type(weights, direction))
    block[:, first, second] = weights
    block[:, second, first] = weights
    return np.einsum("mkl,ml->mk", block, direction)


class NewtonSystem:
    """The Hessian of ``J`` in the solver's coordinates, and damped Newton solves with it.

    ``blocks`` holds one (n_rows, n_rows) block per Hessian weight column: one shared by all
    outputs ('shared'), one per output ('separable'), or one per pair of outputs ``k <= l``
    ('coupled', the multinomial loss). ``penalty_diagonal`` (n_rows,) is the L2 part.
    """

    def __init__(self, blocks, penalty_diagonal, layout, n_outputs):
        self.blocks = blocks
        self.penalty_diagonal = penalty_diagonal
        self.layout = layout
        self.n_outputs = n_outputs

    def _matrices(self):
        """(matrix, diagonal, output indices) triples: the Hessian of those outputs is
        ``matrix + diag(diagonal)``; the theta layout is row-major (row, output)."""
        n_rows = self.blocks.shape[1]
        k = self.n_outputs
        diagonal = self.penalty_diagonal
        if self.layout == "shared" or k == 1:
            return [(self.blocks[0], diagonal, list(range(k)))]
        if self.layout == "separable":
            return [(self.blocks[column], diagonal, [column]) for column in range(k)]
        full = np.zeros((n_rows, k, n_rows, k))
        pairs = zip(*np.triu_indices(k), strict=True)
        for (first, second), block in zip(pairs, self.blocks, strict=True):
            full[:, first, :, second] = block
            full[:, second, :, first] = block.T
        full = full.reshape(n_rows * k, n_rows * k)
        return [(full, np.repeat(diagonal, k), None)]

    def dense(self):
        """The whole Hessian in the layout of ``theta`` (row-major: row, output)."""
        k = self.n_outputs
        matrices = self._matrices()
        if matrices[0][2] is None:
            matrix, diagonal, _ = matrices[0]
            matrix = matrix.copy()
            matrix[np.diag_indices_from(matrix)] += diagonal
            return matrix
        n_rows = self.blocks.shape[1]
        full = np.zeros((n_rows, k, n_rows, k))
        for matrix, diagonal, outputs in matrices:
            for output in outputs:
                full[:, output, :, output] = matrix
                full[np.arange(n_rows), output, np.arange(n_rows), output] += diagonal
        return full.reshape(n_rows * k, n_rows * k)

    def preconditioner(self):
        """The :class:`Preconditioner` of this Hessian (its damped Cholesky factors: one
        shared by the outputs, one per output, or one of the whole coupled system), or
        None where no factor exists."""
        matrices = self._matrices()
        factors = []
        for matrix, diagonal, _ in matrices:
            factor = damped_cholesky(matrix, diagonal)
            if factor is None:
                return None
            factors.append(factor)
        # a coupled system's factor acts on the whole theta (one "output" of size p K)
        return Preconditioner(factors, 1 if matrices[0][2] is None else self.n_outputs)

    def solve(self, gradient):
        """The Newton direction ``-H^-1 g``, with damping where ``H`` is not positive definite."""
        k = self.n_outputs
        gradient = gradient.reshape(-1, k)
        direction = np.empty_like(gradient)
        for matrix, diagonal, outputs in self._matrices():
            rhs = gradient.ravel() if outputs is None else gradient[:, outputs]
            solution = damped_solve(matrix, -rhs, diagonal)
            if outputs is None:
                direction[:] = solution.reshape(-1, k)
            else:
                direction[:, outputs] = solution.reshape(len(rhs), len(outputs))
        return direction.ravel()


def damped_solve(matrix, rhs, diagonal=None):
    """Cholesky solve of ``(H + mu I) x = rhs``, raising ``mu`` until ``H + mu I`` factors.

    ``H`` is the symmetric ``matrix`` plus ``diag(diagonal)`` (None: zero); ``matrix`` is
    not modified. A large factorisation runs with every BLAS thread (it happens between
    passes; :func:`~sklinear._data.all_blas_threads`).
    """
    diagonal = np.zeros(matrix.shape[0]) if diagonal is None else np.asarray(diagonal, float)
    # The transpose of a C-ordered symmetric matrix is itself, Fortran-ordered: the copies to
    # factor in place cost no transposition.
    for damped in _damped(matrix.T, diagonal):
        try:
            with all_blas_threads(matrix.shape[0]):
                factor = scipy.linalg.cho_factor(
                    damped, lower=True, overwrite_a=True, check_finite=False
                )
                solution = scipy.linalg.cho_solve(factor, rhs, check_finite=False)
        except (np.linalg.LinAlgError, ValueError):
            continue
        if np.all(np.isfinite(solution)):
            return solution
    full = np.array(matrix, copy=True)
    full[np.diag_indices(matrix.shape[0])] += diagonal
    if not (np.all(np.isfinite(full)) and np.all(np.isfinite(rhs))):
        # LAPACK's least squares on NaN or inf is undefined: an error in one build, an
        # endless loop in another (a torch fit with a column of 1e154 never returned).
        raise np.linalg.LinAlgError("the Newton system has non-finite entries")
    return np.linalg.lstsq(full, rhs, rcond=None)[0]
