"""Functional index updates, JAX's `x.at[idx].set(v)`: a new array, differentiable in x and v.

    y = x.at[1:3].set(0.0)        # NumPy's x[1:3] = 0.0, without touching x
    y = x.at[idx].add(v)          # repeated indices accumulate, as numpy.add.at
    fnp.at(x)[idx].multiply(2.0)  # the same for a plain NumPy array

Every update is written with `getitem`, `index_add` and `where`, so every transform sees primitives
and the derivatives follow. `set`, `multiply`, `min` and `max` with repeated indices combine the
repeated values by summation (JAX leaves their order unspecified); `add` sums, as NumPy's add.at.
"""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p


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

    def set(self, values):
        return ew.where(self._mask(), self._scatter(values), self.array)

    def add(self, values):
        return index_add_p.bind(self.array, values, index=self.index)

    def subtract(self, values):
        return self.add(-values)

    def multiply(self, values):
        return ew.where(self._mask(), self.array * self._scatter(values), self.array)

    def divide(self, values):
        return self.multiply(1.0 / values)

    def min(self, values):
        return self.set(ew.minimum(self.get(), values))

    def max(self, values):
        return self.set(ew.maximum(self.get(), values))

    def power(self, values):
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
