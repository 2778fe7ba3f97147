"""Indexing tensors: x[index], x[index] = value, gather, masked_fill (PyTorch's node names)."""
from __future__ import annotations

import builtins

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p
from funcgrad.torch._ops import _plain, as_tensor_arg, expand, to
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


def getitem(input, index):
    index = canonical_index(_plain_index(index))
    name = _basic_name(index)
    if name is None:
        return apply(getitem_p, (input,), {"index": index}, "IndexBackward0")
    return apply(getitem_p, (input,), {"index": index}, name, view_of=input)


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
    scattered = apply(index_add_p, (zeros, value), {"index": index}, "IndexPutBackward0")
    return apply(ew.add, (input * kept, scattered), {}, "CopySlices")


def gather(input, dim, index):
    idx = np.asarray(index._data)
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim % input.ndim] = idx
    return apply(getitem_p, (input,), {"index": tuple(grids)}, "GatherBackward0")


def masked_fill(input, mask, value):
    value = as_tensor_arg(value).to(input.dtype)
    return apply(ew.where, (_plain(mask), value, input), {}, "MaskedFillBackward0")
