"""The Laplace distribution, as scipy.stats.laplace: differentiable in x, loc and scale (at
x == loc the derivative in x is 0, the average of the two sides)."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.scipy.stats._support import standardize

_LOG2 = float(np.log(2.0))


def logpdf(x, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    return -fnp.abs(z) - log_scale - _LOG2


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return fnp.where(z < 0, 0.5 * fnp.exp(fnp.minimum(z, 0.0)), 1.0 - 0.5 * fnp.exp(-fnp.maximum(z, 0.0)))


def logcdf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return fnp.where(z < 0, fnp.minimum(z, 0.0) - _LOG2, fnp.log1p(-0.5 * fnp.exp(-fnp.maximum(z, 0.0))))


def sf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return cdf(-z)


def logsf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return logcdf(-z)
