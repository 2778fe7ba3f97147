"""Assembling, reshaping and signal functions of NumPy's main namespace, built from primitives.

kron, pad, diff, gradient, rot90, block, meshgrid, convolve, interp, choose, select, ... are
compositions of reshapes, concatenations, gathers and elementwise arithmetic, so every transform
differentiates them through those primitives. Indices, conditions and shapes are static: they are
read from concrete values (a traced index is used by its value, with no derivative).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives.indexing import along_axis_index, getitem, index_add_p, take_along_axis
from funcgrad.primitives.reductions import cumprod, cumsum, max as _max, min as _min, sum as _sum
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
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = getitem(a, (Ellipsis, 2)) if na == 3 else None
    b2 = getitem(b, (Ellipsis, 2)) if nb == 3 else None
    x = (a1 * b2 if b2 is not None else 0 * a1 * b1) - (a2 * b1 if a2 is not None else 0 * b1)
    y = (a2 * b0 if a2 is not None else 0 * a0) - (a0 * b2 if b2 is not None else 0 * a0 * b0)
    out = stack(list(_broadcast_all([x, y, z])), axis=-1)
    return moveaxis(out, -1, axisc)


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
    return stack(columns, axis=1) if columns else reshape(x, (-1, 0)) * 1


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


# -- differences, integrals, signals -----------------------------------------------------------

def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    """The n-th discrete difference along `axis`, as `numpy.diff`."""
    a = _array(a)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if n == 0:
        return a
    axis = normalize_axis(axis, len(shape_of(a)))[0]
    parts = []
    for extra in (prepend, a, append):
        if extra is a:
            parts.append(a)
        elif extra is not np._NoValue:
            extra = _array(extra)
            if not shape_of(extra):
                shape = list(shape_of(a))
                shape[axis] = 1
                extra = broadcast_to(extra, tuple(shape))
            parts.append(extra)
    a = concatenate(parts, axis=axis) if len(parts) > 1 else a
    for _ in range(n):
        a = _slice(a, axis, 1) - _slice(a, axis, None, -1)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    d = diff(ravel(_array(ary)))
    parts = [ravel(_array(v)) for v in (to_begin,) if v is not None] + [d] + \
        [ravel(_array(v)) for v in (to_end,) if v is not None]
    return concatenate(parts) if len(parts) > 1 else d


def _gradient_axis(f, axis, spacing, edge_order):
    n = shape_of(f)[axis]
    if n < edge_order + 1:
        raise ValueError("gradient: shape of the array too small to calculate a numerical gradient, "
                         "at least (edge_order + 1) elements are required")

    def at(start, stop=None):
        return _slice(f, axis, start, stop)

    def along(v):
        return reshape(v, (-1,) + (1,) * (len(shape_of(f)) - axis - 1))

    spacing = _array(spacing)
    if not shape_of(spacing):  # uniform spacing h
        h = spacing
        interior = (at(2) - at(None, -2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (at(1, 2) - at(0, 1)) / h, (at(-1) - at(-2, -1)) / h
        else:
            first = (-1.5 * at(0, 1) + 2.0 * at(1, 2) - 0.5 * at(2, 3)) / h
            last = (0.5 * at(-3, -2) - 2.0 * at(-2, -1) + 1.5 * at(-1)) / h
        return concatenate([first, interior, last], axis=axis)
    if len(shape_of(spacing)) != 1 or shape_of(spacing)[0] != n:
        raise ValueError("gradient: when 1d, distances must match the length of the corresponding dimension")
    dx = diff(spacing)
    h1, h2 = along(getitem(dx, (slice(None, -1),))), along(getitem(dx, (slice(1, None),)))
    # second-order interior stencil for uneven steps h1 (behind) and h2 (ahead)
    interior = (-h2 / (h1 * (h1 + h2)) * at(None, -2) + (h2 - h1) / (h1 * h2) * at(1, -1)
                + h1 / (h2 * (h1 + h2)) * at(2))
    d = [getitem(dx, (i,)) for i in (0, 1, -2, -1)]
    if edge_order == 1:
        first, last = (at(1, 2) - at(0, 1)) / d[0], (at(-1) - at(-2, -1)) / d[3]
    else:
        a0, b0 = d[0], d[1]
        first = (-(2.0 * a0 + b0) / (a0 * (a0 + b0)) * at(0, 1) + (a0 + b0) / (a0 * b0) * at(1, 2)
                 - a0 / (b0 * (a0 + b0)) * at(2, 3))
        a1, b1 = d[2], d[3]
        last = (b1 / (a1 * (a1 + b1)) * at(-3, -2) - (a1 + b1) / (a1 * b1) * at(-2, -1)
                + (a1 + 2.0 * b1) / (b1 * (a1 + b1)) * at(-1))
    return concatenate([first, interior, last], axis=axis)


def gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, first- or second-order ones at the edges, as
    `numpy.gradient` (spacings as scalars or coordinate arrays; one array per axis, or a list)."""
    f = _array(f)
    if not np.issubdtype(dtype_of(f), np.inexact):
        f = ew.astype(f, np.float64)
    ndim = len(shape_of(f))
    axes = list(range(ndim)) if axis is None else list(normalize_axis(axis, ndim))
    if edge_order not in (1, 2):
        raise ValueError("gradient: 'edge_order' greater than 2 not supported")
    spacings = list(varargs) if len(varargs) != 1 else list(varargs) * len(axes)
    spacings = spacings or [1.0] * len(axes)
    if len(spacings) != len(axes):
        raise TypeError("gradient: invalid number of arguments")
    outs = [_gradient_axis(f, k, h, edge_order) for k, h in zip(axes, spacings)]
    return outs[0] if len(outs) == 1 else tuple(outs)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral by the trapezoidal rule along `axis`, as `numpy.trapezoid`."""
    y = _array(y)
    axis = normalize_axis(axis, len(shape_of(y)))[0]
    if x is None:
        d = dx
    else:
        x = _array(x)
        d = diff(x, axis=-1 if len(shape_of(x)) == 1 else axis)
        if len(shape_of(x)) == 1:
            d = reshape(d, (-1,) + (1,) * (len(shape_of(y)) - axis - 1))
    return _sum(d * (_slice(y, axis, 1) + _slice(y, axis, None, -1)), axis=axis) / 2.0


trapz = trapezoid


def _full_convolution(a, v):
    """out[k] = sum_j a[k - j] v[j] for 0 <= k < len(a) + len(v) - 1, as a gather and a product."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    zeros = np.zeros(m - 1, dtype_of(a))
    padded = concatenate([zeros, a, zeros])
    windows = getitem(padded, (np.arange(n + m - 1)[:, None] + np.arange(m)[None, :],))
    return matmul(windows, flip(v, 0))


