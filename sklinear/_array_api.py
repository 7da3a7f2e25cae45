"""Array API inputs (PyTorch, CuPy, array-api-strict, ...): the data seam on the input's device.

With scikit-learn's ``array_api_dispatch`` enabled, an ``X`` from another Array API library
is never moved to the host: :class:`ArrayAPIData` implements the data seam of
:mod:`sklinear._data` with the input's own namespace, on its own device. Everything the
solver does with p-sized arrays stays NumPy float64 on the host, so the iterates are those
of a NumPy fit of the same data. What crosses the device boundary:

- per evaluation: the coefficients and offset (``n_features x n_outputs + n_outputs``
  values) to the device, and one float64 vector back (the loss sum, the gradient products
  and the gradient sums: ``1 + (n_features + 1) n_outputs`` values; the loss sum per output
  for binary outputs; the softmax's guards per row block; with Newton's method also the
  Hessian blocks);
- once per fit: the weighted column moments (statistics), the distinct class labels, and
  the fitted coefficients back to the device; the targets and the sample weights travel
  to the host only where a host algorithm needs them (the median of the absolute and
  Huber losses, the mini-batch weight sums of the stochastic solvers, class weights);
- per prediction: the raw scores (``n_samples x n_outputs``) to the host, where the
  estimator's own post-processing runs, and the result back to the device.

Helpers here use ``array_api_compat`` directly (scikit-learn's own are private).
"""

import copy
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp
from sklearn import get_config

from ._data import EvaluationSums, computed_in_float64, statistics_from_sums
from ._losses import (
    AbsoluteLoss,
    BinomialLoss,
    HuberLoss,
    MultinomialLoss,
    SmoothedAbsoluteLoss,
    SquaredLoss,
)

try:  # an optional dependency: the 'array-api' extra
    import array_api_compat
except ImportError:  # pragma: no cover - exercised only without the extra
    array_api_compat = None

# Rows per block: blocks of about this many bytes of X. Accelerators get large blocks (few
# kernel launches per pass); CPU devices get cache-sized blocks, as the NumPy seam does.
_DEVICE_BLOCK_BYTES = 1 << 30
_CPU_BLOCK_BYTES = 1 << 22
# Blocks of the statistics pass that make a temporary of their size (a centred or weighted
# block): at most this many bytes.
_STATISTICS_BLOCK_BYTES = 1 << 27
# The statistics' raw second moments E[x^2] are trusted where their rounding (at most
# _MOMENT_ROUNDING eps E[x^2], the chunked sums' error) is within _MOMENT_RTOL of the
# variance E[x^2] - mean^2; elsewhere a second pass centres the rows.
_MOMENT_ROUNDING = 16
_MOMENT_RTOL = 1e-5
# Products X_block^T R (gradient, Hessian, statistics) run as a batch of products over
# chunks of at least _CHUNK_ROWS rows, whose partial sums (at most _PARTIALS_BYTES) are
# added in float64: one long product over millions of rows gives the BLAS little to run in
# parallel (a p x K result) and accumulates float32 rounding along the rows.
_CHUNK_ROWS = 2048
_PARTIALS_BYTES = 1 << 26


# --- namespaces and devices ---------------------------------------------------------------
def dispatch_enabled():
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    return bool(get_config().get("array_api_dispatch", False))


def is_foreign_array(array):
    """An Array API array that is not a NumPy array (nor a sparse matrix)."""
    if array_api_compat is None or array is None or sp.issparse(array):
        return False
    return array_api_compat.is_array_api_obj(array) and not array_api_compat.is_numpy_array(array)


def dispatch_namespace(X):
    """The namespace of ``X`` when dispatch is on and ``X`` is a non-NumPy Array API array.

    Returns None otherwise: NumPy arrays, sparse matrices, DataFrames and lists take the
    NumPy path (without dispatch scikit-learn converts other arrays with ``np.asarray``).
    """
    if not dispatch_enabled():
        return None
    if array_api_compat is None:
        library = type(X).__module__.split(".")[0]
        if library in ("torch", "cupy", "jax") or (
            hasattr(X, "__array_namespace__") and not isinstance(X, np.ndarray)
        ):
            raise ImportError(
                f"Fitting {library} arrays under array_api_dispatch needs the package "
                "array-api-compat: pip install 'sklinear[array-api]'."
            )
        return None
    if not is_foreign_array(X):
        return None
    return array_api_compat.array_namespace(X)


def namespace(array):
    """The (array-api-compat) namespace of an Array API array."""
    return array_api_compat.array_namespace(array)


def device(array):
    """The device of an Array API array."""
    return array_api_compat.device(array)


