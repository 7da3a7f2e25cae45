"""Dask collections: fit on the chunks where they live, predict lazily.

This module implements the data seam of :mod:`sklinear._data` for Dask arrays and
DataFrames (:class:`DaskData`) and the two entry points the estimators route Dask input to:
:func:`fit_dask` and :func:`predict_dask`. Nothing here imports Dask at module level:
``import sklinear`` works without Dask, and Dask is imported only when a Dask collection is
given.

What runs where. The solver and all p-sized work run on the client in NumPy float64, as for
in-memory data. ``X`` is read only on the workers, chunk by chunk in cache-sized row blocks
by :func:`sklinear._data.block_evaluate` through :class:`~sklinear._data.InMemoryData`, and
each evaluation of the objective is one round trip (value and gradient together) that
brings back p-sized :class:`~sklinear._data.EvaluationSums`, which the client adds:

- Persisted chunks on a ``distributed`` cluster: the statistics graph also creates one
  :class:`_ChunkActor` per worker, holding references to the chunks that worker holds and
  their prepared targets (encoded, class weights applied; kept while small, see
  ``_TARGET_CACHE_FRACTION``). An evaluation calls every actor once, all calls in flight
  together: no graph, no task, no scheduler transitions, which cost a pass over a few
  chunks more than the chunks themselves. Should an actor call or the actors' creation
  fail (a worker lost), that pass and the rest of the fit are graphs, as below. The actors
  are released at the end of the fit (:meth:`DaskData.release`).
- Otherwise (lazily defined chunks, or without a distributed client) each evaluation sends
  one graph: for persisted chunks one task per worker thread, reading the chunks that
  worker holds (:func:`_chunk_groups`), for lazily defined chunks one task per chunk, each
  returning its sums (at most ``_SUM_FAN_IN`` of them: more are first added on the
  workers). The graph is built by hand (no tokenisation, no optimisation per evaluation);
  the chunks of ``X``, ``y`` and the weights are referenced by their keys, so persisted
  data are used where they are, and lazily defined data (read from files, generated on the
  workers) are recomputed chunk by chunk in each pass without ever being held whole.
  Targets are encoded and class weights applied inside the tasks. The futures of a pass's
  results are released after the next graph is submitted (:func:`_sum_over_chunks`).

A fit sends one graph for the classes (classifiers), one for the statistics (and the
actors), and one per evaluation that the actors do not answer; it asks the scheduler where
the persisted chunks are and how many threads each worker has (for each of the first two
graphs).
"""

import copy
import functools
import itertools
import numbers
import uuid
import warnings
from dataclasses import dataclass

import numpy as np

from ._data import EvaluationSums, InMemoryData, Statistics, scratch
from ._labels import check_target_largest, not_an_indicator, ravel_label_column

_SUM_FAN_IN = 16
# Whether evaluations on persisted chunks go through chunk actors (see _ChunkActor); the
# graphs are the fallback, and the only way for lazily defined chunks.
_USE_ACTORS = True
# Hessian blocks cross the network once per task: keep them to a few MB per task.
_HESSIAN_MAX_ROWS = 1000
_INSTALL_HINT = 'install it with: pip install "sklinear[dask]"'

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "sample")


# --- recognising Dask input without importing Dask ------------------------------------------
def _is_dask(obj):
    if obj is None or not hasattr(obj, "__dask_graph__"):
        return False
    module = type(obj).__module__.split(".")[0]
    return module in ("dask", "dask_expr", "dask_cudf")


def is_dask_collection(*objects):
    """Whether any of ``objects`` is a Dask collection (array, DataFrame, Series)."""
    return any(_is_dask(obj) for obj in objects)


def _import_dask():
    try:
        import dask
        import dask.array
    except ImportError:  # pragma: no cover - dask is installed in the test environment
        raise ImportError(
            f"A Dask collection was passed, but Dask could not be imported; {_INSTALL_HINT}."
        ) from None
    return dask


def _is_dataframe(obj):
    return _is_dask(obj) and hasattr(obj, "columns")


def _is_series(obj):
    return _is_dask(obj) and hasattr(obj, "to_dask_array") and not hasattr(obj, "columns")


# --- input validation ----------------------------------------------------------------------
def feature_names(frame):
    """Column names as an object array when they are all strings, else None; names that
    mix strings and other types raise scikit-learn's TypeError (as a pandas X does)."""
    names = np.asarray(list(frame.columns), dtype=object)
    types = sorted({type(name).__qualname__ for name in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. If you want "
            "feature names to be stored and validated, you must convert them all to "
            "strings, by using X.columns = X.columns.astype(str) for example. Otherwise "
            "you can remove feature / column names from your input data, or convert them "
            "all to a non-string data type."
        )
    if len(names) and all(isinstance(name, str) for name in names):
        return names
    return None


def _check_numeric_dtype(dtype, what):
    if dtype.kind not in "biuf":
        raise ValueError(
            f"{what} must be numeric; got dtype {dtype}. Encode categorical columns first "
            "(sklinear.preprocessing.DummyEncoder)."
        )


def _dask_matrix(X, estimator, reset, known_rows=True):
    """``X`` as a 2-d float Dask array with one column chunk; feature names checked/set."""
    dask = _import_dask()
    names = None
    if not _is_dask(X) and hasattr(X, "columns"):
        # A pandas (or polars) DataFrame with a Dask y or weights: its names and column
        # checks are those of a Dask DataFrame.
        import dask.dataframe

        if type(X).__module__.split(".")[0] != "pandas" and hasattr(X, "to_pandas"):
            X = X.to_pandas()
        X = dask.dataframe.from_pandas(X, npartitions=1)
    if _is_dataframe(X):
        names = feature_names(X)
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        for column, dtype in X.dtypes.items():
            if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype)):
                raise ValueError(
                    f"Column {column!r} of X must be numeric; got dtype {dtype}. Encode "
                    "categorical columns first (sklinear.preprocessing.DummyEncoder)."
                )
        dtypes = list(X.dtypes)
        if not all(isinstance(d, np.dtype) and d.kind in "iuf" for d in dtypes):
            # Boolean or nullable (Int64, Float64, boolean) columns: pandas would stack them
            # into an object array; as in memory, they are read as float64 (pd.NA as NaN,
            # which the finite check then reports).
            X = X.astype(np.float32 if all(d == np.float32 for d in dtypes) else np.float64)
        # Fitting needs the row count of each partition (one pass); predicting does not.
        X = X.to_dask_array(lengths=True if known_rows else None)
    elif _is_series(X):
        raise ValueError(
            "X must be 2-d (n_samples, n_features); got a Dask Series. Use "
            "series.to_frame() for a single feature."
        )
    elif not isinstance(X, dask.array.Array):
        X = dask.array.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-d Dask array (n_samples, n_features); got {X.ndim} dimension(s) "
            f"of shape {X.shape}. Reshape 1-d data with X.reshape(-1, 1)."
        )
    if known_rows and any(np.isnan(size) for size in X.shape):
        raise ValueError(
            "X has unknown chunk sizes (e.g. from a DataFrame's .values); call "
            "X.compute_chunk_sizes() or DataFrame.to_dask_array(lengths=True) first."
        )
    _check_numeric_dtype(X.dtype, "X")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if not isinstance(X._meta, np.ndarray):
        raise TypeError(
            f"Dask arrays of {type(X._meta).__name__} chunks are not supported; the chunks of "
            "X must be NumPy arrays (X.map_blocks(lambda b: b.toarray()) for sparse chunks)."
        )
    n_samples, n_features = X.shape
    name = type(estimator).__name__
    if reset:
        if n_samples < 1 or n_features < 1:
            raise ValueError(
                f"Found array with {n_samples} sample(s) and {n_features} feature(s) "
                f"while a minimum of 1 is required by {name}."
            )
        estimator.n_features_in_ = n_features
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    else:
        if n_features != estimator.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{estimator.n_features_in_} features as input."
            )
        fitted = getattr(estimator, "feature_names_in_", None)
        if names is not None and fitted is not None and not np.array_equal(names, fitted):
            raise ValueError(
                "The feature names should match those that were passed during fit; got "
                f"{list(names)[:5]}, expected {list(fitted)[:5]}."
            )
    if len(X.chunks[1]) > 1:
        # All columns of a row in one chunk: one task per row chunk.
        X = X.rechunk({1: -1})
    return X, names


