"""The search of ``sklinear cv``: parallel jobs, progress from any process, failed fits,
warm-started paths."""

import io
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from _cli_util import mixed_frame, parse_table, printed_equal, regression_frame, run
from _reference import objective_J

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
    # the refit starts from zero (no coefficients), warm_start=True only to keep its Hessian
    assert len(refit) == 1 and refit[0][1:] == (True, False)


def test_the_refit_is_preconditioned_and_saved_fresh(monkeypatch):
    """The refit runs L-BFGS preconditioned (warm_start=True during the fit), and the
    saved model is a plain one: warm_start=False, no kept Hessian, the same coefficients
    as a cold fit up to the tolerance (the scikit-learn reference: StandardScaler +
    LogisticRegression on the same design)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    import sklinear._fit as fit_module

    monkeypatch.setattr(fit_module, "_NEWTON_CHEAP_FLOPS", 0)  # L-BFGS with a fallback
    seen = []
    original = sklinear._solvers.lbfgs

    def recording(*args, preconditioner=None, **kwargs):
        seen.append(preconditioner is not None)
        return original(*args, preconditioner=preconditioner, **kwargs)

    monkeypatch.setattr(sklinear._solvers, "lbfgs", recording)
    frame = mixed_frame()
    X, y = frame.drop(columns="label"), frame["label"]
    pipeline = _search.build_pipeline("logistic", seed=0)
    params = {"poly__degree": 2, "model__alpha": 1e-2, "model__penalty": "l2"}
    estimator = _search.refit_pipeline(pipeline, params, X, y)
    model = estimator[-1]
    assert seen == [True]
    assert model.get_params()["warm_start"] is False and not hasattr(model, "_curvature")
    design = estimator[:-1].transform(X)
    scaler = StandardScaler().fit(design)
    standardised = scaler.transform(design)
    reference = LogisticRegression(C=1 / (1e-2 * len(y)), tol=1e-12, max_iter=10_000)
    reference.fit(standardised, y)
    target = (y == model.classes_[1]).to_numpy(dtype=float)

    def objective(coef, intercept):
        return objective_J(standardised, target, coef, intercept, loss="binomial",
                           alpha=1e-2, l1_ratio=0.0)  # fmt: skip

    j_star = objective(reference.coef_, reference.intercept_)
    j_model = objective(model.coef_ * scaler.scale_, model.intercept_ + model.coef_ @ scaler.mean_)
    assert j_star * (1 - 1e-9) <= j_model <= j_star + model.dual_gap_ * (1 + 1e-6)
    assert model.dual_gap_ <= 1e-4 * abs(model.objective_)


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


def test_costliest_tasks_are_handed_out_first():
    """Higher degrees first, then tasks with more candidates; folds keep their order."""
    small, large = [[0, 1]], [[2, 3], [4, 5]]
    tasks = [(1, small, 0), (1, small, 1), (3, small, 0), (2, large, 0), (2, small, 0),
             (3, small, 1), (2, large, 1)]  # fmt: skip
    scheduled = _search.schedule_tasks(tasks)
    assert [(degree, len(paths), fold) for degree, paths, fold in scheduled] == [
        (3, 1, 0), (3, 1, 1), (2, 2, 0), (2, 2, 1), (2, 1, 0), (1, 1, 0), (1, 1, 1),
    ]  # fmt: skip


def test_leader_is_the_best_mean_over_the_folds_done():
    row = lambda score: (score, 0.0, 0.0, 0.0, None)  # noqa: E731
    candidates = [{}, {}, {}, {}]
    per_fold = {
        (0, 0): row(0.5), (0, 1): row(0.9),  # mean 0.7
        (1, 0): row(0.8),  # mean 0.8 over its only fold so far
        (2, 0): row(np.nan), (2, 1): row(0.95),  # a failed fold: NaN, as search_result
        (3, 0): row(0.8), (3, 1): row(0.8),  # ties with 1: the first index wins
    }  # fmt: skip
    assert _search.current_leader(candidates, per_fold) == 1
    assert _search.current_leader(candidates, {(0, 0): row(np.nan)}) is None
    # With every fold done, the leader is search_result's best candidate.
    done = {(i, f): row(s) for (i, s) in enumerate([0.6, 0.7, 0.65, 0.7]) for f in range(2)}
    assert (
        _search.current_leader(candidates, done)
        == _search.search_result(candidates, done, 2).best_index_
        == 1
    )


@pytest.fixture
def refit_log(monkeypatch):
    """Records every Refit (its candidate, whether in the background, how many tasks had
    reported by then) and gives the Progress object that counts the tasks."""
    log, tasks_done = [], []
    original = _search.Refit

    class Recorded(original):
        def __init__(self, pipeline, params, X, y, *, index=None, background=True):
            log.append({"params": dict(params), "background": background,
                        "tasks_done": len(tasks_done)})  # fmt: skip
            super().__init__(pipeline, params, X, y, index=index, background=background)

    class Counter:
        def task_done(self, fold, degree, scores):
            tasks_done.append((fold, degree))

        def message(self, text):
            pass

    monkeypatch.setattr(_search, "Refit", Recorded)
    return log, Counter()


def _small_search(n_jobs, progress):
    """2 degrees x 2 alphas x 3 folds; checks that the refit is the best candidate's
    pipeline fitted on every row."""
    from sklearn.base import clone
    from sklearn.metrics import get_scorer

    frame = regression_frame()
    X, y = frame.drop(columns="y"), frame["y"]
    pipeline = _search.build_pipeline("linear", seed=0)
    grid = _search.build_param_grid(degrees=[1, 2], alphas=[0.01, 1.0], penalties=["l2"],
                                    l1_ratios=[0.5], solver="auto")  # fmt: skip
    search, _ = _search.run_search(pipeline, grid, X, y, cv=_search.make_cv("linear", 3, 0),
                                   scorer=get_scorer("r2"), n_jobs=n_jobs,
                                   progress=progress)  # fmt: skip
    reference = clone(pipeline).set_params(**search.best_params_).fit(X, y)
    fitted = search.best_estimator_
    assert fitted.get_params()["poly__degree"] == search.best_params_["poly__degree"]
    assert fitted[-1].alpha == search.best_params_["model__alpha"]
    np.testing.assert_allclose(fitted[-1].coef_, reference[-1].coef_, rtol=1e-10)
    return search


def test_parallel_search_refits_the_leader_while_the_last_task_runs(refit_log):
    log, progress = refit_log
    search = _small_search(2, progress)
    # 2 degrees x 3 folds in 2 processes: once 5 of the 6 tasks are done a process is idle,
    # and the leader then is refitted in the background; it is the best: no second refit.
    assert len(log) == 1, log
    assert log[0]["background"] and log[0]["tasks_done"] == 5
    assert log[0]["params"] == search.best_params_


def test_a_wrong_guess_is_refitted_with_the_best(refit_log, monkeypatch):
    log, progress = refit_log
    monkeypatch.setattr(_search, "current_leader", lambda candidates, per_fold: 0)
    search = _small_search(2, progress)
    assert search.best_index_ != 0  # the guess is wrong
    assert [entry["background"] for entry in log] == [True, False]
    assert log[0]["params"] == search.cv_results_["params"][0]
    assert log[1]["params"] == search.best_params_ and log[1]["tasks_done"] == 6


def test_serial_search_refits_once_after_the_search(refit_log):
    log, progress = refit_log
    search = _small_search(1, progress)
    assert log == [{"params": search.best_params_, "background": False, "tasks_done": 6}]


@pytest.mark.parametrize("background", [True, False])
def test_a_failed_refit_raises_its_error(monkeypatch, background):
    def fail(pipeline, params, X, y):
        raise ValueError("refit failed")

    monkeypatch.setattr(_search, "refit_pipeline", fail)
    refit = _search.Refit(None, {}, None, None, background=background)
    with pytest.raises(ValueError, match="refit failed"):
        refit.result()


def test_refit_pipeline_is_the_pipeline_fitted_on_every_row():
    from sklearn.base import clone

    frame = mixed_frame(n=80)
    X, y = frame.drop(columns="label"), frame["label"]
    pipeline = _search.build_pipeline("logistic", seed=0)
    params = {"poly__degree": 2, "model__alpha": 0.01}
    fitted = _search.refit_pipeline(pipeline, params, X, y)
    reference = clone(pipeline).set_params(**params).fit(X, y)
    assert fitted.get_params()["poly__degree"] == 2 and fitted[-1].alpha == 0.01
    np.testing.assert_allclose(fitted[-1].coef_, reference[-1].coef_, rtol=1e-10, atol=1e-12)
    assert list(fitted[-1].classes_) == ["big", "small"]
    assert (fitted.predict(X) == reference.predict(X)).all()


def test_compact_labels_keep_the_labels_and_their_order():
    import pandas as pd

    text = pd.Series(["yes", "no", "maybe", "no"], index=[5, 6, 7, 8])
    compact = _search.compact_labels(text)
    assert isinstance(compact, np.ndarray) and compact.dtype.kind == "U"
    assert compact.tolist() == text.tolist()
    assert np.unique(compact).tolist() == sorted(set(text))
    as_object = text.astype(object)
    assert _search.compact_labels(as_object).tolist() == text.tolist()
    for unchanged in (
        pd.Series([1, 0, 1]),  # numbers
        pd.Series(["a", 1, "b"], dtype=object),  # mixed types
        pd.Series(["x" * (_search.COMPACT_LABEL_LENGTH + 1), "y"]),  # long labels
    ):
        assert _search.compact_labels(unchanged) is unchanged


def test_row_major_copies_only_column_major_arrays():
    import scipy.sparse as sp

    column_major = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    rows = _search.row_major(column_major)
    assert rows.flags.c_contiguous and np.array_equal(rows, column_major)
    already = np.arange(12.0).reshape(4, 3)
    assert _search.row_major(already) is already
    matrix = sp.csr_matrix(already)
    assert _search.row_major(matrix) is matrix


@pytest.mark.parametrize("block_rows", [7, 1000])
def test_preprocess_rows_is_the_preprocessing_in_row_major_order(monkeypatch, block_rows):
    """Several blocks with a short last one (7 rows of 80), and one block for all rows."""
    from sklearn.base import clone

    monkeypatch.setattr(_search, "DESIGN_BLOCK_ROWS", block_rows)
    frame = mixed_frame(n=80)
    X, y = frame.drop(columns="label"), frame["label"]
    template = _search.build_pipeline("logistic", seed=0)[:-1].set_params(poly__degree=2)
    preprocess = clone(template)
    design = _search.preprocess_rows(preprocess, X[:60], y[:60], fit=True)
    reference = clone(template)
    expected = reference.fit_transform(X[:60], y[:60])
    assert design.flags.c_contiguous and design.dtype == expected.dtype
    np.testing.assert_array_equal(design, expected)
    held_out = _search.preprocess_rows(preprocess, X[60:])
    assert held_out.flags.c_contiguous
    np.testing.assert_array_equal(held_out, reference.transform(X[60:]))


def test_the_search_pipeline_builds_no_product_of_two_dummies_of_one_column():
    """The command line's degree-2 design leaves out the products of two dummies of one
    categorical column (0 on every row) and the squares of 0/1 columns (equal to them):
    the terms are PolynomialFeatures' other terms, with the same values."""
    from sklearn.preprocessing import PolynomialFeatures

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=60),
            "colour": rng.choice(["red", "green", "blue", "grey"], 60),
            "shape": rng.choice(["round", "square"], 60),
        }
    )
    steps = _search.build_pipeline("linear", seed=0)[:-1].set_params(poly__degree=2)
    Z = steps.fit_transform(frame, rng.normal(size=60))
    encoded = np.asarray(steps[:-1].transform(frame), dtype=float)
    encoded_names = list(steps[:-1].get_feature_names_out())
    reference = PolynomialFeatures(2, include_bias=False).fit(encoded)
    names = list(steps[-1].get_feature_names_out(encoded_names))
    dummies = [name for name in encoded_names if name != "size"]
    assert len(dummies) == 4  # 3 colours and 1 shape beside the reference categories
    assert not any(
        f"{a} {b}" in names or f"{a}^2" in names
        for a in dummies
        for b in dummies
        if a.split("_")[0] == b.split("_")[0]
    )
    assert any(f"{a} {b}" in names for a in dummies for b in dummies if a < b)
    full = reference.transform(encoded)
    index = [list(reference.get_feature_names_out(encoded_names)).index(name) for name in names]
    np.testing.assert_array_equal(np.asarray(Z), full[:, index])
    assert len(names) == 20 - 3 - 4  # 3 products within colour, 4 squares of dummies


