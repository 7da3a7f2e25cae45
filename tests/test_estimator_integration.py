"""The three estimators as scikit-learn citizens: fitted attributes, warnings and errors,
input handling, warm start, partial_fit, early stopping, verbose, model selection,
metadata routing, clone and pickle."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from _reference import model_objective
from scipy.special import softmax
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklinear._solvers
from sklinear import GDLinearRegressor, GDLogisticClassifier, PolyFeatures, SoftmaxClassifier
from sklinear._compat import InvalidParameterError

SCALES = np.array([1.0, 10.0, 100.0, 1e3, 1e4])


def make_data(kind, n_samples=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5)) * SCALES
    X = np.column_stack([X, 300.0 + rng.normal(size=n_samples)])
    w = rng.normal(size=(6, 3)) / np.r_[SCALES, 1.0][:, None]
    Z = (X - X.mean(axis=0)) @ w * 2
    if kind == "regression":
        return X, Z[:, 0] + 2 + 0.3 * rng.normal(size=n_samples)
    if kind == "binary":
        return X, (Z[:, 0] + rng.logistic(size=n_samples) > 0).astype(int)
    return X, np.argmax(Z - np.log(-np.log(rng.uniform(size=Z.shape))), axis=1)


ESTIMATORS = {
    "regressor": (GDLinearRegressor, "regression"),
    "logistic": (GDLogisticClassifier, "binary"),
    "logistic_ovr": (GDLogisticClassifier, "multiclass"),
    "softmax": (SoftmaxClassifier, "multiclass"),
}


# --- fitted attributes ----------------------------------------------------------------


# lbfgs is for smooth objectives only (no L1 part)
@pytest.mark.parametrize(
    "penalty, solver",
    [("l2", "auto"), ("l2", "gd"), ("l2", "lbfgs"), ("elasticnet", "auto"), ("elasticnet", "gd")],
)
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_loss_curve_is_the_objective_and_non_increasing(name, penalty, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    model = cls(penalty=penalty, alpha=0.01, solver=solver, tol=1e-8, max_iter=5000).fit(X, y)
    curve = np.asarray(model.loss_curve_)
    assert len(curve) == model.n_iter_ >= 1
    # the last entry is J at the returned coefficients
    np.testing.assert_allclose(curve[-1], model_objective(model, X, y), rtol=1e-9)
    if solver == "auto" and penalty == "elasticnet":
        # L-BFGS-B on split variables w = u - v decreases f + l1 . (u + v), an upper bound of
        # J(u - v) that is tight at the optimum; J itself may rise a little on the way.
        assert np.all(curve <= curve[0] * (1 + 1e-12))
        assert curve[-1] == curve.min() or np.isclose(curve[-1], curve.min(), rtol=1e-9)
        return
    # 'gd' keeps the iterate when momentum overshoots (restart), L-BFGS has a sufficient-decrease
    # line search: both never let J go up
    assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[:-1]))


@pytest.mark.parametrize("solver", ["auto", "gd"])
def test_loss_curve_last_entry_is_J_for_absolute_error(solver):
    X, y = make_data("regression")
    model = GDLinearRegressor(loss="absolute_error", solver=solver, alpha=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    np.testing.assert_allclose(model.loss_curve_[-1], model_objective(model, X, y), rtol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_loss_curve_has_one_entry_per_epoch(solver):
    X, y = make_data("regression")
    model = GDLinearRegressor(solver=solver, max_iter=7, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) == 7
    assert np.all(np.isfinite(model.loss_curve_))
    assert model.loss_curve_[-1] < model.loss_curve_[0]


@pytest.mark.parametrize(
    "cls, y_kind, coef_shape, intercept_shape, decision_shape",
    [
        (GDLinearRegressor, "1d", (6,), (), None),
        (GDLinearRegressor, "2d", (2, 6), (2,), None),
        (GDLogisticClassifier, "binary", (1, 6), (1,), (200,)),
        (GDLogisticClassifier, "multiclass", (3, 6), (3,), (200, 3)),
        (GDLogisticClassifier, "multilabel", (4, 6), (4,), (200, 4)),
        (SoftmaxClassifier, "binary", (1, 6), (1,), (200,)),
        (SoftmaxClassifier, "multiclass", (3, 6), (3,), (200, 3)),
    ],
)
def test_shapes(cls, y_kind, coef_shape, intercept_shape, decision_shape):
    X, y_reg = make_data("regression")
    rng = np.random.default_rng(1)
    y = {
        "1d": y_reg,
        "2d": np.column_stack([y_reg, -y_reg]),
        "binary": make_data("binary")[1],
        "multiclass": make_data("multiclass")[1],
        "multilabel": (rng.uniform(size=(200, 4)) < 0.4).astype(int),
    }[y_kind]
    model = cls().fit(X, y)
    assert model.coef_.shape == coef_shape
    assert np.shape(model.intercept_) == intercept_shape
    assert model.n_features_in_ == 6
    assert not hasattr(model, "feature_names_in_")
    if decision_shape is not None:
        assert model.decision_function(X).shape == decision_shape
        n_columns = 4 if y_kind == "multilabel" else len(model.classes_)
        assert model.predict_proba(X).shape == (200, n_columns)
    assert model.predict(X).shape == np.shape(y)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_dataframe_sets_feature_names(name):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    frame = pd.DataFrame(X, columns=[f"col_{i}" for i in range(6)])
    model = cls().fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        from_array = model.predict(X)
    np.testing.assert_allclose(model.predict(frame), from_array, rtol=1e-12)


# --- warnings and errors ----------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "lbfgs", "newton", "sgd", "adam"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_convergence_warning_names_max_iter(name, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    model = cls(solver=solver, max_iter=2, tol=1e-12, random_state=0)
    if solver == "newton" and kind == "regression":
        # one Newton step solves a least-squares problem: certified, no warning
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.fit(X, y)
        assert model.n_iter_ == 1 and model.dual_gap_ <= 1e-12 * abs(model.objective_)
        return
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(X, y)
    assert model.n_iter_ <= 2


def test_auto_solver_certifies_or_warns():
    """'auto' either returns a certified answer or says that it did not."""
    X, y = make_data("regression")
    model = GDLinearRegressor(max_iter=2, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)  # Newton on a small least-squares problem: one step
    assert model.dual_gap_ <= 1e-12 * abs(model.objective_)
    X, y = make_data("multiclass")
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SoftmaxClassifier(max_iter=1, tol=1e-12).fit(X, y)


@pytest.mark.parametrize("scale_predictors", [False, True])
def test_stalled_fit_warns_with_the_gap_and_advice_not_already_taken(scale_predictors):
    """A fit that stalls at machine precision short of tol (tol=1e-15 on separable
    classes) says so, with the gap and tol * |J| it reports, and advises
    scale_predictors=True only where it is not set already."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = GDLogisticClassifier(
        alpha=1e-9, tol=1e-15, solver="lbfgs", scale_predictors=scale_predictors
    )
    with pytest.warns(ConvergenceWarning, match="stopped at machine precision") as record:
        model.fit(X, y)
    (message,) = [str(w.message) for w in record if w.category is ConvergenceWarning]
    assert f"the duality gap {model.dual_gap_:.3g} is above tol * |J| = " in message
    assert f"{1e-15 * model.objective_:.3g}" in message
    assert model.dual_gap_ > 1e-15 * model.objective_
    assert ("set scale_predictors=True" in message) is not scale_predictors
    assert "loosen tol" in message and "raise alpha" in message


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_non_finite_loss_raises_naming_eta0(name, learning_rate):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    model = cls(solver="sgd", eta0=1e6, learning_rate=learning_rate, random_state=0, max_iter=50)
    with pytest.raises(ValueError, match="eta0"):
        model.fit(X, y)
    assert not hasattr(model, "coef_") or np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("name", ["regressor", "logistic", "softmax"])
