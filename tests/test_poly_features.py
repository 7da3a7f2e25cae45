"""PolyFeatures: equivalence with PolynomialFeatures, dense and sparse, names, errors."""

import re

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


@pytest.mark.parametrize("degree", [(3, 2), (1, 2, 3), (-1, 2), ("a", 2), {1, 2}, [[1, 2]]])
def test_bad_degree(X, degree):
    with pytest.raises(ValueError, match="degree"):
        PolyFeatures(degree=degree).fit(X)


@pytest.mark.parametrize("degree", [[1, 2], [2, 3], np.array([0, 2])])
def test_degree_as_a_list_or_array_equals_polynomial_features(X, degree):
    """PolynomialFeatures takes any array-like (min_degree, max_degree): a list from a
    JSON / YAML configuration was refused here ("must be an instance of 'int' or an
    instance of 'tuple'")."""
    ours = PolyFeatures(degree=degree).fit(X)
    theirs = PolynomialFeatures(degree=degree, include_bias=False).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_degree_zero_without_bias_raises(X):
    with pytest.raises(ValueError, match="no output column"):
        PolyFeatures(degree=0).fit(X)


def test_wrong_number_of_columns(X):
    poly = PolyFeatures().fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but PolyFeatures is expecting 4"):
        poly.transform(X[:, :3])


# ----------------------------------------------------- memory (issue 11 item 5)


def test_fitted_transformer_stays_small_and_matches_sklearn_on_wide_input():
    import pickle

    X = np.random.default_rng(0).normal(size=(3, 400))
    ours = PolyFeatures(degree=2).fit(X)
    theirs = PolynomialFeatures(degree=2, include_bias=False).fit(X)
    assert ours.n_output_features_ == theirs.n_output_features_ == 400 + 400 * 401 // 2
    assert len(pickle.dumps(ours)) < 4096  # a dense powers_ table pickled to 246 MiB
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_degree_three_on_two_hundred_columns_fits_without_a_term_table():
    import pickle
    from math import comb

    X = np.random.default_rng(0).normal(size=(2, 200))
    ours = PolyFeatures(degree=3).fit(X)
    # PolynomialFeatures' own count; a dense table would hold 1.37 million x 200 ints
    theirs = PolynomialFeatures(degree=3, include_bias=False).fit(X)
    assert ours.n_output_features_ == theirs.n_output_features_ == comb(203, 3) - 1
    assert len(pickle.dumps(ours)) < 4096


@pytest.mark.parametrize("interaction_only", [False, True])
def test_many_columns_degree_three_equal_polynomial_features(interaction_only):
    X = np.random.default_rng(1).normal(size=(5, 12))
    params = dict(degree=(2, 3), interaction_only=interaction_only, include_bias=True)
    ours = PolyFeatures(**params).fit(X)
    theirs = PolynomialFeatures(**params).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)


def test_output_larger_than_memory_is_refused_before_allocating():
    # degree 4 on 400 columns: 1.1e9 output columns, 8.6 TB for 1000 rows
    X = np.random.default_rng(0).normal(size=(1000, 400))
    poly = PolyFeatures(degree=4).fit(X)
    with pytest.raises(ValueError, match=r"would need about \d+\.\d GiB .*1000 rows x"):
        poly.transform(X)


@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("n_features", [1, 3, 30])
def test_output_counts_equal_polynomial_features(n_features, interaction_only):
    """The closed-form count of output columns, over every degree range up to 6 (and
    degrees beyond the column count with interaction_only)."""
    X = np.ones((2, n_features))
    for max_degree in range(7):
        for min_degree in range(max_degree + 1):
            for bias in [False, True] if max_degree else [True]:
                params = dict(
                    degree=(min_degree, max_degree),
                    interaction_only=interaction_only,
                    include_bias=bias,
                )
                assert (
                    PolyFeatures(**params).fit(X).n_output_features_
                    == PolynomialFeatures(**params).fit(X).n_output_features_
                ), params


@pytest.mark.parametrize("interaction_only", [False, True])
def test_huge_degree_is_counted_at_once(interaction_only):
    """degree=10**9 is refused (or, with interaction_only, capped at the column count) at
    once: the count summed a billion binomials, one degree at a time."""
    X = np.ones((2, 3))
    if interaction_only:
        assert PolyFeatures(degree=10**9, interaction_only=True).fit(X).n_output_features_ == 7
    else:
        with pytest.raises(ValueError, match="more than an array can index"):
            PolyFeatures(degree=10**9).fit(X)


