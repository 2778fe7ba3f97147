"""More of NumPy's main namespace: complex parts, and the elementwise functions beyond the core set.

Most are compositions of primitives (their derivatives follow); the few that need a rule of their
own (sinc, fmod, copysign, heaviside, ldexp, i0, and the bit operations with no derivative) are
primitives in funcgrad/primitives/elementwise.py and special.py.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.elementwise import (  # noqa: F401  (re-exported)
    bitwise_and, bitwise_count, bitwise_or, bitwise_xor, conj, conjugate, copysign, fmod,
    gcd, heaviside, imag, invert, lcm, ldexp, left_shift, nextafter, real, right_shift, signbit,
    sinc, spacing)
from funcgrad.primitives.special import i0  # noqa: F401

# NumPy 2's array-API spellings
acos, acosh, asin, asinh = ew.arccos, ew.arccosh, ew.arcsin, ew.arcsinh
atan, atan2, atanh, pow = ew.arctan, ew.arctan2, ew.arctanh, ew.power  # noqa: A001

bitwise_not = invert
bitwise_invert = invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift

_LN2 = float(np.log(2.0))


def _is_complex(x):
    return np.issubdtype(dtype_of(x), np.complexfloating)


def astype(x, dtype, /, *, copy=True, device=None):
    """x cast to `dtype`, as NumPy 2's `numpy.astype` (a cast to an integer type has no derivative)."""
    if not isinstance(x, Tracer):
        return np.asarray(x).astype(dtype, copy=copy)
    return ew.astype(x, dtype)


def angle(z, deg=False):
    """The argument of a complex number, arctan2(imag, real) (in degrees with deg=True)."""
    out = ew.arctan2(imag(z), real(z))
    return out * (180.0 / np.pi) if deg else out


def fabs(x):
    """|x| for real x (NumPy's fabs has no complex loop); gradient sign(x), 0 at 0."""
    if _is_complex(x):
        raise TypeError("fabs: complex input is not supported (use abs)")
    return ew.absolute(x)


def deg2rad(x):
    return x * (np.pi / 180.0)


def rad2deg(x):
    return x * (180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2) without overflow; both -inf gives -inf with an even split."""
    return ew.logaddexp(x1 * _LN2, x2 * _LN2) / _LN2


def positive(x):
    return x


def float_power(x1, x2):
    """x1 ** x2 computed in float64 (complex128 for complex inputs), as numpy.float_power."""
    target = np.result_type(dtype_of(x1), dtype_of(x2), np.float64)
    return ew.power(astype(x1, target), astype(x2, target))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN and +-inf replaced by finite numbers; the replaced entries have derivative 0."""
    if _is_complex(x):
        return ew.complex_p(nan_to_num(real(x), copy, nan, posinf, neginf),
                            nan_to_num(imag(x), copy, nan, posinf, neginf))
    dtype = dtype_of(x)
    if not np.issubdtype(dtype, np.inexact):
        return x
    info = np.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = ew.where(ew.isnan(x), dtype.type(nan), x)
    out = ew.where(ew.logical_and(ew.isinf(x), ew.greater(x, 0)), dtype.type(posinf), out)
    return ew.where(ew.logical_and(ew.isinf(x), ew.less(x, 0)), dtype.type(neginf), out)


def modf(x):
    """(fractional part, integral part): the fraction has derivative 1, the integral part 0."""
    whole = ew.trunc(x)
    return x - whole, whole


def frexp(x):
    """(mantissa, exponent) with x = mantissa 2**exponent; the mantissa scales with x."""
    exponent = ew.frexp_exponent(x)
    return ldexp(x, -exponent), exponent


def divmod(x1, x2):  # noqa: A001 - NumPy's name
    return ew.floor_divide(x1, x2), ew.remainder(x1, x2)


def fix(x):
    """Round towards zero (no derivative)."""
    return ew.trunc(x)


def isposinf(x):
    return ew.logical_and(ew.isinf(x), ew.greater(x, 0))


def isneginf(x):
    return ew.logical_and(ew.isinf(x), ew.less(x, 0))


def iscomplex(x):
    return ew.not_equal(imag(x), 0) if _is_complex(x) else np.zeros(shape_of(x), bool)


def isreal(x):
    return ew.equal(imag(x), 0) if _is_complex(x) else np.ones(shape_of(x), bool)


def real_if_close(a, tol=100):
    if not _is_complex(a):
        return a
    from funcgrad.core.tracer import concretize
    small = np.all(np.abs(np.imag(np.asarray(concretize(a)))) <
                   tol * np.finfo(dtype_of(a)).eps)  # (a complex type's finfo: its real part's)
    return real(a) if small else a


def vecdot(x1, x2, /, *, axis=-1):
    """sum(conj(x1) * x2) over `axis` (conj only for complex x1)."""
    from funcgrad.primitives.reductions import sum as _sum
    return _sum((conj(x1) if _is_complex(x1) else x1) * x2, axis=axis)


def matvec(x1, x2, /):
    """Matrix-vector products over stacks: (..., m, n) x (..., n) -> (..., m)."""
    from funcgrad.primitives.reductions import sum as _sum
    from funcgrad.primitives.shape import expand_dims
    return _sum(x1 * expand_dims(x2, -2), axis=-1)


