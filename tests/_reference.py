"""Independent references the tests compare sklinear against, in one place.

Everything here is written from SPEC 1.1 and the textbook formulas with NumPy / SciPy only,
never from sklinear's code:

    J(w, b) = (1 / sum s) * sum_i s_i L(y_i, x_i w + b) + alpha * R(w)
    R(w)    = (1 - r) / 2 * ||w||_2^2 + r * ||w||_1

Coefficients are in scikit-learn's layout: ``coef`` of shape (n_features,) or
(n_outputs, n_features), ``intercept`` scalar or (n_outputs,). Targets ``Y`` are encoded for
the loss: real values (regression), 0/1 (binomial, one column per sigmoid) or one-hot rows
(multinomial).
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax
from sklearn.utils.class_weight import compute_class_weight

# the loss names of the estimators and of sklinear._losses, both accepted
_ALIASES = {
    "squared_error": "squared",
    "absolute_error": "absolute",
    "log_loss": "binomial",
}


def pointwise_loss(loss, Y, Z, *, epsilon=1.35, mu=0.5):
    """Per-sample loss ``L(y_i, z_i)``, summed over outputs; shape (n_samples,).

    ``loss`` is one of 'squared' ('squared_error'), 'absolute' ('absolute_error'), 'huber'
    (threshold ``epsilon``), 'smoothed_absolute' (Huber-like with threshold ``mu``, divided
    by ``mu``), 'binomial' ('log_loss': ``log(1 + exp(-t z))`` with ``t = 2 y - 1``) or
    'multinomial' (``-log softmax(z)[y]``).
    """
    name = _ALIASES.get(loss, loss)
    Z = np.asarray(Z, dtype=np.float64)
    n_samples = Z.shape[0]
    Z = Z.reshape(n_samples, -1)
    Y = np.asarray(Y, dtype=np.float64).reshape(n_samples, -1)
    a = np.abs(Y - Z)
    if name == "squared":
        values = a**2 / 2
    elif name == "absolute":
        values = a
    elif name == "huber":
        values = np.where(a <= epsilon, a**2 / 2, epsilon * a - epsilon**2 / 2)
    elif name == "smoothed_absolute":
        values = np.where(a <= mu, a**2 / (2 * mu), a - mu / 2)
    elif name == "binomial":
        values = np.logaddexp(0, -(2 * Y - 1) * Z)
    elif name == "multinomial":
        values = -Y * log_softmax(Z, axis=1)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    return values.sum(axis=1)


def penalty_value(coef, alpha, l1_ratio):
    """``alpha * R(w)`` of SPEC 1.1 (over every coefficient, the intercept excluded)."""
    coef = np.asarray(coef, dtype=np.float64)
    return alpha * ((1 - l1_ratio) / 2 * np.sum(coef**2) + l1_ratio * np.sum(np.abs(coef)))


def penalty_strength(penalty, alpha, l1_ratio):
    """``(alpha, l1_ratio)`` that a ``penalty`` parameter means (SPEC 1.1)."""
    if penalty is None:
        return 0.0, 0.0
    return alpha, {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]


def objective_J(
    X, Y, coef, intercept, *, loss, alpha, l1_ratio, sample_weight=None, epsilon=1.35, mu=0.5
):
    """J of SPEC 1.1 in float64 at ``(coef, intercept)``."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    Z = X @ coef.T + np.asarray(intercept, dtype=np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    values = pointwise_loss(loss, Y, Z, epsilon=epsilon, mu=mu)
    return np.sum(s * values) / s.sum() + penalty_value(coef, alpha, l1_ratio)


def encode_targets(y, classes, loss):
    """Targets of a classifier encoded for its loss.

    'multinomial': one-hot rows; 'binomial' with two classes: 1 for ``classes[1]``; with
    more: one 0/1 column per class (one-vs-rest); a 2-d ``y`` (multilabel) as it is.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        return y.astype(float)
    one_hot = (y[:, None] == np.asarray(classes)[None, :]).astype(float)
    if loss == "multinomial" or len(classes) > 2:
        return one_hot
    return one_hot[:, 1]


def model_objective(model, X, y, sample_weight=None):
    """J of SPEC 1.1 at a fitted sklinear estimator's ``coef_`` and ``intercept_``.

    Reads only the model's public parameters and fitted coefficients; the loss follows from
    the class (regressor: ``loss``; SoftmaxClassifier with 3+ classes: multinomial; else
    log-loss per column). Class weights are not applied: pass them in ``sample_weight``.
    """
    alpha, l1_ratio = penalty_strength(model.penalty, model.alpha, model.l1_ratio)
    name = type(model).__name__
    if name == "GDLinearRegressor":
        loss, Y = model.loss, np.asarray(y, dtype=np.float64)
    else:
        y_2d = np.asarray(y).ndim == 2
        multinomial = name == "SoftmaxClassifier" and len(model.classes_) > 2 and not y_2d
        loss = "multinomial" if multinomial else "binomial"
        Y = encode_targets(y, model.classes_, loss)
    return objective_J(
        X,
        Y,
        model.coef_,
        model.intercept_,
        loss=loss,
        alpha=alpha,
        l1_ratio=l1_ratio,
        sample_weight=sample_weight,
        epsilon=getattr(model, "epsilon", 1.35),
    )


def effective_weights(y, sample_weight, class_weight):
    """``s_i = sample_weight_i * class_weight[y_i]``, as scikit-learn's LogisticRegression
    builds it: 'balanced' is ``sum(s) / (n_classes * sum of s in the class)``, computed
    here by hand and checked against :func:`sklearn.utils.class_weight.compute_class_weight`;
    a dict gives 1 to the classes it leaves out."""
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    if class_weight is None:
        return s
    classes = np.unique(y)
    if class_weight == "balanced":
        weights = np.array([s.sum() / (len(classes) * s[y == c].sum()) for c in classes])
        np.testing.assert_allclose(
            weights, compute_class_weight("balanced", classes=classes, y=y, sample_weight=s)
        )
    else:
        weights = np.array([class_weight.get(c, 1.0) for c in classes])
    return s * weights[np.searchsorted(classes, y)]


def assert_reaches_optimum(J_ours, J_ref, rtol=1e-7):
    """sklinear's J is within ``rtol`` (relative) of the reference optimum, and does not beat
    it by more than twice that (which would mean the reference did not converge)."""
    assert J_ours <= J_ref + rtol * abs(J_ref), (J_ours, J_ref)
    assert J_ours >= J_ref - 2 * rtol * abs(J_ref), (
        f"sklinear ({J_ours}) beats the reference ({J_ref}) by more than the tolerance: the "
        "reference did not converge"
    )


def assert_coef_close(X, coef, coef_ref, rtol=1e-4):
    """Coefficients compared on the standardised scale (``coef * std`` of the column), so
    columns of very different scales weigh alike."""
    std = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64).std(axis=0)
    scaled, scaled_ref = np.asarray(coef) * std, np.asarray(coef_ref) * std
    np.testing.assert_allclose(scaled, scaled_ref, rtol=rtol, atol=rtol * np.abs(scaled_ref).max())
