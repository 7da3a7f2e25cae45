"""The private scikit-learn helpers sklinear relies on, imported in one place.

scikit-learn does not promise that its private names (parameter validation, the fit context,
sample-weight checks) stay where they are; every module of sklinear imports them from here,
so a move is a one-file change.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
)
from sklearn.utils._unique import attach_unique, cached_unique
from sklearn.utils.validation import _assert_all_finite, _check_sample_weight

__all__ = [
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_assert_all_finite",
    "_check_sample_weight",
    "_fit_context",
    "attach_unique",
    "cached_unique",
]