def test_columns_whose_squares_overflow_are_named_not_a_linalg_error(name):
    """A finite column of about 1e154 has squares beyond float64: Newton's system (the
    solver 'auto' picks on a small problem) cannot be solved. The error is a ValueError that
    names the column and the remedy, not NumPy's LinAlgError."""
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=60)
    X = X[:, :3] * np.array([1.0, 1.0, 1e154]) / SCALES[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"column\(s\) 2 of X overflow.*Rescale"):
            cls(solver="newton").fit(X, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("name", ["regressor", "softmax"])
def test_non_finite_loss_from_huge_columns_blames_the_columns_not_eta0(name, method):
    """Columns of 1e300 make SGD's objective (or, in partial_fit, its coefficients in the
    user's space: intercept -inf) non-finite whatever the step size: the error names those
    columns and the remedy instead of 'decrease eta0', and nothing non-finite is stored."""
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=60)
    X = X[:, :3] / SCALES[:3] * np.array([1.0, 1e300, 1.0])
    model = cls(solver="sgd", random_state=0)
    kwargs = {"classes": np.unique(y)} if method == "partial_fit" and name != "regressor" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"column\(s\) 1 of X overflow") as raised:
            getattr(model, method)(X, y, **kwargs)
    assert "eta0" not in str(raised.value)
    if method == "partial_fit":  # the failed chunk left no trace: a chunk after it as anew
        X_fine = X / np.array([1.0, 1e300, 1.0])
        after = model.partial_fit(X_fine, y, **kwargs)
        fresh = cls(solver="sgd", random_state=0).partial_fit(X_fine, y, **kwargs)
        np.testing.assert_allclose(after.coef_, fresh.coef_, rtol=1e-12)
        np.testing.assert_allclose(after.intercept_, fresh.intercept_, rtol=1e-12)


@pytest.mark.parametrize(
    "cls, params, match",
    [
        (GDLinearRegressor, {"penalty": "l1"}, "penalty"),
        (GDLinearRegressor, {"penalty": "elasticnet"}, "penalty"),
        (GDLinearRegressor, {"loss": "absolute_error"}, "absolute_error"),
        (GDLogisticClassifier, {"penalty": "l1"}, "penalty"),
        (SoftmaxClassifier, {"penalty": "elasticnet"}, "penalty"),
    ],
)
def test_lbfgs_with_non_smooth_objective_raises(cls, params, match):
    X, y = make_data("regression" if cls is GDLinearRegressor else "binary")
    with pytest.raises(ValueError, match=match):
        cls(solver="lbfgs", **params).fit(X, y)


BAD_PARAMETERS = [
    ("penalty", "l3"),
    ("alpha", -1.0),
    ("l1_ratio", 1.5),
    ("solver", "newtonian"),
    ("max_iter", 0),
    ("tol", -1.0),
    ("batch_size", 0),
    ("learning_rate", "fast"),
    ("eta0", 0.0),
    ("momentum", 1.0),
    ("validation_fraction", 1.0),
    ("n_iter_no_change", 0),
    # values that used to crash deep in the code or pass silently
    ("fit_intercept", "no"),
    ("shuffle", "yes"),
    ("warm_start", "maybe"),
    ("early_stopping", "sometimes"),
    ("scale_predictors", "yes"),
    ("tol", np.inf),
    ("tol", np.nan),
    ("tol", "small"),
    ("alpha", np.inf),
    ("max_iter", 2.5),
    ("batch_size", "large"),
    ("n_jobs", 1.5),
    ("n_jobs", 0),  # joblib: "n_jobs == 0 has no meaning"; it was taken as None
    ("verbose", "loud"),
    ("random_state", "seed"),
]


