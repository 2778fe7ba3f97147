"""The beta distribution, as scipy.stats.beta: logpdf/pdf differentiable in x, a, b, loc and
scale; cdf/sf in x, loc and scale (the derivatives in a and b raise MissingRuleError)."""
from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad.primitives.incomplete import betainc
from funcgrad.scipy.special import betaln, xlog1py, xlogy
from funcgrad.scipy.stats._support import outside, safe, standardize


def logpdf(x, a, b, loc=0, scale=1):
    z, log_scale = standardize(x, loc, scale)
    away = fnp.logical_or(z < 0, z > 1)
    inside = safe(away, z, 0.5)
    return outside(away, xlogy(a - 1.0, inside) + xlog1py(b - 1.0, -inside) - betaln(a, b) - log_scale)


def pdf(x, a, b, loc=0, scale=1):
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    z, _ = standardize(x, loc, scale)
    return betainc(a, b, fnp.clip(z, 0.0, 1.0))


def sf(x, a, b, loc=0, scale=1):
    # I_{1-z}(b, a), not 1 - cdf (which is 0 for z within 1e-16 of 1); 1 - z is exact there
    z, _ = standardize(x, loc, scale)
    return betainc(b, a, 1.0 - fnp.clip(z, 0.0, 1.0))


def logcdf(x, a, b, loc=0, scale=1):
    return fnp.log(cdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    return fnp.log(sf(x, a, b, loc, scale))
