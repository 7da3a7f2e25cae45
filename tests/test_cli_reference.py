"""The numbers ``sklinear cv`` prints, against scikit-learn's own search on the same folds.

The CLI fits along warm-started paths with shared preprocessing; these tests rebuild the
pipeline from sklinear's public classes and run scikit-learn's GridSearchCV /
cross_validate with explicitly constructed folds, then compare every printed number at
the printed precision.
"""

import numpy as np
import pandas as pd
import pytest
from _cli_util import mixed_frame, parse_table, printed_equal, regression_frame, run
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

import sklinear
from sklinear.cli._data import MAX_INTEGER_CLASSES


def _reference_pipeline(model):
    return Pipeline(
        [
            ("impute", sklinear.MissingIndicatorImputer()),
            ("encode", sklinear.DummyEncoder(columns="auto", handle_unknown="ignore")),
            ("poly", sklinear.PolyFeatures(degree=1, drop_redundant=True)),
            ("model", model),
        ]
    )


def _check_table_against(search, rows, param_names):
    """Every printed row equals the GridSearchCV candidate with the same parameters."""
    results = search.cv_results_
    assert len(rows) == len(results["params"])
    for row in rows:
        matches = [
            i
            for i, params in enumerate(results["params"])
            if all(f"{params[key]:g}" == row[name] for name, key in param_names.items())
        ]
        assert len(matches) == 1, row
        i = matches[0]
        assert printed_equal(row["mean"], results["mean_test_score"][i]), (row, i)
        assert printed_equal(row["std"], results["std_test_score"][i]), (row, i)
        assert printed_equal(row["train"], results["mean_train_score"][i]), (row, i)
        assert int(row["rank"]) == results["rank_test_score"][i], (row, i)


def _best_line(out):
    return next(line for line in out.splitlines() if line.startswith("best parameters:"))


def test_classification_numbers_equal_gridsearchcv(tmp_path, capsys):
    frame = mixed_frame()
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    seed = 3
    code, out, err = run(
        capsys, "cv", path, "--target", "label", "--degree", "1", "2",
        "--alpha", "0.003", "1", "--folds", "3", "--seed", seed,
    )  # fmt: skip
    assert code == 0, err
    rows = parse_table(out)
    baseline = rows.pop()
    assert baseline["rank"] == "base"

    reference = GridSearchCV(
        _reference_pipeline(
            sklinear.GDLogisticClassifier(random_state=seed, scale_predictors=True)
        ),
        {"poly__degree": [1, 2], "model__alpha": [0.003, 1.0], "model__penalty": ["l2"]},
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=seed),
        scoring="accuracy",
        return_train_score=True,
    ).fit(frame.drop(columns="label"), frame["label"])
    _check_table_against(reference, rows, {"degree": "poly__degree", "alpha": "model__alpha"})
    # The CV column is not the train score: here they differ for some candidate.
    assert any(abs(row["mean"] - row["train"]) > 1e-3 for row in rows)

    best = reference.best_params_
    i = reference.best_index_
    assert _best_line(out) == (
        f"best parameters: degree={best['poly__degree']}, penalty=l2, "
        f"alpha={best['model__alpha']:g} (accuracy "
        f"{reference.cv_results_['mean_test_score'][i]:.4f} ± "
        f"{reference.cv_results_['std_test_score'][i]:.4f} over 3 folds)"
    )
    # The ranking is not flat, so naming another row as the best would be caught.
    assert len({row["mean"] for row in rows}) > 1


def test_regression_numbers_equal_gridsearchcv_at_the_default_tolerance(tmp_path, capsys):
    frame = regression_frame()
    path = tmp_path / "regression.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(
        capsys, "cv", path, "--target", "y", "--degree", "1", "2", "--alpha", "0.01", "1", "10",
        "--folds", "4", "--seed", "5",
    )  # fmt: skip
    assert code == 0, err
    rows = parse_table(out)
    baseline = rows.pop()
    X, y = frame.drop(columns="y"), frame["y"]
    folds = KFold(n_splits=4, shuffle=True, random_state=5)
    reference = GridSearchCV(
        _reference_pipeline(sklinear.GDLinearRegressor(random_state=5, scale_predictors=True)),
        {"poly__degree": [1, 2], "model__alpha": [0.01, 1.0, 10.0], "model__penalty": ["l2"]},
        cv=folds,
        scoring="r2",
        return_train_score=True,
    ).fit(X, y)
    _check_table_against(reference, rows, {"degree": "poly__degree", "alpha": "model__alpha"})
    assert f"alpha={reference.best_params_['model__alpha']:g}" in _best_line(out)
    assert f"degree={reference.best_params_['poly__degree']}" in _best_line(out)

    # The baseline: the mean of the training target, scored on the same folds.
    from sklearn.dummy import DummyRegressor

    dummy = cross_validate(DummyRegressor(), X, y, cv=folds, scoring="r2", return_train_score=True)
    assert printed_equal(baseline["mean"], dummy["test_score"].mean())
    assert printed_equal(baseline["std"], dummy["test_score"].std())
    assert printed_equal(baseline["train"], dummy["train_score"].mean())
    assert "predicts the mean of the target" in out


