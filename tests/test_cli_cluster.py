"""``sklinear cv`` on a Dask cluster (``--scheduler`` / ``--dask-local``).

The cluster runs use the session's LocalCluster (``dask_client``) through ``--scheduler``.
References: the fold rule re-implemented here in plain Python from its documentation; the
in-memory search of sklinear and scikit-learn's scorers on the same folds (an explicit
fold vector); the in-memory run's notices and table layout.
"""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from _cli_util import TINY, parse_table, run

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from sklearn.model_selection import PredefinedSplit  # noqa: E402

from sklinear import GDLinearRegressor, SoftmaxClassifier  # noqa: E402
from sklinear.cli import _cluster, _search  # noqa: E402
from sklinear.cli._cluster_scoring import SUPPORTED, ClusterScorer, lazy_sums  # noqa: E402
from sklinear.cli._scoring import make_scorer_for  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# --- the fold rule, written from its documentation -------------------------------------
MASK = (1 << 64) - 1


def splitmix(value):
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


def reference_folds(labels, classes, n_folds, seed):
    """Per row: the rows of each class in file order, K at a time, each group of K
    spread over the K folds in the order of the hashes of (seed, class, rank)."""
    seen = dict.fromkeys(range(len(classes)), 0)
    folds = []
    for label in labels:
        c = classes.index(label)
        rank = seen[c]
        seen[c] += 1
        group = rank // n_folds
        keys = [
            splitmix(splitmix(splitmix(seed) ^ c) ^ (group * n_folds + m)) for m in range(n_folds)
        ]
        order = sorted(range(n_folds), key=lambda m: (keys[m], m))
        folds.append(order.index(rank % n_folds))
    return np.array(folds)


def test_folds_follow_the_rule_whatever_the_partitions():
    rng = np.random.default_rng(3)
    labels = rng.choice(["a", "b", "c"], size=400, p=[0.6, 0.3, 0.1])
    classes = ["a", "b", "c"]
    expected = reference_folds(list(labels), classes, 4, seed=7)
    codes = np.searchsorted(classes, labels)
    for cuts in ([], [1, 2, 150], [37, 200, 201, 399]):
        folds, seen = [], np.zeros(3, dtype=np.int64)
        for part in np.split(codes, cuts):
            folds.append(_cluster.fold_of_rows(part, seen.copy(), 7, 4))
            counts = np.bincount(part, minlength=3)
            for c in range(3):  # the closed form of the fold sizes
                np.testing.assert_array_equal(
                    _cluster.fold_counts(7, c, int(seen[c]), int(counts[c]), 4),
                    np.bincount(folds[-1][part == c], minlength=4),
                )
            seen += counts
        np.testing.assert_array_equal(np.concatenate(folds), expected)
    # Stratified: every fold holds the rows of each class to one row.
    for c in classes:
        sizes = np.bincount(expected[labels == c], minlength=4)
        assert sizes.max() - sizes.min() <= 1
    # Shuffled: not the rows' positions modulo K.
    assert not np.array_equal(expected, np.arange(400) % 4)


# --- data and helpers ---------------------------------------------------------------------
def classification_frame(n=150, seed=0):
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    weight = 100 * size + 30 * rng.normal(size=n)
    count = rng.integers(0, 5, size=n).astype(object)  # nearly numeric: one odd value
    count[5] = "unknown"
    label = np.array(["ant", "bee", "cat"])[
        np.digitize(size + 0.6 * rng.normal(size=n), [-0.4, 0.5])
    ].astype(object)
    weight[[1, 7, 90]] = np.nan
    colour[[3, 11]] = None
    label[[20, 130]] = None  # dropped rows
    return pd.DataFrame(
        {
            "id": [f"row-{i}" for i in range(n)],  # ID-like: left out
            "size": size,
            "colour": colour,
            "weight": weight,
            "count": count,
            "label": label,
        }
    )


