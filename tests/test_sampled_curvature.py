"""L-BFGS preconditioned by the Hessian of a row sample (sklinear._fit._sampled_step).

A fit that L-BFGS would hand to Newton after many iterations, on many more rows than its
Newton system has, goes on after two iterations preconditioned by the Hessian of every
k-th row. References: scikit-learn's LogisticRegression at a tight tolerance; the same
fit with the sample switched off; the same rows on every data layer.
"""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import sklinear._fit as fit_module
from sklinear import GDLogisticClassifier, SoftmaxClassifier
from sklinear._array_api import to_numpy

N_SAMPLES, N_FEATURES, N_CLASSES = 4000, 12, 4


def _data():
    X, y = make_classification(
        n_samples=N_SAMPLES,
        n_features=N_FEATURES,
        n_informative=8,
        n_classes=N_CLASSES,
        random_state=0,
    )
    return X, y


@pytest.fixture(autouse=True)
def first_order(monkeypatch):
    """Newton would run at once on data this small (its Hessian costs under
    ``_NEWTON_CHEAP_FLOPS``): the fits here run L-BFGS as on the large data."""
    monkeypatch.setattr(fit_module, "_NEWTON_CHEAP_FLOPS", 0)


@pytest.fixture
def spy(monkeypatch):
    """Records the row step of each sampled preconditioner and the iterate it is taken at."""
    calls = []
    original = fit_module._sampled_preconditioner

    def recording(objective, theta, step):
        calls.append((step, objective.certificate(theta)[0]))
        return original(objective, theta, step)

    monkeypatch.setattr(fit_module, "_sampled_preconditioner", recording)
    return calls


def test_softmax_fit_is_preconditioned_by_a_row_sample(spy, monkeypatch):
    X, y = _data()
    alpha = 1 / N_SAMPLES
    model = SoftmaxClassifier(alpha=alpha, tol=1e-10).fit(X, y)
    # every k-th row, k = n // (4 rows x 13 rows x 4 classes of the Newton system) = 19
    assert [step for step, _ in spy] == [N_SAMPLES // (4 * (N_FEATURES + 1) * N_CLASSES)]
    assert spy[0][1] == pytest.approx(model.loss_curve_[1], rel=1e-12)  # after 2 iterations
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    scale = np.max(np.abs(reference.coef_))
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-5, atol=1e-6 * scale)
    assert model.dual_gap_ <= 1e-10 * model.objective_
    monkeypatch.setattr(fit_module, "_SAMPLED_MIN_STEP", 10**9)  # no sample
    plain = SoftmaxClassifier(alpha=alpha, tol=1e-10).fit(X, y)
    assert len(spy) == 1
    np.testing.assert_allclose(plain.coef_, model.coef_, rtol=1e-5, atol=1e-6 * scale)
    assert model.n_iter_ < 0.75 * plain.n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=3
def test_small_data_dear_hessians_and_other_losses_take_no_sample(spy):
    X, y = _data()
    # fewer than 8 x 4 rows per row of the Newton system: the sample would not be small
    SoftmaxClassifier(alpha=1e-3).fit(X[:1500], y[:1500])
    # the logistic loss (one block per output: plain L-BFGS served W1 and W8-ovr better)
    GDLogisticClassifier(alpha=1e-3).fit(X, y)
    GDLogisticClassifier(alpha=1e-3).fit(X, y == 0)
    assert spy == []
    # many classes on few columns: the sample's Hessian (K(K+1)/2 blocks) would cost more
    # than 8 products over X (20 classes, 12,000 rows: every 11th row, 1,091 rows x 13^2
    # x 210 blocks = 3.9e7 against 8 x 12,000 x 13 x 20 = 2.5e7)
    rng = np.random.default_rng(0)
    X_many = rng.normal(size=(12_000, N_FEATURES))
    scores = X_many @ rng.normal(size=(N_FEATURES, 20)) + rng.gumbel(size=(12_000, 20))
    SoftmaxClassifier(alpha=1e-3, max_iter=3).fit(X_many, np.argmax(scores, axis=1))
    assert spy == []
    SoftmaxClassifier(alpha=1e-3).fit(X[:1700], y[:1700])
    assert [step for step, _ in spy] == [1700 // (4 * (N_FEATURES + 1) * N_CLASSES)]


def test_array_api_fit_takes_the_same_sample(spy):
    """The Array API seam's row sample is a strided view on the device: the same rows,
    the same iterations and coefficients as the NumPy fit."""
    array_api_strict = pytest.importorskip("array_api_strict")
    X, y = _data()
    reference = SoftmaxClassifier(alpha=1 / N_SAMPLES, tol=1e-8).fit(X, y)
    device = array_api_strict.Device("device1")
    with sklearn.config_context(array_api_dispatch=True):
        model = SoftmaxClassifier(alpha=1 / N_SAMPLES, tol=1e-8).fit(
            array_api_strict.asarray(X, device=device), array_api_strict.asarray(y, device=device)
        )
    assert len(spy) == 2 and spy[0][0] == spy[1][0]
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_row_sample_is_normalised_by_its_own_weights(weighted, monkeypatch):
    """The sample's J is normalised by the sample's weight sum: its row count without
    weights (no statistics pass over the sample), the sum of its rows' weights with them."""
    from sklinear._data import InMemoryData
    from sklinear._losses import MultinomialLoss
    from sklinear._objective import LinearObjective

    X, y = _data()
    Y = np.eye(N_CLASSES)[y]
    weights = np.random.default_rng(0).uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    objective = LinearObjective(X, Y, MultinomialLoss(), 1e-3, 0.0, sample_weight=weights)
    assert objective.statistics.weight_sum > 0  # the whole data's pass, before the count
    passes = []
    original = InMemoryData.statistics

    def counting(self):
        passes.append(self.n_samples)
        return original(self)

    monkeypatch.setattr(InMemoryData, "statistics", counting)
    sample = objective.every(7)
    expected = len(X[::7]) if weights is None else weights[::7].sum()
    assert sample.weight_sum == pytest.approx(expected, rel=1e-12)
    assert passes == ([len(X[::7])] if weighted else [])
    # its value is the mean loss over the sample's rows, by the formula
    theta = np.random.default_rng(1).normal(size=objective.size) * 0.1
    coef, intercept = sample.to_user(theta)
    Z = X[::7] @ coef + intercept
    per_row = np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(Z)), y[::7]]
    s = np.ones(len(Z)) if weights is None else weights[::7]
    penalty = 0.5 * 1e-3 * np.sum(coef**2)
    assert sample.value(theta) == pytest.approx(s @ per_row / s.sum() + penalty, rel=1e-10)
