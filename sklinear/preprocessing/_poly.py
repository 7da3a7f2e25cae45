"""PolyFeatures: polynomial and interaction features, each degree built from the last."""

from collections.abc import Sequence
from itertools import chain, combinations, combinations_with_replacement, groupby
from math import comb, lgamma, log
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._array_api import record_n_features, to_numpy
from .._compat import _fit_context
from .._labels import validate_numeric
from .._resources import check_memory
from ._array_api import (
    check_same_namespace,
    foreign_namespace,
    namespace_record,
    polynomial_terms,
    validate_foreign,
)
from ._base import _is_polars_frame, _is_temporal_dtype, input_feature_names
from ._dask import (
    is_dask_array,
    is_dask_collection,
    is_dask_dataframe,
    require_no_output_container,
    validate_dask_frame,
)

_INDEX_LIMIT = int(np.iinfo(np.intp).max)
# Bytes per output column of the names of get_feature_names_out (a Python string and its
# pointer in the object array) and of the terms that powers_ builds.
_NAME_BYTES = 120


def _degree_blocks(n_features, max_degree, interaction_only):
    """Column ranges of the product blocks, in scikit-learn's output order.

    The block of degree ``d`` is built feature by feature: for feature ``j`` it is the
    columns of degree ``d - 1`` whose first factor is ``j`` or later (strictly later
    with ``interaction_only``), times column ``j``. Returns, per degree from 2, a list
    of ``(j, start, end, out_start)``: output columns ``out_start : out_start + end -
    start`` are columns ``start:end`` times feature ``j``; columns are counted from the
    first degree-1 column.
    """
    # first[j]: first column of the current degree's block whose first factor is j.
    first = list(range(n_features)) + [n_features]
    current = n_features
    blocks = []
    for _ in range(2, max_degree + 1):
        products = []
        new_first = []
        end = first[-1]
        for j in range(n_features):
            start = first[j + 1] if interaction_only else first[j]
            new_first.append(current)
            if end > start:
                products.append((j, start, end, current))
                current += end - start
        new_first.append(current)
        first = new_first
        blocks.append(products)
    return blocks, current


# Pairs of 0/1 columns that never co-occur are looked for among at most this many such
# columns (their co-occurrence table is one boolean per pair).
_MAX_EXCLUSIVE_COLUMNS = 4096


def _kept_terms(
    n_features, min_degree, max_degree, interaction_only, binary, exclusive, check=None
):
    """The terms of degree 1 to ``max_degree`` that ``drop_redundant`` keeps, degree by
    degree, as arrays of factor indices (rows in scikit-learn's order), and the product
    blocks that build them (the format of :func:`_degree_blocks`).

    A term is left out where two of its factors never co-occur (``exclusive[j, k]``: 0 on
    every training row), or where a 0/1 column (``binary``) appears more than once and
    the term with each such power at 1 (which it equals: ``x^2 y = x y`` for a 0/1 ``x``)
    is an output term itself (of degree ``min_degree`` or more). A kept term's parent (the term
    without its first factor) is kept too (fewer factors of each kind, a reduced degree no
    larger), so every kept term of degree ``d`` with first factor ``j`` is column ``j``
    times a kept term of degree ``d - 1`` whose first factor is ``j`` or later, and the
    blocks are the runs of consecutive such parents.

    ``check(n_bytes)``, where given, is called before each degree's terms are built with
    the bytes they may take at most (every candidate kept, the terms so far held): the
    candidates are the products of the previous degree's kept terms, far fewer than all
    the terms of the degree where many were left out (the dummies of a column of 3,000
    categories at degree 3: 4.5e9 terms, of which 3,000 are candidates at degree 2 and
    none at degree 3).
    """
    previous = np.arange(n_features).reshape(-1, 1)  # degree 1: every column
    repeated = np.zeros(n_features, dtype=bool)  # a 0/1 factor more than once
    reduced = np.ones(n_features, dtype=np.intp)  # the degree with those powers at 1
    per_degree = [previous]
    offset, current = 0, n_features  # first column of the previous degree; next free
    blocks = []
    held = previous.nbytes
    for degree in range(2, max_degree + 1):
        first = previous[:, 0]
        if check is not None:
            starts = np.searchsorted(
                first, np.arange(n_features), side="right" if interaction_only else "left"
            )
            candidates = int(np.sum(len(previous) - starts))
            # the pieces of the terms, their flags and degrees, then their concatenation
            check(held + 2 * candidates * (8 * degree + 9))
        products, terms, repeats, reductions = [], [], [], []
        for j in range(n_features):
            start = int(np.searchsorted(first, j, side="right" if interaction_only else "left"))
            parents = previous[start:]
            again = (parents[:, 0] == j) & binary[j]  # j is a 0/1 factor already there
            term_repeated = repeated[start:] | again
            term_reduced = reduced[start:] + ~again
            keep = ~(term_repeated & (term_reduced >= min_degree))
            if exclusive is not None and binary[j]:
                keep &= ~exclusive[j][parents].any(axis=1)
            positions = np.flatnonzero(keep) + start
            if positions.size == 0:
                continue
            terms.append(np.column_stack([np.full(positions.size, j), previous[positions]]))
            repeats.append(term_repeated[positions - start])
            reductions.append(term_reduced[positions - start])
            # runs of consecutive parents: one product block each
            breaks = np.flatnonzero(np.diff(positions) != 1) + 1
            for run in np.split(positions, breaks):
                lo, hi = int(run[0]), int(run[-1]) + 1
                products.append((j, offset + lo, offset + hi, current))
                current += hi - lo
        blocks.append(products)
        offset += len(previous)
        if not terms:  # no term of this degree: none of any higher one either
            break
        previous = np.concatenate(terms)
        repeated, reduced = np.concatenate(repeats), np.concatenate(reductions)
        per_degree.append(previous)
        held += previous.nbytes
    return per_degree, blocks, current


