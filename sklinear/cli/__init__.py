"""The ``sklinear`` command line: k-fold cross-validated model selection on a CSV file.

``sklinear cv DATA.csv --target COLUMN`` fits the pipeline

    MissingIndicatorImputer -> DummyEncoder(columns='auto') -> PolyFeatures -> model

for every combination of ``--degree``, ``--alpha`` and ``--penalty``, scores each by k-fold
cross-validation, prints the ranked candidates beside a baseline and the best parameters,
and with ``--output DIR`` writes the refitted best pipeline and plots.
``sklinear predict MODEL DATA.csv`` applies a saved pipeline to a new file. Results go to
standard output; progress, warnings and errors to standard error. Exit status: 0 on
success, 1 for a problem with the data, 2 for an invalid option.

The modules, by concern: ``_parser`` (options), ``_data`` (reading and checking the
table, choosing the model), ``_scoring`` (the scorer), ``_search`` (pipeline, grid and
the search along warm-started paths), ``_progress`` (progress on standard error),
``_report`` (the table on standard output), ``_output`` (files of ``--output``),
``_predict`` (the ``predict`` command).
"""

import contextlib
import os
import sys
import time

import numpy as np

from ._errors import CLIError, UsageError, one_line, plural
from ._parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name.

    Returns
    -------
    status : int
        0 on success, 1 for a problem with the data, 2 for an invalid option.
    """
    with _escaping_stdout():
        return _main(argv)


@contextlib.contextmanager
def _escaping_stdout():
    """Write the characters that standard output's encoding lacks (a name in an ASCII or
    cp1252 console) as escapes, as Python writes standard error, instead of failing with
    a UnicodeEncodeError; the stream's own setting is restored afterwards."""
    stream = sys.stdout
    errors = getattr(stream, "errors", None)
    if errors != "strict" or not hasattr(stream, "reconfigure"):
        yield
        return
    stream.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # the stream was closed meanwhile
            stream.reconfigure(errors=errors)


def _main(argv):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if not argv:
            raise UsageError(
                "no command given; run 'sklinear cv' to try it on the bundled dataset, "
                "or see 'sklinear --help'"
            )
        args = parser.parse_args(argv)
        if args.command == "predict":
            from ._predict import run_predict

            return run_predict(args)
        return run_cv(args)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except CLIError as exc:
        _error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (``sklinear cv | head``): stop quietly,
        # and keep Python from failing again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - the command line never shows a traceback
        if os.environ.get("SKLINEAR_DEBUG"):
            raise
        _error(f"{type(exc).__name__}: {exc} (set SKLINEAR_DEBUG=1 to see the traceback)")
        return 1


def _error(message):
    sys.stdout.flush()
    sys.stderr.write(f"sklinear: error: {one_line(message)}\n")
    sys.stderr.flush()


def _notice(message):
    """A notice about the data: always shown (also with --quiet), on standard error."""
    sys.stderr.write(f"sklinear: note: {one_line(message)}\n")
    sys.stderr.flush()


def _load(args):
    """The table, its source's name and the target column."""
    from . import _data as data

    if args.data is None:
        from ..datasets import get_bundled_dataset

        frame, default_target = get_bundled_dataset()
        source = "bundled penguins table (sklinear.datasets.load_penguins)"
        return frame, source, args.target if args.target is not None else default_target
    frame = data.read_table(args.data, sep=args.sep, decimal=args.decimal,
                            thousands=args.thousands, na_values=args.na_values,
                            encoding=args.encoding)  # fmt: skip
    if args.target is None:
        raise UsageError(
            "--target COLUMN is required with a CSV file; the columns are: "
            + ", ".join(map(str, frame.columns[:20]))
        )
    return frame, ("standard input" if args.data == "-" else args.data), args.target


