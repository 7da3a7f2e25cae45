"""The report of ``sklinear cv`` on standard output: the ranked table and the best line."""

import numpy as np

from ._search import describe, format_param, ordered_keys, short_name


def result_rows(search):
    """The candidates as rows of a table, best first (ties in the search's order)."""
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"], kind="stable")
    return [
        {
            "rank": int(results["rank_test_score"][index]),
            "params": results["params"][index],
            "test_mean": float(results["mean_test_score"][index]),
            "test_std": float(results["std_test_score"][index]),
            "train_mean": float(results["mean_train_score"][index]),
            "fit_time": float(results["mean_fit_time"][index]),
        }
        for index in order
    ]


def format_score(value):
    """Four decimals, or three significant digits in scientific notation when far from 1."""
    if np.isnan(value):
        return "failed"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def plus_minus(stream):
    """``±`` where the stream can print it, ``+/-`` elsewhere."""
    try:
        "\u00b1".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "\u00b1"


def _score_cell(mean, std, pm):
    cell = format_score(mean)
    if not np.isnan(mean):
        # Equal fold scores give a spread of rounding error (1e-16), not a spread to show.
        if std <= 64 * np.finfo(float).eps * abs(mean):
            std = 0.0
        cell += f" {pm} {format_score(std)}"
    return cell


def format_table(rows, scoring, stream, baseline=None):
    """Render the ranked candidates, and the baseline below them, as an aligned table.

    ``baseline`` is a row (``test_mean``, ``test_std``, ``train_mean``, ``fit_time``) of a
    model that ignores the features; its rank cell reads ``base``.
    """
    pm = plus_minus(stream)
    keys = ordered_keys(dict.fromkeys(k for row in rows for k in row["params"]))
    header = ["rank", *[short_name(k) for k in keys], f"{scoring} (mean {pm} std)", "train",
              "fit time (s)"]  # fmt: skip
    body = []
    for row in rows:
        params = [format_param(row["params"][k]) if k in row["params"] else "-" for k in keys]
        body.append([str(row["rank"]), *params, _score_cell(row["test_mean"], row["test_std"], pm),
                     format_score(row["train_mean"]), f"{row['fit_time']:.3f}"])  # fmt: skip
    if baseline is not None:
        score = _score_cell(baseline["test_mean"], baseline["test_std"], pm)
        train = format_score(baseline["train_mean"])
        body.append(["base", *["-"] * len(keys), score, train, f"{baseline['fit_time']:.3f}"])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {0, len(header) - 1, len(header) - 2}
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def best_line(search, rows, scoring, n_folds, stream):
    """``best parameters: degree=1, ... (accuracy 0.9500 ± 0.0100 over 5 folds)``."""
    best = rows[0]
    pm = plus_minus(stream)
    return (
        f"best parameters: {describe(search.best_params_)} "
        f"({scoring} {format_score(best['test_mean'])} {pm} "
        f"{format_score(best['test_std'])} over {n_folds} folds)"
    )
