"""Elementwise primitives: arithmetic, powers, exponentials, trigonometry, comparisons, rounding.

Most are declared by their derivative alone: `unary(name, impl, d)` where `d(ans, x)` is f'(x),
`binary(name, impl, dx, dy)` with the two partials. Both modes follow from that one formula:
vjp = unbroadcast(g * d), jvp = t * d. Conventions at singular points follow JAX and are listed
in docs/conventions.md.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray, derive_reads
from funcgrad.primitives._util import (broadcast_like, broadcasting, broadcasting_bool,
                                       broadcasting_float, same_shape, same_shape_and_dtype,
                                       shape_of, unbroadcast)

# -- batching: elementwise ops only need their batch axes lined up -------------------------------

def _batch_elementwise(primitive):
    def rule(values, dims, **params):
        size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
        out_rank = max(len(shape_of(v)) - (d is not None) for v, d in zip(values, dims))
        in_place = _batch_axis_in_place(values, dims, out_rank)
        if in_place is not None:
            return primitive.bind(*in_place[0], **params), in_place[1]
        moved = []
        for v, d in zip(values, dims):
            if d is not None:
                if d != 0:
                    v = _shape().moveaxis(v, d, 0)
                rank = len(shape_of(v)) - 1
                if rank < out_rank:
                    v = _shape().reshape_p.bind(
                        v, shape=(size,) + (1,) * (out_rank - rank) + tuple(shape_of(v)[1:]))
            moved.append(v)
        return primitive.bind(*moved, **params), 0
    return rule


def _batch_axis_in_place(values, dims, out_rank):
    """When every batched operand has the full rank and the same batch axis d, leave them as they
    are and give the unbatched ones a unit axis at d: no transposed copies along a chain of ops."""
    batch_dims = {d for d in dims if d is not None}
    if len(batch_dims) != 1:
        return None
    (d,) = batch_dims
    if d == 0:
        return None  # the general rule below moves nothing then either
    if any(d_ is not None and len(shape_of(v)) != out_rank + 1 for v, d_ in zip(values, dims)):
        return None
    aligned = []
    for v, d_ in zip(values, dims):
        if d_ is None:
            shape = (1,) * (out_rank - len(shape_of(v))) + tuple(shape_of(v))
            v = _shape().reshape_p.bind(v, shape=shape[:d] + (1,) + shape[d:])
        aligned.append(v)
    return aligned, d


def _shape():
    import funcgrad.primitives.shape as shape_module
    return shape_module


# -- declaring elementwise primitives from their derivatives -----------------------------------

def unary(name, impl, derivative, doc=None):
    """An elementwise f with f'(x) = derivative(ans, x)."""
    prim = Primitive(
        name, impl, shape=same_shape,
        vjp=[lambda g, ans, x: g * derivative(ans, x)],
        jvp=[lambda t, ans, x: t * derivative(ans, x)],
        family="elementwise", doc=doc, reads=derive_reads([derivative], ("answer", 0)))
    prim.batch = _batch_elementwise(prim)
    return prim


def binary(name, impl, dx, dy, shape=broadcasting_float, doc=None):
    """An elementwise f(x, y) with partials dx(ans, x, y) and dy(ans, x, y)."""
    prim = Primitive(
        name, impl, shape=shape,
        vjp=[lambda g, ans, x, y: unbroadcast(g * dx(ans, x, y), x),
             lambda g, ans, x, y: unbroadcast(g * dy(ans, x, y), y)],
        jvp=[lambda t, ans, x, y: broadcast_like(t * dx(ans, x, y), ans),
             lambda t, ans, x, y: broadcast_like(t * dy(ans, x, y), ans)],
        family="elementwise", doc=doc,
        # the rules read what the partials read (and x, y only for their shapes)
        reads=derive_reads([dx, dy], ("answer", 0, 1)))
    prim.batch = _batch_elementwise(prim)
    return prim


def nondifferentiable(name, impl, shape=same_shape_and_dtype, doc=None):
    """An op with no derivative (zero almost everywhere, or integer/boolean valued)."""
    prim = Primitive(name, impl, shape=shape, vjp=None, jvp=None, family="elementwise", doc=doc)
    prim.batch = _batch_elementwise(prim)
    return prim


# -- arithmetic --------------------------------------------------------------------------------