def _host_binary(X):
    """Whether each column of a NumPy array or SciPy matrix holds only 0 and 1."""
    if sparse.issparse(X):
        columns = sparse.csc_matrix(X)
        column_of = np.repeat(np.arange(X.shape[1]), np.diff(columns.indptr))
        binary = np.ones(X.shape[1], dtype=bool)
        binary[column_of[(columns.data != 0) & (columns.data != 1)]] = False
        return binary
    X = np.asarray(X)
    return ((X == 0) | (X == 1)).all(axis=0)


def _host_together(X, index):
    """Whether each pair of the columns ``index`` of a NumPy array or SciPy matrix is ever
    both non-zero (a ``(k, k)`` boolean table)."""
    if sparse.issparse(X):
        indicator = (sparse.csc_matrix(X)[:, index] != 0).astype(np.float64)
    else:
        indicator = sparse.csc_matrix(np.asarray(X)[:, index] != 0, dtype=np.float64)
    return (indicator.T @ indicator).toarray() > 0


def _block_together(X):
    """:func:`_host_together` over every column of a row block (``(p, p)``), computed on
    the block's 0/1 columns only: a pair with another column is not a pair of 0/1
    columns of the whole data, and its entry is never read."""
    index = np.flatnonzero(_host_binary(X))
    table = np.zeros((X.shape[1], X.shape[1]), dtype=bool)
    table[np.ix_(index, index)] = _host_together(X, index)
    return table


def _dask_binary_and_together(X):
    """:func:`_binary_and_together` of a dask array of one column chunk (NumPy or SciPy
    blocks): each row block's tables, combined by dask's tree reductions; one pass where
    the table over every column is within the limit, else a second over the 0/1 ones."""
    import dask

    n_blocks, n_features = X.numblocks[0], X.shape[1]

    def per_block(function, index, n_out):
        def block_table(block):
            table = function(block) if index is None else function(block, index)
            return table[np.newaxis]

        return X.map_blocks(
            block_table,
            new_axis=[2] if n_out == 2 else None,
            chunks=((1,) * n_blocks,)
            + ((len(index) if index is not None else n_features),) * n_out,
            dtype=bool,
            meta=np.empty((0,) * (n_out + 1), dtype=bool),
        )

    binary = per_block(_host_binary, None, 1).all(axis=0)
    if n_features <= _MAX_EXCLUSIVE_COLUMNS:  # one pass: the table over every column
        together = per_block(_block_together, None, 2).any(axis=0)
        binary, together = dask.compute(binary, together)
        binary = np.asarray(binary)
        return binary, np.asarray(together)[np.ix_(binary, binary)]
    binary = np.asarray(binary.compute())
    index = np.flatnonzero(binary)
    if index.size > _MAX_EXCLUSIVE_COLUMNS:
        return binary, None
    return binary, np.asarray(per_block(_host_together, index, 2).any(axis=0).compute())


