"""Arrays of other Array API libraries (PyTorch, CuPy, array-api-strict) for PolyFeatures.

With scikit-learn's ``array_api_dispatch`` enabled, PolyFeatures computes in the
namespace and on the device of its input, through ``array_api_compat``; without it,
such arrays are converted to NumPy as every scikit-learn transformer converts them.
``array_api_compat`` is imported only when dispatch is on and the input is not NumPy.
"""

import numpy as np
from scipy import sparse
from sklearn import get_config

from .._array_api import all_finite, check_fit_namespace, record_n_features, supports_float64


def foreign_namespace(X):
    """The Array API namespace of ``X`` when it is to be computed in it, else None.

    Only with ``array_api_dispatch=True``, and only for arrays that are neither NumPy
    arrays, nor sparse matrices, nor DataFrames.
    """
    if not get_config().get("array_api_dispatch", False):
        return None
    if isinstance(X, np.ndarray) or sparse.issparse(X) or hasattr(X, "columns"):
        return None
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - scikit-learn's dispatch needs it too
        raise ImportError(
            "array_api_dispatch=True needs the array-api-compat package: "
            "pip install array-api-compat"
        ) from exc
    if not array_api_compat.is_array_api_obj(X):
        return None
    xp = array_api_compat.array_namespace(X)
    if array_api_compat.is_numpy_namespace(xp):
        return None
    return xp


def namespace_record(X, xp):
    """``(namespace name, device)`` of an input: ``('numpy', None)`` unless ``xp`` is given."""
    if xp is None:
        return ("numpy", None)
    import array_api_compat

    return (xp.__name__, str(array_api_compat.device(X)))


def check_same_namespace(estimator, X, xp, method_name):
    """Under dispatch, ``X`` must be in the namespace and on the device seen in fit."""
    if not get_config().get("array_api_dispatch", False):
        return
    expected = getattr(estimator, "_fit_namespace", ("numpy", None))
    actual = namespace_record(X, xp)
    check_fit_namespace(estimator, method_name, expected, actual)


def validate_foreign(estimator, X, xp, *, reset):
    """Check a 2-D finite real array of namespace ``xp``; return it as floating point.

    float32 and float64 are kept; integers, booleans and the other floats (float16,
    bfloat16) become float64 (float32 on a device without float64), as NumPy input does.
    Nothing leaves the array's device.
    """
    import array_api_compat

    name = type(estimator).__name__
    if str(array_api_compat.device(X)) == "meta":
        raise ValueError(
            f"X is on PyTorch's 'meta' device, which holds shapes but no values: {name} "
            "needs the data. Create X on a device that holds it (e.g. 'cpu' or 'cuda')."
        )
    if X.ndim != 2:
        raise ValueError(
            f"{name} expects a 2-D array (n_samples, n_features); got shape {tuple(X.shape)}."
        )
    if X.shape[0] < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={tuple(X.shape)}) while a minimum of 1 "
            f"is required by {name}."
        )
    if not xp.isdtype(X.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{name} accepts real numbers; got an array of dtype {X.dtype}.")
    if X.dtype not in (xp.float32, xp.float64):
        device = array_api_compat.device(X)
        dtype = xp.float64
        if not supports_float64(xp, device):
            dtype = xp.float32
        X = xp.astype(X, dtype)
    if not all_finite(xp, X):
        raise ValueError(
            f"Input X contains NaN or infinity; {name} needs finite values. Impute "
            "missing values first (MissingIndicatorImputer)."
        )
    record_n_features(estimator, X.shape[1], reset=reset)
    return X


def polynomial_terms(xp, X, blocks, n_features, kept_from, include_bias):
    """The product terms of ``X`` in namespace ``xp``, degree by degree.

    Parameters
    ----------
    xp : namespace
        The Array API namespace of ``X``.
    X : array of shape (n_samples, n_features)
        Floating point input.
    blocks : list of list of tuple
        The product blocks of :func:`sklinear.preprocessing._poly._degree_blocks`.
    n_features : int
        Number of input columns.
    kept_from : int
        The first degree returned (1 or more); lower degrees are intermediates.
    include_bias : bool
        Start with a column of ones.

    Returns
    -------
    terms : array of shape (n_samples, n_output_features)
        On the device of ``X``, in its dtype.
    """
    import array_api_compat

    device = array_api_compat.device(X)
    degree_blocks = [X]
    previous, previous_start = X, 0
    for products in blocks:
        if not products:  # interaction_only beyond the number of columns: no term
            break
        parts = [
            previous[:, start - previous_start : end - previous_start] * X[:, j : j + 1]
            for j, start, end, _ in products
        ]
        previous = parts[0] if len(parts) == 1 else xp.concat(parts, axis=1)
        previous_start = products[0][3]
        degree_blocks.append(previous)
    kept = degree_blocks[kept_from - 1 :]
    if include_bias:
        kept.insert(0, xp.ones((X.shape[0], 1), dtype=X.dtype, device=device))
    if not kept:
        return xp.zeros((X.shape[0], 0), dtype=X.dtype, device=device)
    return kept[0] if len(kept) == 1 else xp.concat(kept, axis=1)
