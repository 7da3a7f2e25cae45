"""Feature transformers for linear models: dummy variables, imputation, polynomials."""

from ._dummy import DummyEncoder
from ._impute import MissingIndicatorImputer
from ._poly import PolyFeatures

__all__ = ["DummyEncoder", "MissingIndicatorImputer", "PolyFeatures"]
