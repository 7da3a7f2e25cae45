"""Reading the table for the command line, checking its columns, choosing a model."""

import codecs
import collections
import contextlib
import difflib
import io
import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import CLIError, UsageError, one_line, plural

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
DEFAULT_NA_VALUES = [
    "?", "-", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None",
    "#N/A", "#NA", "<NA>",  # Excel's missing lookup; pandas' pd.NA as printed
]  # fmt: skip

#: A text column is ID-like (names, identifiers, free text) when it has more than
#: ``ID_LIKE_MIN_DISTINCT`` distinct values and at least ``ID_LIKE_SHARE`` of its non-missing
#: values are distinct: its dummies would be nearly one column per row.
ID_LIKE_MIN_DISTINCT = 20
ID_LIKE_SHARE = 0.5

#: A text column is reported as "numeric except for some values" when more than this share
#: of its non-missing values are numbers (in any form the notes name).
NEARLY_NUMERIC_SHARE = 0.5

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


def _shown_encoding(encoding):
    return "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding


#: The first bytes of compressed files and archives, which are not text in any encoding:
#: (bytes, what the file is, the ending pandas decompresses it by, or None).
_BINARY_SIGNATURES = [
    (b"\x1f\x8b", "gzip-compressed", ".gz"),
    (b"BZh", "bzip2-compressed", ".bz2"),
    (b"\xfd7zXZ\x00", "xz-compressed", ".xz"),
    (b"(\xb5/\xfd", "zstd-compressed", ".zst"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .ods spreadsheet is one too)", ".zip"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) workbook", None),
]


