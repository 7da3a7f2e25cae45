"""``sklinear cv`` on real exports: odd separators and decimals, missing markers, ID-like
columns, columns that encode to nothing, every scorer."""

import io

import numpy as np
import pandas as pd
import pytest
from _cli_util import TINY, mixed_frame, parse_table, run
from sklearn.metrics import get_scorer_names

from sklinear.cli._data import DEFAULT_NA_VALUES


def _write(path, text):
    path.write_text(text)
    return path


def _feature_count(out):
    line = next(line for line in out.splitlines() if line.startswith("data:"))
    return int(line.split("rows, ")[1].split()[0])


def test_id_like_text_column_is_left_out_with_a_notice(tmp_path, capsys):
    frame = mixed_frame(n=60)
    frame["name"] = [f"passenger {i}" for i in range(60)]
    frame.loc[5, "name"] = None
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert _feature_count(out) == 3  # size, colour, weight
    assert "left out 1 ID-like text column" in err
    assert "'name' (59 distinct values in 59 rows)" in err
    assert "--keep-id-columns" in err

    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q", "--keep-id-columns")
    assert code == 0, err
    assert _feature_count(out) == 4
    assert "ID-like" not in err


def test_few_distinct_text_values_are_not_id_like(tmp_path, capsys):
    # 20 distinct values in 60 rows: a category, not an identifier.
    frame = mixed_frame(n=60)
    frame["town"] = [f"town {i % 20}" for i in range(60)]
    path = tmp_path / "towns.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert _feature_count(out) == 4
    assert "ID-like" not in err
    # Half the rows distinct, but only 15 values: a small table's category, kept.
    small = mixed_frame(n=30)
    small["code"] = [f"k{i % 15}" for i in range(30)]
    small.to_csv(tmp_path / "small.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "small.csv", "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert _feature_count(out) == 4
    assert "ID-like" not in err


def test_kept_id_column_merges_rare_categories(tmp_path, capsys):
    joblib = pytest.importorskip("joblib")
    frame = mixed_frame(n=60)
    frame["name"] = [f"p{i}" for i in range(60)]
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--keep-id-columns", "--output", out_dir)  # fmt: skip
    assert code == 0, err
    model = joblib.load(out_dir / "model.joblib")
    assert model.named_steps["encode"].min_frequency == 5


def _semicolon_export(tmp_path):
    rng = np.random.default_rng(3)
    lines = ["region;population;share;vote"]
    for i in range(40):
        share = rng.uniform(0, 1)
        vote = "yes" if share + 0.3 * rng.normal() > 0.5 else "no"
        lines.append(f"r{i % 4};{rng.integers(100, 9000)};{share:.3f}".replace(".", ",")
                     + f";{vote}")  # fmt: skip
    return _write(tmp_path / "export.csv", "\n".join(lines) + "\n")


def test_semicolon_file_without_sep_suggests_it(tmp_path, capsys):
    path = _semicolon_export(tmp_path)
    code, out, err = run(capsys, "cv", path, "--target", "vote")
    assert code == 2
    assert err.count("\n") == 1
    assert "unknown target column 'vote'" in err
    assert "use --sep ';'" in err and "--decimal ','" in err


def test_decimal_commas_are_reported_then_read_with_decimal(tmp_path, capsys):
    path = _semicolon_export(tmp_path)
    code, out, err = run(capsys, "cv", path, "--target", "vote", "--sep", ";", *TINY, "-q")
    assert code == 0, err
    assert "column 'share' holds numbers with decimal commas" in err
    assert "use --decimal ','" in err
    code, out, err = run(capsys, "cv", path, "--target", "vote", "--sep", ";",
                         "--decimal", ",", *TINY, "-q")  # fmt: skip
    assert code == 0, err
    assert "decimal commas" not in err
    # Read as numbers: the report equals that of the same table written the usual way.
    plain = tmp_path / "plain.csv"
    pd.read_csv(path, sep=";", decimal=",").to_csv(plain, index=False)
    assert pd.read_csv(plain)["share"].dtype == float
    code, plain_out, err = run(capsys, "cv", plain, "--target", "vote", *TINY, "-q")
    assert code == 0, err
    scores = [(r["mean"], r["std"], r["train"]) for r in parse_table(out)]
    assert scores == [(r["mean"], r["std"], r["train"]) for r in parse_table(plain_out)]


@pytest.mark.parametrize("marker", ["?", "NA", "N/A", "null", "-", "", "#N/A", "<NA>"])
def test_common_missing_markers_are_missing(tmp_path, capsys, marker):
    assert marker == "" or marker in DEFAULT_NA_VALUES
    rows = [f"{i / 10},{'big' if i % 2 else 'small'}" for i in range(30)]
    rows[4] = f"{marker},small"
    rows[9] = f"{marker},big"
    path = _write(tmp_path / "markers.csv", "x,label\n" + "\n".join(rows) + "\n")
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert "numeric except" not in err  # x was read as a number column with 2 missing values
    assert "failed" not in out


def test_na_values_option_replaces_the_markers(tmp_path, capsys):
    rows = [f"{i / 10},{'big' if i % 2 else 'small'}" for i in range(40)]
    rows[4] = "missing,small"
    rows[9] = "NA,big"
    path = _write(tmp_path / "markers.csv", "x,label\n" + "\n".join(rows) + "\n")
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--na-values", "missing")  # fmt: skip
    assert code == 0, err
    # 'NA' is no longer a marker: x is numeric except for one value, and the user is told.
    assert "column 'x' is numeric except for 1 of 39 values ('NA')" in err
    assert "--na-values" in err
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert "column 'x' is numeric except for 1 of 39 values ('missing')" in err


def test_features_that_encode_to_nothing_are_named(tmp_path, capsys):
    text = "kind,t\n" + "".join(f"same,{i % 2}\n" for i in range(12))
    path = _write(tmp_path / "constant.csv", text)
    code, out, err = run(capsys, "cv", path, "--target", "t", *TINY)
    assert code == 1
    assert err.count("\n") == 1
    assert "no feature is left to fit" in err
    assert "'kind' has a single category ('same')" in err

    frame = pd.DataFrame({"name": [f"n{i}" for i in range(30)], "t": [i % 2 for i in range(30)]})
    frame.to_csv(tmp_path / "names.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "names.csv", "--target", "t", *TINY)
    assert code == 1
    assert "'name' left out as ID-like" in err.splitlines()[-1]
    assert "--keep-id-columns" in err.splitlines()[-1]


def _scorer_tables(tmp_path):
    rng = np.random.default_rng(0)
    n = 45
    x, z = rng.normal(size=n), rng.normal(size=n)
    tables = {
        "binary": (pd.DataFrame({"x": x, "z": z,
                                 "t": np.where(x + 0.5 * rng.normal(size=n) > 0, "yes", "no")}),
                   "classifier"),
        "three": (pd.DataFrame({"x": x, "z": z, "t": np.array(["a", "b", "c"])[
                      np.digitize(x + 0.3 * rng.normal(size=n), [-0.4, 0.4])]}),
                  "classifier"),
        "numeric": (pd.DataFrame({"x": x, "z": z, "t": 2 * x + z + 0.1 * rng.normal(size=n)}),
                    "regressor"),
    }  # fmt: skip
    paths = {}
    for name, (frame, _) in tables.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def test_every_scorer_works_or_is_refused_in_one_line(tmp_path, capsys):
    paths = _scorer_tables(tmp_path)
    worked = {name: [] for name in paths}
    for scoring in sorted(get_scorer_names()):
        for name, path in paths.items():
            code, out, err = run(
                capsys, "cv", path, "--target", "t", "--degree", "1", "--alpha", "0.1",
                "--folds", "2", "--scoring", scoring, "-q",
            )  # fmt: skip
            if code == 0:
                rows = parse_table(out)
                assert all(np.isfinite(row["mean"]) for row in rows), (scoring, name, out)
                assert "failed" not in out and "Traceback" not in err, (scoring, name)
                # Only warnings a metric raises on a fold (e.g. an undefined ratio).
                assert all(line.startswith("sklinear: warning: ") for line in err.splitlines())
                worked[name].append(scoring)
            else:
                assert code == 1, (scoring, name, err)
                assert err.count("\n") == 1 and err.startswith("sklinear: error: --scoring")
                assert "rank" not in out, (scoring, name)  # refused before the search
    # The cases the issue names work: pos_label on text labels, the OvR variants.
    assert {"average_precision", "roc_auc", "f1", "neg_brier_score"} <= set(worked["binary"])
    assert {"roc_auc_ovr", "roc_auc_ovo_weighted", "f1_macro", "neg_log_loss"} <= set(
        worked["three"]
    )
    assert {"r2", "neg_max_error", "neg_mean_absolute_error"} <= set(worked["numeric"])
    assert "roc_auc" not in worked["three"]


def test_roc_auc_on_three_classes_names_the_ovr_variants(tmp_path, capsys):
    paths = _scorer_tables(tmp_path)
    code, out, err = run(capsys, "cv", paths["three"], "--target", "t", *TINY,
                         "--scoring", "roc_auc")  # fmt: skip
    assert code == 1
    assert "use roc_auc_ovr" in err and err.count("\n") == 1
    assert out == ""


def test_average_precision_on_text_labels_equals_sklearn(tmp_path, capsys):
    from _cli_util import printed_equal
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from test_cli_reference import _reference_pipeline

    import sklinear

    paths = _scorer_tables(tmp_path)
    code, out, err = run(capsys, "cv", paths["binary"], "--target", "t", "--degree", "1",
                         "--alpha", "0.1", "--folds", "3", "--scoring", "average_precision",
                         "-q")  # fmt: skip
    assert code == 0, err
    assert "positive class 'yes'" in out
    frame = pd.read_csv(paths["binary"])
    X, y = frame.drop(columns="t"), frame["t"]
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    model = _reference_pipeline(
        sklinear.GDLogisticClassifier(alpha=0.1, random_state=0, scale_predictors=True)
    )
    scores = []
    for train, test in folds.split(X, y):
        model.fit(X.iloc[train], y.iloc[train])
        scores.append(
            average_precision_score(y.iloc[test] == "yes", model.decision_function(X.iloc[test]))
        )
    assert printed_equal(parse_table(out)[0]["mean"], np.mean(scores))
    del cross_val_predict


def test_infinite_values_fail_every_fit_with_the_imputer_s_message(tmp_path, capsys):
    """'inf' in a CSV is read as infinity, which the imputer refuses: one line naming the
    column and what to do (a failed preprocessing once left the fold's design unbound and
    crashed with an UnboundLocalError)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "y": rng.normal(size=30)})
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text[6] = "inf," + text[6].split(",")[1]
    path.write_text("\n".join(text) + "\n")
    code, out, err = run(capsys, "cv", path, "--target", "y", *TINY, "-q")
    assert code == 1
    assert err.startswith("sklinear: error: every fit failed; the first error was: ValueError:")
    assert "Column 'a' contains infinity (1 value(s))" in err
    assert "UnboundLocalError" not in err and err.count("\n") == 1


def _scores(out):
    return [(r["mean"], r["std"], r["train"]) for r in parse_table(out)]


def _plain_scores(tmp_path, capsys, frame, target="label"):
    """The scores of ``frame`` written the usual way (comma-separated, plain numbers)."""
    plain = tmp_path / "plain.csv"
    frame.to_csv(plain, index=False)
    code, out, err = run(capsys, "cv", plain, "--target", target, *TINY, "-q")
    assert code == 0, err
    return _scores(out)


def _amounts_frame(n=30):
    rng = np.random.default_rng(5)
    x = rng.normal(size=n)
    price = (1000 + 4000 * rng.uniform(size=n)).round(1)
    label = np.where(x + 0.001 * (price - 3000) + 0.5 * rng.normal(size=n) > 0, "yes", "no")
    return pd.DataFrame({"x": x.round(3), "price": price, "label": label})


def test_tab_separated_file_is_read_with_sep_backslash_t(tmp_path, capsys):
    frame = _amounts_frame()
    path = tmp_path / "tabs.tsv"
    frame.to_csv(path, sep="\t", index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 2 and err.count("\n") == 1
    assert "separated by tabs: use --sep '\\t'" in err
    # '\t' as typed in a shell: a tab, read without pandas' warning about regex separators
    for sep in ["\\t", "tab", "\t"]:
        code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q", "--sep", sep)
        assert code == 0, err
        assert err == ""
        assert _scores(out) == _plain_scores(tmp_path, capsys, frame)


def test_thousands_separators_are_reported_then_read_with_thousands(tmp_path, capsys):
    frame = _amounts_frame()
    # A spreadsheet's comma-separated export: 1234.5 written as "1,234.5", quoted.
    path = tmp_path / "amounts.csv"
    path.write_text(
        "x,price,label\n"
        + "".join(f'{r.x},"{r.price:,.1f}",{r.label}\n' for r in frame.itertuples())
    )
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert "column 'price' holds numbers with ',' as thousands separator" in err
    assert "use --thousands ','" in err
    assert "--decimal" not in err  # --decimal ',' in a comma-separated file would be refused
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--thousands", ",")  # fmt: skip
    assert code == 0, err
    assert err == ""
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)

    # A European export: 1234.5 written as 1.234,5 in a semicolon-separated file.
    path = _write_european(tmp_path / "export.csv", frame)
    code, out, err = run(capsys, "cv", path, "--target", "label", "--sep", ";",
                         "--decimal", ",", *TINY, "-q")  # fmt: skip
    assert code == 0, err
    assert "column 'price' holds numbers with '.' as thousands separator" in err
    assert "use --thousands '.'" in err and "ID-like" not in err
    code, out, err = run(capsys, "cv", path, "--target", "label", "--sep", ";",
                         "--decimal", ",", "--thousands", ".", *TINY, "-q")  # fmt: skip
    assert code == 0, err
    assert err == ""
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)

    code, out, err = run(capsys, "cv", path, "--target", "label", "--sep", ";",
                         "--decimal", ",", "--thousands", ",")  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "--thousands and --decimal are both ','" in err


@pytest.mark.parametrize("written", ["{:.1f}%", "${:.2f}", "{:.2f} €"])
def test_numbers_with_percent_or_currency_signs_are_reported(tmp_path, capsys, written):
    frame = _amounts_frame()
    path = tmp_path / "signs.csv"
    path.write_text(
        "x,rate,label\n"
        + "".join(
            f"{r.x},{written.format(r.price / 100)},{r.label}\n" for r in frame.itertuples()
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err.count("\n") == 1, err  # one note, not 'ID-like text column'
    assert "column 'rate' holds numbers with percent or currency signs" in err
    assert "remove the signs from the file" in err


def test_date_columns_are_reported_as_dates(tmp_path, capsys):
    frame = _amounts_frame()
    days = pd.date_range("2023-01-01", periods=len(frame), freq="D")
    frame["day"] = days.strftime("%Y-%m-%d")
    frame["stamp"] = days.strftime("%d/%m/%Y 12:30")
    frame["month"] = days.strftime("%Y-%m-01")  # two distinct values: categories
    path = tmp_path / "dates.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 3 and "ID-like text column" not in err
    assert lines[0].startswith("sklinear: note: column 'day' holds dates or times (such as "
                               "'2023-01-01'), which are not converted to numbers: it is "
                               "left out")  # fmt: skip
    assert "column 'stamp' holds dates or times (such as '01/01/2023 12:30')" in lines[1]
    assert "column 'month' holds dates or times" in lines[2]
    assert "it is used as text categories (one per distinct value)" in lines[2]
    assert "add columns computed from them to the file" in lines[2]
    assert _feature_count(out) == 3  # x, price, month


def test_text_target_of_written_numbers_is_refused(tmp_path, capsys):
    frame = _amounts_frame()
    path = tmp_path / "price.csv"
    path.write_text("x,price\n" + "".join(f'{r.x},"{r.price:,.1f}"\n' for r in frame.itertuples()))
    for model in ["auto", "linear"]:
        code, out, err = run(capsys, "cv", path, "--target", "price", *TINY, "--model", model)
        assert code == 1 and err.count("\n") == 1 and out == ""
        assert "target column 'price' holds numbers with ',' as thousands separator" in err
        assert "use --thousands ','" in err
    code, out, err = run(capsys, "cv", path, "--target", "price", *TINY, "-q",
                         "--thousands", ",")  # fmt: skip
    assert code == 0, err
    assert "GDLinearRegressor" in out
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame[["x", "price"]], "price")


def test_repeated_column_names_are_reported_and_a_repeated_target_refused(tmp_path, capsys):
    frame = _amounts_frame()
    rows = "".join(f"{r.x},{r.price},{r.label},{r.label}\n" for r in frame.itertuples())
    path = _write(tmp_path / "twice.csv", "x,price,label,label\n" + rows)
    # pandas reads the second 'label' as 'label.1': a feature equal to the target, which
    # gave a perfect score
    for target in ["label", "label.1"]:
        code, out, err = run(capsys, "cv", path, "--target", target, *TINY)
        assert code == 1 and out == "" and err.count("\n") == 1
        assert "the header names column 'label' 2 times (read as 'label', 'label.1')" in err
        assert "remove or rename the repeated columns" in err

    rows = "".join(f"{r.x},{r.price},{r.x},{r.label}\n" for r in frame.itertuples())
    path = _write(tmp_path / "features.csv", "x,price,x,label\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err == (
        "sklinear: note: the header names column 'x' 2 times; they are read as 'x', 'x.1', "
        "each a feature: rename or remove the repeated columns if they are copies\n"
    )
    # A name with a number after a dot that pandas does not make ('v.0') is no repeat.
    frame.rename(columns={"x": "v", "price": "v.0"}).to_csv(tmp_path / "v.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "v.csv", "--target", "label", *TINY, "-q")
    assert code == 0 and err == ""


def test_a_real_dotted_name_is_no_repeated_name(tmp_path, capsys, monkeypatch):
    # 'x.1' written in the header beside 'x' was taken for pandas' name of a second 'x':
    # a false note, and a target 'x.1' refused. Only the header as written tells them apart.
    frame = _amounts_frame().rename(columns={"price": "x.1"})
    path = tmp_path / "dotted.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0 and err == "" and _feature_count(out) == 2
    code, out, err = run(capsys, "cv", path, "--target", "x.1", *TINY, "-q")
    assert code == 0 and err == "" and "GDLinearRegressor" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(path.read_text()))  # read twice: buffered
    code, out, err = run(capsys, "cv", "-", "--target", "x.1", *TINY, "-q")
    assert code == 0 and err == "" and "GDLinearRegressor" in out
    # Written twice beside a real 'x.1', 'x' is read as 'x', 'x.2' (pandas makes room).
    path.write_text("x,x.1,x,label\n" + "".join(
        f"{r.x},{r[2]},{-r.x},{r.label}\n" for r in frame.itertuples()))  # fmt: skip
    assert pd.read_csv(path).columns.tolist() == ["x", "x.1", "x.2", "label"]
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0
    assert err == (
        "sklinear: note: the header names column 'x' 2 times; they are read as 'x', 'x.2', "
        "each a feature: rename or remove the repeated columns if they are copies\n"
    )
    code, out, err = run(capsys, "cv", path, "--target", "x.2", *TINY)
    assert code == 1 and "the header names column 'x' 2 times (read as 'x', 'x.2')" in err


def test_target_classes_differing_in_case_or_spaces_are_reported(tmp_path, capsys):
    frame = _amounts_frame(n=40)
    label = frame["label"].astype(object)
    label[frame["x"] > 0.8] = "Yes"
    label[frame["x"] < -0.5] = "no "
    frame["label"] = label
    path = tmp_path / "variants.csv"
    frame.to_csv(path, index=False)
    assert pd.read_csv(path)["label"].nunique() == 4
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert "SoftmaxClassifier" in out  # four classes, as the file says; but the user is told
    assert err.splitlines() == [
        f"sklinear: note: classes {pair} of target 'label' differ only in case or surrounding "
        "spaces and are different classes; write each class one way in the file if they are "
        "the same"
        for pair in ["'Yes', 'yes'", "'no', 'no '"]
    ]

    # A variant too rare for the folds: the error says so instead of only 'remove its rows'.
    label[3] = " yes"
    frame["label"] = label
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 1 and err.count("\n") == 1
    assert "class ' yes' of target 'label' has only 1 row, fewer than --folds 3" in err
    assert "it differs from 'Yes', 'yes' only in case or surrounding spaces" in err
    assert err.endswith(", or remove its row\n")


@pytest.mark.parametrize(("n_rare", "shown"), [(1, "1 row"), (2, "2 rows")])
def test_too_rare_class_error_counts_its_rows_in_words(tmp_path, capsys, n_rare, shown):
    frame = _amounts_frame()
    frame.loc[: n_rare - 1, "label"] = "maybe"
    frame.to_csv(tmp_path / "rare.csv", index=False)
    code, out, err = run(capsys, "cv", tmp_path / "rare.csv", "--target", "label", *TINY)
    assert code == 1 and err.count("\n") == 1
    assert f"class 'maybe' of target 'label' has only {shown}, fewer than --folds 3" in err
    advice = "remove its row" if n_rare == 1 else "use --folds 2"
    assert err.endswith(f"(stratified folds need one per fold); {advice}\n")


def test_target_with_nearly_one_class_per_row_is_named_as_such(tmp_path, capsys):
    """A target of names (one class per row) is refused as too rare for the folds, saying
    that it looks like identifiers: the message advised to "remove its row" for the
    first of its 40 classes."""
    rows = "".join(f"{i / 10},person {i}\n" for i in range(40))
    path = _write(tmp_path / "names.csv", "x,name\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "name", *TINY)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "target 'name' has nearly one class per row (40 classes in 40 rows" in err
    assert "check that --target names the column to predict" in err
    assert "remove its row" not in err


def test_unnamed_row_index_column_is_left_out(tmp_path, capsys):
    # DataFrame.to_csv without index=False, of a table sorted by the target: the index was
    # read as a feature 'Unnamed: 0' that predicts the class from the order of the rows.
    frame = _amounts_frame().sort_values("label", ignore_index=True)
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err == (
        "sklinear: note: left out column 'Unnamed: 0': it has no name in the header and holds "
        "the row numbers 0 to 29, a row index written with the table (e.g. by DataFrame.to_csv "
        "without index=False), which would tie the predictions to the order of the rows; name "
        "it in the header to use it as a feature\n"
    )
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)
    # Named, the column is the user's feature; unnamed but not the row numbers, too.
    frame.to_csv(tmp_path / "named.csv", index_label="row")
    code, out, err = run(capsys, "cv", tmp_path / "named.csv", "--target", "label", *TINY, "-q")
    assert code == 0 and err == "" and _feature_count(out) == 3
    frame.set_axis(np.arange(30) * 2).to_csv(tmp_path / "even.csv")
    code, out, err = run(capsys, "cv", tmp_path / "even.csv", "--target", "label", *TINY, "-q")
    assert code == 0 and err == "" and _feature_count(out) == 3


def test_test_folds_of_one_row_are_refused_for_r2(tmp_path, capsys):
    # KFold(3) on 5 rows gives a test fold of one row, where R^2 is undefined: the table
    # said 'failed' for every candidate and the baseline, with exit status 0.
    from sklearn.metrics import r2_score
    from sklearn.model_selection import KFold

    path = _write(tmp_path / "five.csv", "x,y\n1,2.5\n3,4.1\n5,6.2\n2,3.3\n4,5.0\n")
    sizes = [len(test) for _, test in KFold(3).split(np.zeros(5))]
    assert min(sizes) == 1
    with pytest.warns(UserWarning, match="not well-defined"):
        assert np.isnan(r2_score([2.5], [2.4]))
    code, out, err = run(capsys, "cv", path, "--target", "y", *TINY)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "5 rows with a value for target 'y' in --folds 3 leave test folds of a single" in err
    assert "use --folds 2, or a score defined on one row" in err
    code, out, err = run(capsys, "cv", path, "--target", "y", *TINY, "--folds", "2")
    assert code == 0, err
    assert all(np.isfinite(row["mean"]) for row in parse_table(out))
    code, out, err = run(capsys, "cv", path, "--target", "y", *TINY,
                         "--scoring", "neg_mean_absolute_error")  # fmt: skip
    assert code == 0, err
    assert "warning" not in err

    path = _write(tmp_path / "three.csv", "x,y\n1,2.5\n3,4.1\n5,6.2\n")
    code, out, err = run(capsys, "cv", path, "--target", "y", "--folds", "2")
    assert code == 1 and "use a score defined on one row" in err


def test_numbers_typed_as_text_by_a_dropped_row_are_read_as_numbers(tmp_path, capsys):
    # A footer row ('Total ...', no target) made pandas type 'price' as text; once the row
    # was dropped for its missing target, every price was a category of its own.
    frame = _amounts_frame()
    path = tmp_path / "footer.csv"
    frame.to_csv(path, index=False)
    with path.open("a") as file:
        file.write("Total,123456.7,\n")
    assert not pd.api.types.is_numeric_dtype(pd.read_csv(path)["x"])
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert "dropped 1 row whose target is missing (30 rows kept)" in out  # not "1 rows"
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)

    # The same with decimal commas and thousands separators, read with their options.
    path = _write_european(tmp_path / "export.csv", frame, "note: prices in EUR;;\n")
    code, out, err = run(capsys, "cv", path, "--target", "label", "--sep", ";",
                         "--decimal", ",", "--thousands", ".", *TINY, "-q")  # fmt: skip
    assert code == 0, err
    assert err == ""
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)


def test_separator_after_the_last_field_of_each_row_is_ignored(tmp_path, capsys):
    # 'x,price,label' over rows '0.1,1234.5,yes,': pandas took the first field as the row
    # index and shifted the names, leaving 'label' empty ('every row lacks a value').
    frame = _amounts_frame()
    rows = "".join(f"{r.x},{r.price},{r.label},\n" for r in frame.itertuples())
    path = _write(tmp_path / "trailing.csv", "x,price,label\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err == ""
    assert _feature_count(out) == 2
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)

    # Row names with no header name, as R's write.table writes them: pandas' index, kept
    # out of the features, with a notice.
    rows = "".join(f"r{i},{r.x},{r.price},{r.label}\n" for i, r in enumerate(frame.itertuples()))
    path = _write(tmp_path / "rownames.csv", "x,price,label\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err.startswith("sklinear: note: the rows have 1 more field than the header")
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_encoding_option_reads_files_of_other_encodings(tmp_path, capsys, monkeypatch, encoding):
    frame = _amounts_frame()
    frame["town"] = np.array(["Zürich", "Genève", "Bâle"])[np.arange(len(frame)) % 3]
    path = tmp_path / "towns.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 1 and err.count("\n") == 1
    assert "it is not UTF-8 text. Give the encoding of a text file with --encoding" in err
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--encoding", encoding)  # fmt: skip
    assert code == 0, err
    expected = _plain_scores(tmp_path, capsys, frame)  # written as UTF-8
    assert _scores(out) == expected
    # Standard input too.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, out, err = run(capsys, "cv", "-", "--target", "label", *TINY, "-q",
                         "--encoding", encoding)  # fmt: skip
    assert code == 0, err
    assert _scores(out) == expected


def test_unknown_encoding_is_an_invalid_option(tmp_path, capsys):
    path = tmp_path / "t.csv"
    _amounts_frame().to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "label", "--encoding", "latin-9x")
    assert code == 2 and err.count("\n") == 1
    assert "--encoding 'latin-9x' is not a text encoding Python knows" in err


def test_unparsable_rows_and_comment_lines_say_what_to_check(tmp_path, capsys):
    rows = [f"{i / 10},{i % 3},{'yes' if i % 2 else 'no'}" for i in range(12)]
    rows[6] = "0.6,1,000,yes"  # an unquoted field holding the separator
    path = _write(tmp_path / "ragged.csv", "x,z,label\n" + "\n".join(rows) + "\n")
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY)
    assert code == 1 and err.count("\n") == 1
    assert "Expected 3 fields in line 8, saw 4" in err
    assert "check --sep, and that fields holding the separator are quoted" in err

    rows[6] = "0.6,1,yes"
    path = _write(tmp_path / "comment.csv", "# exported 2024-01-31\nx,z,label\n" + "\n".join(rows))
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY)
    assert code == 2 and err.count("\n") == 1
    assert "the first line seems to be a comment, read as the header: remove the lines" in err


@pytest.mark.parametrize("sep", [",", ";"])
def test_excel_separator_line_is_named(tmp_path, capsys, sep):
    """A first line 'sep=;' (written for Excel, which reads the separator from it) is read
    as the header: the message names it, whatever --sep (it suggested --sep ';', after
    which the columns were 'sep=', 'Unnamed: 1' and no hint)."""
    rows = [f"{i / 10}{sep}{i % 3}{sep}{'yes' if i % 2 else 'no'}" for i in range(12)]
    text = f"sep={sep}\nx{sep}z{sep}label\n" + "\n".join(rows) + "\n"
    path = _write(tmp_path / "excel.csv", text)
    for options in ([], ["--sep", sep]):
        code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, *options)
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert f"the first line ('sep={sep}') is a separator line written for Excel" in err
        assert f"remove that line from the file and use --sep '{sep}'" in err
        assert "seems to be separated by semicolons" not in err


@pytest.mark.parametrize("blank", ["   ", " ", " NA", "N/A "])
def test_blank_or_padded_marker_fields_are_missing(tmp_path, capsys, blank):
    # A field of spaces in a column of numbers made pandas type it as text: every number
    # became a category of its own, silently (accuracy 0.60 where the numbers give 0.87).
    frame = _amounts_frame()
    text = frame.to_csv(index=False).splitlines()
    for row in (5, 9):
        text[row] = blank + text[row][text[row].index(",") :]
    path = _write(tmp_path / "blank.csv", "\n".join(text) + "\n")
    assert not pd.api.types.is_numeric_dtype(pd.read_csv(path)["x"])
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert err == ""
    frame.loc[[4, 8], "x"] = np.nan  # the same table with empty fields
    assert _scores(out) == _plain_scores(tmp_path, capsys, frame)


@pytest.mark.parametrize("n_rows, every", [(120, 17), (2000, 30)])
def test_numbers_with_an_unknown_marker_in_many_rows_are_reported(tmp_path, capsys, n_rows, every):
    """A column of numbers with a missing-value marker the reader does not know in 6% of
    its rows (or 67 of 2,000: more than the 20 values a fixed cap allowed) is used as
    text categories, one per number: the user is told which values and the option to
    use, and with --na-values the column is read as numbers with missing values."""
    values = [f"{i / 7:.3f}" for i in range(n_rows)]
    labels = ["big" if i % 3 else "small" for i in range(n_rows)]
    for i in range(0, n_rows, every):
        values[i] = "n.a."
    n_marked = len(range(0, n_rows, every))
    text = "size,label\n" + "".join(f"{v},{t}\n" for v, t in zip(values, labels, strict=True))
    path = _write(tmp_path / "marked.csv", text)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q")
    assert code == 0, err
    assert f"column 'size' is numeric except for {n_marked} of {n_rows} values ('n.a.')" in err
    assert "--na-values" in err
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY, "-q",
                         "--na-values", "n.a.")  # fmt: skip
    assert code == 0, err
    assert "numeric except" not in err


def _write_european(path, frame, after_header=""):
    """``frame`` (x, price, label) as a European export: ';' between fields, decimal
    commas, '.' as thousands separator of the prices (1234.5 as 1.234,5)."""
    path.write_text(
        "x;price;label\n"
        + after_header
        + "".join(
            f"{str(r.x).replace('.', ',')};"
            + f"{r.price:,.1f};".replace(",", "_").replace(".", ",").replace("_", ".")
            + f"{r.label}\n"
            for r in frame.itertuples()
        )
    )
    return path


def test_true_false_target_with_missing_values_is_two_classes(tmp_path, capsys):
    """A True/False target with empty fields is read as an object column of booleans and
    missing values; once the rows without a target are dropped it is the same two classes
    as the column read without them (it failed with scikit-learn's "target type 'unknown'")."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=30)
    flags = [str(v) for v in x + 0.5 * rng.normal(size=30) > 0]
    with_gaps = [("" if i in (4, 19) else flag) for i, flag in enumerate(flags)]
    rows = "".join(f"{a},{f}\n" for a, f in zip(x, with_gaps, strict=True))
    path = _write(tmp_path / "flags.csv", "x,flag\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "flag", *TINY, "-q")
    assert code == 0, err
    assert "GDLogisticClassifier" in out and "dropped 2 rows" in out
    kept = pd.DataFrame({"x": x, "flag": flags}).drop(index=[4, 19])
    assert _scores(out) == _plain_scores(tmp_path, capsys, kept, "flag")


@pytest.mark.parametrize("model", ["auto", "linear"])
def test_numeric_target_with_an_unknown_marker_is_refused(tmp_path, capsys, model):
    """A numeric target with a missing-value marker the reader does not know in a few rows
    was read as text, and --model auto took every number for a class (16 classes instead
    of a regression on 15 integer values): it is refused, naming the values and
    --na-values, with which the marked rows are dropped as missing."""
    rng = np.random.default_rng(4)
    counts = np.arange(150) % 15
    x = counts + rng.normal(size=150)
    written = [str(c) for c in counts]
    for i in (17, 40, 66):
        written[i] = "n.a."
    rows = "".join(f"{a},{c}\n" for a, c in zip(x, written, strict=True))
    path = _write(tmp_path / "counts.csv", "x,count\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "count", *TINY, "--model", model)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "target column 'count' is numeric except for 3 of 150 values ('n.a.')" in err
    assert "--na-values" in err and "--model logistic or softmax" in err

    code, out, err = run(capsys, "cv", path, "--target", "count", *TINY, "-q",
                         "--na-values", "n.a.")  # fmt: skip
    assert code == 0, err
    assert "GDLinearRegressor" in out and "dropped 3 rows" in out
    # as class labels on request: a classifier of the 16 written values
    code, out, err = run(capsys, "cv", path, "--target", "count", *TINY, "-q",
                         "--model", "softmax")  # fmt: skip
    assert code == 0, err
    assert "SoftmaxClassifier" in out and "16 classes" in out


def test_unknown_target_suggests_the_column_differing_in_case(tmp_path, capsys):
    """--target LABEL for a column 'label' suggests it (difflib's ratio of the two is 0, so
    no column was suggested); a name with spaces around it in the header too."""
    rows = "".join(f"{i / 10},{i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(12))
    path = _write(tmp_path / "t.csv", "Size,z, label \n" + rows)
    for target, suggested in [("LABEL", " label "), ("SIZE", "Size"), ("label", " label ")]:
        code, out, err = run(capsys, "cv", path, "--target", target, *TINY)
        assert code == 2 and err.count("\n") == 1, err
        assert f"unknown target column {target!r} (did you mean {suggested!r}?)" in err


def test_wide_file_reaches_the_fits_without_the_reader_s_attrs(tmp_path, capsys, monkeypatch):
    """The header as written, kept in the table's ``attrs`` for the checks of the reading,
    reached the pipeline: pandas deep-copies ``attrs`` into every column taken from the
    table, so the transformers' column-by-column passes cost columns x header names
    (50 rows x 1,000 numeric columns: 40 s instead of 2 s; 5,000 columns: minutes)."""
    from sklinear.cli import _predict, _search

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(12, 30)).round(3), columns=[f"c{j}" for j in range(30)])
    frame["label"] = ["a", "b"] * 6
    frame.to_csv(tmp_path / "wide.csv", index=False)
    seen = []

    def stop(pipeline, param_grid, X, *args, **kwargs):
        seen.append(dict(X.attrs))
        raise KeyboardInterrupt

    monkeypatch.setattr(_search, "run_search", stop)
    code, out, err = run(capsys, "cv", tmp_path / "wide.csv", "--target", "label", *TINY, "-q")
    assert code == 130 and seen == [{}], (seen, err)

    model = _search.build_pipeline("logistic", seed=0).fit(frame.drop(columns="label"),
                                                           frame["label"])  # fmt: skip
    import joblib

    joblib.dump(model, tmp_path / "model.joblib")

    def capture(model, X, *, proba):
        seen.append(dict(X.attrs))
        return pd.DataFrame({"prediction": np.zeros(len(X))})

    monkeypatch.setattr(_predict, "predict_table", capture)
    code, out, err = run(capsys, "predict", tmp_path / "model.joblib", tmp_path / "wide.csv")
    assert code == 0 and seen[-1] == {}, (seen, err)


def test_compressed_file_without_its_ending_is_named(tmp_path, capsys):
    """A gzip file named .csv (a download saved without its ending) was refused as "not
    UTF-8 text" with the advice to give --encoding, which cannot read it."""
    import gzip

    text = "x,label\n" + "".join(f"{i / 10},{'yes' if i % 2 else 'no'}\n" for i in range(12))
    (tmp_path / "data.csv").write_bytes(gzip.compress(text.encode()))
    code, out, err = run(capsys, "cv", tmp_path / "data.csv", "--target", "label", *TINY)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "it is gzip-compressed" in err and "--encoding" not in err
    assert "rename it to data.csv.gz" in err
    (tmp_path / "data.csv.gz").write_bytes(gzip.compress(text.encode()))
    code, out, err = run(capsys, "cv", tmp_path / "data.csv.gz", "--target", "label", *TINY, "-q")
    assert code == 0, err


def test_a_target_given_in_one_row_is_counted_in_words(tmp_path, capsys):
    rows = "".join(f"{i / 10},{'yes' if i == 3 else ''}\n" for i in range(12))
    path = _write(tmp_path / "one.csv", "x,label\n" + rows)
    code, out, err = run(capsys, "cv", path, "--target", "label", *TINY)
    assert code == 1 and err.count("\n") == 1, err
    assert "single value ('yes') in the only row where it is given" in err  # not "all 1 rows"
