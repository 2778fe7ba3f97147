"""The Bernoulli distribution, as scipy.stats.bernoulli: logpmf/pmf/cdf/sf differentiable in p."""
from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import stop_gradient
from funcgrad.scipy.special import xlog1py, xlogy
from funcgrad.scipy.stats._support import outside, safe


def logpmf(k, p, loc=0):
    k = stop_gradient(fnp.asarray(k) - loc)
    invalid = fnp.logical_and(k != 0, k != 1)
    k = safe(invalid, k, 0.0)
    return outside(invalid, xlogy(k, p) + xlog1py(1.0 - k, -fnp.asarray(p)))


def pmf(k, p, loc=0):
    return fnp.exp(logpmf(k, p, loc))


def cdf(k, p, loc=0):
    k = stop_gradient(fnp.asarray(k) - loc)
    p = fnp.asarray(p) + 0.0 * k
    return fnp.where(k < 0, 0.0, fnp.where(k < 1, 1.0 - p, 1.0))


def sf(k, p, loc=0):
    return 1.0 - cdf(k, p, loc)


def logcdf(k, p, loc=0):
    return fnp.log(cdf(k, p, loc))


def logsf(k, p, loc=0):
    return fnp.log(sf(k, p, loc))
