"""``sklinear cv`` on a Dask cluster: connecting, reading the CSV lazily, the folds.

With ``--scheduler ADDRESS`` or ``--dask-local N`` the table is read with
:func:`dask.dataframe.read_csv` and stays on the workers. The client receives only small
summaries: one pass over the file (:func:`survey`) gives the row counts, the checks of the
target and of the text columns, and the class counts of every partition, from which the
folds are defined without gathering anything (:func:`fold_of_rows`).

How the folds are defined. The rows of each class (for regression: all rows), taken in
the order of the file, are grouped ``k`` at a time (the first ``k`` rows of the class,
the next ``k``, ...); each group spreads over the ``k`` folds in a random order drawn
from ``--seed``, the class and the group's number (a 64-bit hash, SplitMix64). So every
fold holds the same number of rows of each class, to one row, as with scikit-learn's
``StratifiedKFold``, and a row's fold depends only on the seed and on the rows before it
in the file, not on how the file is split into partitions. These folds differ from the
in-memory ``StratifiedKFold(shuffle=True)`` / ``KFold(shuffle=True)`` folds of the same
seed, so the scores of a cluster run differ from those of an in-memory run by the
variation between fold draws.
"""

import contextlib
import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._data import (
    MAX_COUNTED_VALUES,
    TargetSummary,
    _is_numeric,
    _undo_row_names,
    all_numbers,
    as_numbers,
    boolean_labels,
    csv_read_errors,
    header_fields,
    is_unnamed,
    numbers_in_text,
    padded_markers_to_missing,
    read_options,
    row_numbers_part,
    row_numbers_start,
    summarize_text_part,
    text_columns,
    text_numbers_state,
)
from ._errors import CLIError, UsageError, one_line

INSTALL_HINT = 'pip install "sklinear[dask]"'

#: The column of the fold number added to the table on the cluster.
FOLD_COLUMN = "__sklinear_fold__"

#: Blocks of the CSV file: about two per worker thread, between these sizes.
MIN_BLOCKSIZE = 1 << 20
MAX_BLOCKSIZE = 64 << 20

#: The column types are inferred from the rows in this many bytes at the start of the file
#: (Dask's ``sample``; Dask itself looks at the first 10 rows only), and the layout of
#: the rows (a separator after the last field, row names) from the first ``HEAD_ROWS``.
SAMPLE_BYTES = 256_000
HEAD_ROWS = 1000


# --- connecting --------------------------------------------------------------------------
def import_dask(option):
    """Import Dask and distributed, or fail with the command that installs them."""
    try:
        import dask
        import dask.dataframe
        import distributed
    except ImportError as exc:
        raise UsageError(
            f"{option} runs the search on a Dask cluster, but {exc.name or 'dask'} is not "
            f"installed; install it with: {INSTALL_HINT}"
        ) from None
    return dask, distributed


@dataclass
class Cluster:
    """The cluster the search runs on: a distributed client and how to describe it."""

    client: object
    description: str
    n_threads: int


@contextlib.contextmanager
def connect(args):
    """Connect to ``--scheduler`` or start a ``--dask-local`` cluster; close it at the end.

    The client becomes Dask's default scheduler for the duration, so every computation of
    the search runs on that cluster.
    """
    option = "--scheduler" if args.scheduler is not None else "--dask-local"
    dask, distributed = import_dask(option)
    cluster = None
    if args.scheduler is not None:
        timeout = dask.config.get("distributed.comm.timeouts.connect")
        try:
            client = distributed.Client(args.scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise CLIError(
                f"cannot connect to the Dask scheduler at --scheduler {args.scheduler!r}: "
                f"{one_line(exc) or type(exc).__name__}; check that a scheduler runs there "
                "and give the address it prints, e.g. tcp://10.0.0.5:8786 (the wait is "
                "Dask's distributed.comm.timeouts.connect setting, now "
                f"{timeout})"
            ) from None
        where = f"Dask scheduler {client.scheduler.address}"
    else:
        cluster = distributed.LocalCluster(
            n_workers=args.dask_local,
            processes=True,
            dashboard_address=":0",  # any free port
            silence_logs=logging.CRITICAL,  # errors are reported as one line
        )
        client = distributed.Client(cluster)
        where = "local Dask cluster (LocalCluster)"
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]  # every worker, not 5
    except TypeError:  # distributed before 2025.4: every worker by default
        workers = client.scheduler_info()["workers"]
    n_threads = sum(worker.get("nthreads", 1) for worker in workers.values())
    if not workers:
        client.close()
        raise CLIError(f"the {where} has no workers; start some, then run again")
    description = (
        f"{where}, {len(workers)} worker{'s' if len(workers) != 1 else ''}, "
        f"{n_threads} thread{'s' if n_threads != 1 else ''}"
    )
    try:
        with client.as_current():
            yield Cluster(client, description, n_threads)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- reading ----------------------------------------------------------------------------
