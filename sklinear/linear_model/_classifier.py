"""What the two classifiers share: classes, class weights, decision scores."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._compat import StrOptions, attach_unique, cached_unique
from .._labels import (
    feature_problem,
    label_problem,
    not_an_indicator,
    raise_with,
    ravel_label_column,
)
from ._base import BaseGradientLinearModel
from ._device import follows_input


class BaseGradientClassifier(ClassifierMixin, BaseGradientLinearModel):
    """Shared machinery of GDLogisticClassifier and SoftmaxClassifier; not public."""

    _allow_multilabel = False

    _parameter_constraints: dict = {
        **BaseGradientLinearModel._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(self, *, class_weight=None, **kwargs):
        super().__init__(**kwargs)
        self.class_weight = class_weight

    def _validate_data(self, X, y, reset):
        X, y = super()._validate_data(X, y, reset)
        y = ravel_label_column(self, np.asarray(y), stacklevel=3)
        self.__dict__.pop("_checked_labels", None)
        try:
            if y.ndim == 2:
                if type_of_target(y) != "multilabel-indicator":
                    raise not_an_indicator(y, f"values {np.unique(y)[:5]}")
            elif y.dtype.kind == "O":  # scikit-learn's order of checks (mixed, missing labels)
                try:
                    check_classification_targets(y)
                except ValueError as error:
                    # 'Unknown label type: unknown' (a first label that is not a string),
                    # which suggests a continuous target: say which labels are the problem.
                    raise_with(error, self, label_problem(y))
            else:
                # Numbers and strings are sorted once: scikit-learn's check reads their
                # unique values off the view (attach_unique), and a fit takes its classes
                # from them (_classes_from) instead of a second np.unique (3 ms of 200,000
                # labels).
                labels = attach_unique(y)
                check_classification_targets(labels)
                if reset:
                    self._checked_labels = (y, cached_unique(labels))
        except TypeError as error:  # labels that cannot be sorted
            self._raise_label_problem(y, error)
        return X, y

    def _input_problem(self, X, y, error):
        # scikit-learn's ValueErrors about y (NaN, label types) say it well already
        label = label_problem(y) if isinstance(error, TypeError) else None
        return feature_problem(X) or label

    def _raise_label_problem(self, y, error):
        """Re-raise ``error`` (from sorting or checking the labels ``y``) with what is wrong
        with them, where :func:`~sklinear._labels.label_problem` can tell."""
        raise_with(error, self, label_problem(y))

    def _classes_from(self, y):
        """The sorted classes of the labels ``y`` (at least two); those :meth:`_validate_data`
        found when ``y`` is the array it checked."""
        checked = self.__dict__.pop("_checked_labels", None)
        try:
            classes = checked[1] if checked is not None and checked[0] is y else np.unique(y)
        except TypeError as error:
            self._raise_label_problem(y, error)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but "
                f"the data contain only one class: {classes[0]!r}."
            )
        return classes

    def _set_classes_for_partial_fit(self, y, classes, first_call):
        self.__dict__.pop("_checked_labels", None)  # the classes come from ``classes``
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
        """Per-sample class weights, multiplied into the sample weights; None without them.

        'balanced' gives class ``c`` the weight ``sum(s) / (n_classes * sum of s in c)`` (as
        :func:`sklearn.utils.class_weight.compute_class_weight` with ``sample_weight``), over
        the classes whose samples have a positive total weight; a class whose samples all
        weigh zero stays at weight zero instead of an infinite one. A multilabel ``y`` is
        balanced label by label (its 0s against its 1s) and a sample's weight is the product
        over the labels, as :func:`sklearn.utils.class_weight.compute_sample_weight` does for
        multi-output targets. ``'balanced'`` is refused in ``partial_fit``
        (``partial_fit=True``): the class frequencies of one chunk are not those of the
        data, as scikit-learn's ``SGDClassifier`` says. A dict maps labels of ``classes_``
        to weights (missing labels weigh one), whatever labels the data at hand contain; it
        is not defined for multilabel targets.
        """
        if self.class_weight is None:
            return None
        weights = np.ones(len(y)) if sample_weight is None else sample_weight
        if y.ndim == 2:
            if isinstance(self.class_weight, dict):
                raise ValueError(
                    "class_weight as a dict is not defined for multilabel targets (one 0/1 "
                    "column per label); use class_weight='balanced' or sample_weight."
                )
        if partial_fit and isinstance(self.class_weight, str):
            raise ValueError(
                f"class_weight={self.class_weight!r} is not supported for partial_fit: one "
                "chunk's class frequencies are not those of the whole data. In order to use "
                "'balanced' weights, use compute_class_weight('balanced', classes=classes, "
                "y=y) on the full training target (or a large enough sample of it) and pass "
                "the resulting weights as a dict to the class_weight parameter."
            )
        if y.ndim == 2:
            columns = [self._balanced(column, weights) for column in y.T]
            return np.prod(columns, axis=0)
        if isinstance(self.class_weight, dict):
            # scikit-learn's helper checks the dict's labels against classes_ (its message)
            classes = self.classes_ if hasattr(self, "classes_") else np.unique(y)
            by_class = compute_class_weight(self.class_weight, classes=classes, y=y)
            if not (np.all(np.isfinite(by_class)) and np.all(by_class >= 0)):
                raise ValueError(
                    "class_weight must give each class a finite, non-negative weight; got "
                    f"{self.class_weight!r}."
                )
            return by_class[np.searchsorted(classes, y)]
        return self._balanced(y, weights)

    @staticmethod
    def _balanced(y, weights):
        """'balanced' weights of the samples of a 1-d label array ``y``."""
        present, index = np.unique(y, return_inverse=True)
        totals = np.bincount(index, weights=weights, minlength=len(present))
        positive = totals > 0
        by_class = np.zeros(len(present))
        by_class[positive] = totals.sum() / (positive.sum() * totals[positive])
        return by_class[index]

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

    @follows_input
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

    @follows_input
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed in log space.

        The loss's inverse link gives it directly (``log_expit``, ``log_softmax`` forms),
        not as ``log(predict_proba(X))``: it stays finite for scores up to ``|z| = 1e4``
        where the probability itself rounds to zero.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The logarithm of the class probabilities.
        """
        return self._log_probabilities(self._raw_scores(X))

    def _score_raw(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels_from_raw(raw), sample_weight=sample_weight)
