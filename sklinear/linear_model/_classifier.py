"""What the two classifiers share: classes, class weights, decision scores."""

import warnings

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._base import BaseGradientLinearModel


class BaseGradientClassifier(ClassifierMixin, BaseGradientLinearModel):
    """Shared machinery of GDLogisticClassifier and SoftmaxClassifier; not public."""

    _allow_multilabel = False

    def __init__(self, *, class_weight=None, **kwargs):
        super().__init__(**kwargs)
        self.class_weight = class_weight

    def _validate_data(self, X, y, reset):
        X, y = super()._validate_data(X, y, reset)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it is raveled.",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y[:, 0]
        if y.ndim == 2:
            if not self._allow_multilabel:
                raise ValueError(
                    f"{type(self).__name__} needs a 1-d array of class labels; got y of shape "
                    f"{y.shape}. For multilabel 0/1 indicator targets use GDLogisticClassifier."
                )
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError(
                    "A 2-d y must be a multilabel indicator matrix of 0 and 1 (one column per "
                    f"label); got y of shape {y.shape} with values {np.unique(y)[:5]}."
                )
        else:
            check_classification_targets(y)
        return X, y

    def _classes_from(self, y):
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but "
                f"the data contain only one class: {classes[0]!r}."
            )
        return classes

    def _set_classes_for_partial_fit(self, y, classes, first_call):
        if first_call:
            if y.ndim == 2:
                self.classes_ = np.arange(y.shape[1])
                self._multilabel = True
                return
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: "
                    "the list of every class the model will see."
                )
            self.classes_ = self._classes_from(np.asarray(classes))
            self._multilabel = False
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={list(classes)!r} differs from the classes of the first partial_fit "
                f"call, {list(self.classes_)!r}."
            )
        if y.ndim == 1 and not np.all(np.isin(y, self.classes_)):
            unknown = np.setdiff1d(y, self.classes_)
            raise ValueError(
                f"y contains labels {list(unknown[:5])} not in classes {list(self.classes_)}."
            )

    def _class_weights(self, y, sample_weight):
        if self.class_weight is None:
            return None
        if y.ndim == 2:
            raise ValueError(
                "class_weight is not supported for multilabel targets; use sample_weight."
            )
        present = np.unique(y)
        weights = compute_class_weight(
            self.class_weight, classes=present, y=y, sample_weight=sample_weight
        )
        if isinstance(self.class_weight, dict):
            weights = np.array([self.class_weight.get(label, 1.0) for label in present], float)
        return weights[np.searchsorted(present, y)]

    def _stratify_validation(self, y):
        if y.ndim != 1:
            return False
        _, counts = np.unique(y, return_counts=True)
        return counts.min() >= 2

    def _one_hot(self, y):
        """(n_samples, n_classes) 0/1 matrix of ``y`` against ``classes_``."""
        index = np.searchsorted(self.classes_, y)
        one_hot = np.zeros((len(y), len(self.classes_)))
        one_hot[np.arange(len(y)), index] = 1.0
        return one_hot

    def decision_function(self, X):
        """Raw scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-d for binary problems (the score of ``classes_[1]``), as in scikit-learn.
        """
        raw = self._raw_scores(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The logarithm of the class probabilities.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _score_raw(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels_from_raw(raw), sample_weight=sample_weight)
