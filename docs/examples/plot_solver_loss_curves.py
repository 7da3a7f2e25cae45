"""
Loss curves of the solvers
==========================

Every estimator records the objective :math:`J(w, b)` in ``loss_curve_``: after each
iteration for the full-batch solvers (``'gd'``, ``'lbfgs'``), as the mean over each
epoch for the mini-batch solvers (``'sgd'``, ``'adam'``). Here the four fit the same
logistic regression, so their curves can be compared. One iteration of a full-batch
solver and one epoch of a stochastic solver both read the whole data about once, so the
horizontal axes are comparable in cost.
"""

# %%
# A binary problem with 20 features, of very different scales: the solvers standardise
# the columns internally, so no scaler is needed.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklinear import GDLogisticClassifier

X, y = make_classification(
    n_samples=2000, n_features=20, n_informative=8, random_state=0, class_sep=0.8
)
X = X * np.logspace(0, 3, X.shape[1])  # column scales from 1 to 1000

# %%
# Fit with each solver. The stochastic solvers run a fixed number of epochs
# (``tol=None``); a ConvergenceWarning only says so.
settings = {
    "lbfgs": dict(solver="lbfgs"),
    "gd (FISTA)": dict(solver="gd"),
    "sgd, batch 32": dict(solver="sgd", batch_size=32, eta0=0.01, max_iter=40, tol=None),
    "sgd, batch 1": dict(solver="sgd", batch_size=1, eta0=0.001, max_iter=40, tol=None),
    "adam, batch 32": dict(solver="adam", batch_size=32, eta0=0.01, max_iter=40, tol=None),
}
curves = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, params in settings.items():
        model = GDLogisticClassifier(alpha=1e-3, random_state=0, **params).fit(X, y)
        curves[name] = np.asarray(model.loss_curve_)
        print(f"{name:15s} {model.n_iter_:4d} iterations/epochs, final J = {curves[name][-1]:.6f}")

# %%
# The best value reached by any solver stands in for the minimum :math:`J^*`; the right
# panel shows the distance to it on a log scale.
best = min(curve.min() for curve in curves.values())
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for name, curve in curves.items():
    steps = np.arange(1, curve.size + 1)
    left.plot(steps, curve, label=name)
    right.semilogy(steps, np.maximum(curve - best, 1e-10), label=name)
left.set(xlabel="iteration / epoch", ylabel="objective J", title="Objective")
left.set_ylim(top=min(left.get_ylim()[1], 0.75))
right.set(xlabel="iteration / epoch", ylabel="J - min J", title="Distance to the minimum")
left.legend()
plt.show()

# %%
# The full-batch solvers converge to the minimum to many digits. The stochastic ones
# come close quickly, then hover at a noise floor set by the learning rate and batch
# size: the price of cheap, noisy gradient estimates, and the reason they shine when
# the data are too large for full passes (``partial_fit``) rather than on small problems.
