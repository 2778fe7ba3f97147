"""Helpers shared by the rules of every family: shape rules, un-broadcasting, axis handling.

The helpers that appear inside derivative rules (`unbroadcast`, `broadcast_like`) are written with
primitives, so they are traced like the rules themselves.
"""
from __future__ import annotations

from typing import Any, overload

import numpy as np

from funcgrad.backends.namespace import numpy_dtype
from funcgrad.core.primitive import ShapedArray
from funcgrad.core.tracer import Tracer

# -- shapes and dtypes of plain values and tracers ------------------------------------------------

def shape_of(x) -> tuple:
    shape = getattr(x, "shape", None)
    return shape if shape is not None else np.shape(x)


def dtype_of(x):
    """x's dtype as NumPy's dtype object, whatever library x belongs to."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return np.asarray(x).dtype
    return dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)


def is_float(x) -> bool:
    return np.issubdtype(dtype_of(x), np.inexact)


@overload
def normalize_axis(axis: None, ndim: int) -> None: ...
@overload
def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]: ...
def normalize_axis(axis, ndim: int):
    """None, an int or a sequence of ints -> None or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {tuple(axis)}")
    return tuple(sorted(out))


# -- shape rules -------------------------------------------------------------------------------

def same_shape(x, *rest, **params):
    return ShapedArray(x.shape, _float_result(x.dtype))


def same_shape_and_dtype(x, *rest, **params):
    return ShapedArray(x.shape, x.dtype)


def broadcasting(*avals, **params):
    return ShapedArray(np.broadcast_shapes(*[a.shape for a in avals]),
                       np.result_type(*[a.dtype for a in avals]))


def broadcasting_float(*avals, **params):
    aval = broadcasting(*avals)
    return ShapedArray(aval.shape, _float_result(aval.dtype))


def broadcasting_bool(*avals, **params):
    return ShapedArray(np.broadcast_shapes(*[a.shape for a in avals]), np.bool_)


def _float_result(dtype):
    return dtype if np.issubdtype(dtype, np.inexact) else np.result_type(dtype, np.float64)


def by_evaluation(impl):
    """A shape rule that runs `impl` on zeros of the given shapes: for ops whose output shape
    follows from input shapes alone but is tedious to state (einsum, indexing with slices...)."""
    def rule(*avals, **params):
        out = impl(*[np.zeros(a.shape, a.dtype) for a in avals], **params)
        if isinstance(out, (tuple, list)):
            return tuple(ShapedArray(np.shape(o), np.asarray(o).dtype) for o in out)
        return ShapedArray(np.shape(out), np.asarray(out).dtype)
    return rule


# -- helpers used inside derivative rules ------------------------------------------------------

def unbroadcast(g, x):
    """Sum the cotangent `g` down to the shape of input `x` (undoing broadcasting), in x's dtype."""
    try:
        shape, g_shape, x_dtype, g_dtype = x.shape, g.shape, x.dtype, g.dtype
    except AttributeError:  # a Python number
        shape, g_shape, x_dtype, g_dtype = shape_of(x), shape_of(g), dtype_of(x), dtype_of(g)
    if g_shape != shape:
        from funcgrad.primitives import reductions as _reductions, shape as _shape
        lead = len(g_shape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
        if axes:
            g = _reductions.sum_p.bind(g, axis=axes, keepdims=False)
        if shape_of(g) != shape:
            g = _shape.reshape_p.bind(g, shape=shape)
    if g_dtype is not x_dtype:  # (not !=: array_api_strict warns when its dtypes meet NumPy's)
        x_dtype = numpy_dtype(x_dtype)  # (another library's dtype objects: array_api_strict)
        if numpy_dtype(g_dtype) != x_dtype and np.issubdtype(x_dtype, np.inexact):
            from funcgrad.primitives import elementwise as _elementwise
            g = _elementwise.astype_p.bind(g, dtype=x_dtype)
    return g


def broadcast_like(t, ans):
    """Broadcast a tangent contribution to the output's shape (for jvp rules of broadcasting ops)."""
    shape = shape_of(ans)
    if shape_of(t) != shape:
        from funcgrad.primitives import shape as _shape
        t = _shape.broadcast_to_p.bind(t, shape=shape)
    return t


def is_traced(x) -> bool:
    return isinstance(x, Tracer)

