"""Gamma draws that differentiate with respect to their shape parameter.

Implicit reparameterisation (Figurnov et al. 2018): a draw z of Gamma(alpha, 1) is the point where
the CDF P(alpha, z) equals a uniform u, so with u held fixed

    dz/dalpha = -(dP/dalpha)(alpha, z) / p(z; alpha).

With P(alpha, z) = sum_n e^-z z^(alpha+n) / Gamma(alpha+n+1), each term over the density p is
R_n = z^(n+1) / (alpha (alpha+1) ... (alpha+n)), and differentiating the series gives

    dz/dalpha = sum_n R_n (psi(alpha) + H_n - log z),   H_n = sum_{k<=n} 1 / (alpha+k).

The formula is written with funcgrad's operations, so second derivatives follow (the draw z
depends on alpha through this same rule).
"""
from __future__ import annotations

import math

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.tracer import concrete_value
from funcgrad.primitives._util import dtype_of
from funcgrad.random._primitives import gamma_p
from funcgrad.transforms.custom import custom_jvp

# psi(y) ~ log y - 1/(2y) - sum_k B_2k / (2k y^2k): accurate to ~1e-14 once y >= 10
_DIGAMMA_SHIFT = 10
_DIGAMMA_TAIL = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132)


def digamma(x):
    """psi(x) for x > 0 with funcgrad's own operations (no SciPy): recurrence up to x >= 10,
    then the asymptotic series."""
    shift = sum(1.0 / (x + k) for k in range(_DIGAMMA_SHIFT))
    y = x + _DIGAMMA_SHIFT
    inv2 = 1.0 / (y * y)
    tail = 0.0
    for coefficient in reversed(_DIGAMMA_TAIL):
        tail = (tail + coefficient) * inv2
    return fnp.log(y) - 0.5 / y - tail - shift


def _terms(alpha, z) -> int:
    """Enough series terms for every element: R_n peaks at n ~ z - alpha and then falls faster
    than geometrically."""
    a, z = np.asarray(concrete_value(alpha), float), np.asarray(concrete_value(z), float)
    if z.size == 0:
        return 1
    reach = np.max(np.maximum(z - a, 0.0) + 12.0 * np.sqrt(z) + 40.0)
    return int(min(math.ceil(reach), 100_000))


def gamma_alpha_derivative(alpha, z):
    """dz/dalpha of Gamma(alpha, 1) draws z, by implicit reparameterisation (see module doc)."""
    n = np.arange(_terms(alpha, z), dtype=np.result_type(dtype_of(alpha), dtype_of(z)))
    a = fnp.expand_dims(alpha, -1) + n                  # alpha + k
    log_z = fnp.log(z)
    log_r = fnp.cumsum(fnp.expand_dims(log_z, -1) - fnp.log(a), axis=-1)
    harmonic = fnp.cumsum(1.0 / a, axis=-1)
    factor = fnp.expand_dims(digamma(alpha) - log_z, -1) + harmonic
    return fnp.sum(fnp.exp(log_r) * factor, axis=-1)


def make_gamma(shape, dtype):
    """standard_gamma for a fixed shape and dtype: a custom_jvp of (key, alpha)."""
    @custom_jvp
    def draw(key, alpha):
        return gamma_p.bind(key, alpha, shape=shape, dtype=dtype)

    @draw.defjvp
    def draw_jvp(primals, tangents):
        key, alpha = primals
        _, alpha_dot = tangents
        z = draw(key, alpha)
        alpha_b = fnp.broadcast_to(alpha, shape)
        return z, gamma_alpha_derivative(alpha_b, z) * fnp.broadcast_to(alpha_dot, shape)
    return draw
