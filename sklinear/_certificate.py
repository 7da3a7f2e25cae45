"""The duality gap of sklinear's objective: a certified bound on ``J(w, b) - J*``.

With ``c_i = s_i / sum(s)``, scores ``z = X W + b`` and the penalty
``G(W) = sum_j [l2_j W_j^2 / 2 + l1_j |W_j|]`` (per coefficient, so that
``scale_predictors`` is covered), the primal is ``P = sum_i c_i L(y_i, z_i) + G(W)`` and the
Fenchel dual, the intercept being free,

    D(u) = - sum_i c_i L_i*(u_i / c_i) - G*(-X^T u)      subject to  sum_i u_i = 0.

Every feasible ``u`` gives ``D(u) <= J* <= P``, so ``P - D(u)`` bounds the error of ``(W, b)``.
The natural dual point ``u_i = c_i L'(y_i, z_i)`` is the residual the gradient pass computes:
``X^T u`` is the data part of the gradient and, by Fenchel-Young, ``sum_i c_i L_i*(u_i / c_i)
= <W, X^T u> + <b, sum u> - P_data`` — no extra pass and no logarithm. When ``sum u != 0`` the
loss's ``dual_repair`` moves ``u`` to a feasible ``u'`` (an exact shift for the squared loss,
a mix with a constant for the others) at p-sized cost, given the column means ``m`` and
``X^T (c y)`` from the statistics pass. The penalty part is computed per coefficient in a
form that is a sum of non-negative terms, so the gap does not suffer cancellation.

An L1 part without L2 (``l2_j = 0``) makes ``G*`` an indicator: the dual point is scaled by
``kappa = min(1, min_j l1_j / |(X^T u')_j|)``, which keeps it feasible. Without any penalty
there is no gap (``G*`` is the indicator of 0): :func:`duality_gap` returns None.
"""

import numpy as np


def penalty_value(coef, l2, l1):
    """``sum_j l2_j coef_j^2 / 2 + l1_j |coef_j|`` (``l2``, ``l1`` broadcast over outputs)."""
    return float(np.sum(0.5 * l2 * coef * coef + l1 * np.abs(coef)))


def _penalty_fenchel_young(coef, xi, l2, l1):
    """``G(W) + G*(-xi) + <W, xi>`` for ``l2 > 0`` everywhere, as non-negative terms."""
    eta = -xi
    beyond = np.maximum(np.abs(eta) - l1, 0.0)
    inside = beyond == 0
    # |eta| <= l1: G* = 0; the rest is l2 w^2 / 2 + (l1 |w| - w eta) >= 0.
    # |eta| > l1: with eta~ = sign(eta)(|eta| - l1),
    # (l2 w - eta~)^2 / (2 l2) + l1 (|w| - w sign(eta)) >= 0.
    shrunk = np.sign(eta) * beyond
    outside_terms = (l2 * coef - shrunk) ** 2 / (2 * l2) + l1 * (
        np.abs(coef) - coef * np.sign(eta)
    )
    inside_terms = 0.5 * l2 * coef * coef + (l1 * np.abs(coef) - coef * eta)
    return float(np.sum(np.where(inside, inside_terms, outside_terms)))


