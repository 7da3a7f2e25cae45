"""scikit-learn's checks that check_estimator does not run, for the three transformers."""

import numpy as np
import pandas as pd
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


class _CountedCopies:
    """An ``attrs`` value that counts its deep copies."""

    copies = 0

    def __deepcopy__(self, memo):
        type(self).copies += 1
        return self


@pytest.mark.parametrize(
    "make",
    [
        lambda: DummyEncoder(),
        lambda: MissingIndicatorImputer(),
        lambda: PolyFeatures(2),
    ],
    ids=["DummyEncoder", "MissingIndicatorImputer", "PolyFeatures"],
)
def test_a_frame_s_attrs_are_not_copied_into_every_column(make):
    """pandas deep-copies a frame's ``attrs`` into each column taken from it; with 40
    columns that was 40 copies a pass (the command line's header list made wide files
    quadratic). The transformers read the frame without them: a copy or two per call, the
    input's ``attrs`` untouched, the output that of the frame without attrs."""
    rng = np.random.default_rng(0)
    if make().__class__ is DummyEncoder:
        frame = pd.DataFrame({f"c{j}": rng.choice(["a", "b", "c"], 30) for j in range(40)})
    else:
        frame = pd.DataFrame(rng.normal(size=(30, 40)), columns=[f"c{j}" for j in range(40)])
        if make().__class__ is MissingIndicatorImputer:
            frame.iloc[::7, ::3] = np.nan
    plain = make().fit_transform(frame.copy())
    marker = _CountedCopies()
    frame.attrs = {"header": marker}
    _CountedCopies.copies = 0
    out = make().fit(frame).transform(frame)
    assert _CountedCopies.copies <= 4
    assert frame.attrs == {"header": marker}
    np.testing.assert_array_equal(np.asarray(out, dtype=float), np.asarray(plain, dtype=float))