def _select_features(X, args, summaries=None):
    """Leave out ID-like text columns (unless kept); report dates and numbers read as text.

    ``X`` is a pandas DataFrame, or a dask one with the ``summaries`` of its text columns.
    """
    from . import _data as data

    summaries = data.text_summaries(X, summaries)
    id_like = data.id_like_columns(X, summaries)
    dates = data.date_columns(X, summaries)
    dropped = []
    if id_like and not args.keep_id_columns:
        dropped = list(id_like)
        described = ", ".join(
            f"{str(name)!r} ({n_distinct} distinct values in {n_rows} rows)"
            for name, (n_distinct, n_rows) in id_like.items()
            if name not in dates
        )
        if described:
            n_other = len([name for name in dropped if name not in dates])
            _notice(
                f"left out {plural(n_other, 'ID-like text column')} (nearly one distinct "
                f"value per row: names, identifiers or free text, whose dummies would be "
                f"about one column per row): {described}; --keep-id-columns keeps them"
            )
        X = X.drop(columns=dropped)
    for name, example in dates.items():
        if name in dropped:
            n_distinct, n_rows = id_like[name]
            how = (f"is left out (nearly one distinct value per row: {n_distinct} in {n_rows} "
                   "rows; --keep-id-columns keeps it as text categories)")  # fmt: skip
        else:
            how = "is used as text categories (one per distinct value)"
        _notice(
            f"column {str(name)!r} holds dates or times (such as {example!r}), which are not "
            f"converted to numbers: it {how}; to use them as numbers, add columns computed "
            "from them to the file (e.g. year, month, day of week, days since a start)"
        )
    notes = data.nearly_numeric_columns(X, decimal=args.decimal, thousands=args.thousands,
                                        sep=args.sep, summaries=summaries)  # fmt: skip
    for line in notes:
        _notice(line)
    reasons = data.zero_feature_reasons(X, dropped, summaries)
    if reasons is not None:
        raise CLIError(
            "no feature is left to fit: every column encodes to zero columns ("
            + "; ".join(reasons)
            + ")"
            + ("; --keep-id-columns keeps the ID-like ones" if dropped else "")
        )
    return X, bool(id_like) and args.keep_id_columns


def _drop_row_numbers(frame, target):
    """Leave out the feature columns with no name in the header that hold the row numbers
    (an index written with the table, e.g. by ``DataFrame.to_csv``)."""
    from . import _data as data

    for name, start in data.row_index_columns(frame.drop(columns=[target])).items():
        _row_numbers_notice(name, start, frame.shape[0])
        frame = frame.drop(columns=[name])
    return frame


def _row_numbers_notice(name, start, n_rows):
    _notice(
        f"left out column {str(name)!r}: it has no name in the header and holds the row "
        f"numbers {start} to {start + n_rows - 1}, a row index written with the "
        "table (e.g. by DataFrame.to_csv without index=False), which would tie the "
        "predictions to the order of the rows; name it in the header to use it as a "
        "feature"
    )


def _row_names_notice(n_fields):
    if n_fields:
        _notice(
            f"the rows have {plural(n_fields, 'more field')} than the "
            "header: as pandas does, the extra fields at the start of each row are taken as "
            "row names (as R's write.table writes them) and not used; name every field in "
            "the header to use them as columns"
        )


def _on_cluster(args):
    return args.scheduler is not None or args.dask_local is not None


def _check_cluster_options(args):
    """Options that need (or exclude) a cluster, checked before anything is read."""
    if not _on_cluster(args):
        for given, option in ((args.blocksize is not None, "--blocksize"),
                              (args.no_persist, "--no-persist")):  # fmt: skip
            if given:
                raise UsageError(f"{option} applies only with --scheduler or --dask-local")
        return
    option = "--scheduler" if args.scheduler is not None else "--dask-local"
    from . import _cluster

    _cluster.import_dask(option)  # or say how to install it
    args.blocksize = _cluster.parse_blocksize(args.blocksize)
    if args.jobs != 1:
        raise UsageError(
            f"--jobs does not apply with {option}: the cluster's workers share every fit"
        )
    if args.solver in ("sgd", "adam"):
        raise UsageError(
            f"--solver {args.solver} draws rows at random and cannot fit on a Dask cluster; "
            "use --solver auto, gd or lbfgs"
        )
    if args.data == "-":
        raise UsageError(
            "standard input cannot be read on a Dask cluster: give the path of a file that "
            f"the workers can read (or run without {option})"
        )
    if args.scoring is not None:
        from ._cluster_scoring import check_cluster_scoring

        check_cluster_scoring(args.scoring)


