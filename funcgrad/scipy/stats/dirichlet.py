"""The Dirichlet distribution, as scipy.stats.dirichlet: logpdf/pdf differentiable in x and alpha.

As in SciPy, the K components lie along the first axis of x (shape (K,) or (K, N)); x may omit
the last component (shape (K - 1, ...)), which is then 1 - the sum of the others."""
from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad.scipy.special import gammaln, xlogy


def _components(x, alpha):
    x, alpha = fnp.asarray(x), fnp.asarray(alpha)
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet: parameter vector 'alpha' must be one dimensional, but "
                         f"alpha.shape = {alpha.shape}")
    count = alpha.shape[0]
    if x.shape[0] == count - 1:
        x = fnp.concatenate([x, 1.0 - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    if x.shape[0] != count:
        raise ValueError(f"dirichlet: vector 'x' must have either the same number of entries as, "
                         f"or one entry fewer than, parameter vector 'alpha', but alpha.shape = "
                         f"{alpha.shape} and x.shape = {x.shape}")
    return x, fnp.reshape(alpha, (count,) + (1,) * (x.ndim - 1))


def logpdf(x, alpha):
    x, shaped = _components(x, alpha)
    log_norm = fnp.sum(gammaln(alpha)) - gammaln(fnp.sum(alpha))
    return fnp.sum(xlogy(shaped - 1.0, x), axis=0) - log_norm


def pdf(x, alpha):
    return fnp.exp(logpdf(x, alpha))