def parse_blocksize(text):
    """``--blocksize`` in bytes (``'16MB'``, ``'512KiB'``, ``'1000000'``), or None."""
    if text is None:
        return None
    from dask.utils import parse_bytes

    try:
        size = int(parse_bytes(text))
    except (ValueError, TypeError):
        size = 0
    if size < 1:
        raise UsageError(
            f"--blocksize must be a size such as 64MB, 512KiB or 1000000 (bytes), got {text!r}"
        )
    return size


def format_bytes(size):
    """``'64.00 MiB'``: Dask's way of writing a size."""
    from dask.utils import format_bytes as dask_format_bytes

    return dask_format_bytes(size)


def choose_blocksize(path, n_threads, requested):
    """``--blocksize`` in bytes, or about two blocks per worker thread (1 MiB to 64 MiB)."""
    if requested is not None:
        return requested
    try:
        size = os.path.getsize(path)
    except (OSError, TypeError):
        return MAX_BLOCKSIZE
    per_block = size // max(1, 2 * n_threads)
    return int(min(MAX_BLOCKSIZE, max(MIN_BLOCKSIZE, per_block)))


def check_path(path):
    """Refuse a local file that does not exist (before a cluster is started)."""
    if path is None or path == "-" or "://" in str(path):
        return
    shown = repr(str(path))
    if not os.path.exists(path):
        raise CLIError(f"cannot read {shown}: no such file")
    if os.path.isdir(path):
        raise CLIError(f"cannot read {shown}: it is a directory, not a CSV file")


@dataclass
class Layout:
    """What the start of the file says of its layout (see :func:`read_table_lazily`)."""

    header: list  # the names of the header row as written
    row_names: int  # fields at the start of each row taken as row names (not used)


def read_table_lazily(path, *, sep, decimal, na_values, blocksize, n_threads,
                      thousands=None, encoding="utf-8"):  # fmt: skip
    """The CSV file as a dask DataFrame read by the workers, its name for messages, the
    size of its blocks and its :class:`Layout`.

    The file is read in blocks of ``blocksize`` bytes, each parsed by ``pandas.read_csv``
    with the options of the in-memory reading, and the fields of spaces or missing-value
    markers with spaces around them made missing as in memory. Column types are inferred
    from the first :data:`SAMPLE_BYTES` of the file, with integer columns read as floats
    (``assume_missing=True``) so that a missing value further down does not break the
    reading. The header as written and the layout of the rows are read from the first
    :data:`HEAD_ROWS` rows: when their fields beyond the header's are empty (a separator
    after the last field), the extra field of every row is ignored, as in memory.
    """
    import dask
    import dask.dataframe as dd

    if path is None:
        from ..datasets._penguins import PENGUINS_READ_OPTIONS, penguins_csv_path

        path, options = penguins_csv_path(), dict(PENGUINS_READ_OPTIONS)
        shown = "bundled penguins table (sklinear.datasets.load_penguins)"
    else:
        if path == "-":
            raise UsageError(
                "standard input cannot be read on a Dask cluster: give the path of a file "
                "that the workers can read (or run without --scheduler / --dask-local)"
            )
        options = read_options(sep, decimal, thousands, na_values, encoding)
        shown = repr(str(path))
        check_path(path)
        if "://" not in str(path):
            path = os.path.abspath(path)  # the workers' working directory may differ
    size = choose_blocksize(path, n_threads, blocksize)
    # The partitions hold what pandas.read_csv gives in memory (no conversion of text
    # columns to Dask's own string type), so the transformers see the same types.
    with csv_read_errors(shown, encoding), dask.config.set({"dataframe.convert-string": False}):
        head = pd.read_csv(path, nrows=HEAD_ROWS, **options)
        layout = Layout(header=header_fields(path, options), row_names=0)
        if not isinstance(head.index, pd.RangeIndex):
            layout.row_names = _undo_row_names(head).attrs.get("row_names", 0)
            if not layout.row_names:  # empty fields after the last: pandas drops them
                options["index_col"] = False
        try:
            frame = _read_csv(dd, path, size, options, sample_rows=1 << 62)
        except ValueError as exc:
            if "EOF" not in str(exc):
                raise
            # The sample ends inside a quoted field (fields holding line breaks): the
            # types from its first rows, as Dask infers them by default.
            frame = _read_csv(dd, path, size, options, sample_rows=10)
    markers = options.get("na_values", [])
    frame = frame.map_partitions(padded_markers_to_missing, markers, meta=frame._meta)
    return frame, shown, size, layout


