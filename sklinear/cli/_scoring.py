"""The scorer of ``sklinear cv --scoring``: checked against the task before any fit."""

import difflib
import re

from sklearn import metrics
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer

from ._errors import CLIError, UsageError

# Names of scikit-learn scorers for one task only: used to refuse a scorer that cannot
# work on the target before any model is fitted.
_REGRESSION_SCORERS = re.compile(
    r"^(r2|explained_variance|(neg_)?max_error|neg_(root_)?mean|neg_median|"
    r"d2_(absolute|pinball|tweedie))"
)
_CLASSIFICATION_SCORERS = re.compile(
    r"^(accuracy|balanced_accuracy|top_k|average_precision|neg_brier|neg_log_loss|f1|"
    r"precision|recall|jaccard|roc_auc|matthews|positive_likelihood|neg_negative_likelihood|"
    r"d2_brier|d2_log_loss)"
)
# Binary scorers that need to know which class is "positive": name -> (metric, response).
POSITIVE_LABEL_SCORERS = {
    "f1": ("f1_score", "predict"),
    "precision": ("precision_score", "predict"),
    "recall": ("recall_score", "predict"),
    "jaccard": ("jaccard_score", "predict"),
    "average_precision": ("average_precision_score", ("decision_function", "predict_proba")),
    "roc_auc": ("roc_auc_score", ("decision_function", "predict_proba")),
    "neg_brier_score": ("brier_score_loss", "predict_proba"),
}
# Scorers defined for two classes only, with what to use on more.
_BINARY_ONLY = {
    "f1": "f1_macro or f1_weighted",
    "precision": "precision_macro or precision_weighted",
    "recall": "recall_macro or recall_weighted",
    "jaccard": "jaccard_macro or jaccard_weighted",
    "roc_auc": "roc_auc_ovr, roc_auc_ovo, roc_auc_ovr_weighted or roc_auc_ovo_weighted",
    "positive_likelihood_ratio": "balanced_accuracy",
    "neg_negative_likelihood_ratio": "balanced_accuracy",
}
# Clustering scores compare two labellings: they need class labels.
_CLUSTERING_SCORERS = re.compile(
    r"^(adjusted_mutual_info|adjusted_rand|completeness|fowlkes_mallows|homogeneity|"
    r"mutual_info|normalized_mutual_info|rand|v_measure)_score$"
)


def default_scoring(kind):
    """Accuracy for classifiers, R^2 for regression."""
    return "r2" if kind == "linear" else "accuracy"


def check_scoring_name(name):
    """Refuse a name that is not a scikit-learn scorer, suggesting close ones."""
    names = sorted(get_scorer_names())
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "e.g. accuracy, f1_macro, r2"
        raise UsageError(f"unknown --scoring {name!r}; use a scikit-learn scorer name ({hint})")


def make_scorer_for(name, kind, classes, target):
    """Return the scorer called ``name``, checked against the task and the classes.

    Binary scorers score the larger label (``classes[1]``, the estimator's positive class)
    as positive, so they work on text labels too. A scorer that cannot score the task
    raises :class:`CLIError` naming what to use instead.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``.
    note : str
        How the report names the scoring, e.g. ``"f1, positive class 'male'"``.
    """
    if kind == "linear" and _CLUSTERING_SCORERS.match(name):
        raise CLIError(
            f"--scoring {name} compares class labels, but target {target!r} is fitted by a "
            "regressor; use e.g. r2 or neg_mean_squared_error"
        )
    if kind == "linear" and _CLASSIFICATION_SCORERS.match(name):
        raise CLIError(
            f"--scoring {name} is for classifiers, but target {target!r} is fitted by a "
            "regressor; use e.g. r2 or neg_mean_squared_error"
        )
    if kind != "linear" and _REGRESSION_SCORERS.match(name):
        raise CLIError(
            f"--scoring {name} is for regression, but target {target!r} is fitted by a "
            "classifier; use e.g. accuracy or balanced_accuracy"
        )
    if kind != "linear" and name in _BINARY_ONLY and len(classes) != 2:
        raise CLIError(
            f"--scoring {name} is for two classes, but target {target!r} has "
            f"{len(classes)}; use {_BINARY_ONLY[name]}"
        )
    if name.startswith("top_k_accuracy") and len(classes) <= 2:
        raise CLIError(
            f"--scoring {name} needs more than two classes, but target {target!r} has "
            f"{len(classes)}; use accuracy"
        )
    if name in POSITIVE_LABEL_SCORERS and len(classes) == 2:
        metric_name, response = POSITIVE_LABEL_SCORERS[name]
        metric = getattr(metrics, metric_name)
        # The positive class is the larger label, as for the estimator's threshold.
        kwargs = {} if name == "roc_auc" else {"pos_label": classes[1]}
        greater = name != "neg_brier_score"
        scorer = make_scorer(metric, response_method=response, greater_is_better=greater, **kwargs)
        return scorer, f"{name}, positive class {_show(classes[1])}"
    return get_scorer(name), name


def _show(value):
    return repr(value.item() if hasattr(value, "item") else value)
