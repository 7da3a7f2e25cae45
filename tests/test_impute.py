"""MissingIndicatorImputer: equivalence with SimpleImputer, mixed frames, edge cases, errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import MissingIndicator, SimpleImputer

from sklinear import MissingIndicatorImputer


@pytest.fixture
def X_numeric():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(60, 5)).astype(float)
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 4] = rng.normal(size=60)  # no missing values
    return X


@pytest.fixture
def mixed_frame():
    return pd.DataFrame(
        {
            "city": ["paris", None, "rome", "paris", np.nan, ""],
            "age": [30.0, np.nan, 40.0, 50.0, 20.0, 30.0],
            "income": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "pet": ["cat", "dog", "dog", None, "cat", "cat"],
        }
    )


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_equals_simple_imputer(X_numeric, strategy):
    ours = MissingIndicatorImputer(strategy=strategy)
    theirs = SimpleImputer(strategy=strategy, add_indicator=True, fill_value=0)
    np.testing.assert_allclose(ours.fit_transform(X_numeric), theirs.fit_transform(X_numeric))
    X_new = X_numeric[::-1].copy()
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new))


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_features_all_equals_simple_imputer_and_missing_indicator(X_numeric, strategy):
    ours = MissingIndicatorImputer(strategy=strategy, features="all").fit_transform(X_numeric)
    filled = SimpleImputer(strategy=strategy, fill_value=0).fit_transform(X_numeric)
    indicators = MissingIndicator(features="all").fit_transform(X_numeric)
    np.testing.assert_allclose(ours, np.hstack([filled, indicators]))


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_all_missing_column_is_kept(X_numeric, strategy):
    X = X_numeric.copy()
    X[:, 1] = np.nan
    ours = MissingIndicatorImputer(strategy=strategy).fit_transform(X)
    theirs = SimpleImputer(
        strategy=strategy, add_indicator=True, keep_empty_features=True, fill_value=0
    ).fit_transform(X)
    np.testing.assert_allclose(ours, theirs)
    assert ours.shape[1] == X.shape[1] + 4
    np.testing.assert_array_equal(ours[:, 1], 0.0)


def test_all_missing_column_uses_fill_value():
    X = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    out = MissingIndicatorImputer(fill_value=-1).fit_transform(X)
    np.testing.assert_array_equal(out[:, 0], [-1, -1])


def test_missing_only_at_transform_is_imputed_without_indicator(X_numeric):
    imputer = MissingIndicatorImputer().fit(X_numeric)
    X_new = X_numeric.copy()
    X_new[0, 4] = np.nan
    out = imputer.transform(X_new)
    assert out.shape[1] == 5 + 4
    assert out[0, 4] == pytest.approx(np.nanmean(X_numeric[:, 4]))
    assert not np.isnan(out).any()


def test_feature_names(mixed_frame):
    imputer = MissingIndicatorImputer().fit(mixed_frame)
    assert list(imputer.get_feature_names_out()) == [
        "city",
        "age",
        "income",
        "pet",
        "city_missing",
        "age_missing",
        "pet_missing",
    ]
    all_features = MissingIndicatorImputer(features="all").fit(mixed_frame)
    assert all_features.get_feature_names_out()[-2] == "income_missing"


def test_mixed_frame_default_output_is_object_array(mixed_frame):
    before = mixed_frame.copy()
    imputer = MissingIndicatorImputer()
    out = imputer.fit_transform(mixed_frame)
    pd.testing.assert_frame_equal(mixed_frame, before)
    assert out.dtype == object and out.shape == (6, 7)
    assert out[1, 0] == "paris" and out[4, 0] == "paris"  # most frequent
    assert out[5, 0] == ""  # an empty string is a value, not missing
    assert out[1, 1] == pytest.approx(34.0)
    assert out[3, 3] == "cat"
    np.testing.assert_array_equal(out[:, 4].astype(float), [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(out[:, 6].astype(float), [0, 0, 0, 1, 0, 0])


def test_categorical_constant(mixed_frame):
    out = MissingIndicatorImputer(categorical_strategy="constant").fit_transform(mixed_frame)
    assert out[1, 0] == "missing" and out[3, 3] == "missing"
    out = MissingIndicatorImputer(categorical_strategy="constant", fill_value="?").fit_transform(
        mixed_frame
    )
    assert out[1, 0] == "?"


def test_numeric_constant_fill_value(X_numeric):
    out = MissingIndicatorImputer(strategy="constant", fill_value=7.5).fit_transform(X_numeric)
    mask = np.isnan(X_numeric)
    np.testing.assert_array_equal(out[:, :5][mask], 7.5)


def test_string_fill_value_with_numeric_constant_raises(X_numeric):
    with pytest.raises(ValueError, match="cannot fill numeric columns"):
        MissingIndicatorImputer(strategy="constant", fill_value="x").fit(X_numeric)


def test_pandas_and_polars_output_keep_column_types(mixed_frame):
    out = MissingIndicatorImputer().set_output(transform="pandas").fit_transform(mixed_frame)
    assert list(out.columns)[-1] == "pet_missing"
    assert out["age"].dtype == np.float64 and out["city_missing"].dtype == np.float64
    assert not pd.api.types.is_numeric_dtype(out["city"])
    assert out.index.equals(mixed_frame.index)
    pl = pytest.importorskip("polars")
    out = MissingIndicatorImputer().set_output(transform="polars").fit_transform(mixed_frame)
    assert isinstance(out, pl.DataFrame)
    assert out["city"].dtype == pl.String and out["age"].dtype == pl.Float64


def test_polars_input(mixed_frame):
    pl = pytest.importorskip("polars")
    expected = MissingIndicatorImputer().fit_transform(mixed_frame)
    out = MissingIndicatorImputer().fit_transform(pl.from_pandas(mixed_frame))
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out[:, 1:3].astype(float), expected[:, 1:3].astype(float))
    assert list(out[:, 3]) == list(expected[:, 3])


def test_float32_preserved(X_numeric):
    out = MissingIndicatorImputer().fit_transform(X_numeric.astype(np.float32))
    assert out.dtype == np.float32


@pytest.mark.parametrize("dtypes", [[np.float32] * 5, [np.float32] * 4 + [np.float64]])
def test_float32_frame_keeps_the_dtype_simple_imputer_gives(X_numeric, dtypes):
    """A pandas frame of float32 columns came out float64; SimpleImputer keeps float32
    (and gives float64 when a column is float64)."""
    X = pd.DataFrame(X_numeric).astype(dict(enumerate(dtypes)))
    X.columns = [f"c{j}" for j in range(5)]
    ours = MissingIndicatorImputer().fit_transform(X)
    theirs = SimpleImputer(add_indicator=True, keep_empty_features=True).fit_transform(X)
    assert ours.dtype == theirs.dtype == np.result_type(*dtypes)
    np.testing.assert_array_equal(ours, theirs)


def test_input_not_modified(X_numeric):
    before = X_numeric.copy()
    MissingIndicatorImputer().fit(X_numeric).transform(X_numeric)
    np.testing.assert_array_equal(X_numeric, before)


def test_pandas_nullable_dtypes():
    X = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "s": pd.array(["a", None, "a"], dtype="string"),
        }
    )
    out = MissingIndicatorImputer().fit_transform(X)
    assert out[1, 0] == 2.0 and out[1, 1] == "a"


def test_wrong_number_of_columns(X_numeric):
    imputer = MissingIndicatorImputer().fit(X_numeric)
    with pytest.raises(ValueError, match="X has 4 features, but MissingIndicatorImputer"):
        imputer.transform(X_numeric[:, :4])


def test_wrong_column_names(mixed_frame):
    imputer = MissingIndicatorImputer().fit(mixed_frame)
    with pytest.raises(ValueError, match="feature names"):
        imputer.transform(mixed_frame.rename(columns={"age": "years"}))


# ------------------------------------------------- odd dtypes (issue 11 item 4)


@pytest.mark.parametrize(
    "column",
    [
        pd.to_datetime(["2020-01-01", None, "2021-06-01"]),
        pd.to_datetime(["2020-01-01", None, "2021-06-01"]).tz_localize("UTC"),
        pd.to_timedelta(["1D", "2D", None]),
    ],
    ids=["datetime", "datetime-tz", "timedelta"],
)
def test_datetime_and_timedelta_columns_raise_naming_the_column(column):
    X = pd.DataFrame({"x": [1.0, 2.0, np.nan], "when": column})
    # SimpleImputer fails on these columns with a NumPy DTypePromotionError
    with pytest.raises(ValueError, match="Column 'when' holds dates or durations.*NaT"):
        MissingIndicatorImputer().fit(X)
    fitted = MissingIndicatorImputer().fit(X[["x"]].assign(when=1.0))
    with pytest.raises(ValueError, match="Column 'when' holds dates or durations"):
        fitted.transform(X)


def test_datetimes_as_strings_are_categories():
    when = pd.to_datetime(["2020-01-01", None, "2020-01-01"])
    X = pd.DataFrame({"when": when.strftime("%Y-%m-%d").astype(object)})
    out = MissingIndicatorImputer().fit_transform(X)
    assert list(out[:, 0]) == ["2020-01-01"] * 3
    np.testing.assert_array_equal(out[:, 1].astype(float), [0, 1, 0])


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_inf_in_frame_raises_like_the_array_path(value):
    X = pd.DataFrame({"x": [1.0, value, np.nan], "c": ["a", "b", None]})
    with pytest.raises(ValueError, match="Column 'x' contains infinity"):
        MissingIndicatorImputer().fit(X)
    with pytest.raises(ValueError, match="Column 'x' contains infinity"):
        MissingIndicatorImputer().fit(X[["x"]])
    # the ndarray path, as SimpleImputer
    with pytest.raises(ValueError, match="Input X contains infinity"):
        MissingIndicatorImputer().fit(X[["x"]].to_numpy())
    with pytest.raises(ValueError, match="Input X contains infinity"):
        SimpleImputer().fit(X[["x"]].to_numpy())
    fitted = MissingIndicatorImputer().fit(X.assign(x=1.0))
    with pytest.raises(ValueError, match="Column 'x' contains infinity"):
        fitted.transform(X)


def test_inf_in_object_array_numeric_column_raises():
    X = np.array([[1.0, "a"], [np.inf, "b"]], dtype=object)
    with pytest.raises(ValueError, match="Column 0 contains infinity"):
        MissingIndicatorImputer().fit(X)


def test_categorical_mode_ties_are_broken_like_simple_imputer():
    # ties in every column; the first seen value is never the smallest
    X = pd.DataFrame(
        {
            "two_way": ["b", "a", "b", "a", np.nan, "c"],
            "three_way": ["z", "y", "x", np.nan, "x", "y"],
            "single": ["q", np.nan, "q", "p", "p", "r"],
        },
        dtype=object,
    )
    ours = MissingIndicatorImputer().fit(X)
    theirs = SimpleImputer(strategy="most_frequent").fit(X)
    assert list(ours.statistics_) == list(theirs.statistics_) == ["a", "x", "p"]
    assert list(ours.indicator_features_) == [0, 1, 2]
    out = ours.transform(X)
    assert out[4, 0] == "a" and out[3, 1] == "x" and out[1, 2] == "p"


def test_numeric_mode_ties_are_broken_like_simple_imputer():
    X = np.array([[3.0, 5.0], [1.0, 5.0], [3.0, -2.0], [1.0, -2.0], [np.nan, np.nan]])
    ours = MissingIndicatorImputer(strategy="most_frequent").fit(X)
    theirs = SimpleImputer(strategy="most_frequent").fit(X)
    np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
    np.testing.assert_array_equal(ours.statistics_, [1.0, -2.0])


@pytest.mark.parametrize("strategy", ["mean", "median"])
def test_mean_and_median_of_values_near_the_float64_limit_are_finite(strategy):
    """The mean of 1e308 and 1.5e308 is 1.25e308, not the overflowed sum's inf (nor the
    median of two values near 1.7e308); the other columns keep the plain computation."""
    X = np.array([[1e308, 1.7e308, 1.0], [1.5e308, 1.7e308, 2.0], [np.nan, np.nan, np.nan]])
    imputed = MissingIndicatorImputer(strategy=strategy).fit(X)
    expected = {"mean": [1.25e308, 1.7e308, 1.5], "median": [1.25e308, 1.7e308, 1.5]}
    np.testing.assert_allclose(imputed.statistics_, expected[strategy], rtol=1e-15)
    assert np.all(np.isfinite(imputed.transform(X)))


def test_empty_frame_is_refused_like_simple_imputer():
    """A DataFrame without columns: scikit-learn's 'Found array with 0 feature(s)', not a
    NumPy error deep in the column kinds."""
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(5, 0\)\)"):
        MissingIndicatorImputer().fit(pd.DataFrame(index=range(5)))


def test_tuple_categories_are_filled_as_one_value():
    """A categorical column of tuples: the fill value (the most frequent tuple) is one
    object, not a sequence to spread over the missing rows."""
    frame = pd.DataFrame({"c": [(1, 2), (3,), None, (1, 2)], "n": [1.0, 2.0, 3.0, 4.0]})
    out = MissingIndicatorImputer().fit_transform(frame)
    assert list(out[:, 0]) == [(1, 2), (3,), (1, 2), (1, 2)]
    np.testing.assert_array_equal(out[:, 2].astype(float), [0, 0, 1, 0])
    # no missing value at all: nothing to fill (NumPy refused to assign a tuple to no rows)
    out = MissingIndicatorImputer().fit_transform(frame.iloc[[0, 1, 3]])
    assert list(out[:, 0]) == [(1, 2), (3,), (1, 2)]


@pytest.mark.parametrize("fill_value", [np.nan, np.inf, -np.inf, pd.NA, pd.NaT])
@pytest.mark.parametrize("data", ["numeric", "mixed"])
def test_fill_value_that_is_missing_or_infinite_is_refused(fill_value, data, mixed_frame):
    """fill_value=np.nan left every missing value NaN (with an indicator saying it was
    filled), inf filled infinity, pd.NA left categorical values missing: silently."""
    X = np.array([[1.0], [np.nan]]) if data == "numeric" else mixed_frame
    imputer = MissingIndicatorImputer(
        strategy="constant", categorical_strategy="constant", fill_value=fill_value
    )
    with pytest.raises(ValueError, match="would leave the missing values missing or make"):
        imputer.fit(X)


def test_fill_value_beyond_float32_is_refused_for_float32_input():
    """1e300 cast to float32 is inf: it was filled in (with a NumPy overflow warning)."""
    X = np.array([[1.0], [np.nan]], dtype=np.float32)
    imputer = MissingIndicatorImputer(strategy="constant", fill_value=1e300).fit(X)
    with pytest.raises(ValueError, match=r"columns \['x0'\] \(\[1e\+300\]\) are beyond"):
        imputer.transform(X)
    # a float32 transform without missing values in that column needs no fill value
    np.testing.assert_array_equal(imputer.transform(X[:1]), [[1.0, 0.0]])
    # and a float64 one holds it
    out = imputer.transform(X.astype(np.float64))
    np.testing.assert_array_equal(out, [[1.0, 0.0], [1e300, 1.0]])


@pytest.mark.parametrize("nested", ["struct", "array"])
def test_polars_nested_column_is_refused_naming_the_column(nested):
    """A polars Struct or Array column reads as a 2-D NumPy array: it failed deep in NumPy
    ("could not broadcast input array from shape (2,2) into shape (2,)")."""
    pl = pytest.importorskip("polars")
    if nested == "struct":
        column = pl.Series("d", [{"a": 1, "b": 2}, {"a": 2, "b": None}])
    else:
        column = pl.Series("d", [[1, 2], [3, 4]], dtype=pl.Array(pl.Int64, 2))
    X = pl.DataFrame([column, pl.Series("x", [1.0, None])])
    with pytest.raises(TypeError, match="Column 'd' holds nested values .*Unnest it"):
        MissingIndicatorImputer().fit(X)


def test_pyarrow_dictionary_column_is_categorical():
    """A pyarrow dictionary column (read_parquet with dtype_backend="pyarrow") was taken
    for a numeric one and refused ("could not convert string to float: 'x'")."""
    pa = pytest.importorskip("pyarrow")
    column = pd.Series(
        pa.array(["x", None, "y", "x"]).dictionary_encode(),
        dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
    )
    imputer = MissingIndicatorImputer().fit(pd.DataFrame({"c": column}))
    assert imputer.categorical_mask_.tolist() == [True]
    out = imputer.transform(pd.DataFrame({"c": column}))
    assert out.tolist() == [["x", 0.0], ["x", 1.0], ["y", 0.0], ["x", 0.0]]


def test_complex_column_is_refused_like_simple_imputer():
    """A complex DataFrame column was imputed with its real parts (1+1j became 1.0, with
    only a NumPy ComplexWarning); SimpleImputer refuses complex data."""
    X = pd.DataFrame({"c": [1 + 1j, 2, np.nan], "k": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="Complex data not supported"):
        SimpleImputer().fit(X[["c"]])
    with pytest.raises(ValueError, match="Column 'c' holds complex numbers"):
        MissingIndicatorImputer().fit(X)
