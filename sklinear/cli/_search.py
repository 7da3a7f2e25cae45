"""The model search of ``sklinear cv``: pipeline, grid, and the search along warm paths.

:func:`run_search` gives the numbers of a plain
:class:`~sklearn.model_selection.GridSearchCV` over the same pipeline and folds, faster:

- for every fold and degree the preprocessing (imputer, encoder, polynomial features) is
  fitted once and shared by every penalty and alpha;
- the alphas of one penalty are fitted from the largest to the smallest, each fit
  starting from the previous solution (``warm_start=True``): a regularisation path, as
  glmnet and :class:`~sklearn.linear_model.LogisticRegressionCV` do. A warm start
  changes the result only within the solver's tolerance. Where the fits run L-BFGS, the
  estimator keeps the Hessian taken at the path's start and preconditions every fit of
  the path with it (:class:`sklinear._fit.CurvatureMemory`); the refit of the best is
  preconditioned the same way;
- each (fold, degree) task preprocesses once into a row-major design (the solvers read
  it in row blocks) and holds text labels in a fixed-width array (sorted and compared in
  C by the fits and the scorers);
- the (fold, degree) tasks run in ``n_jobs`` processes, costliest first, and their
  results come back to the parent as they finish, so progress is reported whatever the
  process a fit ran in; once a process falls idle, the parent refits the leading
  candidate in a thread meanwhile, and keeps that refit when the leader is the best.
"""

import re
import threading
import time
import warnings
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.model_selection import KFold, ParameterGrid, StratifiedKFold
from sklearn.pipeline import Pipeline

from ._data import MODEL_CLASSES
from ._errors import CLIError, UsageError, one_line, plural

PENALTIES = {"l2": "l2", "l1": "l1", "elasticnet": "elasticnet", "none": None}

#: Categories seen in fewer training rows are merged into one with ``--keep-id-columns``.
ID_MIN_FREQUENCY = 5


def build_pipeline(kind, *, seed, max_iter=None, tol=None, min_frequency=None):
    """Return the pipeline imputer -> dummy encoder -> polynomial features -> model.

    The model penalises the standardised coefficients (``scale_predictors=True``), so one
    alpha grid means the same for every column whatever its units.
    """
    import sklinear

    model_params = {"random_state": seed, "scale_predictors": True}
    if max_iter is not None:
        model_params["max_iter"] = max_iter
    if tol is not None:
        model_params["tol"] = tol
    model = getattr(sklinear, MODEL_CLASSES[kind])(**model_params)
    encoder = sklinear.DummyEncoder(
        columns="auto", handle_unknown="ignore", min_frequency=min_frequency
    )
    return Pipeline(
        [
            ("impute", sklinear.MissingIndicatorImputer()),
            # Categories first seen in a validation fold encode as the reference category.
            ("encode", encoder),
            # no products of two dummies of one column (0) nor powers of 0/1 columns
            ("poly", sklinear.PolyFeatures(degree=1, drop_redundant=True)),
            ("model", model),
        ]
    )


def build_param_grid(*, degrees, alphas, penalties, l1_ratios, solver):
    """Return the list of parameter grids of GridSearchCV, one per kind of penalty.

    ``penalty='none'`` ignores alpha, so it is tried once per degree.
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


def expand_grid(param_grid):
    """The candidates, in the order of GridSearchCV's ``cv_results_['params']``."""
    return list(ParameterGrid(param_grid))


def check_solver(solver, penalties):
    if solver == "lbfgs" and set(penalties) & {"l1", "elasticnet"}:
        raise UsageError(
            "--solver lbfgs needs a smooth objective and cannot fit --penalty l1 or "
            "elasticnet; use --solver gd (or auto)"
        )


def make_cv(kind, n_folds, seed):
    """Shuffled folds, stratified by class for classifiers."""
    if kind == "linear":
        return KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)


def short_name(key):
    return key.split("__", 1)[1]


_ORDER = ["poly__degree", "model__penalty", "model__alpha", "model__l1_ratio"]