def _read_csv(dd, path, blocksize, options, sample_rows):
    return dd.read_csv(path, blocksize=blocksize, assume_missing=True, sample=SAMPLE_BYTES,
                       sample_rows=sample_rows, **options)  # fmt: skip


# --- one pass over the file: counts and checks ---------------------------------------------
def _target_part(y, numeric):
    """The summary of one partition of the target (rows with a value)."""
    counts = y.value_counts(sort=False)
    finite = integer = None
    if numeric:
        values = y.to_numpy(dtype=float)
        finite = bool(np.all(np.isfinite(values)))
        integer = bool(finite and np.all(values == np.round(values)))
    if len(counts) > MAX_COUNTED_VALUES:
        counts = None
    else:  # a dict: a tenth of the size of a Series to send
        counts = dict(zip(counts.index, counts.tolist(), strict=True))
    return {
        "counts": counts,
        "finite": finite,
        "integer": integer,
        "first": y.iloc[0] if len(y) else None,
    }


def _survey_part(part, target, numeric, text_names, unnamed, marks):
    """What the client needs to know of one partition: a few numbers per column."""
    present = part[target].notna().to_numpy()
    kept = part.loc[present]
    y = kept[target]
    result = {
        "n_rows": len(part),
        "n_kept": len(kept),
        "target": _target_part(y, numeric),
        "text": {name: summarize_text_part(kept[name]) for name in text_names},
        "numbers": {},  # as in memory: a text column of numbers on all rows, or kept ones
        "row_numbers": {},
    }
    for name in text_names:
        on_all = text_numbers_state(part[name], *marks)
        on_kept = on_all if len(kept) == len(part) else text_numbers_state(kept[name], *marks)
        result["numbers"][name] = (on_all, on_kept)
    if not numeric:
        result["target text"] = summarize_text_part(y)
        result["target state"] = text_numbers_state(y, *marks)
        numbers = numbers_in_text(y, *marks) if len(y) else y
        if numbers is not None:
            result["target as numbers"] = _target_part(numbers.astype(float), True)
    for name in unnamed:
        values = part[name]
        if not _is_numeric(values.dtype):
            values = numbers_in_text(values, *marks)
            if values is None:
                values = pd.Series([np.nan] * len(part))
        result["row_numbers"][name] = row_numbers_part(values)
    return result


def _survey_series(part, *args):
    return pd.Series([_survey_part(part, *args)], dtype=object)


@dataclass
class Survey:
    """The result of :func:`survey`: small, on the client."""

    n_rows: int  # in the file
    n_kept: int  # with a target value
    partition_rows: list  # kept rows per partition
    partition_counts: list  # per partition: Series of rows per target value, or None
    target: object  # TargetSummary
    text: dict  # {column: TextColumnSummary}, of the columns that stay text
    target_text: object = None  # TextColumnSummary of a target that stays text
    numbers: list = None  # text columns read as numbers (the target among them)
    row_numbers: dict = None  # {unnamed column holding the row numbers: first number}