def _is_cpu(device_):
    return "cpu" in str(device_).lower()


def namespace_name(array):
    """The library name of an array's namespace ('numpy', 'torch', 'array_api_strict')."""
    if array_api_compat is None or not array_api_compat.is_array_api_obj(array):
        return "numpy"
    name = array_api_compat.array_namespace(array).__name__
    return name.replace("array_api_compat.", "")


def check_fit_namespace(estimator, method_name, expected, actual):
    """Raise when ``actual`` (namespace name, device) is not the ``expected`` one of fit.

    Under dispatch, the inputs of predict / transform must come from the namespace and
    device of the inputs of fit, as in scikit-learn's Array API estimators.
    """
    if actual != expected:
        raise ValueError(
            f"Inputs passed to {type(estimator).__name__}.{method_name}() must use the same "
            f"namespace and the same device as those passed to fit(): fitted on "
            f"{expected[0]} (device {expected[1]}), got {actual[0]} (device {actual[1]}). "
            "Move X to the fitted namespace and device."
        )


def record_n_features(estimator, n_features, *, reset):
    """Set ``n_features_in_`` (fit) or check it (transform), for inputs without names."""
    if reset:
        estimator.n_features_in_ = int(n_features)
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )


def to_numpy(array):
    """A NumPy copy (or view) of an array of any Array API library, on the host."""
    if array is None or isinstance(array, np.ndarray) or sp.issparse(array):
        return array
    if array_api_compat is None or not array_api_compat.is_array_api_obj(array):
        return np.asarray(array)
    if array_api_compat.is_torch_array(array):
        return array.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(array):
        return array.get()
    xp = array_api_compat.array_namespace(array)
    if array_api_compat.is_array_api_strict_namespace(xp):
        import array_api_strict

        array = array_api_compat.to_device(array, array_api_strict.Device("CPU_DEVICE"))
        return np.asarray(array)
    try:
        return np.from_dlpack(array_api_compat.to_device(array, "cpu"))
    except (AttributeError, TypeError, ValueError, BufferError, NotImplementedError):
        return np.asarray(array)


def move_to(array, xp, device_):
    """``array`` in namespace ``xp`` on ``device_`` (None stays None; no copy when it is).

    A PyTorch tensor that requires gradients is detached (a view): the fit differentiates
    nothing, and reading a value of such a tensor (``float(...)``) makes PyTorch warn.
    """
    if array is None:
        return None
    if getattr(array, "requires_grad", False) and hasattr(array, "detach"):
        array = array.detach()
    if is_foreign_array(array) or isinstance(array, np.ndarray):
        if not isinstance(array, np.ndarray):
            source = array_api_compat.array_namespace(array)
            if source.__name__ == xp.__name__:
                if str(device(array)) == str(device_):
                    return array
                return array_api_compat.to_device(array, device_)
        array = to_numpy(array)
    array = np.asarray(array, order="C")  # np.ascontiguousarray made a 0-d array 1-d
    return xp.asarray(array, device=device_)


def all_finite(xp, X):
    """Whether every value of a 2-d ``X`` is finite, in about one read of ``X``.

    The row sums ``X 1`` (a matrix-vector product) are finite when every value is, and a
    NaN or an infinity in a row makes its sum NaN or infinite. Only when a sum is not
    finite (a non-finite value, or finite values whose sum overflows) does the element-wise
    test decide: ``isfinite`` writes an ``n x p`` boolean array (about five reads of X on a
    GPU).
    """
    ones = xp.ones((X.shape[1],), dtype=X.dtype, device=device(X))
    with np.errstate(over="ignore", invalid="ignore"):  # NumPy-backed namespaces
        if bool(xp.all(xp.isfinite(X @ ones))):
            return True
    return bool(xp.all(xp.isfinite(X)))


def numpy_dtype(xp_dtype):
    """The NumPy dtype of a float dtype of any namespace."""
    return np.dtype(str(xp_dtype).rsplit(".", 1)[-1])


# --- losses in a namespace ----------------------------------------------------------------
# Each ``value_gradient(xp, loss, y, raw, weights)`` returns the weighted loss sum (a float64
# 0-d array on the device) and the weighted gradient with respect to the scores. The loss is
# computed per row and its sum is exact in float64: near the optimum a line search compares
# values that differ in their tenth digit (float32 partial sums, or the loss's terms summed
# separately, left float32 softmax fits at 200,000 rows stalled short of the certificate).
def _sum_outputs(xp, value):
    return value if value.ndim == 1 else xp.sum(value, axis=1)