def ordered_keys(keys):
    keys = list(keys)
    return [k for k in _ORDER if k in keys] + [k for k in keys if k not in _ORDER]


def describe(params):
    """``degree=2, penalty=l2, alpha=0.01`` for a candidate's parameters."""
    return ", ".join(f"{short_name(k)}={format_param(params[k])}" for k in ordered_keys(params))


def format_param(value):
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def path_tasks(candidates):
    """Group the candidates into tasks: one per degree, each a list of warm-started paths.

    Returns
    -------
    tasks : list of (degree, paths)
        ``paths`` is a list of lists of candidate indices; the candidates of one path
        differ only in alpha and are sorted by decreasing alpha.
    """
    by_degree = defaultdict(lambda: defaultdict(list))
    for index, params in enumerate(candidates):
        rest = tuple(
            sorted(
                (k, repr(v))
                for k, v in params.items()
                if k not in ("poly__degree", "model__alpha")
            )
        )
        by_degree[params["poly__degree"]][rest].append(index)
    tasks = []
    for degree, paths in by_degree.items():
        sorted_paths = [
            sorted(path, key=lambda i: -candidates[i].get("model__alpha", 0.0))
            for path in paths.values()
        ]
        tasks.append((degree, sorted_paths))
    return tasks


def _error_line(exc):
    return one_line(f"{type(exc).__name__}: {exc}")


def fit_paths(
    pipeline,
    candidates,
    paths,
    Z_train,
    y_train,
    error,
    shared_time,
    scores,
    score_pair,
    reraise=(),
):
    """Fit each regularisation path of one fold, warm-started, into ``scores``.

    ``paths`` lists candidate indices, largest alpha first; each path reuses one estimator
    (``warm_start=True``) and a failed fit starts the next alpha afresh. ``error`` (the
    preprocessing's failure, or None) scores every candidate NaN; ``shared_time`` (the
    preprocessing's time per candidate) is added to each fit time. ``score_pair(model,
    index)`` gives the (test, train) scores of candidate ``index``. ``scores[index]``
    becomes ``(test score, train score, fit time, score time, error line or None)``.
    Exceptions of the classes ``reraise`` stop the search instead of scoring NaN.
    """
    for path in paths:
        model = None
        for index in path:
            if error is not None:
                scores[index] = (np.nan, np.nan, shared_time, 0.0, error)
                continue
            params = {
                short_name(k): v for k, v in candidates[index].items() if k != "poly__degree"
            }
            if model is None:
                model = clone(pipeline[-1]).set_params(warm_start=True)
            model.set_params(**params)
            started = time.perf_counter()
            try:
                model.fit(Z_train, y_train)
            except reraise:
                raise
            except Exception as exc:  # noqa: BLE001 - a failed fit scores NaN
                scores[index] = (np.nan, np.nan, time.perf_counter() - started, 0.0,
                                 _error_line(exc))  # fmt: skip
                model = None  # the next alpha starts afresh
                continue
            fit_time = time.perf_counter() - started + shared_time
            started = time.perf_counter()
            try:
                test_score, train_score = score_pair(model, index)
                failure = None
            except reraise:
                raise
            except Exception as exc:  # noqa: BLE001
                test_score = train_score = np.nan
                failure = _error_line(exc)
            scores[index] = (test_score, train_score, fit_time,
                             time.perf_counter() - started, failure)  # fmt: skip


#: Text labels up to this many characters are held in a fixed-width NumPy array per fold.
COMPACT_LABEL_LENGTH = 64


def compact_labels(y):
    """Text class labels as a fixed-width NumPy string array; anything else unchanged.

    The labels and their order are the same, but a fit (its ``np.unique``) and a scorer
    (scikit-learn's ``_check_targets``) sort and compare them in C instead of as Python
    objects: on 160,000 text labels an accuracy took 0.27 s as a Series, 0.01 s so.
    Labels longer than :data:`COMPACT_LABEL_LENGTH` characters stay as they are (a
    fixed-width array takes 4 bytes per character of the longest).
    """
    if (
        not (pd.api.types.is_object_dtype(y.dtype) or pd.api.types.is_string_dtype(y.dtype))
        or pd.api.types.infer_dtype(y, skipna=False) != "string"
    ):
        return y
    if len(y) and y.str.len().max() > COMPACT_LABEL_LENGTH:
        return y
    return y.to_numpy(dtype=str)


