"""The transformers on dask collections: one-compute fits, lazy transforms, same columns.

Every test runs on the session's distributed LocalCluster (``dask_client`` in
conftest.py) and compares with the in-memory transformer on the computed data.
"""

import subprocess
import sys

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 30
    return pd.DataFrame(
        {
            "size": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 4, n).astype(float)),
            "colour": pd.Series(rng.choice(["red", "blue", "green", None], n), dtype=object),
            "count": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 3, n)), "Int64"),
            "flag": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        }
    )


@pytest.fixture
def graphs(dask_client, monkeypatch):
    """Counts the graphs the client is asked to compute."""
    calls = []
    get = dask_client.get

    def counting_get(*args, **kwargs):
        calls.append(1)
        return get(*args, **kwargs)

    monkeypatch.setattr(dask_client, "get", counting_get)
    return calls


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_imputer_one_compute_fit_lazy_transform_equal_in_memory(frame, graphs, strategy):
    X = dd.from_pandas(frame, npartitions=3)
    in_memory = X.compute()  # the frame as dask holds it (strings as a string dtype)
    graphs.clear()
    imputer = MissingIndicatorImputer(strategy=strategy).fit(X)
    assert len(graphs) == 1  # every statistic from one reduction over the partitions
    out = imputer.transform(X)
    assert len(graphs) == 1  # lazy: nothing computed by transform
    reference = MissingIndicatorImputer(strategy=strategy).fit(in_memory)
    np.testing.assert_allclose(
        imputer.statistics_[[0, 2]].astype(float), reference.statistics_[[0, 2]].astype(float)
    )
    assert list(imputer.statistics_[[1, 3]]) == list(reference.statistics_[[1, 3]])
    assert list(out.columns) == list(reference.get_feature_names_out())
    assert out.npartitions == 3
    expected = reference.set_output(transform="pandas").transform(in_memory)
    pd.testing.assert_frame_equal(out.compute(), expected, check_exact=False)


def test_imputer_median_of_an_even_count_and_inf_refused(dask_client):
    frame = pd.DataFrame({"x": [4.0, 1.0, np.nan, 3.0, 10.0, 2.0]})
    X = dd.from_pandas(frame, npartitions=2)
    imputer = MissingIndicatorImputer(strategy="median").fit(X)
    assert imputer.statistics_[0] == np.median([4.0, 1.0, 3.0, 10.0, 2.0])
    even = dd.from_pandas(frame.assign(x=[4.0, 1.0, np.nan, 3.0, 10.0, np.nan]), npartitions=2)
    assert MissingIndicatorImputer(strategy="median").fit(even).statistics_[0] == 3.5
    infinite = dd.from_pandas(frame.assign(x=[1.0, np.inf, 2.0, 3.0, 4.0, 5.0]), npartitions=2)
    with pytest.raises(ValueError, match="Column 'x' contains infinity"):
        MissingIndicatorImputer().fit(infinite)


@pytest.mark.parametrize("strategy", ["mean", "median"])
def test_imputer_statistics_near_the_float64_limit_are_finite(dask_client, strategy):
    """As in memory: the mean of 1e308 and 1.5e308 is 1.25e308 (the sum overflowed to inf,
    which was imputed), the median of 1.7e308 twice is 1.7e308."""
    frame = pd.DataFrame(
        {"x": [1e308, 1.5e308, np.nan, 1e308, 1.5e308, np.nan], "y": [1.7e308] * 6, "z": 1.0}
    )
    fitted = MissingIndicatorImputer(strategy=strategy).fit(dd.from_pandas(frame, npartitions=2))
    in_memory = MissingIndicatorImputer(strategy=strategy).fit(frame)
    np.testing.assert_allclose(fitted.statistics_, in_memory.statistics_, rtol=1e-15)
    expected = {"mean": 1.25e308, "median": 1.25e308}[strategy]
    np.testing.assert_allclose(fitted.statistics_, [expected, 1.7e308, 1.0], rtol=1e-15)


