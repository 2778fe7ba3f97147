"""Shape primitives: reshape, broadcast_to, transpose (and what is built directly on them)."""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import PerInputRules, Primitive, ShapedArray
from funcgrad.core.tracer import Tracer
from funcgrad.primitives._util import dtype_of, shape_of, unbroadcast


def _is_one_int(n) -> bool:
    """Whether a count or size is one integer: a Python or NumPy integer, or a 0-d traced one
    (computed from traced values, it carries no derivative; int() makes it concrete)."""
    return isinstance(n, (int, np.integer)) or isinstance(n, Tracer) and not n.shape


def _reshape_batch(values, dims, shape):
    x, d = values[0], dims[0]
    size = shape_of(x)[d]
    if d == len(shape_of(x)) - 1 and d > 0:  # a batch axis last stays last: no transposed copy
        return reshape_p.bind(x, shape=tuple(shape) + (size,)), len(shape)
    x = moveaxis(x, d, 0)
    return reshape_p.bind(x, shape=(size,) + tuple(shape)), 0


reshape_p = Primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    shape=lambda x, shape: ShapedArray(shape, x.dtype),
    vjp=[lambda g, ans, x, shape: reshape_p.bind(g, shape=shape_of(x))],
    jvp=[lambda t, ans, x, shape: reshape_p.bind(t, shape=shape)],
    batch=_reshape_batch, family="shape",
    reads=())  # x for its shape only


def _broadcast_to_batch(values, dims, shape):
    x = moveaxis(values[0], dims[0], 0)
    size, rest = shape_of(x)[0], shape_of(x)[1:]
    x = reshape_p.bind(x, shape=(size,) + (1,) * (len(shape) - len(rest)) + tuple(rest))
    return broadcast_to_p.bind(x, shape=(size,) + tuple(shape)), 0


def _broadcast_to_impl(x, shape):
    """np.broadcast_to(x, shape): for a C-contiguous NumPy array the same read-only view,
    made from its strides directly (NumPy's function builds an iterator first, about as
    much again as the view; every sum's gradient is such a view)."""
    if type(x) is np.ndarray and x.flags.c_contiguous and not x.dtype.hasobject:
        shape = tuple(shape)
        lead = len(shape) - x.ndim
        if lead >= 0:
            strides = [0] * lead
            for want, have, step in zip(shape[lead:], x.shape, x.strides):
                if have == want and want != 1:
                    strides.append(step)
                elif have == 1 and want >= 0:
                    strides.append(0)
                else:
                    return np.broadcast_to(x, shape)  # (NumPy's error, or a zero-size axis)
            try:
                out = np.ndarray(shape, x.dtype, x, 0, tuple(strides))
            except (TypeError, ValueError, BufferError):
                return np.broadcast_to(x, shape)
            out.flags.writeable = False
            return out
    return np.broadcast_to(x, shape)


broadcast_to_p = Primitive(
    "broadcast_to", _broadcast_to_impl,
    shape=lambda x, shape: ShapedArray(shape, x.dtype),
    vjp=[lambda g, ans, x, shape: unbroadcast(g, x)],
    jvp=[lambda t, ans, x, shape: broadcast_to_p.bind(t, shape=shape)],
    batch=_broadcast_to_batch, family="shape",
    reads=())  # x for its shape only


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
    if _is_one_int(shape):
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
    shape = (int(shape),) if _is_one_int(shape) else tuple(int(n) for n in shape)
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


def _concatenate_jvp(k):
    def rule(t, ans, *xs, axis):
        parts = [t if i == k else np.zeros(shape_of(x), dtype_of(t))
                 for i, x in enumerate(xs)]
        return concatenate_p.bind(*parts, axis=axis)
    return rule


def _concatenate_joint_jvp(tangents, ans, *xs, axis):
    # concatenate is linear in all its inputs together: the tangents concatenated, zeros for
    # the inputs without one (one concatenation, not one per input and their sum)
    dtype = dtype_of(next(t for t in tangents if t is not None))
    return concatenate_p.bind(*[np.zeros(shape_of(x), dtype) if t is None else t
                                for t, x in zip(tangents, xs)], axis=axis)


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
    vjp=PerInputRules(_concatenate_vjp),
    jvp=PerInputRules(_concatenate_jvp, joint=_concatenate_joint_jvp),
    batch=_concatenate_batch, family="shape",
    reads=())  # the inputs for their shapes only


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


# -- flip: the one further primitive; the rest of the family is built on the ones above --------

def _flip_batch(values, dims, axes):
    x = moveaxis(values[0], dims[0], 0)
    return flip_p.bind(x, axes=tuple(a + 1 for a in axes)), 0


flip_p = Primitive(
    "flip", lambda x, axes: np.flip(x, axes),
    shape=lambda x, axes: ShapedArray(x.shape, x.dtype),
    vjp=[lambda g, ans, x, axes: flip_p.bind(g, axes=axes)],
    jvp=[lambda t, ans, x, axes: flip_p.bind(t, axes=axes)],
    batch=_flip_batch, family="shape",
    doc="Reverse the order of elements along `axes` (a tuple of non-negative ints).")


