"""SoftmaxClassifier: multinomial regression with temperature and top-k / top-p sampling."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from .._compat import Interval
from .._fit import STOCHASTIC_SOLVERS
from .._losses import BinomialLoss, MultinomialLoss
from ._classifier import BaseGradientClassifier
from ._device import follows_input
from ._docstrings import fill_doc


@fill_doc
class SoftmaxClassifier(BaseGradientClassifier):
    """Multinomial (softmax) logistic regression trained by gradient methods.

    The class probabilities are ``softmax(z / T)`` with scores ``z = X W^T + b`` (one row of
    ``W`` per class) and temperature ``T``; the model minimises the cross-entropy

    .. math::

        J(W, b) = \\frac{1}{\\sum_i s_i} \\sum_i s_i
                  \\left[\\log \\sum_k e^{z_{ik}} - z_{i y_i}\\right]
                  + \\alpha \\left(\\frac{1 - \\rho}{2} \\|W\\|_2^2 + \\rho \\|W\\|_1\\right)

    (fitted at ``T = 1``). For ``penalty='l2'`` the optimum equals the multinomial
    ``LogisticRegression(C=1 / (alpha * n_samples))``. Binary problems follow
    scikit-learn's conventions: one sigmoid output, ``coef_`` of shape (1, n_features) and
    ``decision_function`` of shape (n_samples,). With more than two classes the intercepts
    are centred to sum to zero (and, unless there is an L1 part, the coefficient rows too),
    which changes no probability and does not raise the objective.

    Parameters
    ----------
    temperature : float, default=1.0
        ``T > 0`` in ``predict_proba = softmax(z / T)``: above 1 flattens the distribution,
        below 1 sharpens it. ``predict`` (the argmax) does not depend on it. Checked
        again where it is used (it can be changed by ``set_params`` after ``fit``).
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights (also in ``n_eff``).
        'balanced' is ``sum(s) / (n_classes * sum of s in the class)``, with the sample
        weights ``s`` (as scikit-learn's LogisticRegression); a class whose samples all
        have weight zero keeps weight zero. A class of zero total weight (from the sample
        or the class weights) has no optimum with an intercept: the full-batch solvers
        fit the other classes and give it coefficients 0 and intercept ``-inf``
        (probability 0), the limit that attains the objective's infimum; see the user
        guide's certification section. A dict is applied against ``classes_``;
        ``'balanced'`` is refused by ``partial_fit``, as in ``SGDClassifier``.
    %(shared_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        One row per class; one row for binary problems.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        Intercepts.
    %(shared_attributes)s

    See Also
    --------
    GDLogisticClassifier : binary, one-vs-rest and multilabel logistic regression.
    sklearn.linear_model.LogisticRegression : scikit-learn's logistic regression.

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import SoftmaxClassifier
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.1]])
    >>> y = np.array(["a", "a", "b", "b", "c", "c"])
    >>> model = SoftmaxClassifier(alpha=1e-3).fit(X, y)
    >>> model.predict([[0.05], [9.0]])
    array(['a', 'c'], dtype='<U1')
    >>> model.sample([[5.0]], top_k=1)
    array(['b'], dtype='<U1')
    """

    _parameter_constraints: dict = {
        **BaseGradientClassifier._parameter_constraints,
        "temperature": [Interval(numbers.Real, 0, np.inf, closed="neither")],
    }

    def __init__(
        self,
        *,
        temperature=1.0,
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
        self.temperature = temperature

    def _binary(self):
        return len(getattr(self, "classes_", ())) == 2

    def _make_loss(self):
        return BinomialLoss() if self._binary() else MultinomialLoss()

    def _encode_target(self, y, fitting):
        if fitting:
            self.classes_ = self._classes_from(y)
        if self._binary():
            return (y == self.classes_[1]).astype(float)
        return self._one_hot(y)

    def _classes_to_fit(self, class_totals):
        """Indices of the classes the solver fits, or None for all of them.

        ``class_totals()`` gives each class's total sample weight (class weights included).
        With an intercept, a class of zero total weight (sample weights or a class weight
        of 0 for all its samples) has no minimiser: the objective decreases as its
        intercept goes to ``-inf``, and its infimum is the minimum of the problem over the
        other classes (the class's term ``exp(z_k)`` leaves every log-partition, its
        coefficients leave the penalty). The solver then fits the other classes only, and
        the certificate ``dual_gap_`` is that problem's, which bounds ``J - inf J`` of the
        full one; :meth:`_set_coefficients` gives the left-out classes the limit,
        coefficients 0 and intercept ``-inf`` (probability exactly 0). Without an intercept
        the objective has a minimiser and every class is fitted; so are binary problems
        (one output, certified per output) and the stochastic solvers (no certificate).
        """
        if self._binary() or not self.fit_intercept or self.solver in STOCHASTIC_SOLVERS:
            return None
        kept = np.flatnonzero(np.asarray(class_totals()) > 0)
        return kept if len(kept) < len(self.classes_) else None

    def _set_coefficients(self, coef, intercept):
        kept = getattr(self, "_fitted_classes", None)
        if not self._binary():
            intercept = intercept - intercept.mean()
            if self._penalty_parameters()[1] == 0:
                coef = coef - coef.mean(axis=0)
        if kept is not None and coef.shape[0] == len(kept):
            # classes of zero total weight: their limit (see _classes_to_fit)
            full_coef = np.zeros((len(self.classes_), coef.shape[1]), dtype=coef.dtype)
            full_intercept = np.full(len(self.classes_), -np.inf, dtype=intercept.dtype)
            full_coef[kept], full_intercept[kept] = coef, intercept
            coef, intercept = full_coef, full_intercept
        self.coef_ = coef
        self.intercept_ = intercept

    def _probabilities(self, raw, temperature=None):
        temperature = self._checked_temperature(temperature, allow_zero=False)
        return self._make_loss().link.class_probabilities(raw, temperature)

    def _log_probabilities(self, raw, temperature=None):
        temperature = self._checked_temperature(temperature, allow_zero=False)
        return self._make_loss().link.log_class_probabilities(raw, temperature)

    def _checked_temperature(self, temperature, allow_zero):
        """``temperature`` (None: the estimator's), refused unless a real number > 0 (not NaN).

        Checked where it is used, since ``set_params`` can change it after ``fit``.
        ``allow_zero``: ``sample`` accepts 0 (the argmax).
        """
        given = temperature is not None
        temperature = temperature if given else self.temperature
        valid = (
            isinstance(temperature, numbers.Real)
            and not isinstance(temperature, bool)
            and (temperature > 0 or (allow_zero and temperature == 0))
        )
        if not valid:
            expected = "a float >= 0 (0 is the argmax)" if allow_zero else "a float > 0"
            where = "" if given else " (set it with set_params(temperature=...))"
            raise ValueError(
                f"temperature must be {expected}{where}; got {temperature!r}. A small "
                "positive temperature sharpens the probabilities towards the argmax, a large "
                "one flattens them."
            )
        return float(temperature)

    @follows_input
    def predict_proba(self, X):
        """Class probabilities ``softmax(z / temperature)``.

        Computed stably for any finite scores: rows are finite and sum to one. A tiny
        positive temperature gives the argmax row (shared equally between tied maxima).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The class probabilities, in the order of ``classes_``.

        Raises
        ------
        ValueError
            If ``temperature`` (possibly changed by ``set_params`` after ``fit``) is not a
            number > 0.
        """
        return self._probabilities(self._raw_scores(X))

    @follows_input
    def predict(self, X):
        """The most probable class (independent of the temperature).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted labels.
        """
        return self._labels_from_raw(self._raw_scores(X))

    def _labels_from_raw(self, raw):
        if self._binary():
            return self.classes_[(raw[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(raw, axis=1)]

    @follows_input
    def sample(self, X, *, temperature=None, top_k=None, top_p=None, random_state=None):
        """Draw one class label per row from ``softmax(z / temperature)``.

        The distribution can be restricted to the ``top_k`` most probable classes and/or
        to the smallest set of most probable classes whose probability reaches ``top_p``
        (nucleus sampling); the kept probabilities are renormalised. Top-k is applied first,
        then top-p on the renormalised result. For example kept probabilities
        (0.3, 0.25, 0.2) renormalise to (0.4, 0.3333, 0.2667). ``top_k=1`` or
        ``temperature=0`` is the argmax, i.e. :meth:`predict`. Ties are broken in the
        order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.
        temperature : float or None, default=None
            ``>= 0``; None uses the estimator's ``temperature``.
        top_k : int or None, default=None
            Keep only the ``top_k >= 1`` most probable classes.
        top_p : float or None, default=None
            Keep the smallest set of most probable classes whose total probability is at
            least ``top_p``, in ``(0, 1]``.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            One label drawn per row, from ``classes_``.
        """
        temperature = self._checked_temperature(temperature, allow_zero=True)
        if top_k is not None and (not isinstance(top_k, numbers.Integral) or top_k < 1):
            raise ValueError(f"top_k must be an int >= 1 or None; got {top_k!r}.")
        if top_p is not None and (not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1):
            raise ValueError(f"top_p must be a float in (0, 1] or None; got {top_p!r}.")
        raw = self._raw_scores(X)
        if temperature == 0 or top_k == 1:
            return self._labels_from_raw(raw)
        probability = self._probabilities(raw, temperature)
        kept = self.restrict_distribution(probability, top_k=top_k, top_p=top_p)
        rng = check_random_state(random_state)
        cumulative = np.cumsum(kept, axis=1)
        draws = rng.random_sample(len(kept))[:, None] * cumulative[:, -1:]
        index = np.minimum((cumulative <= draws).sum(axis=1), kept.shape[1] - 1)
        return self.classes_[index]

    @staticmethod
    def restrict_distribution(probability, *, top_k=None, top_p=None):
        """Apply top-k then top-p filtering to rows of probabilities and renormalise.

        Parameters
        ----------
        probability : ndarray of shape (n_samples, n_classes)
            Rows summing to one.
        top_k : int or None, default=None
            Keep only the ``top_k >= 1`` most probable classes; None keeps all.
        top_p : float or None, default=None
            Then keep the smallest set of most probable classes whose total probability is
            at least ``top_p``, in ``(0, 1]``; None keeps all.

        Returns
        -------
        kept : ndarray of shape (n_samples, n_classes)
            Renormalised probabilities, zero outside the kept classes.

        Examples
        --------
        >>> import numpy as np
        >>> p = np.array([[0.3, 0.25, 0.2, 0.15, 0.1]])
        >>> SoftmaxClassifier.restrict_distribution(p, top_k=3).round(4)
        array([[0.4   , 0.3333, 0.2667, 0.    , 0.    ]])
        >>> SoftmaxClassifier.restrict_distribution(p, top_p=0.7).round(4)
        array([[0.4   , 0.3333, 0.2667, 0.    , 0.    ]])
        """
        probability = np.array(probability, dtype=float)
        order = np.argsort(-probability, axis=1, kind="stable")
        ranked = np.take_along_axis(probability, order, axis=1)
        keep = np.ones_like(ranked, dtype=bool)
        if top_k is not None:
            keep[:, top_k:] = False
            ranked = np.where(keep, ranked, 0.0)
            ranked /= ranked.sum(axis=1, keepdims=True)
        if top_p is not None:
            before = np.cumsum(ranked, axis=1) - ranked
            keep &= before < top_p * (1 - 1e-12)
            ranked = np.where(keep, ranked, 0.0)
            ranked /= ranked.sum(axis=1, keepdims=True)
        kept = np.zeros_like(probability)
        np.put_along_axis(kept, order, ranked, axis=1)
        return kept
