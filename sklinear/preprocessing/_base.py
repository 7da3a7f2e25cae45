"""Shared machinery of the transformers: input tables, column kinds, names and outputs."""

import numbers

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.utils.validation import validate_data

# Values of ``pandas.api.types.infer_dtype`` for an object column holding real numbers
# (bools excluded) once missing values are skipped. "empty" is an all-missing column.
_NUMERIC_INFERRED_TYPES = frozenset(
    {"floating", "integer", "mixed-integer-float", "decimal", "empty"}
)


def _is_temporal_dtype(dtype):
    """True for pandas/NumPy datetime, timedelta and period dtypes (with or without zone)."""
    return (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )


def _is_pandas_frame(X):
    return isinstance(X, pd.DataFrame)


def _is_polars_frame(X):
    module = type(X).__module__
    return module.split(".")[0] == "polars" and type(X).__name__ == "DataFrame"


def _object_column_is_numeric(values):
    """True when the non-missing values of an object column are all real numbers."""
    return pd.api.types.infer_dtype(values, skipna=True) in _NUMERIC_INFERRED_TYPES


def _is_arrow_dictionary(dtype):
    """A pandas ``ArrowDtype`` of a dictionary (pyarrow's categorical: what
    ``read_parquet(dtype_backend="pyarrow")`` gives for a category column)."""
    if not isinstance(dtype, pd.ArrowDtype):
        return False
    import pyarrow as pa

    return pa.types.is_dictionary(dtype.pyarrow_dtype)


def _pandas_column_is_categorical(dtype):
    return (
        isinstance(dtype, (pd.CategoricalDtype, pd.IntervalDtype))
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or _is_arrow_dictionary(dtype)
    )


def _polars_column_is_categorical(dtype):
    import polars as pl

    return dtype in (pl.String, pl.Categorical, pl.Boolean, pl.Object) or isinstance(
        dtype, (pl.Enum, pl.Categorical)
    )


