"""DummyEncoder: equivalence with OneHotEncoder and pandas.get_dummies, options, errors."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.preprocessing import OneHotEncoder

from sklinear import DummyEncoder


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n),
            "size": rng.normal(size=n),
            "grade": rng.choice(["a", "b", "c", "d", "e"], n, p=[0.5, 0.3, 0.1, 0.07, 0.03]),
            "flag": rng.choice([True, False], n),
            "count": rng.integers(0, 4, n),
        }
    )


def with_missing(frame, column, seed=1):
    frame = frame.copy()
    values = frame[column].astype(object)
    values[np.random.default_rng(seed).random(len(frame)) < 0.15] = np.nan
    frame[column] = values
    return frame


def assert_same_as_onehot(encoder, onehot, X, X_new=None):
    X_new = X if X_new is None else X_new
    ours = encoder.fit(X).transform(X_new)
    theirs = onehot.fit(X).transform(X_new)
    theirs = theirs.toarray() if sparse.issparse(theirs) else theirs
    ours = ours.toarray() if sparse.issparse(ours) else ours
    np.testing.assert_array_equal(ours, theirs)
    assert list(encoder.get_feature_names_out()) == list(onehot.get_feature_names_out())


def test_default_equals_onehot_drop_first(frame):
    X = frame[["colour", "grade", "count"]]
    assert_same_as_onehot(DummyEncoder(), OneHotEncoder(drop="first", sparse_output=False), X)


def test_default_equals_onehot_with_missing_values(frame):
    X = with_missing(frame[["colour", "grade"]], "colour")
    encoder = DummyEncoder().fit(X)
    assert encoder.get_feature_names_out()[-1] != "colour_nan"
    assert "colour_nan" in encoder.get_feature_names_out()
    assert_same_as_onehot(DummyEncoder(), OneHotEncoder(drop="first", sparse_output=False), X)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("container", ["array", "frame"])
def test_float_columns_of_any_width_with_missing_values_equal_onehot(dtype, container):
    """NaN is the missing category in float16 and float32 columns too (a NumPy float32
    NaN was once not recognised: transform refused the training data), and float16
    values, which a pandas Index refuses, are categories as well."""
    rng = np.random.default_rng(2)
    values = rng.choice([0.5, 1.5, 2.25, np.nan], size=(40, 2)).astype(dtype)
    X = values if container == "array" else pd.DataFrame(values, columns=["a", "b"])
    assert_same_as_onehot(
        DummyEncoder(), OneHotEncoder(drop="first", sparse_output=False), X, X[:7]
    )


def test_missing_none_in_object_array_named_like_onehot():
    X = np.array([["a"], [None], ["b"], ["a"]], dtype=object)
    assert_same_as_onehot(DummyEncoder(), OneHotEncoder(drop="first", sparse_output=False), X)
    assert list(DummyEncoder().fit(X).get_feature_names_out()) == ["x0_b", "x0_None"]


def test_missing_kinds_are_one_category():
    X = pd.DataFrame({"c": pd.array(["a", None, "b", pd.NA, np.nan], dtype=object)})
    encoder = DummyEncoder(drop=None).fit(X)
    assert len(encoder.categories_[0]) == 3
    out = encoder.transform(X)
    np.testing.assert_array_equal(out[:, 2], [0, 1, 0, 1, 1])


def test_numeric_missing_is_last_category():
    X = np.array([[2.0], [np.nan], [1.0], [3.0]])
    encoder = DummyEncoder(drop=None).fit(X)
    assert encoder.categories_[0][:3].tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(encoder.categories_[0][3])


@pytest.mark.parametrize("drop", [None, "if_binary"])
def test_other_drops_equal_onehot(frame, drop):
    X = frame[["colour", "flag", "grade"]]
    assert_same_as_onehot(
        DummyEncoder(drop=drop), OneHotEncoder(drop=drop, sparse_output=False), X
    )


@pytest.mark.parametrize(
    "params",
    [
        {"min_frequency": 15},
        {"min_frequency": 0.1},
        {"max_categories": 3},
        {"max_categories": 1},
        {"min_frequency": 10, "max_categories": 4, "drop": None},
        {"min_frequency": 10, "drop": "if_binary"},
    ],
)
def test_infrequent_equal_onehot(frame, params):
    X = with_missing(frame[["grade", "colour"]], "grade")
    params = {"drop": "first", **params}
    encoder = DummyEncoder(**params)
    onehot = OneHotEncoder(sparse_output=False, **params)
    assert_same_as_onehot(encoder, onehot, X)
    infrequent = encoder.infrequent_categories_
    expected = onehot.infrequent_categories_
    for ours, theirs in zip(infrequent, expected, strict=True):
        assert (ours is None) == (theirs is None)


@pytest.mark.parametrize("drop", ["first", None, "if_binary"])
def test_handle_unknown_ignore_equals_onehot(frame, drop):
    X = frame[["colour", "grade"]]
    X_new = pd.DataFrame({"colour": ["purple", "red", "blue"], "grade": ["a", "z", "e"]})
    encoder = DummyEncoder(drop=drop, handle_unknown="ignore")
    onehot = OneHotEncoder(drop=drop, handle_unknown="ignore", sparse_output=False)
    with warnings.catch_warnings():
        # OneHotEncoder warns that unknown categories are encoded as zeros
        warnings.simplefilter("ignore", UserWarning)
        assert_same_as_onehot(encoder, onehot, X, X_new)
    # an unseen value encodes like the reference category when a category is dropped
    out = encoder.transform(X_new)
    if drop == "first":
        reference = encoder.transform(pd.DataFrame({"colour": ["blue"], "grade": ["a"]}))
        np.testing.assert_array_equal(out[0, :2], reference[0, :2])


def test_infrequent_if_exist(frame):
    X = frame[["grade"]]
    X_new = pd.DataFrame({"grade": ["zzz", "a"]})
    params = dict(handle_unknown="infrequent_if_exist", min_frequency=15, drop=None)
    assert_same_as_onehot(
        DummyEncoder(**params), OneHotEncoder(sparse_output=False, **params), X, X_new
    )


def test_equals_get_dummies_drop_first(frame):
    X = frame[["colour", "grade"]]
    expected = pd.get_dummies(X, drop_first=True, dtype=float)
    encoder = DummyEncoder()
    out = encoder.fit_transform(X)
    np.testing.assert_array_equal(out, expected.to_numpy())
    assert list(encoder.get_feature_names_out()) == list(expected.columns)


def test_auto_columns_pass_through_in_place(frame):
    encoder = DummyEncoder(columns="auto").fit(frame)
    names = list(encoder.get_feature_names_out())
    assert names == [
        "colour_green",
        "colour_red",
        "size",
        "grade_b",
        "grade_c",
        "grade_d",
        "grade_e",
        "flag_True",
        "count",
    ]
    out = encoder.transform(frame)
    np.testing.assert_array_equal(out[:, 2], frame["size"].to_numpy())
    np.testing.assert_array_equal(out[:, 8], frame["count"].to_numpy(dtype=float))
    # the same frame as an object array: numeric columns are detected by value
    encoder_array = DummyEncoder(columns="auto").fit(frame.to_numpy(dtype=object))
    np.testing.assert_array_equal(encoder_array.transform(frame.to_numpy(dtype=object)), out)


def test_auto_on_object_array_with_missing_numbers_and_bools():
    X = np.array(
        [[1.5, True, "a"], [np.nan, False, "b"], [2, None, None], [None, True, "a"]],
        dtype=object,
    )
    encoder = DummyEncoder(columns="auto").fit(X)
    assert list(encoder.encoded_columns_) == [1, 2]
    out = encoder.transform(X)
    np.testing.assert_array_equal(out[:, 0], [1.5, np.nan, 2, np.nan])


def test_columns_by_name_and_index(frame):
    by_name = DummyEncoder(columns=["grade", "colour"]).fit(frame)
    by_index = DummyEncoder(columns=[2, 0]).fit(frame)
    np.testing.assert_array_equal(by_name.transform(frame), by_index.transform(frame))
    assert list(by_name.encoded_columns_) == [0, 2]


def test_drop_dict(frame):
    X = frame[["colour", "grade"]]
    encoder = DummyEncoder(drop={"colour": "red"}).fit(X)
    names = list(encoder.get_feature_names_out())
    assert names[:2] == ["colour_blue", "colour_green"]
    assert names[2:] == ["grade_b", "grade_c", "grade_d", "grade_e"]  # left out: first
    onehot = OneHotEncoder(drop=["red", "a"], sparse_output=False).fit(X)
    np.testing.assert_array_equal(encoder.transform(X), onehot.transform(X))
    by_position = DummyEncoder(drop={0: "red", 1: "c"}).fit(X)
    assert "grade_a" in by_position.get_feature_names_out()


def test_explicit_categories(frame):
    X = frame[["colour"]]
    categories = [["red", "green", "blue", "purple"]]
    encoder = DummyEncoder(categories=categories).fit(X)
    onehot = OneHotEncoder(categories=categories, drop="first", sparse_output=False).fit(X)
    np.testing.assert_array_equal(encoder.transform(X), onehot.transform(X))
    assert list(encoder.get_feature_names_out()) == list(onehot.get_feature_names_out())


@pytest.mark.parametrize("columns", [None, "auto"])
def test_sparse_output_equals_dense(frame, columns):
    X = with_missing(frame, "colour")
    dense = DummyEncoder(columns=columns).fit_transform(X)
    csr = DummyEncoder(columns=columns, sparse_output=True).fit_transform(X)
    assert csr.format == "csr"
    np.testing.assert_array_equal(csr.toarray(), dense)
    onehot = OneHotEncoder(drop="first").fit_transform(X[["colour", "grade"]])
    ours = DummyEncoder(sparse_output=True).fit_transform(X[["colour", "grade"]])
    np.testing.assert_array_equal(ours.toarray(), onehot.toarray())


def test_dtype_and_fit_transform_equals_fit_then_transform(frame):
    encoder = DummyEncoder(columns="auto", dtype=np.float32)
    out = encoder.fit_transform(frame)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, encoder.transform(frame))


def test_polars_and_pandas_categorical_input(frame):
    pl = pytest.importorskip("polars")
    X = frame[["colour", "grade", "size"]]
    expected = DummyEncoder(columns="auto").fit_transform(X)
    out = DummyEncoder(columns="auto").fit_transform(pl.from_pandas(X))
    np.testing.assert_array_equal(out, expected)
    categorical = X.astype({"colour": "category", "grade": "category"})
    np.testing.assert_array_equal(
        DummyEncoder(columns="auto").fit_transform(categorical), expected
    )


def test_input_not_modified(frame):
    X = with_missing(frame, "grade")
    before = X.copy()
    DummyEncoder(columns="auto").fit(X).transform(X)
    pd.testing.assert_frame_equal(X, before)


def test_single_category_column_gives_no_dummy():
    X = np.array([["a", "x"], ["a", "y"]], dtype=object)
    encoder = DummyEncoder().fit(X)
    assert list(encoder.get_feature_names_out()) == ["x1_y"]


# ----------------------------------------------------------------------- errors


def test_unknown_category_error_names_column_and_value(frame):
    encoder = DummyEncoder().fit(frame[["colour", "grade"]])
    X_new = pd.DataFrame({"colour": ["red", "purple"], "grade": ["a", "b"]})
    with pytest.raises(ValueError, match=r"'purple'.*column 'colour'.*handle_unknown"):
        encoder.transform(X_new)


def test_unknown_missing_value_is_unknown(frame):
    encoder = DummyEncoder().fit(frame[["colour"]])
    with pytest.raises(ValueError, match="unknown categories.*colour"):
        encoder.transform(pd.DataFrame({"colour": [None]}))


def test_wrong_number_of_columns(frame):
    encoder = DummyEncoder().fit(frame[["colour", "grade"]].to_numpy())
    with pytest.raises(ValueError, match="X has 1 features, but DummyEncoder is expecting 2"):
        encoder.transform(frame[["colour"]].to_numpy())


def test_unknown_column_names_in_columns(frame):
    with pytest.raises(ValueError, match=r"columns refers to columns.*\['shape'\].*colour"):
        DummyEncoder(columns=["colour", "shape"]).fit(frame)
    with pytest.raises(ValueError, match=r"\[7\].*integer positions 0 to 4"):
        DummyEncoder(columns=[7]).fit(frame)
    with pytest.raises(ValueError, match="no string column names"):
        DummyEncoder(columns=["colour"]).fit(frame.to_numpy())


def test_missing_column_name_at_transform(frame):
    encoder = DummyEncoder(columns="auto").fit(frame)
    with pytest.raises(ValueError, match="grade"):
        encoder.transform(frame.drop(columns="grade"))


def test_bad_drop_dict(frame):
    X = frame[["colour", "size"]]
    with pytest.raises(ValueError, match="drop has a key 'shape'"):
        DummyEncoder(columns=["colour"], drop={"shape": "red"}).fit(X)
    with pytest.raises(ValueError, match="'size', which is not encoded"):
        DummyEncoder(columns=["colour"], drop={"size": 1.0}).fit(X)
    with pytest.raises(ValueError, match="'purple' for column 'colour'"):
        DummyEncoder(columns=["colour"], drop={"colour": "purple"}).fit(X)


def test_dropping_infrequent_category_raises(frame):
    with pytest.raises(ValueError, match="infrequent"):
        DummyEncoder(drop={"grade": "e"}, min_frequency=15).fit(frame[["grade"]])


def test_mixed_types_in_column_raise_clear_error():
    X = np.array([["a"], [1]], dtype=object)
    with pytest.raises(TypeError, match="mixes values of types"):
        DummyEncoder().fit(X)


def test_passthrough_column_that_is_not_numeric(frame):
    encoder = DummyEncoder(columns=["colour"]).fit(frame[["colour", "size"]])
    X_new = pd.DataFrame({"colour": ["red"], "size": ["big"]})
    with pytest.raises(ValueError, match="'size' passes through"):
        encoder.transform(X_new)


def test_wrong_number_of_categories_lists(frame):
    with pytest.raises(ValueError, match="one list of categories per encoded column"):
        DummyEncoder(categories=[["a"]]).fit(frame[["colour", "grade"]])


@pytest.mark.parametrize(
    "categories, shown",
    [(["a", "b", "a"], "['a']"), ([0.0, 1.0, 0.0, np.nan], "[np.float64(0.0)]")],
    ids=["strings", "numbers"],
)
def test_duplicate_categories_are_refused_like_onehot(categories, shown):
    """OneHotEncoder refuses predefined categories with duplicates; pandas' reindexing
    failed deep inside ('Reindexing only valid with uniquely valued Index objects')."""
    X = pd.DataFrame({"c": [categories[0], categories[2]] * 3})
    with pytest.raises(ValueError, match="predefined categories contain duplicate"):
        OneHotEncoder(categories=[categories]).fit(X)
    with pytest.raises(ValueError, match=rf"column 'c' contain duplicates: {re.escape(shown)}"):
        DummyEncoder(categories=[categories]).fit(X)


def test_all_missing_column_then_unseen_value():
    """Regression: a column with only missing values in fit, a string at transform."""
    X = pd.DataFrame({"c": pd.Series([None, None], dtype=object)})
    encoder = DummyEncoder(drop=None, handle_unknown="ignore").fit(X)
    assert list(encoder.get_feature_names_out()) == ["c_None"]
    out = encoder.transform(pd.DataFrame({"c": ["zzz", None]}))
    np.testing.assert_array_equal(out, [[0.0], [1.0]])


# ------------------------------------------------- odd dtypes (issue 11 item 4)


def temporal_frame():
    return pd.DataFrame(
        {
            "colour": ["red", "blue", "red"],
            "when": pd.to_datetime(["2020-01-01", None, "2021-06-01"]),
            "wait": pd.to_timedelta(["1D", "2D", None]),
        }
    )


@pytest.mark.parametrize("column", ["when", "wait"])
def test_datetime_and_timedelta_pass_through_raise_naming_the_column(column):
    X = temporal_frame()[["colour", column]]
    with pytest.raises(ValueError, match=f"Column '{column}' holds dates or durations"):
        DummyEncoder(columns="auto").fit_transform(X)


def test_polars_datetime_pass_through_raises_naming_the_column():
    pl = pytest.importorskip("polars")
    X = pl.from_pandas(temporal_frame()[["colour", "when"]])
    with pytest.raises(ValueError, match="Column 'when' holds dates or durations"):
        DummyEncoder(columns="auto").fit_transform(X)


def test_datetime_column_listed_in_columns_is_encoded_like_onehot():
    X = temporal_frame()[["when"]]
    complete = X.iloc[[0, 2, 0]]
    ours = DummyEncoder(columns=["when"], drop=None).fit_transform(complete)
    np.testing.assert_array_equal(ours, OneHotEncoder(sparse_output=False).fit_transform(complete))
    # NaT is a category of its own, last (OneHotEncoder fails on its own NaT at transform)
    out = DummyEncoder(columns=["when"], drop=None).fit_transform(X)
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_inf_in_frame_pass_through_raises_like_the_array_path():
    X = pd.DataFrame({"colour": ["a", "b", "a"], "size": [1.0, np.inf, np.nan]})
    with pytest.raises(ValueError, match="Column 'size' .*contains infinity"):
        DummyEncoder(columns="auto").fit_transform(X)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        DummyEncoder(columns=[]).fit_transform(X[["size"]].to_numpy())


@pytest.mark.parametrize(
    "dtype, values, bad",
    [
        (np.int8, [1.0, 300.0, 2.0], "300.0"),
        (np.uint8, [1.0, -1.0, 2.0], "-1.0"),
        (np.int16, [1.0, 2.5, 2.0], "2.5"),
        (np.int32, [1.0, np.nan, 2.0], "nan"),
        (np.float32, [1.0, 1e300, 2.0], "1e\\+300"),
    ],
)
def test_pass_through_values_that_dtype_cannot_hold_raise(dtype, values, bad):
    X = pd.DataFrame({"colour": ["a", "b", "a"], "size": values})
    with pytest.raises(ValueError, match=f"Column 'size' passes through.*{bad}.*wider dtype"):
        DummyEncoder(columns="auto", dtype=dtype).fit_transform(X)


def test_pass_through_values_that_dtype_holds_are_kept():
    X = pd.DataFrame({"colour": ["a", "b", "a"], "size": [1.0, 300.0, -5.0]})
    out = DummyEncoder(columns="auto", dtype=np.int16).fit_transform(X)
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, [[0, 1], [1, 300], [0, -5]])
    out32 = DummyEncoder(columns="auto", dtype=np.float32).fit_transform(X.assign(size=0.1))
    np.testing.assert_array_equal(out32[:, 1], np.float32(0.1))  # rounding is not refused


def test_if_binary_keeps_the_single_category_of_a_one_value_column_like_onehot():
    X = pd.DataFrame({"one": ["a"] * 4, "two": ["x", "y", "x", "x"], "three": list("pqrp")})
    encoder = DummyEncoder(drop="if_binary")
    onehot = OneHotEncoder(drop="if_binary", sparse_output=False)
    assert_same_as_onehot(encoder, onehot, X)
    assert list(encoder.get_feature_names_out()) == [
        "one_a",
        "two_y",
        "three_p",
        "three_q",
        "three_r",
    ]
    np.testing.assert_array_equal(encoder.transform(X)[:, 0], 1.0)
    assert list(encoder.drop_idx_) == list(onehot.drop_idx_) == [None, 0, None]


@pytest.mark.parametrize("drop", ["first", None])
def test_unsorted_numeric_categories_keep_the_order_given(drop):
    """OneHotEncoder refuses unsorted numeric categories ("Unsorted categories are not
    supported for numerical categories", a limit of its searchsorted lookup); DummyEncoder
    looks categories up by value and keeps the order given, numbers as OneHotEncoder keeps
    strings: the same columns as OneHotEncoder on the categories written as text, the
    reference (drop='first') being the first category given."""
    X = np.array([[1.0], [2.0], [3.0], [2.0], [3.0]])
    categories = [[3, 1, 2]]
    with pytest.raises(ValueError, match="Unsorted categories are not supported"):
        OneHotEncoder(categories=categories).fit(X)
    encoder = DummyEncoder(categories=categories, drop=drop).fit(X)
    as_text = OneHotEncoder(categories=[["3", "1", "2"]], drop=drop, sparse_output=False)
    expected = as_text.fit_transform(X.astype(int).astype(str).astype(object))
    np.testing.assert_array_equal(encoder.transform(X), expected)
    np.testing.assert_array_equal(encoder.categories_[0], [3, 1, 2])
    assert list(encoder.get_feature_names_out()) == list(as_text.get_feature_names_out())
    sparse_encoder = DummyEncoder(categories=categories, drop=drop, sparse_output=True)
    np.testing.assert_array_equal(sparse_encoder.fit_transform(X).toarray(), expected)


def test_dense_output_larger_than_memory_is_refused_before_allocating(monkeypatch):
    """An identifier-like column: the dense output is refused with the widest columns and
    the remedies named (it was a MemoryError deep in NumPy: 596 GiB for 200,000 ids); the
    sparse output of the same data is built."""
    import sklinear._resources as resources

    ids = pd.DataFrame({"id": [f"u{i}" for i in range(2000)], "x": np.arange(2000.0)})
    encoder = DummyEncoder(columns="auto").fit(ids)  # 1,999 dummies + x: 32 MB dense
    monkeypatch.setattr(resources, "available_memory", lambda: 8 * 2**20)
    with pytest.raises(
        ValueError, match=r"2000 rows x 2000 columns .*'id' \(1999 columns\).*sparse_output=True"
    ):
        encoder.transform(ids)
    sparse_output = DummyEncoder(columns="auto", sparse_output=True).fit_transform(ids)
    assert sparse_output.shape == (2000, 2000) and sparse_output.nnz == 1999 + 1999
    monkeypatch.setattr(resources, "available_memory", lambda: 64 * 2**20)
    assert encoder.transform(ids).shape == (2000, 2000)


def test_dense_output_that_would_leave_almost_no_memory_free_is_refused(monkeypatch):
    """The check compares the output with a share (three quarters) of the memory available,
    not with all of it: a 20 GiB output was allowed with 23 GiB available, leaving nothing
    for the step that uses it. Scaled down here: 20 MiB with 23 MiB available."""
    import sklinear._resources as resources

    X = pd.DataFrame({"c": [f"v{i % 1312}" for i in range(2000)]})
    encoder = DummyEncoder().fit(X)  # 2000 rows x 1311 dummies of float64: 20.0 MiB
    assert 2000 * 1311 * 8 == pytest.approx(20.0 * 2**20, rel=1e-3)
    monkeypatch.setattr(resources, "available_memory", lambda: 23 * 2**20)
    with pytest.raises(
        ValueError,
        match=r"about 20\.0 MiB .*more than the 17\.2 MiB it may take \(75% of the 23\.0 MiB "
        r"of memory available.*sparse_output=True.*smaller batches",
    ):
        encoder.transform(X)
    sparse_output = DummyEncoder(sparse_output=True).fit(X).transform(X)
    assert sparse_output.shape == (2000, 1311) and sparse_output.nnz == 2000 - 2
    monkeypatch.setattr(resources, "available_memory", lambda: 27 * 2**20)  # 20 <= 20.25
    assert encoder.transform(X).shape == (2000, 1311)


@pytest.mark.parametrize("threads", [2, 3, 7])
def test_dense_output_written_by_several_threads_equals_pandas(threads, monkeypatch):
    """A large dense output is written by every thread, one row range each, in chunks of
    rows; large columns are encoded on threads: the same numbers as pandas.get_dummies,
    pass-through columns in place, for any thread count (ranges of unequal length, more
    threads than a range needs, a last chunk shorter than the others)."""
    import sklinear.preprocessing._dummy as dummy_module

    monkeypatch.setattr(dummy_module, "_PARALLEL_OUTPUT_BYTES", 0)
    monkeypatch.setattr(dummy_module, "_PARALLEL_COLUMN_ROWS", 0)
    monkeypatch.setattr(dummy_module, "_CHUNK_ROWS", 64)
    monkeypatch.setattr(dummy_module, "available_threads", lambda: threads)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], 1001),
            "value": rng.normal(size=1001),
            "b": rng.choice(["p", "q", "r", "s", "t"], 1001),
        }
    )
    expected = pd.get_dummies(frame, drop_first=True, dtype=float)
    expected = expected[["a_y", "a_z", "value", "b_q", "b_r", "b_s", "b_t"]].to_numpy()
    encoder = DummyEncoder(columns=["a", "b"])
    np.testing.assert_array_equal(encoder.fit_transform(frame), expected)
    np.testing.assert_array_equal(encoder.transform(frame), expected)
    np.testing.assert_array_equal(encoder.transform(frame.iloc[:5]), expected[:5])
    unseen = frame.assign(a="w", b="u")  # unseen in both columns: the first is named
    with pytest.raises(ValueError, match=r"unknown categories \['w'\] in column 'a'"):
        encoder.transform(unseen)


@pytest.mark.parametrize("rows_needed, expected_maps", [(10, 1), (10**9, 0)])
def test_columns_are_encoded_on_the_pass_threads_from_enough_rows(
    rows_needed, expected_maps, monkeypatch
):
    """From ``_PARALLEL_COLUMN_ROWS`` rows the encoded columns are mapped over the pass
    threads, one task a column (fit and transform); below it they are encoded in the
    calling thread. The output is pandas' either way."""
    import sklinear.preprocessing._dummy as dummy_module

    maps = []
    real_pass_threads = dummy_module.pass_threads

    class CountingPool:
        def __init__(self, pool):
            self.pool = pool

        def map(self, function, items):
            items = list(items)
            maps.append(len(items))
            return self.pool.map(function, items)

    monkeypatch.setattr(dummy_module, "_PARALLEL_COLUMN_ROWS", rows_needed)
    monkeypatch.setattr(dummy_module, "available_threads", lambda: 2)
    monkeypatch.setattr(
        dummy_module, "pass_threads", lambda threads: CountingPool(real_pass_threads(threads))
    )
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"a": rng.choice(["x", "y", "z"], 40), "b": rng.choice(["p", "q"], 40), "c": 1.5}
    )
    expected = pd.get_dummies(frame, drop_first=True, dtype=float)
    encoder = DummyEncoder(columns=["a", "b"])
    output = encoder.fit_transform(frame)
    np.testing.assert_array_equal(output, expected[["a_y", "a_z", "b_q", "c"]].to_numpy())
    np.testing.assert_array_equal(encoder.transform(frame), output)
    assert maps == [2, 2] * expected_maps  # fit's columns, then transform's


