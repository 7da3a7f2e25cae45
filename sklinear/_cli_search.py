"""The model search of ``sklinear cv``: pipeline, parameter grid, progress, result table."""

import re
import sys
import time
import warnings
from collections import Counter

import numpy as np
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from ._cli_data import MODEL_CLASSES, CLIError, UsageError, one_line

PENALTIES = {"l2": "l2", "l1": "l1", "elasticnet": "elasticnet", "none": None}

# Names of scikit-learn scorers for one task only: used to refuse a scorer that cannot
# work on the target before any model is fitted.
_REGRESSION_SCORERS = re.compile(
    r"^(r2|explained_variance|max_error|neg_(root_)?mean|neg_median|d2_)"
)
_CLASSIFICATION_SCORERS = re.compile(
    r"^(accuracy|balanced_accuracy|top_k|average_precision|neg_brier|neg_log_loss|f1|"
    r"precision|recall|jaccard|roc_auc|matthews|positive_likelihood|neg_negative_likelihood)"
)
# Binary scorers that need to know which class is "positive".
POSITIVE_LABEL_SCORERS = {
    "f1": "f1_score",
    "precision": "precision_score",
    "recall": "recall_score",
    "jaccard": "jaccard_score",
}


def build_pipeline(kind, *, seed, max_iter=None):
    """Return the pipeline imputer -> dummy encoder -> polynomial features -> model."""
    import sklinear

    model_params = {"random_state": seed}
    if max_iter is not None:
        model_params["max_iter"] = max_iter
    model = getattr(sklinear, MODEL_CLASSES[kind])(**model_params)
    return Pipeline(
        [
            ("impute", sklinear.MissingIndicatorImputer()),
            # Categories first seen in a validation fold encode as the reference category.
            ("encode", sklinear.DummyEncoder(columns="auto", handle_unknown="ignore")),
            ("poly", sklinear.PolyFeatures(degree=1)),
            ("model", model),
        ]
    )


def build_param_grid(*, degrees, alphas, penalties, l1_ratios, solver):
    """Return the list of parameter grids of GridSearchCV, one per kind of penalty.

    ``penalty='none'`` ignores alpha, so it is tried once per degree. With
    ``solver='auto'`` the estimator chooses ('lbfgs' for smooth objectives, the proximal
    'gd' for L1 and elastic net).
    """
    grids = []
    for name in dict.fromkeys(penalties):
        grid = {"poly__degree": list(degrees), "model__penalty": [PENALTIES[name]]}
        if name != "none":
            grid["model__alpha"] = list(alphas)
        if name == "elasticnet":
            grid["model__l1_ratio"] = list(l1_ratios)
        if solver != "auto":
            grid["model__solver"] = [solver]
        grids.append(grid)
    return grids


def check_solver(solver, penalties):
    if solver == "lbfgs" and set(penalties) & {"l1", "elasticnet"}:
        raise UsageError(
            "--solver lbfgs needs a smooth objective and cannot fit --penalty l1 or "
            "elasticnet; use --solver gd (or auto)"
        )


def make_cv(kind, n_folds, seed):
    if kind == "linear":
        return KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)


def default_scoring(kind):
    return "r2" if kind == "linear" else "accuracy"


def check_scoring(name):
    """Refuse a name that is not a scikit-learn scorer, suggesting close ones."""
    names = sorted(get_scorer_names())
    if name not in names:
        close = __import__("difflib").get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "e.g. accuracy, f1_macro, r2"
        raise UsageError(f"unknown --scoring {name!r}; use a scikit-learn scorer name ({hint})")


def make_scorer_for(name, kind, classes, target):
    """Return the scorer called ``name``, checked against the task and the classes."""
    if kind == "linear" and _CLASSIFICATION_SCORERS.match(name):
        raise CLIError(
            f"--scoring {name} is for classifiers, but target {target!r} is fitted by a "
            "regressor; use e.g. r2 or neg_mean_squared_error"
        )
    if kind != "linear" and _REGRESSION_SCORERS.match(name):
        raise CLIError(
            f"--scoring {name} is for regression, but target {target!r} is fitted by a "
            "classifier; use e.g. accuracy or balanced_accuracy"
        )
    if name in POSITIVE_LABEL_SCORERS:
        if len(classes) != 2:
            raise CLIError(
                f"--scoring {name} is for two classes, but target {target!r} has "
                f"{len(classes)}; use {name}_macro or {name}_weighted"
            )
        from sklearn import metrics

        metric = getattr(metrics, POSITIVE_LABEL_SCORERS[name])
        # The positive class is the larger label, as for the estimator's threshold.
        return make_scorer(metric, pos_label=classes[1])
    return get_scorer(name)


