"""The search of ``sklinear cv``: parallel jobs, progress from any process, failed fits,
warm-started paths."""

import io
import re
from collections import Counter

import numpy as np
import pytest
from _cli_util import mixed_frame, parse_table, printed_equal, regression_frame, run

import sklinear
from sklinear.cli import _search
from sklinear.cli._progress import Progress


@pytest.fixture
def regression_csv(tmp_path):
    path = tmp_path / "regression.csv"
    regression_frame().to_csv(path, index=False)
    return path


GRID = ["--degree", "1", "2", "--alpha", "0.01", "1", "--folds", "3"]


def test_jobs_gives_the_same_table_and_progress_per_fold(regression_csv, capsys):
    code, out_serial, err_serial = run(capsys, "cv", regression_csv, "--target", "y", *GRID)
    assert code == 0, err_serial
    code, out_parallel, err_parallel = run(
        capsys, "cv", regression_csv, "--target", "y", *GRID, "--jobs", "2"
    )
    assert code == 0, err_parallel
    assert "2 processes" in out_parallel
    serial, parallel = parse_table(out_serial), parse_table(out_parallel)
    for a, b in zip(serial, parallel, strict=True):
        assert (a["rank"], a["degree"], a["alpha"]) == (b["rank"], b["degree"], b["alpha"])
        assert printed_equal(a["mean"], b["mean"]) and printed_equal(a["train"], b["train"])
    # Progress comes back from the worker processes: a line per fold and degree, and one
    # per finished candidate, though the fits ran in other processes.
    for err in (err_serial, err_parallel):
        fold_lines = re.findall(r"^  fold (\d)/3 of degree (\d) done", err, flags=re.M)
        assert sorted(fold_lines) == sorted((f, d) for f in "123" for d in "12"), err
        assert len(re.findall(r"^  candidate \d/4 done \(3 folds\)", err, flags=re.M)) == 4


def test_progress_reports_every_fold_as_results_arrive():
    stream = io.StringIO()  # not a terminal
    candidates = [{"model__alpha": a, "poly__degree": 1} for a in (1.0, 0.1)]
    progress = Progress(candidates, n_folds=3, stream=stream)
    row = (0.5, 0.6, 0.1, 0.0, None)
    for fold in (2, 0, 1):
        progress.task_done(fold, 1, {0: row, 1: row})
    lines = stream.getvalue().splitlines()
    assert [line.split(" of ")[0].strip() for line in lines[:3] if "fold" in line] == [
        "fold 3/3", "fold 1/3", "fold 2/3",
    ]  # fmt: skip
    assert "(2/6 fits" in lines[0] and "(6/6 fits" in lines[2]
    # The candidates are complete only after their third fold.
    assert [line for line in lines if line.startswith("  candidate")] == lines[3:]
    assert lines[3] == "  candidate 1/2 done (3 folds): degree=1, alpha=1 -> mean score 0.5"
    assert lines[4] == "  candidate 2/2 done (3 folds): degree=1, alpha=0.1 -> mean score 0.5"


def test_quiet_progress_writes_nothing():
    stream = io.StringIO()
    progress = Progress([{"poly__degree": 1}], n_folds=1, stream=stream, quiet=True)
    progress.task_done(0, 1, {0: (0.5, 0.6, 0.1, 0.0, None)})
    progress.message("x")
    assert stream.getvalue() == ""


def test_failed_fits_are_counted(tmp_path, capsys, monkeypatch):
    frame = mixed_frame()
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    original = sklinear.GDLogisticClassifier.fit

    def fit(self, X, y, sample_weight=None):
        if self.alpha == 1.0:
            raise ValueError("broken on purpose")
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(sklinear.GDLogisticClassifier, "fit", fit)
    code, out, err = run(capsys, "cv", path, "--target", "label", "--degree", "1", "2",
                         "--alpha", "0.1", "1", "--folds", "3", "-q")  # fmt: skip
    assert code == 0, err
    # 2 degrees x 3 folds with alpha=1 fail, of 4 candidates x 3 folds.
    assert "sklinear: warning: 6 of 12 fits failed and scored NaN; the first error: " \
           "ValueError: broken on purpose" in err  # fmt: skip
    rows = {(r["degree"], r["alpha"]): r for r in parse_table(out)
            if r["rank"] != "base"}  # fmt: skip
    assert np.isnan(rows[("1", "1")]["mean"]) and np.isnan(rows[("2", "1")]["mean"])
    assert rows[("1", "1")]["rank"] == rows[("2", "1")]["rank"] == "3"
    assert "alpha=0.1" in next(line for line in out.splitlines() if line.startswith("best"))


