"""scikit-learn's checks that check_estimator does not run, for the three transformers."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_global_set_output_transform_polars,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
)

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures

TRANSFORMERS = [
    DummyEncoder(),
    DummyEncoder(columns="auto", handle_unknown="ignore", sparse_output=False),
    MissingIndicatorImputer(),
    MissingIndicatorImputer(features="all", strategy="median"),
    PolyFeatures(),
    PolyFeatures(degree=(2, 3), include_bias=True),
    PolyFeatures(degree=3, drop_redundant=True),
]

CHECKS = [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_global_output_transform_pandas,
    check_set_output_transform_polars,
    check_global_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_dataframe_column_names_consistency,
    check_param_validation,
]


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=repr)
@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_sklearn_checks(transformer, check):
    pytest.importorskip("polars")
    check(type(transformer).__name__, transformer)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=repr)
def test_check_estimator(transformer):
    """Every check of check_estimator passes, without expected failures."""
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(transformer, on_fail=None)
    failed = [
        (result["check_name"], repr(result["exception"]))
        for result in results
        if result["status"] == "failed"
    ]
    assert failed == []
