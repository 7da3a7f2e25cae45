"""The parameter and attribute documentation the three estimators share.

Each estimator's class docstring holds ``%(shared_parameters)s`` and
``%(shared_attributes)s``; :func:`fill_doc` puts the text below in their place.
"""

_SHARED_PARAMETERS_DOC = """
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        The regulariser ``R(w)``: 'l2' sets ``l1_ratio = 0``, 'l1' sets ``l1_ratio = 1``,
        'elasticnet' uses ``l1_ratio``; None means ``alpha = 0``.
    alpha : float, default=1e-4
        Regularisation strength, ``>= 0``.
    l1_ratio : float, default=0.15
        Share of the L1 part for ``penalty='elasticnet'``, in ``[0, 1]``.
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept ``b``.
    solver : {'auto', 'lbfgs', 'newton', 'gd', 'sgd', 'adam'}, default='auto'
        'auto' (the default) is deterministic and full batch, chosen from the problem: for
        an L1 part, L-BFGS-B on split variables ``w = u - v``, ``u, v >= 0`` (the L1 term
        becomes linear); for the squared loss with at most 6,000 coefficients, and for
        other smooth problems whose Hessian is cheap, Newton; otherwise L-BFGS, continued
        by Newton when it has not certified its answer after 50 iterations and the Hessian
        is affordable (after half of ``max_iter`` where it is still affordable but larger),
        else (NumPy / SciPy data) by truncated Newton (conjugate gradients on
        Hessian-vector products) when it stalls short of its certificate. 'lbfgs':
        quasi-Newton; 'newton': Newton's method on the blocked
        Hessian with damping and a line search, robust to correlated columns (both for
        smooth objectives only: no L1 part, not 'absolute_error'). 'gd': full-batch
        accelerated proximal gradient (FISTA) with a backtracking line search, step growth
        and restarts; needs no learning rate; L1 through the soft-threshold step. 'sgd':
        mini-batch stochastic gradient descent with Nesterov momentum; 'adam': mini-batch
        Adam. 'absolute_error' is minimised by the full-batch solvers through a sequence of
        smoothed losses (continuation). Every solver works on implicitly standardised
        columns (no copy of ``X``) and returns the coefficients of the features as passed.
    max_iter : int, default=1000
        Maximum number of iterations (full-batch solvers) or epochs (stochastic solvers).
    tol : 'auto', float or None, default='auto'
        Full-batch solvers stop when the duality gap, a certified upper bound on
        ``J - J*``, is at most ``tol * |J|``: ``tol`` bounds the relative error of the
        objective (see ``dual_gap_``). Without a penalty (no gap exists) they stop when
        the gradient has fallen to ``tol`` times its starting size. Stochastic solvers
        stop after ``n_iter_no_change`` epochs in a row whose objective (the objective of
        the coefficients they would return, on a fixed sample of at most
        ``max(10,000, n / 16)`` training rows; or the validation score, with
        ``early_stopping``) did not improve on the best by ``tol`` (relative to it); None
        runs ``max_iter`` iterations or epochs. 'auto' is 1e-4 for the full-batch solvers and
        1e-3 for 'sgd' and 'adam' (scikit-learn's SGD default).
    batch_size : int or 'auto', default='auto'
        Mini-batch size of the stochastic solvers; 'auto' is ``min(1024, n_samples)`` for
        dense ``X``; for sparse ``X`` it is raised to ``4 * n_features / nnz`` rows
        (``nnz`` the mean non-zeros of a row) but at most ``n_samples / 16``. 1 is
        per-sample SGD. Ignored by full-batch solvers.
    learning_rate : {'invscaling', 'constant', 'adaptive', 'optimal'}, default='invscaling'
        Step schedule of the stochastic solvers: ``eta0 / t ** 0.25`` ('invscaling', ``t``
        counts mini-batch steps), ``eta0`` ('constant'), ``eta0`` divided by 5 each time the
        epoch loss stops improving ('adaptive'), ``1 / (alpha (t + t0))`` ('optimal').
    eta0 : float, default=0.05
        Initial step of the stochastic solvers (in the standardised feature space).
    momentum : float, default=0.9
        Nesterov momentum of 'sgd', in ``[0, 1)``.
    average : bool, default=True
        'sgd': return a weighted running mean of the iterates instead of the last iterate
        (polynomial-decay averaging: the t-th step's iterate weighs about ``t^3``, so the
        early iterates, far from the optimum, are forgotten; scikit-learn's SGD
        ``average=True`` weighs all equally). It starts again each time
        ``learning_rate='adaptive'`` divides the step. The mean removes most of the noise of
        the steps: it is close to the optimum after a few epochs, where the last iterate
        keeps jittering around it. ``partial_fit`` continues the mean. Ignored by 'adam'
        and the full-batch solvers. Unlike scikit-learn's SGD (``average=False``), on by
        default.
    early_stopping : bool, default=False
        Stochastic solvers: hold out ``validation_fraction`` of the training data and stop
        when its score stops improving; the scores are in ``validation_scores_``. Only
        effective with solver='sgd' or 'adam' (as in scikit-learn's MLP).
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping, in ``(0, 1)``.
    n_iter_no_change : int, default=5
        Epochs without improvement before a stochastic solver stops.
    shuffle : bool, default=True
        Stochastic solvers: shuffle the rows once per fit (or ``partial_fit`` call) into
        mini-batches and visit the batches in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and the early-stopping split.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution. Where ``solver='auto'`` runs L-BFGS with
        an affordable Hessian (NumPy / SciPy data), the first fit also takes a Hessian of
        the data term at its start and keeps it: L-BFGS runs preconditioned by it in this
        and the later fits on the same data (a regularisation path: one Hessian in all;
        see the optimisation guide).
    verbose : int, default=0
        Print the objective after each iteration / epoch.
    scale_predictors : bool, default=False
        Penalise the coefficients of the standardised columns, ``w_j * std_j``, instead of
        the raw ``w_j`` (as a pipeline with ``StandardScaler`` would, without copying ``X``;
        glum's option of the same name). With False the correspondences with
        scikit-learn's estimators hold exactly.
    n_jobs : int or None, default=None
        Threads for the passes over ``X`` of the full-batch solvers: None uses every core
        (as limited by threadpoolctl), -1 too, a positive int that many, -2 every core but
        one and so on (joblib's convention). 0 has no meaning and is refused.
        Results do not depend on it beyond the order of floating-point summation."""

