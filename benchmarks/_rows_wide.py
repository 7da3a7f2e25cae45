"""W9 (wide dense n = p: logistic and ridge) and W10 (elastic net, tall and wide)."""

import numpy as np
from _datasets import alpha_max, wide_regression, wide_separable, wide_sparse_regression
from _table import SLOW_FIT, compare, timed_ours
from _workloads import Timed, objective_binary, objective_squared, regression
from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge

from sklinear import GDLinearRegressor, GDLogisticClassifier

L1_RATIO = 0.5


def w9(scale, **_):
    """Default fits with alpha=1/n against peers run to convergence (two rows).

    W9-log: separable data, LogisticRegression(C=1, tol=1e-8, max_iter=100000);
    W9-ridge: Ridge(alpha=1) (a direct solve).
    """
    size = int(5_000 * scale)
    X, y = wide_separable(size, size)
    n = X.shape[0]
    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X, y, stop_after=SLOW_FIT)
    peer = Timed(
        lambda: LogisticRegression(C=1.0, tol=1e-8, max_iter=100_000),
        X,
        y,
        stop_after=SLOW_FIT,
    )
    logistic = compare(
        "W9-log", ours, peer, 1.0, lambda m: objective_binary(m, X, y, 1 / n), data=(X, y)
    )
    X, y = wide_regression(size, size)
    ours = timed_ours(lambda: GDLinearRegressor(alpha=1 / n), X, y, stop_after=SLOW_FIT)
    peer = Timed(lambda: Ridge(alpha=1.0), X, y, stop_after=SLOW_FIT)
    ridge = compare(
        "W9-ridge", ours, peer, 1.5, lambda m: objective_squared(m, X, y, 1 / n), data=(X, y)
    )
    return [logistic, ridge]


def _elastic_net_row(name, X, y, alpha, goal):
    ours = timed_ours(
        lambda: GDLinearRegressor(penalty="elasticnet", alpha=alpha, l1_ratio=L1_RATIO),
        X,
        y,
        stop_after=SLOW_FIT,
    )
    peer = Timed(lambda: ElasticNet(alpha=alpha, l1_ratio=L1_RATIO), X, y, stop_after=SLOW_FIT)
    row = compare(
        name,
        ours,
        peer,
        goal,
        lambda m: objective_squared(m, X, y, alpha, l1_ratio=L1_RATIO),
        note=f"alpha {alpha:.3g};",
        data=(X, y),
    )
    nonzero = np.count_nonzero(ours.model.coef_), np.count_nonzero(peer.model.coef_)
    row["note"] += f" nnz {nonzero[0]}/{nonzero[1]}"
    return row


def w10(scale, **_):
    """GDLinearRegressor(penalty='elasticnet', l1_ratio=0.5) against ElasticNet (two rows).

    W10-tall: the W2 data, alpha=1; W10-wide: 2,000 x 10,000 with alpha = alpha_max / 10.
    """
    X, y = regression(int(200_000 * scale))
    tall = _elastic_net_row("W10-tall", X, y, 1.0, 1.0)
    X, y = wide_sparse_regression(int(2_000 * scale), int(10_000 * scale))
    wide = _elastic_net_row("W10-wide", X, y, alpha_max(X, y, L1_RATIO) / 10, 1.5)
    return [tall, wide]
