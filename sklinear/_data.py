"""The data seam: every read of ``X`` (and of ``y`` and the sample weights) goes through here.

An objective needs three things from the data, and nothing else:

- :meth:`InMemoryData.statistics` — once per fit: the weight sum, the weighted column means
  and second moments, the weighted target means and ``X^T (s * Y)``;
- :meth:`InMemoryData.evaluate` — once per objective evaluation: the weighted loss sum, the
  products ``sum_i s_i (x_i - shift) g_i^T`` and ``sum_i s_i g_i`` of the loss gradients
  ``g_i`` at the scores ``X W + offset``, and on request the blocks of the Hessian;
- :meth:`InMemoryData.scores` — the scores ``X W + offset`` (prediction).

Only p-sized arrays cross the seam, so the solvers and all p-sized work stay NumPy float64
whatever holds ``X``. :class:`InMemoryData` is the NumPy / SciPy implementation: dense ``X``
is read in row blocks that stay in cache (one read of ``X`` per evaluation), the blocks are
shared among a pool of threads (each block runs one BLAS thread; NumPy releases the GIL),
and the per-block results are summed in block order, so the result does not depend on the
number of threads. Sparse ``X`` is never copied: CSR row blocks are views of ``data`` and
``indices``. A Dask or Array API implementation provides the same three methods over its
own chunks, reusing :func:`block_evaluate` for the arithmetic of one block.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas
from threadpoolctl import ThreadpoolController

from ._resources import fits_in_memory

try:  # SciPy's sparse kernels on raw arrays: a block of rows without a matrix object
    from scipy.sparse._sparsetools import csc_matvec, csc_matvecs, csr_matvec, csr_matvecs
except ImportError:  # pragma: no cover - a SciPy without them: the public products
    csr_matvec = csr_matvecs = csc_matvec = csc_matvecs = None
try:  # ... and its row gather, which releases the GIL (threads share the copy)
    from scipy.sparse._sparsetools import csr_row_index
except ImportError:  # pragma: no cover - X[order]
    csr_row_index = None

_BLOCK_BYTES = 1 << 20
# n_outputs-column arrays per row of a dense block (scores, probabilities, targets,
# gradients) counted in its bytes
_TEMPORARIES = 4
# Dense blocks of wide rows hold at least this many rows, up to _WIDE_ROWS_BYTES: a block
# costs a dozen NumPy calls besides its products, which 1 MiB blocks of wide rows repeat too
# often (a pass over 40,000 x 740: 27 ms in 177-row blocks, 13 ms in 1,024-row blocks;
# 5,000 x 5,000: 18 -> 12 ms; 100,000 x 300: 28 -> 19 ms; two threads, 2-core EPYC VM).
_WIDE_ROWS = 1024
_WIDE_ROWS_BYTES = 8 << 20
# Dense float32 blocks of one output hold _FLOAT32_BLOCK_BYTES. Per row, their products are
# 2-4x faster than float64's, while the loss and the sums are a dozen NumPy calls per block
# whose per-call cost does not shrink, and which hold the GIL between their loops: in 1 MiB
# blocks (2,621 rows of W1) a pass ran no faster on two threads than on one (8.6 -> 7.8-9 ms;
# float64 in 1,310-row blocks: 22 -> 11.7-12.5 ms; np.exp on 2,621 float32 values ran 1.03x
# faster on two threads, on 10,485 values 1.75x). Larger blocks leave the core's cache (the
# second product reads L3). The W1 float32 fit over the float64 fit (F1), medians of fits
# side by side: 1 MiB 0.695, 2 MiB 0.617, 4 MiB 0.628 on a quiet machine (41 rounds; again
# 0.734 vs 0.605 in 56 rounds); 0.462, 0.438, 0.446, 8 MiB 0.482 with the other core busy
# (211 rounds); 2-core EPYC VM.
_FLOAT32_BLOCK_BYTES = 2 << 20
# Small float32 data is computed in float64: a float64 copy of at most this many bytes costs
# nothing measurable, and the sums are then exact to float64 rounding. In float32 the fit of
# an ill-conditioned design depends on the summation order (the row order, the library, the
# device): 1e-3 relative on a 30 x 10 design of condition 6e7. Larger data keeps float32.
FLOAT64_COPY_BYTES = 1 << 22
# CSR row blocks: each block also costs p-sized work (its product X_b^T r, the running sum),
# which blocks of 1 MiB of wide sparse rows would repeat ~50 times per pass.
_SPARSE_BLOCK_BYTES = 1 << 22
_SQUARE_CHUNK = 1 << 16  # non-zeros squared at a time by the statistics pass
# subtract_row: NumPy subtracts a row from every row of a block at about half speed when its
# inner loops are shorter than ~4,100 values (a 5,242 x 100 float32 block in cache: 120 us; as
# rows of 41 x 100 or more values against the row repeated: 73 us; float64 1,310 x 100: 64 ->
# 38 us). The block is viewed as rows of at least this many values.
_ROW_REPEAT = 8192
_SCRATCH = threading.local()
# Wide Hessians: when one p x p block is larger than this, a per-block Hessian (one fresh
# p x p product per row block, then summed) costs more memory traffic than arithmetic; the
# Hessian is then accumulated in place by rank-k updates over tall row blocks of about
# _WIDE_BLOCK_BYTES, with every BLAS thread (see InMemoryData._evaluate_wide).
_WIDE_HESSIAN_BYTES = 1 << 22
# Dense factorisations of at least this order run with every BLAS thread (all_blas_threads):
# on the 2-core VM with both cores busy, a Cholesky factor of order 1,500 took 32 ms on one
# thread and 61 ms on two; of order 3,000, 219 and 139 ms.
_PARALLEL_FACTOR_ORDER = 2000
_WIDE_BLOCK_BYTES = 1 << 25

_CONTROLLER = ThreadpoolController()
_LIMIT_LOCK = threading.Lock()
_LIMIT_STATE = {"depth": 0, "limiter": None}


@contextmanager
def single_threaded_blas():
    """Run the body with one BLAS thread; restore the caller's setting afterwards.

    The setting is process-wide, so nested and concurrent fits share one reference-counted
    limit: the first to enter saves and limits, the last to leave restores. The global BLAS
    setting is therefore unchanged after any number of concurrent fits.
    """
    with _LIMIT_LOCK:
        if _LIMIT_STATE["depth"] == 0:
            _LIMIT_STATE["limiter"] = _CONTROLLER.limit(limits=1, user_api="blas")
        _LIMIT_STATE["depth"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT_STATE["depth"] -= 1
            if _LIMIT_STATE["depth"] == 0:
                _LIMIT_STATE["limiter"].restore_original_limits()
                _LIMIT_STATE["limiter"] = None


@contextmanager
def all_blas_threads(order=None):
    """Inside :func:`single_threaded_blas`, give the BLAS its saved thread count back.

    For one large dense factorisation between passes (Newton's p x p system), when no pass
    is running; the one-thread limit is back on leaving. A factorisation of ``order`` below
    ``_PARALLEL_FACTOR_ORDER`` stays on one thread: waking the others costs more than they
    bring, and on a loaded machine far more (a 401 x 401 Cholesky factor took 0.75 ms on one
    thread and 510 ms on two, with other processes busy on both cores of the 2-core VM).
    """
    if order is not None and order < _PARALLEL_FACTOR_ORDER:
        yield
        return
    with _LIMIT_LOCK:
        limiter = _LIMIT_STATE["limiter"]
        counts = (
            []
            if limiter is None
            else [
                entry["num_threads"]
                for entry in limiter._original_info
                if entry.get("user_api") == "blas"
            ]
        )
    if limiter is None or max(counts, default=1) <= 1:
        yield
        return
    with _CONTROLLER.limit(limits=max(counts), user_api="blas"):
        yield


_POOLS = {}
_POOLS_LOCK = threading.Lock()


def _forget_pools():
    """In a forked child: the parent's pool threads do not exist here (nor may its lock be
    free), so the child starts its own."""
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def pass_threads(workers):
    """The process's pool of ``workers`` threads for the passes over row blocks.

    Started once and kept: a thread start waits for a free core, which on a busy machine
    took 3.5 ms a pass (63 ms of a 0.44 s W3 fit with a pool started per pass). A forked
    child does not inherit the threads, so it starts its own pool. Pool threads only run
    blocks (they never wait on the pool), so callers in several threads share it safely.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = ThreadPoolExecutor(
                workers, thread_name_prefix="sklinear-pass"
            )
        return pool


