"""The model search of ``sklinear cv`` on a Dask cluster.

The search of :mod:`sklinear.cli._search` (for every fold and degree, the preprocessing
fitted once, then the alphas of each penalty along a warm-started path), with the data on
the workers:

- the training and test parts of a fold are row filters of the table on the cluster,
  whose partition lengths are known from the folds' definition (nothing is counted);
- the imputer and the encoder learn from the training part with one reduction each; the
  transforms and the polynomial features are lazy and partition-wise;
- the encoded training and test designs are persisted on the workers for the fold's fits
  (unless ``persist=False``: then every pass of the solver rereads the file);
- each fit runs through the Dask seam of the estimators (:mod:`sklinear._dask`): one
  scheduler round trip per evaluation of the objective, only vectors of the size of the
  coefficients on the client;
- the test and training scores of a fit are computed together from per-chunk sums
  (:mod:`sklinear.cli._cluster_scoring`): one more round trip.
"""

import time
import warnings
from collections import Counter

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ._cluster import FOLD_COLUMN, compute
from ._cluster_scoring import lazy_sums
from ._errors import CLIError, one_line
from ._search import (
    _error_line,
    expand_grid,
    fit_paths,
    path_tasks,
    search_result,
    short_name,
    summarize_warnings,
)


def _rows(table, fold, part):
    if fold is None:
        return table
    keep = table[FOLD_COLUMN] != fold if part == "train" else table[FOLD_COLUMN] == fold
    return table[keep]


def _with_lengths(array, lengths):
    """``array`` (row chunks of unknown size) with the known row counts ``lengths``."""
    return array.map_blocks(
        lambda block: block, chunks=(tuple(lengths), *array.chunks[1:]), dtype=array.dtype
    )


def _target_array(rows, target, lengths):
    with warnings.catch_warnings():
        # Text labels become NumPy object chunks, as in memory.
        warnings.filterwarnings("ignore", message="Dask currently has limited support")
        return rows[target].to_dask_array(lengths=list(lengths))


class ClusterData:
    """The table on the cluster, what the search fits, and how the folds split it."""

    def __init__(self, table, features, target, folds, persist):
        self.table = table
        self.features = list(features)
        self.target = target
        self.folds = folds
        self.persist = persist

    def part(self, fold, part):
        """Features (dask DataFrame), target (dask array) and row counts per partition."""
        if fold is None:
            lengths = tuple(int(n) for n in self.folds.counts.sum(axis=(1, 2)))
        else:
            lengths = self.folds.lengths(fold, part)
        rows = _rows(self.table, fold, part)
        return rows[self.features], _target_array(rows, self.target, lengths), lengths


def fit_preprocessing(pipeline, degree, X, lengths):
    """Fit imputer, encoder and polynomial features on a dask DataFrame.

    Returns the fitted steps and a function giving the lazy design (a dask array with
    known row chunks) of a dask DataFrame and its partition lengths.
    """
    steps = clone(pipeline[:-1]).set_params(poly__degree=degree)
    impute, encode, poly = (step for _, step in steps.steps)
    imputed = impute.fit(X).transform(X)
    encoded = encode.fit(imputed).transform(imputed)
    poly.fit(encoded)

    def design(frame, frame_lengths):
        Z = poly.transform(encode.transform(impute.transform(frame)))
        return _with_lengths(Z, frame_lengths)

    return steps, design(X, lengths), design


def _persisted(persist, *arrays):
    if not persist:
        return arrays
    import dask

    return dask.persist(*arrays)


