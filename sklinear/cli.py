"""The ``sklinear`` command line: k-fold cross-validated model selection on a CSV file.

``sklinear cv DATA.csv --target COLUMN`` fits the pipeline

    MissingIndicatorImputer -> DummyEncoder(columns='auto') -> PolyFeatures -> model

for every combination of ``--degree``, ``--alpha`` and ``--penalty``, scores each by k-fold
cross-validation, prints the ranked candidates and the best parameters, and with
``--output DIR`` writes the refitted best pipeline and plots. Results go to standard
output; progress, warnings and errors to standard error. Exit status: 0 on success, 1 for
a problem with the data, 2 for an invalid option.
"""

import argparse
import math
import os
import sys
import time

from ._cli_data import MAX_INTEGER_CLASSES, MODEL_CLASSES, CLIError, UsageError, one_line

DEFAULT_DEGREES = [1, 2]
DEFAULT_ALPHAS = [1e-4, 1e-3, 1e-2]
DEFAULT_PENALTIES = ["l2"]
DEFAULT_FOLDS = 5

_DESCRIPTION = """\
Linear models trained by gradient methods, with the transformers they need.

Run 'sklinear cv --help' for the command that selects a model by k-fold
cross-validation. With no arguments, 'sklinear cv' runs on the penguins dataset
bundled with the package.
"""

_CV_DESCRIPTION = """\
Select a model by k-fold cross-validation on a CSV file.

Every row is passed through the pipeline
  MissingIndicatorImputer -> DummyEncoder(columns='auto') -> PolyFeatures -> model
and every combination of --degree, --alpha and --penalty is scored on --folds
folds (shuffled with --seed; stratified by class for classifiers). The ranked
candidates (mean +/- std of the score over the folds, train score, mean fit time)
and the best parameters go to standard output; progress goes to standard error.
Rows whose target is missing are dropped, and the report says how many.

Without DATA the bundled Palmer penguins table is used (344 rows, missing values,
text columns), with target 'species' unless --target says otherwise.
"""

