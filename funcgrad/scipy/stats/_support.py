"""Shared pieces of the distributions: standardising by loc/scale, -inf outside the support, and
log-densities that stay finite (and differentiable) at the edges of the support."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp


def standardize(x, loc, scale):
    """(x - loc) / scale and log(scale): every location-scale family is f(z) / scale."""
    return (fnp.asarray(x) - loc) / scale, fnp.log(scale)


def outside(condition, value, fill=-np.inf):
    """value where the point is inside the support, `fill` elsewhere (with a zero derivative)."""
    return fnp.where(condition, fill, value)


def safe(condition, x, stand_in):
    """x where not condition, else a harmless stand-in (so a masked-out branch stays finite and
    its derivative is not NaN)."""
    return fnp.where(condition, stand_in, x)
