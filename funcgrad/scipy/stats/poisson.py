"""The Poisson distribution, as scipy.stats.poisson: logpmf/pmf/cdf/sf differentiable in mu
(d/dmu cdf(k) = -pmf(floor(k))); k is a count (no derivative)."""
from __future__ import annotations


import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import stop_gradient
from funcgrad.primitives.incomplete import gammainc, gammaincc
from funcgrad.scipy.special import gammaln, xlogy
from funcgrad.scipy.stats._support import outside, safe


def _count(k, loc):
    return stop_gradient(fnp.asarray(k) - loc)


def logpmf(k, mu, loc=0):
    k = _count(k, loc)
    invalid = fnp.logical_or(k < 0, fnp.floor(k) != k)
    k = safe(invalid, k, 0.0)
    return outside(invalid, xlogy(k, mu) - gammaln(k + 1.0) - mu)


def pmf(k, mu, loc=0):
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    k = _count(k, loc)
    whole = stop_gradient(fnp.floor(fnp.maximum(k, 0.0)))
    return fnp.where(k < 0, 0.0, gammaincc(whole + 1.0, mu))


def sf(k, mu, loc=0):
    # the regularised lower incomplete gamma P(floor(k) + 1, mu), not 1 - cdf (which loses
    # every digit of a small tail: sf(40, 2.5) = 5.4e-35 became 0)
    k = _count(k, loc)
    whole = stop_gradient(fnp.floor(fnp.maximum(k, 0.0)))
    return fnp.where(k < 0, 1.0, gammainc(whole + 1.0, mu))


def logcdf(k, mu, loc=0):
    return fnp.log(cdf(k, mu, loc))


def logsf(k, mu, loc=0):
    return fnp.log(sf(k, mu, loc))