#: Rows of the input per block when the polynomial features are written row-major.
DESIGN_BLOCK_ROWS = 256


def preprocess_rows(preprocess, X, y=None, *, fit=False):
    """``preprocess.fit_transform(X, y)`` (``fit``) or ``preprocess.transform(X)``, as a
    row-major design.

    ``preprocess`` is the pipeline of :func:`build_pipeline` without its model, ending with
    the polynomial features. Their dense output (Fortran-ordered) is computed a block of
    rows at a time into one C-ordered array: the same values as :func:`row_major` of the
    whole output, without a second design-sized array or its strided copy.
    """
    head, poly = preprocess[:-1], preprocess[-1]
    features = head.fit_transform(X, y) if fit else head.transform(X)
    if fit:
        poly.fit(features, y)
    if not isinstance(features, np.ndarray) or features.ndim != 2:
        return row_major(poly.transform(features))
    n_rows = features.shape[0]
    first = poly.transform(features[:DESIGN_BLOCK_ROWS])
    design = np.empty((n_rows, first.shape[1]), dtype=first.dtype)
    design[: len(first)] = first
    for start in range(DESIGN_BLOCK_ROWS, n_rows, DESIGN_BLOCK_ROWS):
        stop = min(start + DESIGN_BLOCK_ROWS, n_rows)
        design[start:stop] = poly.transform(features[start:stop])
    return design


def row_major(Z):
    """A dense design in C (row-major) order; sparse matrices and C arrays unchanged.

    The solvers read the design in row blocks, once per evaluation: a row block of a
    Fortran-ordered array (PolyFeatures' output) is strided, and an evaluation of a
    40,000 x 740 design took 42 ms so against 28 ms in C order. One copy per fold and
    degree serves every fit of its path.
    """
    if isinstance(Z, np.ndarray) and not Z.flags.c_contiguous:
        return np.ascontiguousarray(Z)
    return Z


def fit_fold(pipeline, candidates, degree, paths, X, y, train, test, scorer):
    """Fit every path of one degree on one fold; score each fit on both parts.

    Runs in a worker process with ``--jobs``; everything it reports is in the returned
    dict, warnings included (a worker's warnings would otherwise be lost). The fits keep
    the estimator's ``n_jobs=None``: they use the BLAS thread count, which joblib limits
    in each worker to the cores divided by the number of workers.

    Returns
    -------
    result : dict
        ``scores``: ``{candidate: (test, train, fit_time, score_time, error)}``;
        ``warnings``: a list of ``(category name, message)``.
    """
    scores = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        X_train, X_test = X.iloc[train], X.iloc[test]
        y_train, y_test = y.iloc[train], y.iloc[test]
        preprocess = clone(pipeline[:-1]).set_params(poly__degree=degree)
        Z_train = Z_test = None  # a failed preprocessing fails every fit of the fold
        try:
            Z_train = preprocess_rows(preprocess, X_train, y_train, fit=True)
            Z_test = preprocess_rows(preprocess, X_test)
            y_train, y_test = compact_labels(y_train), compact_labels(y_test)
            error = None
        except Exception as exc:  # noqa: BLE001 - reported as a failed fit
            error = _error_line(exc)
        shared_time = (time.perf_counter() - started) / max(1, sum(map(len, paths)))

        def score_pair(model, index):
            return float(scorer(model, Z_test, y_test)), float(scorer(model, Z_train, y_train))

        fit_paths(pipeline, candidates, paths, Z_train, y_train, error, shared_time, scores,
                  score_pair)  # fmt: skip
    caught_warnings = [(item.category.__name__, one_line(item.message)) for item in caught]
    return {"scores": scores, "warnings": caught_warnings}