@pytest.mark.parametrize("table", ["names", "powers_"])
def test_term_tables_larger_than_memory_are_refused(monkeypatch, table):
    """get_feature_names_out and powers_ build one entry per output column: degree 4 on
    300 columns has 348,881,875 of them (tens of GiB of names); refused before building."""
    import sklinear._resources as resources

    poly = PolyFeatures(degree=4).fit(np.ones((2, 300)))
    monkeypatch.setattr(resources, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"GiB for .*348881875 output columns"):
        poly.get_feature_names_out() if table == "names" else poly.powers_
    small = PolyFeatures(degree=2).fit(np.ones((2, 300)))  # 45,450 terms: a few MiB
    assert len(small.get_feature_names_out()) == small.powers_.shape[0] == 45450


def test_memory_limit_dense_and_sparse(monkeypatch):
    import sklinear._resources as resources

    X = np.random.default_rng(0).normal(size=(100, 30))  # degree 3: 5455 columns, 4.4 MB
    poly = PolyFeatures(degree=3).fit(X)
    monkeypatch.setattr(resources, "available_memory", lambda: 4 * 2**20)
    with pytest.raises(ValueError, match="interaction_only=True, pass sparse input"):
        poly.transform(X)
    assert PolyFeatures(degree=2).fit_transform(X).shape == (100, 30 + 465)  # 0.4 MB fits
    X_sparse = sparse.random(100, 30, density=0.05, format="csr", random_state=0)
    assert poly.transform(X_sparse).shape == (100, 5455)  # few stored entries: fits
    with pytest.raises(ValueError, match="the sparse output"):
        poly.transform(sparse.csr_matrix(X))


def test_sparse_output_of_very_many_columns_is_refused_before_building_it():
    """10 rows of 1000 sparse columns at degree 6: few stored entries, but 1.4e15 output
    columns, whose column pointers (8 bytes each) no memory holds; refused at once (the
    check counted only the stored entries and the transform ran out of memory slicing
    the column blocks)."""
    X = sparse.random(10, 1000, density=0.01, format="csr", random_state=0)
    poly = PolyFeatures(degree=6).fit(X)
    with pytest.raises(ValueError, match=r"GiB for the sparse output .*select fewer columns"):
        poly.transform(X)


def test_sparse_column_pointers_count_against_memory(monkeypatch):
    """The column pointers alone can exceed the memory: degree 3 of 60 columns has
    39,710 columns (0.3 MB of pointers, three times) for 2 rows of 2 non-zeros."""
    import sklinear._resources as resources

    X = sparse.csr_matrix(([1.0, 2.0, 3.0, 4.0], ([0, 0, 1, 1], [0, 1, 2, 3])), shape=(2, 60))
    poly = PolyFeatures(degree=3).fit(X)
    monkeypatch.setattr(resources, "available_memory", lambda: 2**19)
    with pytest.raises(ValueError, match="the sparse output"):
        poly.transform(X)
    monkeypatch.setattr(resources, "available_memory", lambda: 4 * 2**20)
    assert poly.transform(X).shape == (2, 39710)


def test_non_numeric_columns_name_the_columns_and_the_remedy():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
    with pytest.raises(ValueError, match=r"PolyFeatures: X has 1 non-numeric column\(s\): 'b'"):
        PolyFeatures().fit(frame)
    model = PolyFeatures().fit(frame.assign(b=1.0))
    with pytest.raises(ValueError, match=r"'b' .*DummyEncoder"):
        model.transform(frame)


def test_drop_redundant_leaves_out_powers_of_indicators_and_exclusive_products():
    """Hand-worked: columns 0 and 1 are 0/1 and never both 1 (two dummies of one
    column), column 2 is numeric: x0^2, x0 x1 and x1^2 go; products with x2 stay. Two
    0/1 columns that are both 1 on some row keep their product; a power stays where the
    term it equals is not an output term."""
    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0], [0.0, 0.0, -1.0]])
    poly = PolyFeatures(2, drop_redundant=True).fit(X)
    names = ["x0", "x1", "x2", "x0 x2", "x1 x2", "x2^2"]
    assert list(poly.get_feature_names_out()) == names
    assert poly.n_output_features_ == 6
    expected = np.column_stack([X, X[:, 0] * X[:, 2], X[:, 1] * X[:, 2], X[:, 2] ** 2])
    assert np.array_equal(poly.transform(X), expected)
    both = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    poly = PolyFeatures(3, drop_redundant=True).fit(both)
    assert list(poly.get_feature_names_out()) == ["x0", "x1", "x0 x1"]
    assert np.array_equal(poly.transform(both)[:, 2], both[:, 0] * both[:, 1])
    # degrees 2 and 3: x0^2 = x0 and x1^2 = x1 stay (x0, x1 are not output terms), and
    # x0^3, x1^3 with them; x0^2 x1 and x0 x1^2 equal x0 x1 and go
    poly = PolyFeatures((2, 3), drop_redundant=True).fit(both)
    assert list(poly.get_feature_names_out()) == ["x0^2", "x0 x1", "x1^2", "x0^3", "x1^3"]


