"""The gamma distribution, as scipy.stats.gamma (shape a): logpdf/pdf differentiable in x, a,
loc and scale; cdf/sf in x, loc and scale (the derivative in a raises MissingRuleError)."""
from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad.primitives.incomplete import gammainc, gammaincc
from funcgrad.scipy.special import gammaln, xlogy
from funcgrad.scipy.stats._support import outside, safe, standardize


def logpdf(x, a, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    inside = safe(z < 0, z, 1.0)
    return outside(z < 0, xlogy(a - 1.0, inside) - inside - gammaln(a) - log_scale)


def pdf(x, a, loc=0, scale=1):
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return gammainc(a, fnp.maximum(z, 0.0))


def sf(x, a, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return gammaincc(a, fnp.maximum(z, 0.0))


def logcdf(x, a, loc=0, scale=1):
    return fnp.log(cdf(x, a, loc, scale))


def logsf(x, a, loc=0, scale=1):
    return fnp.log(sf(x, a, loc, scale))