add = Primitive(
    "add", operator.add, shape=broadcasting,
    vjp=[lambda g, ans, x, y: unbroadcast(g, x), lambda g, ans, x, y: unbroadcast(g, y)],
    jvp=[lambda t, ans, x, y: broadcast_like(t, ans), lambda t, ans, x, y: broadcast_like(t, ans)],
    family="elementwise",
    reads=())  # the rules un-broadcast g to x's and y's shapes: no value read
add.batch = _batch_elementwise(add)

subtract = Primitive(
    "subtract", operator.sub, shape=broadcasting,
    vjp=[lambda g, ans, x, y: unbroadcast(g, x), lambda g, ans, x, y: -unbroadcast(g, y)],
    jvp=[lambda t, ans, x, y: broadcast_like(t, ans), lambda t, ans, x, y: broadcast_like(-t, ans)],
    family="elementwise",
    reads=())  # shapes only
subtract.batch = _batch_elementwise(subtract)

multiply = Primitive(
    "multiply", operator.mul, shape=broadcasting,
    vjp=[lambda g, ans, x, y: unbroadcast(g * y, x), lambda g, ans, x, y: unbroadcast(g * x, y)],
    jvp=[lambda t, ans, x, y: broadcast_like(t * y, ans),
         lambda t, ans, x, y: broadcast_like(x * t, ans)],
    family="elementwise")
multiply.batch = _batch_elementwise(multiply)

# d(x/y) = dx / y - x dy / y^2 = (dx - ans dy) / y
# (the rule uses reciprocal, not 1 / y: y may be a Python float 0.0, and 1 / 0.0 raises)
divide = binary("divide", operator.truediv,
                lambda ans, x, y: reciprocal(y),
                lambda ans, x, y: -ans / y)
true_divide = divide

negative = Primitive(
    "negative", operator.neg, shape=same_shape_and_dtype,
    vjp=[lambda g, ans, x: -g], jvp=[lambda t, ans, x: -t], family="elementwise")
negative.batch = _batch_elementwise(negative)


def _pow_dx(ans, x, y):
    if isinstance(y, (int, float)) and y != 0:
        return y * x ** (y - 1)
    # d(x^y)/dx = y x^(y-1), taken as 0 at x == y == 0 (0^0 has derivative 0, as in JAX)
    origin = logical_and(equal(x, 0), equal(y, 0))
    return where(origin, 0.0, y * power(where(origin, 1.0, x), y - 1))


def _pow_dy(ans, x, y):
    # d(x^y)/dy = log(x) x^y, taken as 0 at x == 0 (where x^y is flat in y for y > 0)
    x_is_zero = equal(x, 0)
    return where(x_is_zero, 0.0, log(where(x_is_zero, 1.0, x)) * ans)


power = binary("power", operator.pow, _pow_dx, _pow_dy)

square = unary("square", np.square, lambda ans, x: 2 * x)
sqrt = unary("sqrt", np.sqrt, lambda ans, x: 0.5 / ans)
cbrt = unary("cbrt", np.cbrt, lambda ans, x: 1 / (3 * ans * ans))
reciprocal = unary("reciprocal", lambda x: np.reciprocal(x) if isinstance(x, (float, complex))
                   else 1 / x if np.issubdtype(np.asarray(x).dtype, np.inexact)
                   else np.reciprocal(np.asarray(x, float)), lambda ans, x: -ans * ans)

# -- exponentials and logarithms ---------------------------------------------------------------

exp = unary("exp", np.exp, lambda ans, x: ans)
exp2 = unary("exp2", np.exp2, lambda ans, x: ans * float(np.log(2.0)))
expm1 = unary("expm1", np.expm1, lambda ans, x: ans + 1)
log = unary("log", np.log, lambda ans, x: 1 / x)
log2 = unary("log2", np.log2, lambda ans, x: 1 / (x * float(np.log(2.0))))
log10 = unary("log10", np.log10, lambda ans, x: 1 / (x * float(np.log(10.0))))
log1p = unary("log1p", np.log1p, lambda ans, x: 1 / (1 + x))


def _logaddexp_dx(ans, x, y):
    # e^(x - ans), with equal infinite inputs (inf - inf) taken as an even split; the difference
    # is formed from masked operands so that nothing warns there
    tie = logical_and(equal(x, y), equal(abs(x), np.inf))
    return where(tie, 0.5, exp(where(tie, 0.0, x) - where(tie, 0.0, ans)))


logaddexp = binary("logaddexp", np.logaddexp, _logaddexp_dx,
                   lambda ans, x, y: _logaddexp_dx(ans, y, x))

# -- trigonometric and hyperbolic --------------------------------------------------------------

