"""Sparse Jacobians and Hessians: sparsity detected from the expression list, graph colouring,
compressed replays and decompression (see docs/sparse.md).

    pattern = fg.jacobian_sparsity(f)(x)
    colors = fg.sparse.coloring(pattern)          # compute once
    J = fg.sparse_jacobian(f, sparsity=colors)(x)  # a few JVPs, then CSR
"""
from funcgrad.sparse.coloring import Coloring, coloring, is_star_coloring  # noqa: F401
from funcgrad.sparse.jacobian import (SparsityPatternError, hessian_sparsity,  # noqa: F401
                                      jacobian_sparsity, sparse_hessian, sparse_jacobian)
from funcgrad.sparse.pattern import COOMatrix  # noqa: F401
from funcgrad.transforms.sparsity import SparsityWarning  # noqa: F401

__all__ = ["Coloring", "coloring", "is_star_coloring", "SparsityPatternError", "hessian_sparsity",
           "jacobian_sparsity", "sparse_hessian", "sparse_jacobian", "COOMatrix",
           "SparsityWarning"]