def available_threads(n_jobs=None):
    """Threads for a pass over ``X``: ``n_jobs``, or the BLAS thread count when None / -1.

    Inside :func:`single_threaded_blas` the BLAS reports one thread; the count saved when the
    limit was entered is used then.
    """
    if n_jobs is not None and n_jobs > 0:
        return int(n_jobs)
    if n_jobs is not None and n_jobs < -1:
        return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    with _LIMIT_LOCK:
        limiter = _LIMIT_STATE["limiter"]
        info = limiter._original_info if limiter is not None else _CONTROLLER.info()
    counts = [entry["num_threads"] for entry in info if entry.get("user_api") == "blas"]
    return max([1, *counts]) if counts else (os.cpu_count() or 1)


def scratch(slot, shape, dtype):
    """A reusable, aligned array of ``shape`` for the calling thread (one buffer per slot).

    For the large temporaries of a pass over row blocks. The buffer lives as long as the
    thread (a Dask worker thread: all its tasks) and grows to the largest request; the array
    returned is valid until the next request for the same slot in the same thread.
    Distributed's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which pins
    glibc's mmap threshold at 128 KiB: every larger temporary is a fresh mapping whose pages
    fault in on first touch. A row block copied anew per block cost a chunk evaluation of W1
    (25,000 x 100) 15 ms instead of 3 ms on a worker; reused, it costs nothing.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    buffer = buffers.get(slot)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = buffers[slot] = np.empty(max(nbytes, 1), dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def repeat_row(row, n_features):
    """``row`` (p,) repeated for :func:`subtract_row`: a (k, p) array, ``k p`` at least
    ``_ROW_REPEAT``; built once per pass, not per block."""
    k = -(-_ROW_REPEAT // max(n_features, 1))
    repeated = np.empty((k, n_features), dtype=row.dtype)
    repeated[...] = row
    return repeated


def subtract_row(block, row, out, repeated=None):
    """``out = block - row`` for every row of a dense 2-D ``block`` (``row`` of shape (p,)).

    The same numbers as ``np.subtract(block, row, out=out)``, faster: with ``repeated``
    (:func:`repeat_row` of ``row``, k rows), a C-contiguous block is viewed as rows of ``k``
    of its rows, from which ``repeated`` is subtracted; the rows left over (fewer than ``k``)
    are subtracted as they are.
    """
    rows, p = block.shape
    k = 0 if repeated is None else repeated.shape[0]
    if k <= 1 or rows < k or not (block.flags.c_contiguous and out.flags.c_contiguous):
        return np.subtract(block, row, out=out)
    whole = rows - rows % k
    np.subtract(
        block[:whole].reshape(-1, k * p),
        repeated.reshape(-1),
        out=out[:whole].reshape(-1, k * p),
    )
    if whole < rows:
        np.subtract(block[whole:], row, out=out[whole:])
    return out


def release_scratch():
    """Free the calling thread's :func:`scratch` buffers."""
    _SCRATCH.__dict__.pop("buffers", None)


@dataclass
class Statistics:
    """Weighted moments of the data, computed once per fit (float64).

    ``mean`` and ``second_moment`` are ``sum_i s_i x_i / S`` and ``sum_i s_i x_i^2 / S``;
    ``variance`` is computed about a shift so that it stays accurate for large means.
    ``target_mean`` is ``sum_i s_i y_i / S`` and ``target_product`` ``sum_i s_i x_i y_i^T / S``.
    """

    weight_sum: float
    mean: np.ndarray
    variance: np.ndarray
    target_mean: np.ndarray
    target_product: np.ndarray