def _dask_vector(values, X, what):
    """``y`` or the sample weights as a Dask array with the row chunks of ``X``."""
    dask = _import_dask()
    if _is_dataframe(values) or _is_series(values):
        with warnings.catch_warnings():
            # String labels become NumPy object chunks, as in memory: nothing to warn about.
            warnings.filterwarnings(
                "ignore", message="Dask currently has limited support for converting pandas"
            )
            values = values.to_dask_array(lengths=True)
    elif not isinstance(values, dask.array.Array):
        values = np.asarray(values)
        if values.ndim in (1, 2) and values.shape[0] == X.shape[0]:
            values = dask.array.from_array(values, chunks=(X.chunks[0],) + values.shape[1:])
    if values.ndim == 0 or values.ndim > 2:
        raise ValueError(f"{what} must be 1-d or 2-d; got shape {values.shape}.")
    if np.isnan(values.shape[0]):
        raise ValueError(
            f"{what} has unknown chunk sizes (e.g. from a DataFrame's .values); pass the "
            f"Dask Series itself, or call {what}.compute_chunk_sizes() first."
        )
    if values.shape[0] != X.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{X.shape[0]} rows, {what} has {values.shape[0]}."
        )
    chunks = (X.chunks[0],) + tuple((size,) for size in values.shape[1:])
    if values.chunks != chunks:
        values = values.rechunk(chunks)
    return values


def _class_labels(estimator, y, sample_weight):
    """Classes from ``y`` alone (one compute), checked as the in-memory fit checks them.

    Returns the encoder prototype (a small NumPy ``y`` holding every class), the
    per-class weights of ``class_weight`` (or None) and ``y`` (raveled if a column).
    """
    _import_dask()
    from sklearn.utils.multiclass import check_classification_targets

    y = ravel_label_column(estimator, y, stacklevel=4)
    if y.ndim == 2:
        values = _distinct_labels(y)[0]
        if values.dtype.kind not in "biuf" or not np.all(np.isin(values, (0, 1))):
            raise not_an_indicator(y, f"values {values[:5]}")
        if estimator.class_weight is not None:
            raise ValueError(
                "class_weight is not supported for multilabel targets; use sample_weight."
            )
        return np.zeros((0, y.shape[1])), None, y
    balanced_counts = estimator.class_weight == "balanced"
    try:
        classes, counts = _distinct_labels(y)
    except TypeError as error:  # labels that cannot be sorted (None among strings, mixed)
        estimator._raise_label_problem(y, error)
    if not (balanced_counts and sample_weight is None):
        counts = None
    check_classification_targets(classes)
    estimator._classes_from(classes)  # the "at least 2 classes" error of the in-memory fit
    table = None
    if estimator.class_weight is not None:
        if balanced_counts and counts is None:
            counts = _weighted_class_counts(y, sample_weight, classes)
        # The in-memory weights, computed from the per-class (weighted) counts.
        table = estimator._class_weights(classes, None if counts is None else counts)
    return classes, table, y


def _bincount_chunk(y_block, w_block, classes):
    index = np.searchsorted(classes, y_block)
    return np.bincount(index, weights=w_block, minlength=len(classes))[None, :]


def _weighted_class_counts(y, sample_weight, classes):
    """Per-class sums of the sample weights (one compute)."""
    partial = y.map_blocks(
        _bincount_chunk,
        sample_weight,
        classes=classes,
        chunks=((1,) * y.numblocks[0], (len(classes),)),
        new_axis=1,
        dtype=np.float64,
    )
    return partial.sum(axis=0).compute()


def _scaled_weights(sample_weight, largest=None):
    """The sample weights divided by the largest one, lazily, as in memory: the objective is
    normalised by their sum, so this changes nothing in the fit, and weights of any scale
    (1e306, 1e-320, 1e40 with float32 X) stay representable in the sums. Dask weights cost
    one compute (their largest value; ``largest`` when it is known). Weights whose largest
    value is not a positive number are left as they are, for the statistics to report."""
    if largest is None:
        largest = sample_weight.max().compute()
    largest = float(largest)
    if not (np.isfinite(largest) and largest > 0) or largest == 1:
        return sample_weight
    return sample_weight.astype(np.float64) / largest


def _check_weights_dtype(sample_weight):
    if sample_weight is not None:
        _check_numeric_dtype(sample_weight.dtype, "sample_weight")
        if sample_weight.ndim != 1:
            raise ValueError(
                f"sample_weight must be 1-d, one weight per sample; got shape "
                f"{sample_weight.shape}."
            )