def vecmat(x1, x2, /):
    """Vector-matrix products over stacks: conj(x1) (..., m) x (..., m, n) -> (..., n)."""
    from funcgrad.primitives.reductions import sum as _sum
    from funcgrad.primitives.shape import expand_dims
    x1 = conj(x1) if _is_complex(x1) else x1
    return _sum(expand_dims(x1, -1) * x2, axis=-2)


# -- comparisons of whole arrays and other helpers with no derivative ----------------------------

def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol |b| elementwise (no derivative), as numpy.isclose."""
    if not np.issubdtype(dtype_of(b), np.inexact):  # NumPy compares in b's type and float
        b = ew.astype(b, np.result_type(dtype_of(b), 1.0))
    with np.errstate(invalid="ignore"):  # inf - inf: decided by the equality test below
        close = ew.less_equal(ew.absolute(a - b), atol + rtol * ew.absolute(b))
    close = ew.logical_or(close, ew.equal(a, b))  # equal infinities
    if equal_nan:
        close = ew.logical_or(close, ew.logical_and(ew.isnan(a), ew.isnan(b)))
    return close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    from funcgrad.core.tracer import concretize
    return bool(np.all(np.asarray(concretize(isclose(a, b, rtol, atol, equal_nan)))))


def array_equal(a1, a2, equal_nan=False) -> bool:
    if tuple(shape_of(a1)) != tuple(shape_of(a2)):
        return False
    from funcgrad.core.tracer import concretize
    same = ew.equal(a1, a2)
    if equal_nan and np.issubdtype(np.result_type(dtype_of(a1), dtype_of(a2)), np.inexact):
        same = ew.logical_or(same, ew.logical_and(ew.isnan(a1), ew.isnan(a2)))
    return bool(np.all(np.asarray(concretize(same))))


def array_equiv(a1, a2) -> bool:
    try:
        np.broadcast_shapes(tuple(shape_of(a1)), tuple(shape_of(a2)))
    except ValueError:
        return False
    from funcgrad.core.tracer import concretize
    return bool(np.all(np.asarray(concretize(ew.equal(a1, a2)))))


def iscomplexobj(x) -> bool:
    return _is_complex(x)


def isrealobj(x) -> bool:
    return not _is_complex(x)


def count_nonzero(a, axis=None, *, keepdims=False):
    from funcgrad.primitives.reductions import sum as _sum
    return _sum(astype(ew.not_equal(a, 0), np.int64), axis=axis, keepdims=keepdims)


# -- polynomials and phase unwrapping -------------------------------------------------------------

def polyval(p, x):
    """p[0] x^(n-1) + ... + p[n-1] by Horner's rule; differentiable in p and x."""
    from funcgrad.primitives.indexing import getitem
    count = shape_of(p)[0] if shape_of(p) else 1
    y = getitem(p, 0) if shape_of(p) else p
    for k in range(1, count):
        y = y * x + getitem(p, k)
    return y + 0.0 * x if count == 1 else y


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """p with jumps larger than max(discont, period/2) removed by adding multiples of period.
    The added multiples are piecewise constant: the derivative is the identity."""
    from funcgrad.primitives.indexing import getitem
    from funcgrad.primitives.reductions import cumsum
    from funcgrad.primitives.shape import concatenate
    nd = len(shape_of(p))
    axis = axis % nd
    discont = period / 2 if discont is None else max(discont, period / 2)
    head = (slice(None),) * axis
    step = ew.stop_gradient(getitem(p, head + (slice(1, None),)) - getitem(p, head + (slice(0, -1),)))
    half = period / 2
    wrapped = ew.remainder(step + half, period) - half
    wrapped = ew.where(ew.logical_and(ew.equal(wrapped, -half), ew.greater(step, 0)), half, wrapped)
    correction = ew.where(ew.less(ew.absolute(step), discont), 0.0, wrapped - step)
    zeros = np.zeros(tuple(1 if i == axis else n for i, n in enumerate(shape_of(p))), dtype_of(p))
    return p + concatenate([zeros, cumsum(correction, axis=axis)], axis=axis)


__all__ = [
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "pow", "angle", "astype", "bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "conj", "conjugate", "copysign", "deg2rad",
    "degrees", "divmod", "fabs", "fix", "float_power", "fmod", "frexp", "gcd", "heaviside", "i0",
    "imag", "invert", "iscomplex", "isneginf", "isposinf", "isreal", "lcm", "ldexp", "left_shift",
    "logaddexp2", "matvec", "modf", "isclose", "allclose", "array_equal", "array_equiv",
    "iscomplexobj", "isrealobj", "count_nonzero", "polyval", "unwrap", "nan_to_num", "nextafter", "positive", "rad2deg", "radians",
    "real", "real_if_close", "right_shift", "signbit", "sinc", "spacing", "vecdot", "vecmat"]


def _not_yet_defined(names):
    """Only the names funcgrad.numpy does not define already: another module's definition (a
    primitive family's own) wins over these compositions."""
    import sys
    namespace = sys.modules.get("funcgrad.numpy")
    return [n for n in names if namespace is None or not hasattr(namespace, n)]


__all__ = _not_yet_defined(__all__)
