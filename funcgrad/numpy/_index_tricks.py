"""NumPy's index tricks on traced values: r_ and c_ (concatenation by indexing), ix_ (open
meshes of indices) and the *_indices_from helpers, which read only shapes.

`r_[x, 0.0, y]` and `c_[a, b]` with tracers inside concatenate them (differentiable); without
tracers they are NumPy's own. s_, index_exp, mgrid and ogrid build slices and constant grids and
are NumPy's own objects (re-exported in funcgrad.numpy).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.shape import concatenate, reshape, swapaxes, transpose
from funcgrad.numpy._arraylike import holds_tracer
from funcgrad.numpy._creation import arange, asarray, linspace


def _traced_slice(item) -> bool:
    return isinstance(item, slice) and any(isinstance(b, Tracer) for b in (item.start, item.stop, item.step))


class _AxisConcatenator:
    """`name[...]`: the items (arrays, scalars, slices as ranges) joined along `axis`, each with at
    least `ndmin` dimensions; a 1-d item's axis is placed at `trans1d` (-1: last)."""

    def __init__(self, name, axis, ndmin, trans1d):
        self.name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if not any(holds_tracer(item) or _traced_slice(item) for item in key):
            return getattr(np, self.name)[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        items = list(key)
        if isinstance(items[0], str):
            directive = items.pop(0)
            if directive in ("r", "c"):
                raise NotImplementedError(f"{self.name}['{directive}', ...] (a numpy.matrix) is not "
                                          "supported on traced values")
            try:
                numbers = [int(part) for part in directive.split(",")]
            except ValueError:
                raise ValueError(f"{self.name}: unknown special directive {directive!r}") from None
            axis, ndmin, trans1d = (numbers + [ndmin, trans1d][len(numbers) - 1:])[:3]
        pieces, weak = [], []
        for item in items:
            if isinstance(item, str):
                raise ValueError(f"{self.name}: special directives must be the first entry")
            if isinstance(item, slice):
                piece = self._range(item)
                if ndmin > 1:
                    piece = _at_least(piece, ndmin)
                    piece = swapaxes(piece, -1, trans1d) if trans1d != -1 else piece
            else:
                piece = asarray(item)
                if isinstance(item, (int, float, complex)):
                    weak.append(item)
                piece = self._shaped(piece, ndmin, trans1d)
            pieces.append(piece)
        dtype = np.result_type(*[dtype_of(p) for p, i in zip(pieces, items)
                                 if not isinstance(i, (int, float, complex))], *weak)
        pieces = [p if dtype_of(p) == dtype else ew.astype(p, dtype) for p in pieces]
        return concatenate(pieces, axis=axis)

    @staticmethod
    def _range(item):
        start = 0 if item.start is None else item.start
        step = 1 if item.step is None else item.step
        if isinstance(step, (complex, np.complexfloating)):  # 5j: five samples, both ends included
            return linspace(start, item.stop, int(abs(step)))
        return arange(start, item.stop, step)

    @staticmethod
    def _shaped(piece, ndmin, trans1d):
        ndim = len(shape_of(piece))
        if ndim >= ndmin:
            return piece
        piece = reshape(piece, (1,) * (ndmin - ndim) + tuple(shape_of(piece)))
        if trans1d == -1:
            return piece
        # the item's own axes go to position trans1d (NumPy's rule for r_/c_ directives)
        added = ndmin - ndim
        where_ = trans1d + added + 1 if trans1d < 0 else trans1d
        order = list(range(ndmin))
        return transpose(piece, order[:where_] + order[added:] + order[where_:added])

    def __len__(self):
        return 0


def _at_least(piece, ndmin):
    ndim = len(shape_of(piece))
    return reshape(piece, (1,) * (ndmin - ndim) + tuple(shape_of(piece))) if ndim < ndmin else piece


r_ = _AxisConcatenator("r_", axis=0, ndmin=1, trans1d=-1)
r_.__doc__ = """Concatenation along the first axis by indexing, as `numpy.r_`; traced items stay traced.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> fg.grad(lambda x: fnp.sum(fnp.r_[x, 2.0 * x, 0.0:2.0]))(1.0)
np.float64(3.0)
"""
c_ = _AxisConcatenator("c_", axis=-1, ndmin=2, trans1d=0)
c_.__doc__ = "Items as columns, joined along the last axis, as `numpy.c_`; traced items stay traced."


def ix_(*args):
    """Open mesh of index arrays, as `numpy.ix_` (traced integer indices stay traced; boolean
    masks become the indices of their true entries)."""
    if not any(isinstance(a, Tracer) for a in args):
        return np.ix_(*args)
    count, out = len(args), []
    for k, index in enumerate(args):
        index = asarray(index)
        if len(shape_of(index)) != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if dtype_of(index) == np.bool_:
            index = np.nonzero(np.asarray(concretize(index)))[0]  # a mask has no derivative
        out.append(reshape(index, (1,) * k + (-1,) + (1,) * (count - k - 1)))
    return tuple(out)


def diag_indices_from(arr):
    """The indices of the main diagonal of an n-d array with equal sides (read from its shape)."""
    shape = tuple(shape_of(arr))
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return np.diag_indices(shape[0], len(shape))


def _matrix_shape(arr):
    shape = tuple(shape_of(arr))
    if len(shape) != 2:
        raise ValueError("input array must be 2-d")
    return shape


def tril_indices_from(arr, k=0):
    """The indices of the lower triangle of a 2-d array (read from its shape)."""
    rows, cols = _matrix_shape(arr)
    return np.tril_indices(rows, k=k, m=cols)


def triu_indices_from(arr, k=0):
    """The indices of the upper triangle of a 2-d array (read from its shape)."""
    rows, cols = _matrix_shape(arr)
    return np.triu_indices(rows, k=k, m=cols)


__all__ = ["c_", "diag_indices_from", "ix_", "r_", "tril_indices_from", "triu_indices_from"]
