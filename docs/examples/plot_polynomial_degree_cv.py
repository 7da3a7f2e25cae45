"""
Choosing the polynomial degree by k-fold cross-validation
=========================================================

With polynomial features of increasing degree, a linear regression first *underfits*
(too rigid to follow the curve), then fits, then *overfits* (flexible enough to follow
the noise). The training error keeps falling as the degree grows, so it cannot choose
the degree; the error on held-out folds can.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, validation_curve
from sklearn.pipeline import make_pipeline

from sklinear import GDLinearRegressor, PolyFeatures

rng = np.random.default_rng(1)
n_samples = 30
x = np.sort(rng.uniform(0, 1, n_samples))
y = np.sin(2 * np.pi * x) + rng.normal(scale=0.25, size=n_samples)
X = x[:, np.newaxis]

# %%
# 5-fold cross-validation for every degree from 1 to 12, without penalty so that only
# the degree controls the flexibility. ``validation_curve`` returns the score on the
# training part and on the held-out fold of each split.
degrees = np.arange(1, 13)
model = make_pipeline(PolyFeatures(), GDLinearRegressor(penalty=None, max_iter=5000))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    train_scores, valid_scores = validation_curve(
        model, X, y, param_name="polyfeatures__degree", param_range=degrees,
        cv=KFold(5, shuffle=True, random_state=0), scoring="neg_mean_squared_error",
    )  # fmt: skip
train_error = -train_scores.mean(axis=1)
valid_error = -valid_scores.mean(axis=1)
best_degree = degrees[np.argmin(valid_error)]
print(f"degree with the lowest validation error: {best_degree}")

# %%
# Left: the two errors against the degree. Right: the fitted curves of an underfitting,
# the chosen and an overfitting degree, each fitted on all the data.
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
left.semilogy(degrees, train_error, "o--", label="training error")
left.semilogy(degrees, valid_error, "o-", label="validation error (5-fold)")
left.axvline(best_degree, color="gray", linestyle=":", label=f"chosen: {best_degree}")
left.set(xlabel="polynomial degree", ylabel="mean squared error", title="Error vs degree")
left.legend()

grid = np.linspace(0, 1, 300)[:, np.newaxis]
right.scatter(x, y, color="k", s=15, label="data")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for degree in (1, best_degree, 12):
        fitted = model.set_params(polyfeatures__degree=degree).fit(X, y)
        right.plot(grid, fitted.predict(grid), label=f"degree {degree}")
right.plot(grid, np.sin(2 * np.pi * grid), "k:", label="truth")
right.set(xlabel="x", ylabel="y", ylim=(-2, 2), title="Fits")
right.legend(fontsize=8)
plt.show()

# %%
# Degree 1 misses the shape (both errors high); the high degrees bend towards single
# points and their validation error climbs while the training error keeps falling.
# ``sklinear cv --degree 1 2 3 ...`` runs the same search on a CSV file, together with
# the regularisation strength.
