"""From an objective to fitted coefficients: solver choice, certified stopping, continuation.

The estimators build a :class:`~sklinear._objective.LinearObjective` and call
:func:`minimise` with their options; nothing here knows about scikit-learn.

Stopping (full-batch solvers). A fit stops when the duality gap at the current iterate is
at most ``tol * |J|`` (:meth:`LinearObjective.certificate`): ``tol`` is a certified bound on
the relative objective error. The absolute loss is certified through its smoothed stages
(:func:`_continuation`); with a pure L1 penalty or none and ``solver='auto'`` it is first
solved exactly as a linear program (:mod:`sklinear._program`) and certified there. Where no gap
exists (``alpha = 0``) the test is on the gradient in the solver's (standardised)
coordinates, relative to the first gradient, so it does not depend on the scale of ``y``,
of the columns or of the weights.

``solver='auto'``:

- an L1 part: L-BFGS-B on split variables (:func:`~sklinear._solvers.lbfgs_l1`), handing
  over to proximal Newton after ``_FALLBACK_ITERATIONS`` where the Newton system of all
  ``p`` columns is within ``_NEWTON_MAX_ROWS``; where it is wider and the L2 part weak
  (:func:`working_set_applies`), working sets from the start (:func:`_working_sets`:
  proximal Newton on the support and the columns nearest their constraint, the whole
  problem's gap the stopping rule), L-BFGS-B on all columns once the support outgrows a
  Newton system;
- squared loss with at most ``_NEWTON_MAX_ROWS`` coefficients per output: Newton (one step
  solves it: the Gram matrix is formed in one blocked pass, as Ridge's Cholesky solver does);
- other smooth problems whose Hessian is cheap (``n * (p K)^2 <= _NEWTON_CHEAP_FLOPS``):
  Newton, robust to correlated columns (polynomial designs, dummies);
- otherwise L-BFGS; if it has not certified its answer after ``_FALLBACK_ITERATIONS``
  iterations, or stalls at machine precision, and the Hessian is affordable
  (``p K <= _NEWTON_MAX_ROWS``), Newton continues from where it stopped ("lbfgs+newton").
  There, a warm-started estimator's fits run L-BFGS preconditioned by one kept Hessian
  (:class:`CurvatureMemory`). Wider systems up to ``_NEWTON_LATE_MAX_ROWS`` whose
  Hessian is still cheap enough (:func:`late_newton_affordable`) give L-BFGS half of
  ``max_iter`` and Newton the rest. Where the Hessian is not affordable, L-BFGS has all of
  ``max_iter``; if it stalls short of the certificate, truncated Newton
  (:func:`~sklinear._solvers.newton_cg`: directions by conjugate gradients from
  Hessian-vector products, :meth:`LinearObjective.hessian_product`, one pass each) continues
  with the iterations left, its products held to them ("lbfgs+newton_cg"; data in memory
  only: :func:`newton_cg_applies`). A fit L-BFGS certifies never reaches it.

  In the last two cases L-BFGS that has not certified its answer after ``_JACOBI_AFTER``
  iterations (or stalls before) goes on preconditioned by the diagonal of the Hessian at
  its iterate (:meth:`LinearObjective.hessian_diagonal`, one pass), recomputed every
  ``_JACOBI_AFTER`` iterations, until a preconditioned run stalls (data in memory only:
  :func:`_lbfgs_rescaled`). The implicit standardisation scales the columns by their
  spread; where the penalty, not the data, gives a direction its curvature (wide or
  separable data with a small ``alpha`` on raw columns), that scaling is the wrong one.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import _solvers
from ._certificate import domain_scale
from ._data import InMemoryData
from ._lazy import LazySparseSteps, SparseSteps, lazy_supported, sparse_supported
from ._losses import SmoothedAbsoluteLoss, SquaredLoss
from ._objective import Curvature, DiagonalPreconditioner, damped_solve
from ._resources import check_memory, fits_in_memory

STOCHASTIC_SOLVERS = ("sgd", "adam")

_NEWTON_MAX_ROWS = 1500
# Wider smooth fits (Newton systems up to this size, in memory, an iteration's Hessian at
# most _LATE_NEWTON_FLOPS multiply-adds) that L-BFGS has not certified in half of max_iter
# go on by Newton with the other half: raw degree-2 columns (1000 x 1890, scales 1e-2 to
# 1e2) ended max_iter=1000 with J 5.6 times the optimum and the gap 2e4 |J|; Newton
# certifies them in 32 iterations.
_NEWTON_LATE_MAX_ROWS = 4000
_LATE_NEWTON_FLOPS = 2e11
# ... and where about this many Newton iterations (each a Hessian, BLAS-3 at about
# _BLAS3_SPEEDUP times a pass's flop rate) cost no more than the L-BFGS iterations they
# replace (the other half of max_iter, two passes each): a fit L-BFGS would certify a
# little after half of max_iter is not made much slower.
_LATE_NEWTON_STEPS = 10
_BLAS3_SPEEDUP = 30
_NEWTON_SQUARED_MAX_ROWS = 6000
_NEWTON_CHEAP_FLOPS = 2e8
# p^3 <= this times nnz: the p x p factorisation of sparse data's Hessian (dense BLAS-3,
# ~30x the flop rate of a sparse pass) costs at most ~50 passes of 4 nnz flops each
_SPARSE_NEWTON_RATIO = 18_000
_FALLBACK_ITERATIONS = 50
# L-BFGS iterations between rescalings by the Hessian's diagonal (:func:`_lbfgs_rescaled`).
# Digits' raw degree-2 columns (1,797 x 2,144), softmax at alpha 1e-4: J after 300
# iterations 4.7e-6 standardised, 1.53e-6 rescaled at 100 and 200 (scikit-learn's lbfgs,
# run to its own convergence: 1.55e-6); breast cancer's raw degree-3 columns (569 x 5,455),
# logistic: 6.6e-4 -> 3.3e-5.
_JACOBI_AFTER = 100
# A preconditioning Hessian (CurvatureMemory) is taken on about this many rows per row of
# the Newton system.
_CURVATURE_ROWS = 16
# A multinomial fit that L-BFGS would hand to Newton after _FALLBACK_ITERATIONS, on many more
# rows than its Newton system has (100,000 rows, 510 coefficients), goes on
# after _SAMPLED_AFTER iterations preconditioned by the Hessian of about _SAMPLED_ROWS rows
# per row of the Newton system (every k-th row), when that sample is at most
# 1 / _SAMPLED_MIN_STEP of the data. W3 (make_classification 100,000 x 50, 10 classes):
# 17 L-BFGS iterations, 19 evaluations to the certificate; with the Hessian of every 50th
# row after 2 iterations, 9 and 12 (after 1: 13 / 17, after 3: 9 / 12; every 200th row:
# 12 / 15, every 12th: 6 / 9 but a Hessian of 4 passes' time).
_SAMPLED_AFTER = 2
_SAMPLED_ROWS = 4
_SAMPLED_MIN_STEP = 8
# ... and when the sample's Hessian (K(K+1)/2 blocks of p^2 over its rows) costs at most
# this many multiply-adds per multiply-add of one product over X (n p K): W3's is 5.7
# (0.03 s, two passes' time); 100 classes of 10 columns would cost hundreds of passes.
_SAMPLED_MAX_COST = 8
_L1_RESTARTS = 3
# The certified stop also asks the last iteration's decrease of J to be below this times
# tol |J| (see Certifier): J then ends well within tol / 100 of the optimum where the gap is
# tight (W7, W9-log, W10-wide: 2e-6..5e-6 above it with the gap alone, 2e-7..5e-7 with this).
_PROGRESS = 1e-3
_ROUNDING = 1e3 * np.finfo(float).eps
_L1_POLISH_ITERATIONS = 20
# A certified L1 fit is polished when its active set's Hessian costs at most this many flops
# per flop of one gradient pass (n p K) and iteration made: BLAS-3 runs ~30x faster per flop
# than a pass, so the polish costs about a quarter of the fit so far at most.
_POLISH_PASS_FLOPS = 8
_POLISH_TIGHTENING = 1e-2
# Working sets (wide L1 / elastic-net fits, :func:`_working_sets`): the first set's size,
# the share of the whole gap each subproblem is solved to, the share of the last gap above
# which a round counts as stalled (the set then doubles), and the L2 share of the
# standardised columns' curvature from which the whole problem is left to L-BFGS-B.
_WORKING_SET_START = 100
_WORKING_SET_GAP = 0.3
_WORKING_SET_STALL = 0.5
_WORKING_SET_RIDGE = 0.5


@dataclass
class FitResult:
    """Coefficients in the solver's coordinates, with what the estimator reports."""

    theta: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    solver: str
    objective: float = None
    dual_gap: float = None
    validation_scores: list = field(default_factory=list)
    state: dict = field(default_factory=dict)
    reason: str = ""


