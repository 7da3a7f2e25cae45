"""Data sets of the W7-W10 and F2 rows of BENCHMARKS.md (cached per process, seed 0).

The W1-W3 data sets are in ``_workloads.py``; W8 uses its ``classification``.
"""

from functools import cache

import numpy as np
import scipy.sparse as sp
from _workloads import classification
from scipy.special import expit
from sklearn.datasets import make_regression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

TOKENS_PER_ROW = 71  # Poisson mean of the tokens drawn per row: ~50 distinct words a row
ZIPF_EXPONENT = 1.1


@cache
def tfidf_like(n_samples=100_000, n_features=50_000):
    """W7: a TF-IDF-like CSR matrix (float64) and planted linear labels.

    Each row draws Poisson(71) tokens from a vocabulary of ``n_features`` words with Zipf
    frequencies (probability of the word of rank k proportional to k^-1.1; ranks are
    shuffled over the columns), which leaves ~50 distinct words a row. Entries are
    ``(1 + log tf) * idf`` with scikit-learn's smooth idf ``log((1 + n) / (1 + df)) + 1``;
    rows are L2-normalised. Labels: ``z = X w`` with ``w ~ N(0, 1)``, standardised,
    ``y ~ Bernoulli(sigmoid(4 z))`` (learnable, not separable).
    """
    rng = np.random.default_rng(0)
    ranks = np.arange(1, n_features + 1, dtype=np.float64)
    probability = ranks**-ZIPF_EXPONENT
    probability /= probability.sum()
    column_of_rank = rng.permutation(n_features)
    lengths = np.maximum(1, rng.poisson(TOKENS_PER_ROW, size=n_samples))
    rows = np.repeat(np.arange(n_samples), lengths)
    columns = column_of_rank[rng.choice(n_features, size=rows.size, p=probability)]
    counts = sp.csr_matrix(
        (np.ones(rows.size), (rows, columns)), shape=(n_samples, n_features)
    )  # duplicates are summed: term frequencies
    counts.sum_duplicates()
    document_frequency = np.bincount(counts.indices, minlength=n_features)
    idf = np.log((1.0 + n_samples) / (1.0 + document_frequency)) + 1.0
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    X = counts
    z = X @ rng.standard_normal(n_features)
    z = (z - z.mean()) / z.std()
    y = (rng.random(n_samples) < expit(4.0 * z)).astype(np.int64)
    return X, y


@cache
def tfidf_like_split(n_samples=100_000):
    """W7-sgd: the W7 data split 80/20 (random_state=0); no scaling (TF-IDF rows)."""
    X, y = tfidf_like(n_samples)
    return tuple(train_test_split(X, y, test_size=0.2, random_state=0))


@cache
def wide_separable(n_samples=5_000, n_features=5_000):
    """W9 logistic: X ~ N(0, 1) standardised, y = [X w > 0] (linearly separable)."""
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(rng.standard_normal((n_samples, n_features)))
    y = (X @ rng.standard_normal(n_features) > 0).astype(np.int64)
    return X, y


@cache
def wide_regression(n_samples=5_000, n_features=5_000):
    """W9 ridge: make_regression(noise=10, random_state=0), X standardised."""
    X, y = make_regression(n_samples=n_samples, n_features=n_features, noise=10, random_state=0)
    return StandardScaler().fit_transform(X), y


@cache
def wide_sparse_regression(n_samples=2_000, n_features=10_000):
    """W10 wide: make_regression(n_informative=n_features // 50, noise=10, random_state=0),
    X standardised."""
    X, y = make_regression(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_features // 50,
        noise=10,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def alpha_max(X, y, l1_ratio):
    """Smallest alpha with an all-zero elastic net (centred data, as Lasso's path computes it):
    ``max_j |X_c^T (y - ybar)|_j / (n * l1_ratio)``."""
    centred = y - y.mean()
    product = X.T @ centred - X.mean(axis=0) * centred.sum()
    return float(np.max(np.abs(product)) / (X.shape[0] * l1_ratio))


@cache
def shifted_float32(n_samples=200_000):
    """F2: W1 data as float32 with column j shifted by 1e4 + 1e4 j / (p - 1).

    Returns the float32 matrix, the same numbers in float64 (the reference fit's data and
    where J is computed) and y.
    """
    X, y = classification(n_samples)
    shift = np.linspace(1e4, 2e4, X.shape[1])
    X32 = (X + shift).astype(np.float32)
    return X32, X32.astype(np.float64), y