def statistics_from_sums(total, weight_sum, reference, n_features, n_outputs):
    """:class:`Statistics` from the weighted sums of one moments pass (any back end).

    ``total`` is the float64 concatenation of ``sum s (x - reference)``, ``sum s (x -
    reference)^2``, ``sum s (x - reference) y^T`` (raveled) and ``sum s y``, the rows of
    ``x`` taken about ``reference`` so that the variance stays accurate for large means.
    """
    total = np.asarray(total, dtype=np.float64) / weight_sum
    shifted_mean = total[:n_features]
    shifted_second = total[n_features : 2 * n_features]
    cross = total[2 * n_features : -n_outputs].reshape(n_features, n_outputs)
    target_mean = total[-n_outputs:]
    mean = shifted_mean + reference
    variance = np.maximum(shifted_second - shifted_mean * shifted_mean, 0.0)
    # A constant column computed with rounding noise has variance ~ eps * mean^2: call it 0.
    eps = np.finfo(np.float64).eps
    variance[variance <= (eps * 1e3 * mean) ** 2] = 0.0
    # ... and so is one whose variance is within the rounding of the difference it comes
    # from: a column constant on the weighted rows about a reference row of weight zero
    # (x - reference = d on every weighted row) left eps * d^2, and scale_predictors a
    # penalty of ~1e-17 on a coefficient that no weighted row sees (gd fitted it at 4.0).
    # (Not where the squares overflow: an infinite variance names those columns.)
    variance[(variance <= 16 * eps * shifted_second) & np.isfinite(shifted_second)] = 0.0
    target_product = cross + reference[:, None] * target_mean[None, :]
    return Statistics(weight_sum, mean, variance, target_mean, target_product)


@dataclass
class EvaluationSums:
    """Sums over the rows of one evaluation, not yet divided by the weight sum.

    ``loss`` is ``sum_i s_i L_i``; ``product`` is ``sum_i s_i (x_i - shift) g_i^T`` of shape
    (n_features, n_outputs); ``gradient_sum`` is ``sum_i s_i g_i``. With a Hessian:
    ``hessian_xx`` (B, n_features, n_features), ``hessian_x`` (B, n_features) and
    ``hessian_1`` (B,) are ``sum_i s_i d_i (x_i - shift)(x_i - shift)^T``, ``sum_i s_i d_i
    (x_i - shift)`` and ``sum_i s_i d_i`` for each of the B weight columns ``d`` returned by
    the loss's ``hessian_weights``. ``loss_outputs`` (n_outputs,), where a loss is a sum of
    independent outputs (one-vs-rest, multilabel) and the pass gives them, is ``loss`` per
    output: the certificate repairs each output's dual point alone.
    """

    loss: float
    product: np.ndarray
    gradient_sum: np.ndarray
    hessian_xx: np.ndarray = None
    hessian_x: np.ndarray = None
    hessian_1: np.ndarray = None
    loss_outputs: np.ndarray = None

    def __iadd__(self, other):
        """Add ``other`` in place (the arrays of ``self`` are owned by the accumulation)."""
        self.loss += other.loss
        if self.loss_outputs is not None and other.loss_outputs is not None:
            self.loss_outputs += other.loss_outputs
        else:
            self.loss_outputs = None
        self.product += other.product
        self.gradient_sum += other.gradient_sum
        if self.hessian_xx is not None:
            self.hessian_xx += other.hessian_xx
            self.hessian_x += other.hessian_x
            self.hessian_1 += other.hessian_1
        return self