def _hessian_rows(objective):
    """Size of the Newton system (all outputs together for a coupled loss)."""
    layout = objective.loss.hessian_layout
    return objective.n_rows * (objective.n_outputs if layout == "coupled" else 1)


def _hessian_blocks(objective):
    """How many ``p x p`` blocks the Hessian of the data term has: one shared by all
    outputs, one per output (separable losses), one per pair of classes (softmax)."""
    k = objective.n_outputs
    return {"shared": 1, "separable": k, "coupled": k * (k + 1) // 2}[
        objective.loss.hessian_layout
    ]


def _hessian_flops(objective):
    return objective.n_samples * objective.n_features**2 * _hessian_blocks(objective)


def _l1_polish_affordable(objective, result):
    """Whether an L1 fit is polished by proximal Newton steps (:func:`_solvers.proximal_newton`).

    When the first-order solver stalled short of the certificate and the active set's
    Hessian is affordable; and, certified or not, whenever that Hessian (``n |A|^2`` per
    Hessian column, a BLAS-3 product) costs little against the passes the fit has already
    made: the answer is then exact to rounding, not only certified to ``tol``.
    """
    if not hasattr(objective.loss, "hessian_weights"):
        return False
    if not getattr(objective.data, "supports_hessian", True):
        return False
    layout = objective.loss.hessian_layout
    k = objective.n_outputs
    coefficients = result.theta.reshape(objective.n_rows, -1)[: objective.n_features]
    active = int(np.count_nonzero(np.any(coefficients != 0, axis=1)))
    if not getattr(objective.data, "supports_hessian_columns", False):
        active = objective.n_features  # a seam that computes the whole Hessian only
    flops = objective.n_samples * active**2 * _hessian_blocks(objective)
    if _active_system_rows(objective, active) > _NEWTON_MAX_ROWS:
        return False
    if not result.converged:
        return flops <= 1e10
    # the softmax Hessian is singular along shifts shared by all classes
    pass_flops = objective.n_samples * objective.n_features * k
    return layout != "coupled" and flops <= max(
        _NEWTON_CHEAP_FLOPS, _POLISH_PASS_FLOPS * result.n_iter * pass_flops
    )


def _active_system_rows(objective, active):
    """Rows of the Newton system of ``active`` columns (and the intercept)."""
    coupled = objective.loss.hessian_layout == "coupled"
    return (active + int(objective.fit_intercept)) * (objective.n_outputs if coupled else 1)


def _l1_handover(objective):
    """Whether an L1 fit hands over from L-BFGS-B to proximal Newton after
    ``_FALLBACK_ITERATIONS``: the Newton system of all ``p`` columns is within
    ``_NEWTON_MAX_ROWS``, the softmax loss included (its Hessian is singular only along the
    intercepts' shared shift, which the damped solves absorb)."""
    if not hasattr(objective.loss, "hessian_weights"):
        return False
    rows = _active_system_rows(objective, objective.n_features)
    return rows <= _NEWTON_MAX_ROWS and getattr(objective.data, "supports_hessian", True)


def _polish_expected(objective):
    """Whether a certified L1 fit will be polished whatever its active set: the Newton
    system of all ``p`` columns is within ``_NEWTON_MAX_ROWS`` (softmax excepted)."""
    return _l1_handover(objective) and objective.loss.hessian_layout != "coupled"


def _polish_target(objective, certifier, certified):
    """When the proximal Newton polish of an L1 fit stops.

    Uncertified: at the certificate. Certified: where the whole Hessian is cheap, at a fixed
    point (exact to rounding: small problems answer as their references do); otherwise once
    the gap is ``_POLISH_TIGHTENING`` times below the certificate (usually one step).
    """
    if not certified:
        return certifier
    if _hessian_flops(objective) <= _NEWTON_CHEAP_FLOPS:
        return lambda theta: False
    return Certifier(objective, certifier.tol * _POLISH_TIGHTENING)


def newton_affordable(objective):
    """The p K x p K Hessian fits and factors cheaply enough for a Newton polish."""
    if not hasattr(objective.loss, "hessian_weights") or not objective.penalty.smooth:
        return False
    limit = (
        _NEWTON_SQUARED_MAX_ROWS
        if objective.loss.hessian_layout == "shared"
        else (_NEWTON_MAX_ROWS)
    )
    return _hessian_rows(objective) <= limit and getattr(objective.data, "supports_hessian", True)