_CV_EPILOG = f"""\
model choice (--model auto):
  A target that is not numeric (text, true/false), or a numeric target whose
  values are all integers with at most {MAX_INTEGER_CLASSES} distinct values, is a class label:
  two classes -> logistic (GDLogisticClassifier), more -> softmax
  (SoftmaxClassifier). Any other numeric target -> linear (GDLinearRegressor).

solver (--solver auto):
  The estimator's own choice: 'lbfgs' for the smooth penalties l2 and none,
  'gd' (accelerated proximal gradient) for l1 and elasticnet.

output files (--output DIR):
  model.joblib          the best pipeline refitted on all rows (joblib.load it)
  cv_results.csv        every candidate and fold score
  validation_curve.png  train and validation score over the grid
  loss_curve.png        objective per iteration of the refitted best model
  confusion_matrix.png  classifiers: out-of-fold predictions of the best parameters
  Plots need matplotlib: pip install "sklinear[plot]".

examples:
  sklinear cv
  sklinear cv --target sex --degree 1 --alpha 1e-3 1e-1 --output results
  sklinear cv houses.csv --target price --degree 1 2 3 --penalty l2 l1
  sklinear cv data.csv --target label --scoring balanced_accuracy --folds 10

exit status: 0 success, 1 problem with the data, 2 invalid option.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised rather than printed."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _number_type(kind, name, *, minimum, inclusive=True, maximum=None):
    """An argparse type that parses ``kind`` and checks the range."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{name} must be finite, got {text!r}")
        low_ok = value >= minimum if inclusive else value > minimum
        high_ok = maximum is None or value <= maximum
        if not (low_ok and high_ok):
            bound = f"{'>=' if inclusive else '>'} {minimum:g}"
            if maximum is not None:
                bound = f"between {minimum:g} and {maximum:g}"
            raise argparse.ArgumentTypeError(f"{name} must be {bound}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def build_parser():
    from . import __version__

    parser = _Parser(
        prog="sklinear",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sklinear {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    cv = commands.add_parser(
        "cv",
        help="select a model by k-fold cross-validation on a CSV file",
        description=_CV_DESCRIPTION,
        epilog=_CV_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cv.add_argument(
        "data",
        nargs="?",
        metavar="DATA.csv",
        help="CSV file with a header row ('-' reads standard input); "
        "default: the bundled penguins table",
    )
    cv.add_argument(
        "--target",
        metavar="COLUMN",
        help="column to predict (required with DATA.csv; default for the bundled table: species)",
    )
    cv.add_argument(
        "--model",
        choices=["auto", *MODEL_CLASSES],
        default="auto",
        help="estimator: linear = GDLinearRegressor, logistic = GDLogisticClassifier, "
        "softmax = SoftmaxClassifier; auto chooses from the target (see below). "
        "Default: auto",
    )
    cv.add_argument(
        "--folds",
        type=_number_type(int, "--folds", minimum=2),
        default=DEFAULT_FOLDS,
        metavar="K",
        help=f"number of cross-validation folds, at least 2 (default: {DEFAULT_FOLDS})",
    )
    cv.add_argument(
        "--degree",
        type=_number_type(int, "--degree", minimum=1),
        nargs="+",
        default=DEFAULT_DEGREES,
        metavar="D",
        help=f"polynomial degrees to try (default: {' '.join(map(str, DEFAULT_DEGREES))})",
    )
    cv.add_argument(
        "--alpha",
        type=_number_type(float, "--alpha", minimum=0),
        nargs="+",
        default=DEFAULT_ALPHAS,
        metavar="A",
        help="regularisation strengths to try, >= 0 (default: "
        f"{' '.join(f'{a:g}' for a in DEFAULT_ALPHAS)})",
    )
    cv.add_argument(
        "--penalty",
        choices=["l2", "l1", "elasticnet", "none"],
        nargs="+",
        default=DEFAULT_PENALTIES,
        metavar="P",
        help="penalties to try: l2, l1, elasticnet, none (default: l2)",
    )
    cv.add_argument(
        "--l1-ratio",
        type=_number_type(float, "--l1-ratio", minimum=0, maximum=1),
        nargs="+",
        default=[0.5],
        metavar="R",
        help="elastic-net mixing values to try, in [0, 1] (default: 0.5)",
    )
    cv.add_argument(
        "--solver",
        choices=["auto", "gd", "sgd", "adam", "lbfgs"],
        default="auto",
        help="optimiser of the estimator (default: auto, see below)",
    )
    cv.add_argument(
        "--max-iter",
        type=_number_type(int, "--max-iter", minimum=1),
        metavar="N",
        help="iteration limit of the estimator (default: the estimator's)",
    )
    cv.add_argument(
        "--scoring",
        metavar="NAME",
        help="scikit-learn scorer name, e.g. accuracy, balanced_accuracy, f1_macro, "
        "roc_auc_ovr, r2, neg_mean_absolute_error (default: accuracy for classifiers, "
        "r2 for regression)",
    )
    cv.add_argument(
        "--output",
        metavar="DIR",
        help="write the fitted best pipeline, the results and the plots into DIR",
    )
    cv.add_argument(
        "--seed",
        type=_number_type(int, "--seed", minimum=0),
        default=0,
        metavar="N",
        help="random seed of the fold shuffling and the stochastic solvers (default: 0)",
    )
    cv.add_argument(
        "--sep", default=",", metavar="CHAR", help="field separator of the CSV file (default: ,)"
    )
    cv.add_argument(
        "-q", "--quiet", action="store_true", help="do not report progress on standard error"
    )
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if not argv:
            raise UsageError(
                "no command given; run 'sklinear cv' to try it on the bundled dataset, "
                "or see 'sklinear --help'"
            )
        args = parser.parse_args(argv)
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


def _plural(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _progress(args, message):
    if not args.quiet:
        sys.stderr.write(f"sklinear: {message}\n")
        sys.stderr.flush()


def run_cv(args):
    """The ``cv`` command: load, check, search, report; return the exit status."""
    from . import _cli_data as data
    from . import _cli_search as search_tools

    started = time.perf_counter()
    if args.scoring is not None:
        search_tools.check_scoring(args.scoring)
    search_tools.check_solver(args.solver, args.penalty)

    if args.data is None:
        from .datasets import get_bundled_dataset

        frame, default_target = get_bundled_dataset()
        source = "bundled penguins table (sklinear.datasets.load_penguins)"
        target = args.target if args.target is not None else default_target
    else:
        if args.target is None:
            frame = data.read_table(args.data, sep=args.sep)
            raise UsageError(
                "--target COLUMN is required with a CSV file; the columns are: "
                + ", ".join(map(str, frame.columns[:20]))
            )
        frame = data.read_table(args.data, sep=args.sep)
        source = "standard input" if args.data == "-" else args.data
        target = args.target

    X, y, n_dropped = data.split_target(frame, target)
    if len(y) == 0:
        raise CLIError(f"every row lacks a value for target {target!r}")
    kind, reason = data.choose_model(y, args.model, target)
    data.check_folds(y, kind, args.folds, target)
    classes = sorted(y.unique().tolist()) if kind != "linear" else []
    scoring = args.scoring or search_tools.default_scoring(kind)
    scorer = search_tools.make_scorer_for(scoring, kind, classes, target)
    if scoring in search_tools.POSITIVE_LABEL_SCORERS:
        scoring_note = f"{scoring}, positive class {classes[1]!r}"
    else:
        scoring_note = scoring

    if args.output is not None:  # before the search, so a bad path fails at once
        from ._cli_output import prepare_output_dir

        prepare_output_dir(args.output)

    pipeline = search_tools.build_pipeline(kind, seed=args.seed, max_iter=args.max_iter)
    param_grid = search_tools.build_param_grid(
        degrees=args.degree,
        alphas=args.alpha,
        penalties=args.penalty,
        l1_ratios=args.l1_ratio,
        solver=args.solver,
    )
    n_candidates = len(search_tools.expand_grid(param_grid))
    cv = search_tools.make_cv(kind, args.folds, args.seed)

    out = sys.stdout
    out.write(f"data: {source}: {frame.shape[0]} rows, {X.shape[1]} feature columns\n")
    out.write(f"target: {target!r}; dropped {n_dropped} rows whose target is missing")
    out.write(f" ({len(y)} rows kept)\n")
    out.write(f"model: {MODEL_CLASSES[kind]} ({reason})\n")
    folds = "stratified " if kind != "linear" else ""
    out.write(
        f"search: {_plural(n_candidates, 'candidate')} x {args.folds} {folds}folds "
        f"(shuffled, seed {args.seed}), scoring {scoring_note}\n"
    )
    out.flush()

    _progress(
        args,
        f"fitting {_plural(n_candidates, 'candidate')} x {args.folds} folds = "
        f"{n_candidates * args.folds} fits, then the best on all rows",
    )
    search, warning_lines = search_tools.run_search(
        pipeline, param_grid, X, y, cv=cv, scorer=scorer, n_folds=args.folds, quiet=args.quiet
    )
    for line in warning_lines:
        sys.stderr.write(f"sklinear: warning: {line}\n")

    rows = search_tools.result_rows(search)
    out.write("\n" + search_tools.format_table(rows, scoring, out) + "\n\n")
    best = rows[0]
    pm = search_tools.plus_minus(out)
    out.write(
        f"best parameters: {search_tools.describe(search.best_params_)} "
        f"({scoring} {search_tools.format_score(best['test_mean'])} {pm} "
        f"{search_tools.format_score(best['test_std'])} over {args.folds} folds)\n"
    )
    out.flush()

    if args.output is not None:
        _write_output(args, search, X, y, cv, kind, scoring)
    _progress(args, f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _write_output(args, search, X, y, cv, kind, scoring):
    from . import _cli_output as output

    written = [output.save_model(search, args.output), output.save_results(search, args.output)]
    plt = output.import_pyplot()
    if plt is None:
        sys.stderr.write(
            "sklinear: plots skipped: matplotlib is not installed; to get them run: "
            f"{output.PLOT_INSTALL_HINT}\n"
        )
    else:
        _progress(args, "drawing plots")
        written.append(output.plot_validation_curve(search, scoring, args.output, plt))
        written.append(output.plot_loss_curve(search, args.output, plt))
        if kind != "linear":
            written.append(output.plot_confusion_matrix(search, X, y, cv, args.output, plt))
    for file in written:
        sys.stdout.write(f"wrote {file}\n")
    sys.stdout.flush()
