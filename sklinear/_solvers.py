"""Optimisers over any objective: they see a value-and-gradient function and a prox, nothing else.

Full batch:

- :func:`lbfgs` — quasi-Newton (SciPy's L-BFGS-B) for smooth objectives.
- :func:`lbfgs_l1` — the same on split variables with bounds, for an L1 term.
- :func:`newton` — damped Newton's method with a line search, for problems whose Hessian is
  cheap to form and factor (robust to correlated columns).
- :func:`newton_cg` — truncated Newton: the same steps, the directions by conjugate
  gradients from Hessian-vector products (no Hessian formed), for wide problems.
- :func:`accelerated_gradient` — FISTA: accelerated proximal gradient with a backtracking
  line search that also lets the step grow again, and adaptive (function-value) restarts.
  It needs no learning rate; L1 enters through the proximal step.

Stochastic (mini-batch, ``batch_size=1`` is per-sample SGD):

- :func:`stochastic_gradient` with :class:`MomentumRule` ('sgd') or :class:`AdamRule` ('adam').

Full-batch solvers stop when the caller's ``converged(theta)`` says so (sklinear asks for a
duality gap below ``tol * |J|``): they know nothing of the objective's meaning.
Every solver returns a :class:`SolverResult`. A non-finite objective raises
:class:`NonFiniteObjectiveError`, never returns NaN coefficients.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize


class NonFiniteObjectiveError(ArithmeticError):
    """The objective became inf or NaN, or diverged; ``iteration`` says when."""

    def __init__(self, iteration, what="became non-finite (inf or NaN)"):
        super().__init__(f"the objective {what} at iteration {iteration}")
        self.iteration = iteration
        self.what = what


# L-BFGS stops when the relative decrease of the objective falls to this (as scikit-learn).
_MACHINE_FTOL = 64 * np.finfo(float).eps
# L-BFGS's scaled gradient stays within this (its squares and inner products in float64)
_GRADIENT_RANGE = 1e100
# Newton: a predicted decrease below this times |f| is at f's rounding level.
_FLAT_SLOPE = 1e3 * np.finfo(float).eps
# Newton's steps shorter than this give way to a majorizer's step (where there is one)
_MAJORIZER_STEP = 1e-3

# Newton-CG: the first direction's residual is within this share of the gradient, the later
# ones within min(this, sqrt(|g| / |g_0|)) (superlinear convergence, whatever J's scale).
# The digits' degree-2 softmax fit (alpha=1e-5) that L-BFGS left at gap 6e-4 |J|: 0.1
# certified in one direction of 73 products, 0.5 in three of 79, sqrt(|g|) (|g| = 8e-9,
# the rule of SciPy's and scikit-learn's newton-cg, not scale-free) in one of 199.
_CG_FORCING = 0.1
# ... in at most this many Hessian-vector products (scikit-learn's newton-cg: 200)
_CG_MAX_STEPS = 250

# A stochastic run whose epoch loss exceeds its starting loss by this factor has diverged.
_DIVERGENCE_FACTOR = 1e8

# Polynomial-decay averaging of the 'sgd' iterates: the t-th iterate weighs ~ t^3.
AVERAGE_DECAY = 3.0


def average_weight(count):
    """``rho`` of the ``count``-th averaged iterate: ``mean += rho (theta - mean)``."""
    return (1.0 + AVERAGE_DECAY) / (count + AVERAGE_DECAY)


@dataclass
class SolverResult:
    """What every solver returns."""

    theta: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    validation_scores: list = field(default_factory=list)
    state: dict = field(default_factory=dict)


def _finite(value, iteration):
    if not np.isfinite(value):
        raise NonFiniteObjectiveError(iteration)
    return value


def lbfgs(
    value_and_gradient,
    theta0,
    *,
    max_iter,
    converged,
    bounds=None,
    verbose=0,
    recorded_value=None,
    ftol=_MACHINE_FTOL,
    preconditioner=None,
):
    """Minimise a smooth objective with L-BFGS (SciPy's L-BFGS-B).

    ``converged(theta)`` is asked after each iteration (a certificate: the caller's duality
    gap or gradient test); True stops the solver with ``converged=True``. SciPy's own
    projected-gradient test is off, so only the caller decides; its relative-decrease test
    (``ftol``, machine precision by default) remains as the exit when the objective can no
    longer decrease: the result then has ``converged=False`` and ``state['stalled']``.
    ``recorded_value(theta, value)``, when given, is what the loss curve records instead of
    the minimised value.

    ``preconditioner`` (a linear change of variables ``theta = back(u)``, with
    ``forward`` its inverse and ``gradient(g)`` the gradient in ``u``; see
    :class:`~sklinear._objective.Preconditioner`), when given, runs L-BFGS on ``u``: with
    ``back = L^-T`` for a Cholesky factor ``L`` of a Hessian ``H``, the Hessian in ``u`` is
    ``L^-1 H L^-T``, near the identity, and a few iterations suffice. ``converged`` and
    the result still see ``theta``.
    """
    curve = []
    certified = []
    theta0 = np.asarray(theta0, dtype=float)
    start = value_and_gradient(theta0)
    # SciPy's decrease test is relative to max(|f|, 1): an objective far below 1 (a target
    # of scale 1e-6) would stop at once. The solver sees f / |f0|, a unit-scale objective.
    # Nor below max|g0| / _GRADIENT_RANGE: a tiny f0 beside a gradient far
    # larger (f = 1e-180 with |g| = 1e-17, a separable softmax fit of X at 1e90) would send
    # g / |f0| past 1e150, whose squares in L-BFGS-B overflow (NaN steps, "non-finite").
    unit = abs(float(start[0]))
    unit = unit if np.isfinite(unit) and unit > 0 else 1.0
    gradient_scale = float(np.max(np.abs(start[1]), initial=0.0)) / _GRADIENT_RANGE
    unit = max(unit, gradient_scale) if np.isfinite(gradient_scale) else unit
    if preconditioner is None:
        x0, back = theta0, _identity
    else:
        x0, back = preconditioner.forward(theta0), preconditioner.back
        start = start[0], preconditioner.gradient(start[1])

    def cached(x):
        if np.array_equal(x, x0):
            value, gradient = start
        else:
            value, gradient = value_and_gradient(back(x))
            if preconditioner is not None:
                gradient = preconditioner.gradient(gradient)
        return value / unit, gradient / unit

    def callback(intermediate_result):
        value = float(intermediate_result.fun) * unit
        if recorded_value is not None:
            value = recorded_value(back(intermediate_result.x), value)
        curve.append(_finite(value, len(curve) + 1))
        if verbose:
            print(f"iteration {len(curve)}: objective {curve[-1]:.10g}")
        if converged(back(intermediate_result.x)):
            certified.append(True)
            raise StopIteration

    result = minimize(
        cached,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        callback=callback,
        options={"maxiter": max_iter, "gtol": 0.0, "ftol": ftol, "maxcor": 10, "maxls": 50},
    )
    _finite(result.fun, result.nit)
    # no step taken: the start itself (back(forward(theta0)) is theta0 only up to rounding)
    theta = theta0 if np.array_equal(result.x, x0) else back(result.x)
    if not curve:
        value = float(result.fun) * unit
        curve.append(value if recorded_value is None else recorded_value(theta, value))
    done = bool(certified) or (result.status != 1 and converged(theta))
    state = {"stalled": not done and result.status != 1, "message": str(result.message)}
    return SolverResult(theta, max(int(result.nit), 1), curve, done, state=state)


def _identity(x):
    return x


def lbfgs_l1(value_and_gradient, theta0, *, l1_weights, max_iter, converged, verbose=0):
    """Minimise ``f(theta) + sum(l1_weights * |theta|)`` with L-BFGS-B on split variables.

    Each penalised component is written ``theta_j = u_j - v_j`` with ``u_j, v_j >= 0``;
    the L1 term becomes linear, ``l1_weights_j * (u_j + v_j)``, and the problem smooth
    with bounds, which L-BFGS-B solves in about as many gradient evaluations as a smooth
    problem. Components with zero weight (the intercept) stay free. ``converged(theta)`` is
    asked at ``theta = u - v`` after each iteration.
    """
    l1_weights = np.asarray(l1_weights, dtype=float)
    split = np.flatnonzero(l1_weights > 0)
    weights = l1_weights[split]
    theta0 = np.asarray(theta0, dtype=float)
    positive = theta0.copy()
    positive[split] = np.maximum(theta0[split], 0.0)
    z0 = np.concatenate([positive, np.maximum(-theta0[split], 0.0)])
    size = theta0.size

    def join(z):
        theta = z[:size].copy()
        theta[split] -= z[size:]
        return theta

    def split_value_and_gradient(z):
        value, gradient = value_and_gradient(join(z))
        l1_value = weights @ (z[split] + z[size:])
        full = np.concatenate([gradient, weights - gradient[split]])
        full[split] += weights
        return value + l1_value, full

    def objective_value(z, value):
        """The objective at ``u - v``: the split value counts overlapping parts twice."""
        positive, negative = z[split], z[size:]
        return value - weights @ (positive + negative) + weights @ np.abs(positive - negative)

    bounds = [(None, None)] * size + [(0.0, None)] * split.size
    for index in split:
        bounds[index] = (0.0, None)
    result = lbfgs(
        split_value_and_gradient,
        z0,
        max_iter=max_iter,
        converged=lambda z: converged(join(z)),
        bounds=bounds,
        verbose=verbose,
        recorded_value=objective_value,
        # The split problem's objective decreases in tiny steps while the sparsity pattern
        # settles: do not stop on a stalled relative decrease.
        ftol=0.0,
    )
    result.theta = join(result.theta)
    return result


def newton(
    value_gradient_hessian,
    value_and_gradient,
    theta0,
    *,
    max_iter,
    converged,
    verbose=0,
    majorizer=None,
    spent=None,
):
    """Damped Newton's method with a backtracking (Armijo) line search.

    ``value_gradient_hessian(theta)`` returns the value, the gradient and a system whose
    ``solve(gradient)`` is the Newton direction (damped where the Hessian is singular).
    Each iteration costs one pass with the Hessian and one or more value-and-gradient
    passes (usually one: the unit step is accepted near the optimum). Stops when
    ``converged(theta)`` (asked after each step, and at the start) or when the objective
    stops decreasing at machine precision (``state['stalled']``).

    ``majorizer(theta)``, when given, returns the Newton system of a quadratic that lies
    above the smooth part and touches it at ``theta`` (Huber's loss: see
    ``HuberLoss.majorizer``); where the Newton direction needs a step shorter than
    ``_MAJORIZER_STEP`` (the loss's curvature vanishes on most rows), the step is taken
    along the majorizer's direction instead, whose unit step decreases ``J``
    (majorize-minimize). Newton's own steps are tried first at every iteration: once
    the rows' zones are those of the optimum they are exact.

    ``spent()``, when given, is asked after each uncertified step: True ends the run there
    (``state['spent']``: a budget of the caller's, :func:`newton_cg`'s products).
    """
    x = np.array(theta0, dtype=float)
    curve = []
    if converged(x):
        return SolverResult(x, 0, [value_and_gradient(x)[0]], True)
    f_x, g_x, system = value_gradient_hessian(x)
    _finite(f_x, 0)
    stalled = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        step, candidate, f_new, g_new, flat_step, accepted = _newton_line_search(
            value_and_gradient,
            x,
            f_x,
            g_x,
            system.solve(g_x),
            _MAJORIZER_STEP if majorizer is not None else 1e-12,
        )
        if majorizer is not None and not accepted:
            step, candidate, f_new, g_new, flat_step, accepted = _newton_line_search(
                value_and_gradient, x, f_x, g_x, majorizer(x).solve(g_x), 1e-12
            )
        if not (flat_step or (np.isfinite(f_new) and f_new <= f_x)):
            stalled = True
            curve.append(f_x)
            break
        # Near the optimum f stops changing in float64 before the gradient does: progress
        # is judged on the gradient too.
        previous_gradient = np.max(np.abs(g_x), initial=0.0)
        decrease = f_x - f_new
        x, f_x, g_x = candidate, f_new, g_new
        curve.append(f_x)
        if verbose:
            print(f"iteration {n_iter}: objective {f_x:.10g}, step {step:.3g}")
        if converged(x):
            return SolverResult(x, n_iter, curve, True)
        flat = decrease <= _MACHINE_FTOL * max(abs(f_x), np.finfo(float).tiny)
        if flat and np.max(np.abs(g_x), initial=0.0) > 0.5 * previous_gradient:
            stalled = True
            break
        if spent is not None and spent():
            return SolverResult(x, n_iter, curve, False, state={"stalled": False, "spent": True})
        f_x, g_x, system = value_gradient_hessian(x)
    return SolverResult(x, max(n_iter, 1), curve, False, state={"stalled": stalled})


def newton_cg(
    value_gradient_product,
    value_and_gradient,
    theta0,
    *,
    max_iter,
    converged,
    verbose=0,
    max_products=None,
    majorizer=None,
    diagonal=None,
):
    """Truncated Newton (Newton-CG): :func:`newton` with directions from conjugate gradients.

    ``value_gradient_product(theta)`` returns the value, the gradient and ``product``, the
    function ``d -> H d`` of the Hessian at ``theta`` (one pass over the data a product):
    no Hessian is formed or factored. Each direction solves ``H d = -g`` by
    :func:`truncated_cg` to the forcing term ``eta |g|``, ``eta = min(_CG_FORCING,
    sqrt(|g| / |g_0|))`` (``g_0`` the first gradient: the residual relative to the
    gradient shrinks as the gradient does, superlinear convergence) in at most
    ``_CG_MAX_STEPS`` products (a truncated direction still descends). The run ends,
    uncertified with ``state['spent']``, once it has made ``max_products`` products
    (None: no limit; the last direction is cut to the products left). The line search,
    the flat-function rule (a step accepted on the gradient norm where ``f`` no longer
    discriminates) and the stopping rules are :func:`newton`'s; ``majorizer(theta)``, when
    given, returns the product of a quadratic majorizer's Hessian (Huber's loss), whose
    direction :func:`newton` takes where Newton's needs too short a step.
    ``diagonal(theta)``, when given, returns the Hessian's diagonal there (one pass): the
    conjugate gradients are then preconditioned by it (Jacobi). ``state['cg_steps']``
    counts the products.
    """
    steps = [0]
    first = []  # the first gradient's norm: the forcing term is relative to it
    budget = np.inf if max_products is None else max_products

    def system(product, scale=None):
        return _ConjugateGradientSystem(product, steps, budget, first, scale)

    def value_gradient_hessian(theta):
        value, gradient, product = value_gradient_product(theta)
        return value, gradient, system(product, None if diagonal is None else diagonal(theta))

    result = newton(
        value_gradient_hessian,
        value_and_gradient,
        theta0,
        max_iter=max_iter,
        converged=converged,
        verbose=verbose,
        majorizer=None if majorizer is None else lambda theta: system(majorizer(theta)),
        spent=lambda: steps[0] >= budget,
    )
    result.state = {**result.state, "cg_steps": steps[0]}
    return result


class _ConjugateGradientSystem:
    """What :func:`newton` asks of a system, ``solve(g)``, by :func:`truncated_cg`."""

    def __init__(self, product, steps, budget, first, diagonal=None):
        self.product = product
        self.steps = steps
        self.budget = budget
        self.first = first
        self.diagonal = diagonal

    def solve(self, gradient):
        norm = float(np.linalg.norm(gradient))
        if not self.first:
            self.first.append(norm)
        forcing = min(_CG_FORCING, np.sqrt(norm / self.first[0])) if self.first[0] > 0 else 0.0
        limit = int(min(_CG_MAX_STEPS, gradient.size, max(1, self.budget - self.steps[0])))
        direction, used = truncated_cg(
            self.product, gradient, forcing * norm, limit, diagonal=self.diagonal
        )
        self.steps[0] += used
        return direction


def usable_diagonal(diagonal):
    """A Hessian's diagonal for Jacobi preconditioning, float64 and flat: entries that are
    not positive and finite (a column that is 0 on every row, without L2) read as 1."""
    diagonal = np.asarray(diagonal, dtype=np.float64).ravel()
    positive = np.isfinite(diagonal) & (diagonal > 0)
    return np.where(positive, diagonal, 1.0)


def truncated_cg(product, gradient, tolerance, max_steps, diagonal=None):
    """Conjugate gradients on ``H d = -g`` from ``d = 0``, stopped once the residual's
    norm is within ``tolerance``, after ``max_steps`` products, or at a direction of
    non-positive curvature (the iterate so far then; ``-g`` if it is the first direction:
    a descent direction either way). ``diagonal`` (positive entries; others count as 1),
    when given, preconditions them (Jacobi: ``z = r / diag``); the stopping test stays on
    the residual itself. Returns ``(d, products)``."""
    direction = np.zeros_like(gradient)
    residual = -np.asarray(gradient, dtype=float)
    inverse = None if diagonal is None else 1.0 / usable_diagonal(diagonal)
    preconditioned = residual if inverse is None else residual * inverse
    search = preconditioned.copy()
    inner = float(residual @ preconditioned)
    for step in range(1, max_steps + 1):
        curved = product(search)
        curvature = float(search @ curved)
        if not curvature > 0:
            return (residual.copy() if step == 1 else direction), step
        length = inner / curvature
        direction += length * search
        residual -= length * curved
        if np.linalg.norm(residual) <= tolerance:
            return direction, step
        preconditioned = residual if inverse is None else residual * inverse
        previous, inner = inner, float(residual @ preconditioned)
        search = preconditioned + (inner / previous) * search
    return direction, max_steps


def _newton_line_search(value_and_gradient, x, f_x, g_x, direction, shortest):
    """Backtracking (Armijo) along ``direction`` (steepest descent where it does not
    descend) from step 1 down to ``shortest``: ``(step, candidate, f_new, g_new,
    flat_step, accepted)``, ``accepted`` when the sufficient decrease (or the flat-step
    rule) holds at the last step tried."""
    slope = float(g_x @ direction)
    if not slope < 0:
        direction, slope = -g_x, -float(g_x @ g_x)
    step = 1.0
    # A predicted decrease at the rounding level of f cannot be judged on f: there the
    # unit step is taken when it shrinks the gradient (ill-conditioned designs reach a
    # flat f long before a small gradient, and the certificate needs the gradient).
    flat_model = -slope <= _FLAT_SLOPE * max(abs(f_x), np.finfo(float).tiny)
    gradient_size = np.max(np.abs(g_x), initial=0.0)
    flat_step = False
    while True:
        candidate = x + step * direction
        f_new, g_new = value_and_gradient(candidate)
        if np.isfinite(f_new) and f_new <= f_x + 1e-4 * step * slope:
            return step, candidate, f_new, g_new, False, True
        flat_step = (
            flat_model
            and step == 1.0
            and np.isfinite(f_new)
            and f_new <= f_x + _FLAT_SLOPE * abs(f_x)
            and np.max(np.abs(g_new), initial=0.0) < 0.5 * gradient_size
        )
        if flat_step:
            return step, candidate, f_new, g_new, True, True
        if step < shortest:
            return step, candidate, f_new, g_new, False, False
        step *= 0.5


_JOIN_ROUNDING = 64 * np.finfo(float).eps


def l1_quadratic(hessian, linear, l1_weights, start, *, solve, max_steps):
    """``argmin_v linear . v + v^T H v / 2 + sum(l1_weights * |v|)`` by an active-set method.

    The classic method for the lasso's quadratic (Osborne, Presnell and Turlach 2000): on
    the active set, with the signs held, the problem is a linear system; the walk from the
    current point towards its solution stops where an active component reaches zero (it
    leaves the set); at the system's solution the inactive components with
    ``|linear_j + (H v)_j| > l1_j`` join, signed to lower the objective. The objective
    falls at every step and the method ends, in exact arithmetic, at the minimiser: no
    step length or conditioning limits its accuracy as they do a first-order method's
    (``solve`` damps a singular active Hessian: see :func:`_orthant_direction`).
    Components with ``l1_weights == 0`` are always active. Returns ``(v, done)``.
    """
    hessian = np.asarray(hessian, dtype=float)
    linear = np.asarray(linear, dtype=float)
    l1_weights = np.asarray(l1_weights, dtype=float)
    v = np.array(start, dtype=float)
    unpenalised = l1_weights == 0
    active = (v != 0) | unpenalised
    sign = np.where(unpenalised, 0.0, np.sign(v))
    magnitude = np.abs(hessian)
    with np.errstate(over="ignore", invalid="ignore"):
        # a damped solve on a singular Hessian can step far enough to overflow: that model
        # step is then not a descent, and the caller takes the majorizer's or stops
        return _l1_quadratic_steps(
            hessian, linear, l1_weights, v, unpenalised, active, sign, magnitude, solve, max_steps
        )


def _l1_quadratic_steps(
    hessian, linear, l1_weights, v, unpenalised, active, sign, magnitude, solve, max_steps
):
    """The active-set walk of :func:`l1_quadratic`."""
    for _ in range(max_steps):
        index = np.flatnonzero(active)
        direction = _orthant_direction(hessian, linear, l1_weights, sign, v, index, solve)
        if not np.all(np.isfinite(direction)):
            return v, False  # an overflowed walk: no model step (never LAPACK on inf)
        crossing = active & ~unpenalised & (np.sign(v + direction) != sign)
        if np.any(crossing):
            # the first active component to reach zero on the way stops the walk there
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = np.where(crossing, -v / direction, np.inf)
            step = float(np.clip(np.min(ratios), 0.0, 1.0))
            v = v + step * direction
            leaving = crossing & (ratios <= step)
            v[leaving] = 0.0
            active &= ~leaving
            sign[leaving] = 0.0
            continue
        v = v + direction
        residual = linear + hessian @ v
        # |r_j| above l1_j by more than the rounding of r_j (its terms' size times 64 eps)
        slack = _JOIN_ROUNDING * (np.abs(linear) + magnitude @ np.abs(v))
        joining = ~active & (np.abs(residual) > l1_weights + slack)
        if not np.any(joining):
            return v, True
        active |= joining
        sign[joining] = -np.sign(residual[joining])
    return v, False


# The active-set solver's steps each factor a |A| x |A| matrix: at most about this many
# flops of factorisations per quadratic (a second or so), and at least 20 steps.
_QUADRATIC_FLOPS = 2e10


def _quadratic_steps(size):
    """Steps allowed to :func:`l1_quadratic` on ``size`` components: ``3 size + 20`` (a
    cold start needs about ``size``), fewer where the factorisations would cost more than
    ``_QUADRATIC_FLOPS`` (1,500 components: 20 steps of ~1e9 flops)."""
    affordable = _QUADRATIC_FLOPS / max(size**3 / 3.0, 1.0)
    return int(min(3 * size + 20, max(20, affordable)))


def _orthant_direction(hessian, linear, l1_weights, sign, v, index, solve):
    """The step from ``v`` to the minimiser of the quadratic on the active set ``index``
    (signs held). A singular Hessian there (collinear columns, more columns than rows) is
    damped by ``solve``: its step then runs far along the flat directions, and the walk
    stops at the first zero crossing."""
    direction = np.zeros_like(v)
    if index.size:
        block = hessian[np.ix_(index, index)]
        gradient = linear[index] + l1_weights[index] * sign[index] + block @ v[index]
        if not np.all(np.isfinite(gradient)):  # the walk overflowed: no direction
            return np.full_like(v, np.nan)
        direction[index] = solve(block, -gradient)
    return direction


def proximal_newton(
    value_gradient_active_hessian,
    value_and_gradient,
    theta0,
    *,
    l1_weights,
    solve,
    max_iter,
    converged,
    max_working=None,
    verbose=0,
    majorizer=None,
):
    """Minimise ``f(theta) + sum(l1_weights * |theta|)`` by proximal Newton steps on a
    working set (the way glmnet and glum treat L1 penalties, with an exact inner solver).

    Each iteration takes the Hessian of ``f`` among the working set (the non-zero and
    unpenalised components, and the zero ones whose gradient breaks the optimality
    condition ``|g_j| <= l1_j``; at most ``max_working`` of them, the largest breaches
    first), minimises the quadratic model plus the L1 term exactly on it
    (:func:`l1_quadratic`), and searches along the step (backtracking, Armijo's condition
    on ``f + L1``). Unlike a Newton step with the signs held fixed, components join and
    leave the support, so ill-conditioned designs (polynomials of raw columns, where
    first-order methods stall with most of the support wrong) reach the minimiser.
    ``converged(theta)`` is asked after each accepted step; ``n_iter`` counts those steps
    (one loss-curve entry each). ``majorizer(theta, free)``, when given, is the Hessian
    among ``free`` of a quadratic above ``f`` that touches it at ``theta`` (Huber's loss):
    where the line search would cut the step below ``_MAJORIZER_STEP``, the model is
    solved again with it, and the step along its minimiser decreases ``f + L1`` (as in
    :func:`newton`).
    """
    x = np.array(theta0, dtype=float)
    l1_weights = np.asarray(l1_weights, dtype=float)
    unpenalised = l1_weights == 0
    curve = []
    f_x, g_x = value_and_gradient(x)
    for n_iter in range(1, max_iter + 1):
        breach = np.where((x == 0) & ~unpenalised, np.abs(g_x) - l1_weights, -np.inf)
        keep = (x != 0) | unpenalised
        joining = breach > 0
        if max_working is not None and keep.sum() + joining.sum() > max_working:
            room = max(0, max_working - int(keep.sum()))
            order = np.argsort(-breach)[:room]
            joining = np.zeros_like(joining)
            joining[order[breach[order] > 0]] = True
        free = keep | joining
        f_x, g_x, hessian = value_gradient_active_hessian(x, free)
        index = np.flatnonzero(free)
        direction, decrease = _l1_model_step(x, index, g_x, hessian, l1_weights, solve)
        value = f_x + float(l1_weights @ np.abs(x))
        majorized = majorizer is None
        if not decrease < 0 and not majorized:
            # the loss's own model failed (Huber's Hessian sees only the rows inside its
            # zone: singular on many columns, and the damped solve's step is garbage): the
            # majorizer's model, whose curvature every row has
            majorized = True
            direction, decrease = _l1_model_step(
                x, index, g_x, majorizer(x, free), l1_weights, solve
            )
        if not decrease < 0:
            break  # the model sees no descent: a minimiser to rounding
        if decrease > -_FLAT_SLOPE * max(abs(value), 1.0) * 1e-3:
            # J's decrease is below its rounding, but the optimality conditions (which the
            # duality gap sees at first order) may still be off: a full step is kept while it
            # halves their violation (iterative refinement with a fresh gradient).
            candidate = x + direction
            f_new, g_new = value_and_gradient(candidate)
            new = f_new + float(l1_weights @ np.abs(candidate))
            refines = _l1_violation(g_new, candidate, l1_weights) < 0.5 * _l1_violation(
                g_x, x, l1_weights
            )
            if not (np.isfinite(new) and new <= value + _MACHINE_FTOL * abs(value) and refines):
                break
            x, f_x, g_x = candidate, f_new, g_new
            curve.append(new)
            if converged(x):
                return SolverResult(x, len(curve), curve, True)
            continue
        step = 1.0
        while True:
            candidate = x + step * direction
            with np.errstate(over="ignore", invalid="ignore"):
                # a long trial step (a damped solve on a singular model) may overflow: its
                # value is then not finite, and the step is halved
                f_new, g_new = value_and_gradient(candidate)
                new = f_new + float(l1_weights @ np.abs(candidate))
            if np.isfinite(new) and new <= value + 1e-4 * step * decrease:
                break
            # Near the minimiser f changes below its rounding: a full step that keeps the
            # objective within rounding is the Newton step there.
            if step == 1.0 and np.isfinite(new) and new <= value + _MACHINE_FTOL * abs(value):
                break
            if not majorized and step < _MAJORIZER_STEP:
                majorized = True  # the majorizer's model: its unit step decreases f + L1
                direction, decrease = _l1_model_step(
                    x, index, g_x, majorizer(x, free), l1_weights, solve
                )
                if not decrease < 0:
                    break
                step = 1.0
                continue
            if step < 1e-12:
                return SolverResult(x, len(curve), curve, False, state={"stalled": True})
            step *= 0.5
        if not decrease < 0:
            break
        moved = float(np.max(np.abs(candidate - x), initial=0.0))
        x, f_x, g_x = candidate, f_new, g_new
        curve.append(new)
        if verbose:
            print(f"proximal Newton {n_iter}: objective {new:.10g}, step {step:.3g}")
        if converged(x):
            return SolverResult(x, len(curve), curve, True)
        if moved <= 4 * np.finfo(float).eps * float(np.max(np.abs(x), initial=1.0)):
            break
    return SolverResult(x, len(curve), curve, False, state={"stalled": True})


def _l1_model_step(x, index, gradient, hessian, l1_weights, solve):
    """The step from ``x`` to the minimiser of the quadratic model (``gradient``, the
    ``hessian`` among ``index``) plus the L1 term, over the components ``index``, and the
    model's decrease of ``f + L1`` to first order: ``(direction, decrease)``."""
    current = x[index]
    target, _ = l1_quadratic(
        hessian,
        gradient[index] - hessian @ current,
        l1_weights[index],
        current,
        solve=solve,
        max_steps=_quadratic_steps(index.size),
    )
    direction = np.zeros_like(x)
    direction[index] = target - current
    decrease = float(gradient[index] @ direction[index]) + float(
        l1_weights[index] @ (np.abs(target) - np.abs(current))
    )
    return direction, decrease


def _l1_violation(gradient, theta, l1_weights):
    """The largest breach of the optimality conditions of ``f + sum(l1 |theta|)``:
    ``|g_j + l1_j sign(theta_j)|`` where ``theta_j != 0`` (or unpenalised), and
    ``|g_j| - l1_j`` (when positive) where ``theta_j == 0``."""
    free = (theta != 0) | (l1_weights == 0)
    on_support = np.abs(gradient + l1_weights * np.sign(theta))
    off_support = np.maximum(np.abs(gradient) - l1_weights, 0.0)
    return float(np.max(np.where(free, on_support, off_support), initial=0.0))


def accelerated_gradient(
    value_and_gradient,
    theta0,
    *,
    prox,
    nonsmooth_value,
    max_iter,
    converged,
    verbose=0,
):
    """FISTA with backtracking, step growth and function-value restarts.

    Minimises ``f(theta) + h(theta)`` where ``value_and_gradient`` gives ``f`` and its
    gradient, ``nonsmooth_value`` gives ``h`` and ``prox(theta, step)`` its proximal step.
    ``converged(theta)`` is asked at each accepted iterate right after its evaluation (so a
    certificate can reuse that pass); the solver also stops, unconverged, when the objective
    has stopped decreasing (relative change below machine precision for 5 iterations in a
    row, ``state['stalled']``).
    """
    x = np.array(theta0, dtype=float)
    f_x, g_x = value_and_gradient(x)
    stalled = 0
    objective_x = _finite(f_x + nonsmooth_value(x), 0)
    lipschitz = _initial_lipschitz(value_and_gradient, x, g_x)
    y, f_y, g_y = x, f_x, g_x
    momentum = 1.0
    curve = []
    done = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        while True:
            x_new = prox(y - g_y / lipschitz, 1.0 / lipschitz)
            step = x_new - y
            f_new, g_new = value_and_gradient(x_new)
            bound = f_y + g_y @ step + 0.5 * lipschitz * (step @ step)
            if f_new <= bound + 1e-12 * abs(f_y) or lipschitz > 1e30:
                break
            lipschitz *= 2.0
        objective_new = _finite(f_new + nonsmooth_value(x_new), n_iter)
        decrease = objective_x - objective_new
        stalled = stalled + 1 if decrease <= 64 * np.finfo(float).eps * abs(objective_x) else 0
        if objective_new > objective_x:
            # Momentum overshot: restart from x with a plain proximal gradient step.
            momentum = 1.0
            y, f_y, g_y = x, f_x, g_x
            curve.append(objective_x)
        else:
            # x_new was the last point evaluated: its certificate costs no pass.
            if converged(x_new):
                x = x_new
                curve.append(objective_new)
                done = True
                break
            next_momentum = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * momentum * momentum))
            beta = (momentum - 1.0) / next_momentum
            momentum = next_momentum
            previous = x
            x, f_x, g_x, objective_x = x_new, f_new, g_new, objective_new
            if beta > 0:
                y = x + beta * (x - previous)
                f_y, g_y = value_and_gradient(y)
            else:
                y, f_y, g_y = x, f_x, g_x
            curve.append(objective_x)
        if verbose:
            print(f"iteration {n_iter}: objective {curve[-1]:.10g}, step 1/{lipschitz:.3g}")
        if stalled >= 5:
            break
        lipschitz *= 0.8
    return SolverResult(x, n_iter, curve, done, state={"stalled": not done and stalled >= 5})