class SearchResult:
    """The outcome of :func:`run_search`, with the attributes of a fitted GridSearchCV.

    Attributes
    ----------
    cv_results_ : dict of arrays
        As GridSearchCV's: ``params``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, the train scores and the times.
    best_index_, best_params_, best_score_, best_estimator_, n_splits_
        As GridSearchCV's.
    n_failed : int
        Fits that raised (scored NaN).
    first_error : str or None
        The first of their errors.
    """


def _results_table(candidates, per_fold, n_folds):
    n = len(candidates)
    results = {"params": candidates}
    for key in ("poly__degree", "model__penalty", "model__alpha", "model__l1_ratio"):
        if any(key in c for c in candidates):
            results[f"param_{key}"] = np.array([c.get(key) for c in candidates], dtype=object)
    arrays = {
        name: np.full((n, n_folds), np.nan) for name in ("test", "train", "fit_time", "score_time")
    }
    for (index, fold), (test, train, fit_time, score_time, _) in per_fold.items():
        arrays["test"][index, fold] = test
        arrays["train"][index, fold] = train
        arrays["fit_time"][index, fold] = fit_time
        arrays["score_time"][index, fold] = score_time
    for name in ("fit_time", "score_time"):
        results[f"mean_{name}"] = arrays[name].mean(axis=1)
        results[f"std_{name}"] = arrays[name].std(axis=1)
    for name in ("test", "train"):
        for fold in range(n_folds):
            results[f"split{fold}_{name}_score"] = arrays[name][:, fold]
        results[f"mean_{name}_score"] = arrays[name].mean(axis=1)
        results[f"std_{name}_score"] = arrays[name].std(axis=1)
    means = results["mean_test_score"]
    # GridSearchCV's ranking: failed candidates (NaN) rank last; ties share the best rank.
    if np.isnan(means).all():
        ranks = np.ones(n, dtype=np.int32)
    else:
        filled = np.nan_to_num(means, nan=np.nanmin(means) - 1)
        ranks = rankdata(-filled, method="min").astype(np.int32)
    results["rank_test_score"] = ranks
    return results


def search_result(candidates, per_fold, n_folds):
    """The :class:`SearchResult` of the scores ``per_fold[(candidate, fold)]`` (rows of
    :func:`fit_paths`); a :class:`CLIError` when every fit failed."""
    errors = [row[4] for key, row in sorted(per_fold.items()) if row[4] is not None]
    n_fits = len(candidates) * n_folds
    if len(errors) == n_fits:
        raise CLIError(f"every fit failed; the first error was: {errors[0]}")
    results = _results_table(candidates, per_fold, n_folds)
    search = SearchResult()
    search.cv_results_ = results
    search.n_splits_ = n_folds
    search.best_index_ = int(np.argmin(results["rank_test_score"]))
    search.best_params_ = candidates[search.best_index_]
    search.best_score_ = float(results["mean_test_score"][search.best_index_])
    search.n_failed = len(errors)
    search.first_error = errors[0] if errors else None
    search.n_fits = n_fits
    return search


