"""Assembling, padding, reshaping and placing functions of NumPy's main namespace.

kron, pad, rot90, block, meshgrid, put_along_axis, choose, select, piecewise, ... are
compositions of reshapes, concatenations, gathers and elementwise arithmetic, so every transform
differentiates them through those primitives. Indices, conditions and shapes are static: they are
read from concrete values (a traced index is used by its value, with no derivative).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.indexing import along_axis_index, getitem, index_add_p, take_along_axis
from funcgrad.primitives.reductions import cumprod, cumsum, max as _max, min as _min
from funcgrad.primitives.shape import (
    array_split, broadcast_to, concatenate, flip, moveaxis, ravel, reshape, stack, swapaxes,
    transpose, vstack)
from funcgrad.numpy._composites import diag, mean
from funcgrad.numpy._statistics import median


def _array(x):
    """Tracers as they are; anything else as a NumPy array."""
    return x if isinstance(x, Tracer) else np.asarray(x)


def _static(x):
    return np.asarray(concretize(x))


def _slice(a, axis, start=None, stop=None, step=None):
    return getitem(a, (slice(None),) * axis + (slice(start, stop, step),))


# -- products and stacking ---------------------------------------------------------------------

def kron(a, b):
    """Kronecker product, as `numpy.kron`: blocks a[i, j] * b."""
    a, b = _array(a), _array(b)
    ndim = max(len(shape_of(a)), len(shape_of(b)))
    sa = (1,) * (ndim - len(shape_of(a))) + tuple(shape_of(a))
    sb = (1,) * (ndim - len(shape_of(b))) + tuple(shape_of(b))
    # a on the even axes, b on the odd ones: out[i*nb + k] = a[i] b[k]
    a2 = reshape(a, tuple(n for m in sa for n in (m, 1)))
    b2 = reshape(b, tuple(n for m in sb for n in (1, m)))
    return reshape(a2 * b2, tuple(m * n for m, n in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 2- or 3-vectors, as `numpy.cross` (a 2-vector has a zero z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(_array(a), axisa, -1), moveaxis(_array(b), axisb, -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("cross: incompatible dimensions for cross product (dimension must be 2 or 3)")
    if na == 2 and nb == 2:  # the z component of the 3-d product
        return getitem(a, (Ellipsis, 0)) * getitem(b, (Ellipsis, 1)) - \
            getitem(a, (Ellipsis, 1)) * getitem(b, (Ellipsis, 0))
    a, b = _as_3_vectors(a, na), _as_3_vectors(b, nb)
    a0, a1, a2 = (getitem(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (getitem(b, (Ellipsis, i)) for i in range(3))
    out = stack(list(_broadcast_all([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])), axis=-1)
    return moveaxis(out, -1, axisc)


def _as_3_vectors(v, n):
    """2-vectors get a zero third component."""
    if n == 3:
        return v
    return concatenate([v, np.zeros(tuple(shape_of(v)[:-1]) + (1,), dtype_of(v))], axis=-1)


def _broadcast_all(arrays):
    shape = np.broadcast_shapes(*[tuple(shape_of(x)) for x in arrays])
    return tuple(broadcast_to(x, shape) for x in arrays)


def broadcast_arrays(*args, subok=False):
    """The arguments broadcast against each other, as `numpy.broadcast_arrays` (a tuple)."""
    return _broadcast_all([_array(x) for x in args])


def append(arr, values, axis=None):
    """`arr` with `values` added at the end (both flattened when axis is None), as `numpy.append`."""
    arr, values = _array(arr), _array(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis=axis)


def block(arrays):
    """Assemble nested lists of blocks, as `numpy.block`: the innermost lists join along the last axis."""
    def depth(item):
        return 1 + depth(item[0]) if isinstance(item, list) else 0

    def leaves(item):
        return [y for x in item for y in leaves(x)] if isinstance(item, list) else [item]

    levels = depth(arrays)
    ndim = max([levels] + [len(shape_of(_array(x))) for x in leaves(arrays)])

    def assemble(item, level):
        if not isinstance(item, list):
            item = _array(item)
            return reshape(item, (1,) * (ndim - len(shape_of(item))) + tuple(shape_of(item)))
        return concatenate([assemble(x, level + 1) for x in item], axis=level - levels)

    return assemble(arrays, 0)


def diagflat(v, k=0):
    """A square matrix with the flattened input on its k-th diagonal, as `numpy.diagflat`."""
    return diag(ravel(_array(v)), k)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from coordinate vectors, as `numpy.meshgrid` (a tuple)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: indexing must be 'xy' or 'ij'")
    ndim = len(xi)
    outs = []
    for i, x in enumerate(xi):
        shape = [1] * ndim
        shape[i if indexing == "ij" or ndim < 2 else (1, 0, *range(2, ndim))[i]] = -1
        outs.append(reshape(_array(x), tuple(shape)))
    return tuple(outs) if sparse else _broadcast_all(outs)


def vander(x, N=None, increasing=False):
    """Powers of x as columns (decreasing by default), as `numpy.vander`."""
    x = _array(x)
    powers = np.arange(len(x) if N is None else N)
    powers = powers if increasing else powers[::-1]
    columns = [x ** int(p) if p else x * 0 + 1 for p in powers]
    return stack(columns, axis=1) if columns else np.zeros((shape_of(x)[0], 0), dtype_of(x))


# -- rotations, axes and splits ----------------------------------------------------------------

def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `axes`, as `numpy.rot90`."""
    m = _array(m)
    ndim = len(shape_of(m))
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    axes = tuple(normalize_axis(k, ndim)[0] for k in axes)
    if axes[0] == axes[1]:
        raise ValueError("rot90: axes must be two different axes")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(ndim))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    return transpose(flip(m, axes[1]), order) if k == 1 else flip(transpose(m, order), axes[1])


