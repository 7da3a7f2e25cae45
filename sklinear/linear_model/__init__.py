"""The gradient-descent linear models."""

from ._logistic import GDLogisticClassifier
from ._regressor import GDLinearRegressor
from ._softmax import SoftmaxClassifier

__all__ = ["GDLinearRegressor", "GDLogisticClassifier", "SoftmaxClassifier"]