def _convolution(a, v, mode, name):
    a, v = _array(a), _array(v)
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError(f"{name}: both inputs must be 1-d")
    if not shape_of(a)[0] or not shape_of(v)[0]:
        raise ValueError(f"{name}: inputs cannot be empty")
    swapped = shape_of(v)[0] > shape_of(a)[0]
    if swapped:
        a, v = v, a
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = _full_convolution(a, v)
    if mode == "full":
        return full, swapped
    if mode == "same":
        start = (m - 1) // 2
        return getitem(full, (slice(start, start + n),)), swapped
    if mode == "valid":
        return getitem(full, (slice(m - 1, n),)), swapped
    raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-d arrays, as `numpy.convolve` (modes full/same/valid)."""
    return _convolution(a, v, mode, "convolve")[0]


def correlate(a, v, mode="valid"):
    """Cross-correlation sum_n a[n + k] conj(v[n]) of two 1-d arrays, as `numpy.correlate`."""
    a, v = _array(a), _array(v)
    v = flip(ew.conj(v), 0) if np.iscomplexobj(np.empty(0, dtype_of(v))) else flip(v, 0)
    return _convolution(a, v, mode, "correlate")[0]  # correlating is convolving with conj(v) reversed


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation, as `numpy.interp`; differentiable in x, xp and fp.

    At a knot the derivative in x is the slope of the segment to its right; beyond the last knot
    (and at it) the value is constant, so the derivative there is 0 (see docs/conventions.md).
    """
    x, xp, fp = _array(x), _array(xp), _array(fp)
    if len(shape_of(xp)) != 1 or shape_of(xp) != shape_of(fp):
        raise ValueError("interp: fp and xp are not of the same length")
    if not shape_of(xp)[0]:
        raise ValueError("interp: array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(period)
        x, xp = ew.remainder(x, period), ew.remainder(xp, period)
        order = np.argsort(_static(xp), kind="stable")
        xp, fp = getitem(xp, (order,)), getitem(fp, (order,))
        xp = concatenate([getitem(xp, (slice(-1, None),)) - period, xp, getitem(xp, (slice(0, 1),)) + period])
        fp = concatenate([getitem(fp, (slice(-1, None),)), fp, getitem(fp, (slice(0, 1),))])
        left = right = None
    n = shape_of(xp)[0]
    first, last = getitem(xp, (0,)), getitem(xp, (-1,))
    if n == 1:
        out = broadcast_to(getitem(fp, (0,)), tuple(shape_of(x))) + 0 * x
    else:
        # the segment of each x: how many inner knots lie at or below it (so vmap can batch x)
        inner = ew.astype(ew.greater_equal(reshape(x, tuple(shape_of(x)) + (1,)),
                                           getitem(xp, (slice(1, -1),))), np.int64)
        segment = _sum(inner, axis=-1, keepdims=True)
        one_hot = ew.astype(ew.equal(segment, np.arange(n - 1)), dtype_of(xp))

        def pick(values, start):
            return _sum(one_hot * getitem(values, (slice(start, start + n - 1),)), axis=-1)

        x0, x1, f0, f1 = pick(xp, 0), pick(xp, 1), pick(fp, 0), pick(fp, 1)
        out = f0 + (x - x0) / (x1 - x0) * (f1 - f0)
        out = ew.where(ew.greater_equal(x, last), getitem(fp, (-1,)) + 0 * x, out)
    below = getitem(fp, (0,)) if left is None else _array(left)
    above = getitem(fp, (-1,)) if right is None else _array(right)
    out = ew.where(ew.less(x, first), below, out)
    return ew.where(ew.greater(x, last), above, out)


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
            raise TypeError(f"select: invalid entry in condlist: should be boolean ndarray, not {condition.dtype}")
        out = ew.where(condition, _array(choice), out)
    if not shape_of(out) and condlist:
        out = broadcast_to(out, np.broadcast_shapes(*[np.shape(_static(c)) for c in condlist]))
    return out


def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate each function on the entries its condition selects, as `numpy.piecewise` (later
    conditions win; each function only sees its own entries, so it is safe where others are not)."""
    x = _array(x)
    shape = tuple(shape_of(x))
    if isinstance(condlist, np.ndarray) and condlist.shape == shape or not isinstance(condlist, (list, tuple)):
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


row_stack = vstack
concat = concatenate

__all__ = [
    "append", "block", "broadcast_arrays", "choose", "compress", "concat", "convolve", "correlate",
    "cross", "cumulative_prod", "cumulative_sum", "delete", "diagflat", "diff", "dsplit", "ediff1d",
    "extract", "gradient", "hsplit", "interp", "kron", "matrix_transpose", "meshgrid", "pad",
    "permute_dims", "piecewise", "put_along_axis", "rollaxis", "rot90", "row_stack", "select",
    "trapezoid", "trapz", "trim_zeros", "unstack", "vander", "vsplit"]