def _write_header(out, *, source, n_rows, n_features, target, n_dropped, n_kept, kind, reason,
                  n_candidates, args, scoring_note, folds_how, extra=""):  # fmt: skip
    from . import _data as data

    out.write(f"data: {source}: {n_rows} rows, {n_features} feature columns\n")
    out.write(f"target: {target!r}; dropped {plural(n_dropped, 'row')} whose target is missing")
    out.write(f" ({plural(n_kept, 'row')} kept)\n")
    out.write(f"model: {data.MODEL_CLASSES[kind]} ({reason}); penalty on the standardised "
              "coefficients (scale_predictors=True)\n")  # fmt: skip
    stratified = "stratified " if kind != "linear" else ""
    out.write(
        f"search: {plural(n_candidates, 'candidate')} x {args.folds} {stratified}folds "
        f"({folds_how}, seed {args.seed}), scoring {scoring_note}{extra}\n"
    )
    out.flush()


def _write_report(out, search, scoring, baseline, n_folds):
    from . import _report as report

    rows = report.result_rows(search)
    out.write("\n" + report.format_table(rows, scoring, out, baseline=baseline) + "\n")
    out.write(f"(base: a model that ignores the features and predicts {baseline['name']})\n\n")
    out.write(report.best_line(search, rows, scoring, n_folds, out) + "\n")
    out.flush()


def _start_progress(candidates, args):
    from ._progress import Progress

    progress = Progress(candidates, args.folds, quiet=args.quiet)
    progress.message(
        f"fitting {plural(len(candidates), 'candidate')} x {args.folds} folds = "
        f"{len(candidates) * args.folds} fits, then the best on all rows"
    )
    return progress


DEFAULT_L1_RATIOS = [0.5]


def _l1_ratios(args):
    """The elastic-net mixing values to try; a notice where they are given without an
    elastic net to use them (scikit-learn's LogisticRegression warns there too)."""
    if args.l1_ratio is None:
        return DEFAULT_L1_RATIOS
    if "elasticnet" not in args.penalty:
        _notice(
            f"--l1-ratio is used with --penalty elasticnet only; it is ignored with "
            f"--penalty {' '.join(args.penalty)}. Add elasticnet to --penalty to try it."
        )
    return args.l1_ratio


def _pipeline_and_grid(args, kind, keep_id_columns):
    from . import _search as search_tools

    pipeline = search_tools.build_pipeline(
        kind,
        seed=args.seed,
        max_iter=args.max_iter,
        tol=args.tol,
        min_frequency=search_tools.ID_MIN_FREQUENCY if keep_id_columns else None,
    )
    param_grid = search_tools.build_param_grid(
        degrees=args.degree,
        alphas=args.alpha,
        penalties=args.penalty,
        l1_ratios=_l1_ratios(args),
        solver=args.solver,
    )
    return pipeline, param_grid, search_tools.expand_grid(param_grid)


def _warn_lines(lines):
    for line in lines:
        sys.stderr.write(f"sklinear: warning: {line}\n")


def run_cv(args):
    """The ``cv`` command: load, check, search, report; return the exit status."""
    from . import _scoring as scoring_tools
    from . import _search as search_tools

    started = time.perf_counter()
    if args.scoring is not None:
        scoring_tools.check_scoring_name(args.scoring)
    search_tools.check_solver(args.solver, args.penalty)
    _check_cluster_options(args)
    if _on_cluster(args):
        from ._cluster import check_path, connect

        check_path(args.data)
        with connect(args) as cluster:
            return _run_cv_on_cluster(args, started, cluster)
    return _run_cv_in_memory(args, started)


