"""DummyEncoder: categorical columns to dummy (indicator) variables, one reference dropped."""

from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, RealNotInt, StrOptions, _fit_context
from .._data import available_threads, pass_threads
from .._resources import check_memory
from ._base import input_feature_names, resolve_columns, validate_table
from ._dask import (
    categorical_mask_of,
    compute_once,
    counts_as_values,
    empty_frame,
    is_dask_collection,
    map_partitions_to_frame,
    validate_dask_frame,
)
from ._encoding import CategoryCodes, sorted_categories

_INFREQUENT_NAME = "infrequent_sklearn"
# A dense output at least this large is written by every thread, one row range each: its
# pages fault in (the kernel zeroes them) as the ones are written, and that is most of the
# time (W4: 1,000,000 x 259 float64, 2 GiB: 0.21-0.26 s in one thread, 0.12-0.18 s in two).
_PARALLEL_OUTPUT_BYTES = 64 << 20
# Columns are encoded in parallel from this many rows: pandas' factorize (pyarrow's
# dictionary_encode for string columns) releases the GIL; four string columns of a million
# rows took 90 ms one after another and 47 ms on two threads.
_PARALLEL_COLUMN_ROWS = 50_000
# Rows a thread turns into output positions at a time (their temporaries stay in cache).
_CHUNK_ROWS = 8192


def _map_columns(function, n_columns, n_rows):
    """``[function(k) for k in range(n_columns)]``, on the pass threads for large columns;
    the first column's error is raised, as in a loop."""
    threads = min(available_threads(), n_columns)
    if threads <= 1 or n_rows < _PARALLEL_COLUMN_ROWS:
        return [function(k) for k in range(n_columns)]
    return list(pass_threads(threads).map(function, range(n_columns)))


def _encode_partition(partition, encoder):
    """Encode one pandas partition of a dask DataFrame, keeping its index."""
    encoded = encoder.transform(partition)
    return pd.DataFrame(encoded, index=partition.index, columns=encoder.get_feature_names_out())