def _rowwise(function):
    """The weighted sums of a loss given per row: ``function(xp, loss, y, raw)`` returns
    the per-row losses (per row and output for losses of separable outputs: then the sums
    are one per output) and the gradient."""

    def value_gradient(xp, loss, y, raw, weights):
        value, gradient = function(xp, loss, y, raw)
        if weights is not None:
            value = value * (weights if value.ndim == 1 else weights[:, None])
            gradient = gradient * (weights if raw.ndim == 1 else weights[:, None])
        if value.ndim == 2:
            return xp.sum(value, axis=0, dtype=xp.float64), gradient
        return xp.sum(value, dtype=xp.float64), gradient

    return value_gradient


@_rowwise
def _squared(xp, loss, y, raw):
    gradient = raw - y
    return _sum_outputs(xp, 0.5 * gradient * gradient), gradient


@_rowwise
def _absolute(xp, loss, y, raw):
    residual = raw - y
    return _sum_outputs(xp, xp.abs(residual)), xp.sign(residual)


@_rowwise
def _smoothed_absolute(xp, loss, y, raw):
    residual = raw - y
    absolute = xp.abs(residual)
    mu = float(loss.mu)
    value = xp.where(absolute <= mu, residual * residual / (2 * mu), absolute - 0.5 * mu)
    return _sum_outputs(xp, value), xp.clip(residual / mu, min=-1.0, max=1.0)


@_rowwise
def _huber(xp, loss, y, raw):
    residual = raw - y
    absolute = xp.abs(residual)
    epsilon = float(loss.epsilon)
    value = xp.where(
        absolute <= epsilon, 0.5 * residual * residual, epsilon * absolute - 0.5 * epsilon**2
    )
    return _sum_outputs(xp, value), xp.clip(residual, min=-epsilon, max=epsilon)


@_rowwise
def _binomial(xp, loss, y, raw):
    # The NumPy loss's formulas: with e = exp(-|z|), log(1 + e^z) - y z = max(z, 0) - y z +
    # log1p(e), and sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) otherwise.
    exponential = xp.exp(-xp.abs(raw))
    value = (xp.clip(raw, min=0.0) - y * raw) + xp.log1p(exponential)
    gradient = xp.where(raw >= 0, xp.ones_like(raw), exponential) / (1 + exponential) - y
    return value, gradient  # per output: the certificate repairs each alone


# The softmax takes its exponentials without the shift by the row maxima (a row reduction
# and a broadcast subtraction per evaluation saved). Each row block reports its smallest and
# largest row sum of exponentials with the evaluation's sums; where one is outside
# _safe_totals (an exponential overflowed, or all of a row's underflowed) the evaluation is
# redone with the shift.
def _safe_totals(dtype):
    """Row sums of exponentials computed to full precision: (low, high)."""
    info = np.finfo(dtype)
    return float(info.tiny) * 1e8, float(info.max) * 1e-8


def _softmax_parts(xp, raw, shifted):
    """Per row ``log sum_k exp(raw_k)``, the probabilities ``softmax(raw)`` and the row sums
    of the exponentials taken (of ``exp(raw)`` itself where not ``shifted``)."""
    shift = xp.max(raw, axis=1, keepdims=True) if shifted else None
    exponential = xp.exp(raw - shift if shifted else raw)
    # (Row sums as a matrix-vector product are a little faster on a GPU, but cuBLAS's
    # float32 GEMV made the loss of a 10M-row softmax fit too noisy for its line search:
    # 32 evaluations instead of 18.)
    total = xp.sum(exponential, axis=1)
    log_normaliser = xp.log(total)
    probability = exponential / total[:, None]
    if shifted:
        log_normaliser = log_normaliser + shift[:, 0]
    return log_normaliser, probability, total


def _multinomial(xp, y, raw, weights, *, shifted, labels, keep_probability=False):
    """The multinomial loss's weighted sums: ``(value, gradient, probability, guard)``.

    ``labels`` (the class of each row, where ``y`` is one-hot; else None) picks each row's
    score ``y_i . z_i`` (a gather instead of an n x K product and a row sum). ``guard``
    holds the smallest and largest row sum of exponentials. PyTorch off the CPU takes its
    fused kernels instead (:func:`_multinomial_fused`, which is what ``keep_probability``
    is for).
    """
    torch = _fused(xp, device(raw))
    if torch is not None:
        return _multinomial_fused(
            torch,
            y,
            raw,
            weights,
            shifted=shifted,
            labels=labels,
            keep_probability=keep_probability,
        )
    log_normaliser, probability, total = _softmax_parts(xp, raw, shifted)
    if labels is None:
        value = log_normaliser - xp.sum(y * raw, axis=1)
    else:
        value = log_normaliser - xp.take_along_axis(raw, labels[:, None], axis=1)[:, 0]
    gradient = probability - y
    if weights is not None:
        value, gradient = value * weights, gradient * weights[:, None]
    guard = xp.stack([xp.min(total), xp.max(total)])
    return xp.sum(value, dtype=xp.float64), gradient, probability, guard


