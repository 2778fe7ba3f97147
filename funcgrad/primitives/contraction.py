"""Contractions: matmul and einsum (primitives), and tensordot, dot, inner, outer, vdot on them.

einsum is general (repeated indices, ellipsis, implicit output): the public function first takes
diagonals for indices repeated within an operand, sums indices that only one operand uses, and
broadcasts ellipsis dimensions, so the primitive only ever sees specs where each operand's letters
are distinct and every letter it sums is shared. Its reverse rule is then one einsum per operand.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from funcgrad.core.primitive import PerInputRules, Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import by_evaluation, shape_of, unbroadcast


def _swap_last(x):
    ndim = len(shape_of(x))
    return _shape.transpose_p.bind(x, axes=tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def as_column(v):
    """(..., k) -> (..., k, 1)"""
    return _shape.reshape_p.bind(v, shape=tuple(shape_of(v)) + (1,))


def as_row(v):
    """(..., k) -> (..., 1, k)"""
    s = tuple(shape_of(v))
    return _shape.reshape_p.bind(v, shape=s[:-1] + (1,) + s[-1:])


def _drop_last(x):
    return _shape.reshape_p.bind(x, shape=tuple(shape_of(x))[:-1])


def _matmul_vjp_a(g, ans, a, b):
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * b
    if a_nd == 1:       # ans (..., m) = a (k) @ b (..., k, m)
        return unbroadcast(_drop_last(matmul(b, as_column(g))), a)
    if b_nd == 1:       # ans (..., n) = a (..., n, k) @ b (k)
        return unbroadcast(as_column(g) * b, a)
    return unbroadcast(matmul(g, _swap_last(b)), a)


def _matmul_vjp_b(g, ans, a, b):
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 1 and b_nd == 1:
        return g * a
    if a_nd == 1:
        return unbroadcast(as_column(a) * as_row(g), b)
    if b_nd == 1:
        return unbroadcast(_drop_last(matmul(_swap_last(a), as_column(g))), b)
    return unbroadcast(matmul(_swap_last(a), g), b)


def _matmul_shape(a, b):
    out = np.matmul(np.empty(a.shape, a.dtype), np.empty(b.shape, b.dtype))
    return ShapedArray(np.shape(out), out.dtype)


matmul = Primitive(
    "matmul", np.matmul, shape=_matmul_shape,
    vjp=[_matmul_vjp_a, _matmul_vjp_b],
    jvp=[lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)],
    family="contraction")


def _matmul_batch(values, dims):
    # promote vectors to matrices, pad both to one rank with the batch axis leading, multiply, undo
    (a, b), (da, db) = values, dims
    a_nd = len(shape_of(a)) - (da is not None)
    b_nd = len(shape_of(b)) - (db is not None)
    a = _as_matrix_stack(a, da, a_nd, vector_as_row=True)
    b = _as_matrix_stack(b, db, b_nd, vector_as_row=False)
    rank = max(len(shape_of(a)) - (da is not None), len(shape_of(b)) - (db is not None))
    a = _pad_after_batch(a, da, rank)
    b = _pad_after_batch(b, db, rank)
    out = matmul(a, b)
    shape = tuple(shape_of(out))
    if b_nd == 1:
        shape = shape[:-1]
    if a_nd == 1:
        shape = shape[:-2] + shape[-1:]
    return _shape.reshape(out, shape), 0


def _as_matrix_stack(x, d, nd, vector_as_row):
    if d is not None:
        x = _shape.moveaxis(x, d, 0)
    if nd == 1:
        x = as_row(x) if vector_as_row else as_column(x)
    return x


def _pad_after_batch(x, d, rank):
    shape = tuple(shape_of(x))
    if d is None:
        return x
    missing = rank - (len(shape) - 1)
    return _shape.reshape(x, shape[:1] + (1,) * missing + shape[1:]) if missing else x


matmul.batch = _matmul_batch


# -- einsum: the primitive takes "ab,bc->ac"-style specs with distinct letters per operand -------

def _einsum_impl(*operands, spec):
    return np.einsum(spec, *operands, optimize=len(operands) > 2)


def _spec_parts(spec):
    inputs, output = spec.split("->")
    return inputs.split(","), output


def _einsum_vjp(k):
    def rule(g, ans, *operands, spec):
        inputs, output = _spec_parts(spec)
        others = [x for i, x in enumerate(operands) if i != k]
        other_specs = [s for i, s in enumerate(inputs) if i != k]
        new_spec = ",".join([output] + other_specs) + "->" + inputs[k]
        return einsum_p.bind(g, *others, spec=new_spec)
    return rule


def _einsum_jvp(k):
    def rule(t, ans, *operands, spec):
        return einsum_p.bind(*[t if i == k else x for i, x in enumerate(operands)], spec=spec)
    return rule


def _einsum_batch(values, dims, spec):
    inputs, output = _spec_parts(spec)
    letter = next(c for c in _LETTERS if c not in spec)
    moved, specs = [], []
    for x, d, s in zip(values, dims, inputs):
        if d is None:
            moved.append(x)
            specs.append(s)
        else:
            moved.append(_shape.moveaxis(x, d, 0))
            specs.append(letter + s)
    return einsum_p.bind(*moved, spec=",".join(specs) + "->" + letter + output), 0


einsum_p = Primitive(
    "einsum", _einsum_impl, shape=by_evaluation(_einsum_impl),
    vjp=PerInputRules(_einsum_vjp), jvp=PerInputRules(_einsum_jvp), batch=_einsum_batch,
    family="contraction",
    doc="numpy.einsum with an explicit output and distinct letters within each operand.",
    reads=("inputs",))  # each operand's rule reads the others, never the answer

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse(subscripts, operands):
    """Explicit per-operand letter lists and output letters, ellipses replaced by fresh letters."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, output = subscripts.split("->")
    else:
        lhs, output = subscripts, None
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {len(inputs)} operand specs in {subscripts!r} but "
                         f"{len(operands)} operands were given")
    fresh = [c for c in _LETTERS if c not in subscripts]
    ell_rank = max([len(shape_of(x)) - len(s.replace("...", "")) for x, s in zip(operands, inputs)
                    if "..." in s] or [0])
    ell_letters = "".join(fresh[:ell_rank])
    expanded = []
    for x, s in zip(operands, inputs):
        if "..." in s:
            n = len(shape_of(x)) - len(s.replace("...", ""))
            s = s.replace("...", ell_letters[ell_rank - n:])
        if len(s) != len(shape_of(x)):
            raise ValueError(f"einsum: operand spec {s!r} has {len(s)} letters but the operand has "
                             f"{len(shape_of(x))} dimensions")
        expanded.append(s)
    if output is None:
        letters = "".join(expanded)
        output = ell_letters + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                              and c not in ell_letters))
    else:
        output = output.replace("...", ell_letters)
    return expanded, output


