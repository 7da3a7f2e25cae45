"""Reading the table for the command line, checking its columns, choosing a model."""

import difflib
import sys

import numpy as np
import pandas as pd

from ._errors import CLIError, UsageError, one_line

#: An integer-valued numeric target with at most this many distinct values is taken as
#: class labels by ``--model auto``.
MAX_INTEGER_CLASSES = 10

MODEL_CLASSES = {
    "linear": "GDLinearRegressor",
    "logistic": "GDLogisticClassifier",
    "softmax": "SoftmaxClassifier",
}

#: Field values read as missing unless ``--na-values`` says otherwise (an empty field is
#: always missing).
DEFAULT_NA_VALUES = ["?", "-", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None"]

#: A text column is ID-like (names, identifiers, free text) when it has more than
#: ``ID_LIKE_MIN_DISTINCT`` distinct values and at least ``ID_LIKE_SHARE`` of its non-missing
#: values are distinct: its dummies would be nearly one column per row.
ID_LIKE_MIN_DISTINCT = 20
ID_LIKE_SHARE = 0.5

#: A text column is reported as "numeric except for a few values" when at most this share
#: (and at most ``NEARLY_NUMERIC_MAX_BAD`` values) of its non-missing values are not numbers.
NEARLY_NUMERIC_SHARE = 0.05
NEARLY_NUMERIC_MAX_BAD = 20

PLOT_INSTALL_HINT = 'pip install "sklinear[plot]" (from a source checkout: pip install ".[plot]")'


def _list_columns(columns, limit=20):
    names = [str(name) for name in columns]
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown


def na_markers(na_values):
    """The markers read as missing: ``na_values`` (default :data:`DEFAULT_NA_VALUES`) and ''."""
    markers = DEFAULT_NA_VALUES if na_values is None else list(na_values)
    return ["", *[m for m in markers if m != ""]]


def read_table(path, *, sep=",", decimal=".", na_values=None):
    """Read a CSV file (``'-'`` for standard input) into a DataFrame.

    Fields equal to one of the ``na_values`` markers (default :data:`DEFAULT_NA_VALUES`)
    and empty fields are missing values; ``decimal`` is the decimal mark of numbers.

    Raises
    ------
    CLIError
        If the file is missing or unreadable, does not parse as CSV, or has no data rows.
    """
    source = sys.stdin if path == "-" else path
    shown = "standard input" if path == "-" else repr(str(path))
    if sep == decimal:
        raise UsageError(f"--sep and --decimal are both {sep!r}; they must differ")
    try:
        frame = pd.read_csv(
            source,
            sep=sep,
            decimal=decimal,
            na_values=na_markers(na_values),
            keep_default_na=False,
        )
    except FileNotFoundError:
        raise CLIError(f"cannot read {shown}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read {shown}: it is a directory, not a CSV file") from None
    except PermissionError:
        raise CLIError(f"cannot read {shown}: permission denied") from None
    except pd.errors.EmptyDataError:
        raise CLIError(f"cannot read {shown}: the file is empty") from None
    except UnicodeDecodeError:
        raise CLIError(
            f"cannot parse {shown} as CSV: it is not UTF-8 text (is it a binary file?)"
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise CLIError(f"cannot parse {shown} as CSV: {one_line(exc)}") from None
    except OSError as exc:
        raise CLIError(f"cannot read {shown}: {one_line(exc.strerror or exc)}") from None
    if frame.shape[0] == 0:
        raise CLIError(f"{shown} has a header but no data rows")
    return frame


def split_target(frame, target):
    """Split ``frame`` into features and target, dropping rows whose target is missing.

    Returns
    -------
    X : DataFrame
        The other columns, on the rows that have a target value.
    y : Series
        The target column on those rows.
    n_dropped : int
        How many rows were dropped because their target was missing.
    """
    if target not in frame.columns:
        hint = difflib.get_close_matches(target, [str(c) for c in frame.columns], n=1)
        hint = f" (did you mean {hint[0]!r}?)" if hint else ""
        if any(";" in str(column) for column in frame.columns):
            hint += (
                "; the header contains ';', so the file seems to be separated by semicolons: "
                "use --sep ';' (and --decimal ',' if its numbers use decimal commas)"
            )
        raise UsageError(
            f"unknown target column {target!r}{hint}; the columns are: "
            f"{_list_columns(frame.columns)}"
        )
    if frame.shape[1] < 2:
        raise CLIError(f"the table has no feature columns besides the target {target!r}")
    missing = frame[target].isna().to_numpy()
    kept = frame.loc[~missing]
    X = kept.drop(columns=[target]).reset_index(drop=True)
    y = kept[target].reset_index(drop=True)
    return X, y, int(missing.sum())


def _show(value):
    """``repr`` of a value, with NumPy scalars shown as the Python numbers they hold."""
    return repr(value.item() if hasattr(value, "item") else value)


def _is_numeric(y):
    return pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)


def _is_integer_valued(y):
    values = y.to_numpy(dtype=float)
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def choose_model(y, requested, target):
    """Pick the estimator for target ``y`` and check that the target fits it.

    The rule of ``--model auto``: a target that is not numeric (text, booleans), or a
    numeric one whose values are all integers with at most :data:`MAX_INTEGER_CLASSES`
    distinct values, holds class labels: two classes give ``'logistic'``, more give
    ``'softmax'``. Any other numeric target gives ``'linear'``.

    Returns
    -------
    kind : {'linear', 'logistic', 'softmax'}
    reason : str
        One line saying why, for the report.
    """
    n_distinct = int(y.nunique())
    numeric = _is_numeric(y)
    if numeric and not np.all(np.isfinite(y.to_numpy(dtype=float))):
        raise CLIError(f"target column {target!r} holds infinite values")
    labels_like = not numeric or (_is_integer_valued(y) and n_distinct <= MAX_INTEGER_CLASSES)

    if requested == "auto":
        if not labels_like:
            return "linear", f"auto: target {target!r} is numeric with {n_distinct} values"
        kind = "logistic" if n_distinct == 2 else "softmax"
        what = "non-numeric" if not numeric else "integer-valued"
        if n_distinct < 2:
            raise CLIError(
                f"target column {target!r} has a single value ({_show(y.iloc[0])}); "
                "a classifier needs at least two classes"
            )
        return kind, f"auto: target {target!r} is {what} with {n_distinct} classes"

    if requested == "linear":
        if not numeric:
            example = y.iloc[0]
            raise CLIError(
                f"--model linear needs a numeric target, but column {target!r} holds "
                f"non-numeric values such as {_show(example)}; use --model auto for a classifier"
            )
        return "linear", f"--model linear on numeric target {target!r}"

    # A classifier was asked for.
    if numeric and not _is_integer_valued(y):
        raise CLIError(
            f"--model {requested} needs class labels, but target column {target!r} holds "
            f"continuous values ({n_distinct} distinct); use --model linear"
        )
    if n_distinct < 2:
        raise CLIError(
            f"--model {requested} needs at least two classes, but target column {target!r} "
            f"has a single value ({_show(y.iloc[0])})"
        )
    return requested, f"--model {requested} on target {target!r} with {n_distinct} classes"


def check_folds(y, kind, n_folds, target):
    """Check there are enough rows (and members of each class) for ``n_folds`` folds."""
    if len(y) < n_folds:
        raise CLIError(
            f"only {len(y)} rows have a value for target {target!r}, fewer than "
            f"--folds {n_folds}; use fewer folds or more data"
        )
    if kind == "linear":
        return
    counts = y.value_counts()
    smallest = counts.idxmin()
    if counts.min() < n_folds:
        advice = f"use --folds {counts.min()}" if counts.min() >= 2 else "remove its rows"
        raise CLIError(
            f"class {_show(smallest)} of target {target!r} has only {counts.min()} rows, fewer "
            f"than --folds {n_folds} (stratified folds need one per fold); {advice}"
        )


def _is_text(column):
    return not (
        pd.api.types.is_numeric_dtype(column)
        or pd.api.types.is_bool_dtype(column)
        or pd.api.types.is_datetime64_any_dtype(column)
        or pd.api.types.is_timedelta64_dtype(column)
    )


def _mostly_numbers(present):
    """Whether most values are numbers, with either decimal mark."""
    text = present.astype(str).str.strip().str.replace(",", ".", regex=False)
    return bool(pd.to_numeric(text, errors="coerce").notna().mean() > 0.5)


def id_like_columns(X):
    """Text columns with nearly one distinct value per row, and their numbers of values.

    A column whose values are mostly numbers (a numeric column with a few odd values or
    decimal commas) is not ID-like: :func:`nearly_numeric_columns` reports it instead.

    Returns
    -------
    found : dict
        ``{column: (n_distinct, n_non_missing)}`` for every ID-like column.
    """
    found = {}
    for name in X.columns:
        column = X[name]
        if not _is_text(column):
            continue
        present = column.dropna()
        n_distinct = int(present.nunique())
        if (
            n_distinct > ID_LIKE_MIN_DISTINCT
            and n_distinct >= ID_LIKE_SHARE * len(present)
            and not _mostly_numbers(present)
        ):
            found[name] = (n_distinct, len(present))
    return found


def nearly_numeric_columns(X, *, decimal="."):
    """Describe the text columns that are numbers except for a few values.

    Such a column is encoded as categories (one dummy per distinct number): usually a
    missing-value marker or a decimal mark the reader did not know.

    Returns
    -------
    notes : list of str
        One line per such column, saying which values are not numbers and what to do.
    """
    notes = []
    for name in X.columns:
        column = X[name]
        if not _is_text(column):
            continue
        text = column.dropna().astype(str).str.strip()
        if len(text) == 0:
            continue
        parsed = pd.to_numeric(text, errors="coerce")
        bad = text[parsed.isna()]
        if decimal == "." and len(bad) > 0:
            commas = bad.str.fullmatch(r"[-+]?\d*,\d+")
            if commas.mean() > 0.5:
                notes.append(
                    f"column {str(name)!r} holds numbers with decimal commas (such as "
                    f"{bad[commas].iloc[0]!r}) and is used as text categories; "
                    "use --decimal ',' to read them as numbers"
                )
                continue
        n_bad = len(bad)
        if 0 < n_bad <= min(NEARLY_NUMERIC_MAX_BAD, NEARLY_NUMERIC_SHARE * len(text)):
            examples = ", ".join(repr(v) for v in list(dict.fromkeys(bad.tolist()))[:3])
            notes.append(
                f"column {str(name)!r} is numeric except for {n_bad} of {len(text)} values "
                f"({examples}), so it is used as text categories; if these values mean "
                "'missing', list them with --na-values"
            )
    return notes


def zero_feature_reasons(X, dropped):
    """Why the features encode to no column at all, or None when some column remains.

    A numeric column always gives a column; a text column gives one dummy per category
    but the first, plus a missing-value indicator if it has missing values. So the
    features are empty exactly when every column left is text with a single category
    and no missing values.
    """
    reasons = [f"{str(name)!r} left out as ID-like" for name in dropped]
    for name in X.columns:
        column = X[name]
        if not _is_text(column) or column.isna().any() or column.nunique() > 1:
            return None
        reasons.append(
            f"{str(name)!r} has a single category ({column.iloc[0]!r}), which encodes to no column"
        )
    return reasons