def _binary_advice(path):
    """What a file that is not text is and what to do, from its first bytes; or None."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except (OSError, TypeError, ValueError):
        return None
    for signature, what, ending in _BINARY_SIGNATURES:
        if head.startswith(signature):
            name = os.path.basename(str(path))
            if ending is None:
                return f"it is {what}: export the sheet as CSV"
            if ending == ".zip":
                return (
                    f"it is {what}: export a spreadsheet as CSV; a ZIP archive of one CSV "
                    f"file is read when its name ends in .zip (rename it to {name}.zip)"
                )
            return (
                f"it is {what}: rename it to {name}{ending} (a compressed file is read by "
                "its ending: .gz, .bz2, .xz, .zst, .zip), or decompress it"
            )
    return None


@contextlib.contextmanager
def csv_read_errors(shown, encoding="utf-8", path=None):
    """Turn the errors of reading the CSV file ``shown`` (its name as printed) into one-line
    :class:`CLIError` messages (pandas in memory and dask.dataframe on a cluster alike).

    ``path``, a local file's path, lets a file that is not text be named by its content.
    """
    try:
        yield
    except FileNotFoundError:
        raise CLIError(f"cannot read {shown}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read {shown}: it is a directory, not a CSV file") from None
    except PermissionError:
        raise CLIError(f"cannot read {shown}: permission denied") from None
    except pd.errors.EmptyDataError:
        raise CLIError(f"cannot read {shown}: the file is empty") from None
    except UnicodeError:
        advice = _binary_advice(path) if path is not None else None
        if advice is not None:
            raise CLIError(f"cannot parse {shown} as CSV: {advice}") from None
        raise CLIError(
            f"cannot parse {shown} as CSV: it is not {_shown_encoding(encoding)} text. Give "
            "the encoding of "
            "a text file with --encoding (e.g. cp1252 or latin-1 for many Windows and older "
            "exports, utf-16 for Excel's 'Unicode text'); a binary file (a spreadsheet) must "
            "be exported as CSV"
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        advice = ""
        if "Expected" in str(exc) and "fields in line" in str(exc):
            advice = (
                "; a row has more fields than the rows before it: check --sep, and that "
                "fields holding the separator are quoted"
            )
        raise CLIError(f"cannot parse {shown} as CSV: {one_line(exc)}{advice}") from None
    except OSError as exc:
        raise CLIError(f"cannot read {shown}: {one_line(exc.strerror or exc)}") from None


def check_marks(sep, decimal, thousands):
    """Refuse a decimal mark equal to the field separator or to the thousands separator.

    The thousands separator may be the field separator: spreadsheets export 1234 as
    ``"1,234"`` in a comma-separated file, quoted.
    """
    if sep == decimal:
        raise UsageError(f"--sep and --decimal are both {sep!r}; they must differ")
    if thousands == decimal:
        raise UsageError(f"--thousands and --decimal are both {decimal!r}; they must differ")


def read_options(sep, decimal, thousands, na_values, encoding="utf-8"):
    """The keyword arguments of ``pandas.read_csv`` (and dask's) for the reading options."""
    check_marks(sep, decimal, thousands)
    options = {
        "encoding": encoding,
        "sep": sep,
        "decimal": decimal,
        "thousands": thousands,
        "na_values": na_markers(na_values),
        "keep_default_na": False,
    }
    if len(sep) > 1:  # a regular expression, which only the python engine reads
        options["engine"] = "python"
    return options


def read_table(path, *, sep=",", decimal=".", thousands=None, na_values=None,
               encoding="utf-8"):  # fmt: skip
    """Read a CSV file (``'-'`` for standard input) into a DataFrame.

    Fields equal to one of the ``na_values`` markers (default :data:`DEFAULT_NA_VALUES`)
    and empty fields are missing values; ``decimal`` is the decimal mark of numbers and
    ``thousands`` their thousands separator (None: no separator); ``encoding`` that of the
    file's text.

    Raises
    ------
    CLIError
        If the file is missing or unreadable, does not parse as CSV, or has no data rows.
    """
    source = sys.stdin if path == "-" else path
    shown = "standard input" if path == "-" else repr(str(path))
    options = read_options(sep, decimal, thousands, na_values, encoding)
    if path == "-" and encoding != "utf-8" and hasattr(sys.stdin, "buffer"):
        # standard input is decoded as UTF-8 text: decode its bytes instead
        source = io.TextIOWrapper(sys.stdin.buffer, encoding=encoding)
    with csv_read_errors(shown, encoding, path=None if path == "-" else path):
        if path == "-":  # read twice below (the header as written, then the table)
            source = io.StringIO(source.read())
        header = header_fields(source, options)
        if path == "-":
            source.seek(0)
        frame = pd.read_csv(source, **options)
    if frame.shape[0] == 0:
        raise CLIError(f"{shown} has a header but no data rows")
    if not isinstance(frame.index, pd.RangeIndex):
        frame = _undo_row_names(frame)
    frame = padded_markers_to_missing(frame, options["na_values"])
    frame = reparse_numbers(frame, decimal=decimal, thousands=thousands)
    frame.attrs["header"] = header
    return frame


def header_fields(source, options):
    """The names of the header row of a CSV file as written, read with the ``options`` of
    :func:`read_options` (only the first row is read).

    The reader renames a repeated name (``x, x`` are read as ``x``, ``x.1``), and may
    rename a real name to make room (``x, x, x.1`` as ``x``, ``x.2``, ``x.1``): only the
    header as written tells a repeated name from a real ``x.1``.
    """
    keep = {key: options[key] for key in ("encoding", "sep", "engine") if key in options}
    row = pd.read_csv(source, header=None, nrows=1, dtype=str, na_filter=False, **keep)
    return [str(name) for name in row.iloc[0]] if len(row) else []


def padded_markers_to_missing(frame, markers):
    """Make missing the text fields that are a missing-value marker or empty once the spaces
    around them are removed (``'  '``, ``' NA'``), as the reader does for the bare ones.

    A blank field in a column of numbers otherwise made it a text column (one category per
    number). Returns a new DataFrame, or ``frame`` when nothing changes. On a cluster this
    runs on every partition.
    """
    markers = set(markers)
    changed = {}
    for name in text_columns(frame):
        column = frame[name]
        text = _strings(column)
        stripped = text.str.strip()
        padded = stripped[(stripped != text) & stripped.isin(markers)]
        if len(padded):
            changed[name] = column.mask(column.index.isin(padded.index))
    return frame.assign(**changed) if changed else frame


def _strings(column):
    """The values of ``column`` that are strings (a CSV reader's text column may also hold
    booleans), as a Series of strings on their rows."""
    present = column.dropna()
    if isinstance(present.dtype, pd.StringDtype):
        return present
    is_text = present.map(lambda v: isinstance(v, str)).astype(bool)
    return present[is_text].astype(str)


def _undo_row_names(frame):
    """Undo pandas' reading of a file whose rows have more fields than its header.

    pandas then takes the first fields of each row as row names (the index), as R's
    ``write.table`` writes them. But when the extra fields are empty at the end of every
    row (a separator after the last field, as some exports write), the columns are
    shifted by one: each header name gets the values of the next column. Such a frame is
    put back in place, without the empty fields. Otherwise the row names are dropped, and
    ``frame.attrs['row_names']`` says how many fields of each row they took.
    """
    n_extra = frame.index.nlevels
    flat = frame.reset_index()
    if flat.iloc[:, -n_extra:].isna().all(axis=None):
        flat = flat.iloc[:, :-n_extra]
        flat.columns = frame.columns
        return flat
    frame = frame.reset_index(drop=True)
    frame.attrs["row_names"] = n_extra
    return frame


def check_target_column(frame, target, sep=","):
    """Refuse a target that is not a column of ``frame`` (pandas or dask), or is its only one.

    ``sep`` is the field separator the file was read with, for the messages.
    """
    if target not in frame.columns:
        names = [str(c) for c in frame.columns]
        key = target.strip().casefold()
        hint = [name for name in names if name.strip().casefold() == key]
        hint = hint or difflib.get_close_matches(target, names, n=1)
        hint = f" (did you mean {hint[0]!r}?)" if hint else ""
        first = str(frame.columns[0])
        if first.startswith("sep=") and len(first) <= 5:
            # 'sep=;' or, split at the separator it names, 'sep='
            declared = first[4:] or sep
            shown = "\\t" if declared == "\t" else declared
            hint += (
                f"; the first line ('sep={shown}') is a separator line written for Excel, "
                f"read as the header: remove that line from the file and use --sep '{shown}'"
            )
        elif any(";" in str(column) for column in frame.columns):
            hint += (
                "; the header contains ';', so the file seems to be separated by semicolons: "
                "use --sep ';' (and --decimal ',' if its numbers use decimal commas)"
            )
        elif str(frame.columns[0]).startswith("#"):
            hint += (
                "; the first line seems to be a comment, read as the header: remove the "
                "lines before the header from the file"
            )
        elif any("\t" in str(column) for column in frame.columns):
            hint += (
                "; the header contains tabs, so the file seems to be separated by tabs: "
                "use --sep '\\t'"
            )
        raise UsageError(
            f"unknown target column {target!r}{hint}; the columns are: "
            f"{_list_columns(frame.columns)}"
        )
    if frame.shape[1] < 2:
        raise CLIError(f"the table has no feature columns besides the target {target!r}")


def repeated_columns(columns, header=None):
    """The names that the header repeats, with the columns that the reader made of them.

    ``header`` holds the names as written (:func:`header_fields`), one per column. Without
    it, the names are guessed from ``columns``: the reader reads the later copies of ``x``
    as ``x.1``, ``x.2``, ..., so a real column ``x.1`` next to ``x`` looks the same.

    Returns
    -------
    found : dict
        ``{name: [column, column, ...]}`` in the order of the columns.
    """
    names = [str(c) for c in columns]
    found = {}
    if header is not None and len(header) == len(names):
        written = collections.Counter(header)
        for name, column in zip(header, names, strict=True):
            if name != "" and written[name] > 1:  # empty names are read as 'Unnamed: i'
                found.setdefault(name, []).append(column)
        return found
    present = set(names)
    for name in names:
        base, dot, number = name.rpartition(".")
        if dot and number.isdigit() and number[0] != "0" and base in present:
            found.setdefault(base, [base]).append(name)
    return found


def check_repeated_columns(columns, target, header=None):
    """Refuse a header that repeats the target's name; describe other repeated names.

    A copy of the target read as a feature (``label.1`` beside ``label``) would predict it
    perfectly, or the target would be one of two unrelated columns of the same name.
    ``header`` as for :func:`repeated_columns`.

    Returns
    -------
    notes : list of str
        One line per repeated feature name.
    """
    notes = []
    for base, copies in repeated_columns(columns, header).items():
        shown = ", ".join(repr(c) for c in copies)
        if str(target) in copies:
            raise CLIError(
                f"the header names column {base!r} {len(copies)} times (read as {shown}), "
                f"and --target {str(target)!r} is one of them: the others would be features "
                "that repeat or contradict the target; remove or rename the repeated columns"
            )
        notes.append(
            f"the header names column {base!r} {len(copies)} times; they are read as "
            f"{shown}, each a feature: rename or remove the repeated columns if they are "
            "copies"
        )
    return notes


def row_index_columns(frame):
    """The columns of ``frame`` (pandas) with no name in the header that hold the row
    numbers 0, 1, 2, ... or 1, 2, 3, ...: an index written with the table.

    Returns
    -------
    found : dict
        ``{column: first number}``.
    """
    found = {}
    for name, dtype in frame.dtypes.items():
        if is_unnamed(name) and _is_numeric(dtype):
            start = row_numbers_start([row_numbers_part(frame[name])])
            if start is not None:
                found[name] = start
    return found


def row_numbers_part(column):
    """``(rows, first value, whether the values count up by one)`` of a numeric column or
    of one partition of it, for :func:`row_numbers_start`."""
    values = column.to_numpy(dtype=float, na_value=np.nan)
    if len(values) == 0:
        return 0, None, True
    return len(values), values[0], bool(np.array_equal(values, values[0] + np.arange(len(values))))


def row_numbers_start(parts):
    """The first row number (0 or 1) of a column whose consecutive parts (each described
    by :func:`row_numbers_part`) hold the numbers of its rows, at least 3; else None."""
    parts = [part for part in parts if part[0]]
    start = parts[0][1] if parts else None
    expected = start
    for n_rows, first, counts_up in parts:
        if not counts_up or first != expected:
            return None
        expected = first + n_rows
    if start not in (0, 1) or expected - start < 3:
        return None
    return int(start)


def is_unnamed(name):
    """Whether pandas made up ``name`` for an empty header cell."""
    return isinstance(name, str) and name.startswith("Unnamed: ")


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
    check_target_column(frame, target)
    missing = frame[target].isna().to_numpy()
    kept = frame.loc[~missing]
    X = kept.drop(columns=[target]).reset_index(drop=True)
    y = boolean_labels(kept[target].reset_index(drop=True))
    return X, y, int(missing.sum())


def boolean_labels(y):
    """``y`` (a target without missing values) as booleans when it holds only booleans.

    A True/False column with empty fields is read as objects (booleans and NaN); without
    its missing rows it is the boolean column the reader gives a file without them
    (scikit-learn takes objects that are not strings for an 'unknown' target type).
    """
    if y.dtype == object and len(y) and pd.api.types.infer_dtype(y, skipna=False) == "boolean":
        return y.astype(bool)
    return y


def reparse_numbers(X, *, decimal=".", thousands=None):
    """Read as numbers the text columns of ``X`` (pandas) whose values are all numbers.

    The reader types a column from all rows of the file: one text field in a row that is
    then dropped (its target is missing: a footer such as ``Total``, a comment row) leaves
    a column of numbers typed as text, which would become one category per number.
    ``decimal`` and ``thousands`` are those of the reading. Returns a new DataFrame (or
    ``X`` itself when no column changes).
    """
    changed = {}
    for name in text_columns(X):
        numbers = numbers_in_text(X[name], decimal, thousands)
        if numbers is not None:
            changed[name] = numbers
    return X.assign(**changed) if changed else X


def numbers_in_text(column, decimal=".", thousands=None):
    """The values of a text column as numbers, when it has values and every one is a
    number written with the marks ``decimal`` and ``thousands``; None otherwise.

    On a cluster, a column is read as numbers when this holds for every partition that
    has a value (:func:`text_numbers_state`).
    """
    text = _strings(column)
    if len(text) == 0 or len(text) < column.notna().sum():
        return None
    numbers = _as_numbers(text[:100], decimal, thousands)  # most text columns fail here
    if numbers.notna().all():
        numbers = _as_numbers(text, decimal, thousands)
    if numbers.notna().all():
        return numbers.reindex(column.index)
    return None


def as_numbers(column, decimal=".", thousands=None):
    """The values of a text column read as numbers (floats), missing where not one."""
    numbers = _as_numbers(_strings(column), decimal, thousands)
    return numbers.reindex(column.index).astype(np.float64)


def text_numbers_state(column, decimal=".", thousands=None):
    """``'empty'`` (no value), ``'numbers'`` (see :func:`numbers_in_text`) or ``'text'``."""
    if not column.notna().any():
        return "empty"
    return "text" if numbers_in_text(column, decimal, thousands) is None else "numbers"


def all_numbers(states):
    """Whether the parts of a column with these :func:`text_numbers_state` hold numbers."""
    states = set(states)
    return "numbers" in states and "text" not in states


def _as_numbers(text, decimal, thousands):
    text = text.str.strip()
    if thousands is not None:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _show(value):
    """``repr`` of a value, with NumPy scalars shown as the Python numbers they hold."""
    return repr(value.item() if hasattr(value, "item") else value)


def _is_numeric(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


@dataclass
class TargetSummary:
    """What the checks of the target need: small, computed in memory or on a cluster.

    Attributes
    ----------
    numeric : bool
        The column is numeric (not boolean).
    n_rows : int
    n_distinct : int
        Distinct values; more than :data:`MAX_COUNTED_VALUES` when ``counts`` is None.
    finite : bool
        Numeric and every value finite (False for a non-numeric column).
    integer_valued : bool
        Numeric, finite and every value an integer.
    first : object
        The first value.
    counts : Series or None
        Rows per value, in pandas' ``value_counts`` order; None when there are more than
        :data:`MAX_COUNTED_VALUES` distinct values (only on a cluster).
    """

    numeric: bool
    n_rows: int
    n_distinct: int
    finite: bool
    integer_valued: bool
    first: object
    counts: object

    @property
    def n_distinct_shown(self):
        if self.counts is None:
            return f"more than {MAX_COUNTED_VALUES}"
        return str(self.n_distinct)


#: On a cluster, the values of the target are counted only up to this many distinct values
#: (a target with more is a continuous one: its counts are not needed).
MAX_COUNTED_VALUES = 1000


def summarize_target(y):
    """The :class:`TargetSummary` of a target Series held in memory."""
    numeric = _is_numeric(y.dtype)
    values = y.to_numpy(dtype=float) if numeric else None
    finite = bool(numeric and np.all(np.isfinite(values)))
    counts = y.value_counts()
    return TargetSummary(
        numeric=numeric,
        n_rows=len(y),
        n_distinct=len(counts),
        finite=finite,
        integer_valued=bool(finite and np.all(values == np.round(values))),
        first=y.iloc[0] if len(y) else None,
        counts=counts,
    )


def choose_model(y, requested, target):
    """Pick the estimator for target ``y`` and check that the target fits it.

    The rule of ``--model auto``: a target that is not numeric (text, booleans), or a
    numeric one whose values are all integers with at most :data:`MAX_INTEGER_CLASSES`
    distinct values, holds class labels: two classes give ``'logistic'``, more give
    ``'softmax'``. Any other numeric target gives ``'linear'``.

    ``y`` is a Series, or its :class:`TargetSummary` (from a cluster).

    Returns
    -------
    kind : {'linear', 'logistic', 'softmax'}
    reason : str
        One line saying why, for the report.
    """
    summary = y if isinstance(y, TargetSummary) else summarize_target(y)
    n_distinct = summary.n_distinct
    shown = summary.n_distinct_shown
    numeric = summary.numeric
    if numeric and not summary.finite:
        raise CLIError(f"target column {target!r} holds infinite values")
    if n_distinct == 1:  # whatever the model: nothing to learn, every score a tie
        raise CLIError(
            f"target column {target!r} has a single value ({_show(summary.first)}) in "
            + ("the only row" if summary.n_rows == 1 else f"all {summary.n_rows} rows")
            + " where it is given: a constant target cannot be modelled or "
            "cross-validated (a classifier needs at least two classes; a regression would "
            "predict it exactly in every fold). Check that --target names the column to "
            "predict and that the file holds all the rows"
        )
    labels_like = not numeric or (summary.integer_valued and n_distinct <= MAX_INTEGER_CLASSES)

    if requested == "auto":
        if not labels_like:
            return "linear", f"auto: target {target!r} is numeric with {shown} values"
        kind = "logistic" if n_distinct == 2 else "softmax"
        what = "non-numeric" if not numeric else "integer-valued"
        _check_counted(summary, target)
        return kind, f"auto: target {target!r} is {what} with {n_distinct} classes"

    if requested == "linear":
        if not numeric:
            raise CLIError(
                f"--model linear needs a numeric target, but column {target!r} holds "
                f"non-numeric values such as {_show(summary.first)}; use --model auto for a "
                "classifier"
            )
        return "linear", f"--model linear on numeric target {target!r}"

    # A classifier was asked for.
    if numeric and not summary.integer_valued:
        raise CLIError(
            f"--model {requested} needs class labels, but target column {target!r} holds "
            f"continuous values ({shown} distinct); use --model linear"
        )
    _check_counted(summary, target)
    return requested, f"--model {requested} on target {target!r} with {n_distinct} classes"


def _check_counted(summary, target):
    if summary.counts is None:
        raise CLIError(
            f"target column {target!r} has {summary.n_distinct_shown} distinct values: too "
            "many classes for a classifier on a cluster"
        )


#: Scores that are not defined on a test fold of a single row (they divide by the spread
#: of the target in the fold).
SPREAD_SCORES = ("r2", "explained_variance")


def check_test_fold_size(n_rows, kind, n_folds, scoring, target):
    """Refuse folds whose smallest test fold holds one row when ``scoring`` needs two.

    The smallest of ``n_folds`` folds of ``n_rows`` rows holds ``n_rows // n_folds``.
    """
    if kind != "linear" or scoring not in SPREAD_SCORES or n_rows // n_folds >= 2:
        return
    most = n_rows // 2  # folds that leave two rows in each
    advice = "use" if most < 2 else f"use --folds {most}{'' if most == 2 else ' or fewer'}, or"
    raise CLIError(
        f"{n_rows} rows with a value for target {target!r} in --folds {n_folds} leave test "
        f"folds of a single row, where --scoring {scoring} is not defined (it needs the "
        f"spread of the target in the fold); {advice} a score defined on one row, such as "
        "--scoring neg_mean_absolute_error"
    )


def label_variants(labels):
    """Groups of text labels that differ only in case or surrounding spaces.

    Returns
    -------
    groups : list of list
        Each group's labels sorted, the groups sorted by their first label.
    """
    groups = {}
    for label in labels:
        if isinstance(label, str):
            groups.setdefault(label.strip().casefold(), []).append(label)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def _list_labels(labels):
    return ", ".join(repr(label) for label in labels)


def label_variant_notes(y, target):
    """Lines describing the classes of target ``y`` (a Series or its :class:`TargetSummary`)
    that differ only in case or surrounding spaces: they are different classes."""
    summary = y if isinstance(y, TargetSummary) else summarize_target(y)
    if summary.counts is None:
        return []
    return [
        f"classes {_list_labels(group)} of target {target!r} differ only in case or "
        "surrounding spaces and are different classes; write each class one way in the "
        "file if they are the same"
        for group in label_variants(summary.counts.index)
    ]


def check_folds(y, kind, n_folds, target):
    """Check there are enough rows (and members of each class) for ``n_folds`` folds.

    ``y`` is a Series, or its :class:`TargetSummary` (from a cluster).
    """
    summary = y if isinstance(y, TargetSummary) else summarize_target(y)
    if summary.n_rows < n_folds:
        raise CLIError(
            f"only {summary.n_rows} rows have a value for target {target!r}, fewer than "
            f"--folds {n_folds}; use fewer folds or more data"
        )
    if kind == "linear":
        return
    counts = summary.counts
    smallest = counts.idxmin()
    n_classes = len(counts)
    if counts.min() < n_folds and (
        n_classes > ID_LIKE_MIN_DISTINCT and n_classes >= ID_LIKE_SHARE * summary.n_rows
    ):  # as an ID-like feature column: names, identifiers or free text
        raise CLIError(
            f"target {target!r} has nearly one class per row ({n_classes} classes in "
            f"{summary.n_rows} rows, such as {_show(smallest)} with "
            f"{plural(int(counts.min()), 'row')}), too few for --folds {n_folds} (stratified "
            "folds need a row of each class per fold): it looks like names or identifiers, "
            "not class labels; check that --target names the column to predict"
        )
    if counts.min() < n_folds:
        advice = f"use --folds {counts.min()}" if counts.min() >= 2 else "remove its row"
        variants = next((g for g in label_variants(counts.index) if smallest in g), None)
        if variants is not None:
            advice = (
                f"it differs from {_list_labels(v for v in variants if v != smallest)} only "
                "in case or surrounding spaces: write each class one way in the file if they "
                f"are the same, or {advice}"
            )
        raise CLIError(
            f"class {_show(smallest)} of target {target!r} has only "
            f"{plural(int(counts.min()), 'row')}, fewer than --folds {n_folds} (stratified "
            f"folds need one per fold); {advice}"
        )


def _is_text(dtype):
    """Whether a column of this dtype is encoded as categories (text, mixed objects)."""
    return not (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    )


def text_columns(X):
    """The names of the columns of ``X`` (pandas or dask) that are encoded as categories."""
    return [name for name, dtype in X.dtypes.items() if _is_text(dtype)]


_DECIMAL_COMMA = r"[-+]?\d*,\d+"
#: Numbers with a thousands separator: ``1,234`` or ``12,345.6`` (comma), ``1.234.567`` or
#: ``1.234,5`` (dot), ``1 234,5`` (spaces, also no-break spaces).
_THOUSANDS = {
    ",": r"[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?",
    ".": r"[-+]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?",
    " ": "[-+]?[1-9]\\d{0,2}(?:[ \u00a0\u202f]\\d{3})+(?:[.,]\\d+)?",
}
#: Signs written with numbers: percent and currencies.
_SIGNS = "[%$\u20ac\u00a3\u00a5]"
#: Dates and times as exports write them: 2023-01-31, 2023/01/31, 31/01/2023, 31.01.2023,
#: each optionally followed by a time (and ISO 8601's 'T', fractions and time zone).
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:[AaPp][Mm]|Z|[-+]\d{2}:?\d{2}))?)?"
)
#: Examples of non-numeric values kept per text column.
_N_EXAMPLES = 3


