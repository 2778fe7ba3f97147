"""Functional index updates, JAX's `x.at[idx].set(v)`: a new array, differentiable in x and v.

    y = x.at[1:3].set(0.0)        # NumPy's x[1:3] = 0.0, without touching x
    y = x.at[idx].add(v)          # repeated indices accumulate, as numpy.add.at
    fnp.at(x)[idx].multiply(2.0)  # the same for a plain NumPy array

Every update is written with `getitem`, `index_add` and `where`, so every transform sees primitives
and the derivatives follow. Repeated indices act as repeated in-place updates in index order:
`set` keeps the last value written (NumPy's `x[idx] = v`; only it receives a derivative), `add`
sums and `multiply` multiplies them all (NumPy's add.at and multiply.at), `min` and `max` take
the least and greatest of them and the array's entry.
"""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p, occurrences
from funcgrad.primitives.shape import broadcast_to



class IndexUpdateRef:
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = canonical_index(index)

    def _mask(self):
        mask = np.zeros(shape_of(self.array), dtype=bool)
        mask[self.index] = True
        return mask

    def _scatter(self, values):
        """values placed at the index in an array of zeros (like the array)."""
        zeros = np.zeros(shape_of(self.array), dtype=np.result_type(dtype_of(self.array),
                                                                    dtype_of(values)))
        return index_add_p.bind(zeros, values, index=self.index)

    def get(self):
        return getitem_p.bind(self.array, index=self.index)

    def _in_rounds(self, values, update):
        """update(ref, values) applied once per round of distinct entries when the index repeats
        an entry (round k holds each entry's k-th occurrence, in index order), else None."""
        shape = shape_of(self.array)
        repeats = occurrences(shape, self.index)
        if repeats is None:
            return None
        positions, rank = repeats
        values = broadcast_to(values, positions.shape)
        out = self.array
        for k in range(int(rank.max()) + 1):
            chosen = rank == k
            where = np.unravel_index(positions[chosen], shape)
            out = update(IndexUpdateRef(out, where), getitem_p.bind(values, index=np.nonzero(chosen)))
        return out

    def set(self, values):
        out = self._in_rounds(values, IndexUpdateRef.set)
        if out is not None:
            return out
        return ew.where(self._mask(), self._scatter(values), self.array)

    def add(self, values):
        return index_add_p.bind(self.array, values, index=self.index)

    def subtract(self, values):
        return self.add(-values)

    def multiply(self, values):
        out = self._in_rounds(values, IndexUpdateRef.multiply)
        if out is not None:
            return out
        return ew.where(self._mask(), self.array * self._scatter(values), self.array)

    def divide(self, values):
        return self.multiply(1.0 / values)

    def min(self, values):
        out = self._in_rounds(values, IndexUpdateRef.min)
        if out is not None:
            return out
        return self.set(ew.minimum(self.get(), values))

    def max(self, values):
        out = self._in_rounds(values, IndexUpdateRef.max)
        if out is not None:
            return out
        return self.set(ew.maximum(self.get(), values))

    def power(self, values):
        out = self._in_rounds(values, IndexUpdateRef.power)
        if out is not None:
            return out
        return self.set(ew.power(self.get(), values))


class IndexUpdateHelper:
    """`x.at`: index it to say where, then call set/add/multiply/min/max/get."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return IndexUpdateRef(self.array, index)


def at(array):
    """`fnp.at(x)[idx].set(v)`: the functional update for any array, traced or not."""
    return IndexUpdateHelper(array)
