"""Symbolic identity seeds for Jacobians: a batch of scaled one-hot vectors kept as one array.

jacrev and jacfwd replay the trace once, batched over the basis e_0, e_1, ... of an output or input.
Written out, that basis is an n x n identity, and a matmul of it costs O(n^3) for nothing. Here it
stays symbolic: a `DiagonalBatch` holds a `scale` of one example's shape and stands for the batch
whose example i is scale.flat[i] * e_i. The rules below keep it that way while they can:

- linear elementwise ops (negation, scaling by an unbatched factor, sums of two diagonal batches,
  where, casts, real/imag/conj) act on `scale` alone, in O(n);
- reshapes keep the flat order, so they reshape `scale`;
- a matmul with an unbatched matrix becomes a row or column scaling of that matrix, in O(n^2).

Anything else materialises the batch (only then is the identity written out) and carries on with
the ordinary batch rules. A chunk of the basis (chunk_size) is the rows start .. start + count.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.primitives import contraction as _contraction
from funcgrad.primitives import elementwise as _elementwise
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.indexing import getitem_p
from funcgrad.transforms.vmap import BatchTracer, SymbolicBasis


class IdentityBasis(SymbolicBasis):
    """The one-hot basis of an array's shape, as the batched argument of vmap: (size,) + shape."""

    def __init__(self, shape, dtype, start=0, count=None):
        self.example_shape = tuple(shape)
        self.size = _size(self.example_shape)
        self.start = start
        self.count = self.size - start if count is None else count
        self.shape = (self.count,) + self.example_shape
        self.dtype = np.dtype(dtype)

    def rows(self, start, stop):
        return IdentityBasis(self.example_shape, self.dtype, self.start + start, stop - start)

    def tracer(self, interpreter):
        interpreter.structured = apply_structured_rule
        ones = np.ones(self.example_shape, self.dtype)
        return DiagonalBatch(interpreter, ones, self.start, self.count, unit=True)


class DiagonalBatch(BatchTracer):
    """Example i (0 <= i < count) is scale.flat[start + i] * e_(start + i); batch axis 0.

    `unit` says the scale is all ones (the seed), so products with it need no multiplication."""

    __slots__ = ("scale", "start", "count", "unit", "_dense")

    def __init__(self, owner, scale, start, count, unit=False):
        self._owner = owner
        self.scale = scale
        self.start = start
        self.count = count
        self.unit = unit
        self.batch_dim = 0
        self._dense = None

    @property
    def _value(self):  # written out only when a rule below cannot keep the batch symbolic
        if self._dense is None:
            self._dense = _materialize(self.scale, self.start, self.count)
        return self._dense

    @property
    def shape(self) -> tuple:
        return tuple(shape_of(self.scale))

    @property
    def dtype(self):
        return dtype_of(self.scale)

    def like(self, scale, unit=False):
        return DiagonalBatch(self._owner, scale, self.start, self.count, unit)


def _materialize(scale, start, count):
    shape = tuple(shape_of(scale))
    size = _size(shape)
    if isinstance(scale, Tracer):  # an outer transform follows the scale: write it with primitives
        rows = np.eye(size, dtype=dtype_of(scale))[start:start + count]
        flat = _shape.reshape_p.bind(scale, shape=(1, size))
        return _shape.reshape_p.bind(_elementwise.multiply.bind(rows, flat),
                                     shape=(count,) + shape)
    dense = np.zeros((count, size), dtype=dtype_of(scale))
    picked = np.arange(count)
    dense[picked, start + picked] = np.reshape(scale, -1)[start:start + count]
    return dense.reshape((count,) + shape)


# -- rules ------------------------------------------------------------------------------------

def apply_structured_rule(interpreter, primitive, args, params):
    """The result of a primitive on diagonal batches, or None to fall back to the batch rules."""
    rule = _RULES.get(primitive)
    if rule is None:
        return None
    kinds = [_kind(interpreter, a) for a in args]
    if "diagonal" not in kinds:
        return None
    return rule(args, kinds, **params)


def _kind(interpreter, x):
    if isinstance(x, BatchTracer) and x._owner is interpreter:
        return "diagonal" if type(x) is DiagonalBatch and x._dense is None else "batched"
    return "unbatched"


def _same_rows(a, b):
    return a.start == b.start and a.count == b.count and a.shape == b.shape


def _stays_diagonal(diagonal, other):
    """True when an unbatched operand broadcasts against the diagonal batch's examples without
    adding elements (unit axes may be added: they keep the flat order, so the batch stays
    diagonal)."""
    try:
        shape = np.broadcast_shapes(diagonal.shape, tuple(shape_of(other)))
    except ValueError:
        return False
    return _size(shape) == _size(diagonal.shape)


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _linear_unary(primitive):
    def rule(args, kinds, **params):
        (x,) = args
        return x.like(primitive.bind(x.scale, **params))
    return rule


def _sum_of_two(primitive):
    # (a_i e_i) +- (b_i e_i) = (a_i +- b_i) e_i
    def rule(args, kinds, **params):
        x, y = args
        if kinds != ["diagonal", "diagonal"] or not _same_rows(x, y):
            return None
        return x.like(primitive.bind(x.scale, y.scale))
    return rule


_mul = _elementwise.multiply.bind


