"""GDLinearRegressor: linear regression (squared, absolute or Huber loss) by gradient methods."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from .._compat import Interval, StrOptions, _assert_all_finite
from .._data import InMemoryData
from .._fit import STOCHASTIC_SOLVERS
from .._labels import check_target_largest
from .._losses import AbsoluteLoss, HuberLoss, SquaredLoss
from .._minimum_norm import least_norm, least_norm_affordable
from ._base import BaseGradientLinearModel
from ._device import follows_input
from ._docstrings import fill_doc


def _has_missing(values):
    """Whether an array-like of objects holds missing values (None, NaN, pd.NA) and numbers
    otherwise: what fails a conversion to float only because of its missing values."""
    import pandas as pd

    try:
        values = np.asarray(values, dtype=object)
        missing = pd.isna(values)
        np.asarray(values[~missing], dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(np.any(missing))


LOSSES = {"squared_error": SquaredLoss, "absolute_error": AbsoluteLoss, "huber": HuberLoss}


@fill_doc
class GDLinearRegressor(RegressorMixin, BaseGradientLinearModel):
    """Linear regression trained by gradient methods.

    Minimises, over the coefficients ``w`` and the intercept ``b``,

    .. math::

        J(w, b) = \\frac{1}{\\sum_i s_i} \\sum_i s_i L(y_i, x_i^\\top w + b)
                  + \\alpha \\left(\\frac{1 - \\rho}{2} \\|w\\|_2^2 + \\rho \\|w\\|_1\\right)

    with sample weights ``s`` (default 1), ``rho = l1_ratio`` and the loss
    ``L = (y - z)^2 / 2`` ('squared_error'), ``|y - z|`` ('absolute_error') or Huber.
    The optimum equals ``Ridge(alpha=alpha * n_samples)`` for ``penalty='l2'``,
    ``Lasso(alpha)`` for 'l1', ``ElasticNet(alpha, l1_ratio)`` for 'elasticnet' and
    ``LinearRegression()`` for ``penalty=None``; without a penalty, a rank-deficient
    design's optima form a set, and full-batch fits on NumPy / SciPy data of moderate
    size return its least-norm member, as LinearRegression (see the user guide).

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber'}, default='squared_error'
        The pointwise loss. Full-batch solvers minimise 'absolute_error' by continuation
        over smoothed losses; it is not allowed with solver='lbfgs'.
    epsilon : float, default=1.35
        Threshold of the Huber loss: ``L = r^2 / 2`` for ``|r| <= epsilon``, else
        ``epsilon |r| - epsilon^2 / 2``.
    %(shared_parameters)s

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients ``w`` (2-D for a 2-D ``y``).
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept ``b``.
    %(shared_attributes)s

    See Also
    --------
    sklearn.linear_model.Ridge : the same optimum for penalty='l2'.
    sklearn.linear_model.SGDRegressor : stochastic gradient descent.

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import GDLinearRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = 2 * X[:, 0] + 1
    >>> model = GDLinearRegressor(penalty=None).fit(X, y)
    >>> model.coef_.round(4), round(float(model.intercept_), 4)
    (array([2.]), 1.0)
    """

    _parameter_constraints: dict = {
        **BaseGradientLinearModel._parameter_constraints,
        "loss": [StrOptions(set(LOSSES))],
        "epsilon": [Interval(Real, 0, np.inf, closed="neither")],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        epsilon=1.35,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        fit_intercept=True,
        solver="auto",
        max_iter=1000,
        tol="auto",
        batch_size="auto",
        learning_rate="invscaling",
        eta0=0.05,
        momentum=0.9,
        average=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=0,
        scale_predictors=False,
        n_jobs=None,
    ):
        super().__init__(
            penalty=penalty,
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=fit_intercept,
            solver=solver,
            max_iter=max_iter,
            tol=tol,
            batch_size=batch_size,
            learning_rate=learning_rate,
            eta0=eta0,
            momentum=momentum,
            average=average,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            shuffle=shuffle,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            scale_predictors=scale_predictors,
            n_jobs=n_jobs,
        )
        self.loss = loss
        self.epsilon = epsilon

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _make_loss(self):
        if self.loss == "huber":
            return HuberLoss(self.epsilon)
        return LOSSES[self.loss]()

    def _validate_data(self, X, y, reset):
        # Non-NumPy arrays (torch, array-api-strict) have dtypes without .kind: convert.
        target = y if hasattr(getattr(y, "dtype", None), "kind") else np.asarray(y)
        if getattr(target, "dtype", None) is not None and target.dtype.kind in "OUS":
            try:
                np.asarray(target, dtype=np.float64)
            except (TypeError, ValueError):
                if _has_missing(target):
                    raise ValueError(
                        "Input y contains NaN (None or pd.NA): drop those rows or fill them."
                    ) from None
                raise ValueError(
                    "GDLinearRegressor needs a numeric target; got values that are not "
                    "numbers. For class labels use GDLogisticClassifier or SoftmaxClassifier."
                ) from None
        X, y = super()._validate_data(X, y, reset)
        if y.dtype.kind not in "f":
            y = np.asarray(y, dtype=np.float64)
            # scikit-learn checks a multi-output y for NaN before this conversion, which is
            # where None and pd.NA in an object or nullable y become NaN: check again.
            _assert_all_finite(y, input_name="y", estimator_name=type(self).__name__)
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError("y has no target columns.")
        _check_target_range(y)  # once per fit, on the whole target
        return X, y

    def _encode_target(self, y, fitting):
        if fitting or not hasattr(self, "_target_ndim"):
            self._target_ndim = y.ndim
        elif y.ndim != self._target_ndim:
            raise ValueError(
                f"y has {y.ndim} dimension(s), but the model was fitted with "
                f"{self._target_ndim}: pass targets of the same shape."
            )
        return y

    def _store(self, objective, result):
        super()._store(objective, result)
        if self._least_norm_applies(objective):
            self._move_to_least_norm(objective, result)

    def _least_norm_applies(self, objective):
        """Unpenalised least squares fitted by a full-batch solver on NumPy / SciPy data of
        affordable size: the optimum need not be unique (see :mod:`sklinear._minimum_norm`)."""
        return (
            self.loss == "squared_error"
            and self._penalty_parameters()[0] == 0
            and self.solver not in STOCHASTIC_SOLVERS
            and type(objective.data) is InMemoryData
            and least_norm_affordable(objective.n_samples, objective.n_features)
        )

    def _move_to_least_norm(self, objective, result):
        """The optimum of least Euclidean norm, as LinearRegression's, where the design is
        rank-deficient; the solver's where the move would raise the objective beyond
        rounding (a nearly singular direction that carries part of the fit)."""
        data = objective.data
        coef, intercept = objective.to_user(result.theta)
        coef = np.asarray(coef, dtype=np.float64).reshape(objective.n_features, -1)
        intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
        Y = np.asarray(data.Y, dtype=np.float64).reshape(objective.n_samples, -1)
        mu = objective.statistics.mean if self.fit_intercept else None
        moved = least_norm(data.X, Y, data.sample_weight, mu, coef, intercept)
        if moved is None or not all(np.all(np.isfinite(part)) for part in moved):
            return
        weights = data.sample_weight
        weights = np.ones(len(Y)) if weights is None else np.asarray(weights, np.float64)

        def objective_value(w, b):
            residual = Y - np.asarray(data.X @ w, dtype=np.float64) - b
            return 0.5 * float(weights @ (residual**2).sum(axis=1)) / weights.sum()

        spread = objective_value(np.zeros_like(coef), np.average(Y, axis=0, weights=weights))
        if not objective_value(*moved) <= objective_value(coef, intercept) + 1e-12 * spread:
            return
        dtype = data.dtype
        self._set_coefficients(moved[0].T.astype(dtype), moved[1].astype(dtype))

    def _set_coefficients(self, coef, intercept):
        if self._target_ndim == 1:
            self.coef_ = coef[0]
            self.intercept_ = intercept[0]
        else:
            self.coef_ = coef
            self.intercept_ = intercept

    @follows_input
    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The predicted values.
        """
        raw = self._raw_scores(X)
        return raw[:, 0] if self._target_ndim == 1 else raw

    def _score_raw(self, raw, y, sample_weight):
        return r2_score(y, raw[:, 0] if y.ndim == 1 else raw, sample_weight=sample_weight)


def _check_target_range(y):
    """A ValueError for a NumPy target whose largest magnitude is non-zero and outside
    :data:`sklinear._labels.TARGET_RANGE` (Dask and device targets are checked by their
    own seams, with :func:`~sklinear._labels.check_target_largest`)."""
    if not isinstance(y, np.ndarray) or y.size == 0 or y.dtype.kind not in "fiu":
        return
    with np.errstate(invalid="ignore"):
        check_target_largest(float(np.max(np.abs(y))))