def _first(values):
    return values.iloc[0] if len(values) else None


def _parses(text):
    """Which of the strings ``text`` (a Series) are numbers."""
    return pd.to_numeric(text, errors="coerce").notna()


@dataclass
class TextColumnSummary:
    """What the checks of a text column need: small, from memory or from a cluster.

    Computed per part of a column by :func:`summarize_text_part` and combined in the
    order of the parts with :meth:`combine`, so a column split into partitions gives the
    summary of the whole column (``n_distinct`` excepted: it is set afterwards).
    The counts of written forms (``n_bad_comma`` to ``n_dates``) are of the present values
    that are not numbers as written, and ``firsts`` holds the first such value of each form.
    """

    n_rows: int
    n_present: int
    n_distinct: int  # of the present values
    n_numberlike: int  # present values that are numbers written in one of the forms below
    n_bad: int  # present values that are not numbers
    n_bad_comma: int  # of those, numbers with a decimal comma
    first_comma: object  # the first of those, or None
    bad_examples: list  # the first distinct values that are not numbers
    first_value: object  # the column's first value (None for no rows)
    n_comma_only: int = 0  # decimal commas that cannot be thousands separators ('0,5')
    n_thousands: dict = None  # {separator: values with that thousands separator}
    n_signs: int = 0  # numbers with a percent or currency sign
    n_dates: int = 0  # dates and times
    firsts: dict = None  # {'thousands ,' | 'thousands .' | 'thousands  ' | 'signs' | 'dates'}

    def __post_init__(self):
        self.n_thousands = dict.fromkeys(_THOUSANDS, 0) | (self.n_thousands or {})
        self.firsts = dict(self.firsts or {})

    def combine(self, later):
        """The summary of this part followed by ``later``."""
        examples = list(dict.fromkeys([*self.bad_examples, *later.bad_examples]))
        return TextColumnSummary(
            n_rows=self.n_rows + later.n_rows,
            n_present=self.n_present + later.n_present,
            n_distinct=self.n_distinct,
            n_numberlike=self.n_numberlike + later.n_numberlike,
            n_bad=self.n_bad + later.n_bad,
            n_bad_comma=self.n_bad_comma + later.n_bad_comma,
            first_comma=self.first_comma if self.first_comma is not None else later.first_comma,
            bad_examples=examples[:_N_EXAMPLES],
            first_value=self.first_value if self.n_rows else later.first_value,
            n_comma_only=self.n_comma_only + later.n_comma_only,
            n_thousands={k: v + later.n_thousands[k] for k, v in self.n_thousands.items()},
            n_signs=self.n_signs + later.n_signs,
            n_dates=self.n_dates + later.n_dates,
            firsts=later.firsts | self.firsts,
        )


