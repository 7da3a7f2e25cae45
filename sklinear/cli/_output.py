"""Files written by ``sklinear cv --output DIR``: the fitted model, the results, the plots."""

import os

import numpy as np

from ._data import PLOT_INSTALL_HINT  # noqa: F401 - part of this module's interface
from ._errors import CLIError, one_line
from ._search import describe, short_name


def prepare_output_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise CLIError(
            f"cannot create --output directory {str(path)!r}: {one_line(exc)}"
        ) from None
    if not os.access(path, os.W_OK):
        raise CLIError(f"cannot write to --output directory {str(path)!r}: permission denied")


def save_model(search, path):
    import joblib

    file = os.path.join(path, "model.joblib")
    joblib.dump(search.best_estimator_, file)
    return file


def save_results(search, path):
    import pandas as pd

    table = pd.DataFrame(search.cv_results_)
    table["params"] = [describe(p) for p in table["params"]]
    file = os.path.join(path, "cv_results.csv")
    table.sort_values("rank_test_score", kind="stable").to_csv(file, index=False)
    return file


def import_pyplot():
    """Return matplotlib.pyplot on the non-interactive Agg backend, or None if missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_validation_curve(search, scoring, path, plt):
    """Score against alpha (one line per degree) or against degree, train and validation.

    The other parameters are held at their best values.
    """
    results = search.cv_results_
    best = search.best_params_
    params = results["params"]
    alphas = sorted({p["model__alpha"] for p in params if "model__alpha" in p})
    use_alpha = len(alphas) > 1 and "model__alpha" in best
    x_key = "model__alpha" if use_alpha else "poly__degree"
    varied = {"model__alpha", "poly__degree"} if use_alpha else {"poly__degree"}
    fixed = {k: v for k, v in best.items() if k not in varied}
    groups = sorted({p["poly__degree"] for p in params}) if use_alpha else [None]

    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for number, degree in enumerate(groups):
        rows = [
            i
            for i, p in enumerate(params)
            if x_key in p
            and all(p.get(k) == v for k, v in fixed.items())
            and (degree is None or p["poly__degree"] == degree)
        ]
        rows.sort(key=lambda i: params[i][x_key])
        if not rows:
            continue
        x = np.array([params[i][x_key] for i in rows], dtype=float)
        color = colors[number % len(colors)]
        label = f"degree {degree}: " if degree is not None else ""
        for kind, style in (("test", "-"), ("train", "--")):
            mean = results[f"mean_{kind}_score"][rows]
            std = results[f"std_{kind}_score"][rows]
            name = "validation" if kind == "test" else "train"
            ax.plot(x, mean, style, marker="o", color=color, label=f"{label}{name}")
            if kind == "test":
                ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.15)
    if use_alpha:
        ax.set_xscale("log")
    ax.set_xlabel("alpha (regularisation strength)" if use_alpha else "polynomial degree")
    ax.set_ylabel(f"{scoring} ({search.n_splits_}-fold mean)")
    held = ", ".join(f"{short_name(k)}={v}" for k, v in fixed.items())
    ax.set_title("Validation curve" + (f" ({held})" if held else ""), fontsize=10)
    ax.legend(fontsize=8)
    file = os.path.join(path, "validation_curve.png")
    fig.savefig(file, dpi=100)
    plt.close(fig)
    return file


def plot_loss_curve(search, path, plt):
    model = search.best_estimator_[-1]
    curve = np.asarray(getattr(model, "loss_curve_", []), dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    ax.plot(np.arange(1, curve.size + 1), curve, marker="." if curve.size < 50 else None)
    ax.set_xlabel("iteration (epoch for stochastic solvers)")
    ax.set_ylabel("objective J(w, b)")
    ax.set_title(
        f"Loss curve of the best model, refitted on all rows ({type(model).__name__})", fontsize=10
    )
    file = os.path.join(path, "loss_curve.png")
    fig.savefig(file, dpi=100)
    plt.close(fig)
    return file


def plot_confusion_matrix(search, X, y, cv, path, plt):
    """Confusion matrix of out-of-fold predictions of the best parameters.

    Every row is predicted by the model fitted on the other folds (the same folds as the
    search), so the matrix shows errors on data the model did not see.
    """
    from sklearn.base import clone
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import cross_val_predict
    from sklearn.utils.multiclass import unique_labels

    predicted = cross_val_predict(clone(search.best_estimator_), X, y, cv=cv)
    classes = unique_labels(y, predicted)
    matrix = confusion_matrix(y, predicted, labels=classes)
    return plot_confusion_counts(matrix, classes, path, plt)


def plot_confusion_counts(matrix, classes, path, plt):
    """Draw the confusion matrix ``matrix`` (rows: true class, columns: predicted)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
    display = ConfusionMatrixDisplay(confusion_matrix=np.asarray(matrix), display_labels=classes)
    display.plot(ax=ax, colorbar=False)
    ax.set_title("Out-of-fold predictions of the best parameters", fontsize=10)
    file = os.path.join(path, "confusion_matrix.png")
    fig.savefig(file, dpi=100)
    plt.close(fig)
    return file
