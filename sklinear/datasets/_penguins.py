"""Loader for the Palmer penguins data bundled with the package (CC0)."""

from importlib import resources

import pandas as pd

PENGUINS_DEFAULT_TARGET = "species"
"""Name of the column that :func:`load_penguins` returns as ``y`` by default."""

_DATA_PACKAGE = "sklinear.datasets"
_PENGUINS_FILE = "penguins.csv"


#: The options of ``pandas.read_csv`` that read the bundled file: "NA" is a missing value.
PENGUINS_READ_OPTIONS = {"na_values": ["NA"], "keep_default_na": False}


def penguins_csv_path():
    """The path of the bundled CSV file (for readers that need a path, such as Dask)."""
    return str(resources.files(_DATA_PACKAGE).joinpath("data", _PENGUINS_FILE))


def _read_penguins_csv():
    data_file = resources.files(_DATA_PACKAGE).joinpath("data", _PENGUINS_FILE)
    with data_file.open("r", encoding="utf-8") as handle:
        # Exactly what ``pandas.read_csv`` gives a user for this file: string columns keep
        # pandas' default string dtype, "NA" becomes a missing value.
        return pd.read_csv(handle, **PENGUINS_READ_OPTIONS)


def load_penguins(*, return_X_y=False, as_frame=True, target=PENGUINS_DEFAULT_TARGET):
    """Load the Palmer penguins data: 344 penguins, mixed types, with missing values.

    Three species of penguins (Adelie, Chinstrap, Gentoo) observed on three islands of the
    Palmer Archipelago, Antarctica, 2007-2009. Columns: ``species``, ``island`` and ``sex``
    (strings), ``bill_length_mm``, ``bill_depth_mm``, ``flipper_length_mm``,
    ``body_mass_g`` (floats) and ``year`` (int). Two rows lack all measurements and eleven
    lack ``sex``; missing values are NaN. The default target, ``species``, has no missing
    values; other targets may (drop those rows before fitting a model).

    The data are released under CC0 by Horst, Hill and Gorman (2020), palmerpenguins, from
    Gorman, Williams and Fraser (2014); see ``PENGUINS_LICENSE.txt`` next to the CSV file.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)``: the features without the target column, and the target.
        If False, return the whole table.
    as_frame : bool, default=True
        If True, return a pandas DataFrame (and Series). If False, return NumPy object
        arrays (missing values as NaN).
    target : str, default="species"
        Column returned as ``y`` when ``return_X_y=True``. Any column of the table.

    Returns
    -------
    data : pandas.DataFrame of shape (344, 8) or ndarray
        The whole table, when ``return_X_y=False``.
    (X, y) : tuple of (DataFrame of shape (344, 7), Series of shape (344,)) or ndarrays
        When ``return_X_y=True``.

    Examples
    --------
    >>> from sklinear.datasets import load_penguins
    >>> X, y = load_penguins(return_X_y=True)
    >>> X.shape, y.shape
    ((344, 7), (344,))
    >>> sorted(y.unique())
    ['Adelie', 'Chinstrap', 'Gentoo']
    """
    frame = _read_penguins_csv()
    if target not in frame.columns:
        raise ValueError(
            f"target must be a column of the penguins data; got {target!r}. "
            f"Choose one of {list(frame.columns)}."
        )
    if not return_X_y:
        return frame if as_frame else frame.to_numpy(dtype=object)
    X = frame.drop(columns=[target])
    y = frame[target]
    if as_frame:
        return X, y
    return X.to_numpy(dtype=object), y.to_numpy()


def get_bundled_dataset():
    """Return the dataset the command line uses when it is given no CSV file.

    Returns
    -------
    frame : pandas.DataFrame
        The Palmer penguins table of :func:`load_penguins`, target column included.
    target : str
        The name of its default target column, :data:`PENGUINS_DEFAULT_TARGET`.

    Examples
    --------
    >>> from sklinear.datasets import get_bundled_dataset
    >>> frame, target = get_bundled_dataset()
    >>> target, frame.shape
    ('species', (344, 8))
    """
    return load_penguins(), PENGUINS_DEFAULT_TARGET
