"""Property tests on random mixed-type frames: shapes, names, indicators, no input change."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklinear import (
    DummyEncoder,
    GDLinearRegressor,
    GDLogisticClassifier,
    MissingIndicatorImputer,
    PolyFeatures,
)

# Examples are drawn deterministically, without a database: see tests/conftest.py.
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

category = st.one_of(st.sampled_from(["a", "b", "c", "", "dd"]), st.none(), st.just(np.nan))
number = st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.just(np.nan))


@st.composite
def mixed_frames(draw, min_rows=1):
    n_rows = draw(st.integers(min_rows, 25))
    n_categorical = draw(st.integers(0, 3))
    n_numeric = draw(st.integers(0 if n_categorical else 1, 3))
    columns = {}
    for i in range(n_categorical):
        columns[f"c{i}"] = pd.Series(
            draw(st.lists(category, min_size=n_rows, max_size=n_rows)), dtype=object
        )
    for i in range(n_numeric):
        columns[f"n{i}"] = pd.Series(
            draw(st.lists(number, min_size=n_rows, max_size=n_rows)), dtype=float
        )
    order = draw(st.permutations(list(columns)))
    return pd.DataFrame({name: columns[name] for name in order})


def unseen_rows(frame):
    """Rows like the frame's, with an unseen category and unseen missing values."""
    new = frame.copy()
    for name in new.columns:
        if new[name].dtype == object:
            new[name] = pd.Series(["zzz", None] * len(new), dtype=object)[: len(new)].values
        else:
            new[name] = np.nan
    return new


@SETTINGS
@given(frame=mixed_frames())
def test_imputer_properties(frame):
    before = frame.copy()
    imputer = MissingIndicatorImputer()
    out = imputer.fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)
    names = imputer.get_feature_names_out()
    n_columns = frame.shape[1]
    assert out.shape == (len(frame), len(names))
    assert list(names[:n_columns]) == list(frame.columns)
    missing = frame.isna().to_numpy()
    had_missing = np.flatnonzero(missing.any(axis=0))
    np.testing.assert_array_equal(imputer.indicator_features_, had_missing)
    indicators = np.asarray(out[:, n_columns:], dtype=float)
    np.testing.assert_array_equal(indicators, missing[:, had_missing])
    assert not pd.isna(pd.DataFrame(out)).to_numpy().any()
    # columns missing only at transform are filled, the indicator set stays the same
    out_new = imputer.transform(unseen_rows(frame))
    assert out_new.shape == out.shape
    assert not pd.isna(pd.DataFrame(out_new)).to_numpy().any()


@SETTINGS
@given(frame=mixed_frames(), drop=st.sampled_from(["first", None, "if_binary"]))
def test_dummy_encoder_properties(frame, drop):
    before = frame.copy()
    encoder = DummyEncoder(columns="auto", drop=drop, handle_unknown="ignore")
    out = encoder.fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)
    names = encoder.get_feature_names_out()
    assert out.shape == (len(frame), len(names))
    np.testing.assert_array_equal(out, encoder.transform(frame))
    sparse_out = DummyEncoder(columns="auto", drop=drop).fit_transform(frame)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(sparse_out))
    out_new = encoder.transform(unseen_rows(frame))
    assert out_new.shape[1] == len(names)
    for k, j in enumerate(encoder.encoded_columns_):
        column = frame.columns[j]
        group = [i for i, name in enumerate(names) if name.startswith(f"{column}_")]
        row_sums = out[:, group].sum(axis=1)
        assert set(np.unique(out[:, group])) <= {0.0, 1.0}
        if drop is None:
            np.testing.assert_array_equal(row_sums, 1.0)
        else:
            assert (row_sums <= 1.0).all()
        is_unseen = (unseen_rows(frame).iloc[:, j] == "zzz").to_numpy()
        assert (out_new[is_unseen][:, group] == 0).all()  # unseen values: all zeros
        categories = encoder.categories_[k]
        non_missing = [c for c in categories if isinstance(c, str)]
        assert non_missing == sorted(non_missing)
        assert all(isinstance(c, str) for c in categories[: len(non_missing)])


@SETTINGS
@given(frame=mixed_frames(), degree=st.integers(1, 3))
def test_pipeline_of_the_three_properties(frame, degree):
    imputed = MissingIndicatorImputer().fit_transform(frame)
    encoded = DummyEncoder(columns="auto").fit_transform(imputed)
    assert not np.isnan(encoded).any()
    poly = PolyFeatures(degree=degree)
    if encoded.shape[1] == 0:
        # Only text columns, each with a single category (one row, say): drop='first'
        # leaves no dummy, as OneHotEncoder(drop='first') does. The next step says so.
        assert all(len(c) == 1 for c in DummyEncoder(columns="auto").fit(imputed).categories_)
        with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(\d+, 0\)\)"):
            poly.fit(encoded)
        return
    out = poly.fit_transform(encoded)
    assert out.shape == (len(frame), len(poly.get_feature_names_out()))
    np.testing.assert_allclose(out[:, : encoded.shape[1]], encoded)


