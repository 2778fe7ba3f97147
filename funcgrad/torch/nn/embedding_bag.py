"""EmbeddingBag: the sum, mean or max of the embeddings of each bag of indices (rows of a 2-d
input, or segments of a 1-d input starting at `offsets`), without the per-index tensor."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch import _ops
from funcgrad.torch._dtype import default_float
from funcgrad.torch._math import _renamed, _values
from funcgrad.torch.nn import init
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import Parameter
from funcgrad.torch.tensor import Tensor, apply


def _bags(input, offsets):
    """(flat indices, bag number of each index, number of bags)."""
    labels = _values(input)
    if labels.ndim == 2:
        rows, length = labels.shape
        return labels.reshape(-1), np.repeat(np.arange(rows), length), rows
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    starts = _values(offsets).astype(np.int64)
    bag_of = np.searchsorted(starts, np.arange(labels.size), side="right") - 1
    return labels, bag_of, starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if include_last_offset and offsets is not None:
        offsets = offsets[:-1]
    labels, bag_of, count = _bags(input, offsets)
    kept = np.ones(labels.size, bool) if padding_idx is None else labels != padding_idx
    rows = apply(getitem_p, (weight,), {"index": (labels,)}, "EmbeddingBagBackward0")
    if per_sample_weights is not None:
        rows = rows * _ops.reshape(per_sample_weights, -1, 1)
    if mode == "max":
        picked = [rows[np.flatnonzero((bag_of == b) & kept)] for b in range(count)]
        return _renamed(_ops.stack([p.amax(0) if p.shape[0] else p.new_zeros(weight.shape[1])
                                    for p in picked]), "EmbeddingBagBackward0")
    membership = np.zeros((count, labels.size), weight._data.dtype)
    membership[bag_of[kept], np.flatnonzero(kept)] = 1
    if mode == "mean":
        sizes = membership.sum(1, keepdims=True)
        membership = membership / np.maximum(sizes, 1)
    return _renamed(_ops.matmul(Tensor._make(membership), rows), "EmbeddingBagBackward0")


class EmbeddingBag(Module):
    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.mode = num_embeddings, embedding_dim, mode
        self.max_norm, self.norm_type, self.padding_idx = max_norm, norm_type, padding_idx
        self.include_last_offset = include_last_offset
        self.weight = Parameter(_weight if _weight is not None else Tensor._make(
            np.zeros((num_embeddings, embedding_dim), default_float())))
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             mode=self.mode, per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}, mode='{self.mode}'"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
