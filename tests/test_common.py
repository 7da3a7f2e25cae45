"""Every public estimator of sklinear passes scikit-learn's estimator checks.

The estimators are discovered from ``sklinear.__all__``, so a new public class is checked
without anyone adding it here.
"""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklinear


def public_estimators():
    """Every public estimator class of sklinear, by name."""
    found = []
    for name in sorted(sklinear.__all__):
        value = getattr(sklinear, name)
        if inspect.isclass(value) and issubclass(value, BaseEstimator):
            found.append(value)
    return found


def test_discovery_finds_every_public_estimator():
    names = {cls.__name__ for cls in public_estimators()}
    assert {
        "GDLinearRegressor",
        "GDLogisticClassifier",
        "SoftmaxClassifier",
        "DummyEncoder",
        "MissingIndicatorImputer",
        "PolyFeatures",
    } <= names


def _instances():
    instances = [cls() for cls in public_estimators()]
    # The stochastic solvers go through the same checks.
    stochastic_reason = (
        "a stochastic solver steps per mini-batch, so weighted rows and repeated rows "
        "(a different n_samples) give different optimisation paths; it reaches the same "
        "optimum only up to its stopping tolerance, not to the check's rtol"
    )
    for cls in public_estimators():
        if "solver" in cls().get_params():
            for solver in ("sgd", "adam"):
                instances.append(cls(solver=solver, random_state=0))
    return instances, stochastic_reason


_ESTIMATORS, _STOCHASTIC_REASON = _instances()


def _expected_failed_checks(estimator):
    if estimator.get_params().get("solver") in ("sgd", "adam"):
        return {
            "check_sample_weight_equivalence_on_dense_data": _STOCHASTIC_REASON,
            "check_sample_weight_equivalence_on_sparse_data": _STOCHASTIC_REASON,
        }
    return {}


@parametrize_with_checks(_ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", public_estimators(), ids=lambda cls: cls.__name__)
def test_public_class_has_numpydoc_sections(cls):
    doc = inspect.getdoc(cls)
    for section in ("Parameters", "Attributes", "Examples"):
        assert section in doc, f"{cls.__name__} docstring lacks {section}"