sin = unary("sin", np.sin, lambda ans, x: cos(x))
cos = unary("cos", np.cos, lambda ans, x: -sin(x))
tan = unary("tan", np.tan, lambda ans, x: 1 + ans * ans)
arcsin = unary("arcsin", np.arcsin, lambda ans, x: 1 / sqrt(1 - x * x))
arccos = unary("arccos", np.arccos, lambda ans, x: -1 / sqrt(1 - x * x))
arctan = unary("arctan", np.arctan, lambda ans, x: 1 / (1 + x * x))
sinh = unary("sinh", np.sinh, lambda ans, x: cosh(x))
cosh = unary("cosh", np.cosh, lambda ans, x: sinh(x))
tanh = unary("tanh", np.tanh, lambda ans, x: 1 - ans * ans)
arcsinh = unary("arcsinh", np.arcsinh, lambda ans, x: 1 / sqrt(x * x + 1))
arccosh = unary("arccosh", np.arccosh, lambda ans, x: 1 / sqrt(x * x - 1))
arctanh = unary("arctanh", np.arctanh, lambda ans, x: 1 / (1 - x * x))
# d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)
arctan2 = binary("arctan2", np.arctan2,
                 lambda ans, y, x: x / (x * x + y * y),
                 lambda ans, y, x: -y / (x * x + y * y))


def _hypot_d(ans, x, y):
    # x / hypot(x, y), taken as 0 at the origin (a subgradient) instead of 0/0
    at_origin = equal(ans, 0)
    return where(at_origin, 0.0, x / where(at_origin, 1.0, ans))


hypot = binary("hypot", np.hypot, _hypot_d, lambda ans, x, y: _hypot_d(ans, y, x))

# -- absolute value, sign, extrema -------------------------------------------------------------

def _is_complex(x) -> bool:
    return np.issubdtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype, np.complexfloating)


def _abs_factor(ans, x):
    # d|x| = re(conj(x) dx) / |x|; the factor conj(x)/|x| is taken as 0 at x == 0 (subgradient 0)
    if not _is_complex(x):
        return sign(x)
    zero = equal(ans, 0)
    return where(zero, 0.0, conjugate(x) / where(zero, 1.0, ans))


absolute = Primitive(
    "absolute", np.absolute, shape=lambda x: ShapedArray(x.shape, _real_dtype(x.dtype)),
    vjp=[lambda g, ans, x: g * _abs_factor(ans, x)],
    jvp=[lambda t, ans, x: real(t * _abs_factor(ans, x)) if _is_complex(x)
         else t * _abs_factor(ans, x)],
    family="elementwise")
absolute.batch = _batch_elementwise(absolute)
abs = absolute  # noqa: A001 - NumPy's name


def _tie_split(ans, x, y):
    # 1 where x wins, 0 where y wins, 1/2 at a tie (JAX's convention for maximum/minimum)
    return where(equal(x, y), 0.5, astype_p.bind(equal(ans, x), dtype=_float_dtype(ans)))


def _float_dtype(x):
    dtype = np.asarray(x).dtype if not hasattr(x, "dtype") else x.dtype
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


maximum = binary("maximum", np.maximum, _tie_split, lambda ans, x, y: _tie_split(ans, y, x),
                 shape=broadcasting)
minimum = binary("minimum", np.minimum, _tie_split, lambda ans, x, y: _tie_split(ans, y, x),
                 shape=broadcasting)


def _nan_aware_split(ans, x, y):
    # fmax/fmin ignore NaN: all of the gradient goes to the non-NaN input
    y_nan = isnan(y)
    return where(logical_or(y_nan, isnan(x)), astype_p.bind(y_nan, dtype=_float_dtype(ans)),
                 _tie_split(ans, x, y))


fmax = binary("fmax", np.fmax, _nan_aware_split, lambda ans, x, y: _nan_aware_split(ans, y, x),
              shape=broadcasting)
fmin = binary("fmin", np.fmin, _nan_aware_split, lambda ans, x, y: _nan_aware_split(ans, y, x),
              shape=broadcasting)


# -- selection and casting ---------------------------------------------------------------------

def _where_shape(c, x, y, **params):
    return ShapedArray(np.broadcast_shapes(c.shape, x.shape, y.shape), np.result_type(x.dtype, y.dtype))


