"""MissingIndicatorImputer: fill missing values and add "was missing" indicator columns."""

import copy
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import StrOptions, _fit_context
from ._base import assemble_mixed_output, input_feature_names, validate_table
from ._dask import (
    categorical_mask_of,
    compute_once,
    counts_as_values,
    is_dask_collection,
    map_partitions_to_frame,
    refuse_temporal_columns,
    validate_dask_frame,
    weighted_median,
)
from ._encoding import factorize

_CATEGORICAL_CONSTANT = "missing"
_NUMERIC_CONSTANT = 0.0
_ROW_BLOCK = 16384


def _nan_column_sums(X):
    """Column sums ignoring NaN, and counts of non-NaN values, in cache-sized row blocks."""
    n_rows, n_columns = X.shape
    sums = np.zeros(n_columns, dtype=np.float64)
    n_missing = np.zeros(n_columns, dtype=np.intp)
    for start in range(0, n_rows, _ROW_BLOCK):
        block = X[start : start + _ROW_BLOCK]
        is_missing = np.isnan(block)
        sums += np.where(is_missing, 0, block).sum(axis=0, dtype=np.float64)
        n_missing += is_missing.sum(axis=0)
    return sums, n_rows - n_missing


def _impute_partition(partition, imputer):
    """Impute one pandas partition of a dask DataFrame (pandas output, same index)."""
    return imputer.transform(partition)


def _most_frequent(values, counts):
    """The most frequent value; among ties, the smallest (as SimpleImputer picks)."""
    candidates = values[counts == counts.max()]
    try:
        return min(candidates)
    except TypeError:  # values that cannot be ordered: the first seen
        return candidates[0]


