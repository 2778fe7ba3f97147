"""Reductions: sum, max and min (more in later families), with their keep-the-axes helpers."""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import normalize_axis, shape_of
from funcgrad.primitives.elementwise import astype_p, equal


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


def _sum_impl(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_p = Primitive(
    "sum", _sum_impl, shape=_reduction_shape,
    vjp=[lambda g, ans, x, axis, keepdims: expand_reduced(g, shape_of(x), axis, keepdims)],
    jvp=[lambda t, ans, x, axis, keepdims: sum_p.bind(t, axis=axis, keepdims=keepdims)],
    family="reductions")
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
