"""The exponential distribution, as scipy.stats.expon: differentiable in x, loc and scale."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.scipy.stats._support import outside, safe, standardize


def logpdf(x, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    return outside(z < 0, -z - log_scale)


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return outside(z < 0, -fnp.expm1(-safe(z < 0, z, 0.0)), 0.0)


def logcdf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return outside(z <= 0, fnp.log(-fnp.expm1(-safe(z <= 0, z, 1.0))))


def sf(x, loc=0, scale=1):
    return fnp.exp(logsf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return fnp.where(z < 0, 0.0, -z)


def ppf(q, loc=0, scale=1):
    q = fnp.asarray(q)
    body = loc - scale * fnp.log1p(-q)
    return fnp.where((q < 0) | (q > 1), np.nan, body)  # not a probability: NaN, as SciPy