def _squared_curvature(xp, loss, y, raw):
    return xp.ones((raw.shape[0],), dtype=raw.dtype, device=device(raw))


def _smoothed_absolute_curvature(xp, loss, y, raw):
    absolute = xp.abs(raw - y)
    inside = absolute <= float(loss.mu)
    if not getattr(loss, "majorize", False):
        return xp.astype(inside, raw.dtype) / float(loss.mu)
    return 1.0 / xp.where(inside, xp.full_like(absolute, float(loss.mu)), absolute)


def _huber_curvature(xp, loss, y, raw):
    absolute = xp.abs(raw - y)
    inside = absolute <= float(loss.epsilon)
    if not getattr(loss, "majorize", False):
        return xp.astype(inside, raw.dtype)
    one = xp.ones_like(absolute)
    return xp.where(inside, one, float(loss.epsilon) / xp.where(inside, one, absolute))


def _binomial_curvature(xp, loss, y, raw):
    exponential = xp.exp(-xp.abs(raw))
    return exponential / (1.0 + exponential) ** 2


def _multinomial_fused(torch, y, raw, weights, *, shifted, labels, keep_probability):
    """:func:`_multinomial` with PyTorch's fused ``softmax`` (one read of the scores,
    shifted by the row maxima inside the kernel), where the standard's functions take some
    ten passes over the scores.

    With ``labels`` the gradient is the probabilities with 1 taken from each row's class in
    place (a scatter over the rows, not an n x K subtraction), and each row's loss is minus
    the log of its class's probability (a gather): exact unless that probability
    underflows, so the guard is the smallest of them (twice, for the guards' low and high
    bounds); ``shifted`` (the evaluation done again) takes the fused ``log_softmax``
    instead. ``keep_probability`` keeps the probabilities apart for the Hessian.
    """
    probability = torch.softmax(raw, dim=1)
    guard = None
    if labels is None:
        value = torch.logsumexp(raw, dim=1) - torch.sum(y * raw, dim=1)
        gradient = probability - y
    else:
        column = labels[:, None]
        if shifted:
            value = -torch.gather(torch.log_softmax(raw, dim=1), 1, column)[:, 0]
        else:
            chosen = torch.gather(probability, 1, column)[:, 0]
            value = -torch.log(chosen)
            guard = torch.min(chosen).expand(2)
        gradient = probability.clone() if keep_probability else probability
        gradient.scatter_add_(1, column, torch.full_like(value, -1.0)[:, None])
    if weights is not None:
        value = value * weights
        gradient.mul_(weights[:, None])  # a new array in every branch above
    return torch.sum(value, dtype=torch.float64), gradient, probability, guard


def _fused(xp, device_):
    """The ``torch`` module where ``xp`` is PyTorch's namespace and ``device_`` is not the
    CPU (its fused kernels then serve the softmax and the scores' offset), else None.

    On the CPU PyTorch's softmax over 10 classes was measured 7 times slower than its
    exp, sum and division (2-core VM, 16,384 rows): there, and in every other namespace,
    the standard's functions serve.
    """
    if array_api_compat is None or not array_api_compat.is_torch_namespace(xp):
        return None
    if _is_cpu(device_):
        return None
    import torch

    return torch


def _multinomial_curvature(xp, probability):
    """``q_k (delta_kl - q_l)`` for the pairs ``k <= l`` in ``np.triu_indices`` order."""
    columns = []
    for first, second in zip(*np.triu_indices(probability.shape[1]), strict=True):
        column = -probability[:, first] * probability[:, second]
        if first == second:
            column = column + probability[:, first]
        columns.append(column)
    return xp.stack(columns, axis=1)


# Exact types: a loss added to sklinear._losses must be added here too (an error says so).
_LOSSES = {
    SquaredLoss: (_squared, _squared_curvature),
    AbsoluteLoss: (_absolute, None),
    SmoothedAbsoluteLoss: (_smoothed_absolute, _smoothed_absolute_curvature),
    HuberLoss: (_huber, _huber_curvature),
    BinomialLoss: (_binomial, _binomial_curvature),
    MultinomialLoss: (_multinomial, _multinomial_curvature),  # own signatures: _block_sums
}


def _loss_functions(loss):
    try:
        return _LOSSES[type(loss)]
    except KeyError:
        raise TypeError(
            f"{type(loss).__name__} has no Array API implementation; pass NumPy arrays or "
            "add it to sklinear._array_api._LOSSES."
        ) from None