class MissingIndicatorImputer(TransformerMixin, BaseEstimator):
    """Fill missing values, and add indicator columns of where values were missing.

    Numeric columns are filled by ``strategy``, categorical columns (strings, booleans,
    categories) by ``categorical_strategy``, so a DataFrame of mixed types works
    directly. For each column that had missing values in fit (or every column, with
    ``features='all'``) an indicator column ``<column>_missing`` is 1.0 where the value
    was missing and 0.0 elsewhere. A linear model can then learn both a value for the
    missing entries and an effect of their being missing.

    The indicator columns are fixed at fit: a column that has missing values only at
    transform time is filled and gets no indicator (no error). A column entirely missing
    in fit is kept and filled with the constant, never dropped (scikit-learn's
    ``SimpleImputer(keep_empty_features=True)`` behaviour).

    On numeric data ``MissingIndicatorImputer(strategy=s, features=f)`` gives the values
    of ``SimpleImputer(strategy=s, add_indicator=True, keep_empty_features=True)``
    (``features='all'`` of ``MissingIndicator``), with indicator names
    ``<column>_missing``.

    Parameters
    ----------
    strategy : {"mean", "median", "most_frequent", "constant"}, default="mean"
        How to fill numeric columns: with the column's mean, median, most frequent value
        (the smallest among ties), or a constant (``fill_value``, by default 0).
    categorical_strategy : {"most_frequent", "constant"}, default="most_frequent"
        How to fill non-numeric columns: with the most frequent category, or a constant
        (``fill_value``, by default the string "missing", a category of its own).
    fill_value : str or number, default=None
        The constant of the "constant" strategies and of columns entirely missing in
        fit. A number fills numeric and categorical columns; a string fills categorical
        columns only (numeric columns then use 0, and ``strategy='constant'`` raises
        when there are numeric columns). A missing (NaN, ``pd.NA``) or infinite value is
        refused at fit, and a fill value that the input's float type cannot hold (1e300
        for float32 data) at transform.
    features : {"missing-only", "all"}, default="missing-only"
        Indicator columns for the columns that had missing values in fit, or for all.

    Attributes
    ----------
    statistics_ : ndarray of shape (`n_features_in_`,)
        The fill value of each column (float array on numeric input, object array on
        mixed input).
    categorical_mask_ : ndarray of bool of shape (`n_features_in_`,)
        Which input columns were treated as categorical.
    indicator_features_ : ndarray of int
        Positions of the columns that get an indicator column.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit, when the input had string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : The scikit-learn imputer it agrees with on numbers.
    DummyEncoder : Encode the filled categorical columns.

    Notes
    -----
    Output: the filled columns in input order, then the indicator columns. On numeric
    input the output is a float array (float32 input stays float32: an array, or a pandas
    frame of float32 columns, as in SimpleImputer). On mixed input it
    is a NumPy object array by default; with ``set_output(transform="pandas")`` or
    ``"polars"`` it is a DataFrame whose numeric columns are float and categorical
    columns strings, ready for ``DummyEncoder(columns="auto")``.

    Missing values are NaN in numeric columns and None, NaN, ``pd.NA`` or ``NaT`` in
    other columns. Empty strings are values, not missing.

    Date, duration and period columns, and infinite values in numeric columns, raise a
    ValueError naming the column (convert dates to numbers or strings first). A dask
    DataFrame is fitted with one computation over its partitions (exact medians and
    modes, from value counts) and transformed lazily into a dask DataFrame. Under
    ``array_api_dispatch`` arrays of other Array API libraries are refused with a
    TypeError (convert them to NumPy).

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import MissingIndicatorImputer
    >>> X = np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, 6.0]])
    >>> imputer = MissingIndicatorImputer().fit(X)
    >>> imputer.transform(X)
    array([[1., 2., 0.],
           [2., 4., 1.],
           [3., 6., 0.]])
    >>> imputer.get_feature_names_out()
    array(['x0', 'x1', 'x0_missing'], dtype=object)
    """

    _parameter_constraints = {
        "strategy": [StrOptions({"mean", "median", "most_frequent", "constant"})],
        "categorical_strategy": [StrOptions({"most_frequent", "constant"})],
        "fill_value": "no_validation",
        "features": [StrOptions({"missing-only", "all"})],
    }

    def __init__(
        self,
        *,
        strategy="mean",
        categorical_strategy="most_frequent",
        fill_value=None,
        features="missing-only",
    ):
        self.strategy = strategy
        self.categorical_strategy = categorical_strategy
        self.fill_value = fill_value
        self.features = features

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the fill value of each column and which columns get an indicator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The data: NumPy array, pandas or polars DataFrame; missing values as NaN
            (or None / ``pd.NA`` in non-numeric columns).
        y : None
            Ignored.

        Returns
        -------
        self : MissingIndicatorImputer
            The fitted imputer.
        """
        self._check_fill_value()
        if is_dask_collection(X):
            return self._fit_dask(X)
        table = validate_table(self, X, reset=True, min_columns=1)
        self._input_names = input_feature_names(self)
        self.categorical_mask_ = table.categorical_mask()
        numeric = np.flatnonzero(~self.categorical_mask_)
        categorical = np.flatnonzero(self.categorical_mask_)
        statistics = np.empty(table.n_columns, dtype=object)
        had_missing = np.zeros(table.n_columns, dtype=bool)
        if numeric.size:
            values, missing_counts = self._numeric_statistics(table.numeric_block(numeric))
            statistics[numeric] = values
            had_missing[numeric] = missing_counts > 0
        for j in categorical:
            statistics[j], had_missing[j] = self._categorical_statistic(table.column(j), j)
        self._store(statistics, had_missing, categorical.size > 0)
        return self

    def _store(self, statistics, had_missing, has_categorical):
        self.statistics_ = statistics if has_categorical else statistics.astype(np.float64)
        if self.features == "all":
            self.indicator_features_ = np.arange(had_missing.size, dtype=np.intp)
        else:
            self.indicator_features_ = np.flatnonzero(had_missing).astype(np.intp)

    def _fit_dask(self, X):
        """Fit on a dask DataFrame: every statistic from one compute over the partitions.

        Means need per-column sums and counts; medians and modes need the value counts
        of the column (exact, as in memory). Infinite values are refused as in memory.
        """
        validate_dask_frame(self, X, reset=True)
        self._input_names = input_feature_names(self)
        self.categorical_mask_ = categorical_mask_of(X)
        numeric = np.flatnonzero(~self.categorical_mask_)
        categorical = np.flatnonzero(self.categorical_mask_)
        refuse_temporal_columns(self, X, numeric)
        numeric_names = [X.columns[j] for j in numeric]
        numeric_frame = X[numeric_names].astype(np.float64)
        by_counts = list(categorical)
        if self.strategy in ("median", "most_frequent"):
            by_counts = [*numeric, *by_counts]
        reductions = [
            X.isna().sum(),
            numeric_frame.sum(),
            numeric_frame.count(),
            (numeric_frame.abs() == np.inf).sum(),
            *[X[X.columns[j]].value_counts(dropna=True, split_out=1) for j in by_counts],
        ]
        n_missing, sums, counts, n_inf, *all_counts = compute_once(*reductions)
        for name, n in zip(numeric_names, np.asarray(n_inf), strict=True):
            if n:
                raise ValueError(
                    f"Column {name!r} contains infinity ({int(n)} value(s)); "
                    "MissingIndicatorImputer accepts finite numbers and missing values "
                    "(NaN) only. Replace the infinite values, for example with NaN to "
                    "impute them."
                )
        value_counts = dict(zip(by_counts, all_counts, strict=True))
        statistics = np.empty(self.n_features_in_, dtype=object)
        constant = self._numeric_constant()
        sums, counts = np.asarray(sums, dtype=np.float64), np.asarray(counts, dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / np.maximum(counts, 1)
        if self.strategy == "mean":
            # sums beyond float64 (values near 1e308): those columns' means from a second
            # compute, of the values scaled by their largest magnitude (as in memory)
            overflowed = [p for p in range(len(numeric)) if counts[p] and not np.isfinite(sums[p])]
            if overflowed:
                names = [numeric_names[p] for p in overflowed]
                scales = np.asarray(compute_once(numeric_frame[names].abs().max())[0])
                scaled = np.asarray(compute_once((numeric_frame[names] / scales).mean())[0])
                means[overflowed] = scaled * scales
        for position, j in enumerate(numeric):
            if counts[position] == 0 or self.strategy == "constant":
                statistics[j] = constant
            elif self.strategy == "mean":
                statistics[j] = means[position]
            else:
                values, weights = counts_as_values(value_counts[j])
                values = values.to_numpy(dtype=np.float64)
                if self.strategy == "median":
                    statistics[j] = weighted_median(values, weights)
                else:
                    statistics[j] = _most_frequent(values, weights)
        categorical_constant = (
            _CATEGORICAL_CONSTANT if self.fill_value is None else self.fill_value
        )
        for j in categorical:
            values, weights = counts_as_values(value_counts[j])
            if self.categorical_strategy == "constant" or weights.size == 0:
                statistics[j] = categorical_constant
            else:
                statistics[j] = _most_frequent(values.to_numpy(dtype=object), weights)
        self._store(statistics, np.asarray(n_missing) > 0, categorical.size > 0)
        return self

    def _check_fill_value(self):
        """Refuse a ``fill_value`` that is itself missing or infinite: it would leave the
        missing values missing (NaN, ``pd.NA``) or make them infinite, silently."""
        value = self.fill_value
        if value is None or np.ndim(value) != 0 or isinstance(value, (str, bytes)):
            return
        if isinstance(value, Real) and not isinstance(value, bool):
            bad = not np.isfinite(float(value))
        else:
            bad = bool(pd.isna(value))
        if bad:
            raise ValueError(
                f"fill_value={value!r} would leave the missing values missing or make them "
                "infinite. Use a finite number or a string (or None for the defaults: 0 "
                "for numeric columns, 'missing' for categorical ones)."
            )

    def _numeric_constant(self):
        if isinstance(self.fill_value, Real) and not isinstance(self.fill_value, bool):
            return float(self.fill_value)
        if self.fill_value is not None and self.strategy == "constant":
            raise ValueError(
                f"fill_value={self.fill_value!r} cannot fill numeric columns with "
                "strategy='constant'. Use a number, or a different strategy."
            )
        return _NUMERIC_CONSTANT

    def _numeric_statistics(self, X):
        """Fill value of each numeric column, and its number of missing values."""
        constant = self._numeric_constant()
        n_rows = X.shape[0]
        if self.strategy in ("mean", "constant"):
            with np.errstate(over="ignore"):  # overflowed sums are averaged again below
                sums, counts = _nan_column_sums(X)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = sums / counts if self.strategy == "mean" else np.full(sums.size, constant)
            if self.strategy == "mean":
                # A sum beyond float64 (values near 1e308) is no mean: the mean of finite
                # values is finite. Those columns are averaged again, scaled to at most 1.
                for position in np.flatnonzero(~np.isfinite(values) & (counts > 0)):
                    column = X[:, position]
                    present = column[~np.isnan(column)]
                    scale = np.max(np.abs(present))
                    values[position] = np.mean(present / scale) * scale
        else:
            counts = np.empty(X.shape[1], dtype=np.intp)
            values = np.empty(X.shape[1], dtype=np.float64)
            for position in range(X.shape[1]):
                column = X[:, position]
                present = column[~np.isnan(column)]
                counts[position] = present.size
                if present.size == 0:
                    continue
                if self.strategy == "median":
                    with np.errstate(over="ignore"):
                        values[position] = np.median(present)
                    if not np.isfinite(values[position]):
                        # the two middle values' sum overflowed: halve them first (exact)
                        values[position] = 2.0 * np.median(present / 2.0)
                else:
                    uniques, value_counts = np.unique(present, return_counts=True)
                    values[position] = uniques[np.argmax(value_counts)]
        values[counts == 0] = constant
        return values, n_rows - counts

    def _categorical_statistic(self, values, j):
        """Fill value of a categorical column, and whether it had missing values."""
        codes, uniques = factorize(values, self._input_names[j])
        is_present = codes >= 0
        had_missing = not is_present.all()
        constant = _CATEGORICAL_CONSTANT if self.fill_value is None else self.fill_value
        if self.categorical_strategy == "constant" or uniques.size == 0:
            return constant, had_missing
        counts = np.bincount(codes[is_present], minlength=uniques.size)
        return _most_frequent(uniques, counts), had_missing

    def transform(self, X):
        """Fill the missing values of ``X`` and append the indicator columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in fit.

        Returns
        -------
        X_out : ndarray or DataFrame of shape (n_samples, n_features_out)
            The filled columns, then one indicator column per entry of
            ``indicator_features_``: a float array for numeric input, an object array
            (or the DataFrame asked for by ``set_output``) for mixed input.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._transform_dask(X)
        table = validate_table(self, X, reset=False)
        if not self.categorical_mask_.any():
            return self._transform_numeric(table)
        columns = []
        is_missing = np.empty((table.n_rows, table.n_columns), dtype=bool)
        for j in range(table.n_columns):
            if self.categorical_mask_[j]:
                values = np.array(table.column(j), dtype=object)
                is_missing[:, j] = pd.isna(values)
                # the fill value as one object (a tuple category would be read as a sequence)
                fill = np.empty(1, dtype=object)
                fill[0] = self.statistics_[j]
                values[is_missing[:, j]] = fill
            else:
                values = table.numeric_column(j)
                is_missing[:, j] = np.isnan(values)
                values = np.where(is_missing[:, j], self.statistics_[j], values)
            columns.append(values)
        indicators = is_missing[:, self.indicator_features_].astype(np.float64)
        columns.extend(indicators.T)
        return assemble_mixed_output(self, table, columns, self.get_feature_names_out())

    def _transform_dask(self, X):
        """Impute each partition of a dask DataFrame lazily, into a dask DataFrame."""
        validate_dask_frame(self, X, reset=False)
        partition_imputer = copy.copy(self).set_output(transform="pandas")
        # The output dtypes, from dask's stand-in partition of the input's dtypes.
        meta = partition_imputer.transform(X._meta_nonempty).iloc[:0]
        return map_partitions_to_frame(X, _impute_partition, partition_imputer, meta)

    def _transform_numeric(self, table):
        data = table.data
        if table.kind == "numpy" and data.dtype.kind == "f":
            X = data
        else:  # a frame of float32 columns stays float32, as in SimpleImputer
            X = table.numeric_block(np.arange(table.n_columns), dtype=table.float_dtype())
        n_columns = X.shape[1]
        output = np.empty((X.shape[0], n_columns + self.indicator_features_.size), dtype=X.dtype)
        imputed = output[:, :n_columns]
        is_missing = np.isnan(X)
        np.copyto(imputed, X)
        with np.errstate(over="ignore"):
            fill = self.statistics_.astype(X.dtype)
        overflowed = np.isinf(fill) & is_missing.any(axis=0)
        if overflowed.any():
            names = input_feature_names(self)[overflowed]
            raise ValueError(
                f"The fill values of columns {list(names)[:10]} "
                f"({self.statistics_[overflowed][:10].tolist()}) are beyond the range of "
                f"the input's dtype {X.dtype}: they would be filled in as infinity. Pass "
                "float64 data, or a fill_value within the range."
            )
        np.copyto(imputed, fill, where=is_missing)
        output[:, n_columns:] = is_missing[:, self.indicator_features_]
        return output

    def get_feature_names_out(self, input_features=None):
        """Output column names: the input names, then ``<column>_missing``.

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
        names = input_feature_names(self, input_features)
        indicator_names = [f"{names[j]}_missing" for j in self.indicator_features_]
        return np.asarray([*map(str, names), *indicator_names], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
