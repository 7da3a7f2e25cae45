"""The absolute loss with a pure L1 penalty (or none) solved exactly, as a linear program.

``J(w, b) = sum_i c_i |y_i - x_i w - b| + sum_j l1_j |w_j|`` (``c`` the normalised sample
weights) is a linear program. scikit-learn's ``QuantileRegressor`` hands HiGHS its primal
form (``2 n + 2 p + 1`` variables, ``n`` equalities), whose cost grows fast with the rows
(20,000 x 20: 25 s). Its dual has ``n`` box-bounded variables and ``p + 1`` constraints,

    max_u  y^T u   s.t.  |u_i| <= c_i,   |(X^T u)_j| <= l1_j,   sum_i u_i = 0 (intercept),

the certificate's own dual problem (:func:`~sklinear._certificate.absolute_completed_gap`);
HiGHS's interior point method with crossover solves it at a vertex (20,000 x 20: 0.8 s;
2,000 x 300: 1.8 s, where the smoothed continuation takes 1,000 iterations), and the
coefficients are the constraints' multipliers. Columns are scaled (and, with an intercept
on dense data, centred: ``sum u = 0`` makes that free) so that raw polynomial columns of
scale 1e6 do not meet HiGHS's absolute tolerances. Nothing here is trusted: the caller
certifies the coefficients with its own dual point.
"""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

# HiGHS's feasibility tolerances (its defaults: 1e-7). At 1e-7 the penguins table's raw
# degree-3 features (342 x 285, column means to 8e9) ended 1.9% above the unpenalised
# optimum and 5e-6 above the L1 one at alpha = 1e-4; at 1e-10, HiGHS's smallest, at both
# (equal to scikit-learn's QuantileRegressor, which fails on the unpenalised one), in the
# same time.
_FEASIBILITY = 1e-10


def absolute_l1_program(X, y, c, l1, fit_intercept, mean, scale, max_iter):
    """Coefficients ``(w, b)`` minimising the absolute loss with an L1 penalty, or None.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    c : ndarray of shape (n_samples,)
        The rows' weights, normalised to sum to 1.
    l1 : ndarray of shape (n_features,)
        Non-negative L1 strength of each coefficient (user coordinates; 0: unpenalised).
    fit_intercept : bool
    mean, scale : ndarray of shape (n_features,)
        Columns are solved for as ``(x - mean) / scale`` (the mean only with an intercept,
        on dense data).
    max_iter : int
        HiGHS's iteration limit (the interior point's; crossover's are not counted).

    Returns ``(coef, intercept, iterations)``, or None when HiGHS does not report an
    optimal solution within ``max_iter`` iterations.
    """
    n, p = X.shape
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    centre = fit_intercept and not sp.issparse(X) and np.all(np.isfinite(mean))
    shift = np.asarray(mean, dtype=float) if centre else np.zeros(p)
    if sp.issparse(X):
        columns = sp.csr_matrix(X, dtype=np.float64) @ sp.diags(1.0 / scale)
        transposed = columns.T.tocsr()
        A_ub = sp.vstack([transposed, -transposed], format="csr")
    else:
        columns = (np.asarray(X, dtype=np.float64) - shift) / scale
        A_ub = np.vstack([columns.T, -columns.T])
    bound = np.asarray(l1, dtype=float) / scale
    constraints = {}
    if fit_intercept:
        constraints = {"A_eq": np.ones((1, n)), "b_eq": np.zeros(1)}
    # J is homogeneous in (y, w, b): the program runs on y of unit size (HiGHS's tolerances
    # are absolute; targets of 1e-60 otherwise met them at any point)
    y = np.asarray(y, dtype=float)
    size = float(np.max(np.abs(y), initial=0.0)) or 1.0
    result = linprog(
        -(y / size),
        A_ub=A_ub,
        b_ub=np.concatenate([bound, bound]),
        bounds=np.column_stack([-c, c]),
        method="highs-ipm",
        options={
            "maxiter": int(max_iter),
            "primal_feasibility_tolerance": _FEASIBILITY,
            "dual_feasibility_tolerance": _FEASIBILITY,
        },
        **constraints,
    )
    if result.status != 0 or result.ineqlin is None:
        return None
    multipliers = result.ineqlin.marginals
    # max y^T u is solved as min -y^T u: the multipliers of the two sides of |X^T u| <= l1
    # are <= 0 and give the coefficients of the scaled columns.
    coef = (multipliers[p:] - multipliers[:p]) * (size / scale)
    intercept = -float(result.eqlin.marginals[0]) * size if fit_intercept else 0.0
    intercept -= float(shift @ coef)
    if not (np.all(np.isfinite(coef)) and np.isfinite(intercept)):
        return None
    return coef, intercept, max(1, int(result.nit))