def test_jobs_beyond_the_tasks_start_no_idle_processes(regression_csv, capsys, monkeypatch):
    """--jobs 50 on 2 degrees x 3 folds starts 6 processes, one per task: it started 50
    (joblib starts them all at once), 44 of them only to import the package and exit
    (--jobs 1000 on a 40-row file ran past 2 minutes on 2 cores)."""
    started = []

    class InProcess:
        def __init__(self, n_jobs, **kwargs):
            started.append(n_jobs)

        def __call__(self, calls):
            return (function(*args, **kwargs) for function, args, kwargs in calls)

    monkeypatch.setattr(_search, "Parallel", InProcess)
    code, out, err = run(capsys, "cv", regression_csv, "--target", "y", *GRID, "--jobs", "50")
    assert code == 0, err
    assert started == [6]
    assert "6 processes" in out and "50" not in out.splitlines()[3]
    assert _search.worker_count(50, 6) == 6 and _search.worker_count(4, 6) == 4
    assert _search.worker_count(1, 6) == 1 and _search.worker_count(-1, 1) == 1


def test_l1_ratio_without_an_elastic_net_is_named_and_ignored(regression_csv, capsys):
    """--l1-ratio is a value of the elastic net only: given with other penalties, a notice
    says it is ignored and the table is the one without it; with elasticnet it is searched
    (the table has one row per value, besides the baseline) and nothing is said."""
    grid = ["--degree", "1", "--alpha", "0.01", "--folds", "3"]
    code, plain, err_plain = run(capsys, "cv", regression_csv, "--target", "y", *grid)
    assert code == 0 and "l1-ratio" not in err_plain
    code, out, err = run(capsys, "cv", regression_csv, "--target", "y", *grid, "--l1-ratio", "0.2")
    assert code == 0
    assert "--l1-ratio is used with --penalty elasticnet only" in err
    assert "ignored with --penalty l2" in err
    drop_time = [{k: v for k, v in row.items() if k != "fit_time"} for row in parse_table(out)]
    assert drop_time == [
        {k: v for k, v in row.items() if k != "fit_time"} for row in parse_table(plain)
    ]
    code, out, err = run(
        capsys, "cv", regression_csv, "--target", "y", *grid,
        "--penalty", "elasticnet", "--l1-ratio", "0.2", "0.8",
    )  # fmt: skip
    assert code == 0 and "l1-ratio" not in err
    rows = [row for row in parse_table(out) if row["rank"] != "base"]
    assert sorted(row["l1_ratio"] for row in rows) == ["0.2", "0.8"]
