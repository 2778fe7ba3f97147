"""The multivariate normal distribution, as scipy.stats.multivariate_normal: logpdf/pdf
differentiable in x, mean and cov (by a Cholesky factor: cov must be positive definite).

x has the components along its last axis (shape (..., k); one point gives a scalar); cov may be a
scalar (times the identity), a vector (the diagonal) or a (k, k) matrix, as in SciPy."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp

_LOG_TWO_PI = float(np.log(2 * np.pi))


def _dimension(mean, cov):
    """SciPy's rule: the size of mean if given, else the side of a matrix cov, else 1."""
    if mean is not None:
        return int(np.prod(fnp.shape(mean), dtype=np.int64))
    return fnp.shape(cov)[0] if fnp.ndim(cov) == 2 else 1


def _covariance(cov, k):
    cov = fnp.asarray(cov)
    if cov.ndim == 0:
        return cov * np.eye(k)
    if cov.ndim == 1:
        return fnp.diag(cov)
    if cov.shape != (k, k):
        raise ValueError(f"multivariate_normal: array 'cov' must be of shape ({k}, {k}), not {cov.shape}")
    return cov


def logpdf(x, mean=None, cov=1, allow_singular=False):
    k = _dimension(mean, cov)
    x = fnp.asarray(x)
    single = x.ndim == 0 or (x.ndim == 1 and k > 1)  # one point: a scalar result
    points = fnp.reshape(x, x.shape + (1,) if k == 1 and x.ndim >= 1 and x.shape[-1] != 1 or x.ndim == 0
                         else x.shape)
    if single and x.ndim == 1:
        points = fnp.reshape(x, (1, k))
    if allow_singular:
        raise NotImplementedError("multivariate_normal: allow_singular=True is not supported "
                                  "(the derivative needs a positive definite cov)")
    factor = fnp.linalg.cholesky(_covariance(cov, k))
    deviation = points - (0.0 if mean is None else fnp.asarray(mean))
    # solve factor @ w = deviation for each point: maha = |w|^2, log det cov = 2 sum log diag
    whitened = fnp.linalg.solve(factor, fnp.moveaxis(deviation, -1, 0).reshape(k, -1))
    maha = fnp.reshape(fnp.sum(whitened * whitened, axis=0), deviation.shape[:-1])
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(factor)))
    out = -0.5 * (k * _LOG_TWO_PI + log_det + maha)
    return fnp.reshape(out, ()) if single else out


def pdf(x, mean=None, cov=1, allow_singular=False):
    return fnp.exp(logpdf(x, mean, cov, allow_singular))
