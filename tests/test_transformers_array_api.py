"""The transformers and Array API arrays (array-api-strict, PyTorch on the CPU).

scikit-learn's ``array_api_dispatch`` needs ``SCIPY_ARRAY_API=1`` before SciPy is
first imported, which the rest of the suite must not be subjected to. The cases below
therefore run together in one subprocess (this file run as a script, with the variable
set); each test reports one case's outcome.
"""

import json
import os
import subprocess
import sys
import traceback
import unittest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def _data(shape=(7, 3), seed=0):
    import numpy as np

    return np.random.default_rng(seed).normal(size=shape)


@case
def poly_strict_equals_polynomial_features():
    import array_api_strict as xps
    import numpy as np
    import sklearn
    from array_api_compat import device
    from sklearn.preprocessing import PolynomialFeatures

    from sklinear import PolyFeatures

    X = _data()
    on_device1 = xps.asarray(X, device=xps.Device("device1"))
    for params in [
        dict(degree=2),
        dict(degree=3, interaction_only=True, include_bias=True),
        dict(degree=(2, 3)),
        dict(degree=(0, 1), include_bias=True),
        dict(degree=(0, 0), include_bias=True),
        dict(degree=(4, 4), interaction_only=True),  # no term: 3 columns
    ]:
        with sklearn.config_context(array_api_dispatch=True):
            poly = PolyFeatures(**params).fit(on_device1)
            out = poly.transform(on_device1)
        assert type(out) is type(on_device1), type(out)
        assert device(out) == xps.Device("device1"), device(out)
        assert out.dtype == xps.float64
        expected = PolynomialFeatures(**{"include_bias": False, **params}).fit_transform(X)
        np.testing.assert_allclose(
            np.asarray(xps.asarray(out, device=xps.Device("CPU_DEVICE"))), expected
        )
        assert poly.n_output_features_ == expected.shape[1]


@case
def poly_strict_drop_redundant_equals_numpy():
    import array_api_strict as xps
    import numpy as np
    import sklearn
    from array_api_compat import device

    from sklinear import PolyFeatures

    rng = np.random.default_rng(0)
    groups = rng.integers(0, 3, size=30)
    X = np.column_stack([groups == 0, groups == 1, rng.normal(size=30)]).astype(float)
    on_device1 = xps.asarray(X, device=xps.Device("device1"))
    with sklearn.config_context(array_api_dispatch=True):
        poly = PolyFeatures(degree=3, drop_redundant=True).fit(on_device1)
        out = poly.transform(on_device1)
    assert device(out) == xps.Device("device1"), device(out)
    in_numpy = PolyFeatures(degree=3, drop_redundant=True).fit(X)
    assert list(poly.get_feature_names_out()) == list(in_numpy.get_feature_names_out())
    assert poly.n_output_features_ < PolyFeatures(degree=3).fit(X).n_output_features_
    np.testing.assert_allclose(
        np.asarray(xps.asarray(out, device=xps.Device("CPU_DEVICE"))), in_numpy.transform(X)
    )


@case
def poly_strict_dtypes():
    import array_api_strict as xps
    import numpy as np
    import sklearn

    from sklinear import PolyFeatures

    X = _data()
    with sklearn.config_context(array_api_dispatch=True):
        out32 = PolyFeatures().fit_transform(xps.asarray(X, dtype=xps.float32))
        out_int = PolyFeatures().fit_transform(xps.asarray(np.arange(6).reshape(3, 2)))
    assert out32.dtype == xps.float32
    assert out_int.dtype == xps.float64
    np.testing.assert_array_equal(np.asarray(out_int)[:, 2:], [[0, 0, 1], [4, 6, 9], [16, 20, 25]])


@case
def poly_strict_errors():
    import array_api_strict as xps
    import numpy as np
    import sklearn

    import sklinear._resources as resources
    from sklinear import PolyFeatures

    X = _data()
    with sklearn.config_context(array_api_dispatch=True):
        poly = PolyFeatures().fit(xps.asarray(X))
        for bad, message in [
            (xps.asarray(X[:, :2]), "X has 2 features, but PolyFeatures is expecting 3"),
            (xps.asarray(np.where(X > 1, np.nan, X)), "contains NaN or infinity"),
            (xps.asarray(X[0]), "expects a 2-D array"),
            (X, "PolyFeatures.transform() must use the same namespace and the same device"),
            (
                xps.asarray(X, device=xps.Device("device1")),
                "fitted on array_api_strict (device array_api_strict.Device('CPU_DEVICE')), "
                "got array_api_strict "
                "(device array_api_strict.Device('device1'))",
            ),
        ]:
            try:
                poly.transform(bad)
            except ValueError as error:
                assert message in str(error), str(error)
            else:
                raise AssertionError(f"no error for {message}")
        available_memory = resources.available_memory
        resources.available_memory = lambda: 100
        try:
            poly.transform(xps.asarray(X))
        except ValueError as error:
            assert "of the 0.0 MiB of memory available" in str(error), str(error)
        else:
            raise AssertionError("the memory check did not apply")
        finally:
            resources.available_memory = available_memory


@case
def poly_torch_cpu():
    import numpy as np
    import sklearn
    import torch
    from sklearn.preprocessing import PolynomialFeatures

    from sklinear import PolyFeatures

    X = _data()
    for dtype in (torch.float64, torch.float32):
        with sklearn.config_context(array_api_dispatch=True):
            out = PolyFeatures(degree=3).fit_transform(torch.asarray(X, dtype=dtype))
        assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device.type == "cpu"
        expected = PolynomialFeatures(degree=3, include_bias=False).fit_transform(X)
        np.testing.assert_allclose(
            out.numpy(), expected, rtol=1e-5 if dtype == torch.float32 else 1e-12
        )