def summarize_text_part(column):
    """The :class:`TextColumnSummary` of a text column (or of one partition of it)."""
    present = column.dropna()
    text = present.astype(str).str.strip()
    written = _parses(text)
    bad = text[~written]
    # Numbers with a decimal comma, a thousands separator or a sign (not ID-like) ...
    commas = bad.str.fullmatch(_DECIMAL_COMMA).astype(bool)
    thousands = {
        sep: bad.str.fullmatch(pattern).astype(bool) for sep, pattern in _THOUSANDS.items()
    }
    unsigned = bad.str.replace(_SIGNS, "", regex=True).str.strip()
    signed = bad.str.contains(_SIGNS, regex=True).astype(bool) & (
        _parses(unsigned)
        | _parses(unsigned.str.replace(",", ".", regex=False))
        | unsigned.str.fullmatch("|".join(_THOUSANDS.values())).astype(bool)
    )
    dates = bad.str.fullmatch(_DATE).astype(bool)
    numberlike = commas | signed
    for found in thousands.values():
        numberlike |= found
    comma_only = commas & ~thousands[","]
    firsts = {f"thousands {sep}": _first(bad[found]) for sep, found in thousands.items()}
    firsts |= {"signs": _first(bad[signed]), "dates": _first(bad[dates])}
    return TextColumnSummary(
        n_rows=len(column),
        n_present=len(present),
        n_distinct=int(present.nunique()),
        n_numberlike=int(written.sum() + numberlike.sum()),
        n_bad=len(bad),
        n_bad_comma=int(commas.sum()),
        first_comma=_first(bad[commas]),
        bad_examples=list(dict.fromkeys(bad.tolist()))[:_N_EXAMPLES],
        first_value=column.iloc[0] if len(column) else None,
        n_comma_only=int(comma_only.sum()),
        n_thousands={sep: int(found.sum()) for sep, found in thousands.items()},
        n_signs=int(signed.sum()),
        n_dates=int(dates.sum()),
        firsts={k: v for k, v in firsts.items() if v is not None},
    )