@pytest.mark.parametrize("parameter, value", BAD_PARAMETERS)
@pytest.mark.parametrize("name", ["regressor", "logistic", "softmax"])
def test_invalid_parameters_raise_at_fit_not_init(name, parameter, value):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=30)
    model = cls(**{parameter: value})  # accepted by __init__ (clone / set_params contract)
    assert model.get_params()[parameter] is value
    # scikit-learn's message: the parameter, the class, what it must be, what it got
    expected = rf"The '{parameter}' parameter of {cls.__name__} must be .* Got .* instead"
    with pytest.raises(InvalidParameterError, match=expected):
        model.fit(X, y)


@pytest.mark.parametrize("parameter, value", [("shuffle", "yes"), ("tol", np.inf)])
def test_invalid_parameters_raise_in_partial_fit(parameter, value):
    X, y = make_data("regression", n_samples=30)
    model = GDLinearRegressor(solver="sgd", **{parameter: value})
    with pytest.raises(InvalidParameterError, match=f"The '{parameter}' parameter"):
        model.partial_fit(X, y)


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("fit_intercept", np.bool_(False)),
        ("tol", None),
        ("tol", 0),
        ("n_jobs", -1),
        ("n_jobs", None),
        ("verbose", False),
        ("batch_size", 1),
        ("momentum", 0.0),
        ("l1_ratio", 1),
    ],
)
def test_boundary_values_are_accepted(parameter, value):
    X, y = make_data("regression", n_samples=30)
    GDLinearRegressor(**{parameter: value}).fit(X, y)


def test_optimal_learning_rate_needs_a_penalty():
    """A cross-parameter check, done in fit: 1 / (alpha (t + t0)) with alpha = 0."""
    X, y = make_data("regression", n_samples=30)
    model = GDLinearRegressor(solver="sgd", learning_rate="optimal", penalty=None)
    with pytest.raises(ValueError, match="learning_rate='optimal' .* needs alpha > 0"):
        model.fit(X, y)


@pytest.mark.parametrize(
    "cls, parameter, value",
    [
        (GDLinearRegressor, "loss", "hinge"),
        (GDLinearRegressor, "epsilon", -1.0),
        (GDLinearRegressor, "epsilon", np.inf),
        (GDLinearRegressor, "loss", None),
        (GDLogisticClassifier, "threshold", 1.5),
        (SoftmaxClassifier, "temperature", -1.0),
        (SoftmaxClassifier, "temperature", 0.0),
        (SoftmaxClassifier, "temperature", "hot"),
        (GDLogisticClassifier, "threshold", -0.1),
    ],
)
def test_estimator_specific_invalid_parameters(cls, parameter, value):
    X, y = make_data("regression" if cls is GDLinearRegressor else "binary", n_samples=30)
    with pytest.raises(
        InvalidParameterError, match=f"The '{parameter}' parameter of {cls.__name__}"
    ):
        cls(**{parameter: value}).fit(X, y)


@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
@pytest.mark.parametrize("class_weight", ["heavy", [1.0, 2.0]])
def test_class_weight_invalid_raises(cls, class_weight):
    X, y = make_data("binary", n_samples=30)
    with pytest.raises(InvalidParameterError, match="'class_weight' parameter .*'balanced'"):
        cls(class_weight=class_weight).fit(X, y)