def test_classification_baseline_is_the_majority_class(capsys):
    code, out, err = run(capsys, "cv", "--degree", "1", "--alpha", "0.1", "--folds", "3",
                         "--seed", "2", "-q")  # fmt: skip
    assert code == 0, err
    baseline = parse_table(out)[-1]
    from sklearn.dummy import DummyClassifier

    from sklinear.datasets import get_bundled_dataset

    frame, target = get_bundled_dataset()
    frame = frame.dropna(subset=[target])
    X, y = frame.drop(columns=target), frame[target]
    dummy = cross_validate(
        DummyClassifier(strategy="most_frequent"), X, y,
        cv=StratifiedKFold(3, shuffle=True, random_state=2), return_train_score=True,
    )  # fmt: skip
    assert printed_equal(baseline["mean"], dummy["test_score"].mean())
    assert printed_equal(baseline["train"], dummy["train_score"].mean())
    # Share of the majority class, worked by hand: Adelie 152 of 344 penguins, near 0.44.
    assert baseline["mean"] == pytest.approx(152 / 344, abs=0.01)
    assert "predicts the majority class" in out


def test_folds_are_shuffled_with_the_seed(tmp_path, capsys):
    frame = regression_frame(n=40, seed=4)
    path = tmp_path / "regression.csv"
    frame.to_csv(path, index=False)
    out_dir = tmp_path / "out"
    seed = 7
    code, out, err = run(
        capsys, "cv", path, "--target", "y", "--degree", "1", "--alpha", "0.1", "--folds", "4",
        "--seed", seed, "--output", out_dir, "-q",
    )  # fmt: skip
    assert code == 0, err
    saved = pd.read_csv(out_dir / "cv_results.csv")
    printed = [saved[f"split{k}_test_score"].iloc[0] for k in range(4)]
    X, y = frame.drop(columns="y"), frame["y"]
    model = _reference_pipeline(
        sklinear.GDLinearRegressor(alpha=0.1, random_state=seed, scale_predictors=True)
    )

    def fold_scores(cv):
        return cross_validate(model, X, y, cv=cv, scoring="r2")["test_score"]

    expected = fold_scores(KFold(4, shuffle=True, random_state=seed))
    np.testing.assert_allclose(printed, expected, rtol=0, atol=1e-6)
    # The comparison can tell folds apart: unshuffled or other-seed folds score differently.
    assert np.max(np.abs(fold_scores(KFold(4)) - expected)) > 1e-3
    other_seed = fold_scores(KFold(4, shuffle=True, random_state=seed + 1))
    assert np.max(np.abs(other_seed - expected)) > 1e-3


def test_stratified_folds_for_classifiers(tmp_path, capsys):
    frame = mixed_frame(n=45, seed=6)
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "cv", path, "--target", "label", "--degree", "1", "--alpha", "0.1",
        "--folds", "3", "--seed", "1", "--output", out_dir, "--scoring", "neg_log_loss", "-q",
    )  # fmt: skip
    assert code == 0, err
    saved = pd.read_csv(out_dir / "cv_results.csv")
    printed = [saved[f"split{k}_test_score"].iloc[0] for k in range(3)]
    model = _reference_pipeline(
        sklinear.GDLogisticClassifier(alpha=0.1, random_state=1, scale_predictors=True)
    )
    X, y = frame.drop(columns="label"), frame["label"]

    def fold_scores(cv):
        return cross_validate(model, X, y, cv=cv, scoring="neg_log_loss")["test_score"]

    expected = fold_scores(StratifiedKFold(3, shuffle=True, random_state=1))
    np.testing.assert_allclose(printed, expected, rtol=0, atol=1e-5)
    plain = fold_scores(KFold(3, shuffle=True, random_state=1))
    assert np.max(np.abs(plain - expected)) > 1e-3


@pytest.mark.parametrize(
    ("n_values", "expected"),
    [(MAX_INTEGER_CLASSES, "SoftmaxClassifier"), (MAX_INTEGER_CLASSES + 1, "GDLinearRegressor")],
)
def test_model_auto_boundary_of_integer_classes(tmp_path, capsys, n_values, expected):
    assert MAX_INTEGER_CLASSES == 10  # the documented rule
    rng = np.random.default_rng(0)
    grade = np.repeat(np.arange(n_values), 3)
    frame = pd.DataFrame({"x": grade + rng.normal(size=grade.size), "grade": grade})
    path = tmp_path / "grades.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "cv", path, "--target", "grade", "--degree", "1",
                         "--alpha", "1", "--folds", "2", "-q")  # fmt: skip
    assert code == 0, err
    model_line = next(line for line in out.splitlines() if line.startswith("model:"))
    assert expected in model_line
    assert f"with {n_values} " in model_line


def test_estimator_is_fitted_with_scale_predictors(tmp_path, capsys):
    joblib = pytest.importorskip("joblib")
    code, out, err = run(capsys, "cv", "--degree", "1", "--alpha", "1", "--folds", "2", "-q",
                         "--output", tmp_path)  # fmt: skip
    assert code == 0, err
    assert "penalty on the standardised coefficients (scale_predictors=True)" in out
    model = joblib.load(tmp_path / "model.joblib")
    assert model[-1].get_params()["scale_predictors"] is True
    assert model[-1].get_params()["warm_start"] is False
