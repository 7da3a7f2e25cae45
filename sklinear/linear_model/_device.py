"""What the estimators do with Array API inputs under ``array_api_dispatch``.

The hooks of :class:`~sklinear.linear_model._base.BaseGradientLinearModel` and of the public
prediction methods: validation of ``X`` in its own namespace, targets and weights moved to
``X``'s device ("everything follows X") and encoded there, the fitted coefficients moved to
the device, and prediction outputs moved back to ``X``'s namespace and device. The data
seam itself is :class:`sklinear._array_api.ArrayAPIData`.
"""

import functools
import threading

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.multiclass import check_classification_targets

from .._array_api import (
    ArrayAPIData,
    all_finite,
    check_fit_namespace,
    device,
    dispatch_enabled,
    is_foreign_array,
    move_to,
    namespace,
    namespace_name,
    numpy_dtype,
    record_n_features,
    to_numpy,
)
from .._labels import check_target_largest, not_an_indicator, ravel_label_column


def _refuse_complex(array, what, name):
    """As on NumPy input: complex values are refused, not cast to their real part."""
    if is_foreign_array(array):
        dtype = array.dtype
        real = namespace(array).isdtype(dtype, ("real floating", "integral", "bool"))
    else:  # a NumPy array, a list, a scalar
        dtype = np.asarray(array).dtype
        real = dtype.kind != "c"
    if not real:
        raise ValueError(
            f"Complex data not supported: {what} has dtype {dtype}; {name} needs real numbers."
        )


def _validate_X(estimator, X, reset):
    """Check ``X`` in its own namespace: 2-d, floating (else float64), finite, feature count."""
    xp = namespace(X)
    name = type(estimator).__name__
    if str(device(X)) == "meta":
        raise ValueError(
            f"X is on PyTorch's 'meta' device, which holds shapes but no values: {name} "
            "needs the data. Create X on a device that holds it (e.g. 'cpu' or 'cuda')."
        )
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array for X, got a {X.ndim}D array of shape {tuple(X.shape)} "
            f"({namespace_name(X)}): reshape it to (n_samples, n_features)."
        )
    if X.dtype not in (xp.float32, xp.float64):
        _refuse_complex(X, "X", name)
        X = xp.astype(X, xp.float64)
    n_samples, n_features = X.shape
    if n_samples < 1 or n_features < 1:
        raise ValueError(
            f"Found array with {n_samples} sample(s) and {n_features} feature(s) (shape="
            f"{tuple(X.shape)}) while a minimum of 1 is required by {name}."
        )
    if not all_finite(xp, X):
        raise ValueError(f"Input X contains NaN or infinity; {name} needs finite values.")
    record_n_features(estimator, n_features, reset=reset)
    return X


def _encode_labels(estimator, y, xp, device_, n_samples):
    """Classifier targets on the device: ``classes_`` on the host, ``Y`` on the device.

    The distinct labels go to the host, where the estimator's own ``_encode_target``
    encodes them (it sets ``classes_`` and checks them); each row of ``Y`` is the row of
    that table for its label, gathered on the device.
    """
    y = ravel_label_column(estimator, y, stacklevel=4)
    if y.ndim == 2:
        y = move_to(y, xp, device_)
        if not bool(xp.all((y == 0) | (y == 1))):
            raise not_an_indicator(y, "other values")
        estimator._encode_target(np.zeros((0, y.shape[1])), fitting=True)
        return y, None
    if is_foreign_array(y) or np.asarray(y).dtype.kind in "biuf":
        y = move_to(y if is_foreign_array(y) else np.asarray(y), xp, device_)
        boolean = y.dtype == xp.bool
        # sort and searchsorted take numbers only: boolean labels are ranked as 0 / 1
        labels = xp.astype(y, xp.int8) if boolean else y
        classes = xp.sort(xp.unique_values(labels))
        index = xp.searchsorted(classes, labels)
        classes = to_numpy(classes)
        if boolean:
            classes = classes.astype(bool)
    else:  # labels no Array API library holds (strings, objects): encoded on the host
        try:
            classes, index = np.unique(np.asarray(y), return_inverse=True)
        except TypeError as error:  # None among strings, mixed types: said as on NumPy
            estimator._raise_label_problem(np.asarray(y), error)
        index = xp.asarray(index.astype(np.int64), device=device_)
    check_classification_targets(classes)
    table = np.asarray(estimator._encode_target(classes, fitting=True), dtype=np.float64)
    return y, (table, index)


