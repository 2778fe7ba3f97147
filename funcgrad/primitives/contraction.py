"""Contractions: matmul (dot, tensordot, einsum and friends build on it or join it here)."""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import shape_of, unbroadcast


def _swap_last(x):
    ndim = len(shape_of(x))
    return _shape.transpose_p.bind(x, axes=tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def _column(v):
    """(..., k) -> (..., k, 1)"""
    return _shape.reshape_p.bind(v, shape=tuple(shape_of(v)) + (1,))


def _row(v):
    """(..., k) -> (..., 1, k)"""
    s = tuple(shape_of(v))
    return _shape.reshape_p.bind(v, shape=s[:-1] + (1,) + s[-1:])


def _drop_last(x):
    return _shape.reshape_p.bind(x, shape=tuple(shape_of(x))[:-1])


def _matmul_vjp_a(g, ans, a, b):
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * b
    if a_nd == 1:       # ans (..., m) = a (k) @ b (..., k, m)
        return unbroadcast(_drop_last(matmul(b, _column(g))), a)
    if b_nd == 1:       # ans (..., n) = a (..., n, k) @ b (k)
        return unbroadcast(_column(g) * b, a)
    return unbroadcast(matmul(g, _swap_last(b)), a)


def _matmul_vjp_b(g, ans, a, b):
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * a
    if a_nd == 1:
        return unbroadcast(_column(a) * _row(g), b)
    if b_nd == 1:
        return unbroadcast(_drop_last(matmul(_swap_last(a), _column(g))), b)
    return unbroadcast(matmul(_swap_last(a), g), b)


def _matmul_shape(a, b):
    out = np.matmul(np.empty(a.shape, a.dtype), np.empty(b.shape, b.dtype))
    return ShapedArray(np.shape(out), out.dtype)


matmul = Primitive(
    "matmul", np.matmul, shape=_matmul_shape,
    vjp=[_matmul_vjp_a, _matmul_vjp_b],
    jvp=[lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)],
    family="contraction")