def supports_float64(xp, device_):
    """Whether a device has float64 (Apple's MPS has not)."""
    try:
        xp.zeros(1, dtype=xp.float64, device=device_)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True


def _in_float64(xp, X, Y, sample_weight):
    """``X``, ``Y`` and the weights in float64 on their device, where it has float64."""
    if not supports_float64(xp, device(X)):
        return X, Y, sample_weight
    return tuple(
        None if array is None else xp.astype(array, xp.float64) for array in (X, Y, sample_weight)
    )


def transpose_product(xp, X_block, right):
    """``X_block^T right`` in float64, from float64 sums of per-chunk products.

    ``X_block`` is (m, p), ``right`` (m, k), both in X's dtype. The rows are cut into ``c``
    chunks of equal length (at least ``_CHUNK_ROWS``; ``c p k`` partial sums of at most
    ``_PARTIALS_BYTES``) multiplied as one batched product, no copy of ``X_block``; the
    rows left over make one more product.
    """
    rows, n_features = X_block.shape
    width = right.shape[1]
    # Measured on an H100 (2.7M x 100 float32): chunks of 2048 rows were the fastest for 10
    # right-hand columns, of 8192 rows for one.
    least = _CHUNK_ROWS if width > 1 else 4 * _CHUNK_ROWS
    itemsize = numpy_dtype(X_block.dtype).itemsize
    chunk, chunks = _chunks(rows, n_features * width, itemsize, least)
    head = chunks * chunk
    total = None
    if chunks > 1:
        batched = xp.matmul(
            xp.matrix_transpose(xp.reshape(X_block[:head, :], (chunks, chunk, n_features))),
            xp.reshape(right[:head, :], (chunks, chunk, width)),
        )
        total = xp.sum(xp.astype(batched, xp.float64), axis=0)
    else:
        head = 0
    if head < rows:
        rest = xp.astype(X_block[head:, :].T @ right[head:, :], xp.float64)
        total = rest if total is None else total + rest
    return total