def prepare_fit(estimator, X, y, sample_weight):
    """Validated ``X``, encoded targets ``Y`` and weights, all in ``X``'s namespace and device.

    "Everything follows X": ``y`` and ``sample_weight`` are moved to ``X``'s namespace and
    device. Sets ``n_features_in_`` and the estimator's target state (``classes_``, ...).
    """
    X = _validate_X(estimator, X, reset=True)
    xp, device_ = namespace(X), device(X)
    n_samples = X.shape[0]
    dtype = numpy_dtype(X.dtype)
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but y is None.")
    if not (is_foreign_array(y) or isinstance(y, np.ndarray)):
        y = np.asarray(y)
    if y.shape[0] != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {y.shape[0]}]."
        )
    _refuse_complex(y, "y", type(estimator).__name__)
    if is_classifier(estimator):
        y, encoding = _encode_labels(estimator, y, xp, device_, n_samples)
        if encoding is None:
            Y = xp.astype(y, X.dtype)
        else:
            table, index = encoding
            Y = xp.take(xp.asarray(table.astype(dtype), device=device_), index, axis=0)
    else:
        if not is_foreign_array(y) and y.dtype.kind not in "biuf":
            raise ValueError(
                f"{type(estimator).__name__} needs a numeric target; got values of dtype "
                f"{y.dtype}. For class labels use GDLogisticClassifier or SoftmaxClassifier."
            )
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError("y has no target columns.")
        y = move_to(y, xp, device_)
        if not xp.isdtype(y.dtype, "bool"):
            # the in-memory range check, on y before its cast to X's dtype
            with np.errstate(invalid="ignore"):  # NumPy-backed namespaces
                check_target_largest(float(xp.max(xp.abs(y))))
        Y = xp.astype(y, X.dtype)
        if not bool(xp.all(xp.isfinite(Y))):
            raise ValueError("Input y contains NaN or infinity.")
        estimator._encode_target(np.zeros((0, *tuple(y.shape[1:]))), fitting=True)
    weights = _sample_weight(estimator, y, sample_weight, xp, device_, n_samples)
    if weights is not None:
        weights = xp.astype(weights, X.dtype)
    return X, Y, weights


def _sample_weight(estimator, y, sample_weight, xp, device_, n_samples):
    """Checked sample weights times class weights, float64 on the device (None: all 1)."""
    if sample_weight is not None:
        _refuse_complex(sample_weight, "sample_weight", type(estimator).__name__)
        if np.isscalar(sample_weight):
            sample_weight = np.full(n_samples, float(sample_weight))
        elif not is_foreign_array(sample_weight):
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        sample_weight = xp.astype(move_to(sample_weight, xp, device_), xp.float64)
        if tuple(sample_weight.shape) != (n_samples,):
            raise ValueError(
                f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
                f"{(n_samples,)}: pass one weight per sample."
            )
        if not bool(xp.all(xp.isfinite(sample_weight) & (sample_weight >= 0))):
            raise ValueError("sample_weight must be finite and non-negative.")
        sample_weight = _scaled_to_maximum_one(xp, sample_weight)
    if getattr(estimator, "class_weight", None) is not None:
        # Class weights need the labels on the host (n values, once per fit).
        host_weights = to_numpy(sample_weight)
        class_weight = estimator._class_weights(to_numpy(y), host_weights)
        sample_weight = move_to(
            class_weight if host_weights is None else host_weights * class_weight, xp, device_
        )
        sample_weight = _scaled_to_maximum_one(xp, sample_weight)
    if sample_weight is not None and not float(xp.sum(sample_weight)) > 0:
        raise ValueError("sample_weight sums to zero: at least one weight must be positive.")
    return sample_weight


def _scaled_to_maximum_one(xp, weights):
    """``weights / max(weights)`` (float64), as the NumPy fit scales them: the objective is
    normalised by their sum, so the fit does not change, and weights of any scale (1e306,
    5e-324, 1e40 with float32 ``X``) stay representable in ``X``'s dtype and in the sums.
    Weights that are all zero are left for the caller's check."""
    largest = float(xp.max(weights))
    return weights / largest if largest > 0 else weights


def column_totals(Y, weights):
    """``weights @ Y`` as a NumPy float64 vector: each column's total weight."""
    if isinstance(Y, np.ndarray):
        return np.asarray(weights, dtype=np.float64) @ Y
    xp = namespace(Y)
    return to_numpy(xp.sum(xp.astype(Y, xp.float64) * weights[:, None], axis=0))


def take_columns(Y, columns):
    """The ``columns`` (host indices) of ``Y``, in ``Y``'s namespace and device."""
    if isinstance(Y, np.ndarray):
        return Y[:, columns]
    xp = namespace(Y)
    return xp.take(Y, xp.asarray(np.asarray(columns), device=device(Y)), axis=1)