@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("degree", [2, 3, (2, 3)])
@pytest.mark.parametrize("container", ["dense", "csr", "csc"])
def test_drop_redundant_keeps_polynomial_features_columns(degree, interaction_only, container):
    """On dummies of two categorical columns beside numeric ones: the output is
    PolynomialFeatures' columns of the same names (so its order); every column left out
    is 0 on every row or equals a kept one (a power of a 0/1 column)."""
    from sklinear import DummyEncoder

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=200),
            "b": rng.choice(list("xyz"), 200),
            "c": rng.choice(list("pqrs"), 200),
            "d": rng.normal(size=200),
        }
    )
    Z = np.asarray(DummyEncoder(columns="auto").fit_transform(frame), dtype=float)
    X = {"dense": Z, "csr": sparse.csr_matrix(Z), "csc": sparse.csc_matrix(Z)}[container]
    reference = PolynomialFeatures(degree, interaction_only=interaction_only, include_bias=False)
    reference.fit(Z)
    names = list(reference.get_feature_names_out())
    full = reference.transform(Z)
    poly = PolyFeatures(degree, interaction_only=interaction_only, drop_redundant=True).fit(X)
    out = poly.transform(X)
    out = out.toarray() if sparse.issparse(out) else out
    index = [names.index(name) for name in poly.get_feature_names_out()]
    assert index == sorted(index) and out.shape[1] == poly.n_output_features_
    assert np.array_equal(out, full[:, index])
    assert np.array_equal(poly.powers_, reference.powers_[index])
    # the terms expected to go, from the reference's powers: zero on every row, or a power
    # of a 0/1 column equal to an output term (its degree with those powers at 1 in range)
    binary = ((Z == 0) | (Z == 1)).all(axis=0)
    powers = reference.powers_
    repeated = (powers[:, binary] > 1).any(axis=1)
    reduced = np.minimum(powers[:, binary], 1).sum(axis=1) + powers[:, ~binary].sum(axis=1)
    smallest = degree[0] if isinstance(degree, tuple) else 1
    redundant = ~full.any(axis=0) | (repeated & (reduced >= smallest))
    assert index == list(np.flatnonzero(~redundant))
    assert redundant.sum() >= 4


def test_drop_redundant_beyond_the_exclusive_table_limit_drops_only_powers(monkeypatch):
    """Above the limit of 0/1 columns for the co-occurrence table only the powers of 0/1
    columns are left out (products of never co-occurring ones are kept); degree 1 looks
    at nothing."""
    import sklinear.preprocessing._poly as poly_module

    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0], [0.0, 0.0, -1.0]])
    monkeypatch.setattr(poly_module, "_MAX_EXCLUSIVE_COLUMNS", 1)
    poly = PolyFeatures(2, drop_redundant=True).fit(X)
    assert list(poly.get_feature_names_out()) == [
        "x0",
        "x1",
        "x2",
        "x0 x1",
        "x0 x2",
        "x1 x2",
        "x2^2",
    ]
    monkeypatch.setattr(poly_module, "_redundancy", None)  # never called for degree 1
    assert np.array_equal(PolyFeatures(1, drop_redundant=True).fit_transform(X), X)


@pytest.mark.parametrize("format", ["csr", "csc"])
def test_sparse_input_with_a_degree_of_no_terms(format):
    """Sparse input where a degree has no term: the dummies of one categorical column
    with drop_redundant (every square equals its column, every product is 0), and
    interaction_only beyond the number of columns; the output is that of dense input
    (hand-worked: the columns themselves, after the bias)."""
    Z = np.eye(3)[[0, 1, 2, 1]]
    X = sparse.csr_matrix(Z).asformat(format)
    for degree, bias in [(2, False), (3, False), ((0, 2), True)]:
        poly = PolyFeatures(degree, include_bias=bias, drop_redundant=True).fit(X)
        out = poly.transform(X)
        assert sparse.issparse(out) and out.format == format
        expected = np.column_stack([np.ones(4), Z]) if bias else Z
        assert np.array_equal(out.toarray(), expected)
    reference = PolynomialFeatures(5, interaction_only=True, include_bias=False).fit(Z)
    out = PolyFeatures(5, interaction_only=True).fit(X).transform(X)
    assert np.array_equal(out.toarray(), reference.transform(Z))
    # no output column at all: an all-zero column's square with degree=(2, 2)
    out = PolyFeatures((2, 2), drop_redundant=True).fit_transform(sparse.csr_matrix((4, 1)))
    assert out.shape == (4, 0)


