"""Indexing tensors: x[index], x[index] = value, gather, masked_fill (PyTorch's node names)."""
from __future__ import annotations

import builtins

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p
from funcgrad.torch._ops import _plain, as_tensor_arg, expand, to, where
from funcgrad.torch.tensor import Tensor, apply


def _plain_index(index):
    if isinstance(index, tuple):
        return tuple(_plain(i) for i in index)
    return _plain(index)


def getitem(input, index):
    index = canonical_index(_plain_index(index))
    if builtins.all(isinstance(i, (int, np.integer)) for i in index) and len(index) == 1:
        name = "SelectBackward0"
    elif builtins.all(isinstance(i, (slice, type(None), type(Ellipsis))) for i in index):
        name = "SliceBackward0"
    else:
        name = "IndexBackward0"
    basic = name != "IndexBackward0"
    return apply(getitem_p, (input,), {"index": index}, name, view_of=input if basic else None)


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
    return getitem(input, tuple(grids))


def masked_fill(input, mask, value):
    return where(mask, as_tensor_arg(value).to(input.dtype), input)
