"""The bundled Palmer penguins data and its loader."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sklinear.datasets import PENGUINS_DEFAULT_TARGET, get_bundled_dataset, load_penguins


def test_frame():
    frame = load_penguins()
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (344, 8)
    assert list(frame.columns) == [
        "species",
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
        "year",
    ]
    assert frame["sex"].isna().sum() == 11
    assert frame["body_mass_g"].isna().sum() == 2
    assert frame["species"].notna().all()
    assert pd.api.types.is_float_dtype(frame["bill_length_mm"])


def test_return_X_y():
    X, y = load_penguins(return_X_y=True)
    assert X.shape == (344, 7) and y.name == PENGUINS_DEFAULT_TARGET == "species"
    X, y = load_penguins(return_X_y=True, target="sex")
    assert "species" in X.columns and y.isna().sum() == 11
    X, y = load_penguins(return_X_y=True, as_frame=False)
    assert isinstance(X, np.ndarray) and X.dtype == object and X.shape == (344, 7)


def test_unknown_target():
    with pytest.raises(ValueError, match="target must be a column"):
        load_penguins(return_X_y=True, target="weight")


def test_bundled_dataset_and_licence():
    frame, target = get_bundled_dataset()
    assert target in frame.columns
    licence = resources.files("sklinear.datasets").joinpath("data", "PENGUINS_LICENSE.txt")
    text = licence.read_text(encoding="utf-8")
    assert "CC0" in text and "Horst" in text and "Gorman" in text