def _binary_and_together(X):
    """The columns of ``X`` (NumPy, SciPy, dask or another Array API library) whose values
    are all 0 or 1, and whether each pair of them is ever both 1 (a boolean table over
    those columns; None where there are more than ``_MAX_EXCLUSIVE_COLUMNS``)."""
    if is_dask_collection(X):
        return _dask_binary_and_together(X)
    if sparse.issparse(X) or isinstance(X, np.ndarray):
        binary = _host_binary(X)
        index = np.flatnonzero(binary)
        if index.size > _MAX_EXCLUSIVE_COLUMNS:
            return binary, None
        return binary, _host_together(X, index)
    # another Array API library: the small tables come back to the host
    import array_api_compat

    xp = array_api_compat.array_namespace(X)
    binary = to_numpy(xp.all((X == 0) | (X == 1), axis=0)).astype(bool)
    index = np.flatnonzero(binary)
    if index.size > _MAX_EXCLUSIVE_COLUMNS:
        return binary, None
    picked = xp.take(X, xp.asarray(index, device=array_api_compat.device(X)), axis=1)
    indicator = xp.astype(picked != 0, X.dtype)
    return binary, to_numpy(indicator.T @ indicator) > 0


def _redundancy(X):
    """``(binary, exclusive)`` of :class:`PolyFeatures`' ``drop_redundant`` from training
    data: the columns whose values are all 0 or 1, and the ``(p, p)`` table of the pairs
    of them never both 1 (a column of zeros with every one, itself included), None where
    there are more than ``_MAX_EXCLUSIVE_COLUMNS`` such columns."""
    binary, together = _binary_and_together(X)
    if together is None:
        return binary, None
    index = np.flatnonzero(binary)
    exclusive = np.zeros((binary.size, binary.size), dtype=bool)
    exclusive[np.ix_(index, index)] = ~together
    return binary, exclusive


def _n_terms(n_features, degree, interaction_only):
    """Number of distinct products of ``degree`` factors among ``n_features`` columns."""
    if interaction_only:
        return comb(n_features, degree)
    return comb(n_features + degree - 1, degree)


def _n_terms_between(n_features, min_degree, max_degree, interaction_only):
    """Number of products of ``min_degree`` to ``max_degree`` factors, in closed form.

    Exact where it is at most ``_INDEX_LIMIT``; otherwise a number above it (the count of
    a huge degree would take a long time to compute exactly: ``degree=10**9``). The
    products of degree up to ``D`` are ``comb(n + D, D)`` (with the empty one), those with
    distinct factors ``sum_d comb(n, d)``, at most ``2**n``.
    """
    if min_degree > max_degree:
        return 0
    if interaction_only:
        max_degree = min(max_degree, n_features)
        total = 0
        for degree in range(min_degree, max_degree + 1):
            total += comb(n_features, degree)
            if total > _INDEX_LIMIT:
                return _INDEX_LIMIT + 1
        return total
    # log comb(n + D, D): beyond the limit by a margin, the exact count is not needed
    log_count = (
        lgamma(n_features + max_degree + 1) - lgamma(n_features + 1) - lgamma(max_degree + 1)
    )
    if log_count > log(_INDEX_LIMIT) + 1.0:
        return _INDEX_LIMIT + 1
    return comb(n_features + max_degree, max_degree) - comb(
        n_features + min_degree - 1, min_degree - 1
    )