def text_summaries(X, summaries=None):
    """``{column: TextColumnSummary}`` of the text columns of ``X`` (pandas), unless given."""
    if summaries is None:
        summaries = {name: summarize_text_part(X[name]) for name in text_columns(X)}
    return summaries


def id_like_columns(X, summaries=None):
    """Text columns with nearly one distinct value per row, and their numbers of values.

    A column whose values are mostly numbers (a numeric column with a few odd values or
    decimal commas) is not ID-like: :func:`nearly_numeric_columns` reports it instead.
    ``summaries`` (``{column: TextColumnSummary}``, for every text column) are computed
    from ``X`` when not given.

    Returns
    -------
    found : dict
        ``{column: (n_distinct, n_non_missing)}`` for every ID-like column.
    """
    found = {}
    for name, summary in text_summaries(X, summaries).items():
        n_distinct, n_present = summary.n_distinct, summary.n_present
        mostly_numbers = n_present > 0 and summary.n_numberlike > NEARLY_NUMERIC_SHARE * n_present
        if (
            n_distinct > ID_LIKE_MIN_DISTINCT
            and n_distinct >= ID_LIKE_SHARE * n_present
            and not mostly_numbers
        ):
            found[name] = (n_distinct, n_present)
    return found


def _written_numbers_note(summary, *, decimal, thousands, sep):
    """What the text values of a column that are numbers written in another form are, and
    the option that reads them ('holds numbers ...; use ...'), or None."""
    n_bad = summary.n_bad
    if n_bad == 0:
        return None

    def most(count):
        return count / n_bad > 0.5

    def first(form):
        return repr(summary.firsts[form])

    if most(summary.n_thousands[","]) and summary.n_comma_only == 0 and thousands != ",":
        also = ""
        if decimal == "." and sep != ",":  # '1,234' may also be a decimal comma
            also = " (or --decimal ',' if ',' is their decimal mark)"
        return (f"holds numbers with ',' as thousands separator (such as "
                f"{first('thousands ,')}); use --thousands ','{also}")  # fmt: skip
    if decimal == "." and most(summary.n_bad_comma):
        return (f"holds numbers with decimal commas (such as {summary.first_comma!r}); "
                "use --decimal ','")  # fmt: skip
    if most(summary.n_thousands["."]) and thousands != ".":
        mark = " --decimal ','" if decimal != "," else ""
        return (f"holds numbers with '.' as thousands separator (such as "
                f"{first('thousands .')}); use --thousands '.'{mark}")  # fmt: skip
    if most(summary.n_thousands[" "]) and thousands != " ":
        return (f"holds numbers with spaces as thousands separator (such as "
                f"{first('thousands  ')}); use --thousands ' ' if the spaces are plain ones, "
                "or remove the separators from the file")  # fmt: skip
    if most(summary.n_signs):
        return (
            f"holds numbers with percent or currency signs (such as {first('signs')}); "
            "remove the signs from the file (e.g. export the column as plain numbers)"
        )
    return None