def regression_frame(n=120, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    y = 1.5 * x - 0.5 * x**2 + (group == "a") + 0.5 * rng.normal(size=n)
    return pd.DataFrame({"x": x, "group": group, "y": y})


def in_memory_reference(csv, target, folds_seed, grid, kind, scoring, n_folds=3):
    """sklinear's in-memory search and baseline on the documented folds."""
    from sklinear.cli import _data

    frame = _data.read_table(csv)
    X, y, _ = _data.split_target(frame, target)
    X = X.drop(columns=[c for c in ("id",) if c in X.columns])
    classes = sorted(y.unique().tolist()) if kind != "linear" else []
    labels = list(y) if classes else [0] * len(y)
    folds = reference_folds(labels, classes or [0], n_folds, folds_seed)
    cv = PredefinedSplit(folds)
    scorer, _ = make_scorer_for(scoring, kind, classes, target)
    pipeline = _search.build_pipeline(kind, seed=folds_seed)
    param_grid = _search.build_param_grid(
        degrees=grid["degree"], alphas=grid["alpha"], penalties=["l2"], l1_ratios=[0.5],
        solver="auto",
    )  # fmt: skip
    search, _ = _search.run_search(pipeline, param_grid, X, y, cv=cv, scorer=scorer)
    baseline = _search.baseline_scores(kind, X, y, cv, scorer)
    return search, baseline


def assert_same_search(cluster_results, search, baseline, cluster_table, n_folds=3):
    for fold in range(n_folds):
        for part in ("test", "train"):
            np.testing.assert_allclose(
                cluster_results[f"split{fold}_{part}_score"],
                search.cv_results_[f"split{fold}_{part}_score"],
                rtol=0,
                atol=1e-6,
            )
    base = cluster_table[-1]
    assert base["rank"] == "base"
    assert abs(base["mean"] - baseline["test_mean"]) <= 0.5e-4 + 1e-9
    assert abs(base["train"] - baseline["train_mean"]) <= 0.5e-4 + 1e-9


@pytest.fixture
def address(dask_client):
    return dask_client.scheduler.address


# --- the cluster run against the in-memory one ---------------------------------------------
def test_classification_on_the_cluster_equals_in_memory_on_the_same_folds(
    tmp_path, capsys, address
):
    csv = tmp_path / "animals.csv"
    classification_frame().to_csv(csv, index=False)
    grid = ["--degree", "2", "--alpha", "0.3", "--folds", "3", "--seed", "5"]
    code, out, err = run(
        capsys, "cv", csv, "--target", "label", *grid, "--scheduler", address,
        "--blocksize", "2kB", "--output", tmp_path / "cluster", "-q",
    )  # fmt: skip
    assert code == 0, err
    # The header says where it ran, in how many partitions.
    cluster_line = next(line for line in out.splitlines() if line.startswith("cluster:"))
    assert f"Dask scheduler {address}, 2 workers" in cluster_line
    n_partitions = int(cluster_line.split(" partition")[0].rsplit(" ", 1)[1])
    assert n_partitions >= 4
    assert "dropped 2 rows whose target is missing (148 rows kept)" in out
    # The same notices as in memory (ID-like column, nearly numeric column).
    code, out_memory, err_memory = run(capsys, "cv", csv, "--target", "label", *grid, "-q")
    assert code == 0
    assert [line for line in err.splitlines() if "note:" in line] == [
        line for line in err_memory.splitlines() if "note:" in line
    ]
    assert len([line for line in err.splitlines() if "note:" in line]) == 2
    assert "Warning" not in err
    # The same table layout: ranks, parameter columns, the baseline row last.
    table, table_memory = parse_table(out), parse_table(out_memory)
    assert [list(row) for row in table] == [list(row) for row in table_memory]
    assert len(table) == 2

    results = pd.read_csv(tmp_path / "cluster" / "cv_results.csv").set_index("params")
    search, baseline = in_memory_reference(
        csv, "label", 5, {"degree": [2], "alpha": [0.3]}, "softmax", "accuracy"
    )
    order = [_search.describe(p) for p in search.cv_results_["params"]]
    assert_same_search(results.loc[order], search, baseline, table)
    best = next(line for line in out.splitlines() if line.startswith("best parameters:"))
    assert best.startswith(f"best parameters: {_search.describe(search.best_params_)} (")

    # The refitted best model equals the in-memory refit (on the same rows).
    import joblib

    model = joblib.load(tmp_path / "cluster" / "model.joblib")
    reference = search.best_estimator_
    np.testing.assert_allclose(model[-1].coef_, reference[-1].coef_, rtol=1e-5, atol=1e-6)
    frame = classification_frame().dropna(subset=["label"])
    features = frame.drop(columns=["id", "label"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as the in-memory pipeline: no feature-name warning
        predicted = model.predict(features)
    assert (predicted == reference.predict(features)).all()
    assert (tmp_path / "cluster" / "confusion_matrix.png").exists()


def test_regression_on_the_cluster_equals_in_memory_on_the_same_folds(tmp_path, capsys, address):
    csv = tmp_path / "regression.csv"
    regression_frame().to_csv(csv, index=False)
    grid = ["--degree", "2", "--alpha", "0.001", "0.1", "--folds", "3"]
    code, out, err = run(
        capsys, "cv", csv, "--target", "y", *grid, "--scheduler", address, "--blocksize",
        "1kB", "--scoring", "neg_root_mean_squared_error", "--output", tmp_path / "out",
    )  # fmt: skip
    assert code == 0, err
    # Progress as in memory: a line per fold and a line per candidate.
    assert err.count("of degree 2 done") == 3 and err.count("done (3 folds)") == 2
    results = pd.read_csv(tmp_path / "out" / "cv_results.csv").set_index("params")
    search, baseline = in_memory_reference(
        csv, "y", 0, {"degree": [2], "alpha": [0.001, 0.1]}, "linear",
        "neg_root_mean_squared_error",
    )  # fmt: skip
    order = [_search.describe(p) for p in search.cv_results_["params"]]
    assert_same_search(results.loc[order], search, baseline, parse_table(out))


# --- the scores from per-chunk sums --------------------------------------------------------
@pytest.mark.parametrize("kind", ["softmax", "logistic", "linear"])
def test_scores_from_chunk_sums_equal_scikit_learn(kind, dask_client):
    import dask
    import dask.array as da

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    if kind == "linear":
        y = X @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(size=90)
        model = GDLinearRegressor(alpha=0.5).fit(X, y)
        classes = []
    else:
        names = np.array(["no", "yes", "maybe"] if kind == "softmax" else ["no", "yes"])
        y = names[rng.integers(0, len(names), size=90)].astype(object)
        model = SoftmaxClassifier(alpha=0.1).fit(X, y)
        classes = sorted(set(y))
    X_dask = da.from_array(X, chunks=(25, 3))  # uneven chunks
    y_dask = da.from_array(y, chunks=25)
    cases = []
    for name in SUPPORTED:
        try:
            scorer, _ = make_scorer_for(name, kind, classes, "y")
        except Exception:  # noqa: BLE001 - not a score of this task
            continue
        if name in ("neg_mean_squared_log_error", "neg_mean_poisson_deviance",
                    "neg_mean_gamma_deviance"):  # fmt: skip
            continue  # need positive targets
        cluster = ClusterScorer(name, scorer, classes)
        cases.append((name, scorer, cluster, lazy_sums(cluster, model, X_dask, y_dask)))
    all_sums = dask.compute(*[case[3] for case in cases])  # one graph for all of them
    for (name, scorer, cluster, _), sums in zip(cases, all_sums, strict=True):
        expected = scorer(model, X, y)  # scikit-learn's scorer on all rows at once
        assert cluster.finish(sums) == pytest.approx(expected, rel=1e-9, abs=1e-12), name
    checked = len(cases)
    assert checked >= (4 if kind == "linear" else 12)


# --- the client never holds the data -----------------------------------------------------
def test_the_client_receives_only_small_results(tmp_path, capsys, address, monkeypatch):
    rng = np.random.default_rng(2)
    n = 3000
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], size=n),
        }
    )
    frame["t"] = np.where(frame["a"] + rng.normal(size=n) > 0, "p", "q")
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)
    data_bytes = len(pickle.dumps(frame[["a", "b"]].to_numpy()))  # 48 kB
    received = []
    get = distributed.Client.get

    def recording_get(self, *args, **kwargs):
        result = get(self, *args, **kwargs)
        received.append(len(pickle.dumps(result)))
        return result

    monkeypatch.setattr(distributed.Client, "get", recording_get)
    code, _, err = run(
        capsys, "cv", csv, "--target", "t", "--degree", "1", "--alpha", "0.01",
        "--folds", "2", "--scheduler", address, "--blocksize", "20kB", "-q",
    )  # fmt: skip
    assert code == 0, err
    assert len(received) > 10  # the survey, the fits' evaluations, the scores
    # Nothing of the size of the data (or of one of its columns) came back.
    assert max(received) < data_bytes / 8, (max(received), data_bytes)