def _axes(axis, ndim):
    """None, an int or a sequence -> a tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        if not -ndim <= int(a) < max(ndim, 1):
            raise np.exceptions.AxisError(f"axis {int(a)} is out of bounds for an array of dimension {ndim}")
        out.append(int(a) % max(ndim, 1))
    return tuple(out)


def flip(m, axis=None):
    """Reverse the order of elements along the given axes (all of them by default), as `numpy.flip`."""
    axes = _axes(axis, len(shape_of(m)))
    return flip_p.bind(m, axes=axes) if axes else m


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def ravel(a, order="C"):
    """The array as 1-d, as `numpy.ravel` (order 'C')."""
    return reshape(a, (-1,), order)


def squeeze(a, axis=None):
    """Remove axes of length one (all of them, or those in `axis`), as `numpy.squeeze`."""
    shape = tuple(shape_of(a))
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = _axes(axis, len(shape))
        for i in axes:
            if shape[i] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not equal to "
                                 f"one (axis {i} has size {shape[i]})")
    return reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


def swapaxes(a, axis1, axis2):
    ndim = len(shape_of(a))
    order = list(range(ndim))
    i, j = _axes(axis1, ndim)[0], _axes(axis2, ndim)[0]
    order[i], order[j] = order[j], order[i]
    return transpose(a, order)


def _atleast(promote, arrays):
    """NumPy's atleast_nd convention: one array in, one out; several in, a tuple out."""
    out = tuple(promote(a) for a in arrays)
    return out[0] if len(out) == 1 else out


def _one_1d(a):
    return reshape(a, (1,)) if len(shape_of(a)) == 0 else a


def _one_2d(a):
    shape = tuple(shape_of(a))
    return reshape(a, (1,) * (2 - len(shape)) + shape) if len(shape) < 2 else a


def _one_3d(a):
    shape = tuple(shape_of(a))
    if len(shape) == 0:
        return reshape(a, (1, 1, 1))
    if len(shape) == 1:
        return reshape(a, (1,) + shape + (1,))
    if len(shape) == 2:
        return reshape(a, shape + (1,))
    return a


def atleast_1d(*arys):
    return _atleast(_one_1d, arys)


def atleast_2d(*arys):
    return _atleast(_one_2d, arys)


def atleast_3d(*arys):
    return _atleast(_one_3d, arys)


def hstack(tup):
    arrays = [atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if len(shape_of(arrays[0])) == 1 else 1)


def vstack(tup):
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup):
    arrays = [reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in tup]
    return concatenate(arrays, axis=1)


def _slice_along(a, axis, start, stop):
    from funcgrad.primitives.indexing import getitem
    return getitem(a, (slice(None),) * axis + (slice(start, stop),))


def array_split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays along `axis` (sections may differ in length by one), as NumPy's."""
    ndim = len(shape_of(ary))
    axis = _axes(axis, ndim)[0]
    n = shape_of(ary)[axis]
    if _is_one_int(indices_or_sections):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number of sections must be larger than 0.")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    return [_slice_along(ary, axis, bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def split(ary, indices_or_sections, axis=0):
    """Split into equal sub-arrays (or at the given indices) along `axis`, as `numpy.split`."""
    if _is_one_int(indices_or_sections):
        n = shape_of(ary)[_axes(axis, len(shape_of(ary)))[0]]
        if n % int(indices_or_sections):
            raise ValueError(f"array split does not result in an equal division: an axis of length "
                             f"{n} into {indices_or_sections} sections. Use array_split for unequal parts.")
    return array_split(ary, indices_or_sections, axis)


def tile(A, reps):
    """Repeat the whole array `reps` times along each axis, as `numpy.tile`."""
    reps = (int(reps),) if _is_one_int(reps) else tuple(int(r) for r in reps)
    shape = tuple(shape_of(A))
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    # (n0, n1, ...) -> (1, n0, 1, n1, ...) -> (r0, n0, r1, n1, ...) -> (r0 n0, r1 n1, ...)
    interleaved = tuple(x for n in shape for x in (1, n))
    expanded = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    out = broadcast_to(reshape(A, interleaved), expanded)
    return reshape(out, tuple(r * n for r, n in zip(reps, shape)))


def repeat(a, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (the flattened array for None)."""
    from funcgrad.primitives.indexing import getitem
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axes(axis, len(shape_of(a)))[0]
    source = np.repeat(np.arange(shape_of(a)[axis]), repeats)
    return getitem(a, (slice(None),) * axis + (source,))


def roll(a, shift, axis=None):
    """Shift elements cyclically along `axis`, as `numpy.roll`."""
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), tuple(shape_of(a)))
    shifts = (shift,) if _is_one_int(shift) else tuple(shift)
    axes = _axes(axis, len(shape_of(a)))
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        n = shape_of(a)[ax]
        if n:
            k = int(s) % n
            if k:
                a = concatenate([_slice_along(a, ax, n - k, n), _slice_along(a, ax, 0, n - k)], axis=ax)
    return a
