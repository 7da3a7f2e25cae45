"""Integer codes for categorical columns: sorted categories, missing last, unseen values."""

import numpy as np
import pandas as pd


def _is_missing_scalar(value):
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, (float, np.floating)) and np.isnan(value))
    )


def factorize(values, column_name):
    """``pandas.factorize`` of one column, with an error message for unhashable values.

    Returns
    -------
    codes : ndarray of int
        Position of each value in ``uniques``; -1 for a missing value.
    uniques : ndarray
        The distinct non-missing values, in order of appearance.
    """
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError as exc:
        raise TypeError(
            f"Column {column_name!r} holds a value that cannot be a category ({exc}): "
            "each argument must be a string or a real number, or missing. Convert the "
            "column to strings or numbers."
        ) from exc
    return np.asarray(codes), np.asarray(uniques)


def missing_category(values, codes):
    """The value that stands for "missing" among the categories of a column.

    ``None`` when every missing value of an object column is ``None`` (as
    scikit-learn's OneHotEncoder names it), ``np.nan`` otherwise.
    """
    if isinstance(values, pd.Series):
        if not pd.api.types.is_object_dtype(values.dtype):
            return np.nan
        values = values.to_numpy()
    if values.dtype.kind != "O":
        return np.nan
    missing_values = values[codes < 0]
    return None if all(value is None for value in missing_values) else np.nan


def sorted_categories(values, column_name):
    """Categories of a column, sorted, missing last, and the codes of its values.

    Returns
    -------
    categories : ndarray
        The sorted distinct non-missing values, then the missing category when the
        column has missing values.
    codes : ndarray of intp
        Position of each value in ``categories``.
    """
    codes, uniques = factorize(values, column_name)
    try:
        order = np.argsort(uniques, kind="stable")
    except TypeError as exc:
        value_types = sorted({type(value).__name__ for value in uniques})
        raise TypeError(
            f"Column {column_name!r} mixes values of types {value_types}: the categories "
            "of a column must be all strings or all numbers. Convert the column, for "
            "example with .astype(str)."
        ) from exc
    categories = uniques[order]
    n_known = categories.size
    rank = np.empty(n_known + 1, dtype=np.intp)
    rank[order] = np.arange(n_known, dtype=np.intp)
    rank[n_known] = n_known  # code -1 (missing) reads the last entry
    if (codes < 0).any():
        missing = missing_category(values, codes)
        if categories.dtype.kind not in "fO" or missing is None:
            categories = categories.astype(object)
        categories = np.append(categories, np.array([missing], dtype=categories.dtype))
    return categories, rank[codes]


def _indexable(values):
    """``values`` as pandas can index them: float16 (which a pandas Index refuses) as
    float32, exactly."""
    return values.astype(np.float32) if values.dtype == np.float16 else values


class CategoryCodes:
    """Maps the values of a column to positions in fitted categories.

    Parameters
    ----------
    categories : ndarray
        The fitted categories; a missing category (None or NaN), if any, is recognised
        wherever it stands.
    """

    def __init__(self, categories):
        self.categories = categories
        is_missing = np.array([_is_missing_scalar(value) for value in categories], dtype=bool)
        missing_positions = np.flatnonzero(is_missing)
        self.missing_position = int(missing_positions[0]) if missing_positions.size else None
        self.known_positions = np.flatnonzero(~is_missing)
        self.known_index = pd.Index(_indexable(categories[~is_missing]))
        self.n_categories = len(categories)

    def encode(self, values, column_name):
        """Positions of ``values`` in the categories; ``n_categories`` for unseen values.

        Returns
        -------
        codes : ndarray of intp
            Category position of each value.
        unknown : list
            The distinct values not among the categories (a missing value is unknown
            when the categories have no missing category).
        """
        codes, uniques = factorize(values, column_name)
        positions = self._lookup(uniques)
        mapping = np.empty(uniques.size + 1, dtype=np.intp)
        found = positions >= 0
        mapping[:-1] = self.n_categories
        mapping[:-1][found] = self.known_positions[positions[found]]
        unknown = list(uniques[~found])
        if self.missing_position is None:
            mapping[-1] = self.n_categories
            if (codes < 0).any():
                unknown.append(missing_category(values, codes))
        else:
            mapping[-1] = self.missing_position
        return mapping[codes], unknown

    def _lookup(self, uniques):
        """Position in ``known_index`` of each of ``uniques`` (-1 where absent).

        Values are compared as Python compares them, as in OneHotEncoder: a pandas index
        of booleans does not find the numbers 1 and 0, nor one of numbers ``True``, so
        values not found in an index of another dtype are looked up again as objects
        (``True == 1.0``: a bool column at fit read as 0/1 at transform).
        """
        positions = self.known_index.get_indexer(_indexable(uniques))
        absent = positions < 0
        kinds = {self.known_index.dtype.kind, uniques.dtype.kind}
        # booleans on one side (objects may hold them), numbers or booleans on the other
        if absent.any() and len(kinds) == 2 and kinds <= set("biufO") and kinds & set("bO"):
            as_objects = pd.Index(np.asarray(self.known_index, dtype=object), dtype=object)
            positions[absent] = as_objects.get_indexer(uniques[absent].astype(object))
        return positions

    def position_of(self, value):
        """Position of one category value, or None when it is not a category."""
        if _is_missing_scalar(value):
            return self.missing_position
        position = self._lookup(np.array([value]))[0]
        return None if position < 0 else int(self.known_positions[position])