def _summarize_target(parts, key, numeric):
    """The :class:`TargetSummary` and per-partition counts from the parts' ``key``."""
    counts, overflow = None, False
    per_partition = [part[key]["counts"] for part in parts]
    per_partition = [None if c is None else pd.Series(c, dtype=np.int64) for c in per_partition]
    for part_counts in per_partition:
        if part_counts is None:
            overflow = True
        elif counts is None:
            counts = part_counts
        else:
            counts = counts.add(part_counts, fill_value=0).astype(np.int64)
    if counts is not None:
        # pandas' value_counts order: by count, ties in the order of first appearance.
        counts = counts.astype(np.int64).sort_values(ascending=False, kind="stable")
    if counts is not None and len(counts) > MAX_COUNTED_VALUES:
        overflow = True
    with_rows = [part[key] for part in parts if part["n_kept"]]
    summary = TargetSummary(
        numeric=numeric,
        n_rows=sum(part["n_kept"] for part in parts),
        n_distinct=MAX_COUNTED_VALUES + 1 if overflow else len(counts),
        finite=bool(numeric and all(p["finite"] for p in with_rows)),
        integer_valued=bool(numeric and all(p["integer"] for p in with_rows)),
        first=with_rows[0]["first"] if with_rows else None,
        counts=None if overflow else counts,
    )
    return summary, [None if overflow else c for c in per_partition]


def survey(frame, target, features, *, decimal=".", thousands=None):
    """One pass over the file: row counts, the target's and the text columns' summaries.

    The repairs of the in-memory reading are decided from it: a text column whose values
    are all numbers (``decimal`` and ``thousands`` are the reading's marks) is read as
    numbers (:attr:`Survey.numbers`, see :func:`read_as_numbers`), and a column with no
    name that holds the row numbers is found (:attr:`Survey.row_numbers`).

    Returns
    -------
    survey : Survey
    """
    numeric = _is_numeric(frame.dtypes[target])
    text_names = text_columns(frame[features])
    unnamed = [
        name for name in features
        if is_unnamed(name) and (_is_numeric(frame.dtypes[name]) or name in text_names)
    ]  # fmt: skip
    marks = (decimal, thousands)
    parts = frame.map_partitions(
        _survey_series, target, numeric, text_names, unnamed, marks,
        meta=pd.Series([], dtype=object),
    )  # fmt: skip
    present = frame[~frame[target].isna()]
    distinct = [present[name].dropna().nunique(split_out=1) for name in text_names]
    parts, *distinct = compute(parts, *distinct)
    parts = list(parts)
    n_rows = sum(part["n_rows"] for part in parts)
    n_kept = sum(part["n_kept"] for part in parts)

    numbers = []
    for name in text_names:  # as in memory: on all rows, then on the kept rows
        states = [part["numbers"][name] for part in parts]
        if all_numbers(s[0] for s in states) or (
            n_kept < n_rows and all_numbers(s[1] for s in states)
        ):
            numbers.append(name)
    key, target_text = "target", None
    if not numeric and all_numbers(part["target state"] for part in parts):
        numbers.append(target)
        key, numeric = "target as numbers", True
    elif not numeric:
        target_text = _combine_text([part["target text"] for part in parts])
    summary, per_partition = _summarize_target(parts, key, numeric)

    text = {}
    for index, name in enumerate(text_names):
        if name not in numbers:
            text[name] = _combine_text([part["text"][name] for part in parts])
            text[name].n_distinct = int(distinct[index])
    row_numbers = {}
    for name in unnamed:
        # as in memory, only a column of numbers on all rows holds the row numbers
        if name not in text_names or all_numbers(part["numbers"][name][0] for part in parts):
            start = row_numbers_start([part["row_numbers"][name] for part in parts])
            if start is not None:
                row_numbers[name] = start
    return Survey(
        n_rows=n_rows,
        n_kept=n_kept,
        partition_rows=[part["n_kept"] for part in parts],
        partition_counts=per_partition,
        target=summary,
        text=text,
        target_text=target_text,
        numbers=numbers,
        row_numbers=row_numbers,
    )


def _combine_text(summaries):
    combined = summaries[0]
    for summary in summaries[1:]:
        combined = combined.combine(summary)
    return combined


def _numbers_part(part, names, marks):
    # where only the kept rows hold numbers, the others (dropped) become missing
    return part.assign(**{name: as_numbers(part[name], *marks) for name in names})


