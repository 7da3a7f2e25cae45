"""Mini-batch SGD on a sparse CSR matrix in O(nnz of the batch) per step: lazy updates.

A step of 'sgd' (see :func:`sklinear._solvers.stochastic_gradient`) changes every
coefficient: the gradient of the solver's coordinates ``v`` (:mod:`sklinear._objective`) is

    g_j = d_j - c_j G + lam_j v_j,    d_j = sum_i x_ij r_i / (s_j W),    G = sum_i r_i / W,

with ``r`` the loss gradients of the batch's rows, ``W`` their weight sum, ``c = mean /
scale`` (the implicit centring) and ``lam`` the L2 weights; ``d`` is non-zero only on the
columns the batch touches. Between touches a coefficient therefore follows a *linear*
recurrence shared by every column of equal ``lam``: with momentum ``mu`` its state ``s_j``
(the coefficient, its velocity and, with averaging, the weighted mean of its iterates) maps
as ``s_j <- A s_j + beta c_j G + eps d_j`` with a small matrix ``A`` that depends only on the
step size and ``lam``. So each group of columns of equal ``lam`` keeps

    s_j = M z_j + c_j kappa,

a product ``M`` of the ``A`` so far and an affine part ``kappa`` (a few numbers per group);
a step updates ``M`` and ``kappa`` of every group (O(groups)) and ``z_j`` only on the
touched columns (``z_j += M^-1 eps d_j``), which is exact: the same iterates as the dense
update, up to rounding. The scores of a batch need ``v`` on its columns only, plus
``sum_j c_j v_j`` and the L2 value ``sum_j lam_j v_j^2 / 2``, which are kept as per-group
sums of ``c z`` and ``z z^T``. The state is written out in full (O(p)) when the
coefficients are read (the end of a call; every epoch with early stopping), when a step is
(nearly) singular (the first step of a running mean, whose weight is 1), and whenever
``M^-1`` has grown large (every hundred or so steps with momentum 0.9).

The L2 weight is ``alpha / scale_j^2`` in these coordinates: the columns fall into few
groups only because 'sgd' rounds its column scales to powers of ``2^(1/4)``
(:func:`sklinear._objective.round_scale`).

Batches that touch most columns take :class:`SparseSteps` instead: the same steps, every
coefficient updated in a few in-place BLAS operations on the laid-out CSR data.
"""

import numpy as np
from scipy.linalg.blas import daxpy

from ._data import _csr_rows
from ._solvers import MomentumRule, average_weight

try:  # SciPy's own sparse kernels, which accumulate into a given output: O(nnz).
    from scipy.sparse._sparsetools import csc_matvec, csc_matvecs, csr_matvec, csr_matvecs
except ImportError:  # pragma: no cover - a SciPy without them: the public products
    csr_matvec = None

_MAX_GROUPS = 64
_RENORMALISE = 1e6  # write the state out once an entry of M^-1 exceeds this
_SMALL_FACTOR = 1e-30  # SparseSteps rescale the velocity and the mean below this factor


def sparse_supported(objective, rule):
    """True when :class:`SparseSteps` apply: 'sgd' (momentum) on CSR data that
    ``prepare_batches`` lays out in batch order (its copy fits in memory), L2 only."""
    data = objective.data
    if not isinstance(rule, MomentumRule) or not objective.penalty.smooth:
        return False
    if not getattr(data, "sparse", False) or data.X.format != "csr":
        return False
    if not (hasattr(data, "lays_out_batches") and data.lays_out_batches()):
        return False
    return objective._shift is None


def lazy_supported(objective, rule):
    """True when the O(nnz) steps apply: as :func:`sparse_supported`, with few distinct L2
    weights (groups of columns)."""
    if not sparse_supported(objective, rule):
        return False
    l2 = np.broadcast_to(objective.penalty.l2_weight, (objective.n_features, 1))[:, 0]
    return np.unique(l2).size <= _MAX_GROUPS


