"""
Fitting on a Dask cluster
=========================

``fit`` accepts Dask arrays and DataFrames: the rows stay on the workers, each evaluation
of the objective is one round trip (for persisted chunks one call of an actor per worker,
reading the chunks that worker holds), and only vectors of the size of the coefficients
come back to the client, where the solver runs. The
coefficients are those of the in-memory fit. Predictions on Dask input are lazy Dask
arrays. This example runs a small local cluster; on a real cluster, create the
``Client`` from your deployment (``Client("tcp://scheduler:8786")``, dask-jobqueue,
dask-kubernetes, Coiled, ...) and nothing else changes.
"""

# %%
# A local cluster: two workers of one thread each (threads here, so that the example
# builds quickly; ``LocalCluster(processes=True)`` or any deployment works the same way).
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster

from sklinear import GDLogisticClassifier

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
client = Client(cluster)

# %%
# Data generated on the workers, chunked by rows with all columns in each chunk, and
# persisted: every evaluation reads the chunks where they are. Without ``persist`` the
# data would be generated again in every pass (that is how data larger than the
# cluster's memory is handled, at the price of recomputing them).
n_samples, n_features = 40_000, 10
rng = da.random.RandomState(0)
X = rng.normal(size=(n_samples, n_features), chunks=(5_000, n_features))
true_coef = np.linspace(-2, 2, n_features)
y = X @ true_coef + rng.logistic(size=n_samples, chunks=5_000) > 0
X, y = client.persist([X, y])

# %%
# Fit on the cluster, then in memory on the same data, and compare. ``n_graphs_`` counts
# the graphs sent to the scheduler: one for the column statistics, which also starts one
# actor per worker; the actors then answer every evaluation of the objective (value and
# gradient together) without a graph.
model = GDLogisticClassifier(alpha=1e-4, tol=1e-8).fit(X, y)
in_memory = GDLogisticClassifier(alpha=1e-4, tol=1e-8).fit(X.compute(), y.compute())
print(f"iterations: {model.n_iter_}, graphs sent: {model.n_graphs_}")
print("largest coefficient difference:", np.max(np.abs(model.coef_ - in_memory.coef_)))

# %%
# Predictions are lazy: a Dask array with the row chunks of ``X``, computed on demand.
proba = model.predict_proba(X)
print(proba)
print("accuracy:", model.score(X, y))

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(true_coef, model.coef_[0], "o", label="fitted on the cluster")
ax.plot(true_coef, in_memory.coef_[0], "x", label="fitted in memory")
ax.set_xlabel("coefficient used to generate the labels")
ax.set_ylabel("fitted coefficient")
ax.legend()
fig.tight_layout()

client.close()
cluster.close()
