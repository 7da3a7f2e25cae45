"""numpydoc validation of the public API's docstrings.

Every public class of ``sklinear.__all__``, every public method and property those classes
define or inherit from sklinear (not the ones scikit-learn documents, such as
``get_params``), and every public function of ``sklinear.datasets`` is checked with
:func:`numpydoc.validate.validate`. A docstring fails on the checks of
``CHECKED_CODES``:

- it exists (GL08), its sections are known (GL06) and in numpydoc's order (GL07), and
  reST directives are well formed (GL10);
- the summary is present (SS01), starts with a capital letter (SS02), ends with a period
  (SS03), has no leading whitespace (SS04) and fits on one line (SS06);
- every parameter of the signature is documented (PR01), nothing else is (PR02), each has
  a type (PR04; PR10 for a missing space before the colon) and a description (PR07 --
  also checked here for types written as a set of values ``{...}``, which numpydoc
  skips);
- a function that returns something has a Returns section (RT01) whose values are
  described (RT03), a generator has a Yields section (YD01);
- every See Also entry has a description (SA04) that ends with a period (SA02).

Not checked, by choice: GL01/GL02 (where the docstring's text starts and ends), ES01
(extended summary), EX01 and SA01 (every method needs no example and no See Also), PR03
(the classes document their parameters grouped by theme, not in signature order), PR08,
PR09, RT04, RT05, SA03 (capitalisation and final periods of descriptions), and RT02:
returned values are named as scikit-learn names them (``self : object``).
"""

import inspect

import pytest
from numpydoc import validate as numpydoc_validate  # numpydoc is in the test extra

import sklinear
import sklinear.datasets

CHECKED_CODES = frozenset(
    {
        "GL06",
        "GL07",
        "GL08",
        "GL10",
        "SS01",
        "SS02",
        "SS03",
        "SS04",
        "SS06",
        "PR01",
        "PR02",
        "PR04",
        "PR07",
        "PR10",
        "RT01",
        "RT03",
        "YD01",
        "SA02",
        "SA04",
    }
)


def _public_classes():
    return [name for name in sklinear.__all__ if inspect.isclass(getattr(sklinear, name))]


def _sklinear_members(cls):
    """Public methods and properties of ``cls`` that sklinear itself defines."""
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        member = _function(cls, name)
        module = getattr(member, "__module__", None) or ""
        if callable(member) and module.split(".")[0] == "sklinear":
            names.append(name)
    return names


def _function(cls, name):
    """The function behind ``cls.name``: a method, static/class method, property or
    ``available_if`` method (such as ``partial_fit``, which exists for some solvers)."""
    member = inspect.getattr_static(cls, name)
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    if isinstance(member, property):
        return member.fget
    return getattr(member, "fn", member)  # scikit-learn's available_if descriptor


def _documented_objects():
    paths = []
    for class_name in _public_classes():
        paths.append(f"sklinear.{class_name}")
        cls = getattr(sklinear, class_name)
        paths.extend(f"sklinear.{class_name}.{name}" for name in _sklinear_members(cls))
    for name in sklinear.datasets.__all__:
        if inspect.isfunction(getattr(sklinear.datasets, name)):
            paths.append(f"sklinear.datasets.{name}")
    return paths


DOCUMENTED = _documented_objects()


def _resolve(path):
    parts = path.split(".")
    if parts[1] == "datasets":
        return getattr(sklinear.datasets, parts[2])
    cls = getattr(sklinear, parts[1])
    return cls if len(parts) == 2 else _function(cls, parts[2])


def _validate(obj):
    """numpydoc's errors of ``obj`` among CHECKED_CODES, plus PR07 for ``{...}`` types."""
    doc = numpydoc_validate.get_doc_object(obj)
    errors = [
        (code, message)
        for code, message in numpydoc_validate.validate(doc)["errors"]
        if code in CHECKED_CODES
    ]
    parameters = numpydoc_validate.Validator(doc).doc_all_parameters
    for name, (_, description) in parameters.items():
        error = ("PR07", f'Parameter "{name}" has no description')
        if not name.startswith("*") and not "".join(description).strip() and error not in errors:
            errors.append(error)
    return errors


def test_the_public_api_is_collected():
    # The collection must not silently become empty or miss the main methods.
    assert "sklinear.GDLinearRegressor.fit" in DOCUMENTED
    assert "sklinear.SoftmaxClassifier.sample" in DOCUMENTED
    assert "sklinear.SoftmaxClassifier.restrict_distribution" in DOCUMENTED
    assert "sklinear.GDLogisticClassifier.partial_fit" in DOCUMENTED
    assert "sklinear.PolyFeatures.transform" in DOCUMENTED
    assert "sklinear.datasets.load_penguins" in DOCUMENTED
    assert not any(path.endswith(".get_params") for path in DOCUMENTED)
    assert len(_public_classes()) == 6


def test_a_bad_docstring_is_reported():
    def fit(X, y, sample_weight=None):
        """fit the model

        Parameters
        ----------
        X : {array-like} of shape (n_samples, n_features)
        y : ndarray
            Targets.
        weights : ndarray
            Not a parameter.
        """
        return X

    codes = [code for code, _ in _validate(fit)]
    assert sorted(codes) == ["PR01", "PR02", "PR07", "RT01", "SS02", "SS03"]


@pytest.mark.parametrize("path", DOCUMENTED)
def test_docstring(path):
    errors = _validate(_resolve(path))
    assert not errors, "\n".join(f"{path}: {code} {message}" for code, message in errors)