class ProgressScorer:
    """Wrap a scorer to report the progress of a grid search on a stream.

    GridSearchCV scores every fitted fold on the validation rows, then (with
    ``return_train_score=True``) on the training rows. The fitted pipeline tells which
    candidate it is, so the report stays right even when a fit fails and is not scored.
    """

    def __init__(self, scorer, candidates, n_folds, stream=None, quiet=False):
        self.scorer = scorer
        self.candidates = candidates
        self.n_folds = n_folds
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self._calls = Counter()
        self._scores = {}
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = time.perf_counter()

    def _candidate_index(self, estimator):
        params = estimator.get_params()
        for index, candidate in enumerate(self.candidates):
            if all(_same(params[key], value) for key, value in candidate.items()):
                return index
        return None

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        if self.quiet:
            return score
        index = self._candidate_index(estimator)
        if index is None:
            return score
        self._calls[index] += 1
        if self._calls[index] % 2 == 1:  # the validation score; the training one follows
            self._scores.setdefault(index, []).append(score)
            self._report(index)
        return score

    def _report(self, index):
        fold = len(self._scores[index])
        n_candidates = len(self.candidates)
        where = f"fold {fold}/{self.n_folds} of candidate {index + 1}/{n_candidates}"
        if self._tty:
            self.stream.write(f"\r  {where} [{describe(self.candidates[index])}]\x1b[K")
            if fold == self.n_folds and index + 1 == n_candidates:
                self.stream.write("\n")
        elif fold == self.n_folds:
            scores = np.asarray(self._scores[index], dtype=float)
            elapsed = time.perf_counter() - self._start
            self.stream.write(
                f"  candidate {index + 1}/{n_candidates} done ({fold} folds): "
                f"{describe(self.candidates[index])} -> mean score {np.mean(scores):.4g} "
                f"({elapsed:.1f} s elapsed)\n"
            )
        self.stream.flush()


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return type(a) is type(b) and a == b


def short_name(key):
    return key.split("__", 1)[1]


def describe(params):
    """``degree=2, penalty=l2, alpha=0.01`` for a candidate's parameters."""
    order = ["poly__degree", "model__penalty", "model__alpha", "model__l1_ratio"]
    keys = [k for k in order if k in params] + [k for k in params if k not in order]
    return ", ".join(f"{short_name(k)}={_fmt_param(params[k])}" for k in keys)


def _fmt_param(value):
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def expand_grid(param_grid):
    from sklearn.model_selection import ParameterGrid

    return list(ParameterGrid(param_grid))


def _first_error_line(text):
    """The last 'SomethingError: message' line of a scikit-learn failure report."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    for line in lines:
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Warning): ", line):
            return line
    return lines[-1] if lines else str(text)


def run_search(pipeline, param_grid, X, y, *, cv, scorer, n_folds, quiet, stream=None):
    """Run GridSearchCV; return it and a summary of the warnings the fits emitted."""
    candidates = expand_grid(param_grid)
    progress = ProgressScorer(scorer, candidates, n_folds, stream=stream, quiet=quiet)
    search = GridSearchCV(
        pipeline,
        param_grid,
        scoring=progress,
        cv=cv,
        refit=True,
        return_train_score=True,
        error_score=np.nan,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            search.fit(X, y)
        except ValueError as exc:
            if "fits failed" in str(exc):
                raise CLIError(
                    f"every fit failed; the first error was: {_first_error_line(exc)}"
                ) from None
            raise
    return search, summarize_warnings(caught)


def summarize_warnings(caught):
    """One line per kind of warning: its category, how many times, its first message."""
    counts = Counter()
    for item in caught:
        message = str(item.message)
        if item.category.__name__ == "FitFailedWarning":
            message = _first_error_line(message)
            if message.startswith("Below are more details"):
                continue
        key = (item.category.__name__, one_line(message)[:160])
        counts[key] += 1
    advice = {"ConvergenceWarning": " (sklinear cv: raise the limit with --max-iter)"}
    return [
        f"{name} (x{counts[(name, msg)]}): {msg}{advice.get(name, '')}" for name, msg in counts
    ]


def result_rows(search):
    """The candidates as rows of a table, best first."""
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"], kind="stable")
    rows = []
    for index in order:
        rows.append(
            {
                "rank": int(results["rank_test_score"][index]),
                "params": results["params"][index],
                "test_mean": float(results["mean_test_score"][index]),
                "test_std": float(results["std_test_score"][index]),
                "train_mean": float(results["mean_train_score"][index]),
                "fit_time": float(results["mean_fit_time"][index]),
            }
        )
    return rows


def format_score(value):
    if np.isnan(value):
        return "failed"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def plus_minus(stream):
    """``±`` where the stream can print it, ``+/-`` elsewhere."""
    try:
        "\u00b1".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "\u00b1"


def format_table(rows, scoring, stream):
    """Render the ranked candidates as an aligned text table."""
    pm = plus_minus(stream)
    keys = []
    for row in rows:
        for key in row["params"]:
            if key not in keys:
                keys.append(key)
    order = ["poly__degree", "model__penalty", "model__alpha", "model__l1_ratio"]
    keys = [k for k in order if k in keys] + [k for k in keys if k not in order]
    header = [
        "rank",
        *[short_name(k) for k in keys],
        f"{scoring} (mean {pm} std)",
        "train",
        "fit time (s)",
    ]
    body = []
    for row in rows:
        score = format_score(row["test_mean"])
        if not np.isnan(row["test_mean"]):
            score += f" {pm} {format_score(row['test_std'])}"
        body.append(
            [
                str(row["rank"]),
                *[_fmt_param(row["params"][k]) if k in row["params"] else "-" for k in keys],
                score,
                format_score(row["train_mean"]),
                f"{row['fit_time']:.3f}",
            ]
        )
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {0, len(header) - 1, len(header) - 2}
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