def check_target_numbers(y, target, requested, *, decimal=".", thousands=None, sep=","):
    """Refuse a text target whose values are mostly numbers written in a form the reading
    options do not convert (thousands separators, decimal commas, percent or currency
    signs), or numbers but for some other values (a missing-value marker the reader does
    not know), unless a classifier was asked for: ``--model auto`` would take every
    number for a class.

    ``y`` is a Series, or the :class:`TextColumnSummary` of a text target (from a cluster).
    """
    if requested not in ("auto", "linear"):
        return
    if isinstance(y, TextColumnSummary):
        summary = y
    elif _is_text(y.dtype):
        summary = summarize_text_part(y)
    else:
        return
    note = _written_numbers_note(summary, decimal=decimal, thousands=thousands, sep=sep)
    if note is not None:
        what, todo = note.split("; ", 1)
        raise CLIError(
            f"target column {target!r} {what}, so it is read as text, not numbers; {todo} to "
            "read them as numbers (or use --model logistic or softmax if they are class labels)"
        )
    n_present, n_bad = summary.n_present, summary.n_bad
    if n_bad > 0 and summary.n_numberlike > NEARLY_NUMERIC_SHARE * n_present:
        # a missing-value marker the reader does not know: every number would be a class
        examples = ", ".join(repr(v) for v in summary.bad_examples)
        raise CLIError(
            f"target column {target!r} is numeric except for {n_bad} of {n_present} values "
            f"({examples}), so it is read as text, not numbers; if these values mean "
            "'missing', list them with --na-values (rows whose target is missing are "
            "dropped), or use --model logistic or softmax if the values are class labels"
        )


