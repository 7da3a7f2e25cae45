"""GDLogisticClassifier: binary, one-vs-rest and multilabel logistic regression."""

from numbers import Real

import numpy as np

from .._compat import Interval
from .._losses import BinomialLoss
from ._classifier import BaseGradientClassifier
from ._device import follows_input
from ._docstrings import fill_doc


@fill_doc
class GDLogisticClassifier(BaseGradientClassifier):
    """Logistic regression trained by gradient methods: binary, one-vs-rest and multilabel.

    Each output ``k`` is a sigmoid of a linear score,
    ``P(y_k = 1 | x) = sigmoid(x . w_k + b_k)``,
    fitted by minimising the cross-entropy (log-loss)

    .. math::

        J(W, b) = \\frac{1}{\\sum_i s_i} \\sum_i s_i \\sum_k
                  \\left[\\log(1 + e^{z_{ik}}) - t_{ik} z_{ik}\\right]
                  + \\alpha \\left(\\frac{1 - \\rho}{2} \\|W\\|_2^2 + \\rho \\|W\\|_1\\right)

    with ``z = X W^T + b``, ``t`` the 0/1 targets and ``s`` the sample weights times the class
    weights. Binary ``y`` has one output (the probability of ``classes_[1]``); a 1-d ``y``
    with more classes is one-vs-rest, all classes fitted together as one vectorised problem;
    a 2-d 0/1 indicator ``y`` is multilabel, one independent sigmoid per label. For binary
    ``y`` and ``penalty='l2'`` the optimum equals
    ``LogisticRegression(C=1 / (alpha * sum(s)))``, i.e. ``C = 1 / (alpha * n_samples)``
    without weights.

    Parameters
    ----------
    threshold : float, default=0.5
        ``predict`` returns the positive class where ``P(class 1) >= threshold`` (binary
        and multilabel). Works with ``sklearn.model_selection.TunedThresholdClassifierCV``.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights (also in ``n_eff``).
        'balanced' is ``sum(s) / (n_classes * sum of s in the class)``, with the sample
        weights ``s`` (as scikit-learn's LogisticRegression); a class whose samples all
        have weight zero keeps weight zero. For multilabel ``y``
        'balanced' balances each label's 0s against its 1s and multiplies the weights over
        the labels (as ``sklearn.utils.class_weight.compute_sample_weight``); a dict is not
        defined there. A dict is applied against ``classes_``; ``'balanced'`` is refused
        by ``partial_fit``, as in ``SGDClassifier``.
    %(shared_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel ``y``.
    coef_ : ndarray of shape (1, n_features) or (n_outputs, n_features)
        One row for binary problems, one per class (one-vs-rest) or label (multilabel).
    intercept_ : ndarray of shape (1,) or (n_outputs,)
        Intercepts.
    %(shared_attributes)s

    See Also
    --------
    SoftmaxClassifier : multinomial (softmax) regression.
    sklearn.linear_model.LogisticRegression : scikit-learn's logistic regression.

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import GDLogisticClassifier
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> model = GDLogisticClassifier().fit(X, y)
    >>> model.predict([[-3.0], [3.0]])
    array([0, 1])
    >>> model.predict_proba([[0.0]]).round(3)
    array([[0.5, 0.5]])
    """

    _allow_multilabel = True

    _parameter_constraints: dict = {
        **BaseGradientClassifier._parameter_constraints,
        "threshold": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        threshold=0.5,
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.15,
        fit_intercept=True,
        solver="auto",
        max_iter=1000,
        tol="auto",
        batch_size="auto",
        learning_rate="invscaling",
        eta0=0.05,
        momentum=0.9,
        average=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=0,
        scale_predictors=False,
        n_jobs=None,
        class_weight=None,
    ):
        super().__init__(
            class_weight=class_weight,
            penalty=penalty,
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=fit_intercept,
            solver=solver,
            max_iter=max_iter,
            tol=tol,
            batch_size=batch_size,
            learning_rate=learning_rate,
            eta0=eta0,
            momentum=momentum,
            average=average,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            shuffle=shuffle,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            scale_predictors=scale_predictors,
            n_jobs=n_jobs,
        )
        self.threshold = threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _make_loss(self):
        return BinomialLoss()

    def _dense_target(self, y):
        # a sparse multilabel indicator matrix (MultiLabelBinarizer(sparse_output=True)), as
        # scikit-learn's multilabel classifiers take it (MLPClassifier, RidgeClassifier)
        return y.toarray()

    def _encode_target(self, y, fitting):
        if fitting:
            self._multilabel = y.ndim == 2
            self.classes_ = np.arange(y.shape[1]) if self._multilabel else self._classes_from(y)
        if self._multilabel:
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a multilabel indicator matrix with {len(self.classes_)} "
                    f"columns, as in the first fit; got shape {y.shape}."
                )
            return y.astype(float)
        if y.ndim != 1:
            raise ValueError("The model was fitted on 1-d class labels; y must be 1-d.")
        if len(self.classes_) == 2:
            return (y == self.classes_[1]).astype(float)
        return self._one_hot(y)

    def _set_coefficients(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept

    @follows_input
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Binary: ``[1 - p, p]``. One-vs-rest: the sigmoids normalised to sum to one
            (computed in log space: a row whose scores are all very negative gets
            finite probabilities, not 0 / 0). Multilabel: the probability of each label,
            independently.
        """
        return self._probabilities(self._raw_scores(X))

    def _probabilities(self, raw):
        link = self._make_loss().link
        if self._multilabel:
            return link.inverse(raw)
        return link.class_probabilities(raw)

    def _log_probabilities(self, raw):
        link = self._make_loss().link
        if self._multilabel:
            return link.log_inverse(raw)
        return link.log_class_probabilities(raw)

    @follows_input
    def predict(self, X):
        """Predicted labels.

        Binary and multilabel: positive where the probability is ``>= threshold``.
        One-vs-rest: the class with the highest score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted labels.
        """
        return self._labels_from_raw(self._raw_scores(X))

    def _labels_from_raw(self, raw):
        if self._multilabel:
            return (self._probabilities(raw) >= self.threshold).astype(int)
        if len(self.classes_) == 2:
            positive = self._make_loss().link.inverse(raw[:, 0])
            return self.classes_[(positive >= self.threshold).astype(int)]
        return self.classes_[np.argmax(raw, axis=1)]
