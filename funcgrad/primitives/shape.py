"""Shape primitives: reshape, broadcast_to, transpose (and what is built directly on them)."""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives._util import shape_of, unbroadcast


def _reshape_batch(values, dims, shape):
    x = moveaxis(values[0], dims[0], 0)
    return reshape_p.bind(x, shape=(shape_of(x)[0],) + tuple(shape)), 0


reshape_p = Primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    shape=lambda x, shape: ShapedArray(shape, x.dtype),
    vjp=[lambda g, ans, x, shape: reshape_p.bind(g, shape=shape_of(x))],
    jvp=[lambda t, ans, x, shape: reshape_p.bind(t, shape=shape)],
    batch=_reshape_batch, family="shape")


def _broadcast_to_batch(values, dims, shape):
    x = moveaxis(values[0], dims[0], 0)
    size, rest = shape_of(x)[0], shape_of(x)[1:]
    x = reshape_p.bind(x, shape=(size,) + (1,) * (len(shape) - len(rest)) + tuple(rest))
    return broadcast_to_p.bind(x, shape=(size,) + tuple(shape)), 0


broadcast_to_p = Primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    shape=lambda x, shape: ShapedArray(shape, x.dtype),
    vjp=[lambda g, ans, x, shape: unbroadcast(g, x)],
    jvp=[lambda t, ans, x, shape: broadcast_to_p.bind(t, shape=shape)],
    batch=_broadcast_to_batch, family="shape")


def _transpose_batch(values, dims, axes):
    x = moveaxis(values[0], dims[0], 0)
    return transpose_p.bind(x, axes=(0,) + tuple(a + 1 for a in axes)), 0


transpose_p = Primitive(
    "transpose", lambda x, axes: np.transpose(x, axes),
    shape=lambda x, axes: ShapedArray(tuple(x.shape[a] for a in axes), x.dtype),
    vjp=[lambda g, ans, x, axes: transpose_p.bind(g, axes=tuple(np.argsort(axes)))],
    jvp=[lambda t, ans, x, axes: transpose_p.bind(t, axes=axes)],
    batch=_transpose_batch, family="shape")


def reshape(a, shape, order="C"):
    """Gives a new shape to an array without changing its data, as `numpy.reshape` (order 'C')."""
    if order != "C":
        raise NotImplementedError("funcgrad.numpy.reshape supports order='C' only")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1]))
        size = int(np.prod(shape_of(a)))
        shape = tuple(size // known if known and n == -1 else n for n in shape)
    if shape == tuple(shape_of(a)):
        return a
    return reshape_p.bind(a, shape=shape)


def broadcast_to(a, shape):
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if shape == tuple(shape_of(a)):
        return a
    return broadcast_to_p.bind(a, shape=shape)


def transpose(a, axes=None):
    """Permute the axes (reverse them by default), as `numpy.transpose`."""
    ndim = len(shape_of(a))
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(int(x) % ndim for x in axes)
    if axes == tuple(range(ndim)):
        return a
    return transpose_p.bind(a, axes=axes)


def moveaxis(a, source, destination):
    ndim = len(shape_of(a))
    source = [s % ndim for s in np.atleast_1d(source).tolist()]
    destination = [d % ndim for d in np.atleast_1d(destination).tolist()]
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, order)


def _concatenate_vjp(k):
    def rule(g, ans, *xs, axis):
        start = sum(shape_of(x)[axis] for x in xs[:k])
        index = (slice(None),) * axis + (slice(start, start + shape_of(xs[k])[axis]),)
        from funcgrad.primitives.indexing import getitem_p
        return getitem_p.bind(g, index=index)
    return rule


class _PerInput:
    """A rule table indexed by input position, for primitives taking any number of inputs."""

    def __init__(self, make):
        self.make = make
        self.rules = {}

    def __getitem__(self, k):
        rule = self.rules.get(k)
        if rule is None:
            rule = self.rules[k] = self.make(k)
        return rule


def _concatenate_jvp(k):
    def rule(t, ans, *xs, axis):
        parts = [t if i == k else np.zeros(shape_of(x), getattr(t, "dtype", np.float64))
                 for i, x in enumerate(xs)]
        return concatenate_p.bind(*parts, axis=axis)
    return rule


def _concatenate_batch(values, dims, axis):
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    moved = []
    for v, d in zip(values, dims):
        if d is None:
            v = broadcast_to(reshape(v, (1,) + tuple(shape_of(v))), (size,) + tuple(shape_of(v)))
        else:
            v = moveaxis(v, d, 0)
        moved.append(v)
    return concatenate_p.bind(*moved, axis=axis + 1), 0


concatenate_p = Primitive(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
    shape=lambda *xs, axis: ShapedArray(
        np.concatenate([np.empty(x.shape, x.dtype) for x in xs], axis=axis).shape,
        np.result_type(*[x.dtype for x in xs])),
    vjp=_PerInput(_concatenate_vjp), jvp=_PerInput(_concatenate_jvp),
    batch=_concatenate_batch, family="shape")


def concatenate(arrays, axis=0):
    arrays = list(arrays)
    if axis is None:
        return concatenate_p.bind(*[reshape(a, (-1,)) for a in arrays], axis=0)
    ndim = len(shape_of(arrays[0]))
    return concatenate_p.bind(*arrays, axis=int(axis) % max(ndim, 1))


def expand_dims(a, axis):
    shape = list(shape_of(a))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = len(shape) + len(axes)
    for ax in sorted(int(x) % ndim for x in axes):
        shape.insert(ax, 1)
    return reshape(a, tuple(shape))


def stack(arrays, axis=0):
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    ndim = len(shape_of(arrays[0])) + 1
    axis = int(axis) % ndim
    return concatenate_p.bind(*[expand_dims(a, axis) for a in arrays], axis=axis)
