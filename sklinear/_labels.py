"""Checks of class-label targets shared by the NumPy, Array API and Dask paths."""

import warnings

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
