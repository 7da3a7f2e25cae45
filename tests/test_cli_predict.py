"""``sklinear predict MODEL DATA.csv``: a saved pipeline applied to a new file."""

import io

import numpy as np
import pandas as pd
import pytest
from _cli_util import TINY, mixed_frame, regression_frame, run


@pytest.fixture
def saved(tmp_path, capsys):
    """A classifier saved by ``sklinear cv --output`` and the table it was fitted on."""
    pytest.importorskip("joblib")
    frame = mixed_frame(n=60)
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--output", out_dir)  # fmt: skip
    assert code == 0, err
    return out_dir / "model.joblib", frame


def test_predict_writes_one_line_per_row_equal_to_the_model(saved, tmp_path, capsys):
    import joblib

    model_path, frame = saved
    new = frame.drop(columns="label").iloc[:15].copy()
    new.loc[2, "weight"] = np.nan  # a missing value
    new.loc[4, "colour"] = "purple"  # a category never seen in training
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    code, out, err = run(capsys, "predict", model_path, new_path, "--proba")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 15
    model = joblib.load(model_path)
    expected = pd.read_csv(new_path)
    np.testing.assert_array_equal(table["prediction"], model.predict(expected))
    proba = model.predict_proba(expected)
    np.testing.assert_allclose(table[["proba_big", "proba_small"]], proba, rtol=1e-6)
    assert np.all(np.isfinite(proba))


def test_predict_ignores_the_target_and_writes_a_file(saved, tmp_path, capsys):
    model_path, frame = saved
    new_path = tmp_path / "new.csv"
    frame.iloc[:7].to_csv(new_path, index=False)  # still has the 'label' column
    out_file = tmp_path / "predictions.csv"
    code, out, err = run(capsys, "predict", model_path, new_path, "--output", out_file)
    assert code == 0, err
    assert "ignoring columns the model does not use: 'label'" in err
    assert f"wrote 7 predictions to {out_file}" in err
    assert list(pd.read_csv(out_file).columns) == ["prediction"]
    assert len(pd.read_csv(out_file)) == 7


def test_predict_reads_markers_and_decimals_as_cv_does(saved, tmp_path, capsys):
    model_path, frame = saved
    new = frame.drop(columns="label").iloc[:4].copy()
    text = new.to_csv(index=False, sep=";", decimal=",", na_rep="?")
    (tmp_path / "eu.csv").write_text(text)
    code, out, err = run(capsys, "predict", model_path, tmp_path / "eu.csv", "--sep", ";",
                         "--decimal", ",")  # fmt: skip
    assert code == 0, err
    reference_path = tmp_path / "plain.csv"
    new.to_csv(reference_path, index=False)
    code, plain, err = run(capsys, "predict", model_path, reference_path)
    assert out == plain