def domain_scale(xi, l1, free=None):
    """``kappa = min(1, min_j l1_j / |xi_j|)`` over the coefficients ``free`` of an L2 part
    (all when None): the factor that brings a dual point with ``X^T u = xi`` into the
    domain of an L1 penalty's conjugate, ``|xi_j| <= l1_j``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(np.abs(xi) > 0, l1 / np.abs(xi), np.inf)
    if free is not None:
        ratios = np.where(free, ratios, np.inf)
    return float(min(1.0, np.min(ratios, initial=np.inf)))


def duality_gap(
    coef,
    intercept,
    data_value,
    xi,
    gradient_sum,
    loss,
    statistics,
    l2,
    l1,
    fit_intercept,
    data_values=None,
):
    """An upper bound on ``J(coef, intercept) - J*``, or None when no dual bound exists.

    Parameters
    ----------
    coef : ndarray of shape (n_features, n_outputs)
        User coefficients.
    intercept : ndarray of shape (n_outputs,)
    data_value : float
        ``sum_i c_i L(y_i, z_i)``.
    xi : ndarray of shape (n_features, n_outputs)
        ``X^T u`` at the natural dual point (uncentred columns, user coordinates).
    gradient_sum : ndarray of shape (n_outputs,)
        ``sum_i u_i``.
    loss : object
        A loss with ``dual_repair``; losses without a conjugate give None.
    statistics : Statistics
        Column means and ``X^T (c y)`` (see :mod:`sklinear._data`).
    l2, l1 : ndarray of shape (n_features, 1)
        Per-coefficient penalty strengths.
    fit_intercept : bool

    Returns
    -------
    gap : float or None
    """
    if not getattr(loss, "has_conjugate", False):
        return None
    l2 = np.broadcast_to(l2, coef.shape)
    l1 = np.broadcast_to(l1, coef.shape)
    if np.any((l2 <= 0) & (l1 <= 0)):
        return None
    per_output = data_values is not None and hasattr(loss, "dual_repair_per_output")
    if fit_intercept:
        repair = loss.dual_repair_per_output if per_output else loss.dual_repair
        lam, beta, gamma, delta = repair(gradient_sum, statistics.target_mean)
        a = 1.0 - np.asarray(lam)  # a scalar, or one per output (separable outputs)
        correction = np.outer(statistics.mean, beta) + gamma * statistics.target_product
        repaired = a * xi + correction
        # (1 - a) P_data + a <b, g> + delta - <W, xi' - a xi>: the loss-side remainder.
        remainder_terms = (
            float(np.sum(a * intercept * gradient_sum))
            + float(np.sum(delta))
            - float(np.sum(coef * correction))
        )
    else:
        a, repaired, remainder_terms = np.asarray(1.0), xi, 0.0
    # (1 - s a) P_data, per output where each has its own a
    values = data_values if per_output else data_value

    def data_part(scale):
        return float(np.sum((1.0 - scale * a) * values))

    if np.all(l2 > 0):
        gap = _penalty_fenchel_young(coef, repaired, l2, l1)
        gap += data_part(1.0) + remainder_terms
    else:
        # L1 without L2 on some coefficients: scale the dual point into G*'s domain.
        smooth = l2 > 0
        kappa = domain_scale(repaired, l1, free=~smooth)
        # With kappa the l2 > 0 coefficients (elastic net mixed with pure L1) keep their G*.
        scaled = kappa * repaired
        gap = float(np.sum(np.where(smooth, 0.0, l1 * np.abs(coef) + coef * scaled)))
        if np.any(smooth):
            gap += _penalty_fenchel_young(coef[smooth], scaled[smooth], l2[smooth], l1[smooth])
        gap += data_part(kappa) + kappa * remainder_terms
    return max(gap, 0.0)


# Interpolated rows whose dual values are solved for, at most (a dense least-squares
# problem of this many unknowns; a linear program's vertex interpolates p + 1 rows).
_COMPLETION_MAX_ROWS = 4096


def absolute_completed_gap(X, y, c, coef, intercept, l2, l1, fit_intercept, interpolated):
    """A duality gap of the absolute loss ``sum c_i |x_i w + b - y_i| + G(w)`` (one output)
    at a dual point *completed* on the interpolated rows, or None.

    The absolute loss's minimiser interpolates some rows exactly (a linear program's
    vertex): there the subgradient is anything in ``[-1, 1]``, and neither ``sign(r)`` nor
    a smoothed loss's ``r / mu`` gives the dual values the optimality conditions ask for.
    The rows with ``|r_i| > interpolated`` take ``u_i = c_i sign(r_i)``; on the others
    ``u_I`` is the least-squares solution of the conditions themselves:
    ``(X^T u)_j = -(l2_j w_j + l1_j sign(w_j))`` on the support and ``sum u = 0`` (with an
    intercept), clipped to ``|u_i| <= c_i``. Then, as in :func:`duality_gap`, an L1 part
    without L2 scales ``u`` into ``G*``'s domain, and
    ``D(u) = -sum u_i y_i - G*(-X^T u)`` (``L*(v) = v y`` for ``|v| <= 1``). Any ``u`` so
    built is feasible, so ``P - D(u)`` bounds the error whatever the completion's quality.
    ``interpolated`` may hold several thresholds: each gives a dual point, the smallest
    gap is returned (the residuals and the primal value are computed once). None where no
    such bound exists (no penalty on a coefficient, or, at every threshold, more
    interpolated rows than ``_COMPLETION_MAX_ROWS`` or ``sum u`` left non-zero by the
    clipping).
    """
    coef = np.asarray(coef, dtype=float).ravel()
    l2 = np.broadcast_to(np.asarray(l2, dtype=float).ravel(), coef.shape)
    l1 = np.broadcast_to(np.asarray(l1, dtype=float).ravel(), coef.shape)
    if np.any((l2 <= 0) & (l1 <= 0)):
        return None
    residual = np.asarray(X @ coef).ravel() + float(intercept) - y
    primal = float(np.sum(c * np.abs(residual))) + penalty_value(coef, l2, l1)
    smooth = l2 > 0
    centre = _weighted_means(X, c, fit_intercept)
    # the conditions weighted in the units the gap pays for their errors: |dxi_j| / l1_j
    # (the scaling into an L1 part's domain), dxi_j^2 / (2 l2_j) (an L2 part's conjugate)
    metric = 1.0 / np.maximum(l1, np.sqrt(l2))
    best = None
    for u, xi in _completed_absolute_duals(
        X, c, coef, residual, l2, l1, fit_intercept, interpolated, centre, metric
    ):
        kappa = domain_scale(xi, l1, free=~smooth)
        u, xi = kappa * u, kappa * xi
        beyond = np.maximum(np.abs(xi) - l1, 0.0)
        conjugate = np.where(smooth, beyond**2 / (2 * np.where(smooth, l2, 1.0)), 0.0)
        gap = max(primal - (-float(u @ y) - float(np.sum(conjugate))), 0.0)
        best = gap if best is None else min(best, gap)
    return best


def absolute_stationarity(X, y, c, coef, intercept, fit_intercept, interpolated, scale):
    """How far ``(w, b)`` is from a minimiser of the *unpenalised* absolute loss, or None.

    With no penalty there is no duality gap (``G*`` is the indicator of 0); the optimality
    condition is a subgradient ``u`` (``|u_i| <= c_i``, ``u_i = c_i sign(r_i)`` off the
    interpolated rows) with ``X^T u = 0`` and ``sum u = 0``. The completed dual point of
    :func:`absolute_completed_gap` is such a ``u`` up to the returned violation
    ``max_j |x_j^T u| / scale_j`` (the standardised columns' subgradient, the smallest over
    the thresholds ``interpolated``); None where no completion keeps ``sum u = 0``.
    """
    coef = np.asarray(coef, dtype=float).ravel()
    zero = np.zeros_like(coef)
    residual = np.asarray(X @ coef).ravel() + float(intercept) - y
    centre = _weighted_means(X, c, fit_intercept)
    best = None
    for _, xi in _completed_absolute_duals(
        X, c, coef, residual, zero, zero, fit_intercept, interpolated, centre, 1.0 / scale
    ):
        violation = float(np.max(np.abs(xi) / scale, initial=0.0))
        best = violation if best is None else min(best, violation)
    return best


def _weighted_means(X, c, fit_intercept):
    """The columns' means under the weights ``c`` (summing to 1), or zeros without an
    intercept."""
    if not fit_intercept:
        return np.zeros(X.shape[1])
    return np.asarray(X.T @ c).ravel()


def _completed_absolute_duals(
    X, c, coef, residual, l2, l1, fit_intercept, interpolated, centre, metric
):
    """The dual points ``u`` of :func:`absolute_completed_gap`, one per threshold that
    gives one (before the scaling into ``G*``'s domain), each with ``X^T u`` of the centred
    columns.

    With an intercept ``sum u = 0`` is one of the conditions, so the columns' conditions
    are those of the columns centred at ``centre`` (the same conditions, given that one:
    on raw polynomial columns, means of 1e10 and spreads of 1e7, the uncentred ones are
    as collinear with the constant as the columns). Column ``j``'s condition is weighted
    by ``metric[j]`` (how its error costs), ``sum u = 0`` like the largest of them.
    """
    support = np.flatnonzero(coef != 0)
    for threshold in np.atleast_1d(interpolated):
        inside = np.abs(residual) <= threshold
        rows = np.flatnonzero(inside)
        if rows.size > _COMPLETION_MAX_ROWS:
            continue
        u = np.where(inside, 0.0, c * np.sign(residual))
        if rows.size:
            target = -(l2[support] * coef[support] + l1[support] * np.sign(coef[support]))
            outside = np.asarray(X.T @ u).ravel() - centre * u.sum()
            target = target - outside[support]
            block = X[rows]
            block = block.toarray() if hasattr(block, "toarray") else np.asarray(block)
            weights = metric[support]
            system = (block[:, support] - centre[support]).T * weights[:, None]
            target = target * weights
            if fit_intercept:
                # raw columns of scale 1e7 would otherwise leave it satisfied only to 1e-10
                largest = float(np.max(np.linalg.norm(system, axis=1), initial=0.0))
                weight = (largest if largest > 0 else 1.0) / np.sqrt(rows.size)
                system = np.vstack([system, np.full(rows.size, weight)])
                target = np.append(target, -u.sum() * weight)
            if system.shape[0]:
                solution = np.linalg.lstsq(system, target, rcond=None)[0]
                u[rows] = np.clip(solution, -c[rows], c[rows])
        if fit_intercept and abs(u.sum()) > 1e3 * np.finfo(float).eps * np.sum(c):
            continue
        yield u, np.asarray(X.T @ u).ravel() - centre * u.sum()


# The correction's segment within a bounded conjugate domain: bisections for its end, and
# the points tried on it (its end, half of it, ...; and the natural point).
_DOMAIN_BISECTIONS = 30
_SEGMENT_POINTS = 6


def _largest_inside(inside):
    """The largest ``t`` in ``[0, 1]`` found by ``_DOMAIN_BISECTIONS`` bisections with
    ``inside(t)`` true (0 stays the answer where none is): the end of a convex domain's
    part of a segment that starts inside it."""
    low, high = 0.0, 1.0
    for _ in range(_DOMAIN_BISECTIONS):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if inside(middle) else (low, middle)
    return low


def l1_completed_gap(
    X, y, c, coef, intercept, l1, fit_intercept, loss, *, max_columns, rounds=3, l2=0.0
):
    """A duality gap of a smooth loss with an L1 or elastic-net penalty,
    ``sum c_i L(y_i, x_i w + b) + sum l1_j |w_j| + l2_j w_j^2 / 2`` (one output, ``l1 > 0``,
    ``l2 >= 0``), at the natural dual point *corrected* on the support and the violated
    constraints, or None.

    On ill-conditioned designs (raw polynomial features) and near-separable classes the
    natural dual point ``u = c L'(y, z)`` of a minimiser exact to rounding can break
    ``|x_j^T u| <= l1_j`` on a large column by far more than the minimiser's error, and
    scaling ``u`` back into the dual's domain then costs much of ``J``. Here ``u`` moves,
    by the smallest step in the metric of the loss's conjugate near it
    (``sum du_i^2 / (2 c_i L''_i)``, so rows without curvature, such as Huber's beyond its
    threshold, stay where they are), onto the optimality conditions of the columns that
    need them: ``x_j^T u = -l1_j sign(w_j)`` on the support and ``x_j^T u = +-l1_j`` where
    a zero coefficient's constraint is broken (the least-norm solution of the
    under-determined system over those columns, solved on the system itself, not on its
    normal equations, repeated ``rounds`` times for constraints the step breaks); with an
    intercept ``u`` starts with ``sum u = 0`` (shifted along the metric) and steps along
    columns centred in the metric, with ``sum du = -sum u`` a condition of the system, so
    that the sum stays 0 to rounding. Then ``u`` is scaled into
    ``G*``'s domain as in :func:`duality_gap`, and
    ``D(u) = -sum c_i L*(u_i / c_i)`` with the loss's ``conjugate``. Where the corrected
    point leaves the conjugate's domain (logistic: ``y + v`` in [0, 1]; Huber's:
    ``|v| <= epsilon``) the best of a few points on the segment from the natural point to
    it, within the domain, is taken.

    An L2 part (elastic net) moves the support's conditions to
    ``x_j^T u = -(l1_j sign(w_j) + l2_j w_j)``; its conjugate is finite everywhere,
    ``G*(-xi) = sum (|xi_j| - l1_j)_+^2 / (2 l2_j)``, so only the columns without one are
    scaled into the domain. A weak L2 part makes the natural point's bound as loose as no
    L2 part at all: a residual ``d`` of a column's condition costs ``d^2 / (2 l2_j)``, and
    on raw columns of scale 1e5 a residual of rounding size in the solver's scaled
    coordinates is ``d ~ 1e-5``. Any ``u`` so built whose conjugate is finite is
    feasible, so ``P - D(u)`` bounds the error. None where ``sum u`` is left non-zero or
    more than ``max_columns`` columns would need correcting (the system is
    ``n x max_columns``, dense).
    """
    coef = np.asarray(coef, dtype=float).ravel()
    l1 = np.broadcast_to(np.asarray(l1, dtype=float).ravel(), coef.shape)
    l2 = np.broadcast_to(np.asarray(l2, dtype=float).ravel(), coef.shape)
    smooth = l2 > 0
    raw = np.asarray(X @ coef).ravel() + float(intercept)
    value, derivative = loss.loss_gradient(y, raw)
    primal = float(np.sum(c * value)) + penalty_value(coef, l2, l1)
    u = c * derivative
    metric = c * loss.hessian_weights(y, raw)
    if fit_intercept:  # sum u = 0 exactly (a step along the metric), and every step keeps it
        if not metric.sum() > 0:
            return None
        u = u - metric * (u.sum() / metric.sum())
    xi = np.asarray(X.T @ u).ravel()
    start, start_xi = u, xi
    support = coef != 0
    columns = support | (np.abs(xi) > l1)
    for _ in range(rounds):
        index = np.flatnonzero(columns)
        if index.size > max_columns:
            return None
        if index.size == 0:
            break
        optimal = -(l1[index] * np.sign(coef[index]) + l2[index] * coef[index])
        target = np.where(support[index], optimal, 0.0)
        target = np.where(support[index], target, np.clip(xi[index], -l1[index], l1[index]))
        block = X[:, index]
        block = block.toarray() if hasattr(block, "toarray") else np.asarray(block, float)
        if fit_intercept:  # columns centred in the metric: steps along them keep sum u = 0
            block = block - (metric / metric.sum()) @ block
        # the least-norm step in the metric, du = M^(1/2) z with z the least-norm solution
        # of (B^T M^(1/2)) z = r: the normal equations (B^T M B) squared the condition of
        # raw columns (scales 0.5 to 4e6), whose truncated solve left the conditions broken
        root = np.sqrt(metric)
        system = block.T * root
        residual = target - block.T @ u
        if fit_intercept:  # sum du = -sum u as a row of its own (rounding leaves it out)
            system = np.vstack([system, root])
            residual = np.append(residual, -u.sum())
        u = u + root * np.linalg.lstsq(system, residual, rcond=None)[0]
        xi = np.asarray(X.T @ u).ravel()
        broken = ~columns & (np.abs(xi) > l1)
        if not np.any(broken):
            break
        columns |= broken
    if fit_intercept and abs(u.sum()) > 1e3 * np.finfo(float).eps * float(np.sum(np.abs(u))):
        return None
    # rows of zero weight keep u_i = 0 (every step is along the metric c L''): their terms
    # are 0
    rows = c > 0
    y_rows, c_rows = np.asarray(y)[rows], c[rows]

    def dual(fraction, shrink=False):
        """``D`` at ``start + fraction (u - start)`` scaled into ``G*``'s domain (-inf
        outside the loss conjugate's domain; ``shrink``: scaled further towards 0, which
        the conjugate's convex domain holds, as little as bisection finds enough)."""
        point = start + fraction * (u - start)
        point_xi = start_xi + fraction * (xi - start_xi)
        kappa = domain_scale(point_xi, l1, free=~smooth)
        scaled = kappa * point[rows] / c_rows
        conjugate = loss.conjugate(y_rows, scaled)
        if not np.all(np.isfinite(conjugate)):
            if not shrink:
                return -np.inf
            low = _largest_inside(
                lambda t: np.all(np.isfinite(loss.conjugate(y_rows, t * scaled)))
            )
            kappa *= low
            conjugate = loss.conjugate(y_rows, low * scaled)
        beyond = np.maximum(kappa * np.abs(point_xi[smooth]) - l1[smooth], 0.0)
        return -float(np.sum(c_rows * conjugate)) - float(np.sum(beyond**2 / (2 * l2[smooth])))

    # A bounded conjugate domain (logistic, Huber) may not hold the whole correction (a
    # column wrongly in the support asks for a large move): the segment from the natural
    # point keeps sum u = 0, and its part within the (convex) domain is [0, largest].
    value = dual(1.0)
    if not np.isfinite(value):
        natural = dual(0.0)
        if np.isfinite(natural):
            low = _largest_inside(lambda t: np.isfinite(dual(t)))
            value = max(natural, *(dual(low * 0.5**k) for k in range(_SEGMENT_POINTS)))
        else:
            # the intercept's shift along the metric left the domain (with an L2 part no
            # domain scale brings the point back): both points shrunk into it
            value = max(dual(0.0, shrink=True), dual(1.0, shrink=True))
    return max(primal - value, 0.0)