def test_one_row_single_category_frame_encodes_to_zero_columns_like_onehot():
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.DataFrame({"c0": ["a"]})
    ours = DummyEncoder(columns="auto").fit_transform(frame)
    theirs = OneHotEncoder(drop="first", sparse_output=False).fit_transform(frame)
    assert ours.shape == theirs.shape == (1, 0)
    with pytest.raises(ValueError, match="0 feature"):
        PolyFeatures().fit(ours)


# ------------------------------------- the full pipeline on hostile frames (issue 11 item 9)

MISSING_MARKERS = ["?", "NA", "N/A", "null", "-", ""]


@st.composite
def hostile_frames(draw):
    """Small frames of nullable dtypes, datetimes with NaT, inf, odd markers, ID columns."""
    n_rows = draw(st.integers(1, 12))
    rows = st.lists
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["float", "Int64", "boolean", "string", "markers", "id", "datetime", "object"]
            ),
            min_size=1,
            max_size=4,
        )
    )
    columns = {}
    for i, kind in enumerate(kinds):
        name = f"{kind}{i}"
        if kind == "float":
            special = st.sampled_from([np.nan, np.inf, -np.inf])
            finite = st.floats(-1e3, 1e3, allow_nan=False)
            values = draw(
                rows(st.one_of(finite, finite, special), min_size=n_rows, max_size=n_rows)
            )
            columns[name] = pd.Series(values, dtype=float)
        elif kind == "Int64":
            values = draw(
                rows(st.one_of(st.integers(-5, 5), st.none()), min_size=n_rows, max_size=n_rows)
            )
            columns[name] = pd.array(values, dtype="Int64")
        elif kind == "boolean":
            values = draw(
                rows(st.sampled_from([True, False, None]), min_size=n_rows, max_size=n_rows)
            )
            columns[name] = pd.array(values, dtype="boolean")
        elif kind == "string":
            values = draw(
                rows(st.sampled_from(["x", "y", None]), min_size=n_rows, max_size=n_rows)
            )
            columns[name] = pd.array(values, dtype="string")
        elif kind == "markers":
            values = draw(
                rows(
                    st.sampled_from(["u", "v", *MISSING_MARKERS]), min_size=n_rows, max_size=n_rows
                )
            )
            columns[name] = pd.Series(values, dtype=object)
        elif kind == "id":
            columns[name] = pd.Series([f"id-{draw(st.uuids())}" for _ in range(n_rows)])
        elif kind == "datetime":
            values = draw(
                rows(
                    st.sampled_from(["2020-01-01", "2021-05-05", None]),
                    min_size=n_rows,
                    max_size=n_rows,
                )
            )
            columns[name] = pd.to_datetime(pd.Series(values))
        else:  # object column mixing numbers and missing values
            values = draw(
                rows(st.sampled_from([1.5, 2, None, np.nan]), min_size=n_rows, max_size=n_rows)
            )
            columns[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


def _explains(error):
    """A refusal is a ValueError or TypeError with a message of a sentence or more."""
    return isinstance(error, (ValueError, TypeError)) and len(str(error)) > 20


@settings(max_examples=30)
@given(frame=hostile_frames(), task=st.sampled_from(["regression", "classification"]))
def test_full_pipeline_on_hostile_frames(frame, task):
    before = frame.copy()
    rng = np.random.default_rng(len(frame))
    if task == "regression":
        y = rng.normal(size=len(frame))
        model = GDLinearRegressor(max_iter=50)
    else:
        y = np.array(["no", "yes"] * len(frame))[: len(frame)]
        model = GDLogisticClassifier(max_iter=50)
    pipeline = make_pipeline(
        MissingIndicatorImputer(),
        DummyEncoder(columns="auto", handle_unknown="ignore"),
        PolyFeatures(degree=2),
        model,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            pipeline.fit(frame, y)
            predictions = pipeline.predict(frame)
        except Exception as error:  # noqa: BLE001 - the type is what is checked
            assert _explains(error), f"{type(error).__name__}: {error}"
        else:
            assert predictions.shape == (len(frame),)
            if task == "regression":
                assert np.isfinite(predictions).all()
            else:
                assert set(predictions) <= {"no", "yes"}
                assert np.isfinite(pipeline.predict_proba(frame)).all()
    pd.testing.assert_frame_equal(frame, before)