def einsum(subscripts, *operands, optimize=None):
    """Einstein summation, as `numpy.einsum`: repeated indices, '...' and implicit outputs.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda a: fnp.einsum("ii", a))(np.ones((2, 2)))  # the trace
    array([[1., 0.],
           [0., 1.]])
    """
    from funcgrad.primitives.reductions import sum as _sum
    specs, output = _parse(subscripts, operands)
    operands = list(operands)
    # one letter size per letter; ellipsis letters of size 1 broadcast against the others
    sizes = {}
    for x, s in zip(operands, specs):
        for c, n in zip(s, shape_of(x)):
            if n != 1 or c not in sizes:
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    for i, (x, s) in enumerate(zip(operands, specs)):
        # diagonals for letters repeated within one operand ('ii->i')
        while len(set(s)) != len(s):
            c = next(c for c in s if s.count(c) > 1)
            first, second = s.index(c), s.index(c, s.index(c) + 1)
            x = _diagonal(x, first, second)
            s = s[:first] + s[first + 1:second] + s[second + 1:] + c
        # sum letters no other operand and not the output uses
        used_elsewhere = output + "".join(t for j, t in enumerate(specs) if j != i)
        lone = tuple(a for a, c in enumerate(s) if c not in used_elsewhere)
        if lone:
            x = _sum(x, axis=lone)
            s = "".join(c for a, c in enumerate(s) if a not in lone)
        # broadcast size-1 dimensions shared with other operands
        target = tuple(sizes[c] for c in s)
        if tuple(shape_of(x)) != target:
            x = _shape.broadcast_to(x, target)
        operands[i], specs[i] = x, s
    for c in output:
        if not any(c in s for s in specs):
            raise ValueError(f"einsum: output letter {c!r} does not appear in any operand")
    return einsum_p.bind(*operands, spec=",".join(specs) + "->" + output)


def _diagonal(x, axis1, axis2):
    from funcgrad.primitives.indexing import getitem
    x = _shape.moveaxis(x, (axis1, axis2), (-2, -1))
    n = min(shape_of(x)[-2], shape_of(x)[-1])
    return getitem(x, (Ellipsis, np.arange(n), np.arange(n)))