def block_evaluate(
    X_block,
    Y_block,
    weights_block,
    loss,
    coef,
    offset,
    shift,
    hessian,
    hessian_out=None,
    hessian_columns=None,
    shift_repeated=None,
):
    """The arithmetic of one row block: loss, gradient products and Hessian blocks.

    Parameters
    ----------
    X_block : ndarray or sparse matrix of shape (m, n_features)
    Y_block : ndarray of shape (m,) or (m, n_outputs)
        Encoded targets.
    weights_block : ndarray of shape (m,) or None
        Sample weights (None: all 1).
    loss : object
        A loss of :mod:`sklinear._losses`.
    coef : ndarray of shape (n_features,) or (n_features, n_outputs)
        In the dtype of ``X_block``.
    offset : ndarray of shape (n_outputs,)
        Added to every score; the scores are ``(X - shift) coef + offset``.
    shift : ndarray of shape (n_features,) or None
        Subtracted from the rows of a dense block before the products (accuracy for columns
        whose mean is large against their spread); ignored (None) for sparse blocks.
    hessian : bool
        Also accumulate the Hessian blocks.
    hessian_out : ndarray of shape (B, n_features, n_features), default=None
        Dense blocks only: add the Hessian blocks' upper triangles into this array in place
        (see :func:`accumulate_gram`) rather than returning fresh ones.
    hessian_columns : ndarray of int, default=None
        The Hessian blocks of these columns only (all when None): an active set's Hessian.
    shift_repeated : ndarray, default=None
        :func:`repeat_row` of ``shift``, built once per pass (a faster subtraction).

    Returns
    -------
    sums : EvaluationSums
    """
    if shift is not None:  # in a reused buffer: a fresh tall block is a fresh mapping
        shifted = scratch("shifted", X_block.shape, np.result_type(X_block, shift))
        X_block = subtract_row(X_block, shift, shifted, shift_repeated)
    # The products as they are, X W and X^T G: streaming through X, OpenBLAS ran them faster
    # than W^T X^T and G^T X for K = 3, 10, 100 outputs (2-core EPYC VM: 5-15% idle, 20-35%
    # with another process on the machine).
    raw = X_block @ coef
    if sp.issparse(raw):  # pragma: no cover - a sparse matrix times a dense vector is dense
        raw = raw.toarray()
    raw += offset[0] if raw.ndim == 1 else offset
    if raw.ndim == 2 and getattr(loss, "separable_outputs", False):  # the loss per output
        value, gradient = loss.loss_gradient(Y_block, raw, per_output=True)
    else:
        value, gradient = loss.loss_gradient(Y_block, raw)
    if weights_block is not None:
        value = value * (weights_block if value.ndim == 1 else weights_block[:, None])
        gradient = gradient * (weights_block if raw.ndim == 1 else weights_block[:, None])
    if gradient.ndim == 1:
        gradient = gradient[:, None]
    product = np.asarray(_transpose_product(X_block, gradient), dtype=np.float64)
    loss_outputs = value.sum(axis=0, dtype=np.float64) if value.ndim == 2 else None
    sums = EvaluationSums(
        float(value.sum(dtype=np.float64) if loss_outputs is None else loss_outputs.sum()),
        product,
        _column_sums(gradient),
        loss_outputs=loss_outputs,
    )
    if hessian:
        if hessian_columns is not None:
            X_block = X_block[:, hessian_columns]
        curvature = loss.hessian_weights(Y_block, raw)
        if curvature.ndim == 1:
            curvature = curvature[:, None]
        if weights_block is not None:
            curvature = curvature * weights_block[:, None]
        columns = curvature.shape[1]
        n_features = X_block.shape[1]
        if hessian_out is None:
            hessian_xx = np.empty((columns, n_features, n_features))
            for column in range(columns):
                if sp.issparse(X_block):
                    weighted = X_block.multiply(curvature[:, column : column + 1]).tocsr()
                else:  # a block-sized product, in a reused buffer
                    weighted = scratch(
                        "weighted", X_block.shape, np.result_type(X_block, curvature)
                    )
                    np.multiply(X_block, curvature[:, column : column + 1], out=weighted)
                block = X_block.T @ weighted
                hessian_xx[column] = block.toarray() if sp.issparse(block) else block
        else:
            hessian_xx = hessian_out
            for column in range(columns):
                accumulate_gram(hessian_xx[column], X_block, curvature[:, column])
        sums.hessian_xx = hessian_xx
        sums.hessian_x = np.asarray(X_block.T @ curvature, dtype=np.float64).T
        sums.hessian_1 = curvature.sum(axis=0, dtype=np.float64)
    return sums


def _column_sums(array):
    """Column sums of a 2-D block in float64: a matrix-vector product for float64 (NumPy's
    reduction along the first axis of a C-ordered block is ~3x slower), a float64 reduction
    otherwise (a float32 product would also sum in float32)."""
    if array.dtype == np.float64:
        return np.ones(array.shape[0]) @ array
    return array.sum(axis=0, dtype=np.float64)


def accumulate_gram(out, X_block, weights):
    """``out += X_block^T diag(weights) X_block`` in place, upper triangle only.

    ``out`` is a Fortran-ordered float64 (p, p) array; dense ``X_block``. Non-negative
    weights (every convex loss's curvature) use one symmetric rank-k update (BLAS ``syrk``)
    of ``sqrt(weights) * X_block``, half the work of a general product; otherwise a general
    product is added to the upper triangle. The lower triangle is left to the caller
    (:func:`symmetrize_upper`).
    """
    if weights.min(initial=0.0) >= 0:
        # In a reused buffer (the product in the inputs' dtype, stored as float64).
        scaled = scratch("scaled", X_block.shape, np.float64)
        np.multiply(np.sqrt(weights)[:, None], X_block, out=scaled)
        # scaled is C-ordered (m, p): scaled.T is Fortran-ordered (p, m), so
        # syrk(trans=0) computes scaled.T @ scaled without a copy.
        blas.dsyrk(1.0, scaled.T, beta=1.0, c=out, trans=0, lower=0, overwrite_c=1)
    else:
        product = X_block.T @ (X_block * weights[:, None])
        out += np.triu(product)


def symmetrize_upper(matrix, tile=256):
    """Copy the upper triangle of a square array onto its lower triangle, in place."""
    n = matrix.shape[0]
    for start in range(0, n, tile):
        stop = min(start + tile, n)
        square = matrix[start:stop, start:stop]
        square[...] = np.triu(square) + np.triu(square, 1).T
        matrix[stop:, start:stop] = matrix[start:stop, stop:].T
    return matrix


def csr_rows_product(X, start, stop, dense, out=None):
    """``X[start:stop] @ dense`` (``dense`` (p,) or (p, k) C-contiguous, X's dtype) with
    SciPy's kernel on views of ``X``'s arrays: no matrix is built, no check runs."""
    rows = stop - start
    if csr_matvec is None or X.indices.dtype != X.indptr.dtype:
        return np.asarray(_csr_rows(X, start, stop) @ dense)
    indptr = X.indptr[start : stop + 1]
    if dense.ndim == 1:
        out = np.zeros(rows, dtype=X.dtype) if out is None else out
        csr_matvec(rows, X.shape[1], indptr, X.indices, X.data, dense, out)
        return out
    k = dense.shape[1]
    out = np.zeros((rows, k), dtype=X.dtype) if out is None else out
    csr_matvecs(rows, X.shape[1], k, indptr, X.indices, X.data, dense.ravel(), out.ravel())
    return out


def csr_rows_transpose_product(X, start, stop, dense, out):
    """``out += X[start:stop].T @ dense`` (``dense`` (m,) or (m, k), ``out`` (p,) or (p, k),
    C-contiguous, X's dtype), in O(nnz of the rows) with SciPy's kernel."""
    if csr_matvec is None or X.indices.dtype != X.indptr.dtype:
        out += np.asarray(_csr_rows(X, start, stop).T @ dense).reshape(out.shape)
        return out
    indptr = X.indptr[start : stop + 1]
    if dense.ndim == 1:
        csc_matvec(X.shape[1], stop - start, indptr, X.indices, X.data, dense, out)
    else:
        k = dense.shape[1]
        csc_matvecs(
            X.shape[1], stop - start, k, indptr, X.indices, X.data, dense.ravel(), out.ravel()
        )
    return out