# --- input handling ---------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["auto", "gd", "sgd"])
@pytest.mark.parametrize("fmt", ["float64", "float32", "csr", "csc"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_input_is_never_modified(name, fmt, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=100)
    X = {
        "float64": lambda a: a.copy(),
        "float32": lambda a: a.astype(np.float32),
        "csr": sp.csr_matrix,
        "csc": sp.csc_matrix,
    }[fmt](X)
    weights = np.linspace(0.5, 2.0, len(y))
    X_before, y_before, w_before = X.copy(), y.copy(), weights.copy()
    model = cls(solver=solver, random_state=0, penalty="elasticnet", max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=weights)
    model.predict(X)
    if sp.issparse(X):
        assert X.format == X_before.format and (X != X_before).nnz == 0
    else:
        assert X.dtype == X_before.dtype
        np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weights, w_before)


@pytest.mark.parametrize("offset", [False, True], ids=["centred", "offset_column"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_float32_gives_float32_and_close_results(name, offset, float32_arithmetic):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    if not offset:
        X = X[:, :5]
    model64 = cls(alpha=0.01, tol=1e-6).fit(X, y)
    model32 = cls(alpha=0.01, tol=1e-6).fit(X.astype(np.float32), y)
    assert model32.coef_.dtype == np.float32
    assert np.asarray(model32.intercept_).dtype == np.float32
    std = X.std(axis=0)
    np.testing.assert_allclose(
        model32.coef_ * std, model64.coef_ * std, atol=1e-3 * np.abs(model64.coef_ * std).max()
    )
    # the objective at the float32 solution is close to the float64 optimum
    J64 = model_objective(model64, X, y)
    assert model_objective(model32, X, y) <= J64 * (1 + 1e-4)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("fit_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_scores_of_the_other_float_dtype_follow_numpy_promotion(name, fit_dtype, fmt):
    """float32 X against a float64 fit (or the reverse): the scores are those of
    scikit-learn's ``X @ coef_.T + intercept_`` -- float64 and exact in float64 (the float64
    coefficients were cast down to float32, which rounded the scores to float32: relative
    errors of 4e-7 in a float64 result), float32 only when both are float32. X is not
    modified."""
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=100)
    model = cls(alpha=0.01).fit(X.astype(fit_dtype), y)
    X_other = X.astype(np.float32 if fit_dtype == np.float64 else np.float64)
    X_before = X_other.copy()
    expected = X_other.astype(np.float64) @ np.atleast_2d(model.coef_).astype(
        np.float64
    ).T + np.asarray(model.intercept_, dtype=np.float64)
    X_in = sp.csr_matrix(X_other) if fmt == "csr" else X_other
    method = "predict" if kind == "regression" else "decision_function"
    scores = getattr(model, method)(X_in)
    assert scores.dtype == np.float64  # as LogisticRegression's decision_function
    scale = np.abs(expected).max()
    np.testing.assert_allclose(scores, expected.reshape(scores.shape), rtol=0, atol=1e-13 * scale)
    np.testing.assert_array_equal(X_other, X_before)
    if kind == "regression":
        return
    reference = LogisticRegression().fit(X.astype(fit_dtype), y)
    for method in ("decision_function", "predict_proba"):
        assert getattr(model, method)(X_in).dtype == getattr(reference, method)(X_in).dtype


# --- warm start, partial_fit, early stopping, verbose -------------------------------------


@pytest.mark.parametrize("solver", ["auto", "gd"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_warm_start(name, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    cold = cls(alpha=0.01, solver=solver, tol=1e-8, max_iter=5000).fit(X, y)
    warm = cls(alpha=0.1, solver=solver, tol=1e-8, max_iter=5000, warm_start=True).fit(X, y)
    warm.set_params(alpha=0.01).fit(X, y)
    # same optimum as a cold fit, reached from the previous solution
    np.testing.assert_allclose(model_objective(warm, X, y), model_objective(cold, X, y), rtol=1e-8)
    n_iter_cold = cold.n_iter_
    # refitting at the optimum takes far fewer iterations than starting cold
    warm.fit(X, y)
    assert warm.n_iter_ < n_iter_cold
    np.testing.assert_allclose(model_objective(warm, X, y), model_objective(cold, X, y), rtol=1e-8)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_without_warm_start_refit_starts_afresh(name):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    model = cls(alpha=0.01, tol=1e-8)
    first = model.fit(X, y).n_iter_
    assert model.fit(X, y).n_iter_ == first


def test_partial_fit_absent_for_full_batch_solvers():
    for solver in ("auto", "gd", "lbfgs"):
        model = GDLinearRegressor(solver=solver)
        assert not hasattr(model, "partial_fit")
        with pytest.raises(AttributeError, match="has no attribute .partial_fit."):
            _ = model.partial_fit
    assert hasattr(GDLinearRegressor(solver="sgd"), "partial_fit")
    assert hasattr(SoftmaxClassifier(solver="adam"), "partial_fit")


@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
def test_partial_fit_needs_classes_on_first_call(cls):
    X, y = make_data("multiclass")
    model = cls(solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X[:50], y[:50])
    model.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    model.partial_fit(X[50:100], y[50:100])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match=r"y contains labels \[.*7.*\] not in classes"):
        model.partial_fit(X[:10], np.full(10, 7))


def _bad_chunk(problem, X, y):
    X = X.copy()
    if problem == "nan":
        X[3, 1] = np.nan
    elif problem == "n_features":
        X = X[:, :-1]
    elif problem == "unseen_class":
        y = np.where(np.arange(len(y)) == 3, 7, y)
    elif problem == "overflow":  # validation passes, the epoch's coefficients overflow
        X[:, 1] = X[:, 1] / SCALES[1] * 1e300
    return X, y


_FAILED_CHUNKS = [
    (name, problem, first, solver)
    for name, problem in [
        ("regressor", "nan"),
        ("regressor", "n_features"),
        ("regressor", "overflow"),
        ("logistic", "unseen_class"),
        ("softmax", "unseen_class"),
        ("softmax", "overflow"),
    ]
    for first in ([False] if problem == "n_features" else [True, False])  # any count first
    for solver in (["sgd"] if problem == "overflow" else ["sgd", "adam"])  # Adam's steps: no
]


@pytest.mark.parametrize("name, problem, first, solver", _FAILED_CHUNKS)
def test_failed_partial_fit_chunk_leaves_no_trace(name, problem, first, solver):
    """A chunk that raises leaves the estimator as it was, as SGDClassifier's validation
    does: a first call that failed left classes_ and n_features_in_ behind (an estimator
    that check_is_fitted took for fitted, whose predict failed on the missing coef_), and
    a chunk whose coefficients overflowed left the solver's state rescaled to its columns
    (the next good chunk failed: 'decrease eta0'). The good chunks after it give exactly
    what they give without it."""
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=90)
    chunks = [(X[:30], y[:30]), (X[30:60], y[30:60]), (X[60:], y[60:])]
    kwargs = {} if kind == "regression" else {"classes": np.unique(y)}
    model = cls(solver=solver, random_state=0)
    reference = cls(solver=solver, random_state=0)
    good = chunks if first else chunks[1:]
    if not first:
        model.partial_fit(*chunks[0], **kwargs)
        reference.partial_fit(*chunks[0], **kwargs)
    attributes = set(vars(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError):
            model.partial_fit(*_bad_chunk(problem, *chunks[1]), **kwargs)
    assert set(vars(model)) == attributes
    if first:
        with pytest.raises(sklearn.exceptions.NotFittedError):
            model.predict(X)
    for chunk in good:
        model.partial_fit(*chunk, **kwargs)
        reference.partial_fit(*chunk, **kwargs)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    np.testing.assert_array_equal(model.intercept_, reference.intercept_)
    assert model.n_iter_ == reference.n_iter_ == len(model.loss_curve_)
    np.testing.assert_array_equal(model.loss_curve_, reference.loss_curve_)


# partial_fit over chunks: after 30 passes the objective is within 2e-2 relative of the
# full-batch optimum (each call is one epoch of the chunk, with the default schedules:
# looser than fit's 1e-3 because the steps are those of invscaling / Adam defaults).
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_partial_fit_chunks_approach_full_batch(name, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=600)
    full = cls(alpha=0.01, tol=1e-10, max_iter=10_000).fit(X, y)
    model = cls(alpha=0.01, solver=solver, eta0=0.05, learning_rate="adaptive", random_state=0)
    classes = None if kind == "regression" else np.unique(y)
    chunks = np.array_split(np.arange(len(y)), 5)
    J = []
    for _epoch in range(30):
        for rows in chunks:
            model.partial_fit(X[rows], y[rows], classes=classes)
        J.append(model_objective(model, X, y))
    assert model.n_iter_ == 150 == len(model.loss_curve_)
    J_opt = model_objective(full, X, y)
    assert J[-1] <= J_opt * (1 + 2e-2), (J[-1], J_opt)
    assert J[-1] < J[0]


@pytest.mark.parametrize(
    "cls, kind",
    [
        (GDLinearRegressor, "regression"),
        (GDLogisticClassifier, "binary"),
        (GDLogisticClassifier, "multiclass"),
        (SoftmaxClassifier, "binary"),
        (SoftmaxClassifier, "multiclass"),
    ],
)
def test_early_stopping_sets_validation_scores(cls, kind):
    X, y = make_data(kind, n_samples=400)
    model = cls(
        solver="adam", eta0=0.05, tol=1e-3, early_stopping=True, random_state=0, max_iter=500
    ).fit(X, y)
    scores = model.validation_scores_
    assert isinstance(scores, list) and len(scores) == model.n_iter_
    assert np.all(np.isfinite(scores))
    assert max(scores) > (0.5 if kind == "regression" else 0.6)
    # stopped because the score did not improve for n_iter_no_change epochs
    assert model.n_iter_ < 500
    assert cls().fit(X, y).validation_scores_ is None


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["auto", "gd", "lbfgs", "sgd", "adam"])
def test_verbose_prints_progress(capsys, solver):
    X, y = make_data("regression")
    GDLinearRegressor(solver=solver, verbose=1, random_state=0, max_iter=5).fit(X, y)
    out = capsys.readouterr().out
    assert "objective" in out and len(out.strip().splitlines()) >= 1
    GDLinearRegressor(solver=solver, verbose=0, random_state=0, max_iter=5).fit(X, y)
    assert capsys.readouterr().out == ""


# --- model selection, metadata routing, clone, pickle ----------------------------------


@pytest.mark.parametrize("scaler", [False, True], ids=["raw", "scaled"])
@pytest.mark.parametrize("name", ["regressor", "logistic_ovr", "softmax"])
def test_pipeline_in_grid_search(name, scaler):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=150)
    steps = [StandardScaler()] if scaler else []
    pipeline = make_pipeline(*steps, cls())
    step = pipeline.steps[-1][0]
    search = GridSearchCV(
        pipeline,
        {f"{step}__alpha": [1e-4, 1e-2, 1.0], f"{step}__penalty": ["l2", "l1"]},
        cv=KFold(4, shuffle=True, random_state=0),
    ).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 6
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > (0.5 if kind == "regression" else 0.6)
    assert search.predict(X).shape == y.shape


@pytest.fixture
def metadata_routing():
    sklearn.set_config(enable_metadata_routing=True)
    try:
        yield
    finally:
        sklearn.set_config(enable_metadata_routing=False)


@pytest.mark.parametrize("name", ["regressor", "logistic", "softmax"])
def test_sample_weight_routed_through_cross_validation(metadata_routing, name):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=150)
    weights = np.random.default_rng(2).uniform(0.1, 5.0, size=len(y))
    estimator = cls(alpha=0.01, tol=1e-8).set_fit_request(sample_weight=True)
    estimator.set_score_request(sample_weight=True)
    cv = KFold(3)
    routed = cross_validate(
        make_pipeline(estimator),
        X,
        y,
        cv=cv,
        params={"sample_weight": weights},
        return_estimator=True,
    )
    unweighted = cross_validate(
        make_pipeline(clone(estimator)), X, y, cv=cv, return_estimator=True
    )
    assert np.all(np.isfinite(routed["test_score"]))
    for (train, _), fitted_w, fitted_u in zip(
        cv.split(X), routed["estimator"], unweighted["estimator"], strict=True
    ):
        direct = cls(alpha=0.01, tol=1e-8).fit(X[train], y[train], sample_weight=weights[train])
        np.testing.assert_allclose(fitted_w[-1].coef_, direct.coef_, rtol=1e-10)
        assert not np.allclose(fitted_w[-1].coef_, fitted_u[-1].coef_, rtol=1e-3)


def test_sample_weight_routed_in_grid_search(metadata_routing):
    X, y = make_data("binary", n_samples=150)
    weights = np.random.default_rng(3).uniform(0.1, 5.0, size=len(y))
    estimator = GDLogisticClassifier(tol=1e-8).set_fit_request(sample_weight=True)
    estimator.set_score_request(sample_weight=True)
    search = GridSearchCV(estimator, {"alpha": [1e-3, 1e-1]}, cv=3)
    search.fit(X, y, sample_weight=weights)
    direct = GDLogisticClassifier(tol=1e-8, alpha=search.best_params_["alpha"])
    direct.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(search.best_estimator_.coef_, direct.coef_, rtol=1e-10)


def test_ridge_reference_through_grid_search_folds():
    """Each fold's fit is the Ridge optimum on that fold (alpha * n_fold_samples)."""
    X, y = make_data("regression", n_samples=120)
    search = GridSearchCV(
        GDLinearRegressor(tol=1e-10, max_iter=10_000),
        {"alpha": [0.1]},
        cv=KFold(3),
        return_train_score=True,
    ).fit(X, y)
    train = next(iter(KFold(3).split(X)))[0]
    ridge = Ridge(alpha=0.1 * len(train)).fit(X[train], y[train])
    expected = ridge.score(X[train], y[train])
    np.testing.assert_allclose(search.cv_results_["split0_train_score"][0], expected, rtol=1e-8)


@pytest.mark.parametrize("solver", ["auto", "sgd"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_clone_and_pickle_round_trip(name, solver):
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind)
    model = cls(solver=solver, alpha=0.01, random_state=0, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.coef_, model.coef_)
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "coef_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        twin.fit(X, y)
    np.testing.assert_allclose(twin.coef_, model.coef_, rtol=1e-12)
    # partial_fit continues after unpickling
    if solver == "sgd":
        classes = None if kind == "regression" else np.unique(y)
        restored.partial_fit(X, y, classes=classes)
        assert restored.n_iter_ == model.n_iter_ + 1


def test_logistic_regression_reference_in_cross_validation():
    """Fold by fold, the classifier's probabilities equal LogisticRegression's."""
    X, y = make_data("binary", n_samples=150)
    for train, test in KFold(3).split(X):
        ours = GDLogisticClassifier(alpha=0.01, tol=1e-10, max_iter=10_000)
        ours.fit(X[train], y[train])
        reference = LogisticRegression(
            C=1 / (0.01 * len(train)), solver="newton-cholesky", tol=1e-12
        ).fit(X[train], y[train])
        np.testing.assert_allclose(
            ours.predict_proba(X[test]), reference.predict_proba(X[test]), atol=1e-6
        )


# --- early stopping: which rows are held out, what is scored ----------------------------


def held_out_split(model, y, stratify):
    """The rows early stopping holds out, computed here from the documented seed logic: the
    split's seed is the first draw of ``check_random_state(random_state)``, then
    ``train_test_split(test_size=validation_fraction)``, stratified for classifiers."""
    seed = np.random.RandomState(model.random_state).randint(np.iinfo(np.int32).max)
    return train_test_split(
        np.arange(len(y)),
        test_size=model.validation_fraction,
        random_state=seed,
        stratify=y if stratify else None,
    )


def data_with_distinct_held_out_rows(kind, model, n_samples=200):
    """Data whose held-out rows follow another rule than the training rows: a regression
    target of opposite slope, or (classifiers) features of opposite sign, which leaves the
    labels, hence the stratified split, as they are. A fit that sees the held-out rows, or a
    validation score computed on the training rows, is then far from the right one."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n_samples, 3))
    coef = np.array([1.0, -2.0, 0.5])
    if kind == "regression":
        y = X @ coef + 1.0
        _, held = held_out_split(model, y, stratify=False)
        y[held] = -20 * (X[held] @ coef) + 30.0
        return X, y
    y = (X @ coef > 0).astype(int)
    if kind == "multiclass":
        y = y + 2 * (X[:, 2] > 0.7)
    _, held = held_out_split(model, y, stratify=True)
    X[held] *= -1
    return X, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize(
    "cls, kind",
    [
        (GDLinearRegressor, "regression"),
        (GDLogisticClassifier, "binary"),
        (SoftmaxClassifier, "multiclass"),
    ],
)
def test_validation_scores_are_computed_on_the_held_out_rows(cls, kind, solver):
    model = cls(solver=solver, early_stopping=True, random_state=3, max_iter=30)
    X, y = data_with_distinct_held_out_rows(kind, model)
    model.fit(X, y)
    train, held = held_out_split(model, y, stratify=kind != "regression")
    # the returned coefficients are those after the last epoch, scored on the held-out rows
    if kind == "regression":
        expected = r2_score(y[held], model.predict(X[held]))
        on_train = r2_score(y[train], model.predict(X[train]))
    else:
        expected = accuracy_score(y[held], model.predict(X[held]))
        on_train = accuracy_score(y[train], model.predict(X[train]))
    assert len(model.validation_scores_) == model.n_iter_
    np.testing.assert_allclose(model.validation_scores_[-1], expected, rtol=1e-10)
    assert abs(on_train - expected) > 0.2  # the test can tell the two apart


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping_trains_only_on_the_training_rows(solver):
    """The held-out rows (10 %) follow y = -20 x w + 30 and would drag every coefficient far
    off; a fit on the training rows alone recovers the noise-free w of the training rows."""
    model = GDLinearRegressor(
        solver=solver,
        early_stopping=True,
        n_iter_no_change=200,  # never stop early: run all epochs, converge on the train rows
        max_iter=200,
        learning_rate="adaptive",
        eta0=0.01,
        batch_size=16,
        alpha=1e-6,
        random_state=3,
    )
    X, y = data_with_distinct_held_out_rows("regression", model)
    train, _ = held_out_split(model, y, stratify=False)
    model.fit(X, y)
    on_train = Ridge(alpha=1e-6 * len(train)).fit(X[train], y[train])
    on_all = Ridge(alpha=1e-6 * len(y)).fit(X, y)
    assert np.max(np.abs(on_all.coef_ - on_train.coef_)) > 1.0  # the data can tell
    np.testing.assert_allclose(model.coef_, on_train.coef_, atol=0.05)
    np.testing.assert_allclose(model.intercept_, on_train.intercept_, atol=0.05)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_validation_scores_only_with_early_stopping_and_a_stochastic_solver(early_stopping):
    X, y = make_data("regression", n_samples=60)
    full_batch = GDLinearRegressor(early_stopping=early_stopping).fit(X, y)
    assert full_batch.validation_scores_ is None  # full batch: early_stopping has no effect
    # ... and it trains on every row: the same fit with and without the flag
    np.testing.assert_array_equal(full_batch.coef_, GDLinearRegressor().fit(X, y).coef_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_early_stopping_stops_exactly_n_iter_no_change_epochs_after_the_best(n_iter_no_change):
    """Steps too small to raise the validation R^2 by tol = 0.5: the first epoch sets the best
    score, the next n_iter_no_change epochs do not improve on it, and the fit stops."""
    X, y = make_data("regression", n_samples=80)
    model = GDLinearRegressor(
        solver="sgd",
        early_stopping=True,
        tol=0.5,
        eta0=1e-6,
        learning_rate="constant",
        n_iter_no_change=n_iter_no_change,
        random_state=0,
    ).fit(X, y)
    assert model.n_iter_ == 1 + n_iter_no_change
    assert len(model.validation_scores_) == 1 + n_iter_no_change


class _SpyRule:
    """Stands in for the update rule: records the learning rates and does not move."""

    def __init__(self):
        self.learning_rates = []

    def __call__(self, **options):
        return self

    def step(self, gradient, learning_rate, state):
        self.learning_rates.append(learning_rate)
        return np.zeros_like(gradient)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("learning_rate", ["invscaling", "optimal", "constant"])
def test_estimator_step_sizes_follow_the_documented_schedule(monkeypatch, learning_rate):
    """The step sizes a fit asks its update rule for, by hand: 'invscaling' eta0 / t ** 0.25,
    'optimal' 1 / (alpha (t + t0)) with t0 = 1 / (alpha eta0), 'constant' eta0; t counts
    mini-batch steps (here 40 rows in batches of 10: 4 per epoch, 3 epochs)."""
    spy = _SpyRule()
    monkeypatch.setattr(sklinear._solvers, "MomentumRule", spy)
    X, y = make_data("regression", n_samples=40)
    alpha, eta0 = 0.02, 0.3
    GDLinearRegressor(
        solver="sgd",
        alpha=alpha,
        eta0=eta0,
        learning_rate=learning_rate,
        batch_size=10,
        max_iter=3,
        tol=None,
        random_state=0,
    ).fit(X, y)
    t = np.arange(1, 13)
    expected = {
        "invscaling": eta0 / t**0.25,
        "optimal": 1 / (alpha * (t + 1 / (alpha * eta0))),
        "constant": np.full(12, eta0),
    }[learning_rate]
    np.testing.assert_allclose(spy.learning_rates, expected, rtol=1e-12)


# --- SoftmaxClassifier: centred intercepts ------------------------------------------------


def imbalanced_classes(n_classes, n_samples=240, seed=11):
    """Strongly unequal class frequencies, so the best constant scores (log frequencies)
    are far from centred."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    frequencies = np.geomspace(1, 12, n_classes)
    y = rng.choice(n_classes, size=n_samples, p=frequencies / frequencies.sum())
    X[:, 0] += y  # some signal
    return X, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"tol": 1e-10, "max_iter": 10_000},
        {"penalty": "l1", "alpha": 0.01},
        {"penalty": "elasticnet", "alpha": 0.01},
        {"penalty": None},
        {"solver": "gd"},
        {"solver": "sgd", "random_state": 0, "max_iter": 20},
    ],
    ids=["l2", "l1", "elasticnet", "none", "gd", "sgd"],
)
@pytest.mark.parametrize("n_classes", [3, 5])
def test_softmax_intercepts_are_centred_and_probabilities_unchanged(n_classes, params):
    """softmax(z) = softmax(z + c): SoftmaxClassifier returns the intercepts that sum to zero
    (as scikit-learn's multinomial LogisticRegression). Centring must not change the model:
    the probabilities are those of the uncentred optimum, checked here through J."""
    X, y = imbalanced_classes(n_classes)
    model = SoftmaxClassifier(**params).fit(X, y)
    scale = np.abs(model.intercept_).max()
    assert scale > 0
    np.testing.assert_allclose(model.intercept_.sum(), 0.0, atol=1e-12 * n_classes * scale)
    # probabilities = softmax of the scores, computed here
    Z = X @ model.coef_.T + model.intercept_
    np.testing.assert_allclose(model.predict_proba(X), softmax(Z, axis=1), rtol=1e-10)
    # and they are those of the optimum (centring shifts every score of a row alike)
    if "tol" in params:  # a tight L2 fit: compare with scikit-learn's
        alpha = 1e-4
        reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000)
        reference.fit(X, y)
        np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-4)