def _check_fits_in_memory(n_bytes, shape, dtype, what):
    """Refuse, before allocating, an output that the available memory cannot hold."""
    check_memory(
        n_bytes,
        "PolyFeatures",
        f"for {what} ({shape[0]} rows x {shape[1]} output columns of {np.dtype(dtype)})",
        f"Lower the degree, use interaction_only=True, "
        f"{'' if 'sparse' in what else 'pass sparse input, '}select fewer columns, or "
        "transform the rows in smaller batches.",
    )


def _refuse_temporal(X):
    """Refuse date, duration and time columns (pandas, polars) and datetime64 /
    timedelta64 arrays: as numbers they are counts of seconds or finer units since 1970,
    and a missing value (NaT) becomes -9.2e18 (scikit-learn's PolynomialFeatures squares
    it into 8.5e37 without a word)."""
    if isinstance(X, pd.DataFrame):
        items = X.dtypes.items()
        temporal = [f"{name!r} ({dtype})" for name, dtype in items if _is_temporal_dtype(dtype)]
    elif _is_polars_frame(X):
        items = zip(X.columns, X.dtypes, strict=True)
        temporal = [f"{name!r} ({dtype})" for name, dtype in items if dtype.is_temporal()]
    else:
        dtype = getattr(X, "dtype", None)  # NumPy, dask
        if isinstance(dtype, np.dtype) and dtype.kind in "mM":
            temporal = [f"X ({dtype})"]
        else:
            temporal = []
    if temporal:
        what = temporal[0] if temporal[0].startswith("X ") else f"column(s) {', '.join(temporal)}"
        raise ValueError(
            f"PolyFeatures: {what} hold dates or durations, which are no "
            "numbers to multiply: they would be counts of (nano)seconds since 1970, and a "
            "missing value (NaT) -9.2e18. Convert them first: to numbers (e.g. "
            "(X[col] - X[col].min()).dt.total_seconds(), or the year), or to strings and "
            "encode them (DummyEncoder)."
        )


def _transform_dask_block(block, transformer):
    """Transform one row block of a dask array (all its columns) with NumPy or SciPy."""
    if not sparse.issparse(block):
        block = np.asarray(block)
        if not np.isfinite(block).all():
            raise ValueError(
                "Input X contains NaN or infinity; PolyFeatures needs finite values. "
                "Impute missing values first (MissingIndicatorImputer)."
            )
    return transformer._transform_block(block)