class _LaidOutProducts:
    """The products of a batch of the CSR layout (shared by the sparse steps).

    Needs ``objective``, ``p``, ``k``, ``weights`` (p, k) and ``buffer`` (p, k).
    """

    def _set_options(self, objective, rule, average):
        """What both kinds of sparse steps keep of the objective and the step rule."""
        self.objective = objective
        self.average = average
        self.mu = float(rule.momentum)
        self.nesterov = bool(rule.nesterov)
        self.p, self.k = objective.n_features, objective.n_outputs
        self.fit_intercept = objective.fit_intercept
        return self.p, self.k

    def prepare(self, order):
        data = self.objective.data
        data.prepare_batches(order)
        self.laid_out = data._laid_out
        X = self.laid_out[0]
        self._raw_kernels = (
            csr_matvec is not None and X.dtype == np.float64 and X.indices.dtype == X.indptr.dtype
        )

    def value(self, theta, positions):
        """The objective (data term of the rows at ``positions`` of the layout, and the L2
        part) at ``theta``. The rows are copied out of the layout on the first call (the
        sample of the stopping test is the same every epoch): one product a call."""
        sample = getattr(self, "_sample", None)
        if sample is None or sample[0] is not positions:
            X, Y, weights = self.laid_out
            rows = positions
            sample = (positions, X[rows], Y[rows], None if weights is None else weights[rows])
            self._sample = sample
        _, X, Y, weights = sample
        objective = self.objective
        coef, intercept = objective.to_user(theta)
        raw = np.asarray(X @ coef).reshape(X.shape[0], self.k) + intercept
        value, _, weight_sum = _mean_loss(objective.loss, Y, weights, raw, check=False)
        l2 = objective.penalty.smooth_value_gradient(theta.reshape(-1, self.k)[: self.p])[0]
        return value + l2

    def _products(self, lo, hi, residual=None, weights=None):
        """Scores ``X_b weights`` of rows ``lo:hi`` (``self.weights`` unless given) or,
        with ``residual``, ``buffer += X_b^T residual``; O(nnz) with SciPy's kernels."""
        X = self.laid_out[0]
        k = self.k
        weights = np.ascontiguousarray(self.weights if weights is None else weights)
        if not self._raw_kernels:
            block = _csr_rows(X, lo, hi)
            if residual is None:
                return np.asarray(block @ weights).reshape(hi - lo, k)
            self.buffer += np.asarray(block.T @ residual).reshape(self.p, k)
            return None
        indptr = X.indptr[lo : hi + 1]
        if residual is None:
            out = np.zeros((hi - lo, k))
            if k == 1:
                csr_matvec(hi - lo, self.p, indptr, X.indices, X.data, weights[:, 0], out[:, 0])
            else:
                csr_matvecs(
                    hi - lo,
                    self.p,
                    k,
                    indptr,
                    X.indices,
                    X.data,
                    weights.ravel(),
                    out.ravel(),
                )
            return out
        residual = np.ascontiguousarray(residual)
        if k == 1:  # (p, 1) arrays: their column is a contiguous view, written in place
            csc_matvec(
                self.p, hi - lo, indptr, X.indices, X.data, residual[:, 0], self.buffer[:, 0]
            )
        else:
            csc_matvecs(
                self.p,
                hi - lo,
                k,
                indptr,
                X.indices,
                X.data,
                residual.ravel(),
                self.buffer.ravel(),
            )
        return None

    def _batch_loss(self, lo, hi, raw):
        """The batch's mean loss, its loss gradients ``r`` (rows, k), weighted, and ``W``."""
        _, Y, sample_weight = self.laid_out
        weights = None if sample_weight is None else sample_weight[lo:hi]
        return _mean_loss(self.objective.loss, Y[lo:hi], weights, raw)


