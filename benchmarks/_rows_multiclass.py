"""W8 and W8-ovr: 100 classes, 100 features (make_classification, one cluster a class)."""

import numpy as np
from _table import SLOW_FIT, compare, timed_ours
from _workloads import Timed, classification, objective_multinomial, objective_one_vs_rest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklinear import GDLogisticClassifier, SoftmaxClassifier


def many_classes(scale):
    return classification(
        int(100_000 * scale),
        n_features=100,
        n_informative=50,
        n_classes=100,
        n_clusters_per_class=1,
    )


def w8(scale, **_):
    """SoftmaxClassifier(alpha=1/n) against multinomial LogisticRegression(C=1)."""
    X, y = many_classes(scale)
    n = X.shape[0]
    ours = timed_ours(lambda: SoftmaxClassifier(alpha=1 / n), X, y, stop_after=SLOW_FIT)
    peer = Timed(lambda: LogisticRegression(C=1.0), X, y, stop_after=SLOW_FIT)
    return compare(
        "W8", ours, peer, 0.6, lambda m: objective_multinomial(m, X, y, 1 / n), data=(X, y)
    )


def summed_binary_objective(model, X, y, alpha):
    """Sum over classes of the binary J of class k against the rest, for sklinear's
    one-vs-rest GDLogisticClassifier or a OneVsRestClassifier of binary models."""
    if hasattr(model, "estimators_"):
        coef = np.vstack([estimator.coef_ for estimator in model.estimators_])
        intercept = np.concatenate([estimator.intercept_ for estimator in model.estimators_])
    else:
        coef, intercept = model.coef_, model.intercept_
    return objective_one_vs_rest(coef, intercept, model.classes_, X, y, alpha)


def w8_ovr(scale, **_):
    """GDLogisticClassifier(alpha=1/n) (one-vs-rest) against
    OneVsRestClassifier(LogisticRegression(C=1), n_jobs=-1): summed objective."""
    X, y = many_classes(scale)
    n = X.shape[0]
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y, stop_after=SLOW_FIT)
    peer = Timed(
        lambda: OneVsRestClassifier(LogisticRegression(C=1.0), n_jobs=-1),
        X,
        y,
        stop_after=SLOW_FIT,
    )
    return compare(
        "W8-ovr",
        ours,
        peer,
        0.3,
        lambda m: summed_binary_objective(m, X, y, 1 / n),
        note="summed J;",
        data=(X, y),
    )