def _transpose_product(X_block, gradient):
    """``X_block^T gradient`` (p, k); a CSR block through SciPy's kernel on its arrays
    (``X_block.T`` would build a CSC matrix, whose constructor copies views of a larger
    ``X``)."""
    if not (sp.issparse(X_block) and X_block.format == "csr"):
        return X_block.T @ gradient
    rows, k = gradient.shape
    dtype = X_block.dtype
    out = np.zeros((X_block.shape[1], k), dtype=dtype)
    dense = np.ascontiguousarray(gradient, dtype=dtype)
    if k == 1:
        csr_rows_transpose_product(X_block, 0, rows, dense[:, 0], out[:, 0])
    else:
        csr_rows_transpose_product(X_block, 0, rows, dense, out)
    return out


def _csr_block_evaluate(X, start, stop, Y_block, weights_block, loss, coef, offset):
    """:func:`block_evaluate` of rows ``start:stop`` of CSR ``X`` (no shift, no Hessian)."""
    coef = np.ascontiguousarray(coef, dtype=X.dtype)
    raw = csr_rows_product(X, start, stop, coef)
    raw += offset[0] if raw.ndim == 1 else offset
    value, gradient = loss.loss_gradient(Y_block, raw)
    if weights_block is not None:
        value = value * weights_block
        gradient = gradient * (weights_block if raw.ndim == 1 else weights_block[:, None])
    gradient = np.ascontiguousarray(gradient, dtype=X.dtype)
    product = np.zeros(coef.shape, dtype=X.dtype)
    csr_rows_transpose_product(X, start, stop, gradient, product)
    if product.ndim == 1:
        product, gradient = product[:, None], gradient[:, None]
    return EvaluationSums(
        float(value.sum(dtype=np.float64)),
        np.asarray(product, dtype=np.float64),
        gradient.sum(axis=0, dtype=np.float64),
    )


def computed_in_float64(dtype, n_values):
    """Whether float32 data of ``n_values`` stored values is copied to float64 to be
    computed there (see ``FLOAT64_COPY_BYTES``); False for float64 data (already there)."""
    return np.dtype(dtype) == np.float32 and 8 * n_values <= FLOAT64_COPY_BYTES


def _sparse_moments(X, weights, Y):
    """``X^T w``, ``(X * X)^T w`` and ``X^T (w Y)`` of a CSR or CSC block, in float64.

    SciPy's kernels on the block's own arrays: O(nnz) products with no matrix built and
    ``X`` not copied. float64 values are read in place (the first moments and the cross
    products in one product); other dtypes (float32) and the squared values are converted
    in small chunks of about ``_SQUARE_CHUNK`` non-zeros. Only a block whose index arrays
    differ in type goes through SciPy's public products (which copy it).
    """
    n, p = X.shape
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    weighted_Y = weights[:, None] * Y  # (n, k)
    if csc_matvec is None or X.indices.dtype != X.indptr.dtype:
        first = np.asarray(X.T @ weights, dtype=np.float64).ravel()
        second = np.asarray(X.multiply(X).T @ weights, dtype=np.float64).ravel()
        return first, second, np.asarray(X.T @ weighted_Y, dtype=np.float64)
    # X^T is the CSC (for CSR X) or CSR (for CSC X) matrix of the same arrays; the first
    # moments and the cross products in one product with k + 1 columns (one read of X)
    csr = X.format == "csr"
    transpose, transpose_many = (csc_matvec, csc_matvecs) if csr else (csr_matvec, csr_matvecs)
    columns = np.ascontiguousarray(np.column_stack([weights, weighted_Y]))  # (n, k + 1)
    width = columns.shape[1]
    products = np.zeros((p, width))
    in_place = X.dtype == np.float64
    if in_place:
        transpose_many(p, n, width, X.indptr, X.indices, X.data, columns.ravel(), products.ravel())
    # chunks of the major axis (rows of CSR, columns of CSC) of about _SQUARE_CHUNK
    # non-zeros: small temporaries, not a copy of the block's data
    second = np.zeros(p)
    indptr, major = X.indptr, X.indptr.size - 1
    start = 0
    while start < major:
        stop = int(np.searchsorted(indptr, indptr[start] + _SQUARE_CHUNK, side="right")) - 1
        stop = min(major, max(stop, start + 1))
        begin, end = indptr[start], indptr[stop]
        pointers = indptr[start : stop + 1] - begin
        indices = X.indices[begin:end]
        values = X.data[begin:end]
        if not in_place:
            values = values.astype(np.float64)
        squares = np.square(values)
        if csr:  # rows start:stop: X^T's columns, accumulated into all of p
            if not in_place:
                transpose_many(
                    p, stop - start, width, pointers, indices, values,
                    columns[start:stop].ravel(), products.ravel(),
                )  # fmt: skip
            transpose(p, stop - start, pointers, indices, squares, weights[start:stop], second)
        else:  # columns start:stop of X: X^T's rows, written to their own entries
            if not in_place:
                transpose_many(
                    stop - start, n, width, pointers, indices, values,
                    columns.ravel(), products[start:stop].ravel(),
                )  # fmt: skip
            transpose(stop - start, n, pointers, indices, squares, weights, second[start:stop])
        start = stop
    return products[:, 0], second, products[:, 1:]


# Row gathers of CSR matrices with at least this many stored values share the copy among the
# pass threads (SciPy's csr_row_index releases the GIL: 100,000 rows of W7's matrix took
# 8.2 ms on one thread and 4.0 ms on two; below this, a hand-off costs more than it saves).
_PARALLEL_GATHER_NNZ = 1 << 20


def _csr_gather(X, order, n_jobs=None):
    """``X[order]`` of a CSR matrix (the rows in ``order``), copied by SciPy's row gather
    on the pass threads where ``X`` is large; the same arrays as ``X[order]``."""
    threads = min(available_threads(n_jobs), 8)
    if csr_row_index is None or threads <= 1 or X.nnz < _PARALLEL_GATHER_NNZ:
        return X[order]
    if X.indices.dtype != X.indptr.dtype:  # SciPy's kernels take one index type
        return X[order]
    order = np.asarray(order, dtype=X.indices.dtype)
    indptr = np.zeros(order.size + 1, dtype=X.indptr.dtype)
    np.cumsum(np.diff(X.indptr)[order], out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=X.indices.dtype)
    data = np.empty(int(indptr[-1]), dtype=X.data.dtype)
    bounds = np.linspace(0, order.size, threads + 1).astype(np.intp)

    def gather(part):
        start, stop = bounds[part], bounds[part + 1]
        begin, end = indptr[start], indptr[stop]
        csr_row_index(
            stop - start, order[start:stop], X.indptr, X.indices, X.data,
            indices[begin:end], data[begin:end],
        )  # fmt: skip

    others = pass_threads(threads - 1).map(gather, range(1, threads))  # submitted now
    gather(0)
    for _ in others:
        pass
    gathered = sp.csr_matrix((data, indices, indptr), shape=(order.size, X.shape[1]))
    if X.has_sorted_indices:  # a row keeps its order
        gathered.has_sorted_indices = True
    return gathered


def _csr_rows(X, start, stop):
    """Rows ``start:stop`` of a CSR matrix as a view of its data (no copy of the values).

    SciPy's constructor would copy: its ``prune`` copies ``data`` and ``indices`` when they
    are views of less than half of a larger array (every block of a pass). So the block is
    an empty matrix of the right shape whose arrays are then set to the views, and the
    format flags are left to be computed from them.
    """
    begin, end = X.indptr[start], X.indptr[stop]
    block = sp.csr_matrix((stop - start, X.shape[1]), dtype=X.dtype)
    block.data = X.data[begin:end]
    block.indices = X.indices[begin:end]
    block.indptr = X.indptr[start : stop + 1] - begin
    for flag in ("_has_sorted_indices", "_has_canonical_format"):
        block.__dict__.pop(flag, None)
    return block


