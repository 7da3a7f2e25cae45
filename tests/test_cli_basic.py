"""Tests of the ``sklinear`` command line, in-process through ``main`` and as a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklinear
from sklinear.cli import main

# A grid of one candidate and three folds keeps every run well under a second or two.
TINY = ["--degree", "1", "--alpha", "0.01", "--folds", "3"]


@pytest.fixture
def binary_csv(tmp_path):
    """Mixed-type table: numeric and text features with missing values; text target."""
    rng = np.random.default_rng(0)
    n = 60
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    weight = 100 * size + rng.normal(size=n)
    label = np.where(size + 0.3 * rng.normal(size=n) > 0, "big", "small").astype(object)
    weight[[1, 7]] = np.nan
    colour[[3, 11]] = None
    label[[5, 9, 20]] = None  # three rows without a target
    frame = pd.DataFrame({"size": size, "colour": colour, "weight": weight, "label": label})
    path = tmp_path / "binary.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def regression_csv(tmp_path):
    rng = np.random.default_rng(1)
    n = 40
    x = rng.uniform(-2, 2, size=n)
    group = rng.choice(["a", "b"], size=n)
    y = 1.5 * x - 0.5 * x**2 + (group == "a") + 0.1 * rng.normal(size=n)
    path = tmp_path / "regression.csv"
    pd.DataFrame({"x": x, "group": group, "y": y}).to_csv(path, index=False)
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bundled_dataset_by_default(capsys):
    code, out, err = run(capsys, "cv", *TINY)
    assert code == 0, err
    assert "penguins" in out
    assert "target: 'species'; dropped 0 rows whose target is missing" in out
    assert "SoftmaxClassifier" in out
    assert "accuracy (mean" in out
    assert "best parameters: degree=1, penalty=l2, alpha=0.01" in out
    # Progress goes to stderr, results to stdout.
    assert "candidate 1/1" in err
    assert "candidate 1/1" not in out


def test_table_has_every_candidate_ranked(binary_csv, capsys):
    code, out, err = run(
        capsys, "cv", str(binary_csv), "--target", "label", "--degree", "1", "2",
        "--alpha", "1e-3", "1", "--folds", "3",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    rows = [line.split() for line in lines[header + 1 : header + 5]]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert {(row[1], row[3]) for row in rows} == {("1", "0.001"), ("1", "1"), ("2", "0.001"),
                                                 ("2", "1")}  # fmt: skip
    assert all(("±" in line or "+/-" in line) for line in lines[header + 1 : header + 5])
    assert "GDLogisticClassifier" in out
    assert "dropped 3 rows whose target is missing (57 rows kept)" in out
    assert "best parameters:" in out
    assert "fold" in err and "candidate 4/4" in err


def test_regression_target_gives_linear_model_and_r2(regression_csv, capsys):
    code, out, err = run(capsys, "cv", str(regression_csv), "--target", "y", *TINY)
    assert code == 0, err
    assert "GDLinearRegressor" in out
    assert "r2 (mean" in out
    assert "dropped 0 rows" in out


def test_integer_target_with_few_values_is_classified(tmp_path, capsys):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(45, 2))
    grade = np.digitize(x[:, 0], [-0.5, 0.5])  # 0, 1, 2
    path = tmp_path / "grades.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "grade": grade}).to_csv(path, index=False)
    code, out, err = run(capsys, "cv", str(path), "--target", "grade", *TINY)
    assert code == 0, err
    assert "SoftmaxClassifier" in out


def test_other_penalties_and_scoring(regression_csv, capsys):
    code, out, err = run(
        capsys, "cv", str(regression_csv), "--target", "y", "--degree", "2", "--alpha", "1e-3",
        "--penalty", "l2", "l1", "elasticnet", "none", "--folds", "3",
        "--scoring", "neg_mean_absolute_error",
    )  # fmt: skip
    assert code == 0, err
    table = out.split("rank", 1)[1]
    for name in ("l2", "l1", "elasticnet", "none"):
        assert f" {name} " in table
    assert "neg_mean_absolute_error (mean" in out


def test_output_directory(binary_csv, tmp_path, capsys):
    joblib = pytest.importorskip("joblib")
    out_dir = tmp_path / "results"
    code, out, err = run(
        capsys, "cv", str(binary_csv), "--target", "label", *TINY, "--output", str(out_dir)
    )
    assert code == 0, err
    model = joblib.load(out_dir / "model.joblib")
    frame = pd.read_csv(binary_csv).dropna(subset=["label"])
    predictions = model.predict(frame.drop(columns=["label"]))
    assert set(predictions) <= {"big", "small"}
    assert len(pd.read_csv(out_dir / "cv_results.csv")) == 1
    assert f"wrote {out_dir / 'model.joblib'}" in out
    pytest.importorskip("matplotlib")
    for name in ("validation_curve.png", "loss_curve.png", "confusion_matrix.png"):
        assert (out_dir / name).read_bytes()[:4] == b"\x89PNG", name


def test_output_plots_for_regression(regression_csv, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "results"
    code, out, err = run(
        capsys, "cv", str(regression_csv), "--target", "y", "--degree", "1", "2",
        "--alpha", "1e-3", "1e-1", "--folds", "3", "--output", str(out_dir),
    )  # fmt: skip
    assert code == 0, err
    assert (out_dir / "validation_curve.png").exists()
    assert (out_dir / "loss_curve.png").exists()
    assert not (out_dir / "confusion_matrix.png").exists()


def test_output_without_matplotlib(binary_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    out_dir = tmp_path / "results"
    code, out, err = run(
        capsys, "cv", str(binary_csv), "--target", "label", *TINY, "--output", str(out_dir)
    )
    assert code == 0, err
    assert "best parameters:" in out
    assert 'pip install "sklinear[plot]"' in err
    assert (out_dir / "model.joblib").exists()
    assert not list(out_dir.glob("*.png"))


def test_quiet_suppresses_progress(regression_csv, capsys):
    code, out, err = run(capsys, "cv", str(regression_csv), "--target", "y", *TINY, "--quiet")
    assert code == 0
    assert err == ""
    assert "best parameters:" in out


def test_reads_standard_input(regression_csv, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(regression_csv.read_text()))
    code, out, err = run(capsys, "cv", "-", "--target", "y", *TINY, "-q")
    assert code == 0, err
    assert "data: standard input: 40 rows, 2 feature columns" in out


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "cv" in out
    code, out, _ = run(capsys, "cv", "--help")
    assert code == 0
    assert "--target" in out and "model choice (--model auto)" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and sklinear.__version__ in out


def _write(path, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as handle:
        handle.write(content)
    return str(path)


def _bad_inputs(tmp):
    """(argv, exit code, a fragment of the message) for every kind of bad input."""
    good = _write(
        tmp / "good.csv", "a,b,t\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12))
    )
    text = _write(tmp / "text.csv", "a,t\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(12)))
    one_class = _write(tmp / "one.csv", "a,t\n" + "".join(f"{i},same\n" for i in range(12)))
    # a constant number: auto blamed a classifier (integers) or ran, every score 1 (floats)
    constant = _write(tmp / "constant.csv", "a,t\n" + "".join(f"{i},5.5\n" for i in range(12)))
    constant_int = _write(tmp / "constint.csv", "a,t\n" + "".join(f"{i},5\n" for i in range(12)))
    float_target = _write(
        tmp / "float.csv", "a,t\n" + "".join(f"{i},{i / 7}\n" for i in range(12))
    )
    rare = _write(
        tmp / "rare.csv", "a,t\n" + "".join(f"{i},{'x' if i else 'y'}\n" for i in range(12))
    )
    few = _write(tmp / "few.csv", "a,t\n1,2.5\n2,3.5\n3,1.5\n")
    ragged = _write(tmp / "ragged.csv", "a,b\n1,2\n3,4,5,6\n")
    binary = _write(tmp / "binary.csv", b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00" * 20)
    latin1 = _write(tmp / "latin1.csv", "a,b,t\ncaf\u00e9,1,0\nna\u00efve,2,1\n".encode("latin-1"))
    empty = _write(tmp / "empty.csv", "")
    header = _write(tmp / "header.csv", "a,b,t\n")
    no_target = _write(tmp / "notarget.csv", "a,t\n1,\n2,\n3,\n")
    only_target = _write(tmp / "onlytarget.csv", "t\n1\n2\n3\n4\n5\n6\n")
    return [
        (["cv", str(tmp / "missing.csv"), "--target", "t"], 1, "no such file"),
        (["cv", str(tmp), "--target", "t"], 1, "directory"),
        (["cv", ragged, "--target", "b"], 1, "cannot parse"),
        (["cv", binary, "--target", "t"], 1, "cannot parse"),
        (["cv", latin1, "--target", "t"], 1, "not UTF-8 text. Give the encoding"),
        (["cv", empty, "--target", "t"], 1, "empty"),
        (["cv", header, "--target", "t"], 1, "no data rows"),
        (
            ["cv", good, "--target", "nope"],
            2,
            "unknown target column 'nope'; the columns are: a, b, t",
        ),
        (["cv", good], 2, "--target COLUMN is required"),
        (["cv", text, "--target", "t", "--model", "linear"], 1, "numeric target"),
        (["cv", one_class, "--target", "t", "--model", "softmax"], 1, "two classes"),
        (["cv", one_class, "--target", "t"], 1, "single value"),
        (
            ["cv", constant, "--target", "t"],
            1,
            "single value (5.5) in all 12 rows where it is given: a constant target cannot be "
            "modelled or cross-validated",
        ),
        (["cv", constant, "--target", "t", "--model", "linear"], 1, "constant target cannot"),
        (["cv", constant_int, "--target", "t"], 1, "single value (5) in all 12 rows"),
        (["cv", constant_int, "--target", "t"], 1, "Check that --target names the column"),
        (["cv", float_target, "--target", "t", "--model", "logistic"], 1, "continuous"),
        (["cv", few, "--target", "t"], 1, "fewer than --folds 5"),
        (["cv", rare, "--target", "t", "--folds", "3"], 1, "class 'y'"),
        (["cv", no_target, "--target", "t"], 1, "every row lacks"),
        (["cv", only_target, "--target", "t"], 1, "no feature columns"),
        (["cv", good, "--target", "t", "--alpha", "-1"], 2, "--alpha must be >= 0"),
        (["cv", good, "--target", "t", "--alpha", "nan"], 2, "--alpha must be finite"),
        (["cv", good, "--target", "t", "--folds", "1"], 2, "--folds must be >= 2"),
        # NumPy's seeds are 32-bit: a larger one was blamed on --scoring by the first fit
        (
            ["cv", good, "--target", "t", "--seed", str(2**32)],
            2,
            "--seed must be between 0 and 4294967295",
        ),
        (["cv", good, "--target", "t", "--folds", "two"], 2, "--folds must be an integer"),
        (["cv", good, "--target", "t", "--degree", "0"], 2, "--degree must be >= 1"),
        (["cv", good, "--target", "t", "--l1-ratio", "2"], 2, "between 0 and 1"),
        (["cv", good, "--target", "t", "--penalty", "l3"], 2, "invalid choice"),
        (["cv", good, "--target", "t", "--model", "tree"], 2, "invalid choice"),
        (["cv", good, "--target", "t", "--scoring", "acuracy"], 2, "did you mean accuracy"),
        (["cv", good, "--target", "t", "--scoring", "r2"], 1, "for regression"),
        (["cv", good, "--target", "b", "--scoring", "f1", "--folds", "3"], 1, "f1_macro"),
        (["cv", good, "--target", "t", "--solver", "lbfgs", "--penalty", "l1"], 2, "smooth"),
        (["cv", good, "--target", "t", "--no-such-option"], 2, "unrecognized arguments"),
        (["cv", good, "--target", "t", "--output", good], 1, "cannot create --output"),
        (["cv", good, "--target", "t", "--decimal", ","], 2, "--sep and --decimal are both"),
        (["cv", good, "--target", "t", "--decimal", "ab"], 2, "--decimal must be one character"),
        (["cv", good, "--target", "t", "--sep", ""], 2, "--sep must be a character, got an empty"),
        (["cv", good, "--target", "t", "--thousands", ".."], 2, "--thousands must be one char"),
        (["cv", good, "--target", "t", "--jobs", "0"], 2, "--jobs must be a positive number"),
        (["cv", good, "--target", "t", "--tol", "0"], 2, "--tol must be > 0"),
        (["predict"], 2, "the following arguments are required"),
        ([], 2, "no command given; run 'sklinear cv'"),
        (["train"], 2, "invalid choice"),
    ]


def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, capsys):
    for argv, expected_code, fragment in _bad_inputs(tmp_path):
        code, out, err = run(capsys, *argv)
        assert code == expected_code, (argv, err)
        lines = err.splitlines()
        assert len(lines) == 1, (argv, err)
        assert lines[0].startswith("sklinear: error: "), (argv, err)
        assert fragment in lines[0], (argv, err)
        assert "Traceback" not in err + out


def test_unexpected_error_is_one_line(binary_csv, capsys, monkeypatch):
    from sklinear.cli import _search

    def broken(*args, **kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(_search, "run_search", broken)
    code, out, err = run(capsys, "cv", str(binary_csv), "--target", "label", *TINY, "-q")
    assert code == 1
    expected = "RuntimeError: something broke (set SKLINEAR_DEBUG=1 to see the traceback)"
    assert err == f"sklinear: error: {expected}\n"


def test_names_the_output_encoding_lacks_are_escaped(tmp_path, capsys, monkeypatch):
    """A column name that standard output's encoding cannot write (an ASCII or cp1252
    console) is written escaped, as Python writes standard error: the run failed after
    its first line with "UnicodeEncodeError: 'ascii' codec can't encode ...". The
    stream's own setting is restored afterwards."""
    import io

    rows = "".join(f"{i / 10},{'ja' if i % 2 else 'nein'}\n" for i in range(12))
    (tmp_path / "umlaut.csv").write_text("x,größe\n" + rows, encoding="utf-8")
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="ascii")  # errors='strict', as a console's
    monkeypatch.setattr(sys, "stdout", stdout)
    code = main(["cv", str(tmp_path / "umlaut.csv"), "--target", "größe", *TINY, "-q"])
    stdout.flush()
    assert code == 0, capsys.readouterr().err
    out = raw.getvalue().decode("ascii")
    assert "target: 'gr\\xf6\\xdfe'; dropped 0 rows" in out
    assert "best parameters" in out
    assert stdout.errors == "strict"


