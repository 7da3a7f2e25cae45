"""PolyFeatures: polynomial and interaction features, each degree built from the last."""

from itertools import chain, combinations, combinations_with_replacement
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import _fit_context
from ._base import input_feature_names


def _degree_blocks(n_features, max_degree, interaction_only):
    """Column ranges of the product blocks, in scikit-learn's output order.

    The block of degree ``d`` is built feature by feature: for feature ``j`` it is the
    columns of degree ``d - 1`` whose first factor is ``j`` or later (strictly later
    with ``interaction_only``), times column ``j``. Returns, per degree from 2, a list
    of ``(j, start, end, out_start)``: output columns ``out_start : out_start + end -
    start`` are columns ``start:end`` times feature ``j``; columns are counted from the
    first degree-1 column.
    """
    # first[j]: first column of the current degree's block whose first factor is j.
    first = list(range(n_features)) + [n_features]
    current = n_features
    blocks = []
    for _ in range(2, max_degree + 1):
        products = []
        new_first = []
        end = first[-1]
        for j in range(n_features):
            start = first[j + 1] if interaction_only else first[j]
            new_first.append(current)
            if end > start:
                products.append((j, start, end, current))
                current += end - start
        new_first.append(current)
        first = new_first
        blocks.append(products)
    return blocks, current