class InMemoryData:
    """NumPy / SciPy data: dense arrays (any order) or CSR / CSC matrices, never copied.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64. Small float32 data (a float64 copy of at most
        ``FLOAT64_COPY_BYTES``) is copied to float64 and computed there; ``dtype`` stays
        float32, the dtype of the fitted attributes.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Encoded targets, in the loss's convention.
    sample_weight : ndarray of shape (n_samples,), default=None
    n_jobs : int or None, default=None
        Threads for a pass (see :func:`available_threads`).
    """

    # Whether the calling thread keeps its scratch buffers after a pass (Dask workers do).
    keep_scratch = False

    def __init__(self, X, Y, sample_weight=None, *, n_jobs=None):
        if Y.ndim == 2 and Y.shape[1] == 1:
            Y = Y[:, 0]
        self.dtype = X.dtype  # of the fitted attributes; the sums may run in float64
        if computed_in_float64(X.dtype, X.nnz if sp.issparse(X) else X.size):
            X, Y = X.astype(np.float64), Y.astype(np.float64)
            sample_weight = None if sample_weight is None else sample_weight.astype(np.float64)
        self.X = X
        self.Y = Y
        self.sample_weight = sample_weight
        self.n_jobs = n_jobs
        self.n_samples, self.n_features = X.shape
        self.n_outputs = 1 if Y.ndim == 1 else Y.shape[1]
        self.sparse = sp.issparse(X)
        self.can_shift = not self.sparse
        if self.sparse and X.format not in ("csr", "csc"):
            raise TypeError(f"sparse X must be CSR or CSC; got {X.format!r}.")
        self._laid_out = None

    def prepare_batches(self, order):
        """Lay the rows out in ``order`` for mini-batches; True when ``evaluate`` then reads
        ``rows=slice(start, stop)`` as a contiguous block of that layout.

        Only a CSR matrix is laid out: one shuffled copy per stochastic fit (or
        ``partial_fit`` call), so that each mini-batch is a view of it instead of a gather
        of scattered rows. Dense and CSC data, and a CSR matrix whose copy does not fit in
        the available memory (:meth:`lays_out_batches`), return False (the caller gathers
        rows).
        """
        self._laid_out = None
        if not self.lays_out_batches():
            return False
        weights = None if self.sample_weight is None else self.sample_weight[order]
        self._laid_out = (_csr_gather(self.X, order, self.n_jobs), self.Y[order], weights)
        return True

    def lays_out_batches(self):
        """Whether :meth:`prepare_batches` lays the rows out: CSR data whose shuffled copy
        (with the targets and weights) fits in the available memory. A larger matrix is read
        in place, each batch gathered from it."""
        if not (self.sparse and self.X.format == "csr"):
            return False
        X = self.X
        copy = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes + self.Y.nbytes
        if self.sample_weight is not None:
            copy += self.sample_weight.nbytes
        return fits_in_memory(copy)

    @property
    def weighted(self):
        """Whether the rows carry weights (else each weighs 1)."""
        return self.sample_weight is not None

    def every(self, step):
        """The data of every ``step``-th row, a view (dense ``X`` only; None otherwise, and
        where those rows' sample weights are all zero)."""
        if self.sparse or type(self) is not InMemoryData:
            return None
        weights = None if self.sample_weight is None else self.sample_weight[::step]
        if weights is not None and not np.sum(weights, dtype=np.float64) > 0:
            return None
        return InMemoryData(self.X[::step], self.Y[::step], weights, n_jobs=self.n_jobs)

    # --- row blocks ---------------------------------------------------------------------
    def _blocks(self, min_rows=0):
        """Row ranges of about ``_BLOCK_BYTES`` (``_FLOAT32_BLOCK_BYTES`` of dense float32 rows
        of one output, ``_SPARSE_BLOCK_BYTES`` of CSR data; at least ``min_rows``); CSC is
        read whole."""
        n_samples = self.n_samples
        if self.sparse:
            if self.X.format == "csc":
                return [(0, n_samples)]
            per_row = max(1, self.X.nnz // max(1, n_samples)) * (self.X.data.itemsize + 4)
            block_bytes = _SPARSE_BLOCK_BYTES
        else:
            # Several outputs: a block's rows and the scores, probabilities, targets and
            # gradients that go with them (n_outputs columns each) share the 1 MiB, so they
            # stay in cache together (10 outputs of 50 features: 1,456-row blocks rather
            # than 2,621; a pass of W3 took 15 ms rather than 17.5 ms on one thread, with
            # another process on the machine).
            itemsize = self.X.dtype.itemsize
            outputs = _TEMPORARIES * self.n_outputs if self.n_outputs > 1 else 0
            per_row = (self.n_features + outputs) * itemsize
            block_bytes = _BLOCK_BYTES
            if itemsize < 8 and self.n_outputs == 1:  # see _FLOAT32_BLOCK_BYTES
                block_bytes = _FLOAT32_BLOCK_BYTES
            # wide rows: at least _WIDE_ROWS rows a block, up to _WIDE_ROWS_BYTES of X
            row_bytes = max(1, self.n_features * itemsize)
            min_rows = max(min_rows, min(_WIDE_ROWS, _WIDE_ROWS_BYTES // row_bytes))
        size = max(64, min_rows, block_bytes // max(1, per_row))
        return [(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]

    def _block(self, start, stop):
        X = self.X
        if self.sparse and X.format == "csr":
            X_block = _csr_rows(X, start, stop)
        elif self.sparse:
            X_block = X
        else:
            X_block = X[start:stop]
        weights = None if self.sample_weight is None else self.sample_weight[start:stop]
        return X_block, self.Y[start:stop], weights

    def _map_blocks(self, function, min_rows=0):
        """``function(X_block, Y_block, weights_block)`` summed over the row blocks.

        The blocks are dealt in contiguous runs to the calling thread and a pool of threads;
        each thread keeps one running sum (memory: one result per thread), and the runs are
        added in order.
        """
        blocks = self._blocks(min_rows)
        threads = min(len(blocks), available_threads(self.n_jobs))

        def run(part):
            total = None
            for rows in part:
                result = function(*self._block(*rows))
                if total is None:
                    total = result
                else:
                    total += result
            return total

        def run_here(part):
            try:
                return run(part)
            finally:
                if not self.keep_scratch:
                    release_scratch()

        with single_threaded_blas():
            if threads <= 1:
                return run_here(blocks)
            size = -(-len(blocks) // threads)
            parts = [blocks[start : start + size] for start in range(0, len(blocks), size)]
            # the calling thread takes the first run, the process's pass threads the others
            others = pass_threads(len(parts) - 1).map(run_here, parts[1:])
            results = [run_here(parts[0]), *others]
        total = results[0]
        for result in results[1:]:
            total += result
        return total

    # --- the seam -----------------------------------------------------------------------
    def target_variance(self):
        """The weighted variance of each target column (float64; about the mean)."""
        Y = np.asarray(self.Y, dtype=np.float64)
        Y = Y if Y.ndim == 2 else Y[:, None]
        mean = np.average(Y, axis=0, weights=self.sample_weight)
        return np.average((Y - mean) ** 2, axis=0, weights=self.sample_weight)

    def statistics(self):
        """Weighted moments (float64) in one pass over ``X``."""
        weight_sum = (
            float(self.n_samples)
            if self.sample_weight is None
            else float(np.sum(self.sample_weight, dtype=np.float64))
        )
        if not weight_sum > 0:
            raise ValueError("The sample weights sum to zero: at least one must be positive.")
        # Moments about a reference row (the first one) stay accurate for large means.
        reference = (
            np.zeros(self.n_features)
            if self.sparse or self.n_samples == 0
            else np.asarray(self.X[0], dtype=np.float64)
        )
        Y = self.Y if self.Y.ndim == 2 else self.Y[:, None]
        reference_row = reference.astype(self.X.dtype)
        reference_repeated = None if self.sparse else repeat_row(reference_row, self.n_features)

        def moments(X_block, Y_block, weights):
            weights = (
                np.ones(X_block.shape[0])
                if weights is None
                else np.asarray(weights, dtype=np.float64)
            )
            Y_block = np.asarray(Y_block, dtype=np.float64)
            if Y_block.ndim == 1:
                Y_block = Y_block[:, None]
            if sp.issparse(X_block):
                first, second, cross = _sparse_moments(X_block, weights, Y_block)
            else:
                # In X's dtype, as the passes' products are (float32 data: float32 block
                # sums, added in float64 across blocks), about the reference row; the first
                # moments and the cross products in one product.
                dtype = X_block.dtype
                # in a reused buffer: a fresh block-sized temporary is a fresh mapping
                centred = scratch("centred", X_block.shape, dtype)
                subtract_row(X_block, reference_row, centred, reference_repeated)
                stacked = np.column_stack([weights, weights[:, None] * Y_block]).astype(dtype)
                products = np.asarray(stacked.T @ centred, dtype=np.float64)
                first, cross = products[0], products[1:].T
                centred *= centred
                second = np.asarray(stacked[:, 0] @ centred, dtype=np.float64)
            return np.concatenate([first, second, cross.ravel(), weights @ Y_block])

        total = self._map_blocks(moments)
        return statistics_from_sums(total, weight_sum, reference, self.n_features, Y.shape[1])

    supports_hessian_columns = True

    def evaluate(
        self, loss, coef, offset, *, shift=None, hessian=False, rows=None, hessian_columns=None
    ):
        """Sums of one evaluation at scores ``(X - shift) coef + offset``.

        ``coef`` is (n_features, n_outputs) float64, ``offset`` (n_outputs,), ``shift``
        (n_features,) or None (zero; the only choice unless ``can_shift``). Dense blocks are
        shifted before the products, which keeps float32 products accurate for columns with
        large means. ``rows`` restricts the sums to those rows (mini-batches), read in one
        gather, or is a ``slice`` of the layout of :meth:`prepare_batches`.
        ``hessian_columns`` restricts the Hessian blocks to those columns.
        """
        coef = np.asarray(coef, dtype=np.float64)
        offset = np.asarray(offset, dtype=np.float64)
        if shift is not None and not self.can_shift:
            raise ValueError("sparse data cannot be shifted: pass shift=None")
        dtype = self.X.dtype
        coef_block = (coef[:, 0] if self.n_outputs == 1 else coef).astype(dtype, copy=False)
        shift_block = None if shift is None else shift.astype(dtype)
        shift_repeated = None if shift is None else repeat_row(shift_block, self.n_features)
        if isinstance(rows, slice):  # a block of the layout of prepare_batches
            X_laid, Y_laid, weights_laid = self._laid_out
            weights = None if weights_laid is None else weights_laid[rows]
            if not hessian:
                return _csr_block_evaluate(
                    X_laid, rows.start, rows.stop, Y_laid[rows], weights, loss, coef_block, offset
                )
            X_rows = _csr_rows(X_laid, rows.start, rows.stop)
            with single_threaded_blas():
                return block_evaluate(
                    X_rows, Y_laid[rows], weights, loss, coef_block, offset, shift_block, hessian
                )

        def one_block(X_block, Y_block, weights, hessian_out=None):
            return block_evaluate(
                X_block,
                Y_block,
                weights,
                loss,
                coef_block,
                offset,
                shift_block,
                hessian,
                hessian_out,
                hessian_columns,
                shift_repeated,
            )

        if rows is not None:
            weights = None if self.sample_weight is None else self.sample_weight[rows]
            with single_threaded_blas():
                return one_block(self.X[rows], self.Y[rows], weights)

        hessian_size = self.n_features if hessian_columns is None else len(hessian_columns)
        if hessian and not self.sparse and hessian_size**2 * 8 > _WIDE_HESSIAN_BYTES:
            return self._evaluate_wide(one_block, loss, hessian_size)
        # Hessian blocks are matrix-matrix products: taller blocks keep them efficient.
        return self._map_blocks(one_block, min_rows=256 if hessian else 0)

    def _evaluate_wide(self, one_block, loss, hessian_size):
        """An evaluation with a wide Hessian: tall row blocks one after the other, every BLAS
        thread, the p x p blocks accumulated in place (no p x p temporary per block)."""
        probe = np.zeros(1 if self.n_outputs == 1 else (1, self.n_outputs))
        probe = loss.hessian_weights(self.Y[:1], probe)
        columns = 1 if probe.ndim == 1 else probe.shape[1]
        # Each (p, p) slice Fortran-ordered: what BLAS updates in place.
        hessian_xx = np.zeros((columns, hessian_size, hessian_size)).transpose(0, 2, 1)
        rows = max(256, _WIDE_BLOCK_BYTES // (self.n_features * 8))
        total = None
        with all_blas_threads():
            for start in range(0, self.n_samples, rows):
                X_block, Y_block, weights = self._block(start, min(start + rows, self.n_samples))
                sums = one_block(X_block, Y_block, weights, hessian_out=hessian_xx)
                if total is None:
                    total = sums
                else:
                    sums.hessian_xx = None  # already added in place
                    total.loss += sums.loss
                    if total.loss_outputs is not None:
                        total.loss_outputs += sums.loss_outputs
                    total.product += sums.product
                    total.gradient_sum += sums.gradient_sum
                    total.hessian_x += sums.hessian_x
                    total.hessian_1 += sums.hessian_1
        if not self.keep_scratch:
            release_scratch()
        for column in range(columns):
            symmetrize_upper(hessian_xx[column])
        total.hessian_xx = hessian_xx
        return total

    def curvature_diagonal(self, curvature, coef, offset, mean):
        """Sums for the diagonal of the data term's Hessian: ``(sum_i c_ik, sum_i c_ik
        (x_ij - mean_j)^2)`` of shapes (k,) and (p, k), in float64, one pass in row blocks.

        ``curvature(Y_block, scores)`` gives the (n_block, k) curvature ``c`` of each row
        and output at the scores ``X coef + offset``, already times the rows' sample
        weights when those are passed as its third argument. Dense blocks are centred before
        squaring (accurate for columns whose mean dwarfs their spread); sparse ones are
        squared as they are (:func:`_sparse_moments`, on their own arrays) and centred
        through the sums.
        """
        n_outputs = np.asarray(coef).reshape(self.n_features, -1).shape[1]
        mean = np.asarray(mean, dtype=np.float64)

        def block(X_block, Y_block, weights):
            raw = self.scores(coef, offset, X_block)
            c = curvature(Y_block, raw, weights)  # (n_block, k)
            total = c.sum(axis=0)
            if sp.issparse(X_block):
                # X's own arrays, one output at a time (a CSC X is one block: no copy of it)
                second = np.empty((self.n_features, n_outputs))
                nothing = np.zeros((X_block.shape[0], 0))
                for k in range(n_outputs):
                    first, squares, _ = _sparse_moments(X_block, c[:, k], nothing)
                    second[:, k] = squares - 2.0 * mean * first + mean**2 * total[k]
            else:
                centred = np.asarray(X_block, dtype=np.float64) - mean
                centred *= centred
                second = centred.T @ c
            return np.concatenate([total, np.asarray(second).ravel()])

        sums = self._map_blocks(block)
        return sums[:n_outputs], sums[n_outputs:].reshape(self.n_features, n_outputs)

    def scores(self, coef, offset, X=None):
        """Scores ``X coef + offset`` of shape (n_samples, n_outputs)."""
        X = self.X if X is None else X
        raw = X @ np.asarray(coef).astype(X.dtype, copy=False)
        return np.asarray(raw) + offset
