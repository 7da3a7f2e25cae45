"""
The full pipeline on a mixed-type table
=======================================

The Palmer penguins table bundled with sklinear has what real tables have: text columns
(``island``, ``sex``), numbers on very different scales (bill length in millimetres,
body mass in grams) and missing values. One pipeline handles all of it:
:class:`~sklinear.MissingIndicatorImputer` fills the holes and flags them,
:class:`~sklinear.DummyEncoder` turns the text columns into dummy variables,
:class:`~sklinear.PolyFeatures` adds products, and :class:`~sklinear.SoftmaxClassifier`
predicts the species. Cross-validation chooses the degree and ``alpha``. This is what
``sklinear cv`` runs.
"""

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures, SoftmaxClassifier
from sklinear.datasets import load_penguins

X, y = load_penguins(return_X_y=True)
print(X.head())
print("\nmissing values per column:")
print(X.isna().sum())

# %%
# The pipeline and the grid: degree x alpha, 5 stratified folds.
pipeline = Pipeline(
    [
        ("impute", MissingIndicatorImputer()),
        ("encode", DummyEncoder(columns="auto")),
        ("poly", PolyFeatures()),
        ("model", SoftmaxClassifier()),
    ]
)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
search = GridSearchCV(
    pipeline,
    {"poly__degree": [1, 2], "model__alpha": [1e-4, 1e-3, 1e-2]},
    cv=folds,
    return_train_score=True,
)
search.fit(X, y)
results = pd.DataFrame(search.cv_results_)[
    [
        "param_poly__degree",
        "param_model__alpha",
        "mean_train_score",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
    ]
].sort_values("rank_test_score")
print(results.to_string(index=False))
print("best:", search.best_params_)

# %%
# What the features look like after the first two steps: the numeric columns, the
# dummies of ``island`` and ``sex`` (one category each is the reference) and the
# indicators of the columns that had missing values.
best = search.best_estimator_
print(list(best[:2].get_feature_names_out()))

# %%
# Out-of-fold predictions of the best parameters: every penguin is classified by a
# model that did not see it.
predicted = cross_val_predict(search.best_estimator_, X, y, cv=folds)
fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ConfusionMatrixDisplay.from_predictions(y, predicted, ax=ax, colorbar=False)
ax.set_title("Out-of-fold predictions")
plt.show()

# %%
# The largest weights of the refitted model, per species.
names = best[:-1].get_feature_names_out()
coefficients = pd.DataFrame(best[-1].coef_.T, index=names, columns=best[-1].classes_)
order = coefficients.abs().max(axis=1).sort_values(ascending=False).index
print(coefficients.loc[order[:8]].round(3))