def _mean_loss(loss, Y, weights, raw, check=True):
    """The weighted mean loss at the scores ``raw`` (rows, k), the weighted loss gradients
    (rows, k) and the weight sum ``W`` (``check``: a ValueError when ``W`` is not positive;
    else the mean is 0)."""
    rows, k = raw.shape
    value, gradient = loss.loss_gradient(Y, raw[:, 0] if k == 1 else raw)
    if weights is not None:
        value = value * weights
        gradient = gradient * (weights if gradient.ndim == 1 else weights[:, None])
        weight_sum = float(np.sum(weights, dtype=np.float64))
    else:
        weight_sum = float(rows)
    if not weight_sum > 0:
        if not check:
            return 0.0, gradient, 0.0
        raise ValueError("The sample weights sum to zero: at least one must be positive.")
    gradient = np.asarray(gradient, dtype=np.float64).reshape(rows, k)
    return float(np.sum(value, dtype=np.float64)) / weight_sum, gradient, weight_sum


class LazySparseSteps(_LaidOutProducts):
    """The steps of :func:`~sklinear._solvers.stochastic_gradient` for sparse data.

    The interface of :class:`~sklinear._solvers.DenseSteps`: ``prepare(order)``,
    ``begin_epoch()``, ``restart_average()``, ``step(block, next_eta)``, ``value(theta,
    positions)``, ``result()``, ``finish(state)``.
    """

    def __init__(self, objective, theta, rule, state, average):
        p, k = self._set_options(objective, rule, average)
        self.loss = objective.loss
        l2 = np.broadcast_to(objective.penalty.l2_weight, (p, 1))[:, 0]
        self.lam, self.group = np.unique(l2, return_inverse=True)
        self.n_groups = self.lam.size
        self.c = np.asarray(objective.mean, dtype=float) / objective.scale
        self.inverse_scale = 1.0 / np.asarray(objective.scale, dtype=float)
        # components of a column's state: the coefficient, its velocity, the mean of iterates
        self.has_velocity = self.mu > 0
        self.dim = 1 + int(self.has_velocity) + int(average)
        self.sum_index = self.dim - 1 if average else None
        theta = np.asarray(theta, dtype=float).reshape(objective.n_rows, k)
        self.z = np.zeros((p, self.dim, k))
        self.z[:, 0] = theta[:p]
        self.intercept = np.zeros((self.dim, k))
        if self.fit_intercept:
            self.intercept[0] = theta[p]
        velocity = state.get("velocity") if self.has_velocity else None
        if velocity is not None:
            velocity = np.asarray(velocity, dtype=float).reshape(objective.n_rows, k)
            self.z[:, 1] = velocity[:p]
            if self.fit_intercept:
                self.intercept[1] = velocity[p]
        self.count = int(state.get("average_count", 0)) if average else 0
        if self.count:  # the mean of the iterates so far
            mean = np.asarray(state["average"], dtype=float).reshape(objective.n_rows, k)
            self.z[:, self.sum_index] = mean[:p]
            if self.fit_intercept:
                self.intercept[self.sum_index] = mean[p]
        self.c_squared = np.bincount(self.group, weights=self.c**2, minlength=self.n_groups)
        self._reset_frames()
        self.weights = np.zeros((p, k))  # user coefficients, current on the touched columns
        self.buffer = np.zeros((p, k))  # X^T r accumulates here; cleared on its columns
        self.stamp = np.zeros(p, dtype=np.intp)
        self.columns = {}
        self.laid_out = None
        self._raw_kernels = csr_matvec is not None

    # --- the deferred representation ------------------------------------------------------
    def _reset_frames(self):
        """``M = I``, ``kappa = 0`` (``z`` holds the state itself); per-group sums anew."""
        g, d, k = self.n_groups, self.dim, self.k
        self.M = np.broadcast_to(np.eye(d), (g, d, d)).copy()
        self.M_inverse = self.M.copy()
        self.kappa = np.zeros((g, d, k))
        self.sum_cz = np.zeros((g, d, k))
        self.sum_zz = np.zeros((g, d, d, k))
        for a in range(d):
            self.sum_cz[:, a] = self._group_sums(self.c[:, None] * self.z[:, a])
            for b in range(a, d):
                self.sum_zz[:, a, b] = self._group_sums(self.z[:, a] * self.z[:, b])
                self.sum_zz[:, b, a] = self.sum_zz[:, a, b]

    def _group_sums(self, values, groups=None):
        """Sums of ``values`` (rows, k) per group of their columns: (n_groups, k)."""
        groups = self.group if groups is None else groups
        if self.n_groups == 1:
            return values.sum(axis=0)[None, :]
        return np.stack(
            [
                np.bincount(groups, weights=values[:, o], minlength=self.n_groups)
                for o in range(values.shape[1])
            ],
            axis=1,
        )

    def _write_out(self):
        """Materialise ``s_j = M z_j + c_j kappa`` for every column and reset the frames."""
        if not np.array_equal(self.M, np.broadcast_to(np.eye(self.dim), self.M.shape)) or (
            np.any(self.kappa)
        ):
            M = self.M[self.group]  # (p, d, d)
            self.z = np.einsum("jab,jbk->jak", M, self.z)
            self.z += self.c[:, None, None] * self.kappa[self.group]
        self._reset_frames()

    def _current_v(self, columns, groups):
        """The coefficients ``v`` of ``columns`` (rows, k)."""
        v = np.einsum("tb,tbk->tk", self.M[groups, 0, :], self.z[columns])
        v += self.c[columns, None] * self.kappa[groups, 0, :]
        return v

    def _centred_dot(self):
        """``sum_j c_j v_j`` (k,) from the group sums."""
        return np.einsum("gb,gbk->k", self.M[:, 0, :], self.sum_cz) + np.einsum(
            "gk,g->k", self.kappa[:, 0, :], self.c_squared
        )

    def _l2_value(self):
        """``sum_j lam_j v_j^2 / 2`` from the group sums."""
        first = self.M[:, 0, :]  # (g, d)
        quadratic = np.einsum("ga,gabk,gb->gk", first, self.sum_zz, first)
        cross = 2.0 * self.kappa[:, 0, :] * np.einsum("ga,gak->gk", first, self.sum_cz)
        constant = self.kappa[:, 0, :] ** 2 * self.c_squared[:, None]
        return 0.5 * float(self.lam @ (quadratic + cross + constant).sum(axis=1))

    def _transition(self, eta, lam):  # before self.count counts the step
        """``A`` (one per ``lam``), ``beta`` and ``eps`` of one step (see the module doc)."""
        mu, d = self.mu, self.dim
        n = lam.size
        A = np.zeros((n, d, d))
        beta, eps = np.zeros(d), np.zeros(d)
        decay = eta * lam
        if not self.has_velocity:
            A[:, 0, 0] = 1.0 - decay
            beta[0], eps[0] = eta, -eta
        elif self.nesterov:
            A[:, 0, 0] = 1.0 - decay * (1.0 + mu)
            A[:, 0, 1] = mu * mu
            A[:, 1, 0] = -decay
            A[:, 1, 1] = mu
            beta[:2] = eta * (1.0 + mu), eta
            eps[:2] = -eta * (1.0 + mu), -eta
        else:
            A[:, 0, 0] = 1.0 - decay
            A[:, 0, 1] = mu
            A[:, 1, 0] = -decay
            A[:, 1, 1] = mu
            beta[:2] = eta, eta
            eps[:2] = -eta, -eta
        if self.sum_index is not None:  # the mean moves to the new coefficient by rho
            last, rho = self.sum_index, average_weight(self.count + 1)
            A[:, last, :last] = rho * A[:, 0, :last]
            A[:, last, last] = 1.0 - rho
            beta[last], eps[last] = rho * beta[0], rho * eps[0]
        return A, beta, eps

    # --- the solver's interface -----------------------------------------------------------
    def begin_epoch(self):
        pass

    def restart_average(self):
        if self.average:
            self._write_out()
            self.z[:, self.sum_index] = 0.0
            self.intercept[self.sum_index] = 0.0
            self._reset_frames()
        self.count = 0

    def step(self, block, next_eta):
        """One mini-batch step on rows ``block`` of the layout; returns ``(value, eta)``."""
        lo, hi = block.start, block.stop
        touched, groups = self._columns(self.laid_out[0], lo, hi)
        v_touched = self._current_v(touched, groups)
        self.weights[touched] = v_touched * self.inverse_scale[touched, None]
        offset = -self._centred_dot()
        if self.fit_intercept:
            offset = offset + self.intercept[0]
        value, gradient, weight_sum = self._batch_loss(lo, hi, self._products(lo, hi) + offset)
        value += self._l2_value()
        if not np.isfinite(value):
            return value, None
        eta = next_eta()
        residual_sum = gradient.sum(axis=0) / weight_sum  # G
        self._products(lo, hi, gradient)
        d_touched = self.buffer[touched] * (self.inverse_scale[touched, None] / weight_sum)
        self.buffer[touched] = 0.0
        self._advance(eta, residual_sum, touched, groups, d_touched)
        self.count += 1
        return value, eta

    def _columns(self, X, lo, hi):
        """The distinct columns of rows ``lo:hi`` and their groups (cached: the batches
        are the same every epoch), in O(nnz): each column keeps its last position."""
        cached = self.columns.get(lo)
        if cached is None:
            columns = X.indices[X.indptr[lo] : X.indptr[hi]].astype(np.intp)
            positions = np.arange(columns.size)
            self.stamp[columns] = positions
            touched = columns[self.stamp[columns] == positions]
            cached = self.columns[lo] = (touched, self.group[touched])
        return cached

    def _sums_by_group(self, values, groups):
        """``values`` (t, m, k) summed over the rows of each group: (n_groups, m, k), one
        ``bincount`` over (group, component) keys."""
        t, m, k = values.shape
        if self.n_groups == 1:
            return values.sum(axis=0)[None]
        keys = (groups[:, None] * (m * k) + np.arange(m * k)).ravel()
        sums = np.bincount(keys, weights=values.ravel(), minlength=self.n_groups * m * k)
        return sums.reshape(self.n_groups, m, k)

    def _advance(self, eta, residual_sum, touched, groups, d_touched):
        # the groups' transitions and, last, the intercept's (no decay: lam = 0)
        A_all, beta, eps = self._transition(eta, np.append(self.lam, 0.0))
        A, A0 = A_all[:-1], A_all[-1]
        determinant = np.abs(np.linalg.det(A))
        if np.any(determinant < 1e-8):
            # a step that (nearly) annihilates a component: apply it to the written-out state
            self._write_out()
            self.z = np.einsum("jab,jbk->jak", A[self.group], self.z)
            self.z += self.c[:, None, None] * beta[None, :, None] * residual_sum[None, None, :]
            self.z[touched] += eps[None, :, None] * d_touched[:, None, :]
            self._reset_frames()
        else:
            self.M = A @ self.M
            self.M_inverse = self.M_inverse @ np.linalg.inv(A)
            self.kappa = A @ self.kappa + beta[None, :, None] * residual_sum[None, None, :]
            direction = self.M_inverse @ eps  # (g, d): z moves along it, times d_j
            old = self.z[touched]  # (t, d, k)
            step = direction[groups][:, :, None] * d_touched[:, None, :]
            # sums over the touched columns of each group, before the move: d z, d^2, c d
            sums = self._sums_by_group(
                np.concatenate(
                    [
                        d_touched[:, None, :] * old,
                        (d_touched * d_touched)[:, None, :],
                        (self.c[touched, None] * d_touched)[:, None, :],
                    ],
                    axis=1,
                ),
                groups,
            )
            dz, dd, cd = sums[:, : self.dim], sums[:, self.dim], sums[:, self.dim + 1]
            outer = direction[:, :, None, None] * dz[:, None, :, :]
            self.sum_zz += outer + outer.transpose(0, 2, 1, 3)
            self.sum_zz += (direction[:, :, None] * direction[:, None, :])[..., None] * dd[
                :, None, None, :
            ]
            self.sum_cz += direction[:, :, None] * cd[:, None, :]
            self.z[touched] = old + step
            if np.max(np.abs(self.M_inverse)) > _RENORMALISE:
                self._write_out()
        if self.fit_intercept:  # no decay, no centring; its gradient is G
            self.intercept = A0 @ self.intercept + eps[:, None] * residual_sum[None, :]

    def _theta(self, component):
        rows = [self.z[:, component]]
        if self.fit_intercept:
            rows.append(self.intercept[component][None, :])
        return np.concatenate(rows).ravel()

    def result(self):
        """The average of the epoch's iterates (``average``) or the iterate, as ``theta``."""
        self._write_out()
        if self.average and self.count > 0:
            return self._theta(self.sum_index)
        return self._theta(0)

    def finish(self, state):
        """Write the iterate and the velocity into ``state`` (as the dense steps do)."""
        self._write_out()
        if self.has_velocity:
            state["velocity"] = self._theta(1)
        if self.average:
            state["iterate"] = self._theta(0)
            state["average"] = self.result() if self.count else None
            state["average_count"] = self.count
        return self._theta(0)


