"""Reductions: sum, prod, max, min, the cumulative sum and product, argmax/argmin, any/all.

prod and cumprod have division-free derivatives (products of the other factors, built from
exclusive cumulative products), so they are exact with one or several zeros, and their rules are
written with primitives so second derivatives trace through them.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.elementwise import astype_p, equal, where


def reduced_shape(shape, axis, keepdims):
    if axis is None:
        axis = tuple(range(len(shape)))
    if keepdims:
        return tuple(1 if i in axis else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axis)


def _reduction_shape(x, axis, keepdims, **params):
    return ShapedArray(reduced_shape(x.shape, axis, keepdims), x.dtype)


def expand_reduced(g, shape, axis, keepdims):
    """Broadcast a reduction's cotangent `g` back over the reduced axes of an input of `shape`."""
    if not keepdims:
        kept = reduced_shape(shape, axis, True)
        if shape_of(g) != kept:
            g = _shape.reshape_p.bind(g, shape=kept)
    if shape_of(g) != tuple(shape):
        g = _shape.broadcast_to_p.bind(g, shape=tuple(shape))
    return g


def _reduction_batch(primitive):
    """Batching for reductions over `axis`: shift the reduced axes past the batch axis."""
    def rule(values, dims, axis, keepdims, **params):
        (x,), (d,) = values, dims
        x = _shape.moveaxis(x, d, 0)
        ndim = len(shape_of(x)) - 1
        axes = tuple(range(1, ndim + 1)) if axis is None else tuple(a + 1 for a in axis)
        return primitive.bind(x, axis=axes, keepdims=keepdims, **params), 0
    return rule


_NDARRAY, _ADD_REDUCE = np.ndarray, np.add.reduce


