"""``sklinear predict``: apply a model saved by ``sklinear cv --output`` to a new file."""

import sys

import numpy as np
import pandas as pd

from ._data import read_table
from ._errors import CLIError, one_line


def load_model(path):
    """Load a fitted pipeline written by ``sklinear cv --output DIR`` (``model.joblib``)."""
    import joblib

    shown = repr(str(path))
    try:
        model = joblib.load(path)
    except FileNotFoundError:
        raise CLIError(f"cannot read model {shown}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read model {shown}: it is a directory") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input
        raise CLIError(
            f"cannot load model {shown}: it is not a model file that joblib can read "
            f"({type(exc).__name__}: {one_line(exc)}); expected the model.joblib written by "
            "'sklinear cv --output DIR'"
        ) from None
    if not hasattr(model, "predict") or not hasattr(model, "feature_names_in_"):
        raise CLIError(
            f"{shown} holds a {type(model).__name__}, not a model fitted on a table by "
            "'sklinear cv --output DIR'"
        )
    return model


def _numeric_in_training(model):
    """``{column: True if numeric}`` from the fitted imputer, the pipeline's first step."""
    first = model[0] if hasattr(model, "steps") else model
    mask = getattr(first, "categorical_mask_", None)
    if mask is None:
        return {}
    return {name: not text for name, text in zip(model.feature_names_in_, mask, strict=True)}


def align_columns(model, frame, stream=None):
    """The model's feature columns of ``frame``, with the types they had in training.

    A column numeric in training must hold numbers (or missing markers); a text column is
    read as text even where its values look like numbers. Missing columns are an error;
    extra columns (the target, say) are ignored with a notice.
    """
    stream = sys.stderr if stream is None else stream
    expected = [str(c) for c in model.feature_names_in_]
    frame = frame.rename(columns=str)
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise CLIError(
            f"the file lacks {len(missing)} of the model's feature columns: "
            + ", ".join(repr(c) for c in missing[:10])
            + ("" if len(missing) <= 10 else ", ...")
        )
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        stream.write(
            "sklinear: ignoring columns the model does not use: "
            + ", ".join(repr(c) for c in extra[:10])
            + ("" if len(extra) <= 10 else f", ... ({len(extra) - 10} more)")
            + "\n"
        )
    X = frame[expected].copy()
    for name, numeric in _numeric_in_training(model).items():
        name = str(name)
        column = X[name]
        if numeric and not pd.api.types.is_numeric_dtype(column):
            parsed = pd.to_numeric(column, errors="coerce")
            bad = column[parsed.isna() & column.notna()]
            if len(bad):
                raise CLIError(
                    f"column {name!r} was numeric when the model was fitted, but holds "
                    f"{bad.iloc[0]!r} in data row {bad.index[0] + 1}; give the missing-value "
                    "markers with --na-values, the decimal mark with --decimal, or the "
                    "thousands separator with --thousands"
                )
            X[name] = parsed
        elif not numeric and pd.api.types.is_numeric_dtype(column):
            X[name] = column.map(_as_text).astype(object)
    return X


def _as_text(value):
    if pd.isna(value):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def predict_table(model, X, *, proba):
    """The predictions of ``model`` on ``X`` as a DataFrame, one row per input row."""
    table = pd.DataFrame({"prediction": model.predict(X)})
    if proba:
        if not hasattr(model, "predict_proba"):
            raise CLIError("--proba needs a classifier, but the model is a regressor")
        probabilities = model.predict_proba(X)
        for number, label in enumerate(model.classes_):
            table[f"proba_{label}"] = probabilities[:, number]
    return table


def run_predict(args):
    """The ``predict`` command: load, check, predict, write; return the exit status."""
    model = load_model(args.model)
    frame = read_table(
        args.data,
        sep=args.sep,
        decimal=args.decimal,
        thousands=args.thousands,
        na_values=args.na_values,
        encoding=args.encoding,
    )
    frame.attrs = {}  # deep-copied into every column taken from the table: see run_cv
    X = align_columns(model, frame)
    try:
        table = predict_table(model, X, proba=args.proba)
    except ValueError as exc:  # the pipeline refuses values of the file (an infinity)
        shown = "standard input" if args.data == "-" else repr(str(args.data))
        raise CLIError(f"cannot predict the rows of {shown}: {one_line(exc)}") from None
    if args.output is None:
        table.to_csv(sys.stdout, index=False)
        sys.stdout.flush()
    else:
        try:
            table.to_csv(args.output, index=False)
        except OSError as exc:
            raise CLIError(f"cannot write {str(args.output)!r}: {one_line(exc)}") from None
        sys.stderr.write(f"sklinear: wrote {len(table)} predictions to {args.output}\n")
    return 0
