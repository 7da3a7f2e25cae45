"""The argument parser of the ``sklinear`` command line (subcommands ``cv`` and ``predict``)."""

import argparse
import codecs
import math

from ._data import DEFAULT_NA_VALUES, MAX_INTEGER_CLASSES, MODEL_CLASSES
from ._errors import UsageError

DEFAULT_DEGREES = [1, 2]
DEFAULT_ALPHAS = [1e-4, 1e-3, 1e-2]
DEFAULT_PENALTIES = ["l2"]
DEFAULT_FOLDS = 5

_DESCRIPTION = """\
Linear models trained by gradient methods, with the transformers they need.

Run 'sklinear cv --help' for the command that selects a model by k-fold
cross-validation, and 'sklinear predict --help' for the one that applies a saved
model to a new file. With no arguments, 'sklinear cv' runs on the penguins dataset
bundled with the package.
"""

_CV_DESCRIPTION = """\
Select a model by k-fold cross-validation on a CSV file.

Every row is passed through the pipeline
  MissingIndicatorImputer -> DummyEncoder(columns='auto') -> PolyFeatures -> model
(the polynomials without products of two dummies of one column, which are 0, nor
powers of 0/1 columns, which equal them), and every combination of --degree,
--alpha and --penalty is scored on --folds folds (shuffled with --seed; stratified
by class for classifiers). The model penalises the coefficients of the
standardised columns (scale_predictors=True), so one alpha means the same for
every column, whatever its units. The ranked candidates (mean +/- std of the score
over the folds, train score, mean fit time), a baseline that ignores the features
(the majority class, or the mean of the target) and the best parameters go to
standard output; progress goes to standard error. Rows whose target is missing are
dropped, and the report says how many.

Without DATA the bundled Palmer penguins table is used (344 rows, missing values,
text columns), with target 'species' unless --target says otherwise.
"""

_NA_LIST = " ".join(repr(m) for m in DEFAULT_NA_VALUES)

_CV_EPILOG = f"""\
model choice (--model auto):
  A target that is not numeric (text, true/false), or a numeric target whose
  values are all integers with at most {MAX_INTEGER_CLASSES} distinct values, is a class label:
  two classes -> logistic (GDLogisticClassifier), more -> softmax
  (SoftmaxClassifier). Any other numeric target -> linear (GDLinearRegressor).

solver (--solver auto):
  The estimator's own choice, certified by a duality gap (see the optimisation
  guide).

how the search runs:
  For every fold and degree the imputer, the encoder and the polynomial features
  are fitted once; the alphas of each penalty are then fitted from the largest to
  the smallest, each fit starting from the previous solution (a warm-started
  regularisation path, as glmnet does; where the fits run L-BFGS, one Hessian
  taken at the start of the path preconditions them all). The scores equal those
  of a plain GridSearchCV over the same pipeline and folds up to the solver's
  tolerance.
  --jobs N runs the folds and degrees in N processes.

reading the file:
  Empty fields and fields equal to one of the --na-values markers are missing
  values (default markers: {_NA_LIST}), also with spaces around them.
  Text columns with nearly one distinct value per row (names, identifiers, free
  text) are left out with a notice; --keep-id-columns keeps them, with categories
  seen in fewer than 5 rows merged into one. A text column that is mostly numbers
  but for some other values (an unknown missing-value marker), or holds numbers
  with decimal commas, thousands separators (--decimal, --thousands) or percent
  and currency signs, is reported on standard error; so is a column of dates or
  times, which are not converted to numbers (it is left out when ID-like, used as
  categories otherwise). A target column of such numbers is refused with the
  same advice, unless --model logistic or softmax asks for class labels.
  A header that repeats a name is reported (pandas reads the copies as NAME.1,
  ...), and refused when the name is the target's; a column named NAME.1 in the
  header is no copy.
  Target classes that differ only in case or surrounding spaces ('yes', 'Yes ')
  are different classes, and reported.
  A column with no name in the header that holds the row numbers (an index saved
  with the table) is left out with a notice. A separator after the last field of
  every row is ignored; fields before the first header name are row names (as R
  writes them), not used. A column of numbers typed as text only by rows that are
  dropped for a missing target (a footer such as 'Total') is read as numbers.

on a Dask cluster (--scheduler ADDRESS or --dask-local N):
  The CSV file is read by the workers with dask.dataframe.read_csv, in partitions
  of --blocksize bytes, and repaired as in memory (see "reading the file"). The
  column types are inferred from the first 250 KiB of the file (integer columns
  read as floats), and the layout of the rows (a separator after the last field,
  row names) from its first 1000 rows; a column typed as numbers there that holds
  text further down (a footer row, a field of spaces) stops the run with what to
  do, since reading it as text would take a second pass over the file.
  The table stays on the workers: the client receives only small summaries (row
  and class counts, column checks), the vectors of the size of the coefficients
  that the solver needs, and the scores. The encoded training and test data of
  each fold are kept in the workers' memory for its fits (they spill to disk when
  memory runs short; --no-persist rereads the file instead). The search, the
  progress lines and the table are those of an in-memory run, with these
  differences:
  - the folds: the rows of each class (for regression, all rows), in the order of
    the file, are grouped K at a time, and each group is spread over the K folds in
    a random order drawn from --seed (a hash of the seed, the class and the
    group's number). Every fold holds the same number of rows of each class, to
    one row, and a row's fold does not depend on the partitions; but the folds
    differ from the in-memory ones, so the scores differ by the variation between
    fold draws.
  - scoring: only scores computed from sums over the rows: accuracy,
    balanced_accuracy, f1, precision, recall, jaccard (and their _macro, _micro,
    _weighted forms), matthews_corrcoef, neg_log_loss, neg_brier_score,
    top_k_accuracy, r2, explained_variance, neg_mean_squared_error,
    neg_root_mean_squared_error, neg_mean_absolute_error, neg_max_error and the
    other mean errors and deviances; not roc_auc, average_precision or the median
    errors, which need all rows in one place.
  - --solver sgd and adam, --jobs and standard input ('-') do not apply.
  The connection waits up to Dask's distributed.comm.timeouts.connect (e.g.
  DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).

output files (--output DIR):
  model.joblib          the best pipeline refitted on all rows (joblib.load it,
                        or run 'sklinear predict DIR/model.joblib new.csv')
  cv_results.csv        every candidate and fold score
  validation_curve.png  train and validation score over the grid
  loss_curve.png        objective per iteration of the refitted best model
  confusion_matrix.png  classifiers: out-of-fold predictions of the best parameters
  Plots need matplotlib: pip install "sklinear[plot]"
  (from a source checkout: pip install ".[plot]").

examples:
  sklinear cv
  sklinear cv --target sex --degree 1 --alpha 1e-3 1e-1 --output results
  sklinear cv houses.csv --target price --degree 1 2 3 --penalty l2 l1 --jobs 4
  sklinear cv data.csv --target label --scoring balanced_accuracy --folds 10
  sklinear cv export.csv --target vote --sep ';' --decimal ',' --thousands '.'
  sklinear cv big.csv --target label --dask-local 4
  sklinear cv s3://bucket/big.csv --target label --scheduler tcp://10.0.0.5:8786

exit status: 0 success, 1 problem with the data, 2 invalid option.
"""

