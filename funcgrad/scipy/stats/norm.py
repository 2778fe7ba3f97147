"""The normal distribution, as scipy.stats.norm's functions: differentiable in x, loc and scale."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.special import log_ndtr, ndtri
from funcgrad.scipy.special import ndtr

_HALF_LOG_TWO_PI = float(0.5 * np.log(2 * np.pi))


def logpdf(x, loc=0, scale=1):
    z = (x - loc) / scale
    return -0.5 * z * z - ew.log(scale) - _HALF_LOG_TWO_PI


def pdf(x, loc=0, scale=1):
    return ew.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return ndtr((x - loc) / scale)


def logcdf(x, loc=0, scale=1):
    return log_ndtr((x - loc) / scale)


def sf(x, loc=0, scale=1):
    return ndtr((loc - x) / scale)


def logsf(x, loc=0, scale=1):
    return log_ndtr((loc - x) / scale)


def ppf(q, loc=0, scale=1):
    return loc + scale * ndtri(q)