# --- per-chunk work --------------------------------------------------------------------------
class _TargetPreparation:
    """Turns a chunk's raw ``y`` and weights into the encoded ``Y`` and effective weights.

    Runs inside the chunk tasks with a shell of the estimator that holds only what
    ``_encode_target`` reads (``classes_``, ``_multilabel``, ``_target_ndim``).
    """

    _STATE = ("classes_", "_multilabel", "_target_ndim")

    def __init__(self, estimator, class_table, columns=None):
        from sklearn.base import is_classifier

        shell = object.__new__(type(estimator))
        for name in self._STATE:
            if hasattr(estimator, name):
                setattr(shell, name, getattr(estimator, name))
        self.encoder = shell
        self.class_table = class_table
        self.regression = not is_classifier(estimator)
        self.columns = columns  # the columns of the encoded Y that are fitted (None: all)

    def __call__(self, y_block, w_block, dtype):
        Y = self.encoder._encode_target(y_block, fitting=False).astype(dtype, copy=False)
        if self.columns is not None:
            Y = Y[:, self.columns]
        weights = None if w_block is None else np.asarray(w_block, dtype=np.float64)
        if self.class_table is not None:
            per_sample = self.class_table[np.searchsorted(self.encoder.classes_, y_block)]
            weights = per_sample if weights is None else weights * per_sample
        if weights is not None:
            weights = weights.astype(dtype, copy=False)
        return Y, weights


@dataclass
class _Moments:
    """Weighted moments of one chunk, combinable (Chan et al.'s parallel update)."""

    weight_sum: float
    mean: np.ndarray  # (p,) weighted column means
    squares: np.ndarray  # (p,) sum_i s_i (x_i - mean)^2
    cross: np.ndarray  # (p, K) sum_i s_i (x_i - mean) y_i^T
    target_sum: np.ndarray  # (K,) sum_i s_i y_i
    finite: tuple  # (X, y, weights) all finite
    min_weight: float
    target_largest: float = 0.0  # max |y| of a regression target (0 for class labels)

    def __iadd__(self, other):
        total = self.weight_sum + other.weight_sum
        self.finite = tuple(a and b for a, b in zip(self.finite, other.finite, strict=True))
        self.min_weight = min(self.min_weight, other.min_weight)
        self.target_largest = max(self.target_largest, other.target_largest)
        if other.weight_sum == 0:
            return self
        if self.weight_sum == 0:
            self.weight_sum, self.mean, self.squares = total, other.mean, other.squares
            self.cross, self.target_sum = other.cross, other.target_sum
            return self
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.weight_sum / total)
        self.squares = (
            self.squares
            + other.squares
            + delta * delta * (self.weight_sum * other.weight_sum / total)
        )
        # sum s (x - mean) y^T = cross_c + (mean_c - mean) T_c^T for each part c
        self.cross = (
            self.cross
            + np.outer(self.mean - mean, self.target_sum)
            + other.cross
            + np.outer(other.mean - mean, other.target_sum)
        )
        self.target_sum = self.target_sum + other.target_sum
        self.mean = mean
        self.weight_sum = total
        return self


def _block_moments(X_block, Y, weights):
    """:class:`_Moments` of one row block (in cache): two passes keep large means accurate."""
    weights = np.ones(X_block.shape[0]) if weights is None else weights
    weight_sum = float(weights.sum())
    min_weight = float(weights.min()) if len(weights) else np.inf
    finite_weights = bool(np.isfinite(weight_sum))
    n_features = X_block.shape[1]
    if len(weights) == 0 or weight_sum == 0 or not finite_weights:
        zeros = np.zeros(n_features)
        finite_x = bool(np.isfinite(X_block.sum(dtype=np.float64)))
        finite_y = bool(np.isfinite(Y.sum()))
        return _Moments(
            0.0,
            zeros,
            zeros,
            np.zeros((n_features, Y.shape[1])),
            np.zeros(Y.shape[1]),
            (finite_x, finite_y, finite_weights),
            min_weight,
        )
    # float64 copy of the block in this thread's scratch buffer: no allocation per block.
    centred = scratch("centred", X_block.shape, np.float64)
    np.copyto(centred, X_block)
    mean = weights @ centred / weight_sum
    centred -= mean
    correction = weights @ centred / weight_sum  # a second pass keeps large means accurate
    centred -= correction
    mean += correction
    target_sum = weights @ Y
    cross = centred.T @ (weights[:, None] * Y)
    centred *= centred
    squares = weights @ centred
    finite = (
        bool(np.all(np.isfinite(squares)) and np.all(np.isfinite(mean))),
        bool(np.all(np.isfinite(target_sum))),
        finite_weights,
    )
    return _Moments(weight_sum, mean, squares, cross, target_sum, finite, min_weight)


def _chunk_moments(prepare, X_block, y_block, w_block):
    """:class:`_Moments` of one chunk, read in cache-sized row blocks (combined as Chan's)."""
    X_block = np.asarray(X_block)
    Y, weights = prepare(y_block, w_block, X_block.dtype)
    moments = _prepared_moments(X_block, Y, weights)
    if prepare.regression and np.size(y_block):
        # the raw target (float64), before its cast to X's dtype: the in-memory range check
        with np.errstate(invalid="ignore"):
            moments.target_largest = float(np.max(np.abs(np.asarray(y_block, np.float64))))
    return moments


def _prepared_moments(X_block, Y, weights):
    """:func:`_chunk_moments` of a chunk whose targets are prepared."""
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    weights = None if weights is None else np.asarray(weights, dtype=np.float64)
    if X_block.shape[0] == 0:
        return _block_moments(X_block, Y, weights)
    data = _ChunkData(X_block, Y, weights, n_jobs=1)

    def one_block(X_rows, Y_rows, weights_rows):
        if Y_rows.ndim == 1:  # InMemoryData keeps a one-column Y 1-d
            Y_rows = Y_rows[:, None]
        return _block_moments(X_rows, Y_rows, weights_rows)

    return data._map_blocks(one_block)


@dataclass
class _EvaluationCall:
    """What one evaluation sends to every chunk task (p-sized)."""

    prepare: object
    loss: object
    coef: np.ndarray
    offset: np.ndarray
    shift: np.ndarray
    hessian: bool


# Largest temporaries of one row block on a worker (see _ChunkData._blocks).
_TEMPORARY_BYTES = 96 << 10