_PREDICT_DESCRIPTION = """\
Apply a model saved by 'sklinear cv --output DIR' (DIR/model.joblib) to a new CSV
file. The file needs the feature columns the model was fitted on (other columns,
such as the target, are ignored); missing values and categories not seen in
training are handled as in cross-validation. One line per row is written: the
predicted value, and with --proba the probability of every class.
"""

_PREDICT_EPILOG = """\
examples:
  sklinear predict results/model.joblib new.csv
  sklinear predict results/model.joblib new.csv --proba --output predictions.csv

exit status: 0 success, 1 problem with the data or the model file, 2 invalid option.
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
            shown = str if kind is int else "{:g}".format
            bound = f"{'>=' if inclusive else '>'} {shown(minimum)}"
            if maximum is not None:
                bound = f"between {shown(minimum)} and {shown(maximum)}"
            raise argparse.ArgumentTypeError(f"{name} must be {bound}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be an integer, got {text!r}") from None
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(
            f"--jobs must be a positive number of processes or -1 (all cores), got {text!r}"
        )
    return value


def _single_character(name):
    def parse(text):
        if len(text) != 1:
            raise argparse.ArgumentTypeError(f"{name} must be one character, got {text!r}")
        return text

    parse.__name__ = name
    return parse


def _separator(text):
    """``--sep``: ``'\\t'`` (as typed in a shell) or ``tab`` mean a tab character."""
    if text == "":
        raise argparse.ArgumentTypeError(
            "--sep must be a character, got an empty string (for a tab use --sep '\\t')"
        )
    return "\t" if text in ("\\t", "tab", "TAB") else text


def _encoding(text):
    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"--encoding {text!r} is not a text encoding Python knows (e.g. utf-8, cp1252, "
            "latin-1, utf-16)"
        ) from None
    return text


def _add_reading_options(command):
    command.add_argument(
        "--sep",
        type=_separator,
        default=",",
        metavar="CHAR",
        help="field separator of the CSV file, e.g. ';', or '\\t' (or tab) for a tab (default: ,)",
    )
    command.add_argument(
        "--decimal",
        type=_single_character("--decimal"),
        default=".",
        metavar="CHAR",
        help="decimal mark of the numbers in the file, e.g. ',' for many European exports "
        "(default: .)",
    )
    command.add_argument(
        "--thousands",
        type=_single_character("--thousands"),
        default=None,
        metavar="CHAR",
        help="thousands separator of the numbers in the file, e.g. ',' for 1,234.5 or '.' "
        "for 1.234,5 (with --decimal ','); default: none",
    )
    command.add_argument(
        "--encoding",
        type=_encoding,
        default="utf-8",
        metavar="NAME",
        help="text encoding of the file, e.g. cp1252 or latin-1 for many Windows and older "
        "exports, utf-16 for Excel's 'Unicode text' (default: utf-8, with or without a "
        "byte order mark)",
    )
    command.add_argument(
        "--na-values",
        nargs="+",
        default=None,
        metavar="MARKER",
        help="the field values read as missing, replacing the default list "
        f"({' '.join(repr(m) for m in DEFAULT_NA_VALUES)}); an empty field is always missing",
    )


def build_parser():
    """Return the full argument parser of ``sklinear``, with subcommands ``cv`` and ``predict``.

    Returns
    -------
    parser : argparse.ArgumentParser
        Its errors raise :class:`~sklinear.cli._errors.UsageError` instead of exiting.
    """
    from .. import __version__

    parser = _Parser(
        prog="sklinear",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sklinear {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    _add_cv(commands)
    _add_predict(commands)
    return parser


def _add_cv(commands):
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
        "The estimator penalises standardised coefficients (scale_predictors=True). "
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
        default=None,
        metavar="R",
        help="elastic-net mixing values to try, in [0, 1] (default: 0.5); used with "
        "--penalty elasticnet only",
    )
    cv.add_argument(
        "--solver",
        choices=["auto", "gd", "sgd", "adam", "lbfgs"],
        default="auto",
        help="optimiser of the estimator (default: auto, the estimator's own choice, "
        "certified by a duality gap; see the optimisation guide)",
    )
    cv.add_argument(
        "--max-iter",
        type=_number_type(int, "--max-iter", minimum=1),
        metavar="N",
        help="iteration limit of the estimator (default: the estimator's)",
    )
    cv.add_argument(
        "--tol",
        type=_number_type(float, "--tol", minimum=0, inclusive=False),
        metavar="T",
        help="stopping tolerance of the estimator (default: the estimator's)",
    )
    cv.add_argument(
        "--scoring",
        metavar="NAME",
        help="scikit-learn scorer name, e.g. accuracy, balanced_accuracy, f1_macro, "
        "roc_auc_ovr, r2, neg_mean_absolute_error (default: accuracy for classifiers, "
        "r2 for regression); binary scorers (f1, roc_auc, average_precision, ...) take the "
        "larger label as the positive class",
    )
    cv.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="processes that fit folds and degrees in parallel; -1 uses every core; "
        "never more processes than folds x degrees (default: 1; a single fit already "
        "uses the cores through its threads, which are then divided among the processes, "
        "so processes help most with many small fits)",
    )
    cv.add_argument(
        "--output",
        metavar="DIR",
        help="write the fitted best pipeline, the results and the plots into DIR",
    )
    cv.add_argument(
        "--seed",
        # NumPy's seeds are 32-bit: a larger one failed later, in the first fit
        type=_number_type(int, "--seed", minimum=0, maximum=2**32 - 1),
        default=0,
        metavar="N",
        help="random seed of the fold shuffling and the stochastic solvers, 0 to 2**32 - 1 "
        "(default: 0)",
    )
    _add_reading_options(cv)
    _add_cluster_options(cv)
    cv.add_argument(
        "--keep-id-columns",
        action="store_true",
        help="keep text columns with nearly one distinct value per row (by default they are "
        "left out); categories seen in fewer than 5 rows are then merged into one",
    )
    cv.add_argument(
        "-q", "--quiet", action="store_true", help="do not report progress on standard error"
    )


def _add_cluster_options(command):
    group = command.add_argument_group(
        "Dask cluster",
        "Run the search on a Dask cluster, for files larger than memory (needs "
        'pip install "sklinear[dask]"); see "on a Dask cluster" below.',
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="connect to the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786) and run "
        "the search on its workers; DATA.csv must be readable by the workers",
    )
    where.add_argument(
        "--dask-local",
        type=_number_type(int, "--dask-local", minimum=1),
        metavar="N",
        help="start a local Dask cluster (distributed.LocalCluster) of N worker processes "
        "and run the search on it",
    )
    group.add_argument(
        "--blocksize",
        metavar="SIZE",
        help="with a cluster: bytes of the file per partition, e.g. 64MB (default: about "
        "two partitions per worker thread, between 1 MiB and 64 MiB)",
    )
    group.add_argument(
        "--no-persist",
        action="store_true",
        help="with a cluster: keep nothing in the workers' memory; every pass of the "
        "solver rereads and re-encodes the file (slower; for data larger than the "
        "cluster's memory and disk)",
    )


def _add_predict(commands):
    predict = commands.add_parser(
        "predict",
        help="apply a model saved by 'sklinear cv --output' to a new CSV file",
        description=_PREDICT_DESCRIPTION,
        epilog=_PREDICT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("model", metavar="MODEL.joblib", help="model file written by sklinear cv")
    predict.add_argument(
        "data", metavar="DATA.csv", help="CSV file with a header row ('-' reads standard input)"
    )
    predict.add_argument(
        "--output",
        metavar="FILE",
        help="write the predictions as CSV into FILE (default: standard output)",
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="classifiers: also write the probability of every class",
    )
    _add_reading_options(predict)