# --- options and errors --------------------------------------------------------------------
def test_bad_scheduler_address_is_one_clear_line(capsys):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = run(capsys, "cv", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 1
    assert err.startswith(
        "sklinear: error: cannot connect to the Dask scheduler at --scheduler 'tcp://127.0.0.1:1'"
    )
    assert "timeouts.connect setting, now 1s" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dask-local", "1", "--jobs", "2"], "--jobs does not apply with --dask-local"),
        (["--blocksize", "1MB"], "--blocksize applies only with --scheduler or --dask-local"),
        (["--no-persist"], "--no-persist applies only with --scheduler or --dask-local"),
        (["--dask-local", "1", "--scoring", "roc_auc"], "--scoring roc_auc needs all rows"),
        (["--dask-local", "1", "--solver", "sgd"], "--solver sgd draws rows at random"),
        (["-", "--target", "y", "--dask-local", "1"], "standard input cannot be read"),
        (["--dask-local", "0"], "--dask-local must be >= 1"),
        (["--dask-local", "1", "--blocksize", "lots"], "--blocksize must be a size such as"),
        (["--dask-local", "1", "--scheduler", "x"], "not allowed with argument"),
    ],
)
def test_options_that_do_not_apply_are_refused_before_starting(capsys, options, message):
    code, _, err = run(capsys, "cv", *options)
    assert code == 2
    assert message in err


