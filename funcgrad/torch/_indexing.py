"""Indexing tensors: x[index], x[index] = value, gather, masked_fill (PyTorch's node names)."""
from __future__ import annotations

import builtins
import weakref

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p, occurrences
from funcgrad.torch._composite import composite
from funcgrad.torch._ops import _plain, as_tensor_arg, expand, to
from funcgrad.torch.errors import SCALAR_TYPE_NAMES
from funcgrad.torch.tensor import Tensor, apply


def _plain_index(index):
    if isinstance(index, tuple):
        return tuple(_plain(i) for i in index)
    return _plain(index)


_FULL = slice(None)
_BASIC_NAMES = {int: "SelectBackward0", slice: "SliceBackward0", type(None): "UnsqueezeBackward0"}


def _basic_name(index):
    """PyTorch applies a basic index one axis at a time (skipping trailing full slices): the
    node is named after the last step, or None when the index is not basic."""
    name = "SliceBackward0"
    for i in index:
        kind = int if isinstance(i, (int, np.integer)) else type(i)
        if kind not in _BASIC_NAMES:
            if i is not Ellipsis:
                return None
        elif i != _FULL:
            name = _BASIC_NAMES[kind]
    return name


def _check_masks(input, index):
    """PyTorch's IndexError for a boolean mask whose shape differs from the part it indexes."""
    items = index if isinstance(index, tuple) else (index,)
    position = 0
    for item in items:
        if item is None:
            continue
        if item is Ellipsis:
            return
        if isinstance(item, Tensor) and item._data.dtype == np.bool_ and item.ndim:
            want = tuple(input.shape[position:position + item.ndim])
            for k, (m, n) in enumerate(zip(item.shape, want)):
                if m != n:
                    raise IndexError(
                        f"The shape of the mask {list(item.shape)} at index {k} does not match "
                        f"the shape of the indexed tensor {list(input.shape)} at index "
                        f"{position + k}")
            position += item.ndim
        else:
            position += 1


def _as_view_index(index):
    """A basic index that NumPy answers with a view: one integer per axis would give a NumPy
    scalar (a copy), so a trailing Ellipsis keeps it a 0-d view of the element."""
    for i in index:
        if not isinstance(i, (int, np.integer)):
            return index
    return index + (Ellipsis,)


def getitem(input, index):
    if type(index) is int:  # x[i], as a DataLoader's fetch does per sample: a view of row i
        return apply(getitem_p, (input,), {"index": (index, Ellipsis)}, "SelectBackward0",
                     view_of=input)
    _check_masks(input, index)
    index = canonical_index(_plain_index(index))
    name = _basic_name(index)
    if name is None:
        return apply(getitem_p, (input,), {"index": index}, "IndexBackward0")
    return apply(getitem_p, (input,), {"index": _as_view_index(index)}, name, view_of=input)


def last_writes(shape, index):
    """None when `index` names each entry of an array of `shape` once, else a function of the
    written values giving each entry's last value (what PyTorch's CPU kernels leave) and zero for
    the earlier writes to it, while every write keeps the gradient PyTorch gives it (the output's
    gradient at its entry): to be added into zeros by index_add."""
    repeats = occurrences(shape, index)
    if repeats is None:
        return None
    positions, rank = repeats
    counts = np.bincount(positions.ravel(), minlength=int(np.prod(shape, dtype=np.int64)))
    last = rank == counts[positions] - 1

    def values(v):
        fixed = ew.stop_gradient(v)
        # v - v is 0 with derivative 1; an infinite overwritten value gives 0 (no derivative)
        return ew.where(last, v, ew.where(ew.isfinite(fixed), v - fixed, 0.0))
    return values


def index_put(input, index, value):
    """input with input[index] replaced by value (out of place; used by x[index] = value)."""
    index = canonical_index(_plain_index(index))
    kept = np.ones(input.shape, dtype=input._data.dtype)
    kept[index] = 0
    target = kept[index].shape
    value = to(as_tensor_arg(value), input.dtype)
    if tuple(value.shape) != target:
        value = expand(value, target)
    zeros = np.zeros(input.shape, dtype=input._data.dtype)
    # x * (1 outside the index, 0 inside) + the values scattered into zeros
    overwrite = last_writes(input.shape, index)
    if overwrite is None:
        scattered = apply(index_add_p, (zeros, value), {"index": index}, "IndexPutBackward0")
    else:
        scattered = composite("IndexPutBackward0",
                              lambda v: index_add_p.bind(zeros, overwrite(v), index=index), value)
    # a basic index writes through a view (CopySlices); an advanced one is index_put_
    name = "CopySlices" if _basic_name(index) is not None else "IndexPutBackward0"
    return apply(ew.add, (input * kept, scattered), {}, name)


def gather(input, dim, index):
    idx = np.asarray(index._data)
    size = input.shape[dim]
    if idx.size and (idx.max() >= size or idx.min() < -size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim % input.ndim} with "
                           f"size {size}")
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim % input.ndim] = idx
    return apply(getitem_p, (input,), {"index": tuple(grids)}, "GatherBackward0")


def masked_fill(input, mask, value):
    if isinstance(mask, Tensor) and mask._data.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{SCALAR_TYPE_NAMES[mask._data.dtype.name]}")
    value = as_tensor_arg(value).to(input.dtype)
    return apply(ew.where, (_plain(mask), value, input), {}, "MaskedFillBackward0")


# -- pieces along one axis (views of the input, as in PyTorch) -----------------------------------

# outputs of ops that return several views: PyTorch refuses to change them in place while
# recording (id(tensor) -> (a weak reference to it, op name, output number))
_several_view_outputs: dict = {}


def _several_views(pieces, op):
    for number, piece in enumerate(pieces):
        key = id(piece)
        gone = lambda _, key=key: _several_view_outputs.pop(key, None)  # noqa: E731
        _several_view_outputs[key] = (weakref.ref(piece, gone), op, number)
    return pieces


def several_view_output(tensor):
    """(op name, output number) when `tensor` is one of the views an op returned together."""
    entry = _several_view_outputs.get(id(tensor))
    return entry[1:] if entry is not None and entry[0]() is tensor else None


def _pieces(input, dim, bounds, name):
    dim = dim % input.ndim
    return tuple(apply(getitem_p, (input,), {"index": canonical_index(
        (slice(None),) * dim + (slice(start, stop),))}, name, view_of=input)
        for start, stop in bounds)


def narrow(input, dim, start, length):
    start = start % input.shape[dim]
    return _pieces(input, dim, [(start, start + length)], "SliceBackward0")[0]


def split(tensor, split_size_or_sections, dim=0):
    from funcgrad.torch.errors import check_dim
    dim = check_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        bounds = [(s, builtins.min(s + step, size)) for s in range(0, size, step)]
        return _several_views(_pieces(tensor, dim, bounds, "SplitBackward0"), "Split")
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {dim}), but got "
                           f"split_sizes={sizes}")
    ends = np.cumsum(sizes).tolist()
    bounds = list(zip([0] + ends[:-1], ends))
    return _several_views(_pieces(tensor, dim, bounds, "SplitWithSizesBackward0"),
                          "SplitWithSizes")


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    return split(input, -(-input.shape[dim] // chunks), dim)


def unbind(input, dim=0):
    dim = dim % input.ndim
    return _several_views(tuple(
        apply(getitem_p, (input,), {"index": _as_view_index((slice(None),) * dim + (i,))},
              "UnbindBackward0", view_of=input) for i in range(input.shape[dim])), "Unbind")
