"""Helpers shared by the command-line tests (tests/test_cli_*.py)."""

import numpy as np
import pandas as pd

from sklinear.cli import main

# A grid of one candidate and three folds keeps every run well under a second or two.
TINY = ["--degree", "1", "--alpha", "0.01", "--folds", "3"]


def run(capsys, *argv):
    """Run ``sklinear *argv`` in this process; return (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def parse_table(out):
    """The ranked table of ``sklinear cv`` as a list of dicts (the baseline row last).

    Each row has ``rank`` (str), one entry per parameter column, ``mean``, ``std``,
    ``train`` (floats) and ``fit_time``.
    """
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    header = lines[start].split()
    score_at = next(i for i, word in enumerate(header) if word.startswith("(mean"))
    names = header[1 : score_at - 1]
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith("("):
            break
        cells = line.split()
        row = {"rank": cells[0]}
        row.update(zip(names, cells[1 : 1 + len(names)], strict=True))
        rest = cells[1 + len(names) :]
        if rest[0] == "failed":  # a candidate whose every fold failed: no ± std
            rest = ["nan", "±", "nan", *rest[1:]]
        row["mean"] = float(rest[0])
        row["std"] = float(rest[2])
        row["train"] = float(rest[3].replace("failed", "nan"))
        row["fit_time"] = float(rest[4])
        rows.append(row)
    return rows


def printed_equal(printed, reference):
    """``printed`` is ``reference`` rounded as the table prints it (4 decimals)."""
    return abs(printed - reference) <= 0.5e-4 + 1e-9


def mixed_frame(n=60, seed=0, target="label"):
    """Numeric and text features with missing values, and a text target (two classes)."""
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    weight = 100 * size + 30 * rng.normal(size=n)
    label = np.where(size + 0.8 * rng.normal(size=n) > 0, "big", "small").astype(object)
    weight[[1, 7]] = np.nan
    colour[[3, 11]] = None
    return pd.DataFrame({"size": size, "colour": colour, "weight": weight, target: label})


def regression_frame(n=50, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    y = 1.5 * x - 0.5 * x**2 + (group == "a") + 0.5 * rng.normal(size=n)
    return pd.DataFrame({"x": x, "group": group, "y": y})