class DummyEncoder(TransformerMixin, BaseEstimator):
    """Encode categorical columns as dummy (0/1 indicator) variables.

    Each encoded column with ``k`` categories becomes ``k - 1`` dummy columns by default:
    the first category is the reference and is dropped, so that the dummies are not
    collinear with a model's intercept. Other columns pass through unchanged, in place:
    the output keeps the input's column order, with the dummies of a column where the
    column was.

    Categories are ordered as scikit-learn's :class:`~sklearn.preprocessing.OneHotEncoder`
    orders them: sorted, with the missing category last. ``DummyEncoder()`` therefore
    gives the same columns (values and names) as ``OneHotEncoder(drop='first',
    sparse_output=False)``, and on columns without missing values the same as
    ``pandas.get_dummies(drop_first=True)``. Missing values (NaN, None, ``pd.NA``) form
    a category of their own.

    Encoding goes through integer codes (``pandas.factorize``) and writes the ones of the
    output by fancy indexing into a preallocated array: there is no Python loop over
    categories.

    Parameters
    ----------
    columns : None, "auto" or list of str or int, default=None
        The columns to encode. None: every column. "auto": the DataFrame columns of
        object, string, category (pyarrow dictionary too), interval or boolean dtype; in
        a NumPy object array, every column except those whose non-missing values are all
        real numbers (bools count as categories; a column with only missing values counts
        as numeric). A list: column names (DataFrame input) or integer positions. The
        other columns pass through, converted to ``dtype``.
    drop : {"first", "if_binary"}, dict, array-like or None, default="first"
        The reference category of each encoded column, which gets no dummy.

        - "first": the first category (after infrequent grouping).
        - "if_binary": the first category of columns with exactly two categories; the
          other columns keep all their dummies.
        - dict: column (name or position) to reference category; a column that the dict
          leaves out drops its first category.
        - array-like: one reference category per encoded column.
        - None: keep every category (one-hot encoding).
    categories : "auto" or list of array-like, default="auto"
        The categories of each encoded column. "auto": the values seen in fit, sorted,
        missing last. A list: one list of categories per encoded column, in the order
        given, numbers included (scikit-learn's OneHotEncoder refuses unsorted numeric
        categories; here, as for strings in both, the order given is the order of the
        dummies, and ``drop="first"`` drops the first category given); values outside
        it are unknown.
    handle_unknown : {"error", "ignore", "infrequent_if_exist"}, default="error"
        What to do with a category not seen in fit. "error" raises a ValueError that
        names the column and the values. "ignore" encodes it as all zeros, which is
        **the encoding of the reference category** when a category is dropped (so an
        unseen value is treated as the reference). "infrequent_if_exist" puts it in the
        infrequent column when the column has one, and otherwise encodes it as zeros.
    min_frequency : int or float, default=None
        Categories seen fewer times than this (int) or than this fraction of the samples
        (float in (0, 1)) are grouped into one "infrequent" category, whose dummy is
        named ``<column>_infrequent_sklearn`` and comes last in its column's group.
    max_categories : int, default=None
        Keep at most this many categories per column, the infrequent one included; the
        least frequent categories are grouped.
    sparse_output : bool, default=False
        Return a SciPy CSR matrix instead of a dense array.
    dtype : numeric type, default=np.float64
        Type of the output, pass-through columns included: a pass-through value that
        ``dtype`` cannot hold exactly (300 in int8, NaN or 2.5 in an integer type, 1e300
        in float32) raises a ValueError naming the column instead of wrapping. A type
        that is not numeric (bool, integer, float or complex) raises a ValueError at fit,
        as does float16 with ``sparse_output=True`` (SciPy has no float16 matrices).

    Attributes
    ----------
    categories_ : list of ndarray
        The categories of each encoded column, in output order: sorted and missing last
        with ``categories="auto"``, in the order given otherwise.
    encoded_columns_ : ndarray of int
        Positions of the encoded columns in the input.
    drop_idx_ : ndarray of object or None
        For each encoded column, the position in ``categories_`` of the dropped
        reference category (for a dropped infrequent group, its first category), or
        None where nothing is dropped. None when ``drop=None``.
    infrequent_categories_ : list of ndarray or None
        For each encoded column, its infrequent categories, or None.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit, when the input had string column names.

    See Also
    --------
    sklearn.preprocessing.OneHotEncoder : The scikit-learn encoder it agrees with.
    MissingIndicatorImputer : Fill missing values first, with indicator columns.

    Notes
    -----
    Pass-through columns must be finite numbers or missing: a date or duration column,
    or an infinite value, raises a ValueError naming the column. A dask DataFrame is
    encoded lazily, partition by partition, into a dask DataFrame, after a fit that
    computes the value counts in one pass. Under ``array_api_dispatch`` arrays of other
    Array API libraries are refused with a TypeError (convert them to NumPy).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklinear import DummyEncoder
    >>> X = pd.DataFrame({"colour": ["red", "green", "blue", "green"], "size": [1, 2, 3, 4]})
    >>> encoder = DummyEncoder(columns="auto").fit(X)
    >>> encoder.get_feature_names_out()
    array(['colour_green', 'colour_red', 'size'], dtype=object)
    >>> encoder.transform(X)
    array([[0., 1., 1.],
           [1., 0., 2.],
           [0., 0., 3.],
           [1., 0., 4.]])
    """

    _parameter_constraints = {
        "columns": [None, StrOptions({"auto"}), "array-like"],
        "drop": [StrOptions({"first", "if_binary"}), dict, "array-like", None],
        "categories": [StrOptions({"auto"}), list],
        "handle_unknown": [StrOptions({"error", "ignore", "infrequent_if_exist"})],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }

    def __init__(
        self,
        *,
        columns=None,
        drop="first",
        categories="auto",
        handle_unknown="error",
        min_frequency=None,
        max_categories=None,
        sparse_output=False,
        dtype=np.float64,
    ):
        self.columns = columns
        self.drop = drop
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.sparse_output = sparse_output
        self.dtype = dtype

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the categories of each encoded column.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data: NumPy array, pandas or polars DataFrame.
        y : None
            Ignored.

        Returns
        -------
        self : DummyEncoder
            The fitted encoder.
        """
        if is_dask_collection(X):
            self._fit_dask(X)
        else:
            self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then encode ``X``; faster than ``fit(X).transform(X)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data.
        y : None
            Ignored.

        Returns
        -------
        X_out : ndarray or CSR matrix of shape (n_samples, n_features_out)
            The dummies, with the pass-through columns in place.
        """
        if is_dask_collection(X):
            self._fit_dask(X)
            return self.transform(X)
        table, codes = self._fit(X)
        return self._assemble(table, codes)

    def _check_dtype(self):
        """Refuse an output ``dtype`` that is not a number type (``str`` gave strings of
        "1" and "", a datetime type dates of 1970) or that SciPy's sparse matrices cannot
        hold (float16 with ``sparse_output=True``), before fitting."""
        try:
            dtype = np.dtype(self.dtype)
        except TypeError as exc:
            raise ValueError(
                f"dtype={self.dtype!r} is not a NumPy data type ({exc}). Use a numeric "
                "type such as np.float64 (the default), np.float32, np.int8 or bool."
            ) from exc
        if dtype.kind not in "biufc":
            raise ValueError(
                f"dtype={self.dtype!r} is not a numeric type: the output holds 0/1 dummies "
                "and numbers. Use a numeric type such as np.float64 (the default), "
                "np.float32, np.int8 or bool."
            )
        if self.sparse_output and dtype == np.float16:
            raise ValueError(
                "dtype=float16 cannot be used with sparse_output=True: SciPy sparse "
                "matrices do not hold float16. Use np.float32, or sparse_output=False."
            )

    def _fit(self, X):
        self._check_dtype()
        table = validate_table(self, X, reset=True)
        names = getattr(self, "feature_names_in_", None)
        self._input_names = input_feature_names(self)
        self.encoded_columns_ = self._select_columns(table.categorical_mask(), names)
        columns = [table.column(j) for j in self.encoded_columns_]
        codes = self._fit_categories(columns, [None] * len(columns), table.n_rows)
        return table, codes

    def _fit_dask(self, X):
        """Fit on a dask DataFrame: the value counts of the encoded columns, one compute."""
        self._check_dtype()
        validate_dask_frame(self, X, reset=True)
        names = getattr(self, "feature_names_in_", None)
        self._input_names = input_feature_names(self)
        self.encoded_columns_ = self._select_columns(categorical_mask_of(X), names)
        encoded = [X.columns[j] for j in self.encoded_columns_]
        all_counts = compute_once(
            *[X[name].value_counts(dropna=False, split_out=1) for name in encoded]
        )
        columns, weights = [], []
        for counts in all_counts:
            values, value_counts = counts_as_values(counts)
            columns.append(values)
            weights.append(value_counts)
        n_samples = int(weights[0].sum()) if weights else 0
        self._fit_categories(columns, weights, n_samples)

    def _fit_categories(self, columns, weights, n_samples):
        """Categories, infrequent groups, references and layout of the encoded columns.

        ``columns[k]`` holds the values of encoded column ``k``: every row (``weights[k]``
        None) or each distinct value once, seen ``weights[k]`` times. Returns the
        category codes of ``columns``.
        """
        if isinstance(self.categories, list) and len(self.categories) != len(
            self.encoded_columns_
        ):
            raise ValueError(
                f"categories has {len(self.categories)} entries but {len(self.encoded_columns_)} "
                "columns are encoded. Give one list of categories per encoded column."
            )
        self.categories_ = []
        self._coders = []
        codes = []
        counts = []
        if self.categories == "auto":
            found = _map_columns(
                lambda k: sorted_categories(
                    columns[k], self._input_names[self.encoded_columns_[k]]
                ),
                len(columns),
                max((len(values) for values in columns), default=0),
            )
        for k, j in enumerate(self.encoded_columns_):
            column_name = self._input_names[j]
            values = columns[k]
            if self.categories == "auto":
                categories, column_codes = found[k]
                coder = CategoryCodes(categories)
            else:
                categories = np.asarray(self.categories[k])
                if categories.dtype.kind in "US":
                    categories = categories.astype(object)
                duplicated = pd.Index(categories).duplicated()
                if duplicated.any():  # OneHotEncoder refuses them too
                    raise ValueError(
                        f"The categories given for column {column_name!r} contain duplicates: "
                        f"{list(categories[duplicated][:10])}. List each category once."
                    )
                coder = CategoryCodes(categories)
                column_codes, unknown = coder.encode(values, column_name)
                if unknown and self.handle_unknown == "error":
                    raise ValueError(
                        f"Found values {unknown[:10]} in column {column_name!r} during fit "
                        f"that are not in the categories given for it, {list(categories)}. "
                        "Add them to categories, or use handle_unknown='ignore'."
                    )
            self.categories_.append(categories)
            self._coders.append(coder)
            codes.append(column_codes)
            n_categories = len(categories)
            column_counts = np.bincount(
                column_codes, weights=weights[k], minlength=n_categories + 1
            )[:n_categories]
            counts.append(np.rint(column_counts).astype(np.int64))
        self._fit_groups(counts, n_samples)
        self._fit_drop()
        self._fit_layout()
        return codes

    def _select_columns(self, categorical_mask, names):
        if self.columns is None:
            return np.arange(self.n_features_in_, dtype=np.intp)
        if isinstance(self.columns, str):  # "auto"
            return np.flatnonzero(categorical_mask).astype(np.intp)
        return resolve_columns(list(self.columns), names, self.n_features_in_)

    def _fit_groups(self, all_counts, n_samples):
        """Group infrequent categories: ``_group_of[k]`` maps category -> group."""
        self._group_of = []
        self._n_groups = []
        self._infrequent_group = []
        infrequent_categories = []
        for k, counts in enumerate(all_counts):
            n_categories = len(self.categories_[k])
            infrequent = self._infrequent_mask(counts, n_samples)
            group_of = np.empty(n_categories, dtype=np.intp)
            n_frequent = int(n_categories - infrequent.sum())
            group_of[~infrequent] = np.arange(n_frequent)
            group_of[infrequent] = n_frequent
            has_infrequent = bool(infrequent.any())
            self._group_of.append(group_of)
            self._n_groups.append(n_frequent + has_infrequent)
            self._infrequent_group.append(n_frequent if has_infrequent else None)
            infrequent_categories.append(
                self.categories_[k][infrequent] if has_infrequent else None
            )
        self.infrequent_categories_ = infrequent_categories

    def _infrequent_mask(self, counts, n_samples):
        """Same rule as OneHotEncoder: below min_frequency, then beyond max_categories."""
        if self.min_frequency is None:
            infrequent = np.zeros(counts.size, dtype=bool)
        elif isinstance(self.min_frequency, Integral):
            infrequent = counts < self.min_frequency
        else:
            infrequent = counts < self.min_frequency * n_samples
        n_outputs = counts.size - infrequent.sum() + 1
        if self.max_categories is not None and self.max_categories < n_outputs:
            n_frequent = self.max_categories - 1
            if n_frequent == 0:
                infrequent[:] = True
            else:
                least_frequent = np.argsort(counts, kind="mergesort")[:-n_frequent]
                infrequent[least_frequent] = True
        return infrequent

    def _reference_group(self, k, reference):
        """Group of the category ``reference`` of encoded column ``k``."""
        column_name = self._input_names[self.encoded_columns_[k]]
        position = self._coders[k].position_of(reference)
        if position is None:
            raise ValueError(
                f"drop names the reference category {reference!r} for column "
                f"{column_name!r}, which is not among its categories "
                f"{list(self.categories_[k])}. Use one of them."
            )
        if self.infrequent_categories_[k] is not None and (
            self._group_of[k][position] == self._infrequent_group[k]
        ):
            raise ValueError(
                f"Unable to drop category {reference!r} from column {column_name!r} "
                "because it is infrequent. Choose a frequent reference category."
            )
        return int(self._group_of[k][position])

    def _fit_drop(self):
        n_encoded = len(self.encoded_columns_)
        drop = self.drop
        if drop is None:
            self._drop_group = [None] * n_encoded
        elif isinstance(drop, str) and drop == "first":
            self._drop_group = [0 if n > 0 else None for n in self._n_groups]
        elif isinstance(drop, str):  # "if_binary"
            self._drop_group = [0 if n == 2 else None for n in self._n_groups]
        else:
            self._drop_group = [0 if n > 0 else None for n in self._n_groups]
            for k, reference in self._references_by_column(drop).items():
                self._drop_group[k] = self._reference_group(k, reference)
        if drop is None:
            self.drop_idx_ = None
        else:
            self.drop_idx_ = np.array(
                [
                    None if group is None else int(np.flatnonzero(group_of == group)[0])
                    for group, group_of in zip(self._drop_group, self._group_of, strict=True)
                ],
                dtype=object,
            )

    def _references_by_column(self, drop):
        """``drop`` (dict or array-like) as {encoded column number: reference}."""
        n_encoded = len(self.encoded_columns_)
        if not isinstance(drop, dict):
            references = list(drop)
            if len(references) != n_encoded:
                raise ValueError(
                    f"drop has {len(references)} reference categories but {n_encoded} "
                    "columns are encoded. Give one per encoded column, or a dict."
                )
            return dict(enumerate(references))
        encoded_position = {int(j): k for k, j in enumerate(self.encoded_columns_)}
        names = getattr(self, "feature_names_in_", self._input_names)
        references = {}
        for key, reference in drop.items():
            try:
                (j,) = resolve_columns([key], names, self.n_features_in_, parameter="drop")
            except ValueError as exc:
                raise ValueError(
                    f"drop has a key {key!r} that is not a column of the input. Use "
                    f"column names {list(names)} or integer positions."
                ) from exc
            if j not in encoded_position:
                raise ValueError(
                    f"drop has a key {key!r} for column {names[j]!r}, which is not "
                    "encoded (it passes through). Remove the key, or encode the column "
                    "through the columns parameter."
                )
            references[encoded_position[j]] = reference
        return references

    def _fit_layout(self):
        """Output position of every category, unseen value and pass-through column."""
        self._lookups = []
        self._n_outputs = []
        for k in range(len(self.encoded_columns_)):
            n_groups = self._n_groups[k]
            group_column = np.arange(n_groups, dtype=np.intp)
            drop = self._drop_group[k]
            if drop is not None:
                group_column[drop + 1 :] -= 1
                group_column[drop] = -1
            unknown_column = -1
            infrequent = self._infrequent_group[k]
            if self.handle_unknown == "infrequent_if_exist" and infrequent is not None:
                unknown_column = group_column[infrequent]
            lookup = np.append(group_column[self._group_of[k]], unknown_column)
            self._lookups.append(lookup.astype(np.intp))
            self._n_outputs.append(n_groups - (drop is not None))
        is_encoded = np.zeros(self.n_features_in_, dtype=bool)
        is_encoded[self.encoded_columns_] = True
        widths = np.ones(self.n_features_in_, dtype=np.intp)
        widths[self.encoded_columns_] = self._n_outputs
        self._is_encoded = is_encoded
        self._offsets = np.concatenate([[0], np.cumsum(widths)])

    # ------------------------------------------------------------ transform

    def transform(self, X):
        """Encode ``X`` into dummies, with the pass-through columns in place.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in fit.

        Returns
        -------
        X_out : ndarray or CSR matrix of shape (n_samples, n_features_out)
            The dummies of each encoded column where that column was, and the
            pass-through columns converted to ``dtype``.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._transform_dask(X)
        table = validate_table(self, X, reset=False)
        columns = [table.column(j) for j in self.encoded_columns_]
        encoded = _map_columns(
            lambda k: self._coders[k].encode(
                columns[k], self._input_names[self.encoded_columns_[k]]
            ),
            len(columns),
            table.n_rows,
        )
        codes = []
        for k, j in enumerate(self.encoded_columns_):
            column_name = self._input_names[j]
            column_codes, unknown = encoded[k]
            if unknown and self.handle_unknown == "error":
                shown = ", ".join(repr(value) for value in unknown[:10])
                raise ValueError(
                    f"Found unknown categories [{shown}] in column {column_name!r} during "
                    f"transform; the categories seen in fit are "
                    f"{list(self.categories_[k])[:20]}. Use handle_unknown='ignore' to "
                    "encode unseen values as all zeros, or refit on data that has them."
                )
            codes.append(column_codes)
        return self._assemble(table, codes)

    def _transform_dask(self, X):
        """Encode each partition of a dask DataFrame lazily, into a dask DataFrame."""
        validate_dask_frame(self, X, reset=False)
        if self.sparse_output:
            raise ValueError(
                "sparse_output=True does not apply to dask DataFrames: their partitions "
                "are dense pandas DataFrames. Use sparse_output=False."
            )
        names = self.get_feature_names_out()
        meta = empty_frame(names, [np.dtype(self.dtype)] * len(names))
        return map_partitions_to_frame(X, _encode_partition, self, meta)

    def _assemble(self, table, codes):
        n_rows = table.n_rows
        n_out = int(self._offsets[-1])
        values = None  # the pass-through columns' values, others 1
        for j in range(self.n_features_in_):
            if not self._is_encoded[j]:
                if values is None:
                    values = np.ones((n_rows, self.n_features_in_), dtype=self.dtype)
                values[:, j] = self._passthrough(table, j)
        if self.sparse_output:
            column_of_row = self._columns_of_rows(codes, 0, n_rows)
            is_set = column_of_row >= 0
            indices = column_of_row[is_set]
            data = np.ones(indices.size, dtype=self.dtype) if values is None else values[is_set]
            indptr = np.zeros(n_rows + 1, dtype=np.intp)
            np.cumsum(is_set.sum(axis=1), out=indptr[1:])
            output = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, n_out))
            output.eliminate_zeros()
            return output
        self._check_dense_fits(n_rows, n_out)
        output = np.zeros((n_rows, n_out), dtype=self.dtype)
        row_offsets = (np.arange(min(_CHUNK_ROWS, n_rows), dtype=np.intp) * n_out)[:, None]

        def write(rows):
            for start in range(rows[0], rows[1], _CHUNK_ROWS):
                stop = min(rows[1], start + _CHUNK_ROWS)
                column_of_row = self._columns_of_rows(codes, start, stop)
                mask = column_of_row >= 0
                position = column_of_row + row_offsets[: stop - start]
                block = output[start:stop].reshape(-1)  # a view: whole rows are contiguous
                block[position[mask]] = 1 if values is None else values[start:stop][mask]

        threads = min(available_threads(), max(1, n_rows))
        if threads > 1 and output.nbytes >= _PARALLEL_OUTPUT_BYTES:
            bounds = np.linspace(0, n_rows, threads + 1).astype(np.intp)
            ranges = list(zip(bounds[:-1], bounds[1:], strict=True))
            for _ in pass_threads(threads).map(write, ranges):
                pass
        else:
            write((0, n_rows))
        return output

    def _columns_of_rows(self, codes, start, stop):
        """The output column of each input column for rows ``start:stop``: its dummy (-1
        for none: the reference, an unseen value) or, passed through, its own column."""
        column_of_row = np.empty((stop - start, self.n_features_in_), dtype=np.intp)
        k = 0
        for j in range(self.n_features_in_):
            if self._is_encoded[j]:
                local = self._lookups[k][codes[k][start:stop]]
                column_of_row[:, j] = np.where(local >= 0, local + self._offsets[j], -1)
                k += 1
            else:
                column_of_row[:, j] = self._offsets[j]
        return column_of_row

    def _check_dense_fits(self, n_rows, n_out):
        """Refuse, before allocating, a dense output larger than the share of the available
        memory one request may take (:data:`sklinear._resources.USABLE_SHARE`; an
        identifier column of 200,000 values asked for 596 GiB), naming the widest columns."""
        names = getattr(self, "feature_names_in_", None)
        widths = sorted(
            zip(self._n_outputs, self.encoded_columns_, strict=True), key=lambda w: -w[0]
        )[:3]
        widest = ", ".join(
            f"{names[j] if names is not None else j!r} ({width} columns)" for width, j in widths
        )
        check_memory(
            n_rows * n_out * np.dtype(self.dtype).itemsize,
            "DummyEncoder",
            f"for the dense output ({n_rows} rows x {n_out} columns of {np.dtype(self.dtype)})",
            f"The widest encoded columns: {widest}. Use sparse_output=True, group rare "
            "categories (max_categories, min_frequency), leave identifier-like columns out, "
            "or transform the rows in smaller batches.",
        )

    def _passthrough(self, table, j):
        """Pass-through column ``j`` converted to ``dtype``, refusing any silent change.

        Values that ``dtype`` cannot hold exactly are refused with a ValueError naming
        the column: for an integer or boolean ``dtype`` a missing, fractional or
        out-of-range value (NumPy would wrap 300.0 to 44 in int8), for a float ``dtype``
        a finite value that overflows to infinity.
        """
        try:
            values = table.numeric_column(j, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Column {self._input_names[j]!r} passes through (it is not encoded) and "
                f"cannot be used as it is. {exc} To encode it instead, list it in columns."
            ) from exc
        dtype = np.dtype(self.dtype)
        if dtype == np.float64:
            return values
        with np.errstate(over="ignore", invalid="ignore"):
            converted = values.astype(dtype)
            if dtype.kind in "fc":
                changed = np.isinf(converted) & np.isfinite(values)
            else:
                changed = ~(converted.astype(np.float64) == values)
        if changed.any():
            shown = values[changed][:5].tolist()
            raise ValueError(
                f"Column {self._input_names[j]!r} passes through (it is not encoded) but "
                f"{int(changed.sum())} of its values cannot be stored exactly in "
                f"dtype={dtype} (for example {shown}); converting would change them "
                "silently. Use a wider dtype such as np.float64, or impute and rescale "
                "the column first."
            )
        return converted

    def get_feature_names_out(self, input_features=None):
        """Output column names: ``<column>_<category>`` for dummies, else the column name.

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
        input_features = input_feature_names(self, input_features)
        names = []
        k = 0
        for j, feature in enumerate(input_features):
            if not self._is_encoded[j]:
                names.append(str(feature))
                continue
            categories = self.categories_[k]
            group_of = self._group_of[k]
            labels = [None] * self._n_groups[k]
            for position, group in enumerate(group_of):
                if group == self._infrequent_group[k]:
                    labels[group] = _INFREQUENT_NAME
                else:
                    labels[group] = str(categories[position])
            for group, label in enumerate(labels):
                if group != self._drop_group[k]:
                    names.append(f"{feature}_{label}")
            k += 1
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Categorical input, missing values as a category. Strings are accepted too, but
        # as in OneHotEncoder the "string" tag stays False: it would tell the common
        # checks that any Python object is a valid value.
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        return tags