def test_drop_redundant_sparse_product_per_column_not_per_run(monkeypatch):
    """Sparse 0/1 columns (words present or not) leave kept parents in many short runs;
    each column's products are one sparse product over all its runs (one per run took 43
    s where the full output took 0.5 s on 2,000 x 1,500); the output is PolynomialFeatures'
    columns of the same names."""
    X = sparse.random(60, 40, density=0.1, format="csr", random_state=0)
    X.data[:] = 1.0
    poly = PolyFeatures(3, drop_redundant=True).fit(X)
    n_runs = sum(len(products) for products in poly._blocks(40, 3)[0])
    hstack = sparse.hstack
    sizes = []

    def counting_hstack(blocks, *args, **kwargs):
        sizes.append(len(blocks))
        return hstack(blocks, *args, **kwargs)

    monkeypatch.setattr(sparse, "hstack", counting_hstack)
    out = poly.transform(X)
    assert n_runs > 2 * 40 and max(sizes) <= 40
    reference = PolynomialFeatures(3, include_bias=False).fit(X.toarray())
    names = list(reference.get_feature_names_out())
    index = [names.index(name) for name in poly.get_feature_names_out()]
    assert np.array_equal(out.toarray(), reference.transform(X.toarray())[:, index])


def test_drop_redundant_memory_check_counts_the_kept_terms(monkeypatch):
    """The dummies of one column of 300 categories at degree 3: 4.5 million terms in all
    (180 MB of term table), none kept beyond degree 1 (every square equals its column,
    every product is 0). Fitting them is no longer refused for the table of all terms,
    with 64 MiB available; the sparse transform's check counts the kept columns too.
    A table the memory cannot hold is still refused: 300 columns of ones, where the
    products are kept."""
    import sklinear._resources as resources

    monkeypatch.setattr(resources, "available_memory", lambda: 64 * 2**20)
    Z = np.eye(300)[np.random.default_rng(0).permutation(np.arange(600) % 300)]
    poly = PolyFeatures(3, drop_redundant=True).fit(Z)
    assert poly.n_output_features_ == 300
    assert np.array_equal(poly.transform(Z), Z)
    out = poly.transform(sparse.csr_matrix(Z))
    assert sparse.issparse(out) and np.array_equal(out.toarray(), Z)
    with pytest.raises(ValueError, match=r"MiB for the table of the terms it keeps"):
        PolyFeatures(3, drop_redundant=True).fit(np.ones((2, 300)))


def _dates_with_a_missing_value():
    return pd.to_datetime(pd.Series(["2020-01-01", None, "2021-05-05"]))


@pytest.mark.parametrize(
    "make, shown",
    [
        (lambda: pd.DataFrame({"n": [1.0, 2.0, 3.0], "d": _dates_with_a_missing_value()}), "'d'"),
        (lambda: pd.DataFrame({"t": pd.to_timedelta([1, 2, 3], unit="D")}), "'t'"),
        (lambda: pd.DataFrame({"p": pd.period_range("2020-01", periods=3, freq="M")}), "'p'"),
        (lambda: pd.DataFrame({"z": _dates_with_a_missing_value().dt.tz_localize("UTC")}), "'z'"),
        (lambda: np.array([["2020-01-01"], ["NaT"]], dtype="datetime64[D]"), "X"),
    ],
)
def test_dates_and_durations_are_refused_naming_the_columns(make, shown):
    """As numbers, dates are counts of microseconds since 1970 and NaT is -9.2e18, which
    PolynomialFeatures squares into 8.5e37 silently (hand-checked); the imputer and the
    encoder already refuse such columns."""
    X = make()
    if isinstance(X, pd.DataFrame) and "d" in X:
        theirs = PolynomialFeatures(include_bias=False).fit_transform(X[["d"]])
        assert theirs[1, 0] == np.iinfo(np.int64).min  # NaT, used as a number
    with pytest.raises(ValueError, match=f"{re.escape(shown)}.* hold dates or durations"):
        PolyFeatures().fit(X)
    if isinstance(X, pd.DataFrame):  # fitted on numbers, given dates at transform
        numbers = pd.DataFrame(np.ones((2, X.shape[1])), columns=X.columns)
    else:
        numbers = np.ones((2, X.shape[1]))
    with pytest.raises(ValueError, match="hold dates or durations"):
        PolyFeatures().fit(numbers).transform(X)


def test_polars_date_column_is_refused_naming_it():
    pl = pytest.importorskip("polars")
    X = pl.DataFrame({"n": [1.0, 2.0], "d": pl.Series([1, None]).cast(pl.Date)})
    with pytest.raises(ValueError, match="'d' \\(Date\\) hold dates or durations"):
        PolyFeatures().fit(X)