def _sum_impl(x, axis, keepdims):
    if type(x) is _NDARRAY:  # the ufunc's reduce itself: np.sum's wrapping costs as much again
        if axis is not None and short_last_axis(x.shape, x.dtype, axis):
            return _sum_short_last_axis(x, keepdims)
        return _ADD_REDUCE(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


_SHORT_AXIS = 7  # NumPy sums up to 7 elements in order, as the slices here: the same bits


def short_last_axis(shape, dtype, axis) -> bool:
    """Whether a sum over `axis` (a tuple) is over a last axis of 2..7 elements with many rows:
    NumPy then pays one inner-loop call per row (4 ms for 60,000 rows of 3 elements, 40 times
    the time of adding the slices), so sum's implementation adds the slices instead."""
    ndim = len(shape)
    if len(axis) != 1 or axis[0] != ndim - 1:
        return False
    n = shape[-1]
    # complex sums pair their terms differently, float16 ones accumulate in float32
    return 2 <= n <= _SHORT_AXIS and dtype.kind == "f" and dtype.itemsize >= 4 \
        and int(np.prod(shape)) >= 128 * n


def _sum_short_last_axis(x, keepdims):
    """Sum over the last axis as x[..., 0] + x[..., 1] + ...: NumPy's order, so its very bits."""
    out = x[..., 0] + x[..., 1]
    for i in range(2, x.shape[-1]):
        out += x[..., i]
    return out[..., None] if keepdims else out


sum_p = Primitive(
    "sum", _sum_impl, shape=_reduction_shape,
    vjp=[lambda g, ans, x, axis, keepdims: expand_reduced(g, shape_of(x), axis, keepdims)],
    jvp=[lambda t, ans, x, axis, keepdims: sum_p.bind(t, axis=axis, keepdims=keepdims)],
    family="reductions",
    reads=())  # x for its shape only
sum_p.batch = _reduction_batch(sum_p)


def _extremum_weights(ans, x, axis, keepdims):
    # the gradient is split equally among tied maxima (JAX's convention)
    location = equal(x, expand_reduced(ans, shape_of(x), axis, keepdims))
    weights = astype_p.bind(location, dtype=x.dtype)
    return weights / sum_p.bind(weights, axis=axis, keepdims=True)


def _extremum(name, impl):
    prim = Primitive(
        name, impl, shape=_reduction_shape,
        vjp=[lambda g, ans, x, axis, keepdims:
             expand_reduced(g, shape_of(x), axis, keepdims) * _extremum_weights(ans, x, axis, keepdims)],
        jvp=[lambda t, ans, x, axis, keepdims:
             sum_p.bind(t * _extremum_weights(ans, x, axis, keepdims), axis=axis, keepdims=keepdims)],
        family="reductions")
    prim.batch = _reduction_batch(prim)
    return prim


max_p = _extremum("max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims))
min_p = _extremum("min", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims))


def sum(a, axis=None, dtype=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Sum of array elements over the given axes, as `numpy.sum`."""
    axis = normalize_axis(axis, len(shape_of(a)))
    out = sum_p.bind(a, axis=axis, keepdims=bool(keepdims))
    return out if dtype is None else astype_p.bind(out, dtype=np.dtype(dtype))


def max(a, axis=None, keepdims=False):  # noqa: A001
    """Maximum over the given axes; ties share the gradient equally."""
    return max_p.bind(a, axis=normalize_axis(axis, len(shape_of(a))), keepdims=bool(keepdims))


def min(a, axis=None, keepdims=False):  # noqa: A001
    """Minimum over the given axes; ties share the gradient equally."""
    return min_p.bind(a, axis=normalize_axis(axis, len(shape_of(a))), keepdims=bool(keepdims))


amax, amin = max, min


# -- prod: the gradient is the product of the other factors, computed without dividing ---------

def _others_product(x, axis):
    """For each element of x, the product of the other elements of its reduced group."""
    shape = tuple(shape_of(x))
    axes = tuple(range(len(shape))) if axis is None else axis
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    order = kept + axes
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    kept_shape = tuple(shape[i] for i in kept)
    flat = _shape.reshape_p.bind(_shape.transpose(x, order), shape=kept_shape + (n,))
    last = len(kept_shape)
    # others_k = (x_0 ... x_{k-1}) (x_{k+1} ... x_{n-1}): exclusive products from each side
    before = exclusive_cumprod(flat, last)
    after = _shape.flip_p.bind(exclusive_cumprod(_shape.flip_p.bind(flat, axes=(last,)), last),
                               axes=(last,))
    others = _shape.reshape_p.bind(before * after, shape=kept_shape + tuple(shape[i] for i in axes))
    return _shape.transpose(others, tuple(np.argsort(order)))


def exclusive_cumprod(x, axis):
    """(1, x_0, x_0 x_1, ...): the product of the elements strictly before each one along axis."""
    from funcgrad.primitives.indexing import getitem_p
    shape = tuple(shape_of(x))
    if shape[axis] == 0:
        return x
    ones = np.ones(shape[:axis] + (1,) + shape[axis + 1:], dtype=dtype_of(x))
    head = getitem_p.bind(cumprod_p.bind(x, axis=axis),
                          index=(slice(None),) * axis + (slice(0, shape[axis] - 1),))
    return _shape.concatenate_p.bind(ones, head, axis=axis)


def _prod_impl(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims)


prod_p = Primitive(
    "prod", _prod_impl, shape=_reduction_shape,
    vjp=[lambda g, ans, x, axis, keepdims:
         expand_reduced(g, shape_of(x), axis, keepdims) * _others_product(x, axis)],
    jvp=[lambda t, ans, x, axis, keepdims:
         sum_p.bind(t * _others_product(x, axis), axis=axis, keepdims=keepdims)],
    family="reductions")
prod_p.batch = _reduction_batch(prod_p)


# -- cumulative sum and product along one axis ------------------------------------------------

def _axis_batch(primitive):
    def rule(values, dims, axis, **params):
        x = _shape.moveaxis(values[0], dims[0], 0)
        return primitive.bind(x, axis=axis + 1, **params), 0
    return rule


def _reverse_cumsum(g, axis):
    return _shape.flip_p.bind(cumsum_p.bind(_shape.flip_p.bind(g, axes=(axis,)), axis=axis),
                              axes=(axis,))


cumsum_p = Primitive(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    shape=lambda x, axis: ShapedArray(x.shape, x.dtype if x.dtype.kind in "fc" else np.int64),
    vjp=[lambda g, ans, x, axis: _reverse_cumsum(g, axis)],
    jvp=[lambda t, ans, x, axis: cumsum_p.bind(t, axis=axis)],
    family="reductions")
cumsum_p.batch = _axis_batch(cumsum_p)


def _cumprod_partials(x, axis):
    """D[..., k, i] = d y_i / d x_k for y = cumprod(x) along `axis` moved last:
    the product of x_j for j <= i, j != k (zero for k > i). Division-free; O(n^2) memory."""
    x = _shape.moveaxis(x, axis, -1)
    shape = tuple(shape_of(x))
    n = shape[-1]
    rows = _shape.broadcast_to_p.bind(_shape.reshape_p.bind(x, shape=shape[:-1] + (1, n)),
                                      shape=shape + (n,))
    diagonal = np.eye(n, dtype=bool)
    with_one = where(diagonal, np.ones((), x.dtype), rows)  # row k: x with x_k replaced by 1
    upper = np.triu(np.ones((n, n), dtype=bool))              # i >= k
    return where(upper, cumprod_p.bind(with_one, axis=len(shape)), np.zeros((), x.dtype))


def _cumprod_vjp(g, ans, x, axis):
    partials = _cumprod_partials(x, axis)
    g = _shape.moveaxis(g, axis, -1)
    g_row = _shape.reshape_p.bind(g, shape=tuple(shape_of(g))[:-1] + (1, shape_of(g)[-1]))
    return _shape.moveaxis(sum_p.bind(partials * g_row, axis=(len(shape_of(partials)) - 1,),
                                      keepdims=False), -1, axis)


def _cumprod_jvp(t, ans, x, axis):
    partials = _cumprod_partials(x, axis)
    t = _shape.moveaxis(t, axis, -1)
    t_col = _shape.reshape_p.bind(t, shape=tuple(shape_of(t)) + (1,))
    return _shape.moveaxis(sum_p.bind(partials * t_col, axis=(len(shape_of(partials)) - 2,),
                                      keepdims=False), -1, axis)


cumprod_p = Primitive(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis),
    shape=lambda x, axis: ShapedArray(x.shape, x.dtype if x.dtype.kind in "fc" else np.int64),
    vjp=[_cumprod_vjp], jvp=[_cumprod_jvp], family="reductions")
cumprod_p.batch = _axis_batch(cumprod_p)


# -- no derivative: argmax, argmin, any, all ------------------------------------------------

def _arg_shape(x, axis, keepdims):
    if axis is None:
        return ShapedArray((1,) * len(x.shape) if keepdims else (), np.intp)
    return ShapedArray(reduced_shape(x.shape, (axis,), keepdims), np.intp)


def _arg_batch(primitive):
    def rule(values, dims, axis, keepdims):
        x = _shape.moveaxis(values[0], dims[0], 0)
        if axis is None:
            size, rest = shape_of(x)[0], tuple(shape_of(x)[1:])
            flat = int(np.prod(rest, dtype=np.int64))
            out = primitive.bind(_shape.reshape_p.bind(x, shape=(size, flat)),
                                 axis=1, keepdims=False)
            if keepdims:
                out = _shape.reshape_p.bind(out, shape=(size,) + (1,) * len(rest))
            return out, 0
        return primitive.bind(x, axis=axis + 1, keepdims=keepdims), 0
    return rule


argmax_p = Primitive(
    "argmax", lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims),
    shape=_arg_shape, vjp=None, jvp=None, family="reductions",
    doc="Index of the (first) maximum along `axis`, or in the flattened array for None.")
argmax_p.batch = _arg_batch(argmax_p)
argmin_p = Primitive(
    "argmin", lambda x, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims),
    shape=_arg_shape, vjp=None, jvp=None, family="reductions",
    doc="Index of the (first) minimum along `axis`, or in the flattened array for None.")
argmin_p.batch = _arg_batch(argmin_p)


def _bool_reduction_shape(x, axis, keepdims):
    return ShapedArray(reduced_shape(x.shape, axis, keepdims), np.bool_)


any_p = Primitive(
    "any", lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims),
    shape=_bool_reduction_shape, vjp=None, jvp=None, family="reductions")
any_p.batch = _reduction_batch(any_p)
all_p = Primitive(
    "all", lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims),
    shape=_bool_reduction_shape, vjp=None, jvp=None, family="reductions")
all_p.batch = _reduction_batch(all_p)


# -- public functions ------------------------------------------------------------------------

def prod(a, axis=None, dtype=None, keepdims=False):
    """Product of array elements over the given axes, as `numpy.prod`; exact gradients at zeros.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(fnp.prod)(np.array([2.0, 0.0, 3.0]))
    array([0., 6., 0.])
    """
    if dtype is not None:
        a = astype_p.bind(a, dtype=np.dtype(dtype))
    return prod_p.bind(a, axis=normalize_axis(axis, len(shape_of(a))), keepdims=bool(keepdims))


def _cumulative(primitive, a, axis, dtype):
    if dtype is not None:
        a = astype_p.bind(a, dtype=np.dtype(dtype))
    if axis is None:
        a, axis = _shape.reshape(a, (-1,)), 0
    return primitive.bind(a, axis=normalize_axis(axis, len(shape_of(a)))[0])


def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened array for None), as `numpy.cumsum`."""
    return _cumulative(cumsum_p, a, axis, dtype)


def cumprod(a, axis=None, dtype=None):
    """Cumulative product along `axis`, as `numpy.cumprod`; exact gradients at zeros
    (computed without division, in O(n^2) memory along the axis).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.sum(fnp.cumprod(x)))(np.array([2.0, 0.0, 3.0]))
    array([1., 8., 0.])
    """
    return _cumulative(cumprod_p, a, axis, dtype)


def _arg(primitive, a, axis, keepdims):
    if axis is not None:
        axis = normalize_axis(axis, len(shape_of(a)))[0]
    return primitive.bind(a, axis=axis, keepdims=bool(keepdims))


def argmax(a, axis=None, keepdims=False):
    """Indices of the maxima along `axis` (first one at ties), as `numpy.argmax`."""
    return _arg(argmax_p, a, axis, keepdims)


def argmin(a, axis=None, keepdims=False):
    """Indices of the minima along `axis` (first one at ties), as `numpy.argmin`."""
    return _arg(argmin_p, a, axis, keepdims)


def any(a, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    return any_p.bind(a, axis=normalize_axis(axis, len(shape_of(a))), keepdims=bool(keepdims))


def all(a, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    return all_p.bind(a, axis=normalize_axis(axis, len(shape_of(a))), keepdims=bool(keepdims))