def nearly_numeric_columns(X, *, decimal=".", thousands=None, sep=",", summaries=None):
    """Describe the text columns that are numbers except for a few values, or numbers
    written in a form that the reading options do not convert.

    Such a column is encoded as categories (one dummy per distinct number): usually a
    missing-value marker, a decimal mark or thousands separator the reader did not know,
    or percent and currency signs. ``summaries`` as for :func:`id_like_columns`.

    Returns
    -------
    notes : list of str
        One line per such column, saying which values are not numbers and what to do.
    """
    notes = []
    summaries = text_summaries(X, summaries)
    for name in text_columns(X):
        summary = summaries[name]
        n_text, n_bad = summary.n_present, summary.n_bad
        if n_text == 0:
            continue
        note = _written_numbers_note(summary, decimal=decimal, thousands=thousands, sep=sep)
        if note is not None:
            what, todo = note.split("; ", 1)
            notes.append(
                f"column {str(name)!r} {what} and is used as text categories; {todo} to "
                "read them as numbers"
            )
            continue
        # however many the other values: a marker unknown to the reader in 6% of the rows
        # (or 300 of 10,000) made the column one category per number, silently
        if n_bad > 0 and summary.n_numberlike > NEARLY_NUMERIC_SHARE * n_text:
            examples = ", ".join(repr(v) for v in summary.bad_examples)
            notes.append(
                f"column {str(name)!r} is numeric except for {n_bad} of {n_text} values "
                f"({examples}), so it is used as text categories; if these values mean "
                "'missing', list them with --na-values"
            )
    return notes


def date_columns(X, summaries=None):
    """The text columns whose values are mostly dates or times, and an example of each.

    Returns
    -------
    found : dict
        ``{column: first date}``.
    """
    found = {}
    for name, summary in text_summaries(X, summaries).items():
        if summary.n_present and summary.n_dates / summary.n_present > 0.5:
            found[name] = summary.firsts["dates"]
    return found


def zero_feature_reasons(X, dropped, summaries=None):
    """Why the features encode to no column at all, or None when some column remains.

    A numeric column always gives a column; a text column gives one dummy per category
    but the first, plus a missing-value indicator if it has missing values. So the
    features are empty exactly when every column left is text with a single category
    and no missing values. ``summaries`` as for :func:`id_like_columns`.
    """
    reasons = [f"{str(name)!r} left out as ID-like" for name in dropped]
    summaries = text_summaries(X, summaries)
    for name, dtype in X.dtypes.items():
        if not _is_text(dtype):
            return None
        summary = summaries[name]
        if summary.n_present < summary.n_rows or summary.n_distinct > 1:
            return None
        reasons.append(
            f"{str(name)!r} has a single category ({summary.first_value!r}), which encodes "
            "to no column"
        )
    return reasons
