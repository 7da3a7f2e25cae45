"""Scores of ``sklinear cv`` on a Dask cluster: sums per row chunk, one small result.

A scorer of scikit-learn takes all the labels and predictions at once; on a cluster they
stay on the workers. Every supported score is a function of sums over the rows, computed
chunk by chunk where the chunks live and added in a tree; only those sums (a confusion
matrix, a handful of numbers) reach the client, which finishes the score:

- ``confusion``: scores that depend on the confusion matrix only (accuracy, balanced
  accuracy, F1, precision, recall, Jaccard, Matthews' coefficient). The client calls the
  scorer's own metric on one (label, prediction) pair per non-empty cell, weighted by the
  cell's count: the same value as on the rows themselves.
- ``mean``: means over the rows (log loss, Brier score, top-k accuracy, mean squared,
  absolute, percentage and log errors, Poisson and Gamma deviances): each chunk gives its
  mean (the scorer itself, told every class) times its number of rows.
- ``moments``: R^2, explained variance, root mean squared error and maximal error, from
  the rows, means and centred sums of squares of ``y`` and of the residuals (combined as
  Chan et al. do).

Scores that need all rows in one place (ROC AUC, average precision, median errors, D^2
scores, likelihood ratios, clustering scores) are refused before any fit.
"""

import numpy as np
from sklearn.metrics import make_scorer

from ._errors import UsageError

_CONFUSION = {"accuracy", "balanced_accuracy", "matthews_corrcoef"} | {
    f"{name}{average}"
    for name in ("f1", "precision", "recall", "jaccard")
    for average in ("", "_macro", "_micro", "_weighted")
}
_MEAN_WITH_LABELS = {"neg_log_loss", "neg_brier_score", "top_k_accuracy"}
_MEAN = _MEAN_WITH_LABELS | {
    "neg_mean_squared_error",
    "neg_mean_absolute_error",
    "neg_mean_absolute_percentage_error",
    "neg_mean_squared_log_error",
    "neg_mean_poisson_deviance",
    "neg_mean_gamma_deviance",
}
_MOMENTS = {"r2", "explained_variance", "neg_root_mean_squared_error", "neg_max_error"}
SUPPORTED = sorted(_CONFUSION | _MEAN | _MOMENTS)


def check_cluster_scoring(name):
    """Refuse a scorer that cannot be computed from sums over the rows."""
    if name not in SUPPORTED:
        raise UsageError(
            f"--scoring {name} needs all rows in one place and is not computed on a Dask "
            f"cluster; use one of: {', '.join(SUPPORTED)}"
        )