_SHARED_ATTRIBUTES_DOC = """
    n_iter_ : int
        Iterations (full-batch) or epochs (stochastic) run by the last ``fit``; summed over
        ``partial_fit`` calls.
    loss_curve_ : list of float
        The objective ``J`` after each iteration (full batch) or epoch (stochastic ``fit``:
        ``J`` of the coefficients it would return on a fixed sample of the rows, every row
        up to 10,000, the value its stopping test compares; ``partial_fit``: the mean
        mini-batch objective of the epoch), so convergence can be plotted.
    objective_ : float
        ``J`` at the returned coefficients (on the data of the last ``fit`` or
        ``partial_fit`` call).
    dual_gap_ : float or None
        A duality gap at the returned coefficients: a certified upper bound on
        ``objective_ - J*``, in the units of ``J``. Full-batch fits stop once it is at most
        ``tol * |objective_|``. None where no gap exists (no penalty).
    validation_scores_ : list of float
        Validation score per epoch, with ``early_stopping``; else None.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` was a DataFrame with string column names."""


def fill_doc(cls):
    """Fill the shared parameter and attribute sections into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__.replace("%(shared_parameters)s", _SHARED_PARAMETERS_DOC.strip())
    cls.__doc__ = cls.__doc__.replace("%(shared_attributes)s", _SHARED_ATTRIBUTES_DOC.strip())
    return cls