def tensordot(a, b, axes: "int | tuple[int | Sequence[int], int | Sequence[int]]" = 2):
    """Sum products over the given axes of a and b, as `numpy.tensordot`."""
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if isinstance(axes, (int, np.integer)):
        a_axes, b_axes = list(range(a_nd - int(axes), a_nd)), list(range(int(axes)))
    else:
        a_axes, b_axes = axes
        a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
    a_axes = [int(i) % a_nd for i in a_axes]
    b_axes = [int(i) % b_nd for i in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError("tensordot: the two lists of axes must have the same length")
    a_spec = list(_LETTERS[:a_nd])
    b_spec = list(_LETTERS[a_nd:a_nd + b_nd])
    for i, j in zip(a_axes, b_axes):
        b_spec[j] = a_spec[i]
    output = [c for i, c in enumerate(a_spec) if i not in a_axes] + \
             [c for j, c in enumerate(b_spec) if j not in b_axes]
    return einsum("".join(a_spec) + "," + "".join(b_spec) + "->" + "".join(output), a, b)


def dot(a, b):
    """Dot product, as `numpy.dot`: matmul for vectors and matrices, a sum over the last axis of a
    and the second-to-last of b for N-d arrays, a product for scalars."""
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    if a_nd == 0 or b_nd == 0:
        return a * b
    if b_nd <= 2 and a_nd <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([a_nd - 1], [b_nd - 2 if b_nd >= 2 else 0]))


def inner(a, b):
    """Sum of products over the last axes, as `numpy.inner`."""
    if len(shape_of(a)) == 0 or len(shape_of(b)) == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a, b):
    """Outer product of the flattened inputs, as `numpy.outer`."""
    a = _shape.reshape(a, (-1, 1))
    b = _shape.reshape(b, (1, -1))
    return a * b


def vdot(a, b):
    """Dot product of the flattened inputs (the first conjugated for complex), as `numpy.vdot`."""
    a = _shape.reshape(a, (-1,))
    if np.iscomplexobj(np.empty(0, getattr(a, "dtype", np.float64))):
        from funcgrad.primitives import elementwise as _ew
        conj = getattr(_ew, "conjugate", None)
        if conj is not None:
            a = conj(a)
    return matmul(a, _shape.reshape(b, (-1,)))


def _matmul_batch_one_gemm(values, dims):
    # one matrix times a batch: fold the batch into the free axis so NumPy runs one GEMM (or,
    # for a batch that is a diagonal matrix, such as a Jacobian's one-hot basis, a scaling)
    (a, b), (da, db) = values, dims
    a_nd, b_nd = len(shape_of(a)) - (da is not None), len(shape_of(b)) - (db is not None)
    if a_nd == 1 and b_nd == 1:                          # a batch of dot products
        if db is None:
            return matmul(_shape.moveaxis(a, da, 0), b), 0
        if da is None:
            return matmul(_shape.moveaxis(b, db, 0), a), 0
        a, b = _shape.moveaxis(a, da, 0), _shape.moveaxis(b, db, 0)
        size, k = shape_of(a)
        out = matmul(_shape.reshape(a, (size, 1, k)), _shape.reshape(b, (size, k, 1)))
        return _shape.reshape(out, (size,)), 0
    if db is None and b_nd == 2 and a_nd == 1:           # (B, k) @ (k, m)
        a = _shape.moveaxis(a, da, 0)
        d = _diagonal_of(a)
        return (matmul(a, b) if d is None else _shape.reshape(d, (-1, 1)) * b), 0
    if db is None and b_nd == 2 and a_nd == 2:           # (B, n, k) @ (k, m) as (B*n, k) @ (k, m)
        a = _shape.moveaxis(a, da, 0)
        size, n, k = shape_of(a)
        out = matmul(_shape.reshape(a, (size * n, k)), b)
        return _shape.reshape(out, (size, n, shape_of(b)[1])), 0
    if da is None and a_nd == 2 and b_nd == 1:           # (n, k) @ (B, k): rows of b @ a.T
        b = _shape.moveaxis(b, db, 0)
        d = _diagonal_of(b)
        return (matmul(b, _swap_last(a)) if d is None else _swap_last(a * d)), 0
    if da is None and a_nd == 2 and b_nd == 2:           # (n, k) @ (B, k, m) as (n, k) @ (k, B*m)
        b = _shape.moveaxis(b, db, 1)                     # (k, B, m), whichever axis B was
        k, size, m = shape_of(b)
        columns = _shape.reshape(b, (k, size * m))
        d = _diagonal_of(columns)
        out = matmul(a, columns) if d is None else a * d
        return _shape.reshape(out, (shape_of(a)[0], size, m)), 1
    return _matmul_batch(values, dims)


def _diagonal_of(m):
    """The diagonal of a plain square matrix that has nothing off it (checked in one pass), or
    None: multiplying by it is then a scaling, O(n^2) instead of a GEMM."""
    if type(m) is not np.ndarray or m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
        return None
    n = m.shape[0]
    if not m.flags.c_contiguous:
        if not m.T.flags.c_contiguous:  # neither layout: count the nonzeros instead
            diagonal = np.diagonal(m)
            return diagonal.copy() if np.count_nonzero(m) == np.count_nonzero(diagonal) else None
        m = m.T  # a matrix is diagonal exactly when its transpose is
    off = m.reshape(-1)[1:].reshape(n - 1, n + 1)[:, :n]
    return None if off.any() else np.diagonal(m).copy()


matmul.batch = _matmul_batch_one_gemm