def read_as_numbers(frame, names, *, decimal=".", thousands=None):
    """``frame`` (lazily) with the text columns ``names`` read as numbers (floats), as the
    in-memory reading does for a text column whose values are all numbers."""
    if not names:
        return frame
    meta = frame._meta.assign(**{name: np.zeros(0, dtype=np.float64) for name in names})
    return frame.map_partitions(_numbers_part, list(names), (decimal, thousands), meta=meta)


def compute(*collections):
    """``dask.compute``, with a file that does not parse reported as one line."""
    import dask

    try:
        return dask.compute(*collections)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CLIError(f"cannot parse the CSV file: {one_line(exc)}") from None
    except ValueError as exc:
        if "Mismatched dtypes" in str(exc):
            raise CLIError(_mismatch_message(str(exc))) from None
        raise


def _mismatch_message(text):
    """One line for Dask's table of columns whose type changes further down the file."""
    import re

    rows = re.findall(r"^\|\s*(.+?)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|$", text, flags=re.M)
    columns = [
        f"{name!r} ({found} where {expected} was inferred)"
        for name, found, expected in rows
        if name != "Column"
    ]
    examples = re.findall(r"ValueError\(\"(.+?)\"\)", text)
    value = re.search(r": '(.*)'$", examples[0]) if examples else None
    if value is not None and value.group(1) != value.group(1).strip():
        advice = (
            "fields of spaces and missing-value markers with spaces around them are read as "
            "missing only in a column that the start of the file types as text: remove the "
            "spaces from the file, or run without --scheduler / --dask-local"
        )
    else:
        advice = (
            "if such values mean 'missing', list them with --na-values; if they are in rows "
            "without a target value (a footer such as 'Total', a comment line), remove those "
            "rows from the file; otherwise run without --scheduler / --dask-local, which "
            "reads such a column as text"
        )
    return (
        "the column types that Dask inferred from the start of the file (its first "
        f"{format_bytes(SAMPLE_BYTES)}) do not hold further down: "
        f"{', '.join(columns) or one_line(text)}"
        + (f" ({examples[0]})" if examples else "")
        + f"; {advice}"
    )


# --- the folds ---------------------------------------------------------------------------
_MASK = (1 << 64) - 1


def _mix(values):
    """SplitMix64's finaliser on an array of uint64 (wrapping arithmetic)."""
    values = values + np.uint64(0x9E3779B97F4A7C15)
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _fold_keys(seed, class_index, ranks):
    """The random key of each rank of a class: a hash of (seed, class, rank)."""
    base = _mix(np.array([seed & _MASK], dtype=np.uint64))
    base = _mix(base ^ np.uint64(class_index))
    return _mix(base ^ np.asarray(ranks, dtype=np.uint64))