class PolyFeatures(TransformerMixin, BaseEstimator):
    """Polynomial and interaction features of degree ``min_degree`` to ``max_degree``.

    The output has the columns of scikit-learn's
    :class:`~sklearn.preprocessing.PolynomialFeatures`, in the same order and with the
    same names (``x0``, ``x0^2``, ``x0 x1``; input column names when fitted on a
    DataFrame), but ``include_bias`` is False by default because the sklinear
    estimators fit an intercept. Each degree is computed from the previous one (a block
    of products times one column) into a preallocated array; sparse input gives sparse
    output in the input's format (CSR or CSC).

    Parameters
    ----------
    degree : int or tuple (min_degree, max_degree), default=2
        The largest degree, or the smallest and largest degrees of the output terms.
        Degree 1 terms are the input columns.
    interaction_only : bool, default=False
        Only products of distinct columns (``x0 x1``, not ``x0^2``).
    include_bias : bool, default=False
        Add a first column of ones (the degree 0 term).

    Attributes
    ----------
    powers_ : ndarray of shape (`n_output_features_`, `n_features_in_`)
        ``powers_[i, j]`` is the exponent of input column ``j`` in output column ``i``.
    n_output_features_ : int
        Number of output columns.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit, when the input had string column names.

    See Also
    --------
    sklearn.preprocessing.PolynomialFeatures : The scikit-learn transformer it matches.

    Examples
    --------
    >>> import numpy as np
    >>> from sklinear import PolyFeatures
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> poly = PolyFeatures(degree=2).fit(X)
    >>> poly.get_feature_names_out()
    array(['x0', 'x1', 'x0^2', 'x0 x1', 'x1^2'], dtype=object)
    >>> poly.transform(X)
    array([[ 1.,  2.,  1.,  2.,  4.],
           [ 3.,  4.,  9., 12., 16.]])
    """

    _parameter_constraints = {
        "degree": [Integral, tuple],
        "interaction_only": ["boolean"],
        "include_bias": ["boolean"],
    }

    def __init__(self, degree=2, *, interaction_only=False, include_bias=False):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def _degree_range(self):
        degree = self.degree
        if isinstance(degree, Integral):
            min_degree, max_degree = 0, int(degree)
        elif (
            len(degree) == 2
            and all(isinstance(d, Integral) for d in degree)
            and 0 <= degree[0] <= degree[1]
        ):
            min_degree, max_degree = int(degree[0]), int(degree[1])
        else:
            raise ValueError(
                f"degree must be a non-negative int or a tuple (min_degree, max_degree) "
                f"of ints with 0 <= min_degree <= max_degree; got {degree!r}."
            )
        if max_degree < 0:
            raise ValueError(f"degree must be non-negative; got {degree!r}.")
        if max_degree == 0 and not self.include_bias:
            raise ValueError(
                f"degree={degree!r} with include_bias=False gives no output column. "
                "Use a degree of at least 1, or include_bias=True."
            )
        return min_degree, max_degree

    def _combinations(self, n_features):
        min_degree, max_degree = self._degree_range()
        combine = combinations if self.interaction_only else combinations_with_replacement
        terms = chain.from_iterable(
            combine(range(n_features), d) for d in range(max(1, min_degree), max_degree + 1)
        )
        if self.include_bias:
            terms = chain([()], terms)
        return terms

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the output terms for the number of input columns.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data: NumPy array, pandas or polars DataFrame, or SciPy sparse matrix.
        y : None
            Ignored.

        Returns
        -------
        self : PolyFeatures
            The fitted transformer.
        """
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        n_features = X.shape[1]
        powers = np.zeros((0, n_features), dtype=np.intp)
        terms = list(self._combinations(n_features))
        if terms:
            powers = np.vstack([np.bincount(term, minlength=n_features) for term in terms])
        self.powers_ = powers
        self.n_output_features_ = powers.shape[0]
        return self

    def transform(self, X):
        """Compute the polynomial features of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the columns seen in fit.

        Returns
        -------
        X_out : {ndarray, sparse matrix} of shape (n_samples, `n_output_features_`)
            The terms of ``powers_``, in order. Sparse input gives sparse output (CSC
            for CSC input, CSR otherwise); float32 input stays float32.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
        )
        min_degree, max_degree = self._degree_range()
        if sparse.issparse(X):
            return self._transform_sparse(X, min_degree, max_degree)
        return self._transform_dense(X, min_degree, max_degree)

    def _transform_dense(self, X, min_degree, max_degree):
        n_samples, n_features = X.shape
        bias = int(self.include_bias)
        if max_degree == 0:
            return np.ones((n_samples, 1), dtype=X.dtype)
        blocks, n_terms = _degree_blocks(n_features, max_degree, self.interaction_only)
        # Terms of degree below min_degree are computed (the higher degrees need them)
        # but not returned; they start at column 0 of ``terms``.
        keep_from = n_terms - (self.n_output_features_ - bias)
        # Fortran order: every product reads and writes contiguous columns.
        full = np.empty((n_samples, bias + n_terms), dtype=X.dtype, order="F")
        terms = full[:, bias:]
        terms[:, :n_features] = X
        for products in blocks:
            for j, start, end, out_start in products:
                np.multiply(
                    terms[:, start:end],
                    X[:, j : j + 1],
                    out=terms[:, out_start : out_start + end - start],
                )
        if keep_from == 0:
            if bias:
                full[:, 0] = 1
            return full
        output = np.empty((n_samples, self.n_output_features_), dtype=X.dtype, order="F")
        if bias:
            output[:, 0] = 1
        output[:, bias:] = terms[:, keep_from:]
        return output

    def _transform_sparse(self, X, min_degree, max_degree):
        output_format = "csc" if X.format == "csc" else "csr"
        n_samples, n_features = X.shape
        if max_degree == 0:
            return sparse.csr_matrix(np.ones((n_samples, 1), dtype=X.dtype)).asformat(
                output_format
            )
        X_columns = sparse.csc_matrix(X)
        blocks, _ = _degree_blocks(n_features, max_degree, self.interaction_only)
        degree_blocks = [X_columns]
        terms = X_columns
        for products in blocks:
            parts = []
            for j, start, end, _ in products:
                column = X_columns[:, j]
                rows = column.indices
                scale = sparse.csr_matrix(
                    (column.data, (rows, rows)), shape=(n_samples, n_samples)
                )
                parts.append(scale @ terms[:, start:end])
            block = sparse.hstack(parts, format="csc")
            degree_blocks.append(block)
            terms = sparse.hstack([terms, block], format="csc")
        kept = degree_blocks[max(1, min_degree) - 1 :]
        if self.include_bias:
            kept.insert(0, sparse.csc_matrix(np.ones((n_samples, 1), dtype=X.dtype)))
        output = sparse.hstack(kept, format=output_format, dtype=X.dtype)
        output.sort_indices()
        return output

    def get_feature_names_out(self, input_features=None):
        """Output names in scikit-learn's style: ``1``, ``x0``, ``x0^2``, ``x0 x1``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; by default ``feature_names_in_``, or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column.
        """
        check_is_fitted(self)
        names = input_feature_names(self, input_features)
        output = []
        for row in self.powers_:
            (used,) = np.nonzero(row)
            if used.size == 0:
                output.append("1")
                continue
            output.append(
                " ".join(f"{names[j]}^{row[j]}" if row[j] != 1 else str(names[j]) for j in used)
            )
        return np.asarray(output, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