class SparseSteps(_LaidOutProducts):
    """The steps of :func:`~sklinear._solvers.stochastic_gradient` on laid-out CSR data,
    every coefficient updated every step (batches that touch most columns).

    The same iterates as :class:`~sklinear._solvers.DenseSteps` (up to rounding), without
    the generic evaluation's temporaries: the scores and ``X_b^T r`` from SciPy's kernels,
    the rest as nine passes over p-sized arrays a step (each ~12 us at p = 50,000, as much
    as 10,000 non-zeros of the products). ``X_b^T (r / W)`` accumulates straight into
    ``s g_v = l2 s v - mean G + X_b^T r / W`` (``buffer``), which one scaling by ``1 / s``
    turns into the gradient of ``v``; the velocity and the running mean are kept as a
    scalar times an array (``velocity = b V``, ``mean = a S``), so their decays by ``mu``
    and ``1 - rho`` cost nothing (an array is rescaled when its factor falls below 1e-30).
    The interface of :class:`~sklinear._solvers.DenseSteps`.
    """

    def __init__(self, objective, theta, rule, state, average):
        p, k = self._set_options(objective, rule, average)
        self.theta = np.array(theta, dtype=np.float64).ravel()
        self.coef = self.theta[: p * k].reshape(p, k)  # views of theta
        self.intercept = self.theta[p * k :]
        scale = np.asarray(objective.scale, dtype=float)
        self.inverse_scale = (1.0 / scale)[:, None]
        self.centring = np.asarray(objective.mean, dtype=float) / scale  # c
        self.column_mean = np.ascontiguousarray(objective.mean, dtype=float)  # m = c s
        l2 = np.broadcast_to(objective.penalty.l2_weight, (p, 1)).astype(float)
        self.l2_scaled = l2 * scale[:, None]  # lam s: lam v s = lam_s v
        self.velocity_store = None  # velocity = velocity_scale * velocity_store
        self.velocity_scale = 1.0
        if self.mu > 0:
            velocity = state.get("velocity")
            self.velocity_store = (
                np.zeros_like(self.theta)
                if velocity is None
                else np.array(velocity, dtype=np.float64).ravel()
            )
        self.count = int(state.get("average_count", 0)) if average else 0
        self.mean_store = (  # mean = mean_scale * mean_store
            np.array(state["average"], dtype=np.float64).ravel() if self.count else None
        )
        self.mean_scale = 1.0
        self.weights = np.zeros((p, k))  # user coefficients v / scale
        self.buffer = np.zeros((p, k))  # s g_v, X_b^T r / W accumulated into it
        self.laid_out = None
        self._raw_kernels = csr_matvec is not None

    def begin_epoch(self):
        pass

    def restart_average(self):
        self.count = 0

    def step(self, block, next_eta):
        """One mini-batch step on rows ``block`` of the layout; returns ``(value, eta)``."""
        lo, hi = block.start, block.stop
        coef, buffer = self.coef, self.buffer
        np.multiply(coef, self.inverse_scale, out=self.weights)
        offset = -(self.centring @ coef)  # the implicit centring: b - mean . w
        if self.fit_intercept:
            offset += self.intercept
        value, residual, weight_sum = self._batch_loss(lo, hi, self._products(lo, hi) + offset)
        # the L2 part, lam v^2 / 2 = (lam s v) (v / s) / 2; lam s v starts s g_v
        np.multiply(coef, self.l2_scaled, out=buffer)
        value += 0.5 * float(np.vdot(buffer, self.weights))
        if not np.isfinite(value):
            return value, None
        eta = next_eta()
        residual_sum = residual.sum(axis=0) / weight_sum  # G
        # s g_v = lam s v - m G + X_b^T r / W;  g_b = G
        if self.k == 1:
            daxpy(self.column_mean, buffer.ravel(), a=-float(residual_sum[0]))
        else:
            buffer -= np.outer(self.column_mean, residual_sum)
        self._products(lo, hi, residual / weight_sum)
        buffer *= self.inverse_scale  # g_v
        self._move(eta, buffer.ravel(), residual_sum)
        if self.average:
            self._average()
        return value, eta

    def _move(self, eta, gradient, intercept_gradient):
        """The momentum step of :class:`~sklinear._solvers.MomentumRule`, in place;
        ``gradient`` of the coefficients, ``intercept_gradient`` of the intercept."""
        n = self.p * self.k
        theta, store = self.theta, self.velocity_store
        if store is None:  # plain SGD
            daxpy(gradient, theta[:n], a=-eta)
            if self.fit_intercept:
                self.intercept -= eta * intercept_gradient
            return
        # velocity = mu velocity - eta g, as b' = mu b and V += -(eta / b') g
        scale = self.mu * self.velocity_scale
        daxpy(gradient, store[:n], a=-eta / scale)
        if self.fit_intercept:
            store[n:] -= (eta / scale) * intercept_gradient
        if self.nesterov:  # theta += mu velocity - eta g
            daxpy(store, theta, a=self.mu * scale)
            daxpy(gradient, theta[:n], a=-eta)
            if self.fit_intercept:
                self.intercept -= eta * intercept_gradient
        else:
            daxpy(store, theta, a=scale)
        if scale < _SMALL_FACTOR:
            store *= scale
            scale = 1.0
        self.velocity_scale = scale

    def _average(self):
        """The running mean moves to the new iterate by ``rho``: mean = a S, a' = (1 - rho) a
        and S += (rho / a') theta."""
        self.count += 1
        if self.count == 1:
            self.mean_store = self.theta.copy()
            self.mean_scale = 1.0
            return
        rho = average_weight(self.count)
        scale = (1.0 - rho) * self.mean_scale
        daxpy(self.theta, self.mean_store, a=rho / scale)
        if scale < _SMALL_FACTOR:
            self.mean_store *= scale
            scale = 1.0
        self.mean_scale = scale

    def _velocity(self):
        return self.velocity_scale * self.velocity_store

    def result(self):
        """The running mean of the iterates (``average``) or the iterate, as ``theta``."""
        if self.average and self.count > 0:
            return self.mean_scale * self.mean_store
        return self.theta.copy()

    def finish(self, state):
        """Write the iterate and the velocity into ``state`` (as the dense steps do)."""
        if self.velocity_store is not None:
            state["velocity"] = self._velocity()
        if self.average:
            state["iterate"] = self.theta.copy()
            state["average"] = self.result() if self.count else None
            state["average_count"] = self.count
        return self.theta