where = Primitive(
    "where", np.where, shape=_where_shape,
    vjp=[None,
         lambda g, ans, c, x, y: unbroadcast(where(c, g, 0.0 * g), x),
         lambda g, ans, c, x, y: unbroadcast(where(c, 0.0 * g, g), y)],
    jvp=[None,
         lambda t, ans, c, x, y: broadcast_like(where(c, t, 0.0 * t), ans),
         lambda t, ans, c, x, y: broadcast_like(where(c, 0.0 * t, t), ans)],
    family="elementwise",
    reads=(0,))  # the condition; x and y for their shapes only
_batch_where_of_three = _batch_elementwise(where)


def _batch_where(values, dims, **params):
    if len(values) == 1:  # NumPy's where(condition) is nonzero(condition): not elementwise
        raise TypeError(
            "where(condition) with one argument gives the indices of the nonzero entries, whose "
            "count differs between the examples of a vmap (the batch's indices would be mixed "
            "up). Select per example with where(condition, x, y), or count with "
            "count_nonzero(condition).")
    return _batch_where_of_three(values, dims, **params)


where.batch = _batch_where


def _astype_impl(x, dtype):
    x = np.asarray(x) if not hasattr(x, "astype") else x
    if not np.issubdtype(dtype, np.complexfloating) and np.iscomplexobj(x):
        x = np.real(x)  # what the cast keeps, without NumPy's ComplexWarning
    return x.astype(dtype, copy=False)


def _astype_back(g, ans, x, dtype):
    source = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
    if not np.issubdtype(source, np.inexact) or not np.issubdtype(np.dtype(dtype), np.inexact):
        return None  # an integer or boolean value on either side carries no derivative
    return astype_p.bind(g, dtype=source)


astype_p = Primitive(
    "astype", _astype_impl,
    shape=lambda x, dtype: ShapedArray(x.shape, dtype),
    vjp=[_astype_back],
    jvp=[lambda t, ans, x, dtype: astype_p.bind(t, dtype=dtype)
         if np.issubdtype(np.dtype(dtype), np.inexact) else None],
    family="elementwise",
    reads=())  # x for its dtype only
astype_p.batch = lambda values, dims, dtype: (astype_p.bind(values[0], dtype=dtype), dims[0])



def astype(x, dtype):
    """x cast to `dtype`; casting to an integer or boolean type has no derivative."""
    dtype = np.dtype(dtype)
    return x if getattr(x, "dtype", None) == dtype else astype_p.bind(x, dtype=dtype)


# -- complex numbers (convention: docs/conventions_complex.md) -----------------------------------

def _real_dtype(dtype):
    return np.empty(0, dtype).real.dtype if np.issubdtype(dtype, np.complexfloating) else \
        np.dtype(dtype)


def _real_shape(x, **params):
    return ShapedArray(x.shape, _real_dtype(x.dtype))


def _to_input_dtype(g, x):
    dtype = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
    return g if not np.issubdtype(dtype, np.inexact) or getattr(g, "dtype", None) == dtype \
        else astype_p.bind(g, dtype=dtype)


# real: the cotangent g (real) pairs with re(dz), so it passes through as g + 0j
real = Primitive(
    "real", np.real, shape=_real_shape,
    vjp=[lambda g, ans, x: _to_input_dtype(g, x)],
    jvp=[lambda t, ans, x: real(t) if _is_complex(t) else t], family="elementwise")
real.batch = _batch_elementwise(real)

# imag: im(dz) = re(-i dz), so the cotangent is -i g
imag = Primitive(
    "imag", np.imag, shape=_real_shape,
    vjp=[lambda g, ans, x: g * -1j if _is_complex(x) else None],
    jvp=[lambda t, ans, x: imag(t) if _is_complex(t) else None], family="elementwise")
imag.batch = _batch_elementwise(imag)

# conj: re(g conj(dz)) = re(conj(g) dz)
conjugate = Primitive(
    "conjugate", np.conjugate, shape=same_shape_and_dtype,
    vjp=[lambda g, ans, x: conjugate(g)], jvp=[lambda t, ans, x: conjugate(t)],
    family="elementwise")
conjugate.batch = _batch_elementwise(conjugate)
conj = conjugate


def _complex_impl(re, im):
    return np.asarray(re) + 1j * np.asarray(im)


