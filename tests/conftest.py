"""Shared test configuration: a deterministic hypothesis profile and a Dask cluster."""

import os

import pytest
from hypothesis import HealthCheck, settings

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
