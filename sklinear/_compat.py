"""The private scikit-learn helpers sklinear uses, imported in one place.

Private helpers can move or change between scikit-learn releases; importing them only here
keeps any adaptation to this one small module.
"""

from sklearn.utils.validation import _check_sample_weight

__all__ = ["_check_sample_weight"]