# --- input that is not numbers, labels that cannot be sorted ---------------------------------


@pytest.mark.parametrize(
    "column, dtype",
    [
        (np.array(["x", "y"] * 50), "str"),
        (pd.Categorical(["x", "y"] * 50), "category"),
        (pd.date_range("2020-01-01", periods=100), "datetime64"),
    ],
    ids=["text", "category", "dates"],
)
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_non_numeric_columns_name_the_columns_and_the_remedy(name, column, dtype):
    """A DataFrame with text, categories or dates fails in NumPy's conversion: the error
    names the columns and their dtypes and what to do, in fit and in predict."""
    X, y = make_data(ESTIMATORS[name][1], n_samples=100)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    bad = frame.assign(when=column)
    # the error's family is NumPy's (a TypeError for dates, a ValueError for text)
    with pytest.raises(
        (TypeError, ValueError),
        match=rf"1 non-numeric column\(s\): 'when' \({dtype}.*DummyEncoder",
    ):
        ESTIMATORS[name][0]().fit(bad, y)
    model = ESTIMATORS[name][0]().fit(frame.assign(when=1.0), y)
    with pytest.raises((TypeError, ValueError), match=r"'when' .*DummyEncoder"):
        model.predict(bad)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_non_numeric_polars_columns_are_named(name):
    """As for pandas: a polars DataFrame with a text column names it (polars' conversion
    said only 'could not convert string to float')."""
    pl = pytest.importorskip("polars")
    X, y = make_data(ESTIMATORS[name][1], n_samples=100)
    frame = pl.DataFrame({f"f{j}": X[:, j] for j in range(X.shape[1])})
    bad = frame.with_columns(pl.Series("when", ["x", "y"] * 50))
    with pytest.raises(ValueError, match=r"1 non-numeric column\(s\): 'when' \(String\)"):
        ESTIMATORS[name][0]().fit(bad, y)