def fit_fold_on_cluster(pipeline, candidates, degree, paths, data, fold, scorer):
    """:func:`sklinear.cli._search.fit_fold` with the data on the cluster.

    Returns the same dict, with ``confusion`` added for classifiers:
    ``{candidate: test confusion matrix}``.
    """
    scores, confusion = {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        X_train, y_train, train_lengths = data.part(fold, "train")
        X_test, y_test, test_lengths = data.part(fold, "test")
        Z_train = Z_test = None  # a failed preprocessing fails every fit of the fold
        try:
            _, Z_train, design = fit_preprocessing(pipeline, degree, X_train, train_lengths)
            Z_test = design(X_test, test_lengths)
            Z_train, Z_test, y_train, y_test = _persisted(
                data.persist, Z_train, Z_test, y_train, y_test
            )
            error = None
        except CLIError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a failed fit
            error = _error_line(exc)
        shared_time = (time.perf_counter() - started) / max(1, sum(map(len, paths)))

        def score_pair(model, index):
            test_sums, train_sums = compute(
                lazy_sums(scorer, model, Z_test, y_test),
                lazy_sums(scorer, model, Z_train, y_train),
            )
            if "confusion" in test_sums:
                confusion[index] = test_sums["confusion"]
            return float(scorer.finish(test_sums)), float(scorer.finish(train_sums))

        fit_paths(pipeline, candidates, paths, Z_train, y_train, error, shared_time, scores,
                  score_pair, reraise=(CLIError,))  # fmt: skip
    caught_warnings = [(item.category.__name__, one_line(item.message)) for item in caught]
    return {"scores": scores, "warnings": caught_warnings, "confusion": confusion}


def fit_on_cluster(pipeline, params, data):
    """The pipeline with ``params`` fitted on every row: a Pipeline of fitted steps."""
    X, y, lengths = data.part(None, "train")
    steps, Z, _ = fit_preprocessing(pipeline, params["poly__degree"], X, lengths)
    Z, y = _persisted(data.persist, Z, y)
    model = clone(pipeline[-1]).set_params(
        **{short_name(k): v for k, v in params.items() if k != "poly__degree"}
    )
    model.fit(Z, y)
    # In memory the imputer hands the encoder an array, not a frame: once the data are
    # fitted, the steps after it keep the column names they saw (get_feature_names_out)
    # but stop asking for them, so the pipeline transforms pandas data as the in-memory
    # one does.
    for _, step in steps.steps[1:]:
        if hasattr(step, "feature_names_in_"):
            del step.feature_names_in_
    return Pipeline([*steps.steps, (pipeline.steps[-1][0], model)])


def run_search_on_cluster(pipeline, param_grid, data, *, scorer, progress=None, caught_before=()):
    """:func:`sklinear.cli._search.run_search` on the cluster: same result, same progress.

    The search also has ``confusion_``: ``{candidate: summed test confusion matrix}`` for
    classifiers (the out-of-fold predictions of every candidate, counted on the cluster).
    """
    candidates = expand_grid(param_grid)
    n_folds = data.folds.n_folds
    per_fold, confusion = {}, {}
    caught = Counter(caught_before)
    for degree, paths in path_tasks(candidates):
        for fold in range(n_folds):
            outcome = fit_fold_on_cluster(pipeline, candidates, degree, paths, data, fold,
                                          scorer)  # fmt: skip
            for index, row in outcome["scores"].items():
                per_fold[(index, fold)] = row
            for index, matrix in outcome["confusion"].items():
                confusion[index] = confusion.get(index, 0) + matrix
            caught.update(outcome["warnings"])
            if progress is not None:
                progress.task_done(fold, degree, outcome["scores"])

    search = search_result(candidates, per_fold, n_folds)
    search.confusion_ = confusion

    n_rows = int(data.folds.counts.sum())
    if progress is not None:
        progress.message(f"refitting the best candidate on all {n_rows} rows")
    with warnings.catch_warnings(record=True) as refit_caught:
        warnings.simplefilter("always")
        search.best_estimator_ = fit_on_cluster(pipeline, search.best_params_, data)
    caught.update((item.category.__name__, one_line(item.message)) for item in refit_caught)
    return search, summarize_warnings(caught, search)


def baseline_on_cluster(kind, data, scorer):
    """:func:`sklinear.cli._search.baseline_scores` on the cluster's folds.

    The model that ignores the features is fitted from per-fold sums (the class counts,
    known from the folds, or the target's sum), then scored on the cluster.
    """
    from sklearn.dummy import DummyClassifier, DummyRegressor

    folds = data.folds
    started = time.perf_counter()
    if kind == "linear":
        name = "the mean of the target"
        table = data.table
        sums, counts = compute(
            table.groupby(FOLD_COLUMN)[data.target].sum(),
            table.groupby(FOLD_COLUMN)[data.target].count(),
        )
        sums = sums.reindex(range(folds.n_folds), fill_value=0.0).to_numpy(dtype=float)
        counts = counts.reindex(range(folds.n_folds), fill_value=0).to_numpy(dtype=float)
        models = [
            DummyRegressor(strategy="mean").fit(
                np.zeros((1, 1)), [(sums.sum() - sums[f]) / (counts.sum() - counts[f])]
            )
            for f in range(folds.n_folds)
        ]
    else:
        name = "the majority class"
        classes = np.asarray(folds.classes)
        models = [
            DummyClassifier(strategy="prior").fit(
                np.zeros((len(classes), 1)),
                classes,
                sample_weight=folds.class_counts(f, "train").astype(float),
            )  # fmt: skip
            for f in range(folds.n_folds)
        ]
    fit_time = (time.perf_counter() - started) / folds.n_folds
    lazy = []
    for fold, model in enumerate(models):
        _, y_test, _ = data.part(fold, "test")
        _, y_train, _ = data.part(fold, "train")
        lazy += [lazy_sums(scorer, model, None, y_test), lazy_sums(scorer, model, None, y_train)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sums = compute(*lazy)
        test = [scorer.finish(s) for s in sums[0::2]]
        train = [scorer.finish(s) for s in sums[1::2]]
    from sklearn.exceptions import UndefinedMetricWarning

    return {
        "name": name,
        "test_mean": float(np.mean(test)),
        "test_std": float(np.std(test)),
        "train_mean": float(np.mean(train)),
        "fit_time": float(fit_time),
        "warnings": [
            (item.category.__name__, one_line(item.message))
            for item in caught
            if not issubclass(item.category, UndefinedMetricWarning)
        ],
    }
