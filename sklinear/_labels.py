"""Checks of the inputs shared by the NumPy, Array API and Dask paths: class-label targets,
and what makes labels or features unusable when their conversion fails."""

import warnings

import numpy as np
from sklearn.exceptions import DataConversionWarning


def ravel_label_column(estimator, y, *, stacklevel):
    """``y`` with a column vector raveled (with scikit-learn's warning); a 2-d ``y`` is
    refused unless the estimator takes multilabel indicator targets.

    ``stacklevel`` is that of the caller's own ``warnings.warn`` (this frame is added).
    """
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it is raveled.",
            DataConversionWarning,
            stacklevel=stacklevel + 1,
        )
        y = y[:, 0]
    if y.ndim == 2 and not estimator._allow_multilabel:
        raise ValueError(
            f"{type(estimator).__name__} needs a 1-d array of class labels; got y of shape "
            f"{tuple(y.shape)}. For multilabel 0/1 indicator targets use GDLogisticClassifier."
        )
    return y


def not_an_indicator(y, values):
    """The error for a 2-d ``y`` that is not a 0/1 indicator matrix; ``values`` says which
    values it holds."""
    return ValueError(
        "A 2-d y must be a multilabel indicator matrix of 0 and 1 (one column per label); "
        f"got y of shape {tuple(y.shape)} with {values}."
    )


def label_problem(y):
    """What makes class labels ``y`` unusable (missing or mixed-type labels), or None.

    Called only after scikit-learn's checks or ``np.unique`` failed, so it may read every
    label.
    """
    import pandas as pd

    try:
        values = pd.Series(np.asarray(y, dtype=object).ravel())
    except Exception:  # noqa: BLE001 - not even an array: scikit-learn's error stands
        return None
    missing = values.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        return (
            f"y has missing labels (None, NaN or NA) in {len(rows)} row(s), e.g. row(s) "
            f"{rows[:5].tolist()}: drop those rows or give them a label."
        )
    kinds = sorted({type(value).__name__ for value in values})
    if len(kinds) > 1:
        return (
            f"y mixes labels of types {kinds}, which cannot be ordered: convert them to one "
            "type, e.g. y.astype(str)."
        )
    return None


def validate_numeric(estimator, X, y="no_validation", *, problem=None, **kwargs):
    """scikit-learn's ``validate_data(estimator, X, y, **kwargs)``; where a conversion deep
    in NumPy / pandas fails, the error says what in the input it was: ``problem(error)``
    (default: :func:`feature_problem` of ``X``, which columns and what to do)."""
    from sklearn.utils.validation import validate_data

    try:
        return validate_data(estimator, X, y, **kwargs)
    except (TypeError, ValueError) as error:
        raise_with(error, estimator, feature_problem(X) if problem is None else problem(error))


def raise_with(error, estimator, problem):
    """Raise ``error`` again, or, where ``problem`` says what was wrong with the input, an
    error of the same family (TypeError or ValueError) that says it first, followed by
    ``error``'s own message (which scikit-learn's checks may look for)."""
    if problem is None:
        raise error
    family = TypeError if isinstance(error, TypeError) else ValueError
    raise family(f"{type(estimator).__name__}: {problem} ({error})") from error


def feature_problem(X):
    """What makes ``X`` non-numeric (text, categories, dates), or None.

    Called only after scikit-learn's conversion of ``X`` failed.
    """
    import pandas as pd

    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == 0:
        return (
            f"X has no columns (shape {tuple(shape)}): at least one feature is required. "
            "Check the column selection"
        )
    if isinstance(X, (list, tuple)):
        lengths = sorted({len(row) for row in X if hasattr(row, "__len__")})
        if len(lengths) > 1:
            return (
                f"the rows of X have different lengths ({lengths[0]} to {lengths[-1]} "
                "values): every row needs one value per feature"
            )
        return None
    polars = type(X).__module__.split(".")[0] == "polars" and type(X).__name__ == "DataFrame"
    if isinstance(X, pd.DataFrame) or polars:
        if polars:
            import polars as pl

            items = zip(X.columns, X.dtypes, strict=True)

            def numeric(dtype):
                return dtype.is_numeric() or dtype == pl.Boolean
        else:
            items = X.dtypes.items()

            def numeric(dtype):
                return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)

        bad = [f"{column!r} ({dtype})" for column, dtype in items if not numeric(dtype)]
        if bad:
            return (
                f"X has {len(bad)} non-numeric column(s): {', '.join(bad[:5])}"
                f"{' ...' if len(bad) > 5 else ''}. Encode categories and text first (e.g. "
                "sklinear.preprocessing.DummyEncoder in a Pipeline) and turn dates into "
                "numbers."
            )
        return None
    dtype = getattr(X, "dtype", None)
    if dtype is not None and dtype.names:
        return (
            f"X is a structured array (fields {', '.join(dtype.names[:5])}); pass a 2-D "
            "array of numbers (numpy.lib.recfunctions.structured_to_unstructured) or a "
            "DataFrame"
        )
    if dtype is None or dtype.kind not in "OUSMm":
        return None
    what = {"M": "dates", "m": "time spans"}.get(dtype.kind, "values that are not numbers")
    return (
        f"X has dtype {dtype} holding {what}; the linear models need numbers. Encode "
        "categories and text first (e.g. sklinear.preprocessing.DummyEncoder) and turn dates "
        "into numbers."
    )


# Regression targets whose magnitude leaves this range are refused: the squared loss (and
# Huber's and the smoothed absolute loss's quadratic zones) square them out of float64's
# range (y of 1e-170 gave zero coefficients, "certified" at J = 0; 1e200 an infinite
# objective).
TARGET_RANGE = (1e-150, 1e150)


def check_target_largest(largest):
    """A ValueError where a regression target's largest magnitude ``largest`` is non-zero,
    finite and outside :data:`TARGET_RANGE` (NaN and infinity are reported elsewhere)."""
    low, high = TARGET_RANGE
    if not np.isfinite(largest) or largest == 0 or low <= largest <= high:
        return
    raise ValueError(
        f"y's largest magnitude is {largest:.3g}, outside [{low:g}, {high:g}]: the losses "
        "square residuals of that size out of float64's range. Rescale y (multiply it by a "
        "power of ten), fit, and scale the predictions back."
    )
