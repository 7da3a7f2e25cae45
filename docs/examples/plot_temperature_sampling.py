"""
Temperature, top-k and top-p sampling
=====================================

:class:`~sklinear.SoftmaxClassifier` turns the scores of the classes into probabilities
with a softmax. Dividing the scores by a *temperature* :math:`T` sharpens (:math:`T < 1`)
or flattens (:math:`T > 1`) the distribution; ``predict`` (the argmax) does not change.
``sample`` draws labels from the distribution, optionally restricted to the ``top_k``
most probable classes, or to the smallest set whose probability reaches ``top_p`` --
the knobs a language model's output layer offers.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs

from sklinear import SoftmaxClassifier

# %%
# Six overlapping classes in the plane, and one point between several of them.
X, y = make_blobs(n_samples=600, centers=6, cluster_std=2.5, random_state=3)
model = SoftmaxClassifier().fit(X, y)
point = X[[np.argmax(model.predict_proba(X).std(axis=1) < 0.2)]]  # an uncertain point
print("predicted class:", model.predict(point)[0])

# %%
# Probabilities at three temperatures.
temperatures = [0.5, 1.0, 2.0]
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True, layout="constrained")
for ax, temperature in zip(axes, temperatures, strict=True):
    probabilities = model.set_params(temperature=temperature).predict_proba(point)[0]
    ax.bar(model.classes_, probabilities, color="C0")
    ax.set(title=f"T = {temperature}", xlabel="class", xticks=model.classes_)
axes[0].set_ylabel("probability")
plt.show()
model = model.set_params(temperature=1.0)

# %%
# Sampling. Draw 4000 labels for the same point: plain sampling follows the
# probabilities; ``top_k=2`` keeps the two most probable classes and renormalises;
# ``top_p=0.8`` keeps the most probable classes until their total reaches 0.8.
rows = np.repeat(point, 4000, axis=0)
p = model.predict_proba(point)[0]
draws = {
    "sample()": model.sample(rows, random_state=0),
    "top_k=2": model.sample(rows, top_k=2, random_state=0),
    "top_p=0.8": model.sample(rows, top_p=0.8, random_state=0),
    "T=0.5, top_p=0.8": model.sample(rows, temperature=0.5, top_p=0.8, random_state=0),
}
fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
width = 0.8 / (len(draws) + 1)
positions = np.arange(len(model.classes_))
ax.bar(positions, p, width, label="predict_proba", color="gray")
for number, (name, labels) in enumerate(draws.items(), start=1):
    frequency = (labels[:, np.newaxis] == model.classes_).mean(axis=0)
    ax.bar(positions + number * width, frequency, width, label=name)
ax.set(
    xticks=positions + 0.4 - width / 2,
    xticklabels=model.classes_,
    xlabel="class",
    ylabel="share of draws",
)
ax.legend()
plt.show()

# %%
# The renormalisation of top-k, checked by hand: the kept probabilities are divided by
# their sum. With kept probabilities (0.3, 0.25, 0.2) this gives
# (0.4, 0.3333, 0.2667), the example of the user guide.
kept = np.sort(p)[::-1][:2]
print("top-2 probabilities:", np.round(kept, 4))
print("renormalised:", np.round(kept / kept.sum(), 4))
print("example:", np.round(np.array([0.3, 0.25, 0.2]) / 0.75, 4))
