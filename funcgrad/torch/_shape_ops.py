"""More of PyTorch's shape and indexing ops: flip, roll, repeat, tril, index_select, scatter...

Built from registry primitives (through `apply`) or funcgrad.numpy composites recorded as one
node with PyTorch's name; no derivative is written here.
"""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.primitives import elementwise as ew, shape as shp
from funcgrad.primitives.indexing import getitem_p, index_add_p
from funcgrad.primitives._util import shape_of
from funcgrad.torch._composite import composite
from funcgrad.torch._indexing import last_writes
from funcgrad.torch._views import ViewFunction
from funcgrad.torch._math import _values
from funcgrad.torch._ops import _sizes, as_tensor_arg, cat, expand, permute, reshape, to, unsqueeze
from funcgrad.torch.tensor import Tensor, apply

_I64 = np.dtype(np.int64)


def _dims(dims, ndim):
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return tuple(int(d) % builtins.max(ndim, 1) for d in dims)


def flip(input, dims):
    dims = _dims(dims, input.ndim)
    return composite("FlipBackward0", lambda x: fnp.flip(x, dims), input)


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


def roll(input, shifts, dims=None):
    if dims is None:
        shape = tuple(input.shape)
        return composite("RollBackward0", lambda x: shp.reshape(
            fnp.roll(shp.reshape(x, (-1,)), shifts), shape), input)
    return composite("RollBackward0", lambda x: fnp.roll(x, shifts, dims), input)


def rot90(input, k=1, dims=(0, 1)):
    return composite("Rot90Backward0", lambda x: fnp.rot90(x, k, tuple(dims)), input)


def repeat(input, *sizes):
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return composite("RepeatBackward0", lambda x: fnp.tile(x, sizes), input)


def tile(input, dims):
    dims = tuple(dims) if not isinstance(dims, int) else (dims,)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if not isinstance(input, Tensor) or (repeats is None):
        counts = _values(input)
        return Tensor._make(np.repeat(np.arange(counts.size), counts).astype(_I64))
    x = reshape(input, -1) if dim is None else input
    axis = 0 if dim is None else int(dim) % input.ndim
    count = _values(repeats) if isinstance(repeats, Tensor) else int(repeats)
    positions = np.repeat(np.arange(x.shape[axis]), count)
    return index_select(x, axis, positions, name="IndexSelectBackward0")