class ClusterScorer:
    """A scorer of :mod:`sklinear.cli._scoring` computed from per-chunk sums.

    Parameters
    ----------
    name : str
        The ``--scoring`` name (one of :data:`SUPPORTED`).
    scorer : callable
        The scikit-learn scorer (from ``make_scorer_for``): its metric, sign and options.
    classes : list
        The classes (empty for regression): every chunk is told all of them, and the
        confusion matrix is kept for the confusion-matrix plot.
    """

    def __init__(self, name, scorer, classes):
        check_cluster_scoring(name)
        self.name = name
        self.scorer = scorer
        self.classes = np.asarray(classes) if len(classes) else None
        if name in _CONFUSION:
            self.kind = "confusion"
        elif name in _MEAN:
            self.kind = "mean"
        else:
            self.kind = "moments"
        self.chunk_scorer = scorer
        if name in _MEAN_WITH_LABELS:
            # A chunk may lack a class: tell the metric all of them.
            self.chunk_scorer = make_scorer(
                scorer._score_func,
                response_method=scorer._response_method,
                greater_is_better=scorer._sign > 0,
                labels=list(classes),
                **scorer._kwargs,
            )

    # --- on the workers ---
    def chunk_sums(self, model, X_block, y_block):
        """The sums of one chunk (``X_block`` None: a model that ignores the features)."""
        y_block = np.asarray(y_block)
        n_rows = len(y_block)
        if X_block is None:
            X_block = np.zeros((n_rows, 1))
        sums = {"n": float(n_rows)}
        if n_rows == 0:
            return sums
        predicted = None
        if self.classes is not None:
            predicted = np.asarray(model.predict(X_block))
            sums["confusion"] = _confusion(self.classes, y_block, predicted)
        if self.kind == "mean":
            sums["total"] = n_rows * float(self.chunk_scorer(model, X_block, y_block))
        elif self.kind == "moments":
            predicted = np.asarray(model.predict(X_block), dtype=np.float64)
            y = y_block.astype(np.float64)
            residual = y - predicted
            sums["y"] = _moments(y)
            sums["residual"] = _moments(residual)
            sums["squares"] = float(residual @ residual)
            sums["max"] = float(np.max(np.abs(residual)))
        return sums

    # --- on the client ---
    def finish(self, sums):
        """The score from the sums over all chunks (a float)."""
        if self.kind == "confusion":
            return self._from_confusion(sums["confusion"])
        if self.kind == "mean":
            return sums["total"] / sums["n"]
        n = sums["n"]
        if self.name == "neg_root_mean_squared_error":
            return -float(np.sqrt(sums["squares"] / n))
        if self.name == "neg_max_error":
            return -sums["max"]
        spread = sums["y"][2]
        error = sums["squares"] if self.name == "r2" else sums["residual"][2]
        # scikit-learn's force_finite: a constant target scores 1 if predicted exactly.
        if spread == 0:
            return 1.0 if error == 0 else 0.0
        return 1.0 - error / spread

    def _from_confusion(self, matrix):
        true_index, predicted_index = np.nonzero(matrix)
        metric = self.scorer._score_func
        value = metric(
            self.classes[true_index],
            self.classes[predicted_index],
            sample_weight=matrix[true_index, predicted_index],
            **self.scorer._kwargs,
        )
        return self.scorer._sign * float(value)


def _confusion(classes, y, predicted):
    """Counts of (true class, predicted class), classes in the order of ``classes``."""
    n = len(classes)
    true_index = np.searchsorted(classes, y)
    predicted_index = np.searchsorted(classes, predicted)
    return np.bincount(true_index * n + predicted_index, minlength=n * n).reshape(n, n)


def _moments(values):
    """(count, mean, centred sum of squares) of a chunk's values."""
    mean = float(values.mean())
    centred = values - mean
    return (float(len(values)), mean, float(centred @ centred))


def _combine_moments(a, b):
    n = a[0] + b[0]
    if a[0] == 0:
        return b
    if b[0] == 0:
        return a
    delta = b[1] - a[1]
    return (n, a[1] + delta * b[0] / n, a[2] + b[2] + delta * delta * a[0] * b[0] / n)


def add_sums(parts):
    """The sums of several chunks (a task of the tree of sums)."""
    total = {"n": 0.0}
    for part in parts:
        for key, value in part.items():
            if key not in total:
                total[key] = value
            elif key in ("y", "residual"):
                total[key] = _combine_moments(total[key], value)
            elif key == "max":
                total[key] = max(total[key], value)
            else:
                total[key] = total[key] + value
    return total


def lazy_sums(scorer, model, X, y, fan_in=16):
    """The sums of ``scorer`` for ``model`` over the row chunks of ``X`` and ``y``, lazily.

    ``X`` is a dask array (or None for a model that ignores the features) with the row
    chunks of the dask array ``y``. Returns a :class:`dask.delayed.Delayed`.
    """
    import dask

    y_chunks = y.to_delayed().ravel()
    X_chunks = [None] * len(y_chunks) if X is None else X.to_delayed()[:, 0]
    model = dask.delayed(model, traverse=False)
    level = [
        dask.delayed(scorer.chunk_sums, pure=True)(model, X_chunk, y_chunk)
        for X_chunk, y_chunk in zip(X_chunks, y_chunks, strict=True)
    ]
    while len(level) > 1:
        level = [
            dask.delayed(add_sums, pure=True)(level[start : start + fan_in])
            for start in range(0, len(level), fan_in)
        ]
    return dask.delayed(add_sums, pure=True)(level)
