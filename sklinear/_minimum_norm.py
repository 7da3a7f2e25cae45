"""The least-norm optimum of unpenalised least squares, as scikit-learn's LinearRegression.

Without a penalty, least squares on a rank-deficient design (more columns than rows, a
duplicated column, every dummy of a category beside the intercept) has an affine set of
optima, ``w + null(A)`` with ``A = S^(1/2) X_c / sqrt(sum s)`` (the weighted rows, centred
about the weighted means when there is an intercept). The solvers stop at one of them, which
depends on their path and preconditioning; LinearRegression returns the one of least
Euclidean norm. :func:`least_norm` moves a fitted optimum there: it removes the component of
``w`` in the null space of ``A`` (the training predictions do not change), and the caller
gives the intercept the change of ``mu . w``.

The rank of ``A`` is judged on ``A D^-1`` (``D`` the columns' standard deviations): column
scaling changes neither the column space of ``A`` nor which directions are null, only how
large their singular values look (raw columns of scales 1e-3 and 1e5 would make a real
direction look like rounding).
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp

# The Gram matrix of the smaller side costs min(n, p)^2 max(n, p) multiply-adds and its
# eigendecomposition min(n, p)^3: within this budget (about a second on one core), the fit
# ends at the least-norm optimum; beyond it, at the solver's.
LEAST_NORM_BUDGET = 5e9
# Bytes of the centred float64 copy of one block of dense X
_BLOCK_BYTES = 1 << 24


def least_norm_affordable(n_samples, n_features):
    """Whether the Gram matrix of the smaller side fits :data:`LEAST_NORM_BUDGET`."""
    small, large = sorted((n_samples, n_features))
    return float(small) ** 2 * large + float(small) ** 3 <= LEAST_NORM_BUDGET


def _centred_blocks(X, mu, axis):
    """Yield ``(slice, block)``: float64 blocks of ``X - mu`` over rows (``axis=0``) or
    columns (``axis=1``), each a copy of at most ``_BLOCK_BYTES``."""
    n, p = X.shape

    def dense(block):
        return block.toarray() if sp.issparse(block) else block

    if axis == 0:
        size = max(1, _BLOCK_BYTES // (8 * max(p, 1)))
        for start in range(0, n, size):
            part = slice(start, start + size)
            yield part, np.asarray(dense(X[part]), dtype=np.float64) - mu
    else:
        X = X.tocsc() if sp.issparse(X) else X
        size = max(1, _BLOCK_BYTES // (8 * max(n, 1)))
        for start in range(0, p, size):
            part = slice(start, start + size)
            yield part, np.asarray(dense(X[:, part]), dtype=np.float64) - mu[part]


def _column_gram(X, weights, mu):
    """``A^T A = X_c^T diag(weights) X_c`` (weights summing to one), p x p; dense ``X`` is
    centred block by block (no cancellation between ``X^T W X`` and ``mu mu^T``)."""
    if sp.issparse(X):
        gram = np.asarray((X.T @ (sp.diags(weights) @ X)).toarray(), dtype=np.float64)
        gram -= np.outer(mu, mu)
    else:
        gram = np.zeros((X.shape[1], X.shape[1]))
        root = np.sqrt(weights)
        for part, block in _centred_blocks(X, mu, axis=0):
            block *= root[part, None]
            gram += block.T @ block  # one operand: NumPy's symmetric product (syrk)
    return (gram + gram.T) / 2


def _row_gram(X, root, mu, inverse_scales):
    """``(A D^-1)(A D^-1)^T`` with ``A = diag(root) X_c``, n x n, from centred column
    blocks (n is the small side here)."""
    gram = np.zeros((X.shape[0], X.shape[0]))
    for part, block in _centred_blocks(X, mu, axis=1):
        block *= inverse_scales[part]
        gram += block @ block.T
    gram *= np.outer(root, root)
    return (gram + gram.T) / 2


def _column_scales(gram_diagonal):
    scales = np.sqrt(np.maximum(gram_diagonal, 0.0))
    return np.where(scales > 0, scales, 1.0)


def _range_and_null(gram, n_terms):
    """Orthonormal bases ``(range, null)`` of a symmetric positive semi-definite ``gram``
    whose entries are sums of ``n_terms`` products: eigenvalues within rounding of zero
    (``4 sqrt(n_terms) eps`` times the trace) span the null space. A Cholesky factor whose
    pivots all stand above that level shows first, at a fraction of the cost of the
    eigendecomposition, that there is none (a null direction makes a pivot vanish: their
    product is the determinant)."""
    cutoff = 4.0 * np.sqrt(n_terms) * np.finfo(np.float64).eps * float(np.trace(gram))
    try:
        factor = scipy.linalg.cholesky(gram, lower=True, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        factor = None
    if factor is not None and np.min(np.diag(factor) ** 2, initial=np.inf) > 1e3 * cutoff:
        return np.eye(len(gram)), np.zeros((len(gram), 0))
    values, vectors = scipy.linalg.eigh(gram, check_finite=False)
    kept = values > cutoff
    return vectors[:, kept], vectors[:, ~kept]


def least_norm(X, Y, sample_weight, mu, coef, intercept):
    """The least-norm optimum ``(coef, intercept)`` (shapes (p, k) and (k,)) near the
    solver's ``(coef, intercept)``, or None where the optimum is unique or cannot be told.

    ``mu``: the weighted column means, None without an intercept; ``Y`` (n, k): the targets;
    ``sample_weight``: None or the weights ``s``. With more rows than columns, the solver's
    coefficients lose their component in the null space of ``A`` (the intercept takes the
    change of ``mu . w``); with more columns, the least-norm solution is solved for from
    ``Y`` in the row space of ``A`` (the kernel form), exact whatever the solver's
    tolerance left in the residuals.
    """
    n, p = X.shape
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    weights = weights / weights.sum()
    centred = mu is not None
    mu = np.asarray(mu, dtype=np.float64) if centred else np.zeros(p)
    if p <= n:
        gram = _column_gram(X, weights, mu)
        scales = _column_scales(np.diag(gram))
        _, null = _range_and_null(gram / np.outer(scales, scales), n)
        if null.shape[1] == 0:
            return None
        # null(A) = D^-1 null(A D^-1), projected out in the metric of the raw coefficients
        basis, _ = np.linalg.qr(null / scales[:, None])
        moved = coef - basis @ (basis.T @ coef)
        return moved, intercept + mu @ (coef - moved)
    # w = A^T z with A A^T z = R (the centred, weighted targets) and z in the column space
    # of A, which is that of A D^-1
    root = np.sqrt(weights)
    variance = np.zeros(p)
    for part, block in _centred_blocks(X, mu, axis=1):
        variance[part] = weights @ (block * block)
    scales = _column_scales(variance)
    basis, _ = _range_and_null(_row_gram(X, root, mu, 1.0 / scales), p)
    if basis.shape[1] == 0:
        return None
    reduced = basis.T @ _row_gram(X, root, mu, np.ones(p)) @ basis
    target_mean = weights @ Y if centred else np.zeros(Y.shape[1])
    residual = root[:, None] * (Y - target_mean)
    try:
        inner = scipy.linalg.solve(reduced, basis.T @ residual, assume_a="pos", check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    rows = root[:, None] * (basis @ inner)
    moved = np.asarray(X.T @ rows, dtype=np.float64) - mu[:, None] * rows.sum(axis=0)
    return moved, target_mean - mu @ moved