class PolyFeatures(TransformerMixin, BaseEstimator):
    """Polynomial and interaction features of degree ``min_degree`` to ``max_degree``.

    The output has the columns of scikit-learn's
    :class:`~sklearn.preprocessing.PolynomialFeatures` (with ``drop_redundant``, those
    that are not redundant on the training data), in the same order and with the
    same names (``x0``, ``x0^2``, ``x0 x1``; input column names when fitted on a
    DataFrame), but ``include_bias`` is False by default because the sklinear
    estimators fit an intercept. Each degree is computed from the previous one (a block
    of products times one column) into a preallocated array; sparse input gives sparse
    output in the input's format (CSR or CSC).

    Before allocating, ``transform`` estimates the size of its output (and of the
    intermediate arrays) and raises a ValueError that says the size, when it exceeds
    the memory available. Dask arrays are transformed lazily, block by block; arrays of
    another Array API library (PyTorch, array-api-strict, ...) in their own namespace.

    Parameters
    ----------
    degree : int or tuple (min_degree, max_degree), default=2
        The largest degree, or the smallest and largest degrees of the output terms
        (any sequence of two ints, a list ``[1, 2]`` too, as in scikit-learn).
        Degree 1 terms are the input columns.
    interaction_only : bool, default=False
        Only products of distinct columns (``x0 x1``, not ``x0^2``).
    include_bias : bool, default=False
        Add a first column of ones (the degree 0 term).
    drop_redundant : bool, default=False
        Leave out the terms that are redundant on the training data: products of two
        columns whose training values are all 0 or 1 and that are never both 1 (two
        dummies of one categorical column: 0 on every row), and terms with such a column
        to a power above 1 where the same term with those powers at 1 is an output term
        (``x^2 y = x y``; with ``degree=(2, 3)``, ``x^2`` and ``x^3`` stay, as ``x`` is
        not in the output). The kept terms
        are a subset of scikit-learn's columns, in its order and with its names;
        ``powers_`` and ``get_feature_names_out`` list them. A left out product is 0 on
        every training row, so a penalised model gives it a zero coefficient anyway; a
        left out power duplicates an output column, which only halved the penalty of that
        column's coefficient (it was split between the copies). Learned at fit in one
        pass (the table of which 0/1 columns are ever both 1; with more than 4,096 such
        columns only the powers are left out). On the dummies of categorical columns this
        removes most degree-2 and degree-3 terms: ``sklinear cv`` sets it.

    Attributes
    ----------
    powers_ : ndarray of shape (`n_output_features_`, `n_features_in_`)
        ``powers_[i, j]`` is the exponent of input column ``j`` in output column ``i``.
        Computed when asked (a property, as in scikit-learn): a fitted PolyFeatures
        stores no per-term table, so it stays small whatever the number of terms (with
        ``drop_redundant``, it keeps the table of the kept terms' factors).
    n_output_features_ : int
        Number of output columns.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit, when the input had string column names.

    See Also
    --------
    sklearn.preprocessing.PolynomialFeatures : The scikit-learn transformer it matches.

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import PolyFeatures
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> poly = PolyFeatures(degree=2).fit(X)
    >>> poly.get_feature_names_out()
    array(['x0', 'x1', 'x0^2', 'x0 x1', 'x1^2'], dtype=object)
    >>> poly.transform(X)
    array([[ 1.,  2.,  1.,  2.,  4.],
           [ 3.,  4.,  9., 12., 16.]])
    """

    _parameter_constraints = {
        "degree": [Integral, "array-like"],  # as PolynomialFeatures: a list [1, 2] too
        "interaction_only": ["boolean"],
        "include_bias": ["boolean"],
        "drop_redundant": ["boolean"],
    }

    def __init__(
        self, degree=2, *, interaction_only=False, include_bias=False, drop_redundant=False
    ):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias
        self.drop_redundant = drop_redundant

    def _degree_range(self):
        degree = self.degree
        if isinstance(degree, Integral):
            min_degree, max_degree = 0, int(degree)
        elif (
            isinstance(degree, (Sequence, np.ndarray))  # ordered: not a set
            and len(degree) == 2
            and all(isinstance(d, Integral) for d in degree)
            and 0 <= degree[0] <= degree[1]
        ):
            min_degree, max_degree = int(degree[0]), int(degree[1])
        else:
            raise ValueError(
                f"degree must be a non-negative int or a tuple (min_degree, max_degree) "
                f"of ints with 0 <= min_degree <= max_degree; got {degree!r}."
            )
        if max_degree < 0:
            raise ValueError(f"degree must be non-negative; got {degree!r}.")
        if max_degree == 0 and not self.include_bias:
            raise ValueError(
                f"degree={degree!r} with include_bias=False gives no output column. "
                "Use a degree of at least 1, or include_bias=True."
            )
        return min_degree, max_degree

    def _blocks(self, n_features, max_degree):
        """The product blocks and the number of terms built (see :func:`_degree_blocks`);
        with ``drop_redundant``, those of the kept terms, planned at fit."""
        kept = getattr(self, "_kept", None)
        if kept is not None:
            return kept[1], kept[2]
        return _degree_blocks(n_features, max_degree, self.interaction_only)

    def _combinations(self, n_features):
        min_degree, max_degree = self._degree_range()
        kept = getattr(self, "_kept", None)
        if kept is not None:
            per_degree = kept[0][max(1, min_degree) - 1 : max_degree]
            terms = (tuple(term) for terms in per_degree for term in terms.tolist())
            return chain([()], terms) if self.include_bias else terms
        combine = combinations if self.interaction_only else combinations_with_replacement
        terms = chain.from_iterable(
            combine(range(n_features), d) for d in range(max(1, min_degree), max_degree + 1)
        )
        if self.include_bias:
            terms = chain([()], terms)
        return terms

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the output terms for the number of input columns.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data: NumPy array, pandas or polars DataFrame, or SciPy sparse matrix.
        y : None
            Ignored.

        Returns
        -------
        self : PolyFeatures
            The fitted transformer.
        """
        xp = None if is_dask_collection(X) else foreign_namespace(X)
        self._fit_namespace = namespace_record(X, xp)
        if is_dask_collection(X):
            X = self._validate_dask(X, reset=True)
        elif xp is not None:
            X = validate_foreign(self, X, xp, reset=True)
        else:
            _refuse_temporal(X)
            X = validate_numeric(
                self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
            )
        self._kept = None
        self.n_output_features_ = self._n_output_features(X.shape[1])
        if self.drop_redundant and self._degree_range()[1] >= 2:
            max_degree = self._degree_range()[1]
            binary, exclusive = _redundancy(X)
            min_degree = max(1, self._degree_range()[0])

            def check(n_bytes):
                # the kept terms are listed degree by degree, each from the last one's
                check_memory(
                    n_bytes,
                    "PolyFeatures",
                    "for the table of the terms it keeps (drop_redundant=True)",
                    "Lower the degree, use interaction_only=True, or select fewer columns.",
                )

            self._kept = _kept_terms(
                X.shape[1],
                min_degree,
                max_degree,
                self.interaction_only,
                binary,
                exclusive,
                check=check,
            )
            self.n_output_features_ = int(self.include_bias) + sum(
                len(terms) for terms in self._kept[0][min_degree - 1 : max_degree]
            )
        return self

    def _n_output_features(self, n_features):
        min_degree, max_degree = self._degree_range()
        n_output = int(self.include_bias) + _n_terms_between(
            n_features, max(1, min_degree), max_degree, self.interaction_only
        )
        if n_output > np.iinfo(np.intp).max:
            raise ValueError(
                f"PolyFeatures(degree={self.degree!r}) on {n_features} columns would give "
                f"more than {_INDEX_LIMIT} output columns, more than an array can index. "
                "Lower the "
                "degree, use interaction_only=True, or select fewer columns."
            )
        return n_output

    @property
    def powers_(self):
        """Exponent of each input column (columns) in each output term (rows).

        Computed when asked (the fitted transformer keeps no table of terms).

        Returns
        -------
        powers : ndarray of shape (`n_output_features_`, `n_features_in_`)
            ``powers[i, j]`` is the exponent of input column ``j`` in output term ``i``.
        """
        check_is_fitted(self)
        n_features = self.n_features_in_
        # one bincount array per term, then the table
        self._check_table_fits("powers_", _NAME_BYTES + 16 * n_features)
        terms = self._combinations(n_features)
        rows = [np.bincount(term, minlength=n_features) for term in terms]
        if not rows:
            return np.zeros((0, n_features), dtype=np.intp)
        return np.vstack(rows).astype(np.intp, copy=False)

    def transform(self, X):
        """Compute the polynomial features of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the columns seen in fit.

        Returns
        -------
        X_out : {ndarray, sparse matrix} of shape (n_samples, `n_output_features_`)
            The terms of ``powers_``, in order. Sparse input gives sparse output (CSC
            for CSC input, CSR otherwise); float32 input stays float32.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._transform_dask(self._validate_dask(X, reset=False))
        xp = foreign_namespace(X)
        check_same_namespace(self, X, xp, "transform")
        if xp is not None:
            return self._transform_foreign(xp, validate_foreign(self, X, xp, reset=False))
        _refuse_temporal(X)
        X = validate_numeric(
            self, X, reset=False, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
        )
        return self._transform_block(X)

    def _transform_block(self, X):
        """Transform a validated NumPy array or SciPy sparse matrix."""
        min_degree, max_degree = self._degree_range()
        if sparse.issparse(X):
            return self._transform_sparse(X, min_degree, max_degree)
        return self._transform_dense(X, min_degree, max_degree)

    def _validate_dask(self, X, *, reset):
        """A dask array or numeric dask DataFrame as a float dask array, one column chunk."""
        if is_dask_dataframe(X):
            validate_dask_frame(self, X, reset=reset)
            not_numeric = [
                name
                for name, dtype in X.dtypes.items()
                if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
            ]
            if not_numeric:
                raise TypeError(
                    f"PolyFeatures needs numeric columns; {not_numeric} are not. Encode "
                    "them first (DummyEncoder)."
                )
            dtypes = list(X.dtypes)
            if not all(isinstance(d, np.dtype) and d.kind in "iuf" for d in dtypes):
                # Boolean and nullable (Int64, Float64, boolean) columns are numbers, as in
                # memory: read as float64 (pd.NA as NaN, refused when computed).
                X = X.astype(np.float32 if all(d == np.float32 for d in dtypes) else np.float64)
            X = X.to_dask_array()
        elif is_dask_array(X):
            _refuse_temporal(X)
            require_no_output_container(self)
            if X.ndim != 2:
                raise ValueError(
                    f"PolyFeatures expects a 2-D array (n_samples, n_features); got a dask "
                    f"array of shape {X.shape}."
                )
            record_n_features(self, X.shape[1], reset=reset)
        else:
            raise TypeError(
                f"PolyFeatures accepts dask arrays and dask DataFrames; got {type(X).__name__}."
            )
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        if len(X.chunks[1]) > 1:  # all the columns of a row in one block
            X = X.rechunk({1: -1})
        return X

    def _transform_dask(self, X):
        """Lazily, block by block: one output block of all terms per row block."""
        return X.map_blocks(
            _transform_dask_block,
            self,
            dtype=X.dtype,
            chunks=(X.chunks[0], (self.n_output_features_,)),
            meta=np.empty((0, 0), dtype=X.dtype),
        )

    def _transform_foreign(self, xp, X):
        """The terms in the namespace and on the device of ``X`` (Array API)."""
        min_degree, max_degree = self._degree_range()
        n_samples, n_features = X.shape
        if max_degree == 0:
            import array_api_compat

            return xp.ones((n_samples, 1), dtype=X.dtype, device=array_api_compat.device(X))
        blocks, n_terms = self._blocks(n_features, max_degree)
        # the degree blocks, then their concatenation
        n_values = n_samples * (n_terms + self.n_output_features_)
        _check_fits_in_memory(
            n_values * (8 if X.dtype == xp.float64 else 4),
            (n_samples, self.n_output_features_),
            np.float64 if X.dtype == xp.float64 else np.float32,
            "the output and its degree blocks",
        )
        return polynomial_terms(
            xp, X, blocks, n_features, max(1, min_degree), bool(self.include_bias)
        )

    def _transform_dense(self, X, min_degree, max_degree):
        n_samples, n_features = X.shape
        bias = int(self.include_bias)
        if max_degree == 0:
            return np.ones((n_samples, 1), dtype=X.dtype)
        blocks, n_terms = self._blocks(n_features, max_degree)
        # Terms of degree below min_degree are computed (the higher degrees need them)
        # but not returned; they start at column 0 of ``terms``.
        keep_from = n_terms - (self.n_output_features_ - bias)
        n_values = n_samples * (bias + n_terms + (self.n_output_features_ if keep_from else 0))
        _check_fits_in_memory(
            n_values * X.dtype.itemsize,
            (n_samples, self.n_output_features_),
            X.dtype,
            "the dense output",
        )
        # Fortran order: every product reads and writes contiguous columns, the factor
        # too (the degree-1 copy's column j, not a strided column of row-major X: 3x
        # faster a product)
        full = np.empty((n_samples, bias + n_terms), dtype=X.dtype, order="F")
        terms = full[:, bias:]
        terms[:, :n_features] = X
        for products in blocks:
            for j, start, end, out_start in products:
                np.multiply(
                    terms[:, start:end],
                    terms[:, j : j + 1],
                    out=terms[:, out_start : out_start + end - start],
                )
        if keep_from == 0:
            if bias:
                full[:, 0] = 1
            return full
        output = np.empty((n_samples, self.n_output_features_), dtype=X.dtype, order="F")
        if bias:
            output[:, 0] = 1
        output[:, bias:] = terms[:, keep_from:]
        return output

    def _transform_sparse(self, X, min_degree, max_degree):
        output_format = "csc" if X.format == "csc" else "csr"
        n_samples, n_features = X.shape
        if max_degree == 0:
            return sparse.csr_matrix(np.ones((n_samples, 1), dtype=X.dtype)).asformat(
                output_format
            )
        self._check_sparse_size(X, min_degree, max_degree)
        X_columns = sparse.csc_matrix(X)
        blocks, _ = self._blocks(n_features, max_degree)
        degree_blocks = [X_columns]
        terms = X_columns
        for products in blocks:
            if not products:  # no term of this degree (so none of a higher one)
                break
            parts = []
            # one product per column j: drop_redundant's blocks of one j (runs of kept
            # parents, consecutive in the output) are taken together
            for j, runs in groupby(products, key=lambda block: block[0]):
                runs = [(start, end) for _, start, end, _ in runs]
                if len(runs) == 1:
                    factors = terms[:, runs[0][0] : runs[0][1]]
                else:
                    factors = terms[:, np.concatenate([np.arange(*run) for run in runs])]
                column = X_columns[:, j]
                rows = column.indices
                scale = sparse.csr_matrix(
                    (column.data, (rows, rows)), shape=(n_samples, n_samples)
                )
                parts.append(scale @ factors)
            block = sparse.hstack(parts, format="csc")
            degree_blocks.append(block)
            terms = sparse.hstack([terms, block], format="csc")
        kept = degree_blocks[max(1, min_degree) - 1 :]
        if self.include_bias:
            kept.insert(0, sparse.csc_matrix(np.ones((n_samples, 1), dtype=X.dtype)))
        if not kept:
            return sparse.csr_matrix((n_samples, 0), dtype=X.dtype).asformat(output_format)
        output = sparse.hstack(kept, format=output_format, dtype=X.dtype)
        output.sort_indices()
        return output

    def _check_sparse_size(self, X, min_degree, max_degree):
        """Estimate the stored entries of the sparse output from each row's non-zeros."""
        row_nnz = np.diff(sparse.csr_matrix(X).indptr)
        counts, n_rows = np.unique(row_nnz, return_counts=True)
        n_stored = int(self.include_bias) * X.shape[0]
        for k, rows in zip(counts.tolist(), n_rows.tolist(), strict=True):
            # all degrees up to max_degree are built; the lower ones are intermediates
            per_row = _n_terms_between(k, 1, max_degree, self.interaction_only)
            n_stored += rows * per_row
        # values and int64 indices; hstack copies each block once more
        n_bytes = 2 * n_stored * (X.dtype.itemsize + np.dtype(np.int64).itemsize)
        # the column pointers of the column-major blocks (one int64 per column of every
        # degree built), held by the blocks, the running hstack and the output: with many
        # columns and a high degree they outgrow the stored values by far
        if getattr(self, "_kept", None) is not None:  # drop_redundant: the kept terms
            n_columns = self._kept[2]
        else:
            n_columns = _n_terms_between(X.shape[1], 1, max_degree, self.interaction_only)
        n_bytes += 3 * (n_columns + 1) * np.dtype(np.int64).itemsize
        _check_fits_in_memory(
            n_bytes, (X.shape[0], self.n_output_features_), X.dtype, "the sparse output"
        )

    def _check_table_fits(self, what, bytes_per_term):
        """Refuse, before building it, a table of one entry per output column (the names,
        ``powers_``) that the available memory cannot hold: ``degree=4`` on 300 columns
        has 354 million terms."""
        check_memory(
            self.n_output_features_ * bytes_per_term,
            "PolyFeatures",
            f"for {what} of its {self.n_output_features_} output columns",
            "Lower the degree, use interaction_only=True, or select fewer columns.",
        )

    def get_feature_names_out(self, input_features=None):
        """Output names in scikit-learn's style: ``1``, ``x0``, ``x0^2``, ``x0 x1``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; by default ``feature_names_in_``, or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column.
        """
        check_is_fitted(self)
        names = [str(name) for name in input_feature_names(self, input_features)]
        self._check_table_fits("the output names", _NAME_BYTES + 8 * self._degree_range()[1])
        output = []
        for term in self._combinations(self.n_features_in_):
            if not term:
                output.append("1")
                continue
            factors = []
            for j, repeats in groupby(term):
                power = len(list(repeats))
                factors.append(names[j] if power == 1 else f"{names[j]}^{power}")
            output.append(" ".join(factors))
        return np.asarray(output, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