# complex(x, y) = x + i y, for real x, y
complex_p = Primitive(
    "complex", _complex_impl,
    shape=lambda re, im: ShapedArray(np.broadcast_shapes(re.shape, im.shape),
                                     np.result_type(re.dtype, im.dtype, np.complex64)),
    vjp=[lambda g, ans, x, y: unbroadcast(real(g), x),
         lambda g, ans, x, y: unbroadcast(-imag(g) if _is_complex(g) else 0.0 * g, y)],
    jvp=[lambda t, ans, x, y: broadcast_like(t + 0j, ans),
         lambda t, ans, x, y: broadcast_like(t * 1j, ans)],
    family="elementwise", doc="x + 1j * y from real parts x and y.")
complex_p.batch = _batch_elementwise(complex_p)

stop_gradient = Primitive(
    "stop_gradient", lambda x: x, shape=same_shape_and_dtype,
    vjp=[None], jvp=[None], family="elementwise",  # no rule: its input's derivative ends here
    doc="The identity, with a derivative of zero: the value is a constant for every transform.")
stop_gradient.batch = lambda values, dims: (stop_gradient.bind(values[0]), dims[0])

# -- no derivative: rounding, sign, comparisons, logic, tests ----------------------------------

sign = nondifferentiable("sign", np.sign)
floor = nondifferentiable("floor", np.floor)
ceil = nondifferentiable("ceil", np.ceil)
rint = nondifferentiable("rint", np.rint)
trunc = nondifferentiable("trunc", np.trunc)
round_p = nondifferentiable("round", lambda x, decimals=0: np.round(x, decimals))

equal = nondifferentiable("equal", operator.eq, shape=broadcasting_bool)
not_equal = nondifferentiable("not_equal", operator.ne, shape=broadcasting_bool)
less = nondifferentiable("less", operator.lt, shape=broadcasting_bool)
less_equal = nondifferentiable("less_equal", operator.le, shape=broadcasting_bool)
greater = nondifferentiable("greater", operator.gt, shape=broadcasting_bool)
greater_equal = nondifferentiable("greater_equal", operator.ge, shape=broadcasting_bool)
logical_and = nondifferentiable("logical_and", np.logical_and, shape=broadcasting_bool)
logical_or = nondifferentiable("logical_or", np.logical_or, shape=broadcasting_bool)
logical_xor = nondifferentiable("logical_xor", np.logical_xor, shape=broadcasting_bool)
logical_not = nondifferentiable("logical_not", np.logical_not, shape=broadcasting_bool)
isnan = nondifferentiable("isnan", np.isnan, shape=broadcasting_bool)
isinf = nondifferentiable("isinf", np.isinf, shape=broadcasting_bool)
isfinite = nondifferentiable("isfinite", np.isfinite, shape=broadcasting_bool)
floor_divide = nondifferentiable("floor_divide", operator.floordiv, shape=broadcasting)
remainder = binary("remainder", np.remainder, lambda ans, x, y: 1.0 + 0.0 * y,
                   lambda ans, x, y: -floor_divide(x, y), shape=broadcasting)
mod = remainder

# -- more of NumPy's ufuncs ----------------------------------------------------------------------

# fmod(x, y) = x - trunc(x / y) y: the quotient is piecewise constant
fmod = binary("fmod", np.fmod, lambda ans, x, y: 1.0 + 0.0 * y,
              lambda ans, x, y: -trunc(x / y), shape=broadcasting)


def _copysign_dx(ans, x, y):
    # +1 where x already has y's sign, -1 where it is flipped
    same = equal(signbit(x), signbit(y))
    return where(same, 1.0, -1.0) + 0.0 * x


copysign = Primitive(
    "copysign", np.copysign, shape=broadcasting_float,
    vjp=[lambda g, ans, x, y: unbroadcast(g * _copysign_dx(ans, x, y), x), None],
    jvp=[lambda t, ans, x, y: broadcast_like(t * _copysign_dx(ans, x, y), ans), None],
    family="elementwise", doc="|x| with the sign of y; the sign of y has no derivative.")
copysign.batch = _batch_elementwise(copysign)

# heaviside(x, h0): a step in x (no derivative), h0 where x == 0
heaviside = Primitive(
    "heaviside", np.heaviside, shape=broadcasting_float,
    vjp=[None, lambda g, ans, x, h0: unbroadcast(where(equal(x, 0), g, 0.0 * g), h0)],
    jvp=[None, lambda t, ans, x, h0: broadcast_like(where(equal(x, 0), t, 0.0 * t), ans)],
    family="elementwise")
heaviside.batch = _batch_elementwise(heaviside)


def _ldexp_shape(x, e, **params):
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    return ShapedArray(np.broadcast_shapes(x.shape, e.shape), dtype)