def _initial_lipschitz(value_and_gradient, theta, gradient):
    """Estimate the gradient's Lipschitz constant from one small probe step."""
    norm = np.linalg.norm(gradient)
    if norm == 0:
        return 1.0
    probe = theta - gradient * (1e-3 / norm)
    difference = value_and_gradient(probe)[1] - gradient
    estimate = np.linalg.norm(difference) / np.linalg.norm(probe - theta)
    return float(estimate) if np.isfinite(estimate) and estimate > 0 else 1.0


class MomentumRule:
    """SGD step with (optionally Nesterov) momentum: ``v = m v - eta g; theta += v``."""

    def __init__(self, momentum=0.9, nesterov=True):
        self.momentum = momentum
        self.nesterov = nesterov

    def step(self, gradient, learning_rate, state):
        velocity = state.get("velocity")
        if self.momentum == 0:
            return -learning_rate * gradient
        if velocity is None:
            velocity = np.zeros_like(gradient)
        velocity *= self.momentum
        velocity -= learning_rate * gradient
        state["velocity"] = velocity
        if self.nesterov:
            return self.momentum * velocity - learning_rate * gradient
        return velocity


class AdamRule:
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def step(self, gradient, learning_rate, state):
        first = state.get("first_moment")
        if first is None:
            first = state["first_moment"] = np.zeros_like(gradient)
            state["second_moment"] = np.zeros_like(gradient)
            state["adam_steps"] = 0
        second = state["second_moment"]
        state["adam_steps"] += 1
        steps = state["adam_steps"]
        first *= self.beta_1
        first += (1 - self.beta_1) * gradient
        second *= self.beta_2
        second += (1 - self.beta_2) * gradient * gradient
        corrected = learning_rate * np.sqrt(1 - self.beta_2**steps) / (1 - self.beta_1**steps)
        return -corrected * first / (np.sqrt(second) + self.epsilon)


