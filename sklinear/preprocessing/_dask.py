"""Dask collections for the transformers: detection, one-reduction fits, lazy transforms.

Dask is optional: nothing here imports it until a transformer is given a dask collection
(which can only exist when dask is installed).
"""

import numpy as np
import pandas as pd

from ._base import _is_temporal_dtype, _pandas_column_is_categorical


def is_dask_collection(X):
    """True for a dask Array, DataFrame or Series, without importing dask."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "__dask_graph__")


def is_dask_dataframe(X):
    """True for a 2-D dask DataFrame."""
    return is_dask_collection(X) and hasattr(X, "columns") and hasattr(X, "map_partitions")


def is_dask_array(X):
    """True for a dask Array."""
    return is_dask_collection(X) and hasattr(X, "map_blocks") and hasattr(X, "chunks")


def require_dask_dataframe(estimator, X):
    """Refuse a dask collection that is not a 2-D DataFrame, and output containers."""
    if not is_dask_dataframe(X):
        raise TypeError(
            f"{type(estimator).__name__} accepts dask DataFrames, not {type(X).__name__}. "
            "Convert a dask array with dask.dataframe.from_dask_array(X, columns=[...])."
        )
    require_no_output_container(estimator)


def require_no_output_container(estimator):
    from ._base import output_container

    container = output_container(estimator)
    if container != "default":
        raise ValueError(
            f"{type(estimator).__name__} was configured with set_output(transform="
            f"{container!r}), which does not apply to dask input: the output of a dask "
            "collection is a dask collection (with pandas partitions). Use "
            "set_output(transform='default') with dask input."
        )


def validate_dask_frame(estimator, X, *, reset):
    """Record (``reset``) or check the column count and names of a dask DataFrame.

    The dask counterpart of ``validate_data(..., skip_check_array=True)``, which does not
    see a dask DataFrame's column names; nothing is computed.
    """
    from .._dask import feature_names

    require_dask_dataframe(estimator, X)
    names = np.asarray(list(X.columns), dtype=object)
    has_names = feature_names(X) is not None  # mixed string / other names: TypeError
    if reset:
        estimator.n_features_in_ = names.size
        if has_names:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    fitted_names = getattr(estimator, "feature_names_in_", None)
    if fitted_names is not None and not np.array_equal(names, fitted_names):
        raise ValueError(
            "The feature names should match those that were passed during fit: got "
            f"{list(names)}, fitted on {list(fitted_names)}. Select the columns seen in fit, "
            "in the same order."
        )
    if names.size != estimator.n_features_in_:
        raise ValueError(
            f"X has {names.size} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )


def compute_once(*collections):
    """Compute dask collections together: one graph, one round trip to the scheduler."""
    import dask

    return dask.compute(*collections)


def categorical_mask_of(X):
    """Categorical columns of a dask DataFrame, from its dtypes (nothing is computed)."""
    return np.array([_pandas_column_is_categorical(t) for t in X.dtypes], dtype=bool)


def refuse_temporal_columns(estimator, X, positions):
    """ValueError naming the first column among ``positions`` of dates or durations."""
    for j in positions:
        dtype = X.dtypes.iloc[j]
        if _is_temporal_dtype(dtype):
            raise ValueError(
                f"Column {X.columns[j]!r} holds dates or durations (dtype {dtype}), which "
                f"{type(estimator).__name__} cannot use as numbers: a missing value (NaT) "
                "would become -9.2e18. Convert the column first: to numbers (e.g. the "
                "seconds since a date, or the year), or to strings to treat it as "
                "categories."
            )


def counts_as_values(counts):
    """A computed ``value_counts(dropna=False)`` as (values Series, int64 counts)."""
    values = pd.Series(counts.index, dtype=counts.index.dtype)
    return values, counts.to_numpy(dtype=np.int64, na_value=0)


def weighted_median(values, counts):
    """The median of ``values`` repeated ``counts`` times, as ``np.median`` gives it."""
    order = np.argsort(values, kind="stable")
    values = values[order]
    cumulative = np.cumsum(counts[order])
    total = cumulative[-1]
    lower = values[np.searchsorted(cumulative, (total - 1) // 2, side="right")]
    upper = values[np.searchsorted(cumulative, total // 2, side="right")]
    with np.errstate(over="ignore"):
        median = (lower + upper) / 2.0
    # two middle values near the float64 limit: their sum overflowed; halved first (exact)
    return median if np.isfinite(median) else lower / 2.0 + upper / 2.0


def map_partitions_to_frame(X, function, transformer, meta):
    """Apply ``function(partition, transformer)`` lazily to each partition of ``X``.

    An empty partition (one a filter emptied) gives ``meta`` with its (empty) index: the
    in-memory transform refuses 0 rows.
    """
    return X.map_partitions(
        _transform_partition, function, transformer, meta, meta=meta, align_dataframes=False
    )


def _transform_partition(partition, function, transformer, meta):
    if len(partition) == 0:
        return meta.set_axis(partition.index, axis=0)
    return function(partition, transformer)


def empty_frame(names, dtypes):
    """An empty pandas DataFrame with the given column names and dtypes (a dask meta)."""
    return pd.DataFrame(
        {position: pd.Series([], dtype=dtype) for position, dtype in enumerate(dtypes)}
    ).set_axis(list(names), axis=1)