@pytest.mark.parametrize(
    "make_X, message",
    [
        (lambda X: pd.DataFrame(index=range(len(X))), r"X has no columns \(shape \(100, 0\)\)"),
        (
            lambda X: [list(row) for row in X[:-1]] + [list(X[-1, :2])],
            r"rows of X have different lengths \(2 to 6 values\)",
        ),
        (
            lambda X: np.rec.fromarrays(X.T[:2], names="a,b").view(np.ndarray),
            r"X is a structured array \(fields a, b\)",
        ),
    ],
    ids=["no-columns", "ragged-rows", "structured"],
)
@pytest.mark.parametrize("name", [*ESTIMATORS, "PolyFeatures"])
def test_unusable_X_says_what_is_wrong_before_numpys_message(name, make_X, message):
    """A frame without columns, rows of different lengths and a structured array fail in
    NumPy's conversion ('at least one array or dtype is required', 'setting an array element
    with a sequence', 'Cannot cast'): the error says first what is wrong with X."""
    X, y = make_data(ESTIMATORS.get(name, ESTIMATORS["regressor"])[1], n_samples=100)
    model = PolyFeatures() if name == "PolyFeatures" else ESTIMATORS[name][0]()
    with pytest.raises((TypeError, ValueError), match=message):
        model.fit(make_X(X), y)