def stochastic_gradient(
    batch_value_and_gradient,
    theta0,
    n_samples,
    *,
    rule,
    prox,
    batch_size,
    max_epochs,
    tol,
    n_iter_no_change,
    learning_rate,
    eta0,
    power_t=0.25,
    alpha=0.0,
    shuffle=True,
    random_state=None,
    validation_score=None,
    state=None,
    verbose=0,
    average=False,
    prepare=None,
    steps=None,
    sample_size=None,
):
    """Mini-batch stochastic gradient descent, one epoch being one pass over the rows.

    Sampling: the rows are shuffled once per call (``shuffle``) and cut into
    ``ceil(n / batch_size)`` consecutive batches of equal size (to one row); every epoch
    visits these batches in a new random order.
    ``prepare(order)``, when given, is called once with that order and returns whether the
    caller has laid its rows out in it: ``batch_value_and_gradient(theta, rows)`` then
    receives ``rows`` as a ``slice`` of positions in ``order`` (a sparse matrix reads a
    contiguous block), else as the index array ``order[slice]``. It gives the mini-batch
    objective and gradient.

    The loss curve holds, per epoch, the value the stopping test compares: with
    ``sample_size``, the objective of what would be returned (the running mean with
    ``average``) on a sample of ``m = min(sample_size, n)`` rows, the same every epoch: the
    positions ``i n // m`` of ``order`` (a random sample when ``shuffle``, spread evenly
    over the batches, so that it does not matter which batches the epoch visited last);
    one pass over those rows at the end of each epoch. Without ``sample_size``, the mean of
    the epoch's mini-batch objectives (at the iterates as they were taken: no extra pass,
    but noisy).

    ``average``: the result is a weighted mean of the iterates instead of the last iterate:
    polynomial-decay averaging (Shamir & Zhang, 2013), ``mean += rho_t (theta - mean)``
    with ``rho_t = (1 + AVERAGE_DECAY) / (t + AVERAGE_DECAY)`` at the t-th step averaged,
    which weighs the iterates as ``t^3``: the noise of the steps averages out while the
    early iterates, far from the optimum, are forgotten. It starts again each time
    ``learning_rate='adaptive'`` divides the step. The mean, its count and the iterate are
    kept in ``state`` (``'average'``, ``'average_count'``, ``'iterate'``), where a further
    call (``partial_fit``) continues from. ``validation_score`` is asked at what would be
    returned.

    ``steps(theta, state)``, when given, returns the object that takes the steps in place
    of :class:`DenseSteps` (the O(nnz) steps on sparse data, :mod:`sklinear._lazy`); it
    makes the same steps.

    Stopping: after ``n_iter_no_change`` epochs without the epoch's value (the loss curve's
    entry) improving on its best by ``tol`` times its size (or, with ``validation_score``,
    without the score improving by ``tol``; the first epoch always counts as an
    improvement); with
    ``learning_rate='adaptive'`` the step is divided by 5 instead, and the solver stops once
    it falls below 1e-6. ``tol=None`` runs all ``max_epochs``.

    ``state`` carries the step count, the learning rate and the rule's moments between
    calls (``partial_fit``); it is updated in place and returned in the result.
    """
    rng = np.random.default_rng(random_state)
    state = {} if state is None else state
    theta = np.array(state.get("iterate", theta0) if average else theta0, dtype=float)
    state.setdefault("steps", 0)
    state.setdefault("eta", eta0)
    batch_size = max(1, min(batch_size, n_samples))
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    if steps is None:
        stepper = DenseSteps(batch_value_and_gradient, theta, rule, prox, state, average)
        stepper.prepare(order, prepare)
    else:
        stepper = steps(theta, state)
        stepper.prepare(order)
    # ceil(n / batch_size) batches of equal size (to one row): a short last batch would take
    # a full step on a noisy gradient.
    n_batches = -(-n_samples // batch_size)
    bounds = np.arange(n_batches + 1) * n_samples // n_batches
    batches = np.arange(n_batches)
    sample = None
    if sample_size is not None:  # evenly spaced positions of the order: all batches alike
        size = max(1, min(sample_size, n_samples))
        sample = np.arange(size) * n_samples // size

    def next_eta():
        state["steps"] += 1
        return _learning_rate(learning_rate, state, eta0, power_t, alpha)

    curve, scores = [], []
    best_loss, best_score, no_improvement = np.inf, -np.inf, 0
    start_loss = None
    converged = False
    epoch = 0
    eta = state["eta"]
    for epoch in range(1, max_epochs + 1):
        epoch_loss = 0.0
        stepper.begin_epoch()
        for batch in rng.permutation(batches) if shuffle else batches:
            block = slice(int(bounds[batch]), int(bounds[batch + 1]))
            value, eta = stepper.step(block, next_eta)
            if not np.isfinite(value):
                raise NonFiniteObjectiveError(epoch)
            if start_loss is None:
                start_loss = abs(value)
            epoch_loss += value * (block.stop - block.start)
        epoch_loss = _finite(epoch_loss / n_samples, epoch)
        if epoch_loss > _DIVERGENCE_FACTOR * max(start_loss, np.finfo(float).tiny):
            raise NonFiniteObjectiveError(
                epoch, f"diverged (from {start_loss:.3g} to {epoch_loss:.3g})"
            )
        if sample is not None:  # the objective of what would be returned, on the sample
            epoch_loss = _finite(stepper.value(stepper.result(), sample), epoch)
        curve.append(epoch_loss)
        if validation_score is not None:
            score = validation_score(stepper.result())
            scores.append(score)
            improved = score > best_score + (tol or 0.0)
            best_score = max(best_score, score)
        else:
            # Relative to the loss (invariant to the scale of y); the first epoch improves.
            improved = (
                tol is None
                or not np.isfinite(best_loss)
                or epoch_loss < best_loss - tol * abs(best_loss)
            )
            best_loss = min(best_loss, epoch_loss)
        no_improvement = 0 if improved else no_improvement + 1
        if verbose:
            what = "sample objective" if sample is not None else "mean mini-batch objective"
            print(f"epoch {epoch}: {what} {epoch_loss:.10g}, step {eta:.3g}")
        if tol is not None and no_improvement >= n_iter_no_change:
            if learning_rate == "adaptive" and state["eta"] > 1e-6:
                state["eta"] /= 5.0
                no_improvement = 0
                stepper.restart_average()
                if state["eta"] > 1e-6:
                    continue
            converged = True
            break
    result = stepper.result()
    stepper.finish(state)
    return SolverResult(result, epoch, curve, converged, scores, state)


class DenseSteps:
    """The steps of :func:`stochastic_gradient` through ``batch_value_and_gradient``.

    ``value(theta, positions)`` is the objective at ``theta`` on rows of the order; ``step``
    evaluates the batch at the iterate, asks ``next_eta()`` for the step size,
    moves with ``rule`` and ``prox``; with ``average`` it keeps the mean of the epoch's
    iterates (``result``). Rows reach ``batch_value_and_gradient`` as a slice of the order
    when ``prepare(order)`` laid the data out, else as indices.
    """

    def __init__(self, batch_value_and_gradient, theta, rule, prox, state, average):
        self.batch_value_and_gradient = batch_value_and_gradient
        self.theta = theta
        self.rule = rule
        self.prox = prox
        self.state = state
        self.average = average
        self.count = int(state.get("average_count", 0)) if average else 0
        self.mean = np.array(state["average"], dtype=float) if self.count else None
        self.order = None
        self.laid_out = False

    def prepare(self, order, prepare=None):
        self.order = order
        self.laid_out = bool(prepare(order)) if prepare is not None else False

    def begin_epoch(self):
        pass

    def restart_average(self):
        self.count = 0

    def step(self, block, next_eta):
        rows = block if self.laid_out else self.order[block]
        value, gradient = self.batch_value_and_gradient(self.theta, rows)
        if not np.isfinite(value):
            return value, None
        eta = next_eta()
        self.theta += self.rule.step(gradient, eta, self.state)
        self.theta = self.prox(self.theta, eta)
        if self.average:
            self.count += 1
            if self.count == 1:
                self.mean = self.theta.copy()
            else:
                self.mean += average_weight(self.count) * (self.theta - self.mean)
        return value, eta

    def value(self, theta, positions):
        """The objective at ``theta`` on the rows at ``positions`` of the order."""
        return self.batch_value_and_gradient(theta, self.order[positions])[0]

    def result(self):
        if self.average and self.count > 0:
            return self.mean.copy()
        return self.theta.copy()

    def finish(self, state):
        if self.average:
            state["iterate"] = self.theta
            state["average"] = self.result() if self.count else None
            state["average_count"] = self.count
        return self.theta


def _learning_rate(schedule, state, eta0, power_t, alpha):
    steps = state["steps"]
    if schedule == "invscaling":
        return eta0 / steps**power_t
    if schedule == "optimal":
        return 1.0 / (alpha * (steps + 1.0 / (alpha * eta0)))
    return state["eta"]  # 'constant' and 'adaptive'