@case
def poly_torch_half_precision_is_computed_in_float64_and_meta_refused():
    """float16 / bfloat16 tensors become float64, as NumPy float16 does (they were kept:
    300 squared overflowed float16 to inf in silence); a 'meta' tensor, which holds no
    values, is a clear error (was Tensor.item()'s RuntimeError)."""
    import numpy as np
    import sklearn
    import torch

    from sklinear import PolyFeatures

    X = np.array([[300.0, 1.5], [-2.0, 0.25]])
    expected = PolyFeatures(degree=2).fit_transform(X.astype(np.float16))
    assert expected.dtype == np.float64 and expected[0, 2] == 90000.0
    with sklearn.config_context(array_api_dispatch=True):
        for dtype in (torch.float16, torch.bfloat16):
            out = PolyFeatures(degree=2).fit_transform(torch.asarray(X, dtype=dtype))
            assert out.dtype == torch.float64, out.dtype
            np.testing.assert_array_equal(out.numpy(), expected)
        try:
            PolyFeatures().fit(torch.empty((4, 2), device="meta"))
        except ValueError as error:
            assert "'meta' device" in str(error), str(error)
        else:
            raise AssertionError("a meta tensor was accepted")


class Unavailable(Exception):
    """A case that cannot run here (no CUDA device)."""


@case
def poly_torch_cuda():
    import numpy as np
    import sklearn
    import torch
    from sklearn.preprocessing import PolynomialFeatures

    from sklinear import PolyFeatures

    if not torch.cuda.is_available():
        raise Unavailable("no CUDA device")
    X = _data((1000, 6))
    for dtype in (torch.float64, torch.float32):
        X_device = torch.asarray(X, dtype=dtype, device="cuda")
        with sklearn.config_context(array_api_dispatch=True):
            poly = PolyFeatures(degree=(1, 3), include_bias=True).fit(X_device)
            out = poly.transform(X_device)
        assert out.device.type == "cuda" and out.dtype == dtype, (out.device, out.dtype)
        expected = PolynomialFeatures(degree=(1, 3), include_bias=True).fit_transform(X)
        np.testing.assert_allclose(
            out.cpu().numpy(), expected, rtol=1e-4 if dtype == torch.float32 else 1e-12
        )


@case
def poly_sklearn_array_api_check_strict():
    from sklearn.utils.estimator_checks import check_array_api_input

    from sklinear import PolyFeatures

    for dtype_name in ("float64", "float32"):
        check_array_api_input(
            "PolyFeatures",
            PolyFeatures(),
            "array_api_strict",
            dtype_name=dtype_name,
            check_values=True,
        )


@case
def poly_sklearn_array_api_check_torch():
    from sklearn.utils.estimator_checks import check_array_api_input

    from sklinear import PolyFeatures

    for dtype_name in ("float64", "float32"):
        check_array_api_input(
            "PolyFeatures",
            PolyFeatures(),
            "torch",
            device_name="cpu",
            dtype_name=dtype_name,
            check_values=True,
        )


@case
def without_dispatch_arrays_become_numpy_as_in_sklearn():
    import array_api_strict as xps
    import numpy as np
    from sklearn.preprocessing import PolynomialFeatures

    from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures

    X = _data()
    out = PolyFeatures().fit_transform(xps.asarray(X))
    theirs = PolynomialFeatures(include_bias=False).fit_transform(xps.asarray(X))
    assert isinstance(out, np.ndarray) and type(out) is type(theirs)
    np.testing.assert_allclose(out, theirs)
    assert isinstance(MissingIndicatorImputer().fit_transform(xps.asarray(X)), np.ndarray)
    assert isinstance(DummyEncoder().fit_transform(xps.asarray(X[:, :1] > 0)), np.ndarray)


@case
def dispatch_encoder_and_imputer_refuse_foreign_arrays_and_keep_numpy():
    import array_api_strict as xps
    import numpy as np
    import sklearn

    from sklinear import DummyEncoder, MissingIndicatorImputer, PolyFeatures

    X = _data()
    with sklearn.config_context(array_api_dispatch=True):
        for transformer in (DummyEncoder(), MissingIndicatorImputer()):
            try:
                transformer.fit(xps.asarray(X))
            except TypeError as error:
                assert "works on host tables" in str(error), str(error)
                assert "np.asarray(X)" in str(error), str(error)
            else:
                raise AssertionError(f"{transformer} accepted an array-api-strict array")
        # NumPy input is unchanged with dispatch on
        assert isinstance(PolyFeatures().fit_transform(X), np.ndarray)
        assert MissingIndicatorImputer().fit_transform(X).shape == X.shape
        assert DummyEncoder().fit_transform(X[:, :1] > 0).shape == (7, 1)


def _run_cases():
    results = {}
    for name, function in CASES.items():
        try:
            function()
        except (ImportError, Unavailable, unittest.SkipTest) as error:
            # scikit-learn's array API checks raise SkipTest when torch is not installed
            results[name] = f"unavailable: {error}"
        except Exception:  # noqa: BLE001 - reported to the parent test
            results[name] = traceback.format_exc()
        else:
            results[name] = "ok"
    print(json.dumps(results))


@pytest.fixture(scope="module")
def results():
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, __file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(CASES))
def test_array_api_case(results, name):
    if "torch" in name and results[name].startswith("unavailable:"):
        # PyTorch is an optional test dependency; CUDA cases run where a GPU is
        pytest.skip(results[name])
    assert results[name] == "ok", results[name]


if __name__ == "__main__":
    _run_cases()
