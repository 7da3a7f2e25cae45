"""Shared test configuration: SciPy's array API mode, a deterministic hypothesis profile and
a Dask cluster.

scikit-learn's ``array_api_dispatch`` needs ``SCIPY_ARRAY_API=1`` in the environment before
SciPy is imported (scikit-learn raises a RuntimeError otherwise); this file is imported
before any test module, hence before SciPy.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests draw the same examples on every run and keep no example database, so a
# fresh clone and CI see the same results and a failure found once cannot linger in a
# local .hypothesis directory. HYPOTHESIS_PROFILE=explore draws new examples instead.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture(scope="session")
def dask_client():
    """A distributed client on a LocalCluster of 2 single-threaded worker processes."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        memory_limit="1GiB",
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def float32_arithmetic(monkeypatch):
    """Small float32 data computed in float32 (by default it is copied to float64, see
    sklinear._data.FLOAT64_COPY_BYTES): for tests of the float32 arithmetic itself."""
    import sklinear._data

    monkeypatch.setattr(sklinear._data, "FLOAT64_COPY_BYTES", 0)
