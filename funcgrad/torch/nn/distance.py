"""Distances between rows: cosine similarity and the pairwise p-norm distance."""
from __future__ import annotations

from funcgrad.torch import _ops
from funcgrad.torch.nn.module import Module


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    # x1.x2 / (max(|x1|, eps) max(|x2|, eps)), PyTorch's clamping of each norm
    n1 = _ops.clamp(_ops.norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = _ops.clamp(_ops.norm(x2, 2, dim, keepdim=True), min=eps)
    return _ops.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    dim = -1 if max(x1.ndim, x2.ndim) > 0 else 0
    return _ops.norm(x1 - x2 + eps, p, dim, keepdim)


class CosineSimilarity(Module):
    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