def run_search(
    pipeline, param_grid, X, y, *, cv, scorer, n_jobs=1, progress=None, caught_before=()
):
    """Score every candidate on every fold along warm-started paths; refit the best.

    Parameters
    ----------
    pipeline : Pipeline
        The template of :func:`build_pipeline`.
    param_grid : list of dict
        From :func:`build_param_grid`.
    X, y : DataFrame, Series
        The table.
    cv : cross-validation splitter
    scorer : callable
    n_jobs : int
        Processes (joblib); -1 uses every core.
    progress : Progress or None
        Told of every finished (fold, degree) task in the parent process.
    caught_before : list of (str, str)
        Warnings caught earlier (the baseline's), added to the summary.

    Returns
    -------
    search : SearchResult
    warning_lines : list of str
        One line per kind of warning the fits emitted, with its count.
    """
    candidates = expand_grid(param_grid)
    splits = list(cv.split(X, y))
    n_folds = len(splits)
    tasks = [(degree, paths, fold) for degree, paths in path_tasks(candidates)
             for fold in range(n_folds)]  # fmt: skip
    n_workers = worker_count(n_jobs, len(tasks))

    def tagged(degree, paths, fold):
        train, test = splits[fold]
        outcome = fit_fold(pipeline, candidates, degree, paths, X, y, train, test, scorer)
        return (degree, paths, fold), outcome

    if n_workers == 1:
        outcomes = (tagged(*task) for task in tasks)
    else:
        # Results come back as each task finishes, so progress is reported from here.
        parallel = Parallel(n_jobs=n_workers, return_as="generator_unordered")
        outcomes = parallel(delayed(tagged)(*task) for task in schedule_tasks(tasks))

    per_fold = {}
    caught = Counter(caught_before)
    speculation = None
    for n_done, ((degree, _paths, fold), outcome) in enumerate(outcomes, start=1):
        for index, row in outcome["scores"].items():
            per_fold[(index, fold)] = row
        caught.update(outcome["warnings"])
        if progress is not None:
            progress.task_done(fold, degree, outcome["scores"])
        if speculation is None and 0 < len(tasks) - n_done < n_workers:
            # A process is idle until the search ends: refit the leader there meanwhile.
            leader = current_leader(candidates, per_fold)
            if leader is not None:
                speculation = Refit(pipeline, candidates[leader], X, y, index=leader)

    search = search_result(candidates, per_fold, n_folds)

    if progress is not None:
        progress.message(f"refitting the best candidate on all {len(y)} rows")
    refit = None
    if speculation is not None:
        speculation.join()  # also when it guessed wrong: one refit records warnings at a time
        if speculation.index == search.best_index_:
            refit = speculation
    if refit is None:
        refit = Refit(pipeline, search.best_params_, X, y, background=False)
    search.best_estimator_, refit_warnings = refit.result()
    caught.update(refit_warnings)
    return search, summarize_warnings(caught, search)


def worker_count(n_jobs, n_tasks):
    """The processes that run ``n_tasks`` (fold, degree) tasks under ``--jobs n_jobs``.

    At most one per task: joblib starts every process at once, and one with no task
    only costs its start (importing the package): ``--jobs 1000`` on 10 tasks of a
    40-row file ran past 2 minutes on 2 cores. 1 means the tasks run in this process.
    """
    if n_jobs == 1:
        return 1
    return max(1, min(effective_n_jobs(n_jobs), n_tasks))


def schedule_tasks(tasks):
    """The (degree, paths, fold) tasks in the order processes take them: costliest first.

    A task's cost grows with its degree (the polynomial columns) and its candidates, and
    a process takes the next task when it finishes one: the costliest tasks first leave
    the cheap ones to fill in at the end, so that the processes finish together (5 folds
    of degree 2 and 5 of degree 1 in two processes: 3 and 2 costly tasks, the cheap ones
    with the 2). Within a degree the folds keep their order.
    """
    return sorted(tasks, key=lambda task: (-task[0], -sum(map(len, task[1]))))


def current_leader(candidates, per_fold):
    """The index of the best candidate by its mean test score over the folds done so far.

    Ties go to the first candidate, as in :func:`search_result`. None when no candidate has
    a finite score yet. The leader once every fold is done is ``best_index_``.
    """
    totals = defaultdict(list)
    for (index, _fold), row in per_fold.items():
        totals[index].append(row[0])
    means = np.full(len(candidates), np.nan)
    for index, scores in totals.items():
        means[index] = np.mean(scores)
    if np.isnan(means).all():
        return None
    return int(np.nanargmax(means))


def refit_pipeline(pipeline, params, X, y):
    """``clone(pipeline).set_params(**params).fit(X, y)``, the model fitted on a row-major
    design (:func:`preprocess_rows`: the same pipeline, faster passes).

    The model is fitted with ``warm_start=True``: it has no coefficients yet, so it starts
    from zero as a fresh fit does, but where it runs L-BFGS the Hessian taken at its start
    preconditions it (the fits of the search do the same; a refit of 200,000 rows x 740
    polynomial columns took 5 CPU seconds so against 23 with L-BFGS and Newton steps). The
    saved model has ``warm_start=False`` and keeps no Hessian.
    """
    estimator = clone(pipeline).set_params(**params)
    model = estimator[-1].set_params(warm_start=True)
    model.fit(preprocess_rows(estimator[:-1], X, y, fit=True), y)
    model.set_params(warm_start=False)
    model.__dict__.pop("_curvature", None)
    return estimator