@pytest.mark.parametrize("dtype", [str, "U5", object, "datetime64[s]"])
def test_dtype_that_is_not_numeric_is_refused_like_onehot(dtype):
    """dtype=str gave an array of "1" and "" and a datetime dtype dates of 1970 (silently);
    OneHotEncoder refuses these types (scipy.sparse holds none of them)."""
    X = np.array([["x"], ["y"]])
    with pytest.raises(ValueError):
        OneHotEncoder(dtype=dtype, sparse_output=False).fit_transform(X)
    with pytest.raises(ValueError, match="not a numeric type"):
        DummyEncoder(dtype=dtype).fit(X)


def test_float16_sparse_output_is_refused_at_fit():
    X = np.array([["x"], ["y"]])
    with pytest.raises(ValueError, match="float16 cannot be used with sparse_output=True"):
        DummyEncoder(dtype=np.float16, sparse_output=True).fit(X)
    dense = DummyEncoder(dtype=np.float16).fit_transform(X)
    assert dense.dtype == np.float16
    np.testing.assert_array_equal(dense, [[0], [1]])


@pytest.mark.parametrize("dtype", [bool, np.int8, complex])
def test_numeric_dtypes_equal_onehot(dtype):
    X = np.array([["x", "p"], ["y", "q"], ["z", "p"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complex: no ComplexWarning from the pass-through check
        ours = DummyEncoder(columns=[0], dtype=dtype).fit_transform(
            pd.DataFrame({"c": X[:, 0], "n": [1.0, 0.0, 1.0]})
        )
    theirs = OneHotEncoder(drop="first", dtype=dtype, sparse_output=False).fit_transform(X[:, :1])
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ours[:, :2], theirs)
    np.testing.assert_array_equal(ours[:, 2], np.array([1, 0, 1], dtype=dtype))


@pytest.mark.parametrize(
    "fit_values, transform_values",
    [
        ([True, False, True], [1.0, 0.0, 1.0]),  # a bool column read as 0/1 numbers later
        ([True, False, True], [1, 0, 2]),  # 2 is unknown
        ([0, 1, 1], [True, False, True]),
        ([0.0, 1.0, 0.0], np.array([True, False, True], dtype=object)),
    ],
)
def test_booleans_and_the_numbers_0_1_are_the_same_categories_like_onehot(
    fit_values, transform_values
):
    """True == 1 for OneHotEncoder (Python's comparison); a pandas index of booleans did
    not find 1.0, so with handle_unknown='ignore' every row was encoded as the reference
    (all zeros) without a word, and 'error' refused known values."""
    X, X_new = pd.DataFrame({"a": fit_values}), pd.DataFrame({"a": transform_values})
    for drop in ["first", None]:
        encoder = DummyEncoder(drop=drop, handle_unknown="ignore")
        onehot = OneHotEncoder(drop=drop, handle_unknown="ignore", sparse_output=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # OneHotEncoder's unknown warning
            assert_same_as_onehot(encoder, onehot, X, X_new)
    if 2 not in list(transform_values):
        assert_same_as_onehot(
            DummyEncoder(), OneHotEncoder(drop="first", sparse_output=False), X, X_new
        )
    # the reference named as the other kind of value: True as 1
    encoder = DummyEncoder(drop=[1]).fit(pd.DataFrame({"a": [True, False]}))
    assert list(encoder.get_feature_names_out()) == ["a_False"]


@pytest.mark.parametrize("columns", [None, ["x"]])
def test_polars_struct_column_is_refused_naming_the_column(columns):
    """Encoded or passed through, a polars Struct column failed in pandas' factorize
    ("Buffer has wrong number of dimensions (expected 1, got 2)")."""
    pl = pytest.importorskip("polars")
    X = pl.DataFrame(
        [pl.Series("d", [{"a": 1, "b": 2}, {"a": 2, "b": 3}]), pl.Series("x", ["u", "v"])]
    )
    with pytest.raises((TypeError, ValueError), match="Column 'd' holds nested values"):
        DummyEncoder(columns=columns).fit_transform(X)


def test_pyarrow_dictionary_and_interval_columns_are_categories_for_auto():
    """read_parquet(dtype_backend="pyarrow") gives a category column as a pyarrow
    dictionary: columns='auto' passed it through and failed ("could not convert string to
    float"); the same frame with pandas' category dtype is the reference."""
    pa = pytest.importorskip("pyarrow")
    values = ["x", None, "y", "x"]
    dictionary = pd.Series(
        pa.array(values).dictionary_encode(),
        dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
    )
    intervals = pd.Series(pd.arrays.IntervalArray.from_breaks([0, 1, 2, 3, 4]))
    X = pd.DataFrame({"d": dictionary, "n": [1.0, 2.0, 3.0, 4.0], "i": intervals})
    reference = X.assign(d=pd.Categorical(values), i=intervals.astype("category"))
    ours = DummyEncoder(columns="auto").fit(X)
    theirs = DummyEncoder(columns="auto").fit(reference)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(reference))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert list(ours.get_feature_names_out())[:3] == ["d_y", "d_nan", "n"]


def test_complex_pass_through_column_is_refused():
    """A complex column passed through as its real parts (1+1j became 1.0)."""
    X = pd.DataFrame({"c": [1 + 1j, 2, 3], "k": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="Column 'c' passes through.*complex numbers"):
        DummyEncoder(columns="auto").fit_transform(X)


def test_integer_column_names_are_positions_and_the_error_says_so():
    """A frame with integer column names has no feature_names_in_ (scikit-learn keeps
    string names only), so columns=[5] is a position; the error said "the input has no
    column names" of a frame that has them."""
    X = pd.DataFrame({5: ["x", "y"], 1: ["a", "b"]})
    with pytest.raises(ValueError, match="integers are positions, also in a DataFrame"):
        DummyEncoder(columns=[5]).fit(X)
    encoder = DummyEncoder(columns=[0]).fit(X)  # position 0: the column named 5
    assert list(encoder.get_feature_names_out()) == ["x0_y", "x1"]