def movedim(input, source, destination):
    source, destination = _dims(source, input.ndim), _dims(destination, input.ndim)
    order = [d for d in range(input.ndim) if d not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return permute(input, order)


moveaxis = movedim


def broadcast_to(input, *size):
    return expand(input, _sizes(size))


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(expand(t, shape) if tuple(t.shape) != shape else t for t in tensors)


def broadcast_shapes(*shapes):
    from funcgrad.torch._methods import Size
    return Size(np.broadcast_shapes(*shapes))


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = tuple(t.numel() for t in tensors)
    if indexing == "xy" and len(tensors) >= 2:
        shape = (shape[1], shape[0]) + shape[2:]
    grids = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and i < 2 and len(tensors) >= 2:
            axis = 1 - i
        view = [1] * len(shape)
        view[axis] = -1
        grids.append(expand(reshape(t, view), shape))
    return tuple(grids)


def atleast_1d(*tensors):
    out = [reshape(t, 1) if t.ndim == 0 else t for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors):
    out = [unsqueeze(t, 0) if t.ndim == 1 else reshape(t, 1, 1) if t.ndim == 0 else t
           for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_3d(*tensors):
    def up(t):
        if t.ndim == 0:
            return reshape(t, 1, 1, 1)
        if t.ndim == 1:
            return reshape(t, 1, -1, 1)
        return unsqueeze(t, -1) if t.ndim == 2 else t
    out = [up(t) for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def _flat(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def hstack(tensors):
    tensors = atleast_1d(*tensors)
    tensors = tensors if isinstance(tensors, tuple) else (tensors,)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    tensors = atleast_2d(*tensors)
    return cat(tensors if isinstance(tensors, tuple) else (tensors,), 0)


row_stack = vstack


def dstack(tensors):
    tensors = atleast_3d(*tensors)
    return cat(tensors if isinstance(tensors, tuple) else (tensors,), 2)


def column_stack(tensors):
    return hstack([reshape(t, -1, 1) if t.ndim <= 1 else t for t in tensors])


def unflatten(input, dim, sizes):
    dim = dim % input.ndim
    shape = tuple(input.shape[:dim]) + tuple(sizes) + tuple(input.shape[dim + 1:])
    return reshape(input, shape)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        x = x.narrow(dim, 1, length - 1) - x.narrow(dim, 0, length - 1)
    return x


# -- triangles and diagonals ----------------------------------------------------------------------

def tril(input, diagonal=0):
    return composite("TrilBackward0", lambda x: fnp.tril(x, diagonal), input)


def triu(input, diagonal=0):
    return composite("TriuBackward0", lambda x: fnp.triu(x, diagonal), input)


def _diagonal_view(x, offset, dim1, dim2):
    out = np.diagonal(x, offset, dim1, dim2)
    if x.flags.writeable:
        out.flags.writeable = True  # NumPy's diagonal is a read-only view; PyTorch's is writable
    return out


_diagonal = ViewFunction("DiagonalBackward0", lambda x, offset, dim1, dim2: fnp.diagonal(
    x, offset, dim1, dim2), _diagonal_view)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes as a last axis: a view, as in PyTorch."""
    dim1, dim2 = dim1 % builtins.max(input.ndim, 1), dim2 % builtins.max(input.ndim, 1)
    return _diagonal(input, offset=int(offset), dim1=dim1, dim2=dim2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input.shape[-1] + builtins.abs(offset)
    eye = np.eye(n, n, offset, dtype=input._data.dtype)
    rows = np.nonzero(eye)

    def fn(x):  # x's last axis spread along the offset diagonal of a new pair of axes
        lead = tuple(np.shape(x)[:-1])
        zeros = np.zeros(lead + (n, n), x.dtype)
        return index_add_p.bind(zeros, x, index=(Ellipsis,) + rows)
    out = composite("DiagEmbedBackward0", fn, input)
    if (dim1 % out.ndim, dim2 % out.ndim) != (out.ndim - 2, out.ndim - 1):
        out = movedim(out, (-2, -1), (dim1, dim2))
    return out


def diag(input, diagonal=0):
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    # a copy of the diagonal, not a view (PyTorch names its node DiagonalBackward0_copy)
    return composite("DiagonalBackward0_copy", lambda x: fnp.diagonal(x, diagonal), input)


def trace(input):
    return composite("TraceBackward0", lambda x: fnp.trace(x), input)


# -- selecting and scattering along a dimension -----------------------------------------------------

def index_select(input, dim, index, *, name="IndexSelectBackward0"):
    dim = dim % builtins.max(input.ndim, 1)
    positions = _values(index).reshape(-1)
    if positions.size and (positions.max() >= input.shape[dim] or positions.min() < -input.shape[dim]):
        raise IndexError("index out of range in self")
    return apply(getitem_p, (input,), {"index": (slice(None),) * dim + (positions,)}, name)


def take(input, index):
    positions = _values(index)
    return apply(getitem_p, (reshape(input, -1),), {"index": (positions,)}, "TakeBackward0")


def take_along_dim(input, indices, dim=None):
    from funcgrad.torch._indexing import gather
    if dim is None:
        return gather(reshape(input, -1), 0, reshape(as_tensor_arg(indices), -1))
    shape = np.broadcast_shapes(
        tuple(s if i != dim % input.ndim else 1 for i, s in enumerate(input.shape)),
        tuple(s if i != dim % input.ndim else 1 for i, s in enumerate(indices.shape)))
    idx = np.broadcast_to(_values(indices), shape[:dim % input.ndim] + (indices.shape[dim],)
                          + shape[dim % input.ndim + 1:])
    x = input
    x_shape = tuple(shape[:dim % input.ndim]) + (input.shape[dim],) + tuple(shape[dim % input.ndim + 1:])
    if tuple(x.shape) != x_shape:
        x = expand(x, x_shape)
    return gather(x, dim, Tensor._make(np.ascontiguousarray(idx)))


def _scatter_grids(dim, index):
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(np.broadcast_arrays(*grids))


def _scatter_source(src, index, dtype):
    if not isinstance(src, Tensor):
        return np.full(index.shape, src, dtype)
    if tuple(src.shape) != index.shape:  # the leading part of src that the index covers
        src = src[tuple(slice(0, n) for n in index.shape)]
    return to(src, dtype)


def _unchanged(values):
    return values


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    dim = dim % builtins.max(input.ndim, 1)
    positions = _values(index)
    grids = _scatter_grids(dim, positions)
    if reduce == "add":
        return scatter_add(input, dim, index, src)
    kept = np.ones(input.shape, input._data.dtype)
    kept[grids] = 0
    name = "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    source = _scatter_source(src, positions, input._data.dtype)
    zeros = np.zeros(input.shape, input._data.dtype)
    written = last_writes(input.shape, grids) or _unchanged
    placed = composite(name,
                       lambda x, s: x * kept + index_add_p.bind(zeros, written(s), index=grids),
                       input, source)
    return placed


def scatter_add(input, dim, index, src):
    dim = dim % builtins.max(input.ndim, 1)
    positions = _values(index)
    grids = _scatter_grids(dim, positions)
    source = _scatter_source(src, positions, input._data.dtype)
    return composite("ScatterAddBackward0",
                     lambda x, s: index_add_p.bind(x, s, index=grids), input, source)


def index_add(input, dim, index, source, *, alpha=1):
    dim = dim % builtins.max(input.ndim, 1)
    where = (slice(None),) * dim + (_values(index).reshape(-1),)
    return composite("IndexAddBackward0",
                     lambda x, s: index_add_p.bind(x, s * alpha if alpha != 1 else s, index=where),
                     input, to(as_tensor_arg(source), input.dtype))


def index_fill(input, dim, index, value):
    dim = dim % builtins.max(input.ndim, 1)
    mask = np.zeros(input.shape, bool)
    mask[(slice(None),) * dim + (_values(index).reshape(-1),)] = True
    value = value if isinstance(value, Tensor) else input._data.dtype.type(value)
    name = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    return composite(name, lambda x, v: ew.where(mask, v, x), input, value)


def index_copy(input, dim, index, source):
    dim = dim % builtins.max(input.ndim, 1)
    where = (slice(None),) * dim + (_values(index).reshape(-1),)
    kept = np.ones(input.shape, input._data.dtype)
    kept[where] = 0
    zeros = np.zeros(input.shape, input._data.dtype)
    written = last_writes(input.shape, where) or _unchanged
    return composite("IndexCopyBackward0",
                     lambda x, s: x * kept + index_add_p.bind(zeros, written(s), index=where), input,
                     to(as_tensor_arg(source), input.dtype))


def masked_scatter(input, mask, source):
    where = np.nonzero(np.broadcast_to(_values(mask), input.shape))
    count = where[0].size
    kept = np.ones(input.shape, input._data.dtype)
    kept[where] = 0
    zeros = np.zeros(input.shape, input._data.dtype)

    def fn(x, s):
        taken = getitem_p.bind(shp.reshape(s, (-1,)), index=(np.arange(count),))
        return x * kept + index_add_p.bind(zeros, taken, index=where)
    return composite("MaskedScatterBackward0", fn, input, source)


def block_diag(*tensors):
    tensors = [reshape(t, 1, -1) if t.ndim < 2 else t for t in tensors]
    rows = builtins.sum(t.shape[0] for t in tensors)
    cols = builtins.sum(t.shape[1] for t in tensors)
    dtype = np.result_type(*[t._data.dtype for t in tensors])
    places, r, c = [], 0, 0
    for t in tensors:
        places.append((slice(r, r + t.shape[0]), slice(c, c + t.shape[1])))
        r, c = r + t.shape[0], c + t.shape[1]
    zeros = np.zeros((rows, cols), dtype)

    def fn(*xs):
        out = zeros
        for x, place in zip(xs, places):
            out = index_add_p.bind(out, x, index=place)
        return out
    return composite("CatBackward0", fn, *tensors)


def cartesian_prod(*tensors):
    grids = meshgrid(*tensors, indexing="ij")
    from funcgrad.torch._ops import stack
    return stack([reshape(g, -1) for g in grids], 1) if len(tensors) > 1 else tensors[0]


def _unfold_fn(x, dim, size, step):
    starts = np.arange(0, shape_of(x)[dim] - size + 1, step)
    windows = starts[:, None] + np.arange(size)[None, :]
    picked = getitem_p.bind(x, index=(slice(None),) * dim + (windows,))
    return fnp.moveaxis(picked, dim + 1, -1)


def _unfold_view(x, dim, size, step):
    if x.ndim == 0:
        return x.reshape(1)
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim,
                                                       writeable=x.flags.writeable)
    return windows[(slice(None),) * dim + (slice(None, None, step),)]


_unfold = ViewFunction("UnfoldBackward0", _unfold_fn, _unfold_view)


def unfold(input, dimension, size, step):
    """The windows of `size` elements every `step` along `dimension`, as a new last axis:
    a view of the input, as in PyTorch (the windows share its memory)."""
    dim = dimension % builtins.max(input.ndim, 1)
    length = input.shape[dim] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size "
                           f"is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return reshape(input, 1)
    return _unfold(input, dim=dim, size=int(size), step=int(step))


def _as_strided_positions(shape, size, stride, offset):
    positions = np.full(tuple(size), offset, np.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        positions = positions + (np.arange(n) * s).reshape((-1,) + (1,) * (len(size) - axis - 1))
    return positions


def _as_strided_fn(x, size, stride, offset):
    flat = shp.reshape(x, (-1,))
    return getitem_p.bind(flat, index=(_as_strided_positions(shape_of(x), size, stride, offset),))


def _as_strided_view(x, size, stride, offset):
    if not x.flags.c_contiguous:  # the positions count the tensor's elements in row-major order
        return np.asarray(_as_strided_fn(x, size, stride, offset))
    flat = x.reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(flat, tuple(size), tuple(s * x.itemsize for s in stride),
                                           writeable=x.flags.writeable)


_as_strided = ViewFunction("AsStridedBackward0", _as_strided_fn, _as_strided_view)


def as_strided(input, size, stride, storage_offset=None):
    """A view of `size` whose element i is the input's element offset + sum(i_k * stride_k)
    (counting the input's elements in row-major order, PyTorch's storage for a contiguous
    tensor)."""
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    offset = int(storage_offset or 0)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: size {list(size)} and "
                           f"stride {list(stride)}")
    last = offset + builtins.sum((n - 1) * s for n, s in zip(size, stride) if n > 0)
    if builtins.min(size, default=1) > 0 and last >= input.numel():
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {input.element_size()} requiring a storage size of "
            f"{(last + 1) * input.element_size()} are out of bounds for storage of size "
            f"{input.numel() * input.element_size()}")
    return _as_strided(input, size=size, stride=stride, offset=offset)


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-d tensor's entries, one per row (as itertools)."""
    import itertools
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.asarray(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return apply(getitem_p, (input,), {"index": (rows,)}, "IndexBackward0")
