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

import os
import sys
import time

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
                            na_values=args.na_values)  # fmt: skip
    if args.target is None:
        raise UsageError(
            "--target COLUMN is required with a CSV file; the columns are: "
            + ", ".join(map(str, frame.columns[:20]))
        )
    return frame, ("standard input" if args.data == "-" else args.data), args.target


def _select_features(X, args):
    """Leave out ID-like text columns (unless kept); report nearly-numeric columns."""
    from . import _data as data

    id_like = data.id_like_columns(X)
    dropped = []
    if id_like and not args.keep_id_columns:
        dropped = list(id_like)
        described = ", ".join(
            f"{str(name)!r} ({n_distinct} distinct values in {n_rows} rows)"
            for name, (n_distinct, n_rows) in id_like.items()
        )
        _notice(
            f"left out {plural(len(dropped), 'ID-like text column')} (nearly one distinct "
            f"value per row: names, identifiers or free text, whose dummies would be about "
            f"one column per row): {described}; --keep-id-columns keeps them"
        )
        X = X.drop(columns=dropped)
    for line in data.nearly_numeric_columns(X, decimal=args.decimal):
        _notice(line)
    reasons = data.zero_feature_reasons(X, dropped)
    if reasons is not None:
        raise CLIError(
            "no feature is left to fit: every column encodes to zero columns ("
            + "; ".join(reasons)
            + ")"
            + ("; --keep-id-columns keeps the ID-like ones" if dropped else "")
        )
    return X, bool(id_like) and args.keep_id_columns


def run_cv(args):
    """The ``cv`` command: load, check, search, report; return the exit status."""
    from . import _data as data
    from . import _report as report
    from . import _scoring as scoring_tools
    from . import _search as search_tools
    from ._progress import Progress

    started = time.perf_counter()
    if args.scoring is not None:
        scoring_tools.check_scoring_name(args.scoring)
    search_tools.check_solver(args.solver, args.penalty)

    frame, source, target = _load(args)
    X, y, n_dropped = data.split_target(frame, target)
    if len(y) == 0:
        raise CLIError(f"every row lacks a value for target {target!r}")
    X, keep_id_columns = _select_features(X, args)
    kind, reason = data.choose_model(y, args.model, target)
    data.check_folds(y, kind, args.folds, target)
    classes = sorted(y.unique().tolist()) if kind != "linear" else []
    scoring = args.scoring or scoring_tools.default_scoring(kind)
    scorer, scoring_note = scoring_tools.make_scorer_for(scoring, kind, classes, target)

    if args.output is not None:  # before the search, so a bad path fails at once
        from ._output import prepare_output_dir

        prepare_output_dir(args.output)

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
        l1_ratios=args.l1_ratio,
        solver=args.solver,
    )
    candidates = search_tools.expand_grid(param_grid)
    cv = search_tools.make_cv(kind, args.folds, args.seed)

    out = sys.stdout
    out.write(f"data: {source}: {frame.shape[0]} rows, {X.shape[1]} feature columns\n")
    out.write(f"target: {target!r}; dropped {n_dropped} rows whose target is missing")
    out.write(f" ({len(y)} rows kept)\n")
    out.write(f"model: {data.MODEL_CLASSES[kind]} ({reason}); penalty on the standardised "
              "coefficients (scale_predictors=True)\n")  # fmt: skip
    folds = "stratified " if kind != "linear" else ""
    jobs = "" if args.jobs == 1 else f", {args.jobs if args.jobs > 0 else 'all'} processes"
    out.write(
        f"search: {plural(len(candidates), 'candidate')} x {args.folds} {folds}folds "
        f"(shuffled, seed {args.seed}), scoring {scoring_note}{jobs}\n"
    )
    out.flush()

    try:
        baseline = search_tools.baseline_scores(kind, X, y, cv, scorer)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CLIError(
            f"--scoring {scoring} cannot score target {target!r}: {one_line(exc)}"
        ) from None

    progress = Progress(candidates, args.folds, quiet=args.quiet)
    progress.message(
        f"fitting {plural(len(candidates), 'candidate')} x {args.folds} folds = "
        f"{len(candidates) * args.folds} fits, then the best on all rows"
    )
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
    for line in warning_lines:
        sys.stderr.write(f"sklinear: warning: {line}\n")

    rows = report.result_rows(search)
    out.write("\n" + report.format_table(rows, scoring, out, baseline=baseline) + "\n")
    out.write(f"(base: a model that ignores the features and predicts {baseline['name']})\n\n")
    out.write(report.best_line(search, rows, scoring, args.folds, out) + "\n")
    out.flush()

    if args.output is not None:
        _write_output(args, search, X, y, cv, kind, scoring, progress)
    progress.message(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _write_output(args, search, X, y, cv, kind, scoring, progress):
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
            written.append(output.plot_confusion_matrix(search, X, y, cv, args.output, plt))
    for file in written:
        sys.stdout.write(f"wrote {file}\n")
    sys.stdout.flush()