# ldexp(x, e) = x 2^e for integer e: linear in x
ldexp = Primitive(
    "ldexp", np.ldexp, shape=_ldexp_shape,
    vjp=[lambda g, ans, x, e: unbroadcast(ldexp(g, e), x), None],
    jvp=[lambda t, ans, x, e: broadcast_like(ldexp(t, e), ans), None], family="elementwise")
ldexp.batch = _batch_elementwise(ldexp)

# -- sinc, smooth through 0: each derivative is its own primitive ---------------------------------
# with s = sinc(x), y = pi x:  s' = (cos y - s) / x,  s'' = (-pi sin y - 2 s') / x,
# s''' = (-pi^2 cos y - 3 s'') / x. These cancel badly near 0, so for |x| < 1/2 the Maclaurin
# series s = sum_k (-1)^k y^2k / (2k+1)! is differentiated term by term instead.

_SERIES_BELOW = 0.5
_TERMS = 14


def _sinc_series(x, order):
    """The order-th derivative of sinc at x from the Maclaurin series (NumPy or funcgrad ops)."""
    total = 0.0
    for k in range(_TERMS):
        power = 2 * k - order
        if power < 0:
            continue
        # (-1)^k pi^2k / (2k+1)!, times d^order/dx^order of x^2k
        coefficient = (-1) ** k * np.pi ** (2 * k) / math.factorial(2 * k + 1)
        coefficient *= math.factorial(2 * k) / math.factorial(power)
        total = total + (coefficient * x ** power if power else coefficient)
    return total


def _sinc_d1_impl(x):
    x = np.asarray(x)
    near = np.abs(x) < _SERIES_BELOW
    safe = np.where(near, 1.0, x)
    far = (np.cos(np.pi * safe) - np.sinc(safe)) / safe
    return np.where(near, _sinc_series(x, 1), far).astype(np.result_type(x.dtype, np.float16))


def _sinc_d2_impl(x):
    x = np.asarray(x)
    near = np.abs(x) < _SERIES_BELOW
    safe = np.where(near, 1.0, x)
    far = (-np.pi * np.sin(np.pi * safe) - 2 * _sinc_d1_impl(safe)) / safe
    return np.where(near, _sinc_series(x, 2), far).astype(np.result_type(x.dtype, np.float16))


def _sinc_d3(ans, x):
    near = less(absolute(x), _SERIES_BELOW)
    far_x = where(near, 1.0, x)
    near_x = where(near, x, 0.0)
    far = (-np.pi ** 2 * cos(np.pi * far_x) - 3 * sinc_d2(far_x)) / far_x
    return where(near, _sinc_series(near_x, 3), far)


sinc_d2 = unary("sinc_d2", _sinc_d2_impl, _sinc_d3, doc="Second derivative of sinc.")
sinc_d1 = unary("sinc_d1", _sinc_d1_impl, lambda ans, x: sinc_d2(x), doc="Derivative of sinc.")
sinc = unary("sinc", np.sinc, lambda ans, x: sinc_d1(x),
             doc="sin(pi x) / (pi x), 1 at 0; smooth through 0 to every order the rules reach.")

# -- no derivative: bit operations, number-representation queries --------------------------------

signbit = nondifferentiable("signbit", np.signbit, shape=broadcasting_bool)
spacing = nondifferentiable("spacing", np.spacing)
nextafter = nondifferentiable("nextafter", np.nextafter, shape=broadcasting)
frexp_exponent = nondifferentiable(
    "frexp_exponent", lambda x: np.frexp(x)[1],
    shape=lambda x: ShapedArray(x.shape, np.int32), doc="The exponent e of frexp(x).")
bitwise_and = nondifferentiable("bitwise_and", np.bitwise_and, shape=broadcasting)
bitwise_or = nondifferentiable("bitwise_or", np.bitwise_or, shape=broadcasting)
bitwise_xor = nondifferentiable("bitwise_xor", np.bitwise_xor, shape=broadcasting)
left_shift = nondifferentiable("left_shift", np.left_shift, shape=broadcasting)
right_shift = nondifferentiable("right_shift", np.right_shift, shape=broadcasting)
gcd = nondifferentiable("gcd", np.gcd, shape=broadcasting)
lcm = nondifferentiable("lcm", np.lcm, shape=broadcasting)
invert = nondifferentiable("invert", np.invert)
bitwise_count = nondifferentiable("bitwise_count", np.bitwise_count,
                                  shape=lambda x: ShapedArray(x.shape, np.uint8))
