"""
A circular decision boundary with polynomial features
=====================================================

A linear classifier draws a straight line. Points inside a circle versus outside it
cannot be separated by a line in the plane -- but the circle
:math:`x_0^2 + x_1^2 = r^2` *is* a linear equation in the features
:math:`(x_0, x_1, x_0^2, x_0 x_1, x_1^2)`. Adding :class:`~sklinear.PolyFeatures` of
degree 2 in front of the same logistic regression makes the problem linear.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklinear import GDLogisticClassifier, PolyFeatures

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(600, 2))
radius = 0.6
y = (np.hypot(X[:, 0], X[:, 1]) < radius).astype(int)  # 1 inside the circle
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

# %%
# The same classifier, on the raw coordinates and on degree-2 polynomial features.
models = {
    "degree 1 (a line)": make_pipeline(PolyFeatures(degree=1), GDLogisticClassifier()),
    "degree 2": make_pipeline(PolyFeatures(degree=2), GDLogisticClassifier()),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for ax, (name, model) in zip(axes, models.items(), strict=True):
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict_proba",
        ax=ax,
        cmap="RdBu",
        alpha=0.6,
        grid_resolution=150,
    )
    ax.scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolor="k", s=18)
    ax.add_patch(plt.Circle((0, 0), radius, fill=False, linestyle="--", color="k"))
    ax.set(title=f"{name}: test accuracy {accuracy:.2f}", aspect="equal")
plt.show()

# %%
# The learned weights of the degree-2 model: almost all weight sits on the two squares,
# with equal negative values, and the intercept is positive -- the model has found
# :math:`b - c\,(x_0^2 + x_1^2) > 0`, the inside of a circle of radius
# :math:`\sqrt{b / c}`.
model = models["degree 2"]
names = model[0].get_feature_names_out()
weights = model[-1].coef_.ravel()
for name, weight in zip(names, weights, strict=True):
    print(f"{name:8s} {weight:8.2f}")
print(f"intercept {model[-1].intercept_[0]:7.2f}")
c = -weights[list(names).index("x0^2")]
print(f"implied radius: {np.sqrt(model[-1].intercept_[0] / c):.3f} (true {radius})")