@pytest.mark.parametrize(
    "labels, message",
    [
        (
            np.array(["a", None] * 50, dtype=object),
            r"missing labels .* in 50 row\(s\), e\.g\. row\(s\) \[1, 3",
        ),
        (pd.array(["a", None] * 50, dtype="string"), r"missing labels .* in 50 row"),
        (np.array(["a", 1] * 50, dtype=object), r"mixes labels of types \['int', 'str'\]"),
    ],
    ids=["None", "pandas-NA", "mixed"],
)
@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
def test_labels_that_cannot_be_sorted_say_why(cls, labels, message):
    X, _ = make_data("binary", n_samples=100)
    with pytest.raises(TypeError, match=message):
        cls().fit(X, labels)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([1, "a"] * 50, dtype=object), r"mixes labels of types \['int', 'str'\]"),
        (np.array([None, "a"] * 50, dtype=object), r"missing labels .* in 50 row\(s\)"),
    ],
    ids=["mixed", "None"],
)
@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
def test_labels_whose_first_is_not_a_string_say_why(cls, labels, message):
    """scikit-learn calls an object y whose first label is not a string 'Unknown label
    type: unknown' and suggests a continuous target; the error says first which labels
    are the problem (and keeps scikit-learn's message after it)."""
    X, _ = make_data("binary", n_samples=100)
    with pytest.raises(ValueError, match=message + r".*Unknown label type"):
        cls().fit(X, labels)


