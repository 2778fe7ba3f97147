"""torch.functional: the functions PyTorch defines in Python there (einsum, split, norm,
meshgrid...), the same objects as at top level."""
from __future__ import annotations

from funcgrad.torch import (atleast_1d, atleast_2d, atleast_3d, block_diag,  # noqa: F401
                            broadcast_shapes, broadcast_tensors, cartesian_prod, cdist,
                            chain_matmul, einsum, meshgrid, norm, split, tensordot, unique,
                            unique_consecutive)

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes",
           "broadcast_tensors", "cartesian_prod", "cdist", "chain_matmul", "einsum", "meshgrid",
           "norm", "split", "tensordot", "unique", "unique_consecutive"]
