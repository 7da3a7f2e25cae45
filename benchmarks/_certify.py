"""CERT: the optimality certificate of every full-batch sklinear fit made in the run.

The workload rows hand their full-batch sklinear fits to :data:`RECORDER` as they happen
(only when CERT was selected: the tight refits below cost time). For each fit it computes

- ``J``, the objective of SPEC.md 1.1 from ``coef_`` / ``intercept_`` in float64;
- ``J*``, the best known optimum: the smallest of ``J``, the peer's ``J`` (when the row has a
  peer with the same objective) and the ``J`` of a refit of the same estimator at
  ``tol=1e-10`` (on float64 data);

and checks ``J - J* <= dual_gap_ <= tol * |J|`` (``dual_gap_`` and ``tol`` of the fit),
``(J - J*) / |J*| <= 1e-6``, and ``objective_`` against ``J``. ``dual_gap_`` /
``objective_`` are read with ``getattr``: while the estimators do not have them the row
says "n/a (no dual_gap_)" (a ``dual_gap_`` of None, a fit without a gap, is n/a too).
``tol='auto'`` counts as 1e-4, the full-batch default. For one-vs-rest fits ``J``,
``dual_gap_`` and ``objective_`` are sums over the classes.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

TIGHT_TOL = 1e-10
OPTIMUM_TOLERANCE = 1e-6  # (J - J*) / |J*|
# objective_ against the independent J: float64 fits agree to rounding; float32 fits compute
# their objective_ from float32 products.
OBJECTIVE_ATTRIBUTE_TOLERANCE = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


class CertificateRecorder:
    """Collects and checks the full-batch fits of a run (inactive until ``enabled``)."""

    def __init__(self):
        self.enabled = False
        self.checks = []

    def record(self, name, model, objective, X, y, candidates=None, refit_X=None):
        """Check ``model`` (fitted on ``X, y``); ``objective(model)`` is its J.

        ``candidates`` maps a source name ('peer', 'float64 fit') to another J of the same
        objective; ``refit_X`` is the data of the tight refit (default ``X``; float64 data
        for a float32 fit).
        """
        if not self.enabled:
            return
        optimum = {"self": objective(model), **(candidates or {})}
        tight = clone(model).set_params(tol=TIGHT_TOL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tight.fit(X if refit_X is None else refit_X, y)
        optimum["tol=1e-10 refit"] = objective(tight)
        self.checks.append(check(name, model, optimum))

    def rows(self):
        return list(self.checks)


def _total(value):
    return None if value is None else float(np.sum(value))


def full_batch_tol(model):
    """The fit's ``tol``; 'auto' is 1e-4 for the full-batch solvers (the estimators' docs)."""
    return 1e-4 if isinstance(model.tol, str) else model.tol


def check(name, model, optimum):
    """One CERT row (a dict of table cells) for ``model`` whose J is ``optimum['self']``."""
    value = optimum["self"]
    source = min(optimum, key=optimum.get)
    best = optimum[source]
    excess = value - best
    relative = excess / abs(best)
    failures = [] if relative <= OPTIMUM_TOLERANCE else ["J above J*"]
    parts = [f"{name}: J*={best:.10g} from {source}"]

    dual_gap = _total(getattr(model, "dual_gap_", None))
    ratio = None
    if not hasattr(model, "dual_gap_"):
        parts.append("n/a (no dual_gap_)")
    elif dual_gap is None:
        parts.append("n/a (dual_gap_ is None: no gap for this fit)")
    else:
        bound = full_batch_tol(model) * abs(value)
        ratio = dual_gap / bound
        # J - J* is zero up to rounding when sklinear's fit is the best known one.
        if excess > dual_gap + 1e-12 * abs(value):
            failures.append("J - J* > dual_gap_")
        if dual_gap > bound:
            failures.append("dual_gap_ > tol |J|")
        parts.append(f"J-J* {excess:.1e} <= dual_gap_ {dual_gap:.1e} <= tol|J| {bound:.1e}")

    reported = _total(getattr(model, "objective_", None))
    if reported is None:
        parts.append("n/a (no objective_)")
    else:
        error = abs(reported - value) / abs(value)
        dtype = np.asarray(model.coef_).dtype
        if error > OBJECTIVE_ATTRIBUTE_TOLERANCE.get(dtype, 1e-9):
            failures.append("objective_ != J")
        parts.append(f"objective_ rel. err {error:.0e}")

    if failures:
        status = "MISSED"
        parts.append("failed: " + ", ".join(failures))
    else:
        status = "ok" if dual_gap is not None and reported is not None else "n/a"
    return dict(
        workload="CERT",
        ratio=ratio,
        goal="<=1",
        gap=relative,
        status=status,
        note="; ".join(parts),
    )


RECORDER = CertificateRecorder()
