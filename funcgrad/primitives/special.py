"""Special functions: error functions, gamma family, modified Bessel functions I_n.

The values come from scipy.special (imported when first evaluated: SciPy is an optional extra),
except i0, which NumPy provides; without SciPy, erf, erfc and gammaln use Python's math module
element by element (slower, the same values), so GELU and the normal distribution need no SciPy. Each derivative is a formula in other primitives of this family,
so every order is available: erf' = 2/sqrt(pi) exp(-x^2), gammaln' = digamma,
digamma' = polygamma(1, .), polygamma(n, .)' = polygamma(n + 1, .), i0' = i1, and so on.
"""
from __future__ import annotations

import math

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.primitives._util import same_shape
from funcgrad.primitives.elementwise import _batch_elementwise, exp, sign, unary


def scipy_special():
    try:
        import scipy.special
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs SciPy (pip install 'funcgrad[scipy]')") from err
    return scipy.special


def _keep_dtype(fun):
    """Evaluate a SciPy function and keep a floating input's dtype (float32 stays float32)."""
    def impl(x, *rest):
        x = np.asarray(x)
        out = fun(x, *rest)
        return out.astype(x.dtype) if np.issubdtype(x.dtype, np.floating) else out
    return impl


def _scipy(name, fallback=None):
    """scipy.special's `name`; without SciPy, `fallback` (a function of one float from `math`)
    element by element, so the functions the torch layer's GELU and friends need stay NumPy-only."""
    def evaluate(x):
        if fallback is not None and not _have_scipy():
            out = np.frompyfunc(fallback, 1, 1)(x)
            return np.asarray(out, dtype=np.result_type(x, np.float64))[()]
        return getattr(scipy_special(), name)(x)
    return _keep_dtype(evaluate)


def _have_scipy() -> bool:
    global _SCIPY_FOUND
    if _SCIPY_FOUND is None:
        try:
            scipy_special()
            _SCIPY_FOUND = True
        except ImportError:
            _SCIPY_FOUND = False
    return _SCIPY_FOUND


_SCIPY_FOUND = None


def _log_gamma(v: float) -> float:
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # the poles 0, -1, -2, ...: SciPy's value there is +inf
        return math.inf


_TWO_OVER_ROOT_PI = float(2 / np.sqrt(np.pi))
_ROOT_PI_OVER_TWO = float(np.sqrt(np.pi) / 2)
_ROOT_TWO_PI = float(np.sqrt(2 * np.pi))

erf = unary("erf", _scipy("erf", math.erf), lambda ans, x: _TWO_OVER_ROOT_PI * exp(-x * x))
erfc = unary("erfc", _scipy("erfc", math.erfc), lambda ans, x: -_TWO_OVER_ROOT_PI * exp(-x * x))
erfinv = unary("erfinv", _scipy("erfinv"), lambda ans, x: _ROOT_PI_OVER_TWO * exp(ans * ans))


def _polygamma_impl(x, n):
    return _keep_dtype(lambda v: scipy_special().polygamma(n, v))(x)


polygamma_p = Primitive(
    "polygamma", _polygamma_impl, shape=same_shape,
    vjp=[lambda g, ans, x, n: g * polygamma_p.bind(x, n=n + 1)],
    jvp=[lambda t, ans, x, n: t * polygamma_p.bind(x, n=n + 1)],
    family="special", doc="The n-th derivative of digamma (n static).")
polygamma_p.batch = _batch_elementwise(polygamma_p)

digamma = unary("digamma", _scipy("digamma"), lambda ans, x: polygamma_p.bind(x, n=1))
gammaln = unary("gammaln", _scipy("gammaln", _log_gamma), lambda ans, x: digamma(x))
gamma = unary("gamma", _scipy("gamma"), lambda ans, x: ans * digamma(x))


def _log_ndtr_d(ans, x):
    # d log Phi(x) = phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): no 0/0 in the tail
    return exp(-0.5 * x * x - ans) / _ROOT_TWO_PI


log_ndtr = unary("log_ndtr", _scipy("log_ndtr"), _log_ndtr_d)
ndtri = unary("ndtri", _scipy("ndtri"), lambda ans, x: _ROOT_TWO_PI * exp(0.5 * ans * ans))


def _order_impl(name):
    def impl(x, n):
        def evaluate(v):
            # SciPy returns NaN for I_n at tiny |x|; there the series' first term is exact
            tiny = np.abs(v) < 1e-100
            leading = (v / 2.0) ** n / float(np.prod(np.arange(1, n + 1)))
            return np.where(tiny, leading, getattr(scipy_special(), name)(n, np.where(tiny, 1.0, v)))
        return _keep_dtype(evaluate)(x)
    return impl


def _bessel_order(n, scaled):
    """I_n (or its scaled e^-|x| I_n) for a static order n >= 0, by the primitive that has it."""
    table = {0: i0e, 1: i1e} if scaled else {0: i0, 1: i1}
    n = abs(n)
    if n in table:
        return table[n]
    prim = ive_p if scaled else iv_p
    return lambda x: prim.bind(x, n=n)


# I_n' = (I_{n-1} + I_{n+1}) / 2 (no 1/x: smooth through 0); for the scaled e^-|x| I_n the
# factor's derivative adds -sign(x) e^-|x| I_n
def _iv_d(n):
    return lambda ans, x: 0.5 * (_bessel_order(n - 1, False)(x)
                                 + _bessel_order(n + 1, False)(x))


def _ive_d(n):
    return lambda ans, x: (0.5 * (_bessel_order(n - 1, True)(x)
                                  + _bessel_order(n + 1, True)(x)) - sign(x) * ans)


def _order_primitive(name, d):
    prim = Primitive(
        name, _order_impl(name), shape=same_shape,
        vjp=[lambda g, ans, x, n: g * d(n)(ans, x)], jvp=[lambda t, ans, x, n: t * d(n)(ans, x)],
        family="special", doc=f"scipy.special.{name}(n, x) for a static order n.")
    prim.batch = _batch_elementwise(prim)
    return prim


iv_p = _order_primitive("iv", _iv_d)
ive_p = _order_primitive("ive", _ive_d)
i1 = unary("i1", _scipy("i1"), lambda ans, x: _iv_d(1)(ans, x))
i0 = unary("i0", _keep_dtype(np.i0), lambda ans, x: i1(x))
i1e = unary("i1e", _scipy("i1e"), lambda ans, x: _ive_d(1)(ans, x))
i0e = unary("i0e", _scipy("i0e"), lambda ans, x: i1e(x) - sign(x) * ans)

for _prim in (erf, erfc, erfinv, digamma, gammaln, gamma, log_ndtr, ndtri, i0, i1, i0e, i1e):
    _prim.family = "special"