def fold_of_ranks(seed, class_index, ranks, n_folds):
    """Folds of the rows of one class with these ranks (0 = the class's first row).

    The ranks ``g k, ..., g k + k - 1`` form group ``g``; each member's fold is the rank
    of its key among the ``k`` keys of its group.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    groups = ranks // n_folds
    members = groups[:, None] * n_folds + np.arange(n_folds)
    keys = _fold_keys(seed, class_index, members.ravel()).reshape(members.shape)
    own = keys[np.arange(len(ranks)), ranks % n_folds][:, None]
    position = np.arange(n_folds)[None, :]
    before = (keys < own) | ((keys == own) & (position < (ranks % n_folds)[:, None]))
    return before.sum(axis=1).astype(np.int64)


def fold_counts(seed, class_index, start, count, n_folds):
    """Rows per fold among the ranks ``start, ..., start + count - 1`` of one class.

    Complete groups put one row in every fold; only the partial groups at both ends are
    hashed, so this costs ``O(k)`` whatever ``count``.
    """
    stop = start + count
    first_full = -(-start // n_folds)
    last_full = stop // n_folds
    if last_full <= first_full:
        ends = np.arange(start, stop)
        n_full = 0
    else:
        ends = np.r_[np.arange(start, first_full * n_folds), np.arange(last_full * n_folds, stop)]
        n_full = last_full - first_full
    counts = np.bincount(fold_of_ranks(seed, class_index, ends, n_folds), minlength=n_folds)
    return counts + n_full


def fold_of_rows(codes, offsets, seed, n_folds):
    """Folds of the rows of one partition.

    Parameters
    ----------
    codes : ndarray of int
        The class index of each row (all zeros for regression).
    offsets : ndarray of int
        Per class, the rows of that class in the partitions before this one.
    """
    folds = np.empty(len(codes), dtype=np.int64)
    for class_index in np.unique(codes):
        rows = np.flatnonzero(codes == class_index)
        ranks = offsets[class_index] + np.arange(len(rows))
        folds[rows] = fold_of_ranks(seed, int(class_index), ranks, n_folds)
    return folds


@dataclass
class Folds:
    """The folds of the table on the cluster, and their sizes (known on the client).

    Attributes
    ----------
    counts : ndarray of shape (n_partitions, n_folds, n_classes)
        Rows of each class per fold in each partition (one class for regression).
    """

    n_folds: int
    seed: int
    classes: list
    offsets: np.ndarray  # (n_partitions, n_classes)
    counts: np.ndarray

    def lengths(self, fold, part):
        """Rows per partition of the training (``part='train'``) or test part of ``fold``."""
        in_fold = self.counts[:, fold, :].sum(axis=1)
        if part == "test":
            return tuple(int(n) for n in in_fold)
        return tuple(int(n) for n in self.counts.sum(axis=(1, 2)) - in_fold)

    def class_counts(self, fold, part):
        """Rows of each class in the training or test part of ``fold``."""
        in_fold = self.counts[:, fold, :].sum(axis=0)
        return in_fold if part == "test" else self.counts.sum(axis=(0, 1)) - in_fold


def make_folds(survey, classes, n_folds, seed):
    """The :class:`Folds` of the table, from the survey's per-partition class counts."""
    n_classes = max(1, len(classes))
    per_partition = np.zeros((len(survey.partition_rows), n_classes), dtype=np.int64)
    for index, n_rows in enumerate(survey.partition_rows):
        if classes:
            counts = survey.partition_counts[index]
            per_partition[index] = counts.reindex(classes, fill_value=0).to_numpy()
        else:
            per_partition[index, 0] = n_rows
    offsets = np.cumsum(per_partition, axis=0) - per_partition
    counts = np.zeros((len(per_partition), n_folds, n_classes), dtype=np.int64)
    for index in range(len(per_partition)):
        for class_index in range(n_classes):
            counts[index, :, class_index] = fold_counts(
                seed,
                class_index,
                int(offsets[index, class_index]),
                int(per_partition[index, class_index]),
                n_folds,
            )
    return Folds(n_folds, seed, list(classes), offsets, counts)


def _boolean(classes):
    """Whether the class labels are booleans (a True/False target)."""
    return bool(classes) and all(isinstance(c, (bool, np.bool_)) for c in classes)


def _prepare_part(part, target, features, classes, offsets, seed, n_folds, integer_target,
                  partition_info=None):  # fmt: skip
    """One partition as the search uses it: rows with a target, the features, the fold."""
    kept = part.loc[part[target].notna().to_numpy()]
    y = boolean_labels(kept[target]) if _boolean(classes) else kept[target]
    if integer_target:  # integer labels read as floats (assume_missing): ints again
        y = y.astype(np.int64)
    if classes:
        codes = pd.Index(classes).get_indexer(y)
    else:
        codes = np.zeros(len(y), dtype=np.int64)
    table = kept[list(features)].copy()
    table[target] = y.to_numpy()
    table[FOLD_COLUMN] = fold_of_rows(codes, offsets[partition_info["number"]], seed, n_folds)
    return table.reset_index(drop=True)


def prepare_table(frame, target, features, folds, integer_target):
    """The table of the search, lazily: features, target and fold of each kept row."""
    meta = frame._meta[list(features)].copy()
    target_meta = frame._meta[target]
    meta[target] = target_meta.astype(np.int64) if integer_target else target_meta
    if _boolean(folds.classes):  # True/False with missing values: objects, read as bool
        meta[target] = target_meta.astype(bool)
    meta[FOLD_COLUMN] = np.zeros(0, dtype=np.int64)
    return frame.map_partitions(
        _prepare_part, target, list(features), folds.classes, folds.offsets, folds.seed,
        folds.n_folds, integer_target, meta=meta, align_dataframes=False,
    )  # fmt: skip
