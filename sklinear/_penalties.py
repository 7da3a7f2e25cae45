"""The elastic-net penalty ``alpha * ((1 - l1_ratio) / 2 * ||w||^2 + l1_ratio * ||w||_1)``.

L2 (``l1_ratio = 0``), L1 (``l1_ratio = 1``) and no penalty (``alpha = 0``) are special
cases. The penalty is split into a smooth part (L2: value and gradient) and a non-smooth
part (L1: value and its proximal step, the soft threshold).

Solvers may work on rescaled coefficients ``v = w * scale`` (implicit standardisation).
The penalty is always on the user's coefficients ``w = v / scale``, so each coefficient
gets its own strength: ``scale`` is given once and the methods take ``v``.
"""

import numpy as np


def soft_threshold(value, threshold):
    """``sign(v) * max(|v| - t, 0)``, the proximal step of ``t * ||v||_1``."""
    return np.sign(value) * np.maximum(np.abs(value) - threshold, 0.0)


class ElasticNetPenalty:
    """Elastic-net penalty on coefficients ``v`` stored with per-row scale factors.

    Parameters
    ----------
    alpha : float
        Overall strength, ``>= 0``.
    l1_ratio : float
        Share of the L1 part, in ``[0, 1]``.
    scale : ndarray of shape (n_features,), default=None
        The penalised coefficients are ``w = v / scale[:, None]``; None means 1.
    """

    def __init__(self, alpha, l1_ratio, scale=None):
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        inverse = 1.0 if scale is None else 1.0 / np.asarray(scale, dtype=float)[:, None]
        self.l2_weight = self.alpha * (1.0 - self.l1_ratio) * np.square(inverse)
        self.l1_weight = self.alpha * self.l1_ratio * inverse

    @property
    def smooth(self):
        """True when the penalty has no L1 part."""
        return self.alpha == 0.0 or self.l1_ratio == 0.0

    def smooth_value_gradient(self, coef):
        """Value and gradient of the L2 part at ``coef`` of shape (n_features, n_outputs)."""
        gradient = self.l2_weight * coef
        return 0.5 * float(np.vdot(coef, gradient)), gradient

    def nonsmooth_value(self, coef):
        """Value of the L1 part."""
        if self.l1_ratio == 0.0 or self.alpha == 0.0:
            return 0.0
        return float(np.sum(self.l1_weight * np.abs(coef)))

    def prox(self, coef, step):
        """Proximal step of ``step * (L1 part)``: a soft threshold per coefficient."""
        if self.l1_ratio == 0.0 or self.alpha == 0.0:
            return coef
        return soft_threshold(coef, step * self.l1_weight)

    def value(self, coef):
        """The whole penalty."""
        return self.smooth_value_gradient(coef)[0] + self.nonsmooth_value(coef)


def penalty_parameters(penalty, alpha, l1_ratio):
    """Map the estimator's ``penalty`` / ``alpha`` / ``l1_ratio`` to ``(alpha, l1_ratio)``."""
    if penalty is None:
        return 0.0, 0.0
    if penalty == "l2":
        return float(alpha), 0.0
    if penalty == "l1":
        return float(alpha), 1.0
    return float(alpha), float(l1_ratio)