class _ChunkData(InMemoryData):
    """One chunk on a worker, read in cache-sized row blocks as in memory.

    Chunks that travelled from the client inside a graph (``da.from_array``, scatter) or
    between workers can sit at unaligned addresses after deserialisation, where NumPy cannot
    call BLAS (a matrix-vector product ran 2.5x slower, a chunk evaluation 8x): such row
    blocks are copied, while they are in cache, into the thread's reused scratch buffer
    (:func:`sklinear._data.scratch`) before the products. Runs one thread (``n_jobs=1``): the block
    returned by :meth:`_block` is valid until the next call.
    """

    keep_scratch = True  # a worker thread reuses its buffers from task to task

    def _blocks(self, min_rows=0):
        """Row blocks as in memory, shorter for several outputs.

        The scores and gradients of a block (rows x outputs) stay under the mmap threshold
        that distributed's nanny pins at 128 KiB (see :func:`sklinear._data.scratch`).
        Softmax on W3 (K = 10): 4.3 ms a chunk with the in-memory 1 MiB blocks under the
        nanny's malloc setting, 3.2 ms with these.
        """
        blocks = super()._blocks(min_rows)
        if self.n_outputs == 1 or not blocks:
            return blocks
        cap = max(64, min_rows, _TEMPORARY_BYTES // (8 * self.n_outputs))
        if blocks[0][1] - blocks[0][0] <= cap:
            return blocks
        return [
            (start, min(start + cap, self.n_samples)) for start in range(0, self.n_samples, cap)
        ]

    def _block(self, start, stop):
        X_block, Y_block, weights = super()._block(start, stop)
        if not X_block.flags.aligned:
            aligned = scratch("rows", X_block.shape, X_block.dtype)
            np.copyto(aligned, X_block)
            X_block = aligned
        return X_block, Y_block, weights


def _chunk_evaluate(call, X_block, y_block, w_block):
    X_block = np.asarray(X_block)
    Y, weights = call.prepare(y_block, w_block, X_block.dtype)
    return _prepared_evaluate(call, X_block, Y, weights)


def _prepared_evaluate(call, X_block, Y, weights):
    """:func:`_chunk_evaluate` of a chunk whose targets are prepared."""
    data = _ChunkData(X_block, Y, weights, n_jobs=1)
    return data.evaluate(call.loss, call.coef, call.offset, shift=call.shift, hessian=call.hessian)


# Prepared targets (encoded, weighted) are kept by a chunk actor while they take at most
# this fraction of the bytes of their chunk of X; larger ones (one-hot targets of many
# classes) are prepared again in each pass, as in the tasks.
_TARGET_CACHE_FRACTION = 0.5


class _ChunkActor:
    """The persisted chunks of one worker, held for the evaluations of one fit.

    A distributed actor (one per worker, created with the statistics graph, see
    :meth:`DaskData.statistics`): an evaluation calls its :meth:`evaluate` directly, with
    no graph, no task and no scheduler transitions, which is most of the cost of a pass
    that reads a few chunks. It holds references to the chunks of ``X`` that the worker
    already holds (no copy) and their prepared targets (encoded, class weights applied:
    prepared once per fit instead of once per pass, while they are small, see
    ``_TARGET_CACHE_FRACTION``). ``sizes`` splits the chunks into the worker's groups
    (:func:`_chunk_groups`, one per thread): several groups are evaluated in as many
    threads of the actor's own pool, since the worker runs an actor's calls in one thread.
    """

    def __init__(self, prepare, sizes, X_chunks, y_chunks, w_chunks):
        from concurrent.futures import ThreadPoolExecutor

        self.prepare = prepare
        chunks = []
        for X_block, y_block, w_block in zip(X_chunks, y_chunks, w_chunks, strict=True):
            X_block = np.asarray(X_block)
            Y, weights = prepare(y_block, w_block, X_block.dtype)
            prepared_bytes = Y.nbytes + (0 if weights is None else weights.nbytes)
            if prepared_bytes <= _TARGET_CACHE_FRACTION * X_block.nbytes:
                chunks.append((X_block, None, None, (Y, weights)))
            else:
                chunks.append((X_block, y_block, w_block, None))
        bounds = np.cumsum([0, *sizes])
        self.groups = [chunks[start:stop] for start, stop in itertools.pairwise(bounds)]
        self._pool = ThreadPoolExecutor(len(self.groups)) if len(self.groups) > 1 else None

    @property
    def n_cached(self):
        """How many of the chunks have their prepared targets kept."""
        return sum(chunk[3] is not None for group in self.groups for chunk in group)

    def _targets(self, chunk):
        X_block, y_block, w_block, targets = chunk
        return targets if targets is not None else self.prepare(y_block, w_block, X_block.dtype)

    def evaluate(self, call):
        """:class:`~sklinear._data.EvaluationSums` of the chunks, as :func:`_chunk_evaluate`."""

        def group_sums(group):
            return _add_all(
                [_prepared_evaluate(call, chunk[0], *self._targets(chunk)) for chunk in group]
            )

        if self._pool is None:
            parts = [group_sums(group) for group in self.groups]
        else:
            parts = list(self._pool.map(group_sums, self.groups))
        return _add_all(parts)


def _add_all(parts):
    """Sum of partial results (``+=`` on a copy of the first).

    Non-finite parts add up silently, on the client as on the workers: the callers check
    the totals (the statistics raise a clear error for NaN or infinity in the data).
    """
    total = copy.deepcopy(parts[0])
    with np.errstate(invalid="ignore", over="ignore"):
        for part in parts[1:]:
            total += part
    return total


# Task names: ``key_split`` (the scheduler's task prefix, under which it learns durations)
# keeps "sklinear_evaluate" whole, so evaluations, moments and sums are told apart.
_TASK_LABELS = {
    "_chunk_evaluate": "sklinear_evaluate",
    "_chunk_moments": "sklinear_moments",
    "_chunk_labels": "sklinear_labels",
}


def _distributed_client(collection):
    """The ``distributed.Client`` that computes ``collection``, or None (local schedulers)."""
    dask = _import_dask()
    get = dask.base.get_scheduler(collections=[collection])
    client = getattr(get, "__self__", None)
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is installed with the dask extra
        return None
    return client if isinstance(client, Client) else None


def _chunk_groups(client, graph, keys):
    """The chunks (indices into ``keys``) grouped for one task each: ``[(worker, [i, ...])]``.

    Persisted chunks (futures in ``graph``) are grouped by the worker holding them, into as
    many groups as that worker has threads (contiguous runs): a task then reads several
    chunks, and an evaluation costs a few tasks instead of one per chunk (each task costs the
    scheduler and the worker a few milliseconds). Persisted chunks still being computed
    (``persist`` returns at once) are waited for first: the first pass needs them anyway.
    Chunks computed inside the graph, and all chunks without a distributed client, are a
    group each (``worker`` None). Asks the scheduler twice (where the chunks are, the
    threads per worker): once per fit.
    """
    singletons = [(None, [index]) for index in range(len(keys))]
    if client is None:
        return singletons
    from distributed import Future, wait

    futures = [graph.get(key) for key in keys]
    if not all(isinstance(future, Future) for future in futures):
        return singletons
    wait(futures)
    holders = client.who_has(futures)
    threads = client.nthreads()
    by_worker, groups = {}, []
    for index, key in enumerate(keys):
        where = [worker for worker in holders.get(key, ()) if worker in threads]
        if where:
            by_worker.setdefault(where[0], []).append(index)
        else:
            groups.append((None, [index]))
    for worker, indices in by_worker.items():
        parts = min(len(indices), max(1, threads[worker]))
        size = -(-len(indices) // parts)
        groups.extend(
            (worker, indices[start : start + size]) for start in range(0, len(indices), size)
        )
    return groups


def _over_chunks(function, argument, *chunk_lists):
    """``function(argument, *chunk)`` for each chunk of a group, summed (``+=``)."""
    total = None
    for chunk in zip(*chunk_lists, strict=True):
        result = function(argument, *chunk)
        if total is None:
            total = result
        else:
            total += result
    return total


def _sum_over_chunks(graph, tasks, name, collection, workers=None, held=None, actors=None):
    """Compute ``tasks`` and the sum of their results: one graph, one round trip.

    ``graph`` holds the (culled) graphs of the collections the tasks read, whose keys the
    tasks name; persisted chunks are futures there and are used where they are. With up to
    ``_SUM_FAN_IN`` tasks their results (p-sized) come back as they are and the client adds
    them: a sum task would cost one more hop (a transfer between workers and a task) per
    evaluation, 5 ms on the benchmarks' cluster. More tasks are first added on the workers,
    in a tree of fan-in ``_SUM_FAN_IN``. ``workers`` (one address or None per task) pins a
    task to the worker holding its chunks (a loose restriction: another worker takes it if
    that one is gone), so that the scheduler never moves a chunk to balance tasks whose
    duration it does not know yet.

    ``held`` (a list, distributed schedulers only) keeps the futures of this pass's results
    until the next pass has been submitted: releasing them at once would put the release
    message on the client's batched stream just before the next graph, which then waits
    for the stream's interval (10 ms), and the scheduler's ``free-keys`` just before the
    next tasks on its stream to the worker (5 ms). Submitted first, the next graph goes out
    at once and the releases follow it (see :meth:`DaskData.release`).

    ``actors`` (distributed schedulers only): ``{key: (task, worker)}`` of actors to create
    in the same graph (see :class:`_ChunkActor`); the result is then ``(sum, futures,
    actors)``, the futures of the actors' keys and their handles, in the order of
    ``actors``.
    """
    dask = _import_dask()
    parts = {}
    workers = [None] * len(tasks) if workers is None else workers
    level = []
    for index, (task, worker) in enumerate(zip(tasks, workers, strict=True)):
        key = (name, index)
        parts.setdefault(worker, {})[key] = task
        level.append(key)
    for key, (task, worker) in (actors or {}).items():
        parts.setdefault(worker, {})[key] = task
    sums = {}
    depth = 0
    sum_name = name.replace("sklinear_", "sklinear_sum_", 1)
    while len(level) > _SUM_FAN_IN:
        depth += 1
        next_level = []
        for start in range(0, len(level), _SUM_FAN_IN):
            key = (f"{sum_name}-{depth}", start)
            sums[key] = (_add_all, level[start : start + _SUM_FAN_IN])
            next_level.append(key)
        level = next_level
    get = dask.base.get_scheduler(collections=[collection])
    if set(parts) == {None}:
        graph = {**graph, **parts[None], **sums}
    else:
        from dask.highlevelgraph import HighLevelGraph, MaterializedLayer

        layers = {"inputs": MaterializedLayer(dict(graph))}
        dependencies = {"inputs": set()}
        for number, (worker, part) in enumerate(parts.items()):
            annotations = None
            if worker is not None:
                annotations = {"workers": [worker], "allow_other_workers": True}
            layers[f"{name}-part{number}"] = MaterializedLayer(part, annotations=annotations)
            dependencies[f"{name}-part{number}"] = {"inputs"}
        if sums:
            layers[sum_name] = MaterializedLayer(sums)
            dependencies[sum_name] = set(layers) - {"inputs", sum_name}
        graph = HighLevelGraph(layers, dependencies)
    client = _distributed_client(collection)
    if actors:
        futures = client.get(graph, level + list(actors), sync=False, actors=tuple(actors))
        results = client.gather(futures)
        count = len(level)
        return _add_all(results[:count]), futures[count:], results[count:]
    if held is None or client is None:
        results = get(graph, level)
    else:
        futures = client.get(graph, level, sync=False)
        held[:] = futures  # the previous pass's futures are released after this submission
        results = client.gather(futures)
    return _add_all(list(results))


class _Labels:
    """The distinct values of some labels and how often each occurs (summable)."""

    def __init__(self, values, counts):
        self.values = values
        self.counts = counts

    def __iadd__(self, other):
        values = np.concatenate([self.values, other.values])
        counts = np.concatenate([self.counts, other.counts])
        self.values, inverse = np.unique(values, return_inverse=True)
        self.counts = np.bincount(
            inverse.ravel(), weights=counts, minlength=len(self.values)
        ).astype(np.int64)
        return self


def _chunk_labels(_, y_block):
    values, counts = np.unique(np.asarray(y_block), return_counts=True)
    return _Labels(values, counts.astype(np.int64))


def _distinct_labels(y):
    """``(values, counts)`` of the labels of a Dask array ``y``, as ``numpy.unique``: one graph.

    A hand-built graph (one ``numpy.unique`` per chunk and a tree of merges) costs one round
    trip without the optimisation passes of ``dask.array.unique``.
    """
    from dask.core import flatten

    keys = list(flatten(y.__dask_keys__()))
    graph = dict(y.__dask_graph__().cull(set(keys)))
    groups = _chunk_groups(_distributed_client(y), graph, keys)
    tasks = [
        (_over_chunks, _chunk_labels, None, [keys[i] for i in indices]) for _, indices in groups
    ]
    name = f"{_TASK_LABELS['_chunk_labels']}-{uuid.uuid4().hex[:12]}"
    labels = _sum_over_chunks(graph, tasks, name, y, [worker for worker, _ in groups])
    return labels.values, labels.counts


class _Gathered:
    """An n-sized Dask vector that becomes NumPy when the client needs its values.

    The objective reads ``Y`` and the weights on the client only to start the absolute and
    Huber losses from the weighted median (and the continuation's scale): those fits gather
    the target once (n floats, never ``X``).
    """

    def __init__(self, array):
        self.lazy = array
        self.shape, self.ndim, self.dtype = array.shape, array.ndim, array.dtype
        self._values = None

    def _numpy(self):
        if self._values is None:
            self._values = np.asarray(self.lazy.compute())
        return self._values

    def __array__(self, dtype=None, copy=None):
        values = self._numpy()
        return values if dtype is None else values.astype(dtype)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        return self._numpy()[key]

    def __sub__(self, other):
        return self._numpy() - other

    def __rsub__(self, other):
        return other - self._numpy()


# --- the seam ----------------------------------------------------------------------------------
class DaskData:
    """The data seam over Dask arrays: row chunks on the workers, p-sized sums on the client.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        float32 or float64, one chunk along the columns.
    y : dask.array.Array of shape (n_samples,) or (n_samples, n_labels)
        Raw targets with the row chunks of ``X`` (encoded in the chunk tasks).
    sample_weight : dask.array.Array of shape (n_samples,) or None
        Raw sample weights with the row chunks of ``X``.
    prepare : callable
        ``prepare(y_block, w_block, dtype) -> (Y_block, weights_block)``.
    n_outputs : int
        Columns of the encoded target.

    Attributes
    ----------
    n_graphs : int
        Graphs sent to the scheduler (each one round trip): one for the statistics (which
        also creates the chunk actors of persisted chunks), one per evaluation that the
        actors do not answer.
    n_actor_calls : int
        Evaluations answered by the chunk actors (each one round trip).
    """

    sparse = False
    can_shift = True

    def __init__(self, X, y, sample_weight, prepare, n_outputs, encoded_ndim=None):
        from dask.core import flatten

        _import_dask()
        collections = [X, y] if sample_weight is None else [X, y, sample_weight]
        self.X = X
        self._y = y
        self._weights = sample_weight
        self.prepare = prepare
        self.n_samples, self.n_features = X.shape
        self.n_outputs = n_outputs
        self.encoded_ndim = encoded_ndim if encoded_ndim is not None else min(2, n_outputs)
        self.dtype = X.dtype
        self.n_graphs = 0
        graph = {}
        for collection in collections:
            # Culled, not optimised: optimising drops the futures of persisted collections.
            keys = set(flatten(collection.__dask_keys__()))
            graph.update(dict(collection.__dask_graph__().cull(keys)))
        self._graph = graph
        x_keys = [row[0] for row in X.__dask_keys__()]
        y_keys = [key if y.ndim == 1 else key[0] for key in y.__dask_keys__()]
        w_keys = (
            [None] * len(x_keys) if sample_weight is None else list(sample_weight.__dask_keys__())
        )
        # Empty row chunks (a filter's, a slice's) add nothing to any sum: left out.
        chunk_keys = zip(x_keys, y_keys, w_keys, strict=True)
        self._chunk_keys = [
            keys for keys, rows in zip(chunk_keys, X.chunks[0], strict=True) if rows
        ]
        self._name = uuid.uuid4().hex[:12]
        self._counter = itertools.count()
        self._groups = None  # chunks per task: found at the first pass (_chunk_groups)
        self._held = []  # the futures of the last pass's results (see _sum_over_chunks)
        # The chunk actors of this fit (see _ChunkActor): None until the statistics pass
        # creates them, [] where the passes are graphs (lazily defined chunks, no
        # distributed client, or the actors failed).
        self._actors = None
        self._actor_futures = []
        self.n_actor_calls = 0

    @property
    def supports_hessian(self):
        """Newton's p x p blocks travel once per task: allowed for moderate p only."""
        return self.n_features * self.n_outputs <= _HESSIAN_MAX_ROWS

    @property
    def weighted(self):
        """Whether the rows carry weights (sample or class weights; else each weighs 1)."""
        return self._weights is not None or self.prepare.class_table is not None

    def every(self, step):
        """The data of every ``step``-th row, as Dask arrays sliced lazily (nothing is
        gathered: a pass over them runs on the workers, as over the whole data); the rows
        of :meth:`InMemoryData.every`."""
        weights = None if self._weights is None else self._weights[::step]
        return DaskData(
            self.X[::step],
            self._y[::step],
            weights,
            self.prepare,
            self.n_outputs,
            encoded_ndim=self.encoded_ndim,
        )

    def _per_row(self, function, encoded_ndim):
        """``function(y_block, w_block, prepare, dtype_out)`` over the row chunks, lazily."""
        from dask.array import blockwise

        y = self._y
        y_index = "ij"[: y.ndim]
        weights = (self._weights, "i") if self._weights is not None else (None, None)
        out_index = "ij"[:encoded_ndim]
        new_axes = {"j": self.n_outputs} if encoded_ndim > y.ndim else None
        return blockwise(
            function,
            out_index,
            y,
            y_index,
            *weights,
            prepare=self.prepare,
            dtype_out=self.dtype,
            dtype=self.dtype,
            new_axes=new_axes,
            concatenate=True,
        )

    @property
    def Y(self):
        """The encoded target, gathered only if the client reads its values."""
        return _Gathered(self._per_row(_prepared_target, self.encoded_ndim))

    @property
    def sample_weight(self):
        """The effective weights (sample weights times class weights), or None."""
        if self._weights is None and self.prepare.class_table is None:
            return None
        return _Gathered(self._per_row(_prepared_weights, 1))

    def _run(self, function, argument):
        """``function(argument, X_block, y_block, w_block)`` over the chunks, summed.

        One round trip: a graph with one task per group of chunks (see
        :func:`_chunk_groups`) and a tree of sums, or for the evaluations, where the
        statistics pass created chunk actors, one call of each actor. Should an actor call
        fail (a worker lost), the pass and the rest of the fit run as graphs.
        """
        client = _distributed_client(self.X)
        if self._groups is None:
            self._groups = _chunk_groups(
                client, self._graph, [keys[0] for keys in self._chunk_keys]
            )
        if self._actors and function is _chunk_evaluate:
            try:
                return self._actor_pass(argument)
            except Exception:  # noqa: BLE001 - the graph below raises what is not the actors'
                self._drop_actors()
        label = _TASK_LABELS.get(function.__name__, "sklinear_task")
        tasks, workers = [], []
        for worker, indices in self._groups:
            columns = zip(*(self._chunk_keys[index] for index in indices), strict=True)
            tasks.append((_over_chunks, function, argument, *(list(keys) for keys in columns)))
            workers.append(worker)
        name = f"{label}-{self._name}-{next(self._counter)}"
        actors = None
        if self._actors is None and function is _chunk_moments:
            actors = self._actor_tasks(client)
        if actors:
            self.n_graphs += 1
            try:
                total, self._actor_futures, self._actors = _sum_over_chunks(
                    self._graph, tasks, name, self.X, workers, actors=actors
                )
                return total
            except Exception:  # noqa: BLE001 - the graph below raises what is not the actors'
                self._drop_actors()
                name = f"{label}-{self._name}-{next(self._counter)}"
        self.n_graphs += 1
        return _sum_over_chunks(self._graph, tasks, name, self.X, workers, self._held)

    def _actor_tasks(self, client):
        """``{key: (task, worker)}`` creating one :class:`_ChunkActor` per worker, or None.

        Only for chunks that are all persisted on the workers of a distributed client (and
        ``_USE_ACTORS``): lazily defined chunks are computed in each pass, never held.
        """
        self._actors = []
        if not _USE_ACTORS or client is None:
            return None
        by_worker = {}
        for worker, indices in self._groups:
            if worker is None:
                return None
            by_worker.setdefault(worker, []).append(indices)
        actors = {}
        for number, (worker, groups) in enumerate(by_worker.items()):
            indices = [index for group in groups for index in group]
            columns = zip(*(self._chunk_keys[index] for index in indices), strict=True)
            sizes = [len(group) for group in groups]
            task = (_ChunkActor, self.prepare, sizes, *(list(keys) for keys in columns))
            actors[(f"sklinear_actor-{self._name}", number)] = (task, worker)
        return actors

    def _actor_pass(self, call):
        """One evaluation by the chunk actors: one call each, all in flight together."""
        self.n_actor_calls += 1
        futures = [actor.evaluate(call) for actor in self._actors]
        return _add_all([future.result() for future in futures])

    def _drop_actors(self):
        """Release the chunk actors now. Each handle holds a future of its actor, and every
        call leaves the handle in a reference cycle (distributed's retry closure), which
        only the cyclic garbage collector would free: their futures are released here."""
        for actor in self._actors or ():
            future = getattr(actor, "_future", None)
            if future is not None:
                future.release()
        for future in self._actor_futures:
            future.release()
        self._actors = []
        self._actor_futures = []

    def release(self):
        """Release what the passes hold on the cluster: the last results, the actors."""
        self._held.clear()
        self._drop_actors()

    def statistics(self):
        """Weighted moments (float64) in one graph; checks X, y and the weights on the way."""
        moments = self._run(_chunk_moments, self.prepare)
        finite_x, finite_y, finite_weights = moments.finite
        # The check reads the chunks' sums: values whose squares overflow float64 fail it too.
        if not finite_x:
            raise ValueError(
                "Input X contains NaN or infinity, or values so large (above about 1e150) "
                "that their squares overflow float64 (found in a chunk of X). Remove or "
                "impute the missing values, or rescale the columns."
            )
        # as in memory (regression targets; before their cast to a float32 X's dtype)
        check_target_largest(moments.target_largest)
        if not finite_y:
            raise ValueError(
                "Input y contains NaN or infinity, or values so large that their sum "
                "overflows float64 (found in a chunk of y)."
            )
        if not finite_weights or moments.min_weight < 0:
            raise ValueError("sample_weight must be finite and non-negative.")
        weight_sum = moments.weight_sum
        if not weight_sum > 0:
            raise ValueError("The sample weights sum to zero: at least one must be positive.")
        mean = moments.mean
        variance = np.maximum(moments.squares / weight_sum, 0.0)
        variance[variance <= (np.finfo(np.float64).eps * 1e3 * mean) ** 2] = 0.0
        target_mean = moments.target_sum / weight_sum
        target_product = moments.cross / weight_sum + mean[:, None] * target_mean[None, :]
        return Statistics(weight_sum, mean, variance, target_mean, target_product)

    def evaluate(self, loss, coef, offset, *, shift=None, hessian=False, rows=None):
        """Sums of one evaluation (see :meth:`InMemoryData.evaluate`): one graph."""
        if rows is not None:
            raise NotImplementedError(
                "Mini-batches of Dask data are not supported: use partial_fit over the chunks."
            )
        call = _EvaluationCall(
            self.prepare,
            loss,
            np.asarray(coef, dtype=np.float64),
            np.asarray(offset, dtype=np.float64),
            None if shift is None else np.asarray(shift, dtype=np.float64),
            bool(hessian),
        )
        sums = self._run(_chunk_evaluate, call)
        if not isinstance(sums, EvaluationSums):  # pragma: no cover - defensive
            raise TypeError(f"unexpected evaluation result {type(sums).__name__}")
        return sums

    def scores(self, coef, offset, X=None):
        """Lazy scores ``X coef + offset`` of shape (n_samples, n_outputs)."""
        X = self.X if X is None else X
        coef = np.asarray(coef)
        return X.map_blocks(
            _block_scores,
            coef=coef,
            offset=np.asarray(offset),
            dtype=X.dtype,
            chunks=(X.chunks[0], (coef.shape[1],)),
        )


def _prepared_target(y_block, w_block, prepare, dtype_out):
    return prepare(y_block, w_block, dtype_out)[0]


def _prepared_weights(y_block, w_block, prepare, dtype_out):
    weights = prepare(y_block, w_block, dtype_out)[1]
    return np.ones(len(y_block), dtype=dtype_out) if weights is None else weights


def _block_scores(X_block, coef, offset):
    return X_block @ coef.astype(X_block.dtype, copy=False) + offset


# --- fit ---------------------------------------------------------------------------------------
def fit_dask(estimator, X, y, sample_weight=None):
    """``estimator.fit`` on Dask collections: X stays on the workers (see module doc).

    Parameters
    ----------
    estimator : BaseGradientLinearModel
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
    y : dask.array.Array, dask Series or array-like of shape (n_samples,) or (n_samples, k)
    sample_weight : dask.array.Array, array-like, float or None

    Returns
    -------
    estimator : BaseGradientLinearModel
        Fitted.
    """
    from sklearn.base import is_classifier
    from sklearn.utils import check_random_state

    from ._fit import STOCHASTIC_SOLVERS

    validate = getattr(estimator, "_validate_parameters", None)
    if validate is not None:
        validate()
    name = type(estimator).__name__
    if estimator.solver in STOCHASTIC_SOLVERS:
        raise ValueError(
            f"{name}(solver={estimator.solver!r}) cannot fit Dask collections: the stochastic "
            "solvers draw rows at random. Use a full-batch solver ('auto', 'lbfgs', 'gd', "
            "'newton'), or stream the chunks through partial_fit, e.g. with "
            "dask_ml.wrappers.Incremental(estimator)."
        )
    X, _ = _dask_matrix(X, estimator, reset=True)
    y = _dask_vector(y, X, "y")
    given_weights = sample_weight
    if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
        sample_weight = _dask_vector(sample_weight, X, "sample_weight")
    elif sample_weight is not None:
        sample_weight = _dask_vector(np.full(X.shape[0], float(sample_weight)), X, "sample_weight")
    _check_weights_dtype(sample_weight)
    if sample_weight is not None:
        # weights given on the client: their largest value is found there, without a compute
        largest = None if _is_dask(given_weights) else np.max(given_weights)
        sample_weight = _scaled_weights(sample_weight, largest)
    class_table = None
    if is_classifier(estimator):
        prototype, class_table, y = _class_labels(estimator, y, sample_weight)
    else:
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"{name} needs a numeric target; got y of dtype {y.dtype}. For class labels "
                "use GDLogisticClassifier or SoftmaxClassifier."
            )
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError("y has no target columns.")
        prototype = np.zeros((0,) + y.shape[1:])
    # Learns classes_ / the output layout from a NumPy y holding every class.
    encoded = estimator._encode_target(prototype, fitting=True)
    n_outputs = 1 if encoded.ndim == 1 else encoded.shape[1]

    # classes of zero total weight are left out (SoftmaxClassifier; one compute)
    def class_totals():
        counts = _weighted_class_counts(y, sample_weight, prototype)
        return counts if class_table is None else counts * class_table

    weighted = (class_table is not None and np.any(class_table == 0)) or sample_weight is not None
    columns = estimator._record_fitted_classes(class_totals if weighted else None)
    if columns is not None:
        n_outputs = len(columns)
    estimator._check_solver()
    if class_table is not None and np.max(class_table) > 0:
        # as in memory, the products with the class weights stay at most 1 (float32 data)
        class_table = class_table / np.max(class_table)
    prepare = _TargetPreparation(estimator, class_table, columns)
    data = DaskData(X, y, sample_weight, prepare, n_outputs, encoded.ndim)
    try:
        objective = estimator._make_objective(None, None, None, data=data)
        theta0 = estimator._initial_theta(objective)
        seed = check_random_state(estimator.random_state).randint(np.iinfo(np.int32).max)
        result = estimator._minimise(objective, theta0, None, seed, state=None)
    finally:
        data.release()
    estimator._store(objective, result)
    estimator.validation_scores_ = None
    estimator.n_graphs_ = data.n_graphs
    if not result.converged:
        estimator._warn_not_converged(result)
    return estimator


# --- predict -----------------------------------------------------------------------------------
def _predict_block(X_block, estimator, method, names, args, kwargs, seeds, meta, block_info=None):
    if X_block.shape[0] == 0:
        # An empty chunk (a filter's): its empty result, where the in-memory method would
        # refuse a 0-row X.
        return np.empty((0,) + meta.shape[1:], dtype=meta.dtype)
    if names is not None:
        import pandas as pd

        X_block = pd.DataFrame(X_block, columns=names)
    if seeds is not None:
        kwargs = dict(kwargs, random_state=int(seeds[block_info[0]["chunk-location"][0]]))
    # The method travels by name: the public methods are wrapped (Dask routing, device
    # outputs), so a function object would not pickle by reference.
    return getattr(estimator, method)(X_block, *args, **kwargs)


def predict_dask(estimator, method, X, *args, **kwargs):
    """``method(estimator, X, ...)`` mapped lazily over the row chunks of a Dask ``X``.

    The result is a Dask array whose chunk ``i`` is the in-memory method applied to row chunk
    ``i``. With a ``random_state`` (``sample``), chunk ``i`` draws with the ``i``-th seed
    of ``check_random_state(random_state).randint(2**31 - 1, size=n_chunks)``.
    """
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    X, names = _dask_matrix(X, estimator, reset=False, known_rows=False)
    fitted_names = getattr(estimator, "feature_names_in_", None)
    # The probe below carries X's names, so that the in-memory method warns (once, here)
    # about names present on one side only, as scikit-learn does.
    probe_names = names
    names = fitted_names if names is not None else None
    seeds = None
    if "random_state" in kwargs or method.__name__ == "sample":
        rng = check_random_state(kwargs.pop("random_state", None))
        seeds = rng.randint(np.iinfo(np.int32).max, size=X.numblocks[0])
    probe_kwargs = dict(kwargs, random_state=0) if seeds is not None else kwargs
    probe = np.zeros((1, X.shape[1]), dtype=X.dtype)
    if probe_names is not None:
        import pandas as pd

        probe = pd.DataFrame(probe, columns=probe_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) of a probe row is harmless
        meta = np.asarray(method(estimator, probe, *args, **probe_kwargs))
    block = functools.partial(
        _predict_block,
        estimator=estimator,
        method=method.__name__,
        names=names,
        args=args,
        kwargs=kwargs,
        seeds=seeds,
        meta=meta,
    )
    if meta.ndim == 1:
        return X.map_blocks(block, dtype=meta.dtype, drop_axis=1, chunks=(X.chunks[0],))
    return X.map_blocks(block, dtype=meta.dtype, chunks=(X.chunks[0], (meta.shape[1],)))


def score_dask(estimator, X, y, sample_weight=None):
    """Accuracy (classifiers) or R^2 (regressors) of Dask input: one compute of n-sized vectors.

    The predictions, ``y`` and the weights are computed together and the score is
    scikit-learn's metric on them; ``X`` itself is never gathered.
    """
    dask = _import_dask()
    from sklearn.base import is_classifier
    from sklearn.metrics import accuracy_score, r2_score

    def as_array(values):
        if _is_dataframe(values) or _is_series(values):
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message="Dask currently has limited support for converting pandas"
                )
                return values.to_dask_array()
        return values

    prediction = estimator.predict(X)
    prediction, y, sample_weight = dask.compute(prediction, as_array(y), as_array(sample_weight))
    y = np.asarray(y)
    if len(y) != len(prediction):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{len(prediction)} rows, y has {len(y)}."
        )
    metric = accuracy_score if is_classifier(estimator) else r2_score
    return float(metric(y, prediction, sample_weight=sample_weight))


def route_dask_input(cls):
    """Make the public predict methods and ``score`` of ``cls`` accept Dask collections.

    Methods defined on ``cls`` itself are wrapped once; NumPy input goes straight to the
    original method.
    """
    for name in PREDICT_METHODS:
        method = cls.__dict__.get(name)
        if not callable(method) or getattr(method, "_routes_dask", False):
            continue
        setattr(cls, name, _dask_method(method))
    for base in cls.__mro__:
        score = base.__dict__.get("score")
        if score is not None:
            if not getattr(score, "_routes_dask", False):
                cls.score = _dask_score(score)
            break
    return cls


def _dask_method(method):
    @functools.wraps(method)
    def routed(self, X, *args, **kwargs):
        if _is_dask(X):
            return predict_dask(self, method, X, *args, **kwargs)
        return method(self, X, *args, **kwargs)

    routed._routes_dask = True
    return routed


def _dask_score(score):
    @functools.wraps(score)
    def routed(self, X, y, sample_weight=None):
        if is_dask_collection(X, y, sample_weight):
            return score_dask(self, X, y, sample_weight)
        return score(self, X, y, sample_weight=sample_weight)

    routed._routes_dask = True
    return routed