def rollaxis(a, axis, start=0):
    """Move `axis` so that it lies before position `start`, as `numpy.rollaxis`."""
    a = _array(a)
    ndim = len(shape_of(a))
    axis = normalize_axis(axis, ndim)[0] if ndim else axis
    start = start + ndim if start < 0 else start
    if not 0 <= start <= ndim:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for {ndim} dimensions")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [i for i in range(ndim) if i != axis]
    order.insert(start, axis)
    return transpose(a, order)


def matrix_transpose(x, /):
    """Swap the last two axes, as `numpy.matrix_transpose`."""
    if len(shape_of(x)) < 2:
        raise ValueError("matrix_transpose: input must have at least 2 dimensions")
    return swapaxes(x, -1, -2)


def permute_dims(a, axes=None):
    return transpose(a, axes)


def unstack(x, /, *, axis=0):
    """The slices of x along `axis`, as a tuple (NumPy 2's `unstack`)."""
    axis = normalize_axis(axis, len(shape_of(x)))[0]
    return tuple(getitem(x, (slice(None),) * axis + (i,)) for i in range(shape_of(x)[axis]))


def _split_on(ary, sections, axis, least, name):
    if len(shape_of(ary)) < least:
        raise ValueError(f"{name} only works on arrays of {least} or more dimensions")
    if isinstance(sections, (int, np.integer)) and shape_of(ary)[axis] % sections:
        raise ValueError("array split does not result in an equal division")
    return array_split(ary, sections, axis=axis)


def hsplit(ary, indices_or_sections):
    axis = 1 if len(shape_of(ary)) > 1 else 0
    return _split_on(ary, indices_or_sections, axis, 1, "hsplit")


def vsplit(ary, indices_or_sections):
    return _split_on(ary, indices_or_sections, 0, 2, "vsplit")


def dsplit(ary, indices_or_sections):
    return _split_on(ary, indices_or_sections, 2, 3, "dsplit")


