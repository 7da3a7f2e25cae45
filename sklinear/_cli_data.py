"""Reading the table for the command line, and choosing a model that fits its target."""

import difflib
import sys

import numpy as np
import pandas as pd

#: An integer-valued numeric target with at most this many distinct values is taken as
#: class labels by ``--model auto``.
MAX_INTEGER_CLASSES = 10

MODEL_CLASSES = {
    "linear": "GDLinearRegressor",
    "logistic": "GDLogisticClassifier",
    "softmax": "SoftmaxClassifier",
}


class CLIError(Exception):
    """A problem with the user's input: reported as one line, exit status 1."""

    exit_code = 1


class UsageError(CLIError):
    """An invalid command line option: reported as one line, exit status 2."""

    exit_code = 2


def one_line(text):
    """Collapse a message to a single line."""
    return " ".join(str(text).split())


def _list_columns(columns, limit=20):
    names = [str(name) for name in columns]
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown


def read_table(path, *, sep=","):
    """Read a CSV file (``'-'`` for standard input) into a DataFrame.

    Raises
    ------
    CLIError
        If the file is missing or unreadable, does not parse as CSV, or has no data rows.
    """
    source = sys.stdin if path == "-" else path
    shown = "standard input" if path == "-" else repr(str(path))
    try:
        frame = pd.read_csv(source, sep=sep)
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