def late_newton_affordable(objective, max_iter):
    """A smooth fit wider than :func:`newton_affordable` allows whose Newton system is within
    ``_NEWTON_LATE_MAX_ROWS``, in memory (NumPy / SciPy), with an iteration's Hessian of at
    most ``_LATE_NEWTON_FLOPS`` multiply-adds, ``_LATE_NEWTON_STEPS`` of them costing no
    more than the L-BFGS iterations they replace (the other half of ``max_iter``), and room
    for it in the available memory: Newton takes over from L-BFGS at half of
    ``max_iter``."""
    if not hasattr(objective.loss, "hessian_weights") or not objective.penalty.smooth:
        return False
    if type(objective.data) is not InMemoryData or newton_affordable(objective):
        return False
    rows = _hessian_rows(objective)
    blocks = _hessian_blocks(objective)
    if rows > _NEWTON_LATE_MAX_ROWS:
        return False
    if objective.n_samples * blocks * objective.n_rows**2 > _LATE_NEWTON_FLOPS:
        return False
    # per row of data: the Hessians' multiply-adds at BLAS-3 speed against the passes'
    newton = _LATE_NEWTON_STEPS * blocks * objective.n_rows**2 / _BLAS3_SPEEDUP
    lbfgs = (max_iter - max_iter // 2) * 2 * objective.n_rows * objective.n_outputs
    if newton > lbfgs:
        return False
    return fits_in_memory(_hessian_bytes(objective))


def _curvature_in_memory(objective):
    """A smooth fit whose loss has a curvature, on data with its own row blocks (NumPy /
    SciPy in memory): what Hessian-vector products and the Hessian's diagonal need."""
    return (
        objective.penalty.smooth
        and hasattr(objective.loss, "hessian_weights")
        and type(objective.data) is InMemoryData
    )


def newton_cg_applies(objective):
    """Whether a smooth fit that L-BFGS left uncertified goes on by truncated Newton
    (:func:`~sklinear._solvers.newton_cg`; :meth:`LinearObjective.hessian_product`)."""
    return _curvature_in_memory(objective)


def rescaling_applies(objective):
    """Whether L-BFGS can be rescaled by the Hessian's diagonal (:func:`_lbfgs_rescaled`;
    :meth:`LinearObjective.hessian_diagonal`). A gate of its own, beside
    :func:`newton_cg_applies`, so that either can be switched off alone."""
    return _curvature_in_memory(objective)


def _hessian_bytes(objective):
    """Bytes of the blocks of the Hessian pass and of the system that is factored."""
    return 8 * (_hessian_blocks(objective) * objective.n_rows**2 + _hessian_rows(objective) ** 2)


def _check_hessian_fits(objective):
    """solver='newton' asked for by name: refuse, before allocating, a Hessian that the
    available memory cannot hold (p = 300,000 asked NumPy for 671 GiB)."""
    k = objective.n_outputs
    check_memory(
        _hessian_bytes(objective),
        "solver='newton'",
        f"for the Hessian of {objective.n_rows} coefficients"
        + (f" x {k} outputs" if k > 1 else ""),
        "Use solver='auto' (Newton only where its Hessian is cheap) or solver='lbfgs'.",
    )


def kernel_affordable(objective):
    """Ridge with more columns than rows, in memory: the ``n x n`` kernel system
    (:meth:`~sklinear._objective.LinearObjective.kernel_solution`) is smaller than the
    ``p x p`` Hessian and solves the problem at once (100 x 300,000 sparse: 14 s of
    L-BFGS before, against Ridge's 7 ms)."""
    data = objective.data
    return (
        isinstance(objective.loss, SquaredLoss)
        and objective.alpha > 0
        and objective.l1_ratio == 0
        and type(data) is InMemoryData
        and data.X.dtype == np.float64
        and objective.n_features > objective.n_samples
        and objective.n_samples <= _NEWTON_SQUARED_MAX_ROWS
        and bool(np.all(objective.factor > 0))
    )


def _sparse_factorisation_dear(objective):
    """Sparse data whose ``p x p`` factorisation (``p^3 / 3`` dense flops) costs more than
    about 50 passes over the non-zeros: L-BFGS first (Newton follows if it has not
    certified after 50 iterations). 50,000 x 5,000 CSR with 10 non-zeros a row: the
    Cholesky factor took 1.8 s of a 2.4 s Newton fit, a pass 1-2 ms."""
    data = objective.data
    X = getattr(data, "X", None)
    if not sp.issparse(X):
        return False
    return objective.n_rows**3 > _SPARSE_NEWTON_RATIO * X.nnz


def choose_solver(objective, solver):
    """The full-batch solver that runs for ``solver`` ('auto' resolved, see module doc)."""
    if solver == "newton":
        _check_hessian_fits(objective)
    if solver in ("gd", "newton"):
        return solver
    if not objective.penalty.smooth:
        return "lbfgs_l1"
    if solver == "auto" and newton_affordable(objective):
        if objective.loss.hessian_layout == "shared":
            return "lbfgs" if _sparse_factorisation_dear(objective) else "newton"
        if _hessian_flops(objective) <= _NEWTON_CHEAP_FLOPS:
            return "newton"
    return "lbfgs"


class Certifier:
    """``converged(theta)`` for the full-batch solvers: gap <= tol |J|, or a gradient test.

    A certificate that is tight (the gap close to the true error, as on sparse or wide
    problems) would stop the fit just inside ``tol``; so a fit whose last iteration still
    lowered J by more than ``_PROGRESS * tol * |J|`` goes on until its gap is below that
    too, or an iteration gains less. Loose certificates (small alpha) stop as before: the
    iterations there gain far less than that when the gap reaches ``tol``. With
    ``progress=False`` the gap alone decides (an L1 fit whose Newton polish follows).
    """

    def __init__(self, objective, tol, progress=True):
        self.objective = objective
        self.tol = 0.0 if tol is None else float(tol)
        self.progress = progress
        self.first_gradient = None
        self.previous_value = None

    def __call__(self, theta):
        value, gap = self.objective.certificate(theta)
        previous, self.previous_value = self.previous_value, value
        if gap is not None:
            bound = self.tol * abs(value)
            # ... but never below J's rounding (a tiny tol on a problem Newton solves exactly)
            small = max(_PROGRESS * self.tol, _ROUNDING) * abs(value)
            if gap <= small or (gap <= bound and not self.progress):
                return True
            return gap <= bound and (previous is None or previous - value <= small)
        gradient = np.max(np.abs(self.objective.last_gradient), initial=0.0)
        if self.first_gradient is None:
            self.first_gradient = gradient
        return gradient <= self.tol * self.first_gradient

    def start(self, theta):
        """Record J (the first decrease is measured from it) and the gradient scale of the
        gradient test at the starting point."""
        value, gap = self.objective.certificate(theta)
        self.previous_value = value
        if gap is None:
            self.first_gradient = np.max(np.abs(self.objective.last_gradient), initial=0.0)


class CurvatureMemory:
    """The last Hessian of the data term a fit computed, kept for the fits that follow.

    An estimator with ``warm_start=True`` holds one between its fits (a regularisation
    path: the same data, one alpha after another). Where ``solver='auto'`` would run L-BFGS
    with a Newton fallback (:func:`_full_batch`), L-BFGS runs preconditioned by this Hessian
    (:class:`~sklinear._objective.Preconditioner`): the first fit of a path computes it at
    its starting point (on every k-th row, :func:`curvature_step`), the later ones reuse it
    while the data, loss and layout are the same; a Newton fallback's Hessian, taken where
    the stored one no longer served, replaces it.
    """

    def __init__(self):
        self.curvature = None

    def preconditioner(self, objective, theta):
        """The stored Hessian's preconditioner in ``objective``'s coordinates when it was
        computed on ``objective``'s data; else the Hessian at ``theta``, computed and
        stored now: on every ``k``-th row only (:func:`curvature_step`), as a
        preconditioner needs no more."""
        if self.curvature is None or not self.curvature.matches(objective):
            step = curvature_step(objective)
            rows = objective.every(step) if step > 1 else None
            rows = objective if rows is None else rows
            _, _, system = rows.value_gradient_hessian(theta)
            self.remember(objective, system)
        return self.curvature.preconditioner(objective)

    def remember(self, objective, system):
        self.curvature = Curvature(objective, system)

    def recording(self, objective):
        """``objective.value_gradient_hessian`` that also stores each Hessian it returns."""

        def value_gradient_hessian(theta):
            value, gradient, system = objective.value_gradient_hessian(theta)
            self.remember(objective, system)
            return value, gradient, system

        return value_gradient_hessian


def curvature_step(objective):
    """``k``: a preconditioning Hessian is taken on every ``k``-th row, about
    ``_CURVATURE_ROWS`` rows per row of the Newton system (its cost then does not grow with
    the rows). On a 40,000 x 740 polynomial design the fits of a 3-alpha path took 8, 9-10
    and 13-14 preconditioned L-BFGS iterations with the Hessian of every row, of 1 in 3 (16
    rows a column) and of 1 in 13 (4 rows a column); the Hessian took 0.8, 0.3 and 0.1 s
    against 15 ms a pass."""
    rows = _CURVATURE_ROWS * _hessian_rows(objective)
    return max(1, objective.n_samples // max(1, rows))


def _sampled_step(objective):
    """``k`` where a sampled Hessian preconditions the fit (every ``k``-th row: about
    ``_SAMPLED_ROWS`` rows per row of the Newton system), or None where the sample would
    be more than ``1 / _SAMPLED_MIN_STEP`` of the rows, its Hessian would cost more than
    ``_SAMPLED_MAX_COST`` products over X, the data has no row view, or the loss is not
    the multinomial one: on W1 (binary logistic, 200,000 x 100) it took 15
    iterations instead of 12, on W8-ovr 31 instead of 18."""
    if objective.loss.hessian_layout != "coupled":
        return None
    step = objective.n_samples // max(1, _SAMPLED_ROWS * _hessian_rows(objective))
    if step < _SAMPLED_MIN_STEP or getattr(objective.data, "every", None) is None:
        return None
    sample_rows = -(-objective.n_samples // step)
    hessian = sample_rows * objective.n_rows**2 * _hessian_blocks(objective)
    if hessian > _SAMPLED_MAX_COST * objective.n_samples * objective.n_rows * objective.n_outputs:
        return None
    return step


def _sampled_preconditioner(objective, theta, step):
    """The :class:`~sklinear._objective.Preconditioner` of the Hessian at ``theta`` of
    every ``step``-th row (normalised by their own weights), or None."""
    sample = objective.every(step)
    if sample is None:
        return None
    try:
        weight_sum = sample.weight_sum  # a Dask or Array API sample's statistics pass
    except ValueError:  # its rows' sample weights are all zero
        return None
    if not weight_sum > 0:
        return None
    _, _, system = sample.value_gradient_hessian(theta)
    return system.preconditioner()


def _preconditions(objective, curvature):
    """Whether a fallback L-BFGS fit runs preconditioned and keeps its Hessians for the next
    fit: only with an estimator's :class:`CurvatureMemory` (``warm_start=True``), so that a
    fit without one runs the same iterations on every data layer (a Dask fit equals the
    in-memory one), and a loss whose Hessian is one block per output (the multinomial
    loss's coupled blocks are left to the solvers as they are)."""
    return curvature is not None and objective.loss.hessian_layout != "coupled"


def _run(
    name,
    objective,
    theta,
    max_iter,
    certifier,
    verbose,
    preconditioner=None,
    hessian=None,
    max_products=None,
):
    if name == "gd":
        return _solvers.accelerated_gradient(
            objective.value_and_gradient,
            theta,
            prox=objective.prox,
            nonsmooth_value=objective.nonsmooth_value,
            max_iter=max_iter,
            converged=certifier,
            verbose=verbose,
        )
    if name == "newton":
        # Huber's loss: steps on its quadratic majorizer where Newton's are too long
        majorizing = hasattr(objective.loss, "majorizer")
        return _solvers.newton(
            objective.value_gradient_hessian if hessian is None else hessian,
            objective.value_and_gradient,
            theta,
            max_iter=max_iter,
            converged=certifier,
            verbose=verbose,
            majorizer=objective.majorizing_newton_system if majorizing else None,
        )
    if name == "newton_cg":
        return _solvers.newton_cg(
            lambda theta: (*objective.value_and_gradient(theta), objective.hessian_product(theta)),
            objective.value_and_gradient,
            theta,
            max_iter=max_iter,
            converged=certifier,
            verbose=verbose,
            max_products=max_products,
            majorizer=(
                (lambda theta: objective.hessian_product(theta, objective.loss.majorizer()))
                if hasattr(objective.loss, "majorizer")
                else None
            ),
            diagonal=objective.hessian_diagonal,
        )
    if name == "lbfgs_l1":
        return _solvers.lbfgs_l1(
            objective.value_and_gradient,
            theta,
            l1_weights=objective.l1_weights(),
            max_iter=max_iter,
            converged=certifier,
            verbose=verbose,
        )
    return _solvers.lbfgs(
        objective.value_and_gradient,
        theta,
        max_iter=max_iter,
        converged=certifier,
        verbose=verbose,
        preconditioner=preconditioner,
    )


def _chain(first, second):
    """``second`` continued from ``first``: iterations and curves add up."""
    return _solvers.SolverResult(
        second.theta,
        first.n_iter + second.n_iter,
        first.loss_curve + second.loss_curve,
        second.converged,
        state=second.state,
    )


def _proximal_newton(objective, theta, max_iter, converged, verbose):
    """:func:`~sklinear._solvers.proximal_newton` on ``objective``'s L1 problem: working
    sets of at most ``_NEWTON_MAX_ROWS``, damped solves, the loss's majorizer where it has
    one (Huber's and the smoothed absolute loss)."""
    majorizing = hasattr(objective.loss, "majorizer")
    return _solvers.proximal_newton(
        objective.value_gradient_active_hessian,
        objective.value_and_gradient,
        theta,
        l1_weights=objective.l1_weights(),
        solve=damped_solve,
        max_iter=max_iter,
        converged=converged,
        max_working=_NEWTON_MAX_ROWS,
        verbose=verbose,
        majorizer=objective.majorizing_active_hessian if majorizing else None,
    )


def _lbfgs_rescaled(objective, theta, max_iter, certifier, verbose):
    """L-BFGS for ``max_iter`` iterations, rescaled by the Hessian's diagonal where it has
    not certified its answer: after ``_JACOBI_AFTER`` iterations or a stall, it restarts
    from its iterate preconditioned by ``diag(H)`` there (a fresh memory), again every
    ``_JACOBI_AFTER`` iterations with the diagonal recomputed, until a rescaled run
    stalls (the callers' Newton tiers then take over) or ``max_iter`` is spent.
    """
    result = _run("lbfgs", objective, theta, min(max_iter, _JACOBI_AFTER), certifier, verbose)
    while not result.converged and result.n_iter < max_iter:
        diagonal = objective.hessian_diagonal(result.theta)
        if diagonal is None:
            break
        more = _run(
            "lbfgs",
            objective,
            result.theta,
            min(max_iter - result.n_iter, _JACOBI_AFTER),
            certifier,
            verbose,
            DiagonalPreconditioner(diagonal),
        )
        result = _chain(result, more)
        if more.state.get("stalled"):
            break
    return result


def _run_robust(name, objective, theta, max_iter, certifier, verbose, preconditioner=None):
    """:func:`_run`, then L-BFGS where Newton stalled short of the certificate.

    Newton's quadratic model can be poor (the smoothed absolute loss at a small threshold is
    nearly piecewise linear): its line search then stops making progress.
    """
    result = _run(name, objective, theta, max_iter, certifier, verbose, preconditioner)
    if name == "newton" and not result.converged and result.state.get("stalled"):
        if result.n_iter < max_iter:
            more = _run(
                "lbfgs", objective, result.theta, max_iter - result.n_iter, certifier, verbose
            )
            result = _chain(result, more)
    return result


def working_set_applies(objective, solver):
    """Whether ``solver`` fits ``objective`` by working sets (:func:`_working_sets`).

    ``solver='auto'``, an L1 part, data in memory, a Newton system of all ``p`` columns
    wider than ``_NEWTON_MAX_ROWS`` (narrower ones get proximal Newton on the whole problem:
    :func:`_l1_handover`), and an L2 part below ``_WORKING_SET_RIDGE`` of some standardised
    column's curvature: a stronger one conditions the problem well enough for L-BFGS-B
    on all columns (W10-wide, 2,000 x 10,000, 4,145 non-zeros: 6 iterations).
    """
    if solver != "auto" or objective.penalty.smooth or not objective.l1_ratio > 0:
        return False
    if type(objective.data) is not InMemoryData or not hasattr(objective.loss, "hessian_weights"):
        return False
    if _active_system_rows(objective, objective.n_features) <= _NEWTON_MAX_ROWS:
        return False
    ridge = objective.penalty_diagonal()[: objective.n_features]
    return bool(np.min(ridge, initial=np.inf) < _WORKING_SET_RIDGE)


def _newton_columns(objective):
    """The most columns whose Newton system (with the intercept) is within
    ``_NEWTON_MAX_ROWS``."""
    coupled = objective.loss.hessian_layout == "coupled"
    per_row = objective.n_outputs if coupled else 1
    return _NEWTON_MAX_ROWS // per_row - int(objective.fit_intercept)


def _column_terms(objective):
    """``|g_j|`` of the last evaluation and the L1 weights ``l1_j``, shape
    ``(n_features, n_outputs)``, in the solver's coordinates."""
    rows, k, p = objective.n_rows, objective.n_outputs, objective.n_features
    gradient = np.abs(objective.last_gradient.reshape(rows, k)[:p])
    return gradient, objective.l1_weights().reshape(rows, k)[:p]


def dual_distances(objective, theta):
    """How far each column is from breaking the optimality conditions at ``theta``, from the
    gradient of the last evaluation (at ``theta``): ``-inf`` for the support, else ``l1_j -
    kappa |g_j|`` (the smallest over outputs), negative where the column violates them.

    In the solver's coordinates ``g_j = x_j^T u / s_j`` and ``l1_j = alpha r f_j / s_j``
    (``u`` the dual point the gap starts from, ``s_j`` the column's scale, about its norm):
    the distance of the dual point to the constraint of column ``j``, normalised by the
    column as celer's ranking is. Without an L2 part the dual point is scaled by ``kappa =
    min(1, min_j l1_j / |g_j|)`` into the dual's domain, as the certificate scales it.
    """
    k, p = objective.n_outputs, objective.n_features
    gradient, weights = _column_terms(objective)
    kappa = domain_scale(gradient, weights) if objective.l1_ratio >= 1.0 else 1.0
    distances = np.min(weights - kappa * gradient, axis=1)
    support = np.any(theta.reshape(objective.n_rows, k)[:p] != 0, axis=1)
    distances[support] = -np.inf
    return distances


def _violations(objective):
    """The columns whose optimality condition the last evaluation breaks: ``|g_j| > l1_j``
    for a zero coefficient (any output), beyond the rounding of ``g_j``."""
    gradient, weights = _column_terms(objective)
    return np.any(gradient > weights * (1 + _ROUNDING), axis=1)


class _SubproblemStop:
    """``converged(theta)`` of a working set's subproblem: its own certified stop (the
    package's rule: ``precise`` is then True), or its gap within ``target``."""

    def __init__(self, subproblem, tol, target):
        self.subproblem = subproblem
        self.certifier = Certifier(subproblem, tol)
        self.target = target
        self.precise = False

    def start(self, theta):
        self.certifier.start(theta)

    def __call__(self, theta):
        if self.certifier(theta):
            self.precise = True
            return True
        return self.subproblem.certificate(theta)[1] <= self.target


def _working_sets(objective, theta, *, max_iter, tol, verbose):
    """Minimise a wide L1 / elastic-net problem by working sets (celer, skglm, blitz).

    Each round certifies the whole problem at ``theta`` (one pass over all columns: its
    gap is the stopping rule), ranks the columns by :func:`dual_distances` and solves the
    problem restricted to a working set ``W`` (the support and the columns nearest to, or
    beyond, their constraint), the other coefficients held at zero
    (:meth:`~sklinear._objective.LinearObjective.columns`), by proximal Newton
    (:func:`~sklinear._solvers.proximal_newton`, robust to the correlated columns of
    polynomial designs), until the subproblem's gap is ``_WORKING_SET_GAP`` times the
    whole problem's or certified by the package's rule (:class:`Certifier`). ``|W|`` is
    ``max(_WORKING_SET_START, 2 |support|)`` (skglm's rule), doubled after a round that did
    not cut the whole gap below ``_WORKING_SET_STALL`` times the last, and at most the
    ``_NEWTON_MAX_ROWS`` of a Newton system while twice the support fits there.

    The loop stops, certified, when the whole gap is within ``tol |J|`` and either the last
    subproblem met the package's rule with no column left out of ``W`` breaking its
    optimality condition, or the gap is ``_PROGRESS`` times smaller (J then ends within
    about ``tol / 100`` of the optimum, as the progress condition makes sure elsewhere). It
    gives up, uncertified, when its iterations run out or ``W`` would be wider than a
    Newton system: the caller then runs L-BFGS-B on all columns from ``theta`` (L-BFGS-B
    on the split variables of a wider ``W`` was measured slower than on all columns, its
    memory lost each round: 2,000 x 10,000 Gaussian lasso with 1,487 non-zeros, 6.5 s
    against 4.3 s).

    ``n_iter`` counts the subproblems' iterations (proximal Newton's steps, each a pass
    over the rows of the ``|W|`` columns with their Hessian); the loss curve holds ``J``
    after each (the subproblem's ``J`` is the whole problem's at ``theta`` with zeros off
    ``W``). The rounds' passes over all columns to certify are not iterations, as the
    line searches' passes are not; ``state`` has ``'working_set_rounds'``.
    """
    p, k = objective.n_features, objective.n_outputs
    newton_columns = _newton_columns(objective)
    n_iter, curve, size = 0, [], 0
    precise = False
    previous_gap = np.inf
    theta = np.array(theta, dtype=float)
    rounds = 0
    outside = np.ones(p, dtype=bool)  # the columns left out of the last working set
    while True:
        value, gap = objective.certificate(theta)
        if gap is None:
            break
        distances = dual_distances(objective, theta)
        # The subproblem solved to the package's rule is the whole problem solved to it
        # where no column left out breaks its optimality condition; else only a gap far
        # below tol |J| says J is near the optimum (as the progress condition asks).
        small = max(_PROGRESS * tol, _ROUNDING) * abs(value)
        exact = precise and not np.any(_violations(objective) & outside)
        if gap <= tol * abs(value) and (exact or gap <= small):
            state = {"working_set_rounds": rounds, "working_set_size": size}
            return _solvers.SolverResult(theta, n_iter, curve, True, state=state)
        if n_iter >= max_iter:
            break
        support = int(np.sum(np.isneginf(distances)))
        # twice the support (skglm's rule), doubled where the last round did not halve
        # the gap (columns beyond the set hold it up)
        grow = 2 * size if gap > _WORKING_SET_STALL * previous_gap else 0
        size = max(_WORKING_SET_START, 2 * support, grow)
        # the subproblem stays with proximal Newton while the support leaves room, unless
        # that stalled (the gap did not fall in the last round)
        if 2 * support <= newton_columns and gap < previous_gap:
            size = min(size, newton_columns)
        size = min(size, p)
        if size > newton_columns:
            break  # L-BFGS-B on all columns from here (see the docstring)
        previous_gap = gap
        features = np.sort(np.argsort(distances, kind="stable")[:size])
        outside = np.ones(p, dtype=bool)
        outside[features] = False
        rows = objective.column_rows(features)
        subproblem = objective.columns(features)
        start = theta.reshape(objective.n_rows, k)[rows].ravel()
        stop = _SubproblemStop(subproblem, tol, _WORKING_SET_GAP * gap)
        stop.start(start)
        budget = max_iter - n_iter
        inner = _proximal_newton(subproblem, start, budget, stop, verbose)
        if not inner.converged and inner.n_iter < budget:  # stalled: L-BFGS-B takes it on
            more = _run("lbfgs_l1", subproblem, inner.theta, budget - inner.n_iter, stop, 0)
            inner = _chain(inner, more)
        rounds += 1
        n_iter += inner.n_iter
        curve.extend(inner.loss_curve)
        precise = stop.precise
        theta = np.zeros((objective.n_rows, k))
        theta[rows] = inner.theta.reshape(len(rows), k)
        theta = theta.ravel()
        if verbose:
            print(f"working set {rounds}: {size} columns, {inner.n_iter} iterations")
    state = {"working_set_rounds": rounds, "working_set_size": size}
    return _solvers.SolverResult(theta, n_iter, curve, False, state=state)


def _full_batch(objective, theta0, solver, *, max_iter, tol, verbose, curvature=None):
    """One smooth or L1 problem, certified; L-BFGS may hand over to Newton (see module doc).

    ``curvature``: the estimator's :class:`CurvatureMemory` (``warm_start=True``), or None.
    """
    name = choose_solver(objective, solver)
    if solver == "auto" and kernel_affordable(objective):
        # wide ridge: the kernel system's answer, certified by one pass; where rounding
        # (a tiny alpha) leaves it short of the certificate, the solvers start from it
        theta = objective.kernel_solution()
        if theta is not None:
            certified = Certifier(objective, tol, progress=False)
            if certified(theta):
                value = objective.certificate(theta)[0]
                return _solvers.SolverResult(theta, 1, [value], True), "kernel"
            theta0 = theta
    objective.prime(theta0)
    # L1 fits whose active set's Newton system is sure to be small enough (all p columns
    # within _NEWTON_MAX_ROWS) stop at the gap alone: the polish then takes them to tol / 100
    # or beyond. Wider ones keep the progress condition (their polish may not run).
    # Newton's method converges quadratically: the step that brings the gap under the bound
    # leaves an error far below it, so its decrease says nothing; the gap alone decides.
    l1 = name in ("lbfgs_l1", "gd") and not objective.penalty.smooth
    sure = name == "newton" or (l1 and _polish_expected(objective))
    certifier = Certifier(objective, tol, progress=not sure)
    certifier.start(theta0)
    gap_alone = certifier if sure else Certifier(objective, tol, progress=False)
    # Wide L1 / elastic-net fits: working sets; where they give up, L-BFGS-B goes on from
    # their answer on all columns (the iterations and curves add up).
    head = None
    if name == "lbfgs_l1" and working_set_applies(objective, solver):
        head = _working_sets(objective, theta0, max_iter=max_iter, tol=tol, verbose=verbose)
        if head.converged or head.n_iter >= max_iter:
            head.converged = head.converged or gap_alone(head.theta)
            return head, "lbfgs_l1+working_set"
        theta0, max_iter = head.theta, max_iter - head.n_iter
        certifier.start(theta0)
    fallback = solver == "auto" and name == "lbfgs" and newton_affordable(objective)
    # Wider smooth fits whose Hessian is still affordable: Newton after half of max_iter.
    late = solver == "auto" and name == "lbfgs" and late_newton_affordable(objective, max_iter)
    # Wider ones that L-BFGS leaves uncertified go on by truncated Newton (below).
    truncated = solver == "auto" and name == "lbfgs" and not fallback and not late
    truncated = truncated and newton_cg_applies(objective)
    # Beyond the early fallback, L-BFGS is rescaled by the Hessian's diagonal where it has
    # not certified its answer (data in memory, a loss with a curvature)
    rescaled = solver == "auto" and name == "lbfgs" and not fallback
    rescaled = rescaled and rescaling_applies(objective)
    # An L1 fit whose whole Newton system is small hands over to proximal Newton after the
    # same budget: ill-conditioned designs (polynomials of raw columns) stall L-BFGS-B for
    # thousands of iterations with much of the support wrong.
    l1_handover = solver == "auto" and name == "lbfgs_l1" and _l1_handover(objective)
    budget = min(max_iter, _FALLBACK_ITERATIONS) if fallback or l1_handover else max_iter
    if late:
        budget = max(1, max_iter // 2)
    keep = fallback and _preconditions(objective, curvature)
    preconditioner = curvature.preconditioner(objective, theta0) if keep else None
    step = _sampled_step(objective) if fallback and not keep else None
    if rescaled:
        result = _lbfgs_rescaled(objective, theta0, budget, certifier, verbose)
    elif step is None:
        result = _run_robust(name, objective, theta0, budget, certifier, verbose, preconditioner)
    else:
        # a few plain iterations, then preconditioned by a row sample's Hessian there
        result = _run(name, objective, theta0, min(budget, _SAMPLED_AFTER), certifier, verbose)
        if not result.converged and result.n_iter < budget:
            preconditioner = _sampled_preconditioner(objective, result.theta, step)
            rest = _run(
                name,
                objective,
                result.theta,
                budget - result.n_iter,
                certifier,
                verbose,
                preconditioner,
            )
            result = _chain(result, rest)
    used = name
    # L-BFGS-B on split variables can stall (no decrease from its memory) short of the
    # certificate; a fresh memory from the stalled point resumes progress.
    restarts = 0
    while (
        name == "lbfgs_l1"
        and not result.converged
        and result.state.get("stalled")
        and result.n_iter < (budget if l1_handover else max_iter)
        and restarts < _L1_RESTARTS
    ):
        restarts += 1
        again = _run(name, objective, result.theta, budget - result.n_iter, certifier, verbose)
        result = _chain(result, again)
    # An L1 fit is polished by proximal Newton steps on a working set: when the first-order
    # solver stalls short of the certificate, and always where the Hessian is cheap (the
    # answer is then exact to rounding, not only certified to tol: flat directions of weak
    # L2 parts leave coefficients undetermined at a 1e-4 certificate).
    if l1 and result.n_iter < max_iter and _l1_polish_affordable(objective, result):
        certified = result.converged
        majorizing = hasattr(objective.loss, "majorizer")  # Huber's loss
        polish = _proximal_newton(
            objective,
            result.theta,
            # Huber's majorizer steps converge linearly, not quadratically: all the budget
            max_iter - result.n_iter
            if majorizing or not certified
            else min(_L1_POLISH_ITERATIONS, max_iter - result.n_iter),
            _polish_target(objective, certifier, certified),
            verbose,
        )
        result = _chain(result, polish)
        result.converged = certifier(result.theta)
        used = f"{name}+newton"
        if not result.converged and result.n_iter < max_iter:  # L-BFGS-B goes on
            again = _run(
                name, objective, result.theta, max_iter - result.n_iter, certifier, verbose
            )
            result = _chain(result, again)
    if (fallback or late) and not result.converged and result.n_iter < max_iter:
        hessian = curvature.recording(objective) if keep else None
        # without a gap (no penalty) the late handover's gradient test stays relative to
        # the fit's first gradient, as L-BFGS's was (relative to the handover's it pushed a
        # partly separable fit's coefficients on for the whole budget)
        if late and gap_alone.first_gradient is None:
            gap_alone.first_gradient = certifier.first_gradient
        polish = _run(
            "newton",
            objective,
            result.theta,
            max_iter - result.n_iter,
            gap_alone,
            verbose,
            hessian=hessian,
        )
        result = _chain(result, polish)
        used = "lbfgs+newton"
    # Wider ones go on by truncated Newton from where L-BFGS stalled short of the
    # certificate (L-BFGS had all of max_iter: a fit it certifies is never touched). Each
    # Hessian-vector product is a pass, as an L-BFGS iteration is, so the products are held
    # to the iterations left. Digits' degree-2 softmax fit (1,797 x 2,144, K = 10,
    # alpha=1e-5, scale_predictors=True): L-BFGS stalled after 373 iterations at gap
    # 6e-4 |J|; one Newton-CG direction of 73 products certified it (3e-5 |J|).
    if truncated and not result.converged and result.n_iter < max_iter:
        left = max_iter - result.n_iter
        # without a gap (no penalty) the gradient test stays relative to the fit's first
        # gradient, as L-BFGS's was
        if gap_alone.first_gradient is None:
            gap_alone.first_gradient = certifier.first_gradient
        if not gap_alone(result.theta):
            polish = _run(
                "newton_cg", objective, result.theta, left, gap_alone, verbose, max_products=left
            )
            result = _chain(result, polish)
            used = "lbfgs+newton_cg"
    if not result.converged:
        # the progress condition is a preference, not the contract: a fit that ran out of
        # iterations (or stalled) with its gap within tol |J| is certified, and says so
        result.converged = gap_alone(result.theta)
    if head is not None and head.n_iter:
        converged = result.converged
        result = _chain(head, result)
        result.converged = converged
    if l1 and not result.converged:
        # the dual point corrected on the support and the broken constraints: on
        # ill-conditioned designs and near-separable classes the natural one bounds an
        # answer exact to rounding loosely (see LinearObjective.completed_l1_gap)
        completed = objective.completed_l1_gap(result.theta)
        if completed is not None:
            value, gap = objective.certificate(result.theta)
            if gap is None or completed < gap:
                result.state = {**result.state, "dual_gap": completed}
                result.converged = completed <= tol * abs(value)
    return result, used


class _StageCertifier(Certifier):
    """A smoothed stage is done at ``gap <= tol |J|``; the whole fit once ``gap + bias`` is.

    ``bias = mu / 2`` bounds how far the smoothed loss lies below the absolute loss, so
    ``gap + bias`` bounds the absolute objective's error (see :func:`_continuation`).
    """

    def __init__(self, objective, tol, bias):
        super().__init__(objective, tol)
        self.bias = bias
        self.final = False
        self.no_gap = False

    def __call__(self, theta):
        value, gap = self.objective.certificate(theta)
        if gap is None:  # no penalty: no dual bound, the gradient test decides
            self.no_gap = True
            return super().__call__(theta)
        self.final = gap + self.bias <= self.tol * abs(value)
        return gap <= self.tol * abs(value)


def _l1_stage(smoothed, theta, max_iter, certifier, verbose):
    """One smoothed stage of an L1 / elastic-net absolute-loss fit whose Newton system is
    small: L-BFGS-B on split variables for ``_FALLBACK_ITERATIONS``, then proximal Newton
    steps with the smoothed loss's majorizer (as :func:`_full_batch` hands over), then
    L-BFGS-B again if the stage is still short of its certificate."""
    result = _run(
        "lbfgs_l1", smoothed, theta, min(max_iter, _FALLBACK_ITERATIONS), certifier, verbose
    )
    if result.converged or result.n_iter >= max_iter:
        return result
    polish = _proximal_newton(smoothed, result.theta, max_iter - result.n_iter, certifier, verbose)
    result = _chain(result, polish)
    result.converged = certifier(result.theta)
    if not result.converged and result.n_iter < max_iter:
        more = _run(
            "lbfgs_l1", smoothed, result.theta, max_iter - result.n_iter, certifier, verbose
        )
        result = _chain(result, more)
    return result


def _absolute_program(objective, spread, max_iter, tol, verbose):
    """The absolute loss with a pure L1 penalty (or none) as HiGHS's linear program
    (:meth:`~sklinear._objective.LinearObjective.absolute_l1_program`), certified by the
    dual point completed on the rows it interpolates (residuals within 1e-12 to 1e-6 of
    the typical one: a vertex interpolates them to rounding); without a penalty, accepted
    where that point satisfies ``X^T u = 0`` to rounding (``_ROUNDING`` of the first
    gradient: the penguins table's raw degree-3 features, solved with HiGHS's default
    tolerances, met it to 4e-9 at an answer 1.8% above the optimum; exact vertices meet it
    to 1e-16). None where it does not apply or HiGHS needs more than ``max_iter``
    iterations."""
    program = objective.absolute_l1_program(max_iter)
    if program is None:
        return None
    theta, iterations = program
    value, _ = objective.certificate(theta)
    interpolated = spread * np.logspace(-12, -6, 4)
    gap = objective.completed_absolute_gap(theta, interpolated)
    converged = gap is not None and gap <= tol * abs(value)
    if gap is None:  # no penalty: the subgradient condition, to rounding (a vertex's)
        stationarity = objective.absolute_stationarity(theta, interpolated)
        converged = stationarity is not None and stationarity <= min(tol, _ROUNDING)
    if verbose:
        print(f"linear program (HiGHS): J = {value:.10g}, certified gap {gap}")
    return _solvers.SolverResult(theta, iterations, [value], converged, state={"dual_gap": gap})


def _continuation(objective, theta0, solver, *, max_iter, tol, verbose):
    """Minimise the absolute loss as the limit of smoothed ones, with a certificate.

    The absolute loss is replaced by :class:`~sklinear._losses.SmoothedAbsoluteLoss` with a
    threshold ``mu`` shrinking from 10 % of the typical residual by factors of 10 (at most 7
    stages), each stage warm-started from the last. The smoothed loss ``L_mu`` lies between
    ``|r| - mu / 2`` and ``|r|``, so its dual value ``D_mu(u) <= J_mu* <= J*`` also bounds
    the absolute objective: ``J(w) - J* <= (J(w) - J_mu(w)) + gap_mu(w) <= mu / 2 +
    gap_mu(w)``. The stages stop once that bound is below ``tol * |J|``.
    """
    residual = objective.Y - objective.loss.baseline(objective.Y, objective.sample_weight)
    spread = float(np.median(np.abs(residual))) or 1.0
    exact = None
    if solver == "auto":
        exact = _absolute_program(objective, spread, max_iter, tol, verbose)
        if exact is not None:
            if exact.converged:
                return exact, "highs"
            theta0 = exact.theta  # not certified: the smoothed stages go on from it
    theta, n_iter, curve, converged, used = theta0, 0, [], False, solver
    smoothed = None
    for mu in spread * np.logspace(-1, -7, 7):
        smoothed = objective.with_loss(SmoothedAbsoluteLoss(mu))
        certifier = _StageCertifier(smoothed, tol, bias=0.5 * mu)
        name = choose_solver(smoothed, solver)
        budget = max(1, max_iter - n_iter)
        if solver == "auto" and name == "lbfgs_l1" and _l1_handover(smoothed):
            result = _l1_stage(smoothed, theta, budget, certifier, verbose)
        else:
            result = _run_robust(name, smoothed, theta, budget, certifier, verbose)
        used = name
        theta, n_iter = result.theta, n_iter + result.n_iter
        curve.extend(result.loss_curve)
        # With no penalty there is no gap: every stage runs, the last one's test decides.
        converged = result.converged if certifier.no_gap else certifier.final
        if (converged and not certifier.no_gap) or n_iter >= max_iter:
            break
    value, _ = objective.certificate(theta)
    smoothed_value, smoothed_gap = smoothed.certificate(theta)
    curve[-1] = value
    gap = None if smoothed_gap is None else max(value - smoothed_value, 0.0) + smoothed_gap
    # The rows the last stage interpolates (within its mu) get dual values solved from the
    # optimality conditions: at the minimiser this gap is rounding, where the smoothed
    # loss's dual values r / mu bound the error loosely.
    # (the rows near zero at the smoothed minimiser lie within a few mu: thresholds 1 to
    # 1000 mu are tried, and the smallest gap kept; every one is a valid bound)
    if gap is not None:
        completed = objective.completed_absolute_gap(theta, mu * np.logspace(0, 3, 4))
        if completed is not None and completed < gap:
            gap = completed
    if exact is not None and exact.loss_curve[0] < value:
        # the linear program's answer (its certificate short on an ill-conditioned design)
        # is better than where the smoothed stages ended: it is returned, with the smaller
        # of its own bound and the end's bound less the difference in J
        bounds = [exact.state["dual_gap"]]
        if gap is not None:
            bounds.append(gap - (value - exact.loss_curve[0]))
        theta, value = exact.theta, exact.loss_curve[0]
        gap = min((bound for bound in bounds if bound is not None), default=None)
        curve.append(value)
        converged = False
        used = "highs"
    converged = converged or (gap is not None and gap <= tol * abs(value))
    state = {"dual_gap": gap}
    return _solvers.SolverResult(theta, n_iter, curve, converged, state=state), used


def minimise(
    objective,
    theta0,
    solver,
    *,
    max_iter,
    tol,
    verbose=0,
    stochastic_options=None,
    curvature=None,
):
    """Run ``solver`` on ``objective`` from ``theta0`` and certify the result.

    ``stochastic_options`` holds the options of :func:`stochastic` for 'sgd' / 'adam';
    ``curvature`` a :class:`CurvatureMemory` kept between warm-started fits. The result
    carries ``objective`` (J at the returned coefficients) and ``dual_gap`` (None where no
    gap exists), computed from the last evaluation where it was at the returned point.
    """
    if solver in STOCHASTIC_SOLVERS:
        result = stochastic(
            objective,
            theta0,
            solver,
            max_iter=max_iter,
            tol=tol,
            verbose=verbose,
            **stochastic_options,
        )
        used = solver
    elif not objective.loss.smooth:
        result, used = _continuation(
            objective, theta0, solver, max_iter=max_iter, tol=tol, verbose=verbose
        )
    else:
        result, used = _full_batch(
            objective,
            theta0,
            solver,
            max_iter=max_iter,
            tol=tol,
            verbose=verbose,
            curvature=curvature,
        )
    value, gap = objective.certificate(result.theta)
    gap = result.state.get("dual_gap", gap)
    reason = ""
    if not result.converged:
        if result.n_iter >= max_iter or solver in STOCHASTIC_SOLVERS or result.state.get("spent"):
            reason = "max_iter"
        else:
            reason = "stalled"
    return FitResult(
        result.theta,
        result.n_iter,
        result.loss_curve,
        result.converged,
        used,
        objective=value,
        dual_gap=gap,
        validation_scores=result.validation_scores,
        state=result.state,
        reason=reason,
    )


def stochastic(
    objective,
    theta0,
    solver,
    *,
    max_iter,
    tol,
    verbose,
    batch_size,
    learning_rate,
    eta0,
    momentum,
    n_iter_no_change,
    shuffle,
    seed,
    validation_score=None,
    state=None,
    epochs=None,
    average=False,
):
    """Mini-batch SGD ('sgd', Nesterov momentum) or Adam on ``objective``.

    ``average`` (the running mean of the iterates) applies to 'sgd' only: Adam's steps
    shrink where its gradients are noisy already. ``fit`` (``epochs`` None) records and
    stops on the objective of the returned coefficients on a sample of the rows
    (:func:`stopping_sample_size`); ``partial_fit`` (``epochs``: no stopping test) records
    the mean mini-batch objective of its epoch (no extra pass).
    """
    if solver == "sgd":
        rule = _solvers.MomentumRule(momentum=momentum)
    else:
        rule = _solvers.AdamRule()
        average = False
    n_samples = objective.n_samples
    if batch_size == "auto":
        batch_size = auto_batch_size(objective.data)
    return _solvers.stochastic_gradient(
        objective.value_and_gradient,
        theta0,
        n_samples,
        rule=rule,
        prox=objective.prox,
        batch_size=batch_size,
        max_epochs=max_iter if epochs is None else epochs,
        tol=None if epochs is not None else tol,
        n_iter_no_change=n_iter_no_change,
        learning_rate=learning_rate,
        eta0=eta0,
        alpha=objective.alpha,
        shuffle=shuffle,
        random_state=seed,
        validation_score=validation_score,
        state=state,
        verbose=verbose,
        average=average,
        prepare=objective.prepare_batches,
        steps=_lazy_steps(objective, rule, average, batch_size),
        sample_size=None if epochs is not None else stopping_sample_size(n_samples),
    )


# The stopping test of a stochastic fit evaluates J on this many rows (or n / 16) per epoch.
_SAMPLE_ROWS = 10_000


def stopping_sample_size(n_samples):
    """Rows on which a stochastic ``fit`` evaluates, after each epoch, the objective of the
    coefficients it would return (``loss_curve_``, the stopping test): every row up to
    10,000, else ``max(10,000, n / 16)``, a random sample the same every epoch (evenly
    spaced positions of the shuffled order).

    The mean of the epoch's mini-batch objectives at the moving iterates (scikit-learn's
    SGD signal) is noisy: its dips restart the count of ``n_iter_no_change`` epochs long
    after the returned mean has stopped improving. The objective of the mean on a fixed
    sample compares the same rows every epoch, so it is nearly as smooth as ``J`` itself;
    it costs one pass over the sample an epoch (above 10,000 rows, at most a sixteenth of
    the rows: a few percent of an epoch).
    """
    return max(_SAMPLE_ROWS, n_samples // 16)


# The O(nnz) steps do ~40 NumPy operations per distinct column of a batch, the dense steps
# ~15 contiguous ones per coefficient: below this share of touched columns lazy wins.
_LAZY_SHARE = 1 / 16


def _lazy_steps(objective, rule, average, batch_size):
    """The steps on CSR data ('sgd', L2 only): the O(nnz) steps of :mod:`sklinear._lazy`
    where a batch touches few columns, else :class:`~sklinear._lazy.SparseSteps` (every
    coefficient, in place); both make the same steps as the dense steps, the cheaper runs.
    None (the generic :class:`~sklinear._solvers.DenseSteps`) for other data and solvers."""
    if not sparse_supported(objective, rule):
        return None
    X = objective.data.X
    batch_nonzeros = X.nnz / max(1, objective.n_samples) * batch_size
    if batch_nonzeros <= _LAZY_SHARE * objective.n_features and lazy_supported(objective, rule):
        return lambda theta, state: LazySparseSteps(objective, theta, rule, state, average)
    return lambda theta, state: SparseSteps(objective, theta, rule, state, average)


def auto_batch_size(data):
    """``batch_size='auto'``: 1024 rows, more for sparse rows (at most ``n / 16``).

    A step costs a fixed amount of work on the coefficients (p-sized) besides its rows: a
    batch should carry at least ``4 p`` non-zeros, so sparse batches hold ``4 p / nnz``
    rows (nnz per row on average) when that is more than 1024, but no more than ``n / 16``
    so that an epoch still takes 16 steps. Dense data: ``min(1024, n)``.
    """
    n_samples = data.n_samples
    size = 1024
    X = getattr(data, "X", None)
    if getattr(data, "sparse", False) and X is not None and X.nnz > 0:
        per_row = X.nnz / n_samples
        size = max(size, min(int(np.ceil(4 * data.n_features / per_row)), n_samples // 16))
    return min(size, n_samples)


def convergence_message(name, solver, max_iter, tol, tolerance, result, scale_predictors=False):
    """The ConvergenceWarning's text for an uncertified ``result`` of ``name(solver=...)``
    (``scale_predictors``: the estimator's setting, so the advice does not repeat it)."""
    unit = "epochs" if solver in STOCHASTIC_SOLVERS else "iterations"
    if solver in STOCHASTIC_SOLVERS:
        return (
            f"{name} (solver={solver!r}) did not converge in max_iter={max_iter} {unit}: "
            f"increase max_iter, or loosen tol (currently tol={tol!r})."
        )
    if result.dual_gap is not None:
        where = (
            f"the duality gap {result.dual_gap:.3g} is above tol * |J| = "
            f"{(tolerance or 0.0) * abs(result.objective):.3g}"
        )
    else:
        where = "the gradient test was not met"
    if result.reason == "stalled":
        advice = (
            "loosen tol or raise alpha"
            if scale_predictors
            else "loosen tol, raise alpha, or set scale_predictors=True"
        )
        return (
            f"{name} (solver={solver!r}) stopped at machine precision but {where}: the "
            f"answer may still be optimal (the bound is loose for tiny alpha); {advice}."
        )
    return (
        f"{name} (solver={solver!r}) did not converge in max_iter={max_iter} {unit} "
        f"({where}): increase max_iter, or loosen tol (currently tol={tol!r})."
    )
