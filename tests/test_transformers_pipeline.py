"""End to end: the three transformers and a sklinear classifier on the penguins data."""

import numpy as np
import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures
from sklinear.datasets import load_penguins


@pytest.fixture(scope="module")
def penguins():
    X, y = load_penguins(return_X_y=True)
    return X, y


def sklearn_pipeline():
    numeric = make_pipeline(SimpleImputer(add_indicator=True), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    return make_pipeline(
        make_column_transformer(
            (numeric, make_column_selector(dtype_include="number")),
            (categorical, make_column_selector(dtype_exclude="number")),
        ),
        LogisticRegression(max_iter=1000),
    )


@pytest.mark.parametrize("output", ["default", "pandas"])
def test_grid_search_on_raw_penguins(penguins, output):
    linear_model = pytest.importorskip("sklinear.linear_model")
    X, y = penguins
    pipeline = make_pipeline(
        MissingIndicatorImputer(),
        DummyEncoder(columns="auto", handle_unknown="ignore"),
        PolyFeatures(),
        linear_model.SoftmaxClassifier(random_state=0),
    )
    if output != "default":
        pipeline.set_output(transform=output)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    search = GridSearchCV(
        pipeline,
        {"polyfeatures__degree": [1, 2], "softmaxclassifier__alpha": [1e-4, 1e-2]},
        cv=folds,
        error_score="raise",
    )
    search.fit(X, y)
    reference = GridSearchCV(sklearn_pipeline(), {"logisticregression__C": [1.0]}, cv=folds).fit(
        X, y
    )
    assert search.best_score_ >= reference.best_score_ - 0.02
    assert search.best_score_ > 0.95
    predictions = search.predict(X)
    assert set(np.unique(predictions)) <= set(y.unique())