def test_predict_regression(tmp_path, capsys):
    frame = regression_frame()
    frame.to_csv(tmp_path / "train.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "train.csv", "--target", "y", *TINY, "-q",
                         "--output", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    frame.drop(columns="y").iloc[:5].to_csv(tmp_path / "new.csv", index=False)
    code, out, err = run(capsys, "predict", tmp_path / "out" / "model.joblib",
                         tmp_path / "new.csv")  # fmt: skip
    assert code == 0, err
    assert len(pd.read_csv(io.StringIO(out))) == 5
    code, out, err = run(capsys, "predict", tmp_path / "out" / "model.joblib",
                         tmp_path / "new.csv", "--proba")  # fmt: skip
    assert code == 1 and "--proba needs a classifier" in err


def test_predict_bad_input_is_one_line(saved, tmp_path, capsys):
    model_path, frame = saved
    frame[["size", "label"]].iloc[:3].to_csv(tmp_path / "lacking.csv", index=False)
    bad = frame.drop(columns="label").iloc[:3].astype(object)
    bad.loc[1, "weight"] = "heavy"
    bad.to_csv(tmp_path / "text.csv", index=False)
    (tmp_path / "junk.joblib").write_bytes(b"not a pickle")
    cases = [
        (["predict", tmp_path / "none.joblib", tmp_path / "text.csv"], "no such file"),
        (["predict", tmp_path / "junk.joblib", tmp_path / "text.csv"], "cannot load model"),
        # pickle's own message for these bytes is a bare number ('110')
        (["predict", tmp_path / "junk.joblib", tmp_path / "text.csv"], "it is not a model "
                                                                      "file that joblib can "
                                                                      "read (KeyError: "),
        (["predict", model_path, tmp_path / "missing.csv"], "no such file"),
        (["predict", model_path, tmp_path / "lacking.csv"], "lacks 2 of the model's feature "
                                                           "columns: 'colour', 'weight'"),
        (["predict", model_path, tmp_path / "text.csv"], "column 'weight' was numeric when the "
                                                        "model was fitted, but holds 'heavy' "
                                                        "in data row 2"),
        (["predict", model_path], "the following arguments are required"),
    ]  # fmt: skip
    for argv, fragment in cases:
        code, out, err = run(capsys, *argv)
        assert code in (1, 2), (argv, err)
        assert err.count("\n") == 1 and err.startswith("sklinear: error: "), (argv, err)
        assert fragment in err, (argv, err)
        assert out == ""


def test_values_the_model_refuses_are_a_problem_with_the_data(saved, tmp_path, capsys):
    """An infinite value in a new file is refused by the pipeline's imputer: one line
    naming the file and the column, exit status 1, as a problem with the data (it was
    reported as an unexpected error, 'set SKLINEAR_DEBUG=1 to see the traceback')."""
    model_path, frame = saved
    new = frame.drop(columns="label").iloc[:5].copy()
    new.loc[1, "weight"] = -np.inf
    new.to_csv(tmp_path / "inf.csv", index=False)
    for proba in ([], ["--proba"]):
        code, out, err = run(capsys, "predict", model_path, tmp_path / "inf.csv", *proba)
        assert code == 1 and out == "" and err.count("\n") == 1, err
        assert err.startswith("sklinear: error: cannot predict the rows of ")
        assert "inf.csv': Column 'weight' contains infinity" in err
        assert "SKLINEAR_DEBUG" not in err and "ValueError" not in err


def test_columns_get_the_types_they_had_in_training(saved, tmp_path, capsys):
    import joblib

    from sklinear.cli._predict import align_columns

    model_path, frame = saved
    model = joblib.load(model_path)
    new = frame.drop(columns="label").iloc[:6].copy()
    # Numbers given as text (as a reader without the right options leaves them) are
    # read as numbers again, so the model sees the values it would see from the file.
    as_text = new.astype({"weight": object})
    as_text["weight"] = [None if pd.isna(v) else f"{v!r}" for v in new["weight"]]
    stream = io.StringIO()
    aligned = align_columns(model, as_text, stream=stream)
    assert aligned["weight"].dtype == float
    np.testing.assert_array_equal(aligned["weight"], new["weight"])
    np.testing.assert_array_equal(model.predict(aligned), model.predict(new))
    assert not pd.api.types.is_numeric_dtype(as_text["weight"])  # the input is unchanged


def test_text_column_that_looks_numeric_in_a_new_file(tmp_path, capsys):
    """Codes read as text in training ('1', '2', 'x') stay text when a new file has no 'x'."""
    import joblib

    rng = np.random.default_rng(5)
    n = 60
    code_values = rng.choice(["1", "2", "x"], size=n)
    x = rng.normal(size=n)
    label = np.where(x + (code_values == "2") * 2 + 0.3 * rng.normal(size=n) > 1, "a", "b")
    pd.DataFrame({"x": x, "code": code_values, "label": label}).to_csv(
        tmp_path / "train.csv", index=False
    )
    code, out, err = run(capsys, "cv", tmp_path / "train.csv", "--target", "label", *TINY,
                         "-q", "--output", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    new = pd.DataFrame({"x": [0.1, 0.2, -0.3, 0.0], "code": ["1", "2", "2", "1"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    assert pd.read_csv(tmp_path / "new.csv")["code"].dtype != object  # pandas reads numbers
    code, out, err = run(capsys, "predict", tmp_path / "out" / "model.joblib",
                         tmp_path / "new.csv")  # fmt: skip
    assert code == 0, err
    model = joblib.load(tmp_path / "out" / "model.joblib")
    expected = model.predict(new.astype({"code": object}))
    np.testing.assert_array_equal(pd.read_csv(io.StringIO(out))["prediction"], expected)
    # The codes matter to this model: treating them as unseen would change a prediction.
    unseen = model.predict(new.assign(code=["?"] * 4))
    assert np.any(unseen != expected)


def test_predict_reads_thousands_separators_as_cv_does(tmp_path, capsys):
    pytest.importorskip("joblib")
    frame = regression_frame()
    frame["x"] = (1000 * frame["x"]).round(1)
    frame.to_csv(tmp_path / "train.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "train.csv", "--target", "y", *TINY, "-q",
                         "--output", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    new = frame.drop(columns="y").iloc[:6]
    new.to_csv(tmp_path / "plain.csv", index=False)
    (tmp_path / "new.csv").write_text(
        "x,group\n" + "".join(f'"{r.x:,.1f}",{r.group}\n' for r in new.itertuples())
    )
    model = tmp_path / "out" / "model.joblib"
    code, out, err = run(capsys, "predict", model, tmp_path / "new.csv")
    assert code == 1 and err.count("\n") == 1
    assert "column 'x' was numeric when the model was fitted" in err and "--thousands" in err
    code, out, err = run(capsys, "predict", model, tmp_path / "new.csv", "--thousands", ",")
    assert code == 0, err
    code, plain, err = run(capsys, "predict", model, tmp_path / "plain.csv")
    assert out == plain