class _Table:
    """Column access to a validated 2-D input, whatever its container.

    The transformers see their input through this class only: NumPy arrays (numeric, or
    object for mixed data), pandas DataFrames and polars DataFrames. Columns are read
    without copying the data where the container allows it, and the input is never
    modified.

    Parameters
    ----------
    data : ndarray or DataFrame
        The input after validation by :func:`validate_table`.
    owner : str, default="the transformer"
        Name of the transformer that reads the table, for error messages.
    """

    def __init__(self, data, owner="the transformer"):
        self.owner = owner
        if _is_pandas_frame(data):
            self.kind = "pandas"
            if data.attrs:
                # pandas deep-copies ``attrs`` into every column taken (``iloc``): a frame
                # carrying a large one made a pass cost columns x attrs. The table reads a
                # shallow copy without them; the input keeps its own.
                data = data.copy(deep=False)
                data.attrs = {}
        elif _is_polars_frame(data):
            self.kind = "polars"
        else:
            self.kind = "numpy"
        self.data = data
        self.n_rows, self.n_columns = data.shape

    @property
    def index(self):
        """The pandas index of the input, or None."""
        return self.data.index if self.kind == "pandas" else None

    def column(self, j):
        """Column ``j`` as a 1-D array or pandas Series (missing values kept)."""
        if self.kind == "pandas":
            return self.data.iloc[:, j]
        if self.kind == "polars":
            series = self.data.to_series(j)
            values = series.to_numpy()
            if values.ndim != 1:  # a Struct or Array column: one row per value
                raise TypeError(
                    f"Column {self.label(j)!r} holds nested values (polars dtype "
                    f"{series.dtype}), which {self.owner} cannot use as numbers or as "
                    "categories. Unnest it into columns first (DataFrame.unnest, "
                    ".arr.to_struct()), or convert it to strings."
                )
            return values
        return self.data[:, j]

    def float_dtype(self):
        """The float type of the input's numbers, as scikit-learn's ``check_array`` keeps
        it: that of a float array, or of a pandas frame whose columns are all NumPy
        floats (float32 stays float32); float64 otherwise."""
        if self.kind == "numpy":
            return self.data.dtype if self.data.dtype.kind == "f" else np.dtype(np.float64)
        if self.kind == "pandas":
            dtypes = list(self.data.dtypes)
            if dtypes and all(isinstance(t, np.dtype) and t.kind == "f" for t in dtypes):
                return np.result_type(*dtypes)
        return np.dtype(np.float64)

    def categorical_mask(self):
        """Boolean mask of the columns that hold categories rather than numbers.

        pandas and polars: string, object, categorical (pyarrow dictionary included),
        interval and boolean columns. NumPy: a
        numeric array has none; in an object array a column is numeric when all its
        non-missing values are real numbers (bools excluded), categorical otherwise.
        """
        if self.kind == "pandas":
            return np.array([_pandas_column_is_categorical(t) for t in self.data.dtypes])
        if self.kind == "polars":
            return np.array([_polars_column_is_categorical(t) for t in self.data.dtypes])
        if self.data.dtype.kind == "b":
            return np.ones(self.n_columns, dtype=bool)
        if self.data.dtype.kind != "O":
            return np.zeros(self.n_columns, dtype=bool)
        return np.array(
            [not _object_column_is_numeric(self.data[:, j]) for j in range(self.n_columns)]
        )

    def label(self, j):
        """The name of column ``j`` as the user knows it: its label, or its position."""
        if self.kind in ("pandas", "polars"):
            return self.data.columns[j]
        return int(j)

    def numeric_column(self, j, dtype=np.float64):
        """Column ``j`` as a float array, missing values as NaN.

        Raises a ValueError naming the column when it holds dates or durations (whose
        missing value NaT would otherwise become -9.2e18), complex numbers (whose
        imaginary parts would be dropped) or infinite values.
        """
        if self.kind == "pandas":
            column = self.data.iloc[:, j]
            if _is_temporal_dtype(column.dtype):
                self._refuse_temporal(j, column.dtype)
        else:
            column = self.column(j)
            if column.dtype.kind in "mM":
                self._refuse_temporal(j, column.dtype)
        if getattr(column.dtype, "kind", None) == "c":
            raise ValueError(
                f"Column {self.label(j)!r} holds complex numbers (dtype {column.dtype}); "
                f"{self.owner} accepts real numbers only (converting would drop the "
                "imaginary parts). Split it into real columns first (.real, .imag)."
            )
        try:
            if self.kind == "pandas":
                values = column.to_numpy(dtype=dtype, na_value=np.nan)
            elif column.dtype.kind == "O":
                values = pd.array(column).to_numpy(dtype=dtype, na_value=np.nan)
            else:
                values = column
            values = np.asarray(values, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Column {self.label(j)!r} cannot be converted to numbers ({exc}). "
                "Convert it to numbers, or treat it as categories."
            ) from exc
        if np.isinf(values).any():
            raise ValueError(
                f"Column {self.label(j)!r} contains infinity ({np.isinf(values).sum()} "
                f"value(s)); {self.owner} accepts finite numbers and missing values (NaN) "
                "only. Replace the infinite values, for example with NaN to impute them."
            )
        return values

    def _refuse_temporal(self, j, dtype):
        raise ValueError(
            f"Column {self.label(j)!r} holds dates or durations (dtype {dtype}), which "
            f"{self.owner} cannot use as numbers: a missing value (NaT) would become "
            "-9.2e18. Convert the column first: to numbers (e.g. "
            "(X[col] - X[col].min()).dt.total_seconds(), or the year), or to strings to "
            "treat it as categories."
        )

    def numeric_block(self, columns, dtype=np.float64):
        """The given columns as one 2-D float array, without a copy where possible."""
        columns = np.asarray(columns, dtype=np.intp)
        if self.kind == "numpy" and self.data.dtype.kind in "fiu":
            if columns.size == self.n_columns and np.array_equal(columns, np.arange(columns.size)):
                return np.asarray(self.data, dtype=dtype)
            return np.asarray(self.data[:, columns], dtype=dtype)
        block = np.empty((self.n_rows, columns.size), dtype=dtype, order="F")
        for position, j in enumerate(columns):
            block[:, position] = self.numeric_column(j, dtype=dtype)
        return block


def validate_table(estimator, X, *, reset, ensure_all_finite="allow-nan", min_columns=0):
    """Validate ``X`` for a transformer of mixed data and wrap it in a :class:`_Table`.

    DataFrames (pandas, polars) are kept as they are, with their column dtypes; their
    column names and count are checked against the fit. Any other input goes through
    scikit-learn's ``validate_data`` without a dtype conversion: numeric arrays stay
    numeric, mixed data becomes an object array. Sparse input is refused. A DataFrame of
    fewer than ``min_columns`` columns is refused with scikit-learn's message for arrays
    (arrays always need one: scikit-learn's check).
    """
    from ._array_api import foreign_namespace

    xp = foreign_namespace(X)
    if xp is not None:
        raise TypeError(
            f"{type(estimator).__name__} works on host tables (NumPy arrays, pandas and "
            f"polars DataFrames) and does not compute in other Array API namespaces: got "
            f"a {type(X).__module__}.{type(X).__name__} with array_api_dispatch=True. "
            "Convert it first (np.asarray(X), or X.cpu().numpy() for PyTorch), or apply "
            "this transformer before moving the data to the device."
        )
    if _is_pandas_frame(X) or _is_polars_frame(X):
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        if X.shape[0] < 1:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a "
                f"minimum of 1 is required by {type(estimator).__name__}."
            )
        if X.shape[1] < min_columns:  # as scikit-learn's check of arrays says it
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                f"required by {type(estimator).__name__}."
            )
        return _Table(X, type(estimator).__name__)
    X = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=None,
        accept_sparse=False,
        ensure_all_finite=ensure_all_finite,
    )
    if X.dtype.kind in "USV":
        X = X.astype(object)
    elif X.dtype.kind not in "biufO":
        raise TypeError(
            f"{type(estimator).__name__} accepts numbers, strings and booleans; got an "
            f"array of dtype {X.dtype}. Convert the data to one of these types."
        )
    return _Table(X, type(estimator).__name__)