def _subprocess(*argv, cwd):
    root = Path(sklinear.__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "sklinear", *argv],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


def test_python_dash_m_runs_the_bundled_dataset(tmp_path):
    result = _subprocess("cv", *TINY, "--output", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "best parameters:" in result.stdout
    assert "candidate 1/1" in result.stderr
    assert (tmp_path / "out" / "model.joblib").exists()


def test_python_dash_m_bad_input(tmp_path):
    result = _subprocess("cv", "missing.csv", "--target", "y", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "sklinear: error: cannot read 'missing.csv': no such file\n"
    assert result.stdout == ""


def test_progress_on_a_terminal_updates_one_line():
    import io

    from sklinear.cli._progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    candidates = [
        {"model__alpha": 0.1, "poly__degree": 1},
        {"model__alpha": 1.0, "poly__degree": 1},
    ]
    progress = Progress(candidates, n_folds=2, stream=stream)
    for fold in (1, 0):  # folds finish in any order with --jobs
        progress.task_done(fold, 1, {0: (0.5, 0.6, 0.1, 0.0, None), 1: (0.4, 0.5, 0.1, 0.0, None)})
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert "4/4 fits: fold 1/2 of degree 1 done" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_binary_f1_names_the_positive_class(capsys):
    code, out, err = run(capsys, "cv", "--target", "sex", "--scoring", "f1", *TINY, "-q")
    assert code == 0, err
    assert "scoring f1, positive class 'male'" in out
    assert "dropped 11 rows whose target is missing" in out


def test_help_describes_the_solver_and_scale_predictors(capsys):
    code, out, _ = run(capsys, "cv", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "the estimator's own choice, certified by a duality gap" in text
    assert "'gd'" not in text  # the L1 path is L-BFGS-B on split variables, not 'gd'
    assert "scale_predictors=True" in text
    assert "--jobs" in text and "--decimal" in text and "--na-values" in text
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "predict" in out
    code, out, _ = run(capsys, "predict", "--help")
    assert code == 0 and "--proba" in out and "--output FILE" in out


def test_build_parser_has_both_subcommands():
    import argparse

    from sklinear.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"cv", "predict"}
    args = parser.parse_args(["cv", "data.csv", "--target", "y", "--jobs", "-1"])
    assert (args.command, args.data, args.target, args.jobs) == ("cv", "data.csv", "y", -1)


def test_equal_fold_scores_show_no_rounding_spread():
    from sklinear.cli._report import _score_cell

    scores = [0.8, 0.8, 0.8]  # e.g. accuracy 4/5 in every fold
    assert 0 < np.std(scores) < 1e-15  # rounding error, printed as '± 1.110e-16'
    assert _score_cell(np.mean(scores), np.std(scores), "±") == "0.8000 ± 0.0000"
    # A small spread of small scores is a real one.
    assert _score_cell(-1e-5, 2e-7, "±") == "-1.000e-05 ± 2.000e-07"
    assert _score_cell(0.5, 1e-4, "±") == "0.5000 ± 1.000e-04"
