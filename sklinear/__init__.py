"""sklinear: linear models trained by gradient methods, and the transformers they need.

All public estimators are scikit-learn compatible::

    from sklinear import (GDLinearRegressor, GDLogisticClassifier, SoftmaxClassifier,
                          DummyEncoder, MissingIndicatorImputer, PolyFeatures)

Names are imported on first use, so that ``import sklinear`` (and the command line) start
fast.
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "GDLinearRegressor": "sklinear.linear_model",
    "GDLogisticClassifier": "sklinear.linear_model",
    "SoftmaxClassifier": "sklinear.linear_model",
    "DummyEncoder": "sklinear.preprocessing",
    "MissingIndicatorImputer": "sklinear.preprocessing",
    "PolyFeatures": "sklinear.preprocessing",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklinear' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