def test_imputer_refuses_datetime_columns_before_computing(dask_client):
    frame = pd.DataFrame({"when": pd.to_datetime(["2020-01-01", None]), "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="Column 'when' holds dates or durations"):
        MissingIndicatorImputer().fit(dd.from_pandas(frame, npartitions=1))


@pytest.mark.parametrize(
    "params",
    [
        dict(columns="auto"),
        dict(columns="auto", drop=None, min_frequency=5),
        dict(columns=["colour"], drop="if_binary", handle_unknown="ignore"),
        dict(columns=["colour"], categories=[["red", "blue"]], handle_unknown="ignore"),
    ],
)
def test_encoder_one_compute_fit_lazy_transform_equal_in_memory(frame, graphs, params):
    X = dd.from_pandas(frame.drop(columns="size"), npartitions=3)
    in_memory = X.compute()
    graphs.clear()
    encoder = DummyEncoder(**params).fit(X)
    assert len(graphs) == 1
    out = encoder.transform(X)
    assert len(graphs) == 1
    reference = DummyEncoder(**params).fit(in_memory)
    for ours, theirs in zip(encoder.categories_, reference.categories_, strict=True):
        assert [str(c) for c in ours] == [str(c) for c in theirs]
    assert list(out.columns) == list(reference.get_feature_names_out())
    np.testing.assert_array_equal(out.compute().to_numpy(), reference.transform(in_memory))


def test_encoder_unknown_category_raises_when_computed(frame, dask_client):
    X = dd.from_pandas(frame[["colour"]].fillna("red"), npartitions=2)
    encoder = DummyEncoder().fit(X)
    new = dd.from_pandas(pd.DataFrame({"colour": ["red", "purple"]}), npartitions=1)
    out = encoder.transform(new)  # lazy: the error comes with the computation
    with pytest.raises(ValueError, match="unknown categories \\['purple'\\] in column 'colour'"):
        out.compute()


def test_poly_features_lazy_block_wise_equal_polynomial_features(graphs):
    rng = np.random.default_rng(0)
    X_numpy = rng.normal(size=(40, 3))
    X = da.from_array(X_numpy, chunks=((10, 15, 15), (2, 1)))  # columns are rechunked
    graphs.clear()
    poly = PolyFeatures(degree=3).fit(X)
    out = poly.transform(X)
    assert len(graphs) == 0  # fit and transform compute nothing
    assert isinstance(out, da.Array)
    assert out.chunks == ((10, 15, 15), (poly.n_output_features_,))
    expected = PolynomialFeatures(degree=3, include_bias=False).fit_transform(X_numpy)
    np.testing.assert_allclose(out.compute(), expected)
    X32 = da.from_array(X_numpy.astype(np.float32), chunks=(20, 3))
    assert poly.transform(X32).dtype == np.float32


def test_poly_features_drop_redundant_one_compute_equals_in_memory(graphs):
    """drop_redundant learns its 0/1 columns and their co-occurrence in one compute; the
    terms and the output are those of the in-memory fit."""
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 3, size=40)
    X_numpy = np.column_stack([groups == 0, groups == 1, rng.normal(size=40)]).astype(float)
    X = da.from_array(X_numpy, chunks=(15, 2))
    graphs.clear()
    poly = PolyFeatures(degree=3, drop_redundant=True).fit(X)
    assert len(graphs) == 1
    in_memory = PolyFeatures(degree=3, drop_redundant=True).fit(X_numpy)
    assert list(poly.get_feature_names_out()) == list(in_memory.get_feature_names_out())
    assert poly.n_output_features_ < PolyFeatures(degree=3).fit(X_numpy).n_output_features_
    np.testing.assert_array_equal(poly.transform(X).compute(), in_memory.transform(X_numpy))


def test_poly_features_drop_redundant_on_sparse_blocks_and_beyond_the_table_limit(
    monkeypatch,
):
    """drop_redundant on a dask array of SciPy blocks (which PolyFeatures transforms)
    learns the terms of the in-memory fit; and with more columns than the limit of the
    co-occurrence table but fewer 0/1 columns, the table is still built, as in memory
    (the dummies' product goes in both)."""
    import sklinear.preprocessing._poly as poly_module

    rng = np.random.default_rng(0)
    groups = rng.integers(0, 3, size=40)
    X_numpy = np.column_stack([groups == 0, groups == 1, rng.normal(size=40)]).astype(float)
    X = da.from_array(sparse.csr_matrix(X_numpy), chunks=(15, 3), asarray=False)
    poly = PolyFeatures(degree=2, drop_redundant=True).fit(X)
    names = ["x0", "x1", "x2", "x0 x2", "x1 x2", "x2^2"]
    assert list(poly.get_feature_names_out()) == names
    expected = PolynomialFeatures(2, include_bias=False).fit(X_numpy)
    index = [list(expected.get_feature_names_out()).index(name) for name in names]
    out = poly.transform(X).compute()
    np.testing.assert_array_equal(out.toarray(), expected.transform(X_numpy)[:, index])
    monkeypatch.setattr(poly_module, "_MAX_EXCLUSIVE_COLUMNS", 2)
    in_memory = PolyFeatures(degree=2, drop_redundant=True).fit(X_numpy)
    assert list(in_memory.get_feature_names_out()) == names
    lazy = PolyFeatures(degree=2, drop_redundant=True).fit(da.from_array(X_numpy, chunks=15))
    assert list(lazy.get_feature_names_out()) == names


def test_poly_features_read_boolean_and_nullable_columns_as_in_memory(dask_client):
    """bool, boolean and Int64 columns are numbers in memory; the dask DataFrame path
    refused the boolean ones ("needs numeric columns")."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=12),
            "flag": rng.random(12) > 0.5,
            "known": pd.array(rng.random(12) > 0.5, dtype="boolean"),
            "count": pd.array(rng.integers(0, 4, 12), dtype="Int64"),
        }
    )
    out = PolyFeatures(degree=2).fit_transform(dd.from_pandas(frame, npartitions=3))
    np.testing.assert_array_equal(out.compute(), PolyFeatures(degree=2).fit_transform(frame))
    frame.loc[4, "known"] = pd.NA
    missing = PolyFeatures(degree=2).fit_transform(dd.from_pandas(frame, npartitions=3))
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        missing.compute()


def test_poly_features_nan_raises_when_computed(dask_client):
    X = da.from_array(np.array([[1.0, np.nan], [2.0, 3.0]]), chunks=(1, 2))
    out = PolyFeatures().fit(X).transform(X)
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        out.compute()


def test_pipeline_of_the_three_on_a_dask_frame_equals_in_memory(frame, graphs):
    X = dd.from_pandas(frame, npartitions=3)
    in_memory = X.compute()

    def pipeline():
        return make_pipeline(
            MissingIndicatorImputer(), DummyEncoder(columns="auto"), PolyFeatures(degree=2)
        )

    graphs.clear()
    lazy = pipeline().fit(X)
    assert len(graphs) == 2  # one reduction for each transformer that learns from data
    out = lazy.transform(X)
    assert len(graphs) == 2
    assert isinstance(out, da.Array)
    in_memory_out = pipeline().fit(in_memory).transform(in_memory)
    np.testing.assert_allclose(out.compute(), in_memory_out)
    assert list(lazy.get_feature_names_out()) == list(
        pipeline().fit(in_memory).get_feature_names_out()
    )


def test_empty_partitions_of_a_filter_transform_to_empty_partitions(frame, dask_client):
    """A filter empties some partitions: the imputer's and the encoder's transforms give
    them empty partitions (the in-memory transform refused 0 rows when computed)."""
    data = frame.assign(key=np.arange(len(frame), dtype=float))
    X = dd.from_pandas(data, npartitions=3)
    kept = X[X["key"] >= 20]  # rows of the last partition only
    assert kept.map_partitions(len).compute().tolist()[:2] == [0, 0]
    rows = kept.compute()
    lazy = make_pipeline(MissingIndicatorImputer(), DummyEncoder(columns="auto")).fit(kept)
    expected = make_pipeline(MissingIndicatorImputer(), DummyEncoder(columns="auto")).fit(rows)
    out = lazy.transform(kept).compute()
    assert list(out.index) == list(rows.index)
    np.testing.assert_array_equal(out.to_numpy(), expected.transform(rows))


def test_clear_errors_for_what_does_not_apply(frame, dask_client):
    X = dd.from_pandas(frame[["colour"]], npartitions=2)
    with pytest.raises(TypeError, match="accepts dask DataFrames, not Array"):
        DummyEncoder().fit(da.ones((4, 2)))
    with pytest.raises(ValueError, match="sparse_output=True does not apply to dask"):
        DummyEncoder(sparse_output=True).fit(X).transform(X)
    with pytest.raises(ValueError, match="set_output\\(transform='pandas'\\)"):
        MissingIndicatorImputer().set_output(transform="pandas").fit(X)
    with pytest.raises(TypeError, match="PolyFeatures needs numeric columns; \\['colour'\\]"):
        PolyFeatures().fit(X)
    fitted = MissingIndicatorImputer().fit(X)
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.transform(X.rename(columns={"colour": "hue"}))


@pytest.mark.parametrize("transformer", [MissingIndicatorImputer(), PolyFeatures()])
def test_column_names_mixing_strings_and_numbers_raise_as_in_memory(dask_client, transformer):
    """scikit-learn's TypeError, as for a pandas X (the imputer failed sorting the names,
    PolyFeatures fitted without names in silence)."""
    frame = pd.DataFrame(np.eye(4), columns=["a", 1, "c", "d"])
    with pytest.raises(TypeError, match="Feature names are only supported if all input"):
        transformer.fit(frame)
    with pytest.raises(TypeError, match="Feature names are only supported if all input"):
        transformer.fit(dd.from_pandas(frame, npartitions=2))


def test_dask_is_imported_only_for_dask_input():
    script = (
        "import sys, numpy as np, pandas as pd\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures\n"
        "X = pd.DataFrame({'a': [1.0, np.nan, 3.0], 'c': ['x', 'y', None]})\n"
        "make_pipeline(MissingIndicatorImputer(), DummyEncoder(columns='auto'),"
        " PolyFeatures()).fit_transform(X)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_poly_features_refuses_a_dask_array_of_dates(dask_client):
    """A datetime64 dask array was cast to float64: days since 1970, NaT as -9.2e18."""
    X = da.from_array(np.array([["2020-01-01"], ["NaT"]], dtype="datetime64[D]"))
    with pytest.raises(ValueError, match=r"X \(datetime64\[D\]\) hold dates or durations"):
        PolyFeatures().fit(X)