def _run_cv_in_memory(args, started):
    from . import _data as data
    from . import _scoring as scoring_tools
    from . import _search as search_tools

    frame, source, target = _load(args)
    data.check_target_column(frame, target, args.sep)
    _row_names_notice(frame.attrs.get("row_names", 0))
    for line in data.check_repeated_columns(frame.columns, target, frame.attrs.get("header")):
        _notice(line)
    # pandas deep-copies attrs into every column taken from the table: the header's list
    # made the transformers' passes cost columns x names (1,000 columns: 40 s, not 2 s)
    frame.attrs = {}
    frame = _drop_row_numbers(frame, target)
    X, y, n_dropped = data.split_target(frame, target)
    if len(y) == 0:
        raise CLIError(f"every row lacks a value for target {target!r}")
    if n_dropped:
        X = data.reparse_numbers(X, decimal=args.decimal, thousands=args.thousands)
    data.check_target_numbers(y, target, args.model, decimal=args.decimal,
                              thousands=args.thousands, sep=args.sep)  # fmt: skip
    X, keep_id_columns = _select_features(X, args)
    kind, reason = data.choose_model(y, args.model, target)
    data.check_folds(y, kind, args.folds, target)
    for line in data.label_variant_notes(y, target) if kind != "linear" else []:
        _notice(line)
    classes = sorted(y.unique().tolist()) if kind != "linear" else []
    scoring = args.scoring or scoring_tools.default_scoring(kind)
    data.check_test_fold_size(len(y), kind, args.folds, scoring, target)
    scorer, scoring_note = scoring_tools.make_scorer_for(scoring, kind, classes, target)

    if args.output is not None:  # before the search, so a bad path fails at once
        from ._output import prepare_output_dir

        prepare_output_dir(args.output)

    pipeline, param_grid, candidates = _pipeline_and_grid(args, kind, keep_id_columns)
    cv = search_tools.make_cv(kind, args.folds, args.seed)

    out = sys.stdout
    jobs = ""
    if args.jobs != 1:
        n_tasks = len(search_tools.path_tasks(candidates)) * args.folds
        n_workers = search_tools.worker_count(args.jobs, n_tasks)
        jobs = f", {n_workers} process" + ("es" if n_workers != 1 else "")
    _write_header(out, source=source, n_rows=frame.shape[0], n_features=X.shape[1],
                  target=target, n_dropped=n_dropped, n_kept=len(y), kind=kind, reason=reason,
                  n_candidates=len(candidates), args=args, scoring_note=scoring_note,
                  folds_how="shuffled", extra=jobs)  # fmt: skip

    try:
        baseline = search_tools.baseline_scores(kind, X, y, cv, scorer)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CLIError(
            f"--scoring {scoring} cannot score target {target!r}: {one_line(exc)}"
        ) from None

    progress = _start_progress(candidates, args)
    search, warning_lines = search_tools.run_search(
        pipeline,
        param_grid,
        X,
        y,
        cv=cv,
        scorer=scorer,
        n_jobs=args.jobs,
        progress=progress,
        caught_before=baseline["warnings"],
    )
    _warn_lines(warning_lines)
    _write_report(out, search, scoring, baseline, args.folds)

    if args.output is not None:
        _write_output(args, search, kind, scoring, progress, confusion=(X, y, cv))
    progress.message(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _run_cv_on_cluster(args, started, cluster):
    """The ``cv`` command with the table on a Dask cluster (see :mod:`._cluster`)."""
    from . import _cluster
    from . import _data as data
    from . import _scoring as scoring_tools
    from ._cluster_scoring import ClusterScorer
    from ._cluster_search import ClusterData, baseline_on_cluster, run_search_on_cluster

    frame, source, blocksize, layout = _cluster.read_table_lazily(
        args.data, sep=args.sep, decimal=args.decimal, na_values=args.na_values,
        thousands=args.thousands, encoding=args.encoding, blocksize=args.blocksize,
        n_threads=cluster.n_threads,
    )  # fmt: skip
    target = args.target
    if args.data is None and target is None:
        from ..datasets import PENGUINS_DEFAULT_TARGET

        target = PENGUINS_DEFAULT_TARGET
    if target is None:
        raise UsageError(
            "--target COLUMN is required with a CSV file; the columns are: "
            + ", ".join(map(str, frame.columns[:20]))
        )
    data.check_target_column(frame, target, args.sep)
    _row_names_notice(layout.row_names)
    for line in data.check_repeated_columns(frame.columns, target, layout.header):
        _notice(line)
    features = [name for name in frame.columns if name != target]
    survey = _cluster.survey(frame, target, features, decimal=args.decimal,
                             thousands=args.thousands)  # fmt: skip
    if survey.n_rows == 0:
        raise CLIError(f"{source} has a header but no data rows")
    for name, start in survey.row_numbers.items():
        _row_numbers_notice(name, start, survey.n_rows)
        features.remove(name)
    if survey.n_kept == 0:
        raise CLIError(f"every row lacks a value for target {target!r}")
    frame = _cluster.read_as_numbers(frame, survey.numbers, decimal=args.decimal,
                                     thousands=args.thousands)  # fmt: skip
    if survey.target_text is not None:
        data.check_target_numbers(survey.target_text, target, args.model, decimal=args.decimal,
                                  thousands=args.thousands, sep=args.sep)  # fmt: skip
    X, keep_id_columns = _select_features(frame[features], args, survey.text)
    features = list(X.columns)
    kind, reason = data.choose_model(survey.target, args.model, target)
    data.check_folds(survey.target, kind, args.folds, target)
    for line in data.label_variant_notes(survey.target, target) if kind != "linear" else []:
        _notice(line)
    integer_target = kind != "linear" and survey.target.numeric
    classes = sorted(survey.target.counts.index.tolist()) if kind != "linear" else []
    if integer_target:
        classes = [int(c) for c in classes]
        survey.partition_counts = [
            None if c is None else c.set_axis(c.index.astype(np.int64))
            for c in survey.partition_counts
        ]
    scoring = args.scoring or scoring_tools.default_scoring(kind)
    data.check_test_fold_size(survey.n_kept, kind, args.folds, scoring, target)
    scorer, scoring_note = scoring_tools.make_scorer_for(scoring, kind, classes, target)
    scorer = ClusterScorer(scoring, scorer, classes)

    if args.output is not None:
        from ._output import prepare_output_dir

        prepare_output_dir(args.output)

    pipeline, param_grid, candidates = _pipeline_and_grid(args, kind, keep_id_columns)
    folds = _cluster.make_folds(survey, classes, args.folds, args.seed)
    table = _cluster.prepare_table(frame, target, features, folds, integer_target)
    persist = not args.no_persist
    if persist:
        table = table.persist()
    cluster_data = ClusterData(table, features, target, folds, persist)

    out = sys.stdout
    _write_header(out, source=source, n_rows=survey.n_rows, n_features=len(features),
                  target=target, n_dropped=survey.n_rows - survey.n_kept,
                  n_kept=survey.n_kept, kind=kind, reason=reason,
                  n_candidates=len(candidates), args=args, scoring_note=scoring_note,
                  folds_how="assigned on the cluster, see --help")  # fmt: skip
    out.write(
        f"cluster: {cluster.description}; the file in {plural(frame.npartitions, 'partition')} "
        f"of about {_cluster.format_bytes(blocksize)}"
        + ("" if persist else "; --no-persist: every pass rereads the file")
        + "\n"
    )
    out.flush()

    try:
        baseline = baseline_on_cluster(kind, cluster_data, scorer)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CLIError(
            f"--scoring {scoring} cannot score target {target!r}: {one_line(exc)}"
        ) from None

    progress = _start_progress(candidates, args)
    search, warning_lines = run_search_on_cluster(
        pipeline, param_grid, cluster_data, scorer=scorer, progress=progress,
        caught_before=baseline["warnings"],
    )  # fmt: skip
    _warn_lines(warning_lines)
    _write_report(out, search, scoring, baseline, args.folds)

    if args.output is not None:
        matrix = search.confusion_.get(search.best_index_) if kind != "linear" else None
        _write_output(args, search, kind, scoring, progress, confusion=(matrix, classes))
    progress.message(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _write_output(args, search, kind, scoring, progress, confusion):
    """The files of ``--output``; ``confusion`` is ``(X, y, cv)`` in memory, or the
    out-of-fold confusion matrix of the best candidate and the classes (cluster)."""
    from . import _output as output

    written = [output.save_model(search, args.output), output.save_results(search, args.output)]
    plt = output.import_pyplot()
    if plt is None:
        sys.stderr.write(
            "sklinear: plots skipped: matplotlib is not installed; to get them run: "
            f"{output.PLOT_INSTALL_HINT}\n"
        )
    else:
        progress.message("drawing plots")
        written.append(output.plot_validation_curve(search, scoring, args.output, plt))
        written.append(output.plot_loss_curve(search, args.output, plt))
        if kind != "linear":
            if len(confusion) == 3:
                written.append(output.plot_confusion_matrix(search, *confusion, args.output, plt))
            else:
                written.append(output.plot_confusion_counts(*confusion, args.output, plt))
    for file in written:
        sys.stdout.write(f"wrote {file}\n")
    sys.stdout.flush()
