"""What the three gradient-descent estimators share: parameters, fit, partial_fit.

An estimator differs from the others only in its loss, its target encoding and its
predict methods (the hooks at the end of :class:`BaseGradientLinearModel`). ``fit`` validates
the data, builds a :class:`~sklinear._objective.LinearObjective` (over NumPy, Dask or Array
API data) and hands it to :func:`sklinear._fit.minimise`, which chooses and runs the solver;
the solver's coefficients come back in the user's feature space.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_non_negative

from .. import _array_api, _fit, _solvers
from .._compat import Interval, StrOptions, _check_sample_weight
from .._dask import fit_dask, is_dask_collection, route_dask_input
from .._data import single_threaded_blas
from .._fit import STOCHASTIC_SOLVERS
from .._labels import feature_problem, validate_numeric
from .._objective import (
    LinearObjective,
    merge_moments,
    rescale_solver_state,
    streaming_precondition,
)
from .._penalties import penalty_parameters
from . import _device

LEARNING_RATES = ("constant", "invscaling", "adaptive", "optimal")


def _scaled_to_maximum_one(weights):
    """``weights / max(weights)`` in float64; refuses weights that are all zero."""
    largest = weights.max()
    if not largest > 0:
        raise ValueError(
            "The sample weights (times the class weights) are all zero: at least one must "
            "be positive."
        )
    return weights / largest


def _overflow_problem(objective, otherwise=""):
    """Which columns' squares overflow float64 (their variance is infinite), as the start of
    a sentence; ``otherwise`` where none does or the moments are not at hand."""
    try:
        variance = np.asarray(objective.statistics.variance, dtype=np.float64)
    except Exception:  # noqa: BLE001 - the message goes without the columns
        return otherwise
    columns = np.flatnonzero(~np.isfinite(variance))
    if columns.size == 0:
        return otherwise
    shown = ", ".join(str(int(j)) for j in columns[:5])
    return (
        f"the squares of column(s) {shown}{' ...' if columns.size > 5 else ''} of X overflow "
        "float64 (values above about 1e150). "
    )


def _has_stochastic_solver(estimator):
    if estimator.solver not in STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit needs a stochastic solver; got solver={estimator.solver!r}. "
            "Use solver='sgd' or solver='adam'."
        )
    return True


class BaseGradientLinearModel(BaseEstimator):
    """Shared machinery; not a public estimator."""

    # Each estimator extends these with its own: {**Base._parameter_constraints, ...}.
    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, np.inf, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "gd", "lbfgs", "newton", "sgd", "adam"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [StrOptions({"auto"}), Interval(Real, 0, np.inf, closed="left"), None],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "eta0": [Interval(Real, 0, np.inf, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "average": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "scale_predictors": ["boolean"],
        # joblib's convention: 0 has no meaning (joblib raises), -2 is all cores but one
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
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
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.momentum = momentum
        self.average = average
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.scale_predictors = scale_predictors
        self.n_jobs = n_jobs

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        route_dask_input(cls)  # predict methods and score on Dask input: sklinear._dask

    # --- scikit-learn protocol ---------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the objective with the chosen solver.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i``; the data term is normalised by their sum.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask_collection(X, y, sample_weight):
            return fit_dask(self, X, y, sample_weight)  # X stays on the workers: sklinear._dask
        self.__dict__.pop("n_graphs_", None)  # set by Dask fits only
        self._validate_parameters()
        on_device = _array_api.dispatch_namespace(X) is not None
        if on_device:  # computed on X's device
            _device.check_fit_options(self, STOCHASTIC_SOLVERS)
            X, Y, sample_weight = _device.prepare_fit(self, X, y, sample_weight)
        else:
            y, sample_weight = _device.follow_X_on_host(X, y, sample_weight)
            X, y = self._validate_data(X, y, reset=True)
            Y = self._encode_target(y, fitting=True).astype(X.dtype, copy=False)
            sample_weight = self._sample_weight(X, y, sample_weight)
        Y = self._leave_out_weightless_classes(Y, sample_weight)
        self._check_solver()
        rng = check_random_state(self.random_state)
        validation = None
        if self.early_stopping and self.solver in STOCHASTIC_SOLVERS:
            X, Y, sample_weight, validation = self._split_validation(X, y, Y, sample_weight, rng)
        # One BLAS thread from the statistics pass to the stored coefficients (the passes use
        # their own threads): the p-sized products between them (the intercept's mean . w)
        # would wake idle BLAS threads, which costs milliseconds on a busy machine.
        with single_threaded_blas():
            objective = self._make_objective(X, Y, sample_weight)
            theta0 = self._initial_theta(objective)
            seed = rng.randint(np.iinfo(np.int32).max)
            curvature = self._curvature_memory(on_device)
            result = self._minimise(
                objective, theta0, validation, seed, state=None, curvature=curvature
            )
            self._moments = objective.statistics
            self._store(objective, result)
        self.validation_scores_ = list(result.validation_scores) if validation else None
        if not result.converged:
            self._warn_not_converged(result)
        return self

    @available_if(_has_stochastic_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of the stochastic solver over ``(X, y)`` (out-of-core learning).

        Available only with ``solver='sgd'`` or ``solver='adam'``. The preconditioning
        statistics (column means and scales) are running weighted moments over every chunk
        seen (and the data of a previous ``fit``); the optimiser's state is mapped to the
        updated scales.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of the training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        classes : array-like of shape (n_classes,), default=None
            Classifiers: every class, required on the first call (ignored by regressors).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of this chunk.

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._validate_parameters()
        if _array_api.dispatch_namespace(X) is not None:
            raise ValueError(
                "partial_fit does not support Array API inputs under array_api_dispatch; "
                "use fit(), or pass NumPy chunks."
            )
        # A chunk that fails (NaN, an unseen class, another feature count, non-finite
        # coefficients) leaves no trace: the next chunk goes on as if it had not been given.
        # The attributes are rebound, never changed in place (the solver's state is copied
        # before it is rescaled), so a shallow copy of them restores the estimator.
        before = dict(self.__dict__)
        try:
            self._partial_fit(X, y, classes, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _partial_fit(self, X, y, classes, sample_weight):
        first_call = not hasattr(self, "_precondition")
        # After a fit that left out classes of zero total weight (intercepts -inf, see
        # SoftmaxClassifier): every class is fitted again, from the start.
        restarted = getattr(self, "_fitted_classes", None) is not None
        if restarted:
            self._fitted_classes = None
            self.__dict__.pop("_moments", None)
        X, y = self._validate_data(X, y, reset=first_call)
        self._set_classes_for_partial_fit(y, classes, first_call)
        Y = self._encode_target(y, fitting=False).astype(X.dtype, copy=False)
        sample_weight = self._sample_weight(X, y, sample_weight, partial_fit=True)
        result, n_iter, curve = self._partial_fit_chunk(X, Y, sample_weight, first_call, restarted)
        self.n_iter_ = n_iter + result.n_iter
        self.loss_curve_ = [*curve, *result.loss_curve]
        self.validation_scores_ = None

    def _partial_fit_chunk(self, X, Y, sample_weight, first_call, restarted):
        """One epoch over a validated chunk: moments, preconditioner, solver, fitted
        attributes; returns the solver's result and the iteration count and loss curve
        before it."""
        with single_threaded_blas():  # as in fit
            # The preconditioner follows running weighted moments over every chunk seen, so a
            # feature that is constant (or absent) in the first chunks stays well scaled later.
            chunk = self._make_objective(X, Y, sample_weight).statistics
            self._moments = merge_moments(getattr(self, "_moments", None), chunk)
            alpha, l1_ratio = self._penalty_parameters()
            precondition = streaming_precondition(
                self._moments,
                alpha * (1.0 - l1_ratio),
                self.scale_predictors,
                rounded=self.solver == "sgd",
            )
            objective = self._make_objective(X, Y, sample_weight, precondition=precondition)
            if first_call or not hasattr(self, "coef_") or restarted:
                theta0 = objective.initial_theta()
                n_iter, curve, state = 0, [], {}
            else:
                theta0 = objective.from_user(*self._user_coefficients())
                n_iter, curve = self.n_iter_, self.loss_curve_
                state = copy.deepcopy(self._solver_state)  # the stored one stays as it was
                rescale_solver_state(
                    state,
                    self._precondition[1],
                    objective.scale,
                    objective,
                    old_mean=self._precondition[0],
                )
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max) + n_iter
            result = self._minimise(objective, theta0, None, seed, state=state, epochs=1)
            self._store(objective, result)
        return result, n_iter, curve

    # --- steps of fit ------------------------------------------------------------------
    def _validate_parameters(self):
        """Check every parameter against ``_parameter_constraints``, then their combinations.

        Raises scikit-learn's ``InvalidParameterError`` (a ``ValueError`` and ``TypeError``)
        naming the parameter, what it must be and what it got.
        """
        self._validate_params()
        if (
            self.learning_rate == "optimal"
            and self.solver in STOCHASTIC_SOLVERS
            and self._penalty_parameters()[0] == 0
        ):
            raise ValueError(
                f"learning_rate='optimal' steps by 1 / (alpha (t + t0)), so it needs alpha > 0 "
                f"and a penalty; got alpha={self.alpha!r} and penalty={self.penalty!r}. "
                "Set alpha > 0 or use learning_rate='invscaling'."
            )

    def _validate_data(self, X, y, reset):
        if sp.issparse(y):
            y = self._dense_target(y)
        return validate_numeric(
            self,
            X,
            y,
            problem=lambda error: self._input_problem(X, y, error),
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=False,
        )

    def _dense_target(self, y):
        """A SciPy sparse ``y`` as a dense array, where the estimator takes one (a multilabel
        indicator matrix); here refused with scikit-learn's error (SGDRegressor's, Ridge's)."""
        raise TypeError(
            "Sparse data was passed for y, but dense data is required. Use '.toarray()' to "
            "convert to a dense numpy array."
        )

    def _input_problem(self, X, y, error):
        """What makes ``(X, y)`` unusable when their validation failed with ``error``, or
        None (``error`` then stands)."""
        return feature_problem(X)

    def _sample_weight(self, X, y, sample_weight, *, partial_fit=False):
        """The weights ``s_i`` the objective sees: sample weights times class weights.

        The sample weights are validated in float64 with scikit-learn's checks and messages
        (shape, NaN, infinity, negative values, all zero). The product with the class
        weights is divided by its maximum, in float64, and only then cast to the dtype of
        ``X``: the objective is normalised by ``sum(s)``, so this changes nothing in the
        fit, and weights of any scale (``1e40`` or ``1e-45`` with float32 ``X``) stay
        representable. ``partial_fit`` tells the class weights they are for one chunk.
        Returns None when every weight is one.
        """
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            check_non_negative(sample_weight, "`sample_weight`")
            sample_weight = _scaled_to_maximum_one(sample_weight)
        class_weight = self._class_weights(y, sample_weight, partial_fit=partial_fit)
        if class_weight is not None:
            sample_weight = class_weight if sample_weight is None else sample_weight * class_weight
            sample_weight = _scaled_to_maximum_one(sample_weight)
        if sample_weight is None:
            return None
        return sample_weight.astype(X.dtype, copy=False)

    def _class_weights(self, y, sample_weight, *, partial_fit=False):
        """Per-sample class weights (classifiers); None for regressors."""
        return None

    def _penalty_parameters(self):
        return penalty_parameters(self.penalty, self.alpha, self.l1_ratio)

    def _make_objective(self, X, Y, sample_weight, precondition=None, data=None):
        """The objective of this estimator on ``(X, Y)``; ``precondition`` from a first fit.

        ``data`` (a :mod:`sklinear._data` seam object, e.g. Dask data) replaces X, Y and the
        weights.
        """
        alpha, l1_ratio = self._penalty_parameters()
        mean, scale, factor = precondition if precondition is not None else (None, None, None)
        loss = self._make_loss()
        return LinearObjective(
            X,
            Y,
            loss,
            alpha,
            l1_ratio,
            sample_weight=sample_weight,
            fit_intercept=self.fit_intercept,
            mean=mean,
            scale=scale,
            factor=factor,
            scale_predictors=self.scale_predictors,
            rounded_scale=self.solver == "sgd",
            n_jobs=self.n_jobs,
            data=(
                data
                if data is not None
                else _device.data_for(self, X, Y, sample_weight, loss, STOCHASTIC_SOLVERS)
            ),
        )

    def _check_solver(self):
        """'lbfgs' and 'newton' need a smooth objective."""
        loss_smooth = self._make_loss().smooth
        alpha, l1_ratio = self._penalty_parameters()
        penalty_smooth = l1_ratio == 0 or alpha == 0
        if self.solver in ("lbfgs", "newton") and not (loss_smooth and penalty_smooth):
            raise ValueError(
                f"solver={self.solver!r} needs a smooth objective, but "
                + ("loss='absolute_error'" if not loss_smooth else f"penalty={self.penalty!r}")
                + " is not differentiable. Use solver='auto' or 'gd' (proximal gradient)."
            )

    def _initial_theta(self, objective):
        """The solver's start: the last fit's coefficients with ``warm_start`` (those of the
        classes fitted now, if finite), else the objective's own start."""
        if self.warm_start and hasattr(self, "coef_"):
            coef, intercept = self._user_coefficients()
            kept = getattr(self, "_fitted_classes", None)
            if kept is not None and coef.shape[1] == len(getattr(self, "classes_", ())):
                coef, intercept = coef[:, kept], intercept[kept]
            if (
                coef.shape == (objective.n_features, objective.n_outputs)
                and np.all(np.isfinite(coef))
                and np.all(np.isfinite(intercept))
            ):
                return objective.from_user(coef, intercept)
        return objective.initial_theta()

    def _leave_out_weightless_classes(self, Y, sample_weight):
        """``Y`` without the columns of the classes ``_classes_to_fit`` leaves out (classes
        of zero total weight, SoftmaxClassifier); records them in ``_fitted_classes``."""
        # without weights every class present in y weighs something
        kept = self._record_fitted_classes(
            None if sample_weight is None else lambda: _device.column_totals(Y, sample_weight)
        )
        return Y if kept is None else _device.take_columns(Y, kept)

    def _record_fitted_classes(self, class_totals):
        """``_classes_to_fit(class_totals)`` (None where ``class_totals`` is: no class can
        weigh zero), kept in ``_fitted_classes`` for the fitted attributes and warm starts;
        the in-memory, device and Dask fits all decide here."""
        kept = None if class_totals is None else self._classes_to_fit(class_totals)
        self._fitted_classes = kept
        return kept

    def _classes_to_fit(self, class_totals):
        """The indices of the classes (columns of ``Y``) to fit, or None for all of them;
        ``class_totals()`` gives each column's total weight. Regressors fit every output."""
        return None

    def _split_validation(self, X, y, Y, sample_weight, rng):
        stratify = y if self._stratify_validation(y) else None
        indices = np.arange(X.shape[0])
        train, held_out = train_test_split(
            indices,
            test_size=self.validation_fraction,
            random_state=rng.randint(np.iinfo(np.int32).max),
            stratify=stratify,
        )
        if len(train) < 1 or len(held_out) < 1:
            raise ValueError(
                f"early_stopping needs at least one training and one validation sample; "
                f"got {X.shape[0]} samples and validation_fraction={self.validation_fraction}."
            )
        weights_held_out = None if sample_weight is None else sample_weight[held_out]
        validation = (X[held_out], y[held_out], weights_held_out)
        weights_train = None if sample_weight is None else sample_weight[train]
        return X[train], Y[train], weights_train, validation

    def _stratify_validation(self, y):
        return False

    def _curvature_memory(self, on_device):
        """The Hessian kept between fits (:class:`~sklinear._fit.CurvatureMemory`) with
        ``warm_start=True`` on NumPy / SciPy data; None (and any kept one dropped)
        otherwise."""
        if not self.warm_start or on_device:
            self.__dict__.pop("_curvature", None)
            return None
        if getattr(self, "_curvature", None) is None:
            self._curvature = _fit.CurvatureMemory()
        return self._curvature

    def _minimise(self, objective, theta0, validation, seed, state, epochs=None, curvature=None):
        """Run the solver (see :mod:`sklinear._fit`); a non-finite objective is a ValueError.

        ``curvature``: the :class:`~sklinear._fit.CurvatureMemory` of a warm-started fit.
        """
        options = None
        if self.solver in STOCHASTIC_SOLVERS:
            validation_score = None
            if validation is not None:
                X_val, y_val, weights_val = validation

                def validation_score(theta):
                    raw = objective.raw_prediction(theta, X_val)
                    return self._score_raw(raw.reshape(len(raw), -1), y_val, weights_val)

            options = {
                "batch_size": self.batch_size,
                "learning_rate": self.learning_rate,
                "eta0": self.eta0,
                "momentum": self.momentum,
                "average": self.average,
                "n_iter_no_change": self.n_iter_no_change,
                "shuffle": self.shuffle,
                "seed": seed,
                "validation_score": validation_score,
                "state": state,
                "epochs": epochs,
            }
        try:
            # One BLAS thread for the whole fit (the passes use their own thread pool): small
            # BLAS calls between evaluations (L-BFGS-B's own, the p-sized work) would
            # otherwise wake a sleeping BLAS thread each time.
            with single_threaded_blas():
                return _fit.minimise(
                    objective,
                    theta0,
                    self.solver,
                    max_iter=self.max_iter,
                    tol=self._tolerance(),
                    verbose=self.verbose,
                    stochastic_options=options,
                    curvature=curvature,
                )
        except _solvers.NonFiniteObjectiveError as error:
            overflow = _overflow_problem(objective)
            if overflow:  # the data, not the step size
                remedy = f"{overflow}Rescale them (e.g. StandardScaler in a Pipeline)"
            elif self.solver in STOCHASTIC_SOLVERS:
                remedy = (
                    f"the step size is too large: decrease eta0 (currently {self.eta0}) "
                    "or use learning_rate='adaptive'"
                )
            else:
                remedy = "check X and y for infinite or extremely large values"
            raise ValueError(
                f"The objective {error.what} at iteration {error.iteration} "
                f"of solver={self.solver!r}: {remedy}."
            ) from None
        except np.linalg.LinAlgError as error:
            # A linear system of the solver (Newton's) that no factorisation solves: its
            # entries overflowed, which only data of extreme scale does (X and y are finite).
            overflow = _overflow_problem(objective, "the data's scale overflows float64. ")
            raise ValueError(
                f"solver={self.solver!r} could not solve its linear system ({error}): "
                f"{overflow}Rescale the columns (e.g. StandardScaler in a Pipeline) or use "
                "solver='lbfgs'."
            ) from None

    def _store(self, objective, result):
        """Fitted attributes from a solver result, in the user's feature space."""
        coef, intercept = objective.to_user(result.theta)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            # A finite objective in the solver's scaled space, but coefficients beyond float64
            # in the user's (a column of 1e200 in a partial_fit chunk): refused, not stored.
            overflow = _overflow_problem(objective, "the data's scale overflows float64. ")
            raise ValueError(
                f"The fitted coefficients of solver={self.solver!r} are not finite: {overflow}"
                "Rescale the columns (e.g. StandardScaler in a Pipeline)."
            )
        dtype = objective.data.dtype
        self._set_coefficients(coef.T.astype(dtype), np.asarray(intercept, dtype=dtype))
        _device.store_fitted(self, objective.data)
        self._precondition = (objective.mean, objective.scale, objective.factor)
        self._solver_state = result.state
        self.n_iter_ = result.n_iter
        self.loss_curve_ = list(result.loss_curve)
        self.objective_ = float(result.objective)
        self.dual_gap_ = None if result.dual_gap is None else float(result.dual_gap)

    def _tolerance(self):
        """``tol`` with 'auto' resolved: 1e-4 (full batch), 1e-3 (stochastic, as SGD)."""
        if isinstance(self.tol, str):
            return 1e-3 if self.solver in STOCHASTIC_SOLVERS else 1e-4
        return self.tol

    def _warn_not_converged(self, result):
        message = _fit.convergence_message(
            type(self).__name__,
            self.solver,
            self.max_iter,
            self.tol,
            self._tolerance(),
            result,
            scale_predictors=self.scale_predictors,
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=3)

    # --- prediction helpers -----------------------------------------------------------
    def _raw_scores(self, X):
        """Scores ``X @ coef_.T + intercept_``, of shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        if _array_api.dispatch_namespace(X) is not None:  # products on X's device
            return _device.raw_scores(self, X)
        X = validate_numeric(
            self, X, reset=False, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
        coef, intercept = self._user_coefficients()
        # In the wider of the two dtypes, as scikit-learn's ``X @ coef_.T``: float32 ``X``
        # against a float64 fit is scored exactly in float64 (casting ``coef_`` down to
        # float32 rounded the scores to float32 in a float64 result).
        raw = X @ coef.astype(np.result_type(X.dtype, coef.dtype), copy=False)
        if sp.issparse(raw):
            raw = raw.toarray()
        return np.asarray(raw) + intercept

    # --- hooks each estimator fills in ------------------------------------------------
    def _make_loss(self):
        raise NotImplementedError

    def _encode_target(self, y, fitting):
        """Encode ``y`` for the loss; when ``fitting``, learn classes / output count."""
        raise NotImplementedError

    def _set_classes_for_partial_fit(self, y, classes, first_call):
        """Classifiers check and set ``classes_`` on the first ``partial_fit`` call."""

    def _set_coefficients(self, coef, intercept):
        """Store ``coef`` (n_outputs, n_features) and ``intercept`` (n_outputs,)."""
        raise NotImplementedError

    def _user_coefficients(self):
        """``coef`` as (n_features, n_outputs) and ``intercept`` as (n_outputs,)."""
        coef_, intercept_ = _device.host_coefficients(self)
        return np.atleast_2d(coef_).T, np.atleast_1d(intercept_)

    def _score_raw(self, raw, y, sample_weight):
        """The estimator's score from raw scores (early stopping)."""
        raise NotImplementedError
