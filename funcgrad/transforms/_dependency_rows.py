"""Which inputs each element of a value depends on: a boolean sparse matrix in CSR form.

`DependencyRows` has one row per element of the value (flattened in C order) and one column per
input element of the function being analysed. Every rule of the sparsity interpreter
(sparsity.py) is built from three moves, each vectorised over index arrays:
- `gather`: output element k has the dependencies of source row src[k] (reshapes, slices...);
- `combine`: output element t has the union of the source rows paired with it (reductions,
  broadcasting elementwise ops with several inputs, scatters);
- `union`: the union, row by row, of several patterns of the same length.
Rows are kept sorted and free of duplicates, so memory is O(number of dependencies).
"""
from __future__ import annotations

import numpy as np

_INDEX = np.int64


class DependencyRows:
    """A boolean CSR matrix: row r's columns are indices[indptr[r]:indptr[r + 1]], sorted."""

    __slots__ = ("indptr", "indices")

    def __init__(self, indptr, indices):
        self.indptr = indptr
        self.indices = indices

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def row_lengths(self):
        return np.diff(self.indptr)

    def row_of_each_entry(self):
        """The row index of every stored entry (COO rows)."""
        return np.repeat(np.arange(self.n_rows, dtype=_INDEX), self.row_lengths())

    def __repr__(self):
        return f"<DependencyRows: {self.n_rows} rows, {self.nnz} dependencies>"


def identity(n: int, offset: int) -> DependencyRows:
    """Input element k depends on column offset + k only."""
    return DependencyRows(np.arange(n + 1, dtype=_INDEX), np.arange(offset, offset + n, dtype=_INDEX))


def empty(n: int) -> DependencyRows:
    return DependencyRows(np.zeros(n + 1, _INDEX), np.zeros(0, _INDEX))


def _take_rows(rows: DependencyRows, src):
    """(row-in-src of each entry, the entries' columns) of the rows src[0], src[1], ... in order."""
    starts = rows.indptr[src]
    counts = rows.indptr[src + 1] - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(src), dtype=_INDEX), counts)
    if total == 0:
        return owner, np.zeros(0, _INDEX), counts
    # the position of each gathered entry in rows.indices: its row's start plus its rank in it
    first = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=_INDEX) - np.repeat(first - starts, counts)
    return owner, rows.indices[positions], counts


def gather(rows: DependencyRows, src) -> DependencyRows:
    """Output element k depends on what row src[k] depends on (src: flat integer array)."""
    src = np.asarray(src, _INDEX).reshape(-1)
    _, cols, counts = _take_rows(rows, src)
    indptr = np.zeros(len(src) + 1, _INDEX)
    np.cumsum(counts, out=indptr[1:])
    return DependencyRows(indptr, cols)


def from_pairs(row_ids, cols, n_rows: int) -> DependencyRows:
    """The pattern with entries (row_ids[e], cols[e]), duplicates merged."""
    if len(cols) == 0:
        return empty(n_rows)
    width = int(cols.max()) + 1
    keys = np.sort(row_ids * width + cols)
    if len(keys) > 1:  # drop repeats (a plain sort is faster here than numpy.unique's hashing)
        first = np.empty(len(keys), bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        keys = keys[first]
    row_ids, cols = np.divmod(keys, width)
    indptr = np.zeros(n_rows + 1, _INDEX)
    np.cumsum(np.bincount(row_ids, minlength=n_rows), out=indptr[1:])
    return DependencyRows(indptr, cols.astype(_INDEX, copy=False))


def combine(rows: DependencyRows, target, src, n_out: int) -> DependencyRows:
    """Output element target[e] depends on everything row src[e] depends on, for every pair e."""
    target = np.asarray(target, _INDEX).reshape(-1)
    src = np.asarray(src, _INDEX).reshape(-1)
    owner, cols, _ = _take_rows(rows, src)
    return from_pairs(target[owner], cols, n_out)


def union(patterns) -> DependencyRows | None:
    """Row-by-row union of patterns with the same number of rows (None entries are skipped)."""
    patterns = [p for p in patterns if p is not None]
    if not patterns:
        return None
    distinct = []
    for p in patterns:
        if not any(p is q for q in distinct):
            distinct.append(p)
    if len(distinct) == 1:
        return distinct[0]
    distinct = [p for p in distinct if p.nnz] or distinct[:1]
    if len(distinct) == 1:
        return distinct[0]
    row_ids = np.concatenate([p.row_of_each_entry() for p in distinct])
    cols = np.concatenate([p.indices for p in distinct])
    return from_pairs(row_ids, cols, distinct[0].n_rows)


def all_columns(patterns) -> np.ndarray:
    """Every column any of the patterns depends on, sorted."""
    cols = [p.indices for p in patterns if p is not None]
    return np.unique(np.concatenate(cols)) if cols else np.zeros(0, _INDEX)


def dense(patterns, n_out: int) -> DependencyRows:
    """Every one of n_out elements depends on everything the patterns depend on."""
    cols = all_columns(patterns)
    indptr = np.arange(n_out + 1, dtype=_INDEX) * len(cols)
    return DependencyRows(indptr, np.tile(cols, n_out))


def keep_rows(rows: DependencyRows, mask) -> DependencyRows:
    """The pattern with the rows where mask is False emptied (an exact zero derivative)."""
    mask = np.asarray(mask, bool).reshape(-1)
    if mask.all():
        return rows
    src = np.arange(rows.n_rows, dtype=_INDEX)
    kept = gather(rows, src[mask])
    counts = np.zeros(rows.n_rows, _INDEX)
    counts[mask] = kept.row_lengths()
    indptr = np.zeros(rows.n_rows + 1, _INDEX)
    np.cumsum(counts, out=indptr[1:])
    return DependencyRows(indptr, kept.indices)


def stack_rows(patterns) -> DependencyRows:
    """The patterns one after another (rows of several values, in order)."""
    indptrs, offset = [np.zeros(1, _INDEX)], 0
    for p in patterns:
        indptrs.append(p.indptr[1:] + offset)
        offset += p.nnz
    return DependencyRows(np.concatenate(indptrs), np.concatenate([p.indices for p in patterns]
                                                                  or [np.zeros(0, _INDEX)]))
