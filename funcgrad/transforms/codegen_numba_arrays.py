"""The numba backend's small arrays: every element its own register, every primitive rows of them.

An ODE's state of three floats, a 2x2 matrix, the stacked stages of a step: arrays this small
cost NumPy a microsecond a call for nanoseconds of arithmetic. So a value of at most
`MAX_ELEMENTS` elements is held as an integer array of register numbers of its shape, and

- an elementwise primitive writes one row an element, its inputs' registers broadcast as NumPy
  broadcasts them;
- moving data (`reshape`, `broadcast_to`, `transpose`, `concatenate`, `flip`, `getitem`) writes
  no row at all: the primitive's own implementation, applied to the register numbers, says
  which register each element of the result is;
- `sum` and `matmul` write their products and sums in order, and `index_add` (the reverse of
  indexing) one add per position indexed, repeated positions accumulating in NumPy's order.

The rows are the scalar program's rows, so loops over array code roll up the same way
(reroll.py). Sums add left to right (NumPy adds longer rows pairwise), so results may differ
from the NumPy backend's in the last bits.
"""
from __future__ import annotations

import numpy as np

MAX_ELEMENTS = 1024  # elements of one value at most; larger arrays run on the NumPy backend
MOVES = {"reshape", "broadcast_to", "transpose", "concatenate", "flip", "getitem"}
WITH_PARAMS = MOVES | {"sum", "index_add"}  # the primitives with parameters this file lowers


class Unsupported(Exception):
    """The trace cannot run on the numba backend; the message says why."""


def small(value) -> bool:
    """Whether a traced value is a float64 or bool scalar or array of at most MAX_ELEMENTS."""
    kind = type(value)
    if kind is np.float64 or kind is np.bool_:
        return True
    return kind is np.ndarray and value.dtype in (np.float64, np.bool_) and \
        value.size <= MAX_ELEMENTS


def small_constant(value) -> bool:
    """Whether a constant array can be registers of float64 without changing its values."""
    array = np.asarray(value)
    if array.size > MAX_ELEMENTS or array.dtype.kind not in "biuf":
        return False
    if array.dtype.kind == "f":
        return array.dtype == np.float64
    return array.dtype.kind == "b" or bool(np.all(np.abs(array) < 2 ** 53))


def lower(builder, eq, opcode):
    """The register numbers (an int64 array of the output's shape) of `eq`'s result, after
    appending its rows to `builder`; `opcode` is the elementwise operation, or None."""
    name = eq.primitive.name
    shape = eq.outputs[0].value.shape if type(eq.outputs[0].value) is np.ndarray else ()
    if opcode is not None:
        result = _elementwise(builder, eq, opcode, shape)
    elif name in MOVES:
        inputs = [builder.ids(x) for x in eq.inputs]
        result = np.asarray(eq.primitive.impl(*inputs, **eq.params))
    elif name == "sum":
        result = _sum(builder, builder.ids(eq.inputs[0]), eq.params["axis"],
                      eq.params["keepdims"])
    elif name == "matmul":
        result = _matmul(builder, *[builder.ids(x) for x in eq.inputs])
    elif name == "index_add":
        x, updates = (builder.ids(v) for v in eq.inputs)
        result = _index_add(builder, x, updates, eq.params["index"])
    else:
        raise Unsupported(f"the primitive {name} is not in the numba backend's table")
    if result.shape != shape or result.dtype.kind not in "iu":
        raise Unsupported(f"{name} gave registers of shape {result.shape}, not {shape}")
    return result


def _elementwise(builder, eq, opcode, shape):
    columns = []
    for x in eq.inputs:
        ids = builder.ids(x)
        columns.append(ids.ravel() if ids.shape == shape else np.broadcast_to(ids, shape).ravel())
    return builder.rows_of(opcode, columns).reshape(shape)


def _sum(builder, ids, axis, keepdims):
    axes = tuple(range(ids.ndim)) if axis is None else \
        tuple(int(a) % ids.ndim for a in np.atleast_1d(axis))
    kept = [d for d in range(ids.ndim) if d not in axes]
    terms = np.transpose(ids, kept + list(axes)).reshape([ids.shape[d] for d in kept] + [-1])
    out = np.empty(terms.shape[:-1], dtype=np.int64)
    for index in np.ndindex(out.shape):
        out[index] = _added(builder, [int(t) for t in terms[index]])
    if keepdims:
        out = out.reshape([1 if d in axes else n for d, n in enumerate(ids.shape)])
    return out


def _added(builder, registers):
    if not registers:
        return builder.constant(0.0)
    total = registers[0]
    for register in registers[1:]:
        total = builder.row("add", total, register)
    return total


def _matmul(builder, a, b):
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise Unsupported("matmul of arrays with more than two axes")
    left = a if a.ndim == 2 else a[None, :]
    right = b if b.ndim == 2 else b[:, None]
    out = np.empty((left.shape[0], right.shape[1]), dtype=np.int64)
    for i, j in np.ndindex(out.shape):
        out[i, j] = _added(builder, [builder.row("multiply", int(x), int(y))
                                     for x, y in zip(left[i], right[:, j])])
    return out.reshape(out.shape[:1] * (a.ndim == 2) + out.shape[1:] * (b.ndim == 2))


def _index_add(builder, x, updates, index):
    out = np.array(x, dtype=np.int64).ravel()
    positions = np.arange(out.size).reshape(np.shape(x))[index]
    updates = np.broadcast_to(updates, np.shape(positions))
    for position, update in zip(np.ravel(positions), np.ravel(updates)):
        out[position] = builder.row("add", int(out[position]), int(update))
    return out.reshape(np.shape(x))


__all__ = ["MAX_ELEMENTS", "Unsupported", "lower", "small", "small_constant", "WITH_PARAMS"]