@pytest.mark.parametrize("cls", [GDLogisticClassifier, SoftmaxClassifier])
@pytest.mark.parametrize("kind", ["int", "str", "bool"])
def test_fit_sorts_the_labels_once_and_keeps_no_state(monkeypatch, cls, kind):
    """The labels' unique values are computed once per fit (scikit-learn's check and the
    classes share them), the classes are those of the array fitted, and nothing of the
    shared computation is left on the estimator (a refit on other labels sees them)."""
    X, y = make_data("multiclass", n_samples=120)
    labels = {"int": y * 10 + 5, "str": np.array(["c", "a", "b"])[y], "bool": y > 0}[kind]
    calls = []
    unique = np.unique

    def counting_unique(*args, **kwargs):
        calls.append(1)
        return unique(*args, **kwargs)

    monkeypatch.setattr(np, "unique", counting_unique)
    model = cls(max_iter=5).fit(X, labels)
    assert len(calls) == 1
    np.testing.assert_array_equal(model.classes_, unique(labels))
    assert "_checked_labels" not in model.__dict__
    other = {"str": lambda: np.char.add(labels, "x"), "bool": lambda: ~labels}.get(
        kind, lambda: labels + 1
    )()
    model.fit(X, other)
    np.testing.assert_array_equal(model.classes_, unique(other))
    with pytest.raises(ValueError, match="classes must be passed"):
        cls(solver="sgd").partial_fit(X, labels)
    model = cls(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, labels)
    assert "_checked_labels" not in model.__dict__


def test_nan_labels_keep_scikit_learns_message():
    """scikit-learn's checks expect its own message for NaN in a float y."""
    X, y = make_data("binary", n_samples=100)
    y = y.astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        SoftmaxClassifier().fit(X, y)


@pytest.mark.parametrize("name", ["regressor", "softmax"])
def test_a_sparse_y_gets_scikit_learns_error(name):
    """A SciPy sparse y failed deep in NumPy ('setting an array element with a sequence')
    or as 'Unknown label type: unknown'; scikit-learn's SGDRegressor and LogisticRegression
    refuse it with this TypeError."""
    cls, kind = ESTIMATORS[name]
    X, y = make_data(kind, n_samples=50)
    with pytest.raises(TypeError, match="Sparse data was passed for y, but dense data"):
        cls().fit(X, sp.csr_matrix(y.reshape(-1, 1)))
