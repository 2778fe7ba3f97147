"""The Cauchy distribution, as scipy.stats.cauchy: differentiable in x, loc and scale."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.scipy.stats._support import standardize

_LOG_PI = float(np.log(np.pi))


def logpdf(x, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    return -_LOG_PI - log_scale - fnp.log1p(z * z)


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    # arctan2(1, -z) / pi: 1/2 + arctan(z)/pi without the cancellation in the far left tail
    z, _ = standardize(x, loc, scale)
    return fnp.arctan2(1.0, -z) / np.pi


def logcdf(x, loc=0, scale=1):
    return fnp.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return fnp.arctan2(1.0, z) / np.pi


def logsf(x, loc=0, scale=1):
    return fnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    q = fnp.asarray(q)
    body = loc + scale * fnp.tan(np.pi * (q - 0.5))  # tan(+-pi/2) is +-1.6e16, not infinite
    ends = fnp.where(q == 0, -np.inf, fnp.where(q == 1, np.inf, body))
    return fnp.where((q < 0) | (q > 1), np.nan, ends)  # not a probability: NaN, as SciPy
