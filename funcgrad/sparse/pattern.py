"""Sparse results: SciPy's sparse arrays when SciPy is installed, a small COO matrix otherwise.

`COOMatrix(data, rows, cols, shape)` is what funcgrad returns without SciPy, and inside `jit` and
`vmap` (where `data` is traced or carries a batch axis: a batch of matrices with one pattern). It is
a pytree whose only leaf is `data`; the structure (rows, cols, shape) is static. When a transform
rebuilds one from a single concrete array (the result of a jitted sparse Jacobian) and SciPy is
installed, it becomes a `scipy.sparse.csr_array`, the type funcgrad returns outside jit.
"""
from __future__ import annotations

import numpy as np

from funcgrad.tree_util import register_pytree_node


def _scipy_sparse():
    try:
        import scipy.sparse
    except ImportError:
        return None
    return scipy.sparse


class COOMatrix:
    """A sparse matrix by its non-zeros: `data[..., k]` sits at (`rows[k]`, `cols[k]`).

    Entries come in CSR order (by row, then column) and never repeat. `data` may carry leading
    batch axes (a vmap of sparse Jacobians): then `toarray()` has them too.

    Attributes: data, rows, cols, shape, nnz; `toarray()` (dense), `tocsr()` (SciPy, needs
    `pip install funcgrad[scipy]`), `indptr` (the CSR row pointers).
    """

    __slots__ = ("data", "rows", "cols", "shape", "indptr")

    def __init__(self, data, rows, cols, shape, indptr=None):
        self.data = data
        self.rows = np.asarray(rows, np.int64)
        self.cols = np.asarray(cols, np.int64)
        self.shape = tuple(int(n) for n in shape)
        if indptr is None:
            indptr = np.zeros(self.shape[0] + 1, np.int64)
            np.cumsum(np.bincount(self.rows, minlength=self.shape[0]), out=indptr[1:])
        self.indptr = indptr

    @property
    def nnz(self) -> int:
        return len(self.cols)

    @property
    def dtype(self):
        return np.asarray(self.data).dtype

    def toarray(self):
        data = np.asarray(self.data)
        out = np.zeros(data.shape[:-1] + self.shape, data.dtype)
        out[..., self.rows, self.cols] = data
        return out

    def tocsr(self):
        sparse = _scipy_sparse()
        if sparse is None:
            raise ImportError("COOMatrix.tocsr needs SciPy: pip install funcgrad[scipy]")
        data = np.asarray(self.data)
        if data.ndim != 1:
            raise ValueError(f"tocsr: this is a batch of {data.shape[:-1]} matrices; convert "
                             "them one at a time (COOMatrix(data[i], rows, cols, shape)).")
        return sparse.csr_array((data, self.cols, self.indptr), shape=self.shape)

    def __repr__(self):
        batch = np.shape(self.data)[:-1]
        lead = f"batch {batch} of " if batch else ""
        return f"<COOMatrix: {lead}{self.shape[0]}x{self.shape[1]}, {self.nnz} non-zeros>"


def _unflatten(aux, children):
    # what jit hands back to the caller is concrete again: SciPy's type, as outside jit
    rows, cols, shape, indptr = aux
    data = children[0]
    if isinstance(data, np.ndarray) and data.ndim == 1 and _scipy_sparse() is not None:
        return sparse_result(data, indptr, cols, shape)
    return COOMatrix(data, rows, cols, shape, indptr)


register_pytree_node(COOMatrix, lambda m: ((m.data,), (m.rows, m.cols, m.shape, m.indptr)),
                     _unflatten)


def sparse_result(data, indptr, indices, shape):
    """scipy.sparse.csr_array when SciPy is installed and `data` is one plain array; a COOMatrix
    otherwise (no SciPy, a traced value inside jit or vmap, or a batch)."""
    sparse = _scipy_sparse()
    if sparse is not None and isinstance(data, np.ndarray) and data.ndim == 1:
        return sparse.csr_array((data, indices, indptr), shape=shape)
    rows = np.repeat(np.arange(shape[0], dtype=np.int64), np.diff(indptr))
    return COOMatrix(data, rows, indices, shape, indptr)


class CSRPattern:
    """A pattern already in canonical CSR form (sorted, no repeats), as detection makes it."""

    __slots__ = ("indptr", "indices", "shape")

    def __init__(self, indptr, indices, shape):
        self.indptr, self.indices, self.shape = indptr, indices, tuple(shape)


def as_csr(pattern):
    """(indptr, indices, shape) of a sparsity pattern given as a SciPy sparse matrix or array, a
    COOMatrix, a Coloring, or a dense array (non-zeros are the pattern); sorted, no repeats.
    An explicitly stored zero of a sparse matrix counts as part of the pattern."""
    from funcgrad.sparse.coloring import Coloring

    if isinstance(pattern, (Coloring, CSRPattern)):
        return pattern.indptr, pattern.indices, pattern.shape
    if isinstance(pattern, COOMatrix):
        return _canonical(pattern.rows, pattern.cols, pattern.shape)
    sparse = _scipy_sparse()
    if sparse is not None and sparse.issparse(pattern):
        coo = pattern.tocoo()
        return _canonical(np.asarray(coo.row, np.int64), np.asarray(coo.col, np.int64),
                          coo.shape)
    dense = np.asarray(pattern)
    if dense.ndim != 2:
        raise ValueError(f"a sparsity pattern must be a matrix (2-d), got an array of shape "
                         f"{dense.shape}; pass the pattern of the flattened output and input.")
    rows, cols = np.nonzero(dense)
    return _canonical(rows.astype(np.int64), cols.astype(np.int64), dense.shape)


def _canonical(rows, cols, shape):
    from funcgrad.transforms._dependency_rows import empty, from_pairs

    pattern = from_pairs(rows, cols, shape[0]) if len(cols) else empty(shape[0])
    return pattern.indptr, pattern.indices, tuple(int(n) for n in shape)


def pattern_result(indptr, indices, shape):
    """A boolean pattern: scipy.sparse.csr_array of True when SciPy is there, else a COOMatrix."""
    return sparse_result(np.ones(len(indices), bool), indptr, indices, shape)
