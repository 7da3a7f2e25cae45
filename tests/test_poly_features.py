"""PolyFeatures: equivalence with PolynomialFeatures, dense and sparse, names, errors."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.preprocessing import PolynomialFeatures

from sklinear import PolyFeatures

DEGREES = [1, 2, 3, (0, 2), (1, 3), (2, 3), (3, 3), (2, 2)]


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(25, 4))


@pytest.mark.parametrize("degree", DEGREES)
@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("include_bias", [False, True])
def test_dense_and_sparse_equal_polynomial_features(X, degree, interaction_only, include_bias):
    params = dict(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    theirs = PolynomialFeatures(**params).fit(X)
    ours = PolyFeatures(**params).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    X_sparse = sparse.random(25, 4, density=0.4, format="csr", random_state=0)
    for container in (X_sparse, X_sparse.tocsc()):
        out = ours.transform(container)
        assert sparse.issparse(out) and out.format == container.format
        np.testing.assert_allclose(out.toarray(), theirs.transform(container).toarray())


def test_default_has_no_bias(X):
    names = PolyFeatures().fit(X[:, :2]).get_feature_names_out()
    assert list(names) == ["x0", "x1", "x0^2", "x0 x1", "x1^2"]


def test_input_feature_names_from_frame(X):
    frame = pd.DataFrame(X[:, :2], columns=["a", "b"])
    ours = PolyFeatures(degree=3).fit(frame)
    theirs = PolynomialFeatures(degree=3, include_bias=False).fit(frame)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    out = PolyFeatures().set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == ["a", "b", "a^2", "a b", "b^2"]


def test_polars_input(X):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": X[:, 0], "b": X[:, 1]})
    np.testing.assert_allclose(
        PolyFeatures().fit_transform(frame), PolyFeatures().fit_transform(X[:, :2])
    )


def test_float32_preserved_and_input_not_modified(X):
    X32 = X.astype(np.float32)
    before = X32.copy()
    out = PolyFeatures().fit_transform(X32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(X32, before)


def test_degree_zero_with_bias_is_ones(X):
    np.testing.assert_array_equal(
        PolyFeatures(degree=0, include_bias=True).fit_transform(X), np.ones((25, 1))
    )


@pytest.mark.parametrize("degree", [(3, 2), (1, 2, 3), (-1, 2), ("a", 2)])
def test_bad_degree(X, degree):
    with pytest.raises(ValueError, match="degree"):
        PolyFeatures(degree=degree).fit(X)


def test_degree_zero_without_bias_raises(X):
    with pytest.raises(ValueError, match="no output column"):
        PolyFeatures(degree=0).fit(X)


def test_wrong_number_of_columns(X):
    poly = PolyFeatures().fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but PolyFeatures is expecting 4"):
        poly.transform(X[:, :3])
