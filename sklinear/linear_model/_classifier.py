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

    def _class_weights(self, y, sample_weight, *, partial_fit=False):
        """Per-sample class weights, computed against ``classes_``.

        A dict maps labels of ``classes_`` to weights (missing labels weigh one), as in
        scikit-learn, whatever labels the data at hand contain. ``'balanced'`` is refused
        in ``partial_fit`` (``partial_fit=True``): the class frequencies of one chunk are
        not those of the data, as scikit-learn's ``SGDClassifier`` says.
        """
        if self.class_weight is None:
            return None
        if y.ndim == 2:
            raise ValueError(
                "class_weight is not supported for multilabel targets; use sample_weight."
            )
        if partial_fit and isinstance(self.class_weight, str):
            raise ValueError(
                f"class_weight={self.class_weight!r} is not supported for partial_fit: one "
                "chunk's class frequencies are not those of the whole data. In order to use "
                "'balanced' weights, use compute_class_weight('balanced', classes=classes, "
                "y=y) on the full training target (or a large enough sample of it) and pass "
                "the resulting weights as a dict to the class_weight parameter."
            )
        weights = compute_class_weight(
            self.class_weight, classes=self.classes_, y=y, sample_weight=sample_weight
        )
        if isinstance(self.class_weight, dict):
            weights = np.array([self.class_weight.get(c, 1.0) for c in self.classes_], float)
        if not (np.all(np.isfinite(weights)) and np.all(weights >= 0)):
            raise ValueError(
                "class_weight must give each class a finite, non-negative weight; got "
                f"{self.class_weight!r}."
            )
        return weights[np.searchsorted(self.classes_, y)]

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

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-d for binary problems (the score of ``classes_[1]``), as in scikit-learn.
        """
        raw = self._raw_scores(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed in log space.

        The loss's inverse link gives it directly (``log_expit``, ``log_softmax`` forms),
        not as ``log(predict_proba(X))``: it stays finite for scores up to ``|z| = 1e4``
        where the probability itself rounds to zero.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._log_probabilities(self._raw_scores(X))

    def _score_raw(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels_from_raw(raw), sample_weight=sample_weight)