def _product(args, kinds):
    x, y = args
    if kinds == ["diagonal", "diagonal"]:
        return x.like(_mul(x.scale, y.scale)) if _same_rows(x, y) else None
    if kinds == ["diagonal", "unbatched"] and _stays_diagonal(x, y):
        return x.like(_mul(x.scale, y))
    if kinds == ["unbatched", "diagonal"] and _stays_diagonal(y, x):
        return y.like(_mul(x, y.scale))
    return None


def _quotient(args, kinds):
    x, y = args
    if kinds == ["diagonal", "unbatched"] and _stays_diagonal(x, y):
        return x.like(_elementwise.divide.bind(x.scale, y))
    return None


def _where(args, kinds):
    c, x, y = args
    if kinds[0] != "unbatched" or kinds[1:] != ["diagonal", "diagonal"] or not _same_rows(x, y):
        return None
    if not _stays_diagonal(x, c):
        return None
    return x.like(_elementwise.where.bind(c, x.scale, y.scale))


def _reshape(args, kinds, shape):
    (x,) = args
    return x.like(_shape.reshape_p.bind(x.scale, shape=shape), x.unit)


def _broadcast_to(args, kinds, shape):
    (x,) = args
    return x if tuple(shape) == x.shape else None


def _transpose(args, kinds, axes):
    # a transpose that keeps the order of the axes longer than 1 keeps the flat order
    (x,) = args
    long_axes = [a for a in axes if x.shape[a] != 1]
    if long_axes != sorted(long_axes):
        return None
    return x.like(_shape.transpose_p.bind(x.scale, axes=axes), x.unit)


def _matmul(args, kinds):
    a, b = args
    if kinds == ["unbatched", "diagonal"] and len(shape_of(a)) == 1:
        return _dot_with_basis(a, b)
    if kinds == ["diagonal", "unbatched"] and len(shape_of(b)) == 1:
        return _dot_with_basis(b, a)
    if kinds == ["unbatched", "diagonal"]:
        return _matrix_times_basis(a, b)
    if kinds == ["diagonal", "unbatched"]:
        return _basis_times_matrix(a, b)
    return None


def _picked_scale(d):
    """The scales of the chunk's examples, a vector of length count."""
    flat = _shape.reshape_p.bind(d.scale, shape=(_size(d.shape),))
    if d.start == 0 and d.count == shape_of(flat)[0]:
        return flat
    return getitem_p.bind(flat, index=(slice(d.start, d.start + d.count),))


def _dot_with_basis(v, d):
    # v . (s_i e_i) = s_i v_i: a vector of the examples
    if d.shape != tuple(shape_of(v)):
        return None
    if d.count != shape_of(v)[0]:
        v = getitem_p.bind(v, index=(slice(d.start, d.start + d.count),))
    return BatchTracer(d._owner, _read_only(v) if d.unit else _mul(_picked_scale(d), v), 0)


def _matrix_times_basis(a, d):
    # A @ (s_i e_i) = s_i A[:, i]: the columns of A scaled, example i in column i
    if len(shape_of(a)) != 2 or d.shape not in ((shape_of(a)[1],), (shape_of(a)[1], 1)):
        return None
    columns = a
    if d.count != shape_of(a)[1]:
        columns = getitem_p.bind(a, index=(slice(None), slice(d.start, d.start + d.count)))
    out = _read_only(columns) if d.unit else _mul(columns, _contraction.as_row(_picked_scale(d)))
    if len(d.shape) == 2:
        out = _shape.reshape_p.bind(out, shape=tuple(shape_of(out)) + (1,))
    return BatchTracer(d._owner, out, 1)


def _basis_times_matrix(d, b):
    # (s_i e_i) @ B = s_i B[i, :]: the rows of B scaled, example i in row i
    if len(shape_of(b)) != 2 or d.shape not in ((shape_of(b)[0],), (1, shape_of(b)[0])):
        return None
    rows = b
    if d.count != shape_of(b)[0]:
        rows = getitem_p.bind(b, index=(slice(d.start, d.start + d.count),))
    out = _read_only(rows) if d.unit else _mul(_contraction.as_column(_picked_scale(d)), rows)
    if len(d.shape) == 2:
        out = _shape.reshape_p.bind(out, shape=(d.count, 1, shape_of(b)[1]))
    return BatchTracer(d._owner, out, 0)


def _read_only(matrix):
    """The matrix itself stands for A @ I. A read-only view, so that a Jacobian that is the user's
    own matrix comes back as a copy (jacobians.py copies read-only blocks), never an alias."""
    if isinstance(matrix, np.ndarray):
        matrix = matrix.view()
        matrix.flags.writeable = False
    return matrix


_RULES = {
    _elementwise.negative: _linear_unary(_elementwise.negative),
    _elementwise.conjugate: _linear_unary(_elementwise.conjugate),
    _elementwise.real: _linear_unary(_elementwise.real),
    _elementwise.imag: _linear_unary(_elementwise.imag),
    _elementwise.astype_p: _linear_unary(_elementwise.astype_p),
    _elementwise.add: _sum_of_two(_elementwise.add),
    _elementwise.subtract: _sum_of_two(_elementwise.subtract),
    _elementwise.multiply: _product,
    _elementwise.divide: _quotient,
    _elementwise.where: _where,
    _shape.reshape_p: _reshape,
    _shape.broadcast_to_p: _broadcast_to,
    _shape.transpose_p: _transpose,
    _contraction.matmul: _matmul,
}