def test_every_fit_failing_is_one_line(tmp_path, capsys, monkeypatch):
    frame = mixed_frame()
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)

    def fit(self, X, y, sample_weight=None):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(sklinear.GDLogisticClassifier, "fit", fit)
    code, out, err = run(capsys, "cv", path, "--target", "label", "--degree", "1",
                         "--alpha", "0.1", "--folds", "3", "-q")  # fmt: skip
    assert code == 1
    assert err == (
        "sklinear: error: every fit failed; the first error was: ValueError: broken on purpose\n"
    )


def test_path_tasks_share_a_degree_and_sort_alphas_down():
    grid = _search.build_param_grid(degrees=[1, 2], alphas=[1e-3, 1.0, 1e-1],
                                    penalties=["l2", "none", "elasticnet"], l1_ratios=[0.2, 0.8],
                                    solver="auto")  # fmt: skip
    candidates = _search.expand_grid(grid)
    tasks = _search.path_tasks(candidates)
    assert sorted(degree for degree, _ in tasks) == [1, 2]
    covered = sorted(i for _, paths in tasks for path in paths for i in path)
    assert covered == list(range(len(candidates)))
    for degree, paths in tasks:
        assert len(paths) == 4  # l2, none, elasticnet x 2 l1 ratios
        for path in paths:
            alphas = [candidates[i].get("model__alpha", 0.0) for i in path]
            assert alphas == sorted(alphas, reverse=True)
            others = {
                tuple(sorted((k, v) for k, v in candidates[i].items() if k != "model__alpha"))
                for i in path
            }
            assert len(others) == 1 and all(candidates[i]["poly__degree"] == degree for i in path)


def test_warm_path_fits_start_from_the_previous_alpha(monkeypatch):
    """Each fit after the first of a path starts from the previous coefficients."""
    frame = regression_frame()
    X, y = frame.drop(columns="y"), frame["y"]
    starts = []
    original = sklinear.GDLinearRegressor.fit

    def fit(self, X, y, sample_weight=None):
        starts.append((self.alpha, self.warm_start, hasattr(self, "coef_")))
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(sklinear.GDLinearRegressor, "fit", fit)
    pipeline = _search.build_pipeline("linear", seed=0)
    grid = _search.build_param_grid(degrees=[1], alphas=[0.01, 10.0, 1.0], penalties=["l2"],
                                    l1_ratios=[0.5], solver="auto")  # fmt: skip
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold

    _search.run_search(pipeline, grid, X, y, cv=KFold(2), scorer=get_scorer("r2"))
    fold_fits, refit = starts[:6], starts[6:]
    assert [a for a, _, _ in fold_fits] == [10.0, 1.0, 0.01] * 2
    assert [(w, c) for _, w, c in fold_fits] == [(True, False), (True, True), (True, True)] * 2
    assert len(refit) == 1 and refit[0][1:] == (False, False)  # the saved model: fresh


def test_plot_hint_names_both_install_forms(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run(capsys, "cv", "--degree", "1", "--alpha", "1", "--folds", "2", "-q",
                         "--output", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    assert 'pip install "sklinear[plot]"' in err
    assert 'pip install ".[plot]"' in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_warnings_of_every_fit_are_counted_from_any_process(regression_csv, capsys, jobs):
    code, out, err = run(capsys, "cv", regression_csv, "--target", "y", *GRID, "--max-iter", "1",
                         "--solver", "gd", "--jobs", jobs, "-q")  # fmt: skip
    assert code == 0, err
    # 2 degrees x 2 alphas x 3 folds, and the refit of the best: 13 fits stopped early.
    lines = [line for line in err.splitlines() if "ConvergenceWarning" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("sklinear: warning: ConvergenceWarning (x13): ")
    assert "--max-iter" in lines[0]


def test_warnings_differing_in_numbers_are_one_kind():
    class Search:
        n_failed = 0

    caught = Counter({
        ("ConvergenceWarning", "did not converge in 5 iterations (gap 0.25 above 1e-05)"): 2,
        ("ConvergenceWarning", "did not converge in 7 iterations (gap 3.5e+01 above 2e-05)"): 1,
        ("UserWarning", "something else"): 1,
    })  # fmt: skip
    lines = _search.summarize_warnings(caught, Search())
    assert lines == [
        "ConvergenceWarning (x3): did not converge in 5 iterations (gap 0.25 above 1e-05) "
        "(sklinear cv: raise the limit with --max-iter)",
        "UserWarning (x1): something else",
    ]