def _chunks(rows, width, itemsize, least=_CHUNK_ROWS):
    """``(chunk, chunks)``: rows per chunk (at least ``least``) and the number of whole
    chunks, with at most ``_PARTIALS_BYTES`` of partial sums of ``width`` values each."""
    most_chunks = max(1, _PARTIALS_BYTES // max(1, width * itemsize))
    chunk = max(least, -(-rows // most_chunks))
    return chunk, rows // chunk


def _by_chunks(xp, matrix, reduce):
    """``sum_chunks reduce(chunk, axis)`` (float64, one value per column) over chunks of the
    rows of a 2-d array: ``reduce`` gives a float64 result per column of each chunk (a
    batch of chunks along ``axis=1``, the rows left over along ``axis=0``)."""
    rows, width = matrix.shape
    chunk, chunks = _chunks(rows, width, numpy_dtype(matrix.dtype).itemsize)
    head = chunks * chunk if chunks > 1 else 0
    total = xp.zeros((width,), dtype=xp.float64, device=device(matrix))
    if head:
        batch = xp.reshape(matrix[:head, :], (chunks, chunk, width))
        total = total + xp.sum(reduce(batch, 1), axis=0)
    if head < rows:
        total = total + reduce(matrix[head:, :], 0)
    return total


def _column_squares(xp, block):
    """``sum x^2`` per column of a 2-d block (float64), without a temporary of its size: the
    norms of chunks of rows (``linalg.vector_norm``), squared and added in float64."""
    linalg = getattr(xp, "linalg", None)
    if linalg is None or not hasattr(linalg, "vector_norm"):  # namespaces without the extension
        ones = xp.ones((block.shape[0], 1), dtype=block.dtype, device=device(block))
        return xp.reshape(transpose_product(xp, block * block, ones), (-1,))

    def squares(part, axis):
        norms = xp.astype(linalg.vector_norm(part, axis=axis), xp.float64)
        return norms * norms

    return _by_chunks(xp, block, squares)


def column_sums(xp, array):
    """Float64 sums over the rows of a 1-d or 2-d float array, without a float64 copy:
    float32 (or float64) sums over chunks of rows, added in float64."""
    matrix = array[:, None] if array.ndim == 1 else array
    total = _by_chunks(
        xp, matrix, lambda part, axis: xp.astype(xp.sum(part, axis=axis), xp.float64)
    )
    return total[0] if array.ndim == 1 else total


_UNSET = object()


def _same_key(first, second):
    """Keys of evaluations: the same loss object, and equal options and parameter bytes."""
    return first[0] is second[0] and first[1:] == second[1:]


# --- the data seam --------------------------------------------------------------------------
class ArrayAPIData:
    """The data seam of :mod:`sklinear._data` for arrays of any Array API library.

    Every product over ``X`` runs in ``X``'s namespace on ``X``'s device; the sums of one
    evaluation come back to the host as one float64 vector (see the module docstring).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        float32 or float64, in any Array API namespace; never copied or moved.
    Y : array of shape (n_samples,) or (n_samples, n_outputs)
        Encoded targets in ``X``'s namespace, dtype and device.
    sample_weight : array of shape (n_samples,) or None
        In ``X``'s namespace, dtype and device.
    host_targets : bool, default=False
        Also keep host (NumPy) copies of ``Y`` and ``sample_weight`` as the attributes
        ``Y`` and ``sample_weight``, for the host algorithms that read them (the weighted
        median, mini-batch weight sums). Otherwise those attributes are None.
    """

    sparse = False
    can_shift = True
    supports_hessian = True

    def __init__(self, X, Y, sample_weight=None, *, host_targets=False):
        if Y.ndim == 2 and Y.shape[1] == 1:
            Y = Y[:, 0]
        self.xp = array_api_compat.array_namespace(X)
        self.device = device(X)
        self.dtype = numpy_dtype(X.dtype)  # of the fitted attributes
        self.n_samples, self.n_features = X.shape
        if computed_in_float64(self.dtype, self.n_samples * self.n_features):
            X, Y, sample_weight = _in_float64(self.xp, X, Y, sample_weight)
        self.X = X
        self.n_outputs = 1 if Y.ndim == 1 else Y.shape[1]
        self._Y = Y
        self._weights = sample_weight
        self.Y = to_numpy(Y) if host_targets else None
        self.sample_weight = to_numpy(sample_weight) if host_targets else None
        self.n_evaluations = 0
        self._labels = _UNSET  # the rows' classes where Y is one-hot: _class_labels()
        self._last = None  # (key, sums) of the last full evaluation
        block_bytes = _CPU_BLOCK_BYTES if _is_cpu(self.device) else _DEVICE_BLOCK_BYTES
        row_bytes = max(1, self.n_features * self._compute_dtype.itemsize)
        self.block_rows = max(64, block_bytes // row_bytes)

    @property
    def _compute_dtype(self):
        return numpy_dtype(self.X.dtype)

    @property
    def weighted(self):
        """Whether the rows carry weights (else each weighs 1)."""
        return self._weights is not None

    def every(self, step):
        """The data of every ``step``-th row: strided views in ``X``'s namespace, on its
        device (the rows of :meth:`~sklinear._data.InMemoryData.every`)."""
        weights = None if self._weights is None else self._weights[::step]
        return ArrayAPIData(self.X[::step, ...], self._Y[::step, ...], weights)

    def _blocks(self):
        size, n_samples = self.block_rows, self.n_samples
        return [(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]

    def _host_vector(self, array, dtype=None):
        """A host array on the device, in ``dtype`` (default: the dtype of the computation)."""
        dtype = self._compute_dtype if dtype is None else dtype
        return self.xp.asarray(np.ascontiguousarray(array, dtype=dtype), device=self.device)

    def statistics(self):
        """Weighted moments (float64), in one pass over ``X`` for most data.

        The first pass takes the raw sums ``X^T [s, s Y]`` and ``sum s x^2`` (the norms of
        chunks of columns; float32 products summed in float64). Where a column's mean is
        large against its spread, ``E[x^2] - mean^2`` would lose the variance to rounding:
        then a second pass takes the sums about a reference row (the first), exact for
        constant columns. (Centring every block would cost this pass about three reads of
        ``X`` more.)
        """
        xp = self.xp
        if self._weights is None:
            weight_sum = float(self.n_samples)
        else:
            weight_sum = float(column_sums(xp, self._weights))
        if not weight_sum > 0:
            raise ValueError("The sample weights sum to zero: at least one must be positive.")
        n_features, n_outputs = self.n_features, self.n_outputs
        total = self._moment_sums(None)
        raw = statistics_from_sums(total, weight_sum, np.zeros(n_features), n_features, n_outputs)
        # rounding of the float32 (or float64) sums, relative to E[x^2] = mean^2 + variance
        rounding = _MOMENT_ROUNDING * np.finfo(self._compute_dtype).eps
        accurate = rounding * (raw.mean**2 + raw.variance) <= _MOMENT_RTOL * raw.variance
        if np.all(accurate):
            statistics = raw
        else:
            reference = self.X[0, :]
            total = self._moment_sums(reference)
            reference = to_numpy(reference).astype(np.float64)
            statistics = statistics_from_sums(total, weight_sum, reference, n_features, n_outputs)
        return statistics

    def _moment_sums(self, reference):
        """``sum s (x - r)``, ``sum s (x - r)^2``, ``sum s (x - r) y^T``, ``sum s y`` (float64,
        one vector on the host) about the row ``reference`` (None: about 0)."""
        xp = self.xp
        materialised = reference is not None or self._weights is not None
        size = self.block_rows
        if materialised:  # a temporary the size of the block: smaller blocks
            row_bytes = max(1, self.n_features * self._compute_dtype.itemsize)
            size = max(64, min(size, _STATISTICS_BLOCK_BYTES // row_bytes))
        total = None
        for start in range(0, self.n_samples, size):
            stop = min(start + size, self.n_samples)
            block = self.X[start:stop, :]
            if reference is not None:
                block = block - reference
            targets = self._Y[start:stop, ...]
            if targets.ndim == 1:
                targets = targets[:, None]
            if self._weights is None:
                weights = xp.ones((stop - start,), dtype=self.X.dtype, device=self.device)
                squares = _column_squares(xp, block)
            else:
                weights = self._weights[start:stop]
                squares = xp.reshape(transpose_product(xp, block * block, weights[:, None]), (-1,))
            weighted_targets = weights[:, None] * targets
            # one product of the block with [s, s * Y]: the sums and X^T (s * Y)
            products = transpose_product(
                xp, block, xp.concat([weights[:, None], weighted_targets], axis=1)
            )
            part = xp.concat(
                [
                    products[:, 0],
                    squares,
                    xp.reshape(products[:, 1:], (-1,)),
                    column_sums(xp, weighted_targets),
                ]
            )
            total = part if total is None else total + part
        return to_numpy(total)

    def evaluate(self, loss, coef, offset, *, shift=None, hessian=False, rows=None):
        """Sums of one evaluation at scores ``(X - shift) coef + offset`` (see InMemoryData).

        One transfer each way: the coefficients to the device, one float64 vector back.
        ``rows`` (a NumPy index array) restricts the sums to those rows (mini-batches).
        For the multinomial loss the vector also holds each block's two guards (see
        ``_safe_totals``); the rare evaluation that fails them is done again, shifted.
        """
        if hessian and _loss_functions(loss)[1] is None:
            raise ValueError(f"{type(loss).__name__} has no Hessian.")
        coef = np.asarray(coef, dtype=np.float64)
        offset = np.asarray(offset, dtype=np.float64)
        host = [
            None if array is None else np.ascontiguousarray(array, dtype=self._compute_dtype)
            for array in (
                coef[:, 0] if self.n_outputs == 1 else coef,
                offset[0] if self.n_outputs == 1 else offset,
                shift,
            )
        ]
        # A line search whose steps no longer change the coefficients in X's dtype (float32)
        # asks for the same sums again: they are the last ones, not another pass.
        key = None
        if rows is None:
            key = (loss, hessian, *(None if array is None else array.tobytes() for array in host))
            if self._last is not None and _same_key(self._last[0], key):
                return copy.deepcopy(self._last[1])
        parameters = tuple(
            None if array is None else self.xp.asarray(array, device=self.device) for array in host
        )
        sums = self._evaluate(loss, parameters, hessian, rows)
        self._last = None if key is None else (key, copy.deepcopy(sums))
        return sums

    def _evaluate(self, loss, parameters, hessian, rows):
        xp = self.xp
        multinomial = isinstance(loss, MultinomialLoss)
        labels = self._class_labels() if multinomial else None
        for shifted in (False, True) if multinomial else (False,):
            self.n_evaluations += 1  # passes of evaluation over the data, a redone one too
            total, guards = None, []
            # Unshifted, NumPy-backed namespaces warn of what the guards then catch.
            with np.errstate(all="ignore") if multinomial and not shifted else nullcontext():
                for X_block, Y_block, weights, labels_block in self._parts(rows, labels):
                    part, guard = self._block_sums(
                        X_block,
                        Y_block,
                        weights,
                        loss,
                        parameters,
                        hessian,
                        shifted=shifted,
                        labels=labels_block,
                    )
                    total = part if total is None else total + part
                    if guard is not None:
                        guards.append(guard)
                vector = to_numpy(xp.concat([total, *guards]))
            if not guards:
                break
            vector, guard_values = vector[: -2 * len(guards)], vector[-2 * len(guards) :]
            low, high = _safe_totals(self._compute_dtype)
            if shifted or (np.all(guard_values >= low) and np.all(guard_values <= high)):
                break
        return self._unpack(vector, hessian, loss)

    def _class_labels(self):
        """Each row's class (integers on the device) where every row of ``Y`` is one-hot
        and the namespace has ``take_along_axis``; else None. Found once per seam."""
        if self._labels is _UNSET:
            xp, Y = self.xp, self._Y
            self._labels = None
            if Y.ndim == 2 and hasattr(xp, "take_along_axis"):
                one_hot = xp.all((Y == 0) | (Y == 1)) & xp.all(xp.sum(Y, axis=1) == 1)
                if bool(one_hot):
                    self._labels = xp.argmax(Y, axis=1)
        return self._labels

    def _parts(self, rows, labels=None):
        """``(X_block, Y_block, weights, labels_block)`` of the row blocks, or of ``rows``
        only (``labels_block`` is None where ``labels`` is)."""
        if rows is None:
            return (self._block(start, stop, labels) for start, stop in self._blocks())
        xp = self.xp
        index = xp.asarray(np.asarray(rows, dtype=np.int64), device=self.device)
        return [
            tuple(
                None if array is None else xp.take(array, index, axis=0)
                for array in (self.X, self._Y, self._weights, labels)
            )
        ]

    def _block(self, start, stop, labels=None):
        return tuple(
            None if array is None else array[start:stop, ...]
            for array in (self.X, self._Y, self._weights, labels)
        )

    def _block_sums(
        self, X_block, Y_block, weights, loss, parameters, hessian, *, shifted, labels
    ):
        """One block's sums, packed in one float64 vector on the device, and its guard
        (None but for the multinomial loss).

        ``parameters`` is ``(coef, offset, shift)`` on the device (``shift`` may be None).
        """
        xp = self.xp
        value_gradient, curvature_function = _loss_functions(loss)
        coef, offset, shift = parameters
        if shift is not None:
            X_block = X_block - shift
        torch = _fused(xp, self.device)
        if torch is not None and coef.ndim == 2:
            raw = torch.addmm(offset, X_block, coef)  # the offset added by the product
        else:
            raw = X_block @ coef + offset
        guard = None
        if isinstance(loss, MultinomialLoss):
            value, gradient, probability, guard = value_gradient(
                xp,
                Y_block,
                raw,
                weights,
                shifted=shifted,
                labels=labels,
                keep_probability=hessian,
            )
        else:
            value, gradient = value_gradient(xp, loss, Y_block, raw, weights)
        outputs = None
        if value.ndim == 1:  # one sum per output (separable outputs): appended at the end
            outputs, value = value, xp.sum(value)
        if gradient.ndim == 1:
            gradient = gradient[:, None]
        pieces = [
            xp.reshape(value, (1,)),
            xp.reshape(transpose_product(xp, X_block, gradient), (-1,)),
            column_sums(xp, gradient),
        ]
        if hessian:
            if isinstance(loss, MultinomialLoss):
                curvature = curvature_function(xp, probability)
            else:
                curvature = curvature_function(xp, loss, Y_block, raw)
            if curvature.ndim == 1:
                curvature = curvature[:, None]
            if weights is not None:
                curvature = curvature * weights[:, None]
            for column in range(curvature.shape[1]):
                weighted = X_block * curvature[:, column : column + 1]
                pieces.append(xp.reshape(transpose_product(xp, X_block, weighted), (-1,)))
            pieces.append(xp.reshape(transpose_product(xp, X_block, curvature).T, (-1,)))
            pieces.append(column_sums(xp, curvature))
        if outputs is not None:
            pieces.append(outputs)
        return xp.concat(pieces), guard

    def _unpack(self, vector, hessian, loss):
        p, k = self.n_features, self.n_outputs
        loss_outputs = None
        if k > 1 and getattr(loss, "separable_outputs", False):  # the loss per output, last
            vector, loss_outputs = vector[:-k], vector[-k:].copy()
        product_end = 1 + p * k
        sums = EvaluationSums(
            float(vector[0]),
            vector[1:product_end].reshape(p, k).copy(),
            vector[product_end : product_end + k].copy(),
            loss_outputs=loss_outputs,
        )
        if hessian:
            rest = vector[product_end + k :]
            columns = rest.size // (p * p + p + 1)
            sums.hessian_xx = rest[: columns * p * p].reshape(columns, p, p).copy()
            sums.hessian_x = rest[columns * p * p : columns * (p * p + p)].reshape(columns, p)
            sums.hessian_1 = rest[columns * (p * p + p) :].copy()
        return sums

    def scores(self, coef, offset, X=None):
        """Scores ``X coef + offset`` of shape (n_samples, n_outputs), on the device."""
        X = self.X if X is None else X
        dtype = numpy_dtype(X.dtype)
        return X @ self._host_vector(coef, dtype) + self._host_vector(offset, dtype)