def delete(arr, obj, axis=None):
    """`arr` without the entries `obj` along `axis` (of the flattened array for None)."""
    arr = _array(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = normalize_axis(axis, len(shape_of(arr)))[0]
    keep = np.ones(shape_of(arr)[axis], dtype=bool)
    keep[_static(obj) if not isinstance(obj, slice) else obj] = False
    return getitem(arr, (slice(None),) * axis + (np.nonzero(keep)[0],))


def compress(condition, a, axis=None):
    a = _array(a)
    if axis is None:
        a, axis = ravel(a), 0
    kept = np.nonzero(_static(condition))[0]
    return getitem(a, (slice(None),) * normalize_axis(axis, len(shape_of(a)))[0] + (kept,))


def extract(condition, arr):
    return getitem(ravel(_array(arr)), (np.nonzero(np.ravel(_static(condition)))[0],))


def trim_zeros(filt, trim="fb"):
    values = _static(filt)
    nonzero = np.nonzero(values)[0]
    if not len(nonzero):
        return getitem(filt, (slice(0, 0),))
    start = nonzero[0] if "f" in trim.lower() else 0
    stop = nonzero[-1] + 1 if "b" in trim.lower() else len(values)
    return getitem(filt, (slice(int(start), int(stop)),))


# -- padding -----------------------------------------------------------------------------------

_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")
_STAT_MODES = {"maximum": "max", "minimum": "min", "mean": "mean", "median": "median"}


def _per_axis(value, ndim, name):
    value = np.asarray(concretize(value) if not isinstance(value, Tracer) else value)
    try:
        return np.broadcast_to(value, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {name} cannot be broadcast to ({ndim}, 2)") from None


def _stat(x, kind, axis):
    reduce = {"max": _max, "min": _min, "mean": mean, "median": median}[kind]
    return reduce(x, axis=axis, keepdims=True)


def _pad_axis(x, axis, before, after, mode, options, k):
    n = shape_of(x)[axis]
    if mode in _INDEX_MODES:
        if n == 0 and (before or after):
            raise ValueError(f"pad: cannot pad an empty axis with mode {mode!r}")
        source = np.pad(np.arange(n), (before, after), mode=mode)  # where each entry is read from
        return getitem(x, (slice(None),) * axis + (source,))
    shape = list(shape_of(x))
    pieces = []
    for side, width in ((0, before), (1, after)):
        shape[axis] = width
        if mode == "constant":
            value = _array(np.broadcast_to(options.get("constant_values", 0), (len(shape), 2))[k][side])
            piece = broadcast_to(ew.astype(value, dtype_of(x)) if not isinstance(value, Tracer)
                                 else value, tuple(shape))
        elif mode == "linear_ramp":
            end = float(np.broadcast_to(options.get("end_values", 0), (len(shape), 2))[k][side])
            edge = _slice(x, axis, 0, 1) if side == 0 else _slice(x, axis, n - 1, n)
            ramp = np.linspace(0.0, 1.0, width, endpoint=False).reshape(
                (-1,) + (1,) * (len(shape) - axis - 1))
            ramp = ramp if side == 0 else ramp[::-1]
            piece = end + (edge - end) * ramp
        else:
            length = options.get("stat_length")
            length = n if length is None else int(np.broadcast_to(length, (len(shape), 2))[k][side])
            length = max(1, min(length, n))
            region = _slice(x, axis, 0, length) if side == 0 else _slice(x, axis, n - length, n)
            piece = broadcast_to(_stat(region, _STAT_MODES[mode], axis), tuple(shape))
            if np.issubdtype(dtype_of(x), np.integer):
                piece = ew.astype(ew.rint(piece), dtype_of(x))
        pieces.append(piece)
    return concatenate([pieces[0], x, pieces[1]], axis=axis)


def pad(array, pad_width, mode="constant", **kwargs):
    """Pad an array, as `numpy.pad`, for the modes linear in the array: constant, edge, reflect,
    symmetric, wrap, linear_ramp, mean, and the (piecewise linear) maximum, minimum and median.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.sum(fnp.pad(x, 1, mode="wrap")))(np.array([1.0, 2.0, 3.0]))
    array([2., 1., 2.])
    """
    if callable(mode):
        raise NotImplementedError("pad: a function as mode is not supported on traced values")
    if mode not in _INDEX_MODES + ("constant", "linear_ramp") + tuple(_STAT_MODES):
        raise ValueError(f"pad: mode {mode!r} is not supported (it is not linear in the array)")
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError("pad: reflect_type='odd' is not supported")
    x = _array(array)
    ndim = len(shape_of(x))
    widths = _per_axis(pad_width, ndim, "pad_width").astype(int)
    if np.any(widths < 0):
        raise ValueError("pad: index can't contain negative values")
    for k in range(ndim):
        if widths[k, 0] or widths[k, 1]:
            x = _pad_axis(x, k, int(widths[k, 0]), int(widths[k, 1]), mode, kwargs, k)
    return x


# -- choosing and placing ----------------------------------------------------------------------

def put_along_axis(arr, indices, values, axis):
    """A copy of `arr` with `values` placed at `indices` along `axis` (NumPy's in-place
    `put_along_axis` as a pure function). At a repeated index the last value wins, as in NumPy."""
    arr = _array(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    shape = tuple(shape_of(arr))
    axis = normalize_axis(axis, len(shape))[0]
    index = np.broadcast_arrays(*along_axis_index(_static(indices), axis, shape))
    values = broadcast_to(_array(values), index[0].shape)
    flat = np.ravel_multi_index(tuple(np.where(i < 0, i + shape[k], i) for k, i in enumerate(index)),
                                shape).ravel()
    last = len(flat) - 1 - np.unique(flat[::-1], return_index=True)[1]  # the last write of each target
    target = np.unravel_index(flat[last], shape)
    mask = np.zeros(shape, dtype=bool)
    mask[target] = True
    zeros = np.zeros(shape, np.result_type(dtype_of(arr), dtype_of(values)))
    placed = index_add_p.bind(zeros, getitem(ravel(values), (last,)), index=target)
    return ew.where(mask, placed, arr)


def choose(a, choices, out=None, mode="raise"):
    """Pick from `choices` by the integer array `a`, as `numpy.choose`."""
    if out is not None:
        raise TypeError("choose: out= is not supported on traced values; use the returned value")
    index = _static(a).astype(int)
    count = len(choices)
    if mode == "wrap":
        index = index % count
    elif mode == "clip":
        index = np.clip(index, 0, count - 1)
    elif np.any((index < 0) | (index >= count)):
        raise ValueError("choose: invalid entry in choice array")
    arrays = _broadcast_all([_array(c) for c in choices] + [index])
    stacked = stack(list(arrays[:-1]), axis=0)
    return getitem(take_along_axis(stacked, arrays[-1][None], 0), (0,))


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, else `default`, as `numpy.select`."""
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    out = _array(default)
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        condition = _static(condition)
        if condition.dtype != bool:
            raise TypeError("select: invalid entry in condlist: should be boolean ndarray, "
                            f"not {condition.dtype}")
        out = ew.where(condition, _array(choice), out)
    if not shape_of(out) and condlist:
        out = broadcast_to(out, np.broadcast_shapes(*[np.shape(_static(c)) for c in condlist]))
    return out


def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate each function on the entries its condition selects, as `numpy.piecewise` (later
    conditions win; each function only sees its own entries, so it is safe where others are not)."""
    x = _array(x)
    shape = tuple(shape_of(x))
    single = isinstance(condlist, np.ndarray) and condlist.shape == shape
    if single or not isinstance(condlist, (list, tuple)):
        condlist = [condlist]
    conditions = [np.broadcast_to(_static(c).astype(bool), shape) for c in condlist]
    if len(funclist) == len(conditions) + 1:
        conditions.append(~np.any(conditions, axis=0))
    elif len(funclist) != len(conditions):
        raise ValueError(f"piecewise: with {len(conditions)} condition(s), either {len(conditions)} or "
                         f"{len(conditions) + 1} functions are expected")
    out = ew.astype(x * 0, dtype_of(x)) if isinstance(x, Tracer) else np.zeros(shape, dtype_of(x))
    for condition, function in zip(conditions, funclist):
        where = np.nonzero(condition)
        if callable(function):
            values = function(getitem(x, where), *args, **kw) if where[0].size or not shape else None
            if values is None:
                continue
        else:
            values = function
        out = ew.where(condition, index_add_p.bind(np.zeros(shape, dtype_of(x)), values, index=where)
                       if shape else values, out)
    return out


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's cumulative_sum: cumsum, optionally starting with a 0."""
    return _cumulative(cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's cumulative_prod: cumprod, optionally starting with a 1."""
    return _cumulative(cumprod, 1, x, axis, dtype, include_initial)


def _cumulative(function, initial, x, axis, dtype, include_initial):
    x = _array(x)
    if not shape_of(x):
        x = reshape(x, (1,))  # NumPy's cumulative functions take a 0-d array as one of one entry
    if axis is None:
        if len(shape_of(x)) > 1:
            raise ValueError("cumulative_sum/prod: axis is required for arrays of more than one dimension")
        axis = 0
    out = function(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    shape = list(shape_of(out))
    shape[normalize_axis(axis, len(shape))[0]] = 1
    return concatenate([np.full(shape, initial, dtype_of(out)), out], axis=axis)


def resize(a, new_shape):
    """`a` repeated (flattened, cyclically) to fill `new_shape`, as `numpy.resize`."""
    a = ravel(_array(a))
    shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    total = int(np.prod(shape, dtype=np.int64))
    if total and not shape_of(a)[0]:
        return np.zeros(shape, dtype_of(a))
    return reshape(getitem(a, (np.arange(total) % max(shape_of(a)[0], 1),)), shape)


def copy(a, order="K", subok=False):
    """A copy of `a`: a traced value is immutable, so it is returned as it is."""
    return a if isinstance(a, Tracer) else np.array(a, copy=True)


def asanyarray(a, dtype=None, order=None, *, like=None):
    a = _array(a)
    return a if dtype is None else ew.astype(a, dtype)


def asarray_chkfinite(a, dtype=None, order=None):
    if not np.all(np.isfinite(_static(a))):
        raise ValueError("array must not contain infs or NaNs")
    return asanyarray(a, dtype)


def insert(arr, obj, values, axis=None):
    """`arr` with `values` inserted before the indices `obj` along `axis`, as `numpy.insert`;
    differentiable in both (NumPy places an index map, funcgrad gathers by it)."""
    arr, values = _array(arr), _array(values)
    if axis is None:
        arr, axis = ravel(arr), 0
    # NumPy's own insert on positions: >= 0 reads arr, < 0 reads values (-1 - k is values[k])
    positions = np.arange(int(np.prod(shape_of(arr)))).reshape(shape_of(arr))
    marks = -1 - np.arange(int(np.prod(shape_of(values)))).reshape(shape_of(values))
    placed = np.insert(positions, obj if not isinstance(obj, Tracer) else _static(obj), marks, axis=axis)
    from_arr = getitem(ravel(arr), (np.where(placed >= 0, placed, 0),))
    from_values = getitem(ravel(values), (np.where(placed < 0, -1 - placed, 0),)) \
        if shape_of(values) != (0,) else from_arr
    return ew.where(placed >= 0, from_arr, from_values)


def einsum_path(subscripts, *operands, optimize="greedy"):
    """NumPy's contraction order for an einsum (it depends on the shapes only)."""
    shaped = [np.empty(shape_of(x), dtype_of(x)) if isinstance(x, Tracer) else x for x in operands]
    return np.einsum_path(subscripts, *shaped, optimize=optimize)


row_stack = vstack
concat = concatenate

__all__ = [
    "append", "asanyarray", "asarray_chkfinite", "block", "broadcast_arrays", "choose",
    "compress", "concat", "copy", "einsum_path", "insert", "resize",
    "cross", "cumulative_prod", "cumulative_sum", "delete", "diagflat", "dsplit",
    "extract", "hsplit", "kron", "matrix_transpose", "meshgrid", "pad",
    "permute_dims", "piecewise", "put_along_axis", "rollaxis", "rot90", "row_stack", "select",
    "trim_zeros", "unstack", "vander", "vsplit"]