def check_fit_options(estimator, stochastic_solvers):
    """Options the device path does not support raise a clear error."""
    if estimator.early_stopping and estimator.solver in stochastic_solvers:
        raise ValueError(
            f"{type(estimator).__name__}: early_stopping=True with solver="
            f"{estimator.solver!r} is not supported for Array API inputs under "
            "array_api_dispatch; fit NumPy arrays, or set early_stopping=False."
        )


def data_for(estimator, X, Y, sample_weight, loss, stochastic_solvers):
    """:class:`ArrayAPIData` for device arrays, None for NumPy / SciPy data."""
    if not is_foreign_array(X):
        return None
    host_targets = estimator.solver in stochastic_solvers or not hasattr(
        loss, "baseline_from_mean"
    )
    return ArrayAPIData(X, Y, sample_weight, host_targets=host_targets)


def store_fitted(estimator, data):
    """Move the fitted coefficients to the data's namespace and device (device fits).

    The host copies stay in ``_array_api_fit`` for the host-side prediction code; for a
    NumPy fit ``_array_api_fit`` is None and nothing moves.
    """
    if not isinstance(data, ArrayAPIData):
        estimator._array_api_fit = None
        return
    coef, intercept = estimator.coef_, estimator.intercept_
    estimator._array_api_fit = {
        "namespace": namespace_name(data.X),
        "device": str(data.device),
        "coef": coef,
        "intercept": intercept,
    }
    estimator.coef_ = move_to(np.asarray(coef), data.xp, data.device)
    estimator.intercept_ = move_to(np.asarray(intercept), data.xp, data.device)


def host_coefficients(estimator):
    """``(coef_, intercept_)`` as NumPy arrays, whatever device they were fitted on."""
    record = getattr(estimator, "_array_api_fit", None)
    if record is None:
        return estimator.coef_, estimator.intercept_
    return record["coef"], record["intercept"]


def raw_scores(estimator, X):
    """Raw scores of device ``X`` computed on its device, returned on the host (n, K)."""
    X = _validate_X(estimator, X, reset=False)
    xp = namespace(X)
    coef, intercept = host_coefficients(estimator)
    coef = np.atleast_2d(coef).T.astype(numpy_dtype(X.dtype))
    intercept = np.atleast_1d(intercept).astype(coef.dtype)
    coef = xp.asarray(np.ascontiguousarray(coef), device=device(X))
    return to_numpy(X @ coef) + intercept


_STATE = threading.local()


def _check_same_namespace(estimator, X, method_name):
    """Under dispatch, ``X`` must be in the namespace and on the device of the fit."""
    record = getattr(estimator, "_array_api_fit", None)
    if record is None:
        expected = ("numpy", None)
    else:
        expected = (record["namespace"], record["device"])
    foreign = is_foreign_array(X)
    actual = (namespace_name(X), str(device(X))) if foreign else ("numpy", None)
    if record is None and not foreign:
        return
    check_fit_namespace(estimator, method_name, expected, actual)


def follows_input(method):
    """Decorate a public prediction method: its result follows ``X`` (namespace, device).

    Under dispatch with an Array API ``X``, the method's body runs on the host on the raw
    scores (see :func:`raw_scores`) and its result is moved to ``X``'s namespace and
    device once, by the outermost decorated call. Results no Array API library can hold
    (string labels) stay NumPy. Without dispatch nothing changes.
    """

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if getattr(_STATE, "depth", 0) > 0 or not dispatch_enabled():
            return method(self, X, *args, **kwargs)
        if hasattr(self, "coef_"):
            _check_same_namespace(self, X, method.__name__)
        if not is_foreign_array(X):
            return method(self, X, *args, **kwargs)
        _STATE.depth = 1
        try:
            result = method(self, X, *args, **kwargs)
        finally:
            _STATE.depth = 0
        if isinstance(result, np.ndarray) and result.dtype.kind in "biuf":
            xp = namespace(X)
            return move_to(result, xp, device(X))
        return result

    return wrapper


def follow_X_on_host(X, y, sample_weight):
    """NumPy ``X`` under dispatch: ``y`` and ``sample_weight`` move to the host (NumPy)."""
    if not dispatch_enabled() or is_foreign_array(X):
        return y, sample_weight
    return (
        to_numpy(y) if is_foreign_array(y) else y,
        to_numpy(sample_weight) if is_foreign_array(sample_weight) else sample_weight,
    )
