"""Student's t distribution, as scipy.stats.t: logpdf/pdf differentiable in x, df, loc and scale;
cdf/sf in x, loc and scale (its derivative in df raises MissingRuleError: no closed form)."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.primitives.incomplete import stdtr
from funcgrad.scipy.special import gammaln
from funcgrad.scipy.stats._support import standardize


def logpdf(x, df, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    return (gammaln(0.5 * (df + 1.0)) - gammaln(0.5 * df) - 0.5 * fnp.log(df * np.pi)
            - 0.5 * (df + 1.0) * fnp.log1p(z * z / df) - log_scale)


def pdf(x, df, loc=0, scale=1):
    return fnp.exp(logpdf(x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return stdtr(df, z)


def sf(x, df, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return stdtr(df, -z)


def logcdf(x, df, loc=0, scale=1):
    return fnp.log(cdf(x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    return fnp.log(sf(x, df, loc, scale))