def input_feature_names(estimator, input_features=None):
    """Names of the input features, for ``get_feature_names_out``.

    ``input_features`` must match ``feature_names_in_`` when the estimator was fitted on
    a DataFrame, and have ``n_features_in_`` entries otherwise. Without it, the fitted
    names are used, or ``x0, x1, ...``.
    """
    fitted_names = getattr(estimator, "feature_names_in_", None)
    n_features = estimator.n_features_in_
    if input_features is None:
        if fitted_names is not None:
            return np.asarray(fitted_names, dtype=object)
        return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)
    input_features = np.asarray(input_features, dtype=object)
    if fitted_names is not None and not np.array_equal(input_features, fitted_names):
        raise ValueError(
            "input_features is not equal to feature_names_in_: got "
            f"{list(input_features)}, fitted on {list(fitted_names)}. Pass the column "
            "names seen in fit, or None."
        )
    if len(input_features) != n_features:
        raise ValueError(
            f"input_features should have length equal to number of features "
            f"({n_features}), got {len(input_features)}."
        )
    return input_features


def resolve_columns(columns, names, n_columns, *, parameter="columns"):
    """Turn a list of column names or integer positions into sorted integer positions.

    ``names`` are the input's column names (or None for an array without names).
    Raises a ValueError that names the unknown entries and what the input offers.
    """
    if isinstance(columns, (str, numbers.Integral)):
        columns = [columns]
    positions = []
    unknown = []
    lookup = {} if names is None else {name: j for j, name in enumerate(names)}
    for column in columns:
        if isinstance(column, (numbers.Integral, np.integer)) and not isinstance(column, bool):
            j = int(column)
            if -n_columns <= j < n_columns:
                positions.append(j % n_columns)
            else:
                unknown.append(column)
        elif column in lookup:
            positions.append(lookup[column])
        else:
            unknown.append(column)
    if unknown:
        if names is None:
            offer = (
                f"integer positions 0 to {n_columns - 1} (the input has no string column "
                "names; as in scikit-learn, integers are positions, also in a DataFrame "
                "whose column names are integers)"
            )
        else:
            offer = f"column names {list(names)} or integer positions 0 to {n_columns - 1}"
        raise ValueError(
            f"{parameter} refers to columns that are not in the input: {unknown}. Use {offer}."
        )
    if len(set(positions)) != len(positions):
        raise ValueError(
            f"{parameter} lists a column more than once: {list(columns)}. List each once."
        )
    return np.array(sorted(positions), dtype=np.intp)


def output_container(estimator, method="transform"):
    """The container configured by ``set_output`` for ``method``: default, pandas, polars."""
    configured = getattr(estimator, "_sklearn_output_config", {})
    if method in configured:
        return configured[method]
    return get_config()[f"{method}_output"]


def assemble_mixed_output(estimator, table, columns, names):
    """Assemble output columns of possibly different types into the configured container.

    Parameters
    ----------
    estimator : transformer
        Its ``set_output`` configuration picks the container.
    table : _Table
        The input, for its pandas index.
    columns : list of 1-D ndarray
        The output columns, in order; float arrays, or object arrays for categories.
    names : ndarray of str
        The output column names.

    Returns
    -------
    output : ndarray, pandas.DataFrame or polars.DataFrame
        A float array when every column is numeric, an object array otherwise, or a
        DataFrame (with each column's own dtype) when ``set_output`` asks for one.
    """
    container = output_container(estimator)
    if container == "pandas":
        data = dict(zip(range(len(columns)), columns, strict=True))
        frame = pd.DataFrame(data, index=table.index)
        frame.columns = list(names)
        return frame
    if container == "polars":
        import polars as pl

        series = []
        for name, values in zip(names, columns, strict=True):
            if values.dtype.kind == "O":
                series.append(pl.Series(str(name), values.tolist(), strict=False))
            else:
                series.append(pl.Series(str(name), values))
        return pl.DataFrame(series)
    is_numeric = all(values.dtype.kind in "biuf" for values in columns)
    dtype = np.result_type(*[values.dtype for values in columns]) if is_numeric else object
    if is_numeric and dtype.kind != "f":
        dtype = np.float64
    output = np.empty((table.n_rows, len(columns)), dtype=dtype)
    for position, values in enumerate(columns):
        output[:, position] = values
    return output
