"""Data, objectives and timing helpers shared by ``benchmarks/run.py``.

Nothing here is timed itself; the functions build the BENCHMARKS.md data sets (cached per
process), compute the objective ``J`` of SPEC.md 1.1 from fitted ``coef_`` / ``intercept_``,
and time fits (best of ``repeat``) while recording ``ConvergenceWarning``.
"""

import gc
import time
import tracemalloc
import warnings
from functools import cache

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

# --- data --------------------------------------------------------------------------------


@cache
def classification(
    n_samples=200_000, n_features=100, n_informative=30, n_classes=2, n_clusters_per_class=2
):
    """make_classification(..., random_state=0), standardised; float64 C-ordered."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_classes=n_classes,
        n_clusters_per_class=n_clusters_per_class,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


@cache
def classification_raw(n_samples=200_000):
    """W1-raw: W1 unscaled, column j multiplied by exp(u_j), u ~ U[-3, 3] (seed 0)."""
    X, y = make_classification(
        n_samples=n_samples, n_features=100, n_informative=30, random_state=0
    )
    u = np.random.default_rng(0).uniform(-3.0, 3.0, size=X.shape[1])
    X *= np.exp(u)
    return X, y


@cache
def regression(n_samples=200_000):
    """make_regression(n_features=100, noise=10, random_state=0), X standardised."""
    X, y = make_regression(n_samples=n_samples, n_features=100, noise=10, random_state=0)
    return StandardScaler().fit_transform(X), y


def split_scaled(X_raw, y):
    """80/20 split (random_state=0); the scaler is fitted on the training part only."""
    X_train, X_test, y_train, y_test = train_test_split(X_raw, y, test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@cache
def classification_split(n_samples=200_000):
    X, y = make_classification(
        n_samples=n_samples, n_features=100, n_informative=30, random_state=0
    )
    return split_scaled(X, y)


@cache
def regression_split(n_samples=200_000):
    X, y = make_regression(n_samples=n_samples, n_features=100, noise=10, random_state=0)
    return split_scaled(X, y)


# --- the objective J of SPEC.md 1.1 ----------------------------------------------------------


def as_float64(X):
    """X in float64 (dense or sparse); no copy when it already is."""
    if sp.issparse(X):
        return X if X.dtype == np.float64 else X.astype(np.float64)
    return np.asarray(X, dtype=np.float64)


def _scores(model, X):
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    return np.asarray(X @ coef.T) + intercept, coef


def _penalty(coef, alpha, l1_ratio):
    return alpha * (
        0.5 * (1.0 - l1_ratio) * float(np.sum(coef * coef))
        + l1_ratio * float(np.sum(np.abs(coef)))
    )


def objective_binary(model, X, y, alpha, l1_ratio=0.0):
    """Mean log-loss of a binary sigmoid model plus the elastic-net penalty (float64)."""
    X = as_float64(X)
    z, coef = _scores(model, X)
    z = z[:, 0]
    classes = getattr(model, "classes_", None)  # dask-ml's LogisticRegression has none
    positive = np.max(y) if classes is None else classes[1]
    t = (y == positive).astype(np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - t * z)) + _penalty(coef, alpha, l1_ratio)


def objective_multinomial(model, X, y, alpha):
    """Mean multinomial cross-entropy plus the L2 penalty."""
    X = as_float64(X)
    z, coef = _scores(model, X)
    index = np.searchsorted(model.classes_, y)
    data = float(np.mean(logsumexp(z, axis=1) - z[np.arange(len(y)), index]))
    return data + _penalty(coef, alpha, 0.0)


def objective_squared(model, X, y, alpha, l1_ratio=0.0):
    """Mean (y - z)^2 / 2 plus the elastic-net penalty."""
    X = as_float64(X)
    z, coef = _scores(model, X)
    residual = z[:, 0] - y
    return float(0.5 * np.mean(residual * residual)) + _penalty(coef, alpha, l1_ratio)


def objective_one_vs_rest(coef, intercept, classes, X, y, alpha):
    """Sum over classes k of the binary J of "class k against the rest" (L2 penalty).

    ``coef`` is (n_classes, n_features), ``intercept`` (n_classes,): row k scores class k.
    """
    X = as_float64(X)
    coef = np.asarray(coef, dtype=np.float64)
    z = np.asarray(X @ coef.T) + np.asarray(intercept, dtype=np.float64)
    target = y[:, None] == np.asarray(classes)[None, :]
    data = float(np.sum(np.mean(np.logaddexp(0.0, z) - target * z, axis=0)))
    return data + _penalty(coef, alpha, 0.0)


def relative_gap(ours, peer):
    """(J_ours - J_peer) / |J_peer|; "objective no worse" means <= 1e-6."""
    return (ours - peer) / abs(peer)


# --- timing ----------------------------------------------------------------------------------


REPEAT = {"fits": 3}  # fits per timing; ``run.py --quick`` sets 1


class Timed:
    """Best-of-``repeat`` (default ``REPEAT['fits']``) wall time of ``make().fit(*args)``,
    the last fitted model and the number of ``ConvergenceWarning`` s seen per fit (the
    maximum over the repeats).

    With ``stop_after`` (seconds), no further fit starts once the fits so far took that long
    (slow peers are timed once); ``fits`` is the number of fits made.
    """

    def __init__(self, make, *args, repeat=None, stop_after=None, **fit_params):
        repeat = REPEAT["fits"] if repeat is None else repeat
        self.repeat = repeat
        self.time = np.inf
        self.convergence_warnings = 0
        self.model = None
        self.fits = 0
        total = 0.0
        for _ in range(repeat):
            if stop_after is not None and total >= stop_after:
                break
            model = make()
            gc.collect()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(*args, **fit_params)
                elapsed = time.perf_counter() - start
            count = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            self.convergence_warnings = max(self.convergence_warnings, count)
            self.time = min(self.time, elapsed)
            self.model = model
            self.fits += 1
            total += elapsed


def best_time(function, repeat=3):
    """Best-of-``repeat`` wall time of ``function()``."""
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


class PassCounter:
    """Count calls of ``LinearObjective.value_and_gradient`` (full passes and mini-batches).

    Used as a context manager around fits; the wrapper costs one Python call per call.
    """

    def __init__(self):
        self.full = 0
        self.batches = 0

    def __enter__(self):
        from sklinear import _objective

        self._class = _objective.LinearObjective
        self._original = original = self._class.value_and_gradient
        counter = self

        def counting(objective, theta, rows=None):
            if rows is None:
                counter.full += 1
            else:
                counter.batches += 1
            return original(objective, theta, rows)

        self._class.value_and_gradient = counting
        return self

    def __exit__(self, *exc):
        self._class.value_and_gradient = self._original
        return False


def traced_peak(function):
    """Peak bytes allocated (tracemalloc) while ``function()`` runs; NumPy reports its
    buffers to tracemalloc, so a copy of X shows."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak
