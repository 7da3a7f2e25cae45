"""GPU benchmark: float32 logistic and softmax fits on PyTorch tensors, against the memory floor.

One command::

    SCIPY_ARRAY_API=1 python benchmarks/bench_gpu.py            # CUDA if present, else CPU

runs four fits under scikit-learn's ``array_api_dispatch`` (GDLogisticClassifier, binary, and
SoftmaxClassifier, K = 10), each on a W1-sized (200,000 x 100) and a 10-million-row x 100
float32 ``X`` generated on the device (``torch.randn`` with a seed, labels from a planted
linear model: nothing crosses the host boundary but the labels' classes). For each fit it
prints

- the fit time (best of ``--repeat``, after a warm-up fit on 2,000 rows);
- the number of passes over ``X``: two per ``ArrayAPIData.evaluate`` call (each reads
  ``X`` twice: ``X W`` then ``X^T G``), plus the fixed passes (the finite check and the
  statistics, one each);
- the floor: one read of ``X`` at the device's memory bandwidth, ``X.nbytes / bandwidth``
  (bandwidth measured with a device-to-device copy of up to 2 GiB, counting the bytes read
  and written, or given with ``--bandwidth``);
- the ratio ``fit / (passes x floor)`` (BENCHMARKS.md's A1); goal <= 3;
- on the W1-sized data: scikit-learn's ``LogisticRegression`` on the CPU (same objective,
  ``C = 1 / (alpha n)``) and the largest difference of ``predict_proba`` from the NumPy
  float64 fit of the same data (goal <= 1e-3).

``--rows`` sets the large size and the W1-sized case uses ``min(200,000, rows)`` rows, so
``--rows 20000 --device cpu`` is a quick test on CPU tensors.
"""

import argparse
import os
import time
from contextlib import contextmanager

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before SciPy is imported

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from sklinear import GDLogisticClassifier, SoftmaxClassifier  # noqa: E402
from sklinear._array_api import ArrayAPIData, to_numpy  # noqa: E402

W1_ROWS = 200_000


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="'auto' (cuda if present), 'cuda', 'cpu'")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the large case")
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--classes", type=int, default=10, help="classes of the softmax fits")
    parser.add_argument("--repeat", type=int, default=2, help="timed fits per case (best kept)")
    parser.add_argument(
        "--bandwidth", type=float, default=None, help="device memory bandwidth in GB/s"
    )
    parser.add_argument("--skip-sklearn", action="store_true", help="skip scikit-learn's CPU fit")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _synchronize(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_bandwidth(torch, device, nbytes):
    """Bytes per second of a device-to-device copy (read + write counted)."""
    nbytes = int(min(max(nbytes, 256 << 20), 2 << 30))
    source = torch.empty(nbytes // 4, dtype=torch.float32, device=device).fill_(1.0)
    target = torch.empty_like(source)
    target.copy_(source)
    _synchronize(torch, device)
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        target.copy_(source)
        _synchronize(torch, device)
        best = min(best, time.perf_counter() - start)
    del source, target
    return 2 * nbytes / best


def make_data(torch, device, n_samples, n_features, n_classes, seed):
    """float32 X ~ N(0, 1) on the device; labels of a planted linear model (int64, device)."""
    generator = torch.Generator(device=device).manual_seed(seed)
    X = torch.randn(n_samples, n_features, generator=generator, device=device)
    weights = torch.randn(n_features, n_classes, generator=generator, device=device)
    weights /= np.sqrt(n_features) / 2
    scores = X @ weights
    if n_classes == 1:
        noise = torch.rand(n_samples, generator=generator, device=device)
        y = (scores[:, 0] + torch.log(noise) - torch.log1p(-noise) > 0).to(torch.int64)
    else:  # Gumbel noise: a draw from the softmax of the scores
        noise = torch.rand(n_samples, n_classes, generator=generator, device=device)
        y = torch.argmax(scores - torch.log(-torch.log(noise)), dim=1)
    del scores, noise
    return X, y


@contextmanager
def counting_passes():
    """Count the evaluations (each pass of ``ArrayAPIData.evaluate`` over the row blocks,
    one done again with the softmax's shift included) and the statistics passes (one or
    two ``_moment_sums``) during the body."""
    counts = {"evaluate": 0, "statistics": 0}
    parts, moment_sums = ArrayAPIData._parts, ArrayAPIData._moment_sums

    def counted_parts(self, *args, **kwargs):
        counts["evaluate"] += 1
        return parts(self, *args, **kwargs)

    def counted_moment_sums(self, reference):
        counts["statistics"] += 1
        return moment_sums(self, reference)

    ArrayAPIData._parts, ArrayAPIData._moment_sums = counted_parts, counted_moment_sums
    try:
        yield counts
    finally:
        ArrayAPIData._parts, ArrayAPIData._moment_sums = parts, moment_sums


def make_estimator(name, n_samples):
    # alpha = 1 / n: the objective of LogisticRegression(C=1) (BENCHMARKS.md's W1).
    cls = GDLogisticClassifier if name == "logistic" else SoftmaxClassifier
    return cls(alpha=1.0 / n_samples)


def time_fit(torch, device, estimator, X, y, repeat):
    """Best fit time and the pass counts of the last fit."""
    with sklearn.config_context(array_api_dispatch=True):
        sklearn.base.clone(estimator).fit(X[:2000], y[:2000])  # warm-up: kernels, handles
        best, model = np.inf, None
        for _ in range(repeat):
            model = sklearn.base.clone(estimator)
            _synchronize(torch, device)
            with counting_passes() as counts:
                start = time.perf_counter()
                model.fit(X, y)
                _synchronize(torch, device)
                best = min(best, time.perf_counter() - start)
    return best, counts, model


def compare_with_numpy(estimator, model, X, y):
    """Largest |predict_proba| difference from the NumPy float64 fit; its time."""
    X_host = to_numpy(X).astype(np.float64)
    y_host = to_numpy(y)
    start = time.perf_counter()
    reference = sklearn.base.clone(estimator).fit(X_host, y_host)
    elapsed = time.perf_counter() - start
    with sklearn.config_context(array_api_dispatch=True):
        proba = to_numpy(model.predict_proba(X))
    coef = to_numpy(model.coef_)
    coef_error = np.max(np.abs(coef - reference.coef_)) / np.max(np.abs(reference.coef_))
    return float(np.max(np.abs(proba - reference.predict_proba(X_host)))), coef_error, elapsed


def sklearn_time(X, y, n_samples):
    X_host, y_host = to_numpy(X), to_numpy(y)
    start = time.perf_counter()
    LogisticRegression(C=1.0, max_iter=1000).fit(X_host, y_host)
    return time.perf_counter() - start


def main(argv=None):
    arguments = parse_arguments(argv)
    import torch

    if arguments.device == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        name = arguments.device
    device = torch.device(name)
    n_large = arguments.rows
    n_w1 = min(W1_ROWS, n_large)
    p, k = arguments.features, arguments.classes
    label = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"# sklinear GPU benchmark: torch {torch.__version__}, device {name} ({label})")
    if arguments.bandwidth is not None:
        bandwidth = arguments.bandwidth * 1e9
        print(f"# bandwidth {bandwidth / 1e9:.0f} GB/s (given)")
    else:
        bandwidth = measure_bandwidth(torch, device, 4 * n_large * p)
        print(f"# bandwidth {bandwidth / 1e9:.0f} GB/s (device copy, read + write)")
    header = (
        f"{'case':<10} {'rows':>10} {'fit s':>8} {'evals':>6} {'passes':>6} "
        f"{'floor ms':>9} {'ratio':>6} {'goal':>5} {'sklearn s':>9} {'max dP':>9} {'coef rel':>9}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for n_samples in dict.fromkeys([n_w1, n_large]):
        for case, n_classes in (("logistic", 1), ("softmax", k)):
            X, y = make_data(torch, device, n_samples, p, n_classes, arguments.seed)
            estimator = make_estimator(case, n_samples)
            fit_time, counts, model = time_fit(
                torch, device, estimator, X, y, max(1, arguments.repeat)
            )
            floor = X.element_size() * X.nelement() / bandwidth
            # two reads of X per evaluation; the statistics pass and the finite check
            passes = 2 * counts["evaluate"] + counts["statistics"] + 1
            ratio = fit_time / (passes * floor)
            sk_time = difference = coef_error = None
            if n_samples == n_w1:
                difference, coef_error, _ = compare_with_numpy(estimator, model, X, y)
                if not arguments.skip_sklearn:
                    sk_time = sklearn_time(X, y, n_samples)
            print(
                f"{case:<10} {n_samples:>10} {fit_time:>8.3f} {counts['evaluate']:>6} "
                f"{passes:>6} {floor * 1e3:>9.3f} {ratio:>6.2f} {'<=3':>5} "
                + (f"{sk_time:>9.2f}" if sk_time is not None else f"{'-':>9}")
                + (f" {difference:>9.1e}" if difference is not None else f" {'-':>9}")
                + (f" {coef_error:>9.1e}" if coef_error is not None else f" {'-':>9}"),
                flush=True,
            )
            results.append((case, n_samples, fit_time, counts["evaluate"], ratio))
            del X, y, model
            if device.type == "cuda":
                torch.cuda.empty_cache()
    print(
        "# evals: ArrayAPIData.evaluate calls; passes: 2 reads of X per evaluation + the "
        "statistics pass + the finite check; floor: X.nbytes / bandwidth; ratio: fit / "
        "(passes x floor); max dP: largest "
        "|predict_proba| difference from the NumPy float64 fit (goal <= 1e-3); coef rel: "
        "max |coef - coef_numpy| / max |coef_numpy|"
    )
    return results


if __name__ == "__main__":
    main()