class Refit:
    """The refit of one candidate on every row, in a background thread or at once.

    With ``--jobs``, a process falls idle once the last tasks are handed out; the parent
    then refits the leader in a thread while they finish (NumPy releases the GIL), and
    keeps that fit when the leader is the best candidate (the same fit as after the search:
    the same pipeline, rows and thread count). :meth:`result` gives the fitted pipeline
    and the warnings it emitted, or raises what the fit raised.
    """

    def __init__(self, pipeline, params, X, y, *, index=None, background=True):
        self.index = index
        self._args = (pipeline, params, X, y)
        self._outcome = None
        self._thread = None
        if background:
            # A daemon: an interrupted search does not wait for it at exit.
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self):
        pipeline, params, X, y = self._args
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                estimator = refit_pipeline(pipeline, params, X, y)
            lines = [(item.category.__name__, one_line(item.message)) for item in caught]
            self._outcome = (estimator, lines), None
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            self._outcome = None, exc

    def join(self):
        if self._thread is not None:
            self._thread.join()

    def result(self):
        self.join()
        value, error = self._outcome
        if error is not None:
            raise error
        return value


def summarize_warnings(caught, search):
    """One line per kind of warning: its category, how many times, its first message."""
    lines = []
    if search.n_failed:
        lines.append(
            f"{search.n_failed} of {plural(search.n_fits, 'fit')} failed and scored NaN; "
            f"the first error: {search.first_error}"
        )
    advice = {"ConvergenceWarning": " (sklinear cv: raise the limit with --max-iter)"}
    by_kind = Counter()
    first = {}
    for (name, message), count in caught.items():
        # Messages that differ only in their numbers (a duality gap, an iteration count)
        # are one kind of warning; the first one is shown.
        key = (name, _NUMBER.sub("#", message))
        by_kind[key] += count
        first.setdefault(key, message)
    for key, count in by_kind.items():
        name = key[0]
        lines.append(f"{name} (x{count}): {_shorten(first[key])}{advice.get(name, '')}")
    return lines


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _shorten(message, limit=240):
    """``message`` cut at a word boundary to at most ``limit`` characters."""
    if len(message) <= limit:
        return message
    return message[:limit].rsplit(" ", 1)[0] + " ..."


def baseline_scores(kind, X, y, cv, scorer):
    """Score a model that ignores the features on the search's folds.

    Classifiers: :class:`~sklearn.dummy.DummyClassifier` (``strategy='prior'``: predicts
    the majority class, with the class shares as probabilities); regression:
    :class:`~sklearn.dummy.DummyRegressor` (the mean). Scoring it first also checks that
    the scorer works on this target, before any model is fitted.

    Returns
    -------
    baseline : dict
        ``name``, ``test_mean``, ``test_std``, ``train_mean``, ``fit_time``.
    """
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.model_selection import cross_validate

    if kind == "linear":
        model, name = DummyRegressor(strategy="mean"), "the mean of the target"
    else:
        model, name = DummyClassifier(strategy="prior"), "the majority class"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = cross_validate(model, X, y, cv=cv, scoring=scorer, return_train_score=True,
                                error_score="raise")  # fmt: skip
    return {
        "name": name,
        "test_mean": float(np.mean(scores["test_score"])),
        "test_std": float(np.std(scores["test_score"])),
        "train_mean": float(np.mean(scores["train_score"])),
        "fit_time": float(np.mean(scores["fit_time"])),
        # A constant prediction makes some scorers warn (an undefined precision): the
        # baseline's score is still the one the scorer defines, so these are not shown.
        "warnings": [
            (item.category.__name__, one_line(item.message))
            for item in caught
            if not issubclass(item.category, UndefinedMetricWarning)
        ],
    }