def test_without_dask_the_options_say_how_to_install_it():
    code = (
        "import sys\n"
        "for name in ('dask', 'distributed'): sys.modules[name] = None\n"
        "from sklinear.cli import main\n"
        "sys.exit(main(['cv', '--dask-local', '2']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert 'pip install "sklinear[dask]"' in result.stderr
    assert result.stderr.startswith("sklinear: error: --dask-local runs the search on a Dask")


def test_dask_local_without_persisting_equals_in_memory_on_the_same_folds(tmp_path, capfd):
    # capfd: the workers of a cluster started here write to this test's standard error,
    # so warnings raised in their tasks (e.g. by the transformers) are seen too.
    capsys = capfd
    csv = tmp_path / "regression.csv"
    regression_frame(n=60).to_csv(csv, index=False)
    code, out, err = run(
        capsys, "cv", csv, "--target", "y", "--degree", "1", "--alpha", "0.01", "--folds", "3",
        "-q", "--dask-local", "1", "--no-persist", "--output", tmp_path / "out",
    )  # fmt: skip
    assert code == 0, err
    assert "local Dask cluster (LocalCluster), 1 worker" in out
    assert "--no-persist: every pass rereads the file" in out
    assert "Warning" not in err
    results = pd.read_csv(tmp_path / "out" / "cv_results.csv").set_index("params")
    search, baseline = in_memory_reference(
        csv, "y", 0, {"degree": [1], "alpha": [0.01]}, "linear", "r2"
    )
    order = [_search.describe(p) for p in search.cv_results_["params"]]
    assert_same_search(results.loc[order], search, baseline, parse_table(out))


def test_help_documents_the_cluster_options_and_the_folds(capsys):
    code, out, _ = run(capsys, "cv", "--help")
    assert code == 0
    for option in ("--scheduler ADDRESS", "--dask-local N", "--blocksize SIZE", "--no-persist"):
        assert option in out
    assert "grouped K at a time" in " ".join(out.split())
    assert 'pip install "sklinear[dask]"' in " ".join(out.split())


@pytest.mark.parametrize(
    ("late", "advice"),
    [
        ("oops", "if such values mean 'missing', list them with --na-values; if they are in "
         "rows without a target value (a footer such as 'Total', a comment line), remove those "
         "rows from the file; otherwise run without --scheduler / --dask-local, which reads "
         "such a column as text"),
        (" NA", "fields of spaces and missing-value markers with spaces around them are read "
         "as missing only in a column that the start of the file types as text: remove the "
         "spaces from the file, or run without --scheduler / --dask-local"),
    ],
)  # fmt: skip
def test_a_column_whose_type_changes_down_the_file_is_one_clear_line(
    tmp_path, capsys, address, monkeypatch, late, advice
):
    monkeypatch.setattr(_cluster, "SAMPLE_BYTES", 1024)  # the types from the first 1 kiB
    x = np.arange(300).astype(object)
    x[290] = late  # after the rows from which Dask infers the types
    csv = tmp_path / "late.csv"
    pd.DataFrame({"x": x, "y": np.arange(300) % 2}).to_csv(csv, index=False)
    code, out, err = run(
        capsys, "cv", csv, "--target", "y", "--scheduler", address, "--blocksize", "1kB"
    )
    assert code == 1
    assert err == (
        "sklinear: error: the column types that Dask inferred from the start of the file (its "
        "first 1.00 kiB) do not hold further down: 'x' (str where float64 was inferred) (could "
        f"not convert string to float: {late!r}); {advice}\n"
    )


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_path_is_refused_before_a_cluster_starts(capsys, monkeypatch, tmp_path, kind):
    def no_cluster(args):
        raise AssertionError("a cluster was started for an unreadable path")

    monkeypatch.setattr(_cluster, "connect", no_cluster)
    path = tmp_path / "absent.csv" if kind == "missing" else tmp_path
    code, out, err = run(capsys, "cv", str(path), "--target", "t", "--dask-local", "1")
    reason = "no such file" if kind == "missing" else "it is a directory, not a CSV file"
    assert code == 1 and out == ""
    assert err == f"sklinear: error: cannot read {str(path)!r}: {reason}\n"


def test_infinite_values_fail_every_fit_on_the_cluster_with_one_line(tmp_path, capsys, address):
    """As in memory: the imputer's message, not an UnboundLocalError from the fold whose
    preprocessing failed."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "y": rng.normal(size=30)})
    frame.loc[5, "a"] = np.inf
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)  # written as 'inf', read back as infinity
    code, out, err = run(capsys, "cv", path, "--target", "y", "--degree", "1", "--alpha",
                         "0.01", "--folds", "2", "--scheduler", address, "-q")  # fmt: skip
    assert code == 1
    assert err.startswith("sklinear: error: every fit failed; the first error was: ValueError:")
    assert "Column 'a' contains infinity (1 value(s))" in err
    assert "UnboundLocalError" not in err and err.count("\n") == 1


# --- the repairs of the reading: the same on the cluster as in memory ---------------------
def repair_frame(n=120, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n).round(3)
    z = rng.normal(size=n).round(3)
    label = np.where(x + 0.5 * rng.normal(size=n) > 0, "yes", "no")
    price = (1000 + 400 * x + 100 * z + 10 * rng.normal(size=n)).round(1)
    return pd.DataFrame({"x": x, "z": z, "price": price, "label": label})


def _with_fields(frame, rows, column, fields):
    """The CSV text of ``frame`` with the field of ``column`` in ``rows`` written as given."""
    text = frame.to_csv(index=False).splitlines()
    at = list(frame.columns).index(column)
    for row, field in zip(rows, fields, strict=True):
        cells = text[row + 1].split(",")
        cells[at] = field
        text[row + 1] = ",".join(cells)
    return "\n".join(text) + "\n"


def _messy_case(case, tmp_path):
    """A file needing a repair of the reading, and the same table written plainly (the
    in-memory reference), the target and the expected notices."""
    frame = repair_frame()
    clean, target, notes = frame, "label", []
    if case == "row index":  # DataFrame.to_csv's index, in a file sorted by the target
        frame = frame.sort_values("label", ignore_index=True)
        clean, text = frame, frame.to_csv()
        notes = ["left out column 'Unnamed: 0': it has no name in the header and holds the "
                 "row numbers 0 to 119"]  # fmt: skip
    elif case == "footer":  # typed text by a row that is dropped for its missing target
        text = frame.to_csv(index=False) + "Total,,123456.7,\n"
    elif case == "padded markers":
        text = _with_fields(frame, [5, 60, 100], "x", ["   ", " NA", "N/A "])
        clean = frame.assign(x=frame["x"].where(~frame.index.isin([5, 60, 100])))
    elif case == "trailing separator":
        header, *rows = frame.to_csv(index=False).splitlines()
        text = header + "\n" + "".join(row + ",\n" for row in rows)
    elif case == "real x.1":
        frame = clean = frame.rename(columns={"z": "x.1"})
        text = frame.to_csv(index=False)
    elif case == "target of numbers":  # text only by a marker with spaces around it
        target = "price"
        text = _with_fields(frame, [7, 70], "price", [" NA", "  "])
        clean = frame.assign(price=frame["price"].where(~frame.index.isin([7, 70])))
    (tmp_path / "messy.csv").write_text(text)
    clean.to_csv(tmp_path / "clean.csv", index=False)
    return tmp_path / "messy.csv", tmp_path / "clean.csv", target, notes


def _head(out):
    """The 'data:', 'target:' and 'model:' lines, without the file's name."""
    lines = [line for line in out.splitlines() if line.startswith(("data:", "target:", "model:"))]
    return [line.split(": ", 2)[-1] if line.startswith("data:") else line for line in lines]


@pytest.mark.parametrize(
    "case",
    ["row index", "footer", "padded markers", "trailing separator", "real x.1",
     "target of numbers"],
)  # fmt: skip
def test_the_repairs_of_a_messy_file_hold_on_the_cluster(tmp_path, capsys, address, case):
    messy, clean, target, notes = _messy_case(case, tmp_path)
    grid = ["--degree", "1", "--alpha", "0.01", "--folds", "3", "-q"]
    code, out_memory, err_memory = run(capsys, "cv", messy, "--target", target, *grid)
    assert code == 0, err_memory
    code, out, err = run(capsys, "cv", messy, "--target", target, *grid,
                         "--scheduler", address, "--blocksize", "700B")  # fmt: skip
    assert code == 0, err
    assert int(out.split(" partitions of")[0].rsplit(" ", 1)[1]) >= 3
    # The same columns, notices and model as in memory ...
    assert err == err_memory
    assert [line.split(",", 1)[0] for line in err.splitlines()] == [
        f"sklinear: note: {note.split(',', 1)[0]}" for note in notes
    ]
    assert _head(out) == _head(out_memory)
    # ... and the scores of the table written plainly, read in memory, on the same folds.
    kind = "linear" if target == "price" else "logistic"
    scoring = "r2" if kind == "linear" else "accuracy"
    search, baseline = in_memory_reference(clean, target, 0, {"degree": [1], "alpha": [0.01]},
                                           kind, scoring)  # fmt: skip
    table = parse_table(out)
    assert abs(table[0]["mean"] - search.cv_results_["mean_test_score"][0]) <= 0.5e-4 + 1e-9
    assert abs(table[-1]["mean"] - baseline["test_mean"]) <= 0.5e-4 + 1e-9


def test_row_names_and_a_text_target_of_numbers_are_handled_on_the_cluster(
    tmp_path, capsys, address
):
    """Row names without a header name (R's write.table) are reported; a text target of
    numbers with thousands separators is refused with the option that reads them."""
    frame = repair_frame()
    rows = "".join(f"r{i},{r.x},{r.z},{r.label}\n" for i, r in enumerate(frame.itertuples()))
    (tmp_path / "rownames.csv").write_text("x,z,label\n" + rows)
    prices = "".join(f'{r.x},"{r.price * 10:,.1f}"\n' for r in frame.itertuples())
    (tmp_path / "prices.csv").write_text("x,price\n" + prices)
    for name, target, status in [("rownames.csv", "label", 0), ("prices.csv", "price", 1)]:
        argv = ["cv", tmp_path / name, "--target", target, *TINY, "-q"]
        code, _, err_memory = run(capsys, *argv)
        assert code == status
        code, _, err = run(capsys, *argv, "--scheduler", address, "--blocksize", "1kB")
        assert code == status
        assert err == err_memory
        expected = (
            "sklinear: note: the rows have 1 more field than the header"
            if status == 0
            else "sklinear: error: target column 'price' holds numbers with ','"
        )
        assert err.startswith(expected)


def test_fields_holding_line_breaks_at_the_end_of_the_type_sample(
    tmp_path, capsys, address, monkeypatch
):
    # The rows of the first SAMPLE_BYTES give the column types; where those bytes end
    # inside a quoted field holding a line break, Dask's own first rows give them.
    monkeypatch.setattr(_cluster, "SAMPLE_BYTES", 1024)
    frame = repair_frame()
    frame["note"] = [f"line one\nline {i % 3}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "notes.csv", index=False)
    argv = ["cv", tmp_path / "notes.csv", "--target", "label", *TINY, "-q"]
    code, out_memory, err_memory = run(capsys, *argv)
    assert code == 0, err_memory
    code, out, err = run(capsys, *argv, "--scheduler", address, "--blocksize", "2kB")
    assert code == 0, err
    assert err == err_memory and _head(out) == _head(out_memory)


def test_true_false_target_with_missing_values_on_the_cluster(tmp_path, capsys, address):
    """A True/False target with empty fields is two classes on the cluster as in memory:
    every fit failed with "Unknown label type: unknown" (an object column of booleans)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=60).round(3)
    flags = [str(v) for v in x + 0.5 * rng.normal(size=60) > 0]
    gaps = (4, 19, 40)
    with_gaps = [("" if i in gaps else flag) for i, flag in enumerate(flags)]
    (tmp_path / "gaps.csv").write_text(
        "x,flag\n" + "".join(f"{a},{f}\n" for a, f in zip(x, with_gaps, strict=True))
    )
    kept = [i for i in range(60) if i not in gaps]
    (tmp_path / "kept.csv").write_text("x,flag\n" + "".join(f"{x[i]},{flags[i]}\n" for i in kept))
    scores = {}
    for name in ("gaps.csv", "kept.csv"):
        argv = ["cv", tmp_path / name, "--target", "flag", *TINY, "-q"]
        code, out, err = run(capsys, *argv, "--scheduler", address, "--blocksize", "1kB")
        assert code == 0, err
        assert "GDLogisticClassifier" in out
        assert f"dropped {3 if name == 'gaps.csv' else 0} rows" in out
        scores[name] = [(row["mean"], row["std"]) for row in parse_table(out)]
    assert scores["gaps.csv"] == scores["kept.csv"]
