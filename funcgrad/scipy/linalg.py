"""funcgrad.scipy.linalg: scipy.linalg's solve_triangular, cho_factor, cho_solve, expm, lu and
sqrtm with SciPy's signatures, differentiable in every array argument.

All but sqrtm are compositions of funcgrad's linear algebra (their derivatives follow): the
triangular solves and Cholesky factors read only the triangle SciPy reads; expm is the
scaling-and-squaring Pade approximant of degree 13 (Higham 2005), whose derivative is accurate to
rounding; lu takes its row pivots from SciPy (they are piecewise constant) and eliminates with
traced arithmetic. sqrtm is a primitive (funcgrad/primitives/matrix_functions.py).
"""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.tracer import concrete_value, concretize
from funcgrad.transforms.vmap import BatchedConversionError
from funcgrad.primitives.matrix_functions import sqrtm as _sqrtm

LinAlgError = np.linalg.LinAlgError


def _square(a, name):
    a = fnp.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name}: expected a square matrix, got shape {a.shape}")
    return a


def _triangle(a, lower, unit_diagonal=False):
    part = fnp.tril(a) if lower else fnp.triu(a)
    if unit_diagonal:
        part = part - fnp.diag(fnp.diagonal(part)) + np.eye(a.shape[-1])
    return part


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """x with op(a) x = b for a triangular (only its lower or upper triangle is read; with
    unit_diagonal its diagonal is taken as ones), as `scipy.linalg.solve_triangular`;
    trans = 0/'N' (a), 1/'T' (a^T) or 2/'C' (a^H)."""
    a = _square(a, "solve_triangular")
    b = fnp.asarray(b)
    if b.shape[0] != a.shape[0]:
        raise ValueError(f"solve_triangular: shapes of a {a.shape} and b {b.shape} are incompatible")
    t = _triangle(a, lower, unit_diagonal)
    kind = {0: "N", 1: "T", 2: "C"}.get(trans, trans)
    if kind in ("T", "C"):
        t = fnp.swapaxes(t, 0, 1)
        if kind == "C" and np.iscomplexobj(np.empty(0, t.dtype)):
            t = fnp.conj(t)
    elif kind != "N":
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}")
    return fnp.linalg.solve(t, b)


def _cholesky_of_triangle(a, lower):
    """The Cholesky factor of the symmetric (Hermitian) matrix that a's triangle describes."""
    part = fnp.tril(a) if lower else fnp.triu(a)
    strict = part - fnp.diag(fnp.diagonal(part))
    other = fnp.swapaxes(fnp.conj(strict) if np.iscomplexobj(np.empty(0, a.dtype)) else strict, 0, 1)
    factor = fnp.linalg.cholesky(part + other)  # lower
    if lower:
        return factor
    upper = fnp.swapaxes(factor, 0, 1)
    return fnp.conj(upper) if np.iscomplexobj(np.empty(0, a.dtype)) else upper


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor (upper by default, as SciPy) of a's triangle's Hermitian matrix."""
    return _cholesky_of_triangle(_square(a, "cholesky"), lower)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) as `scipy.linalg.cho_factor`: the factor in the chosen triangle of c, and the
    other triangle holding a's entries (as SciPy leaves them)."""
    a = _square(a, "cho_factor")
    factor = _cholesky_of_triangle(a, lower)
    rest = fnp.triu(a, 1) if lower else fnp.tril(a, -1)
    return factor + rest, lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with a x = b from cho_factor's (c, lower), as `scipy.linalg.cho_solve`."""
    c, lower = c_and_lower
    c = _square(c, "cho_solve")
    factor = _triangle(c, lower)
    adjoint = fnp.swapaxes(fnp.conj(factor) if np.iscomplexobj(np.empty(0, c.dtype)) else factor, 0, 1)
    first, second = (factor, adjoint) if lower else (adjoint, factor)
    return fnp.linalg.solve(second, fnp.linalg.solve(first, fnp.asarray(b)))


# -- the matrix exponential -----------------------------------------------------------------------

_PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
            129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
            40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA_13 = 5.371920351148152


def _squarings(A):  # noqa: N803
    """How many times expm halves A: enough for its 1-norm to fall below theta_13. Under jit the
    count is a guard (a call needing more squarings traces again); under vmap, where examples
    differ, n max|a_ij| bounds every example's 1-norm."""
    if not A.size:
        return 0
    norm = fnp.max(fnp.sum(fnp.abs(A), axis=0))
    count = fnp.astype(fnp.maximum(fnp.ceil(fnp.log2(norm / _THETA_13)), 0.0), np.int64)
    try:
        return int(concretize(count))
    except BatchedConversionError:
        bound = float(A.shape[0] * np.max(np.abs(np.asarray(concrete_value(A)))))
        return max(0, int(np.ceil(np.log2(bound / _THETA_13)))) if bound > _THETA_13 else 0


def expm(A):
    """The matrix exponential, as `scipy.linalg.expm` (square matrices, or stacks of them):
    scaling and squaring with the degree-13 Pade approximant; differentiable to every order."""
    A = fnp.asarray(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"expm: expected a square matrix (or a stack of them), got shape {A.shape}")
    if A.ndim > 2:
        flat = fnp.reshape(A, (-1,) + A.shape[-2:])
        return fnp.reshape(fnp.stack([expm(flat[i]) for i in range(flat.shape[0])]), A.shape)
    if not np.issubdtype(A.dtype, np.inexact):
        A = fnp.astype(A, np.float64)
    squarings = _squarings(A)
    A = A / (2.0 ** squarings)
    b, eye = _PADE_13, np.eye(A.shape[0], dtype=A.dtype)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    odd = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2
               + b[1] * eye)
    even = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    out = fnp.linalg.solve(even - odd, even + odd)
    for _ in range(squarings):
        out = out @ out
    return out


# -- LU --------------------------------------------------------------------------------------------

def _pivots(a):
    try:
        import scipy.linalg
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("lu needs SciPy for its pivots (pip install 'funcgrad[scipy]')") from err
    # (P, L, U); vmap: the pivots differ per example
    return scipy.linalg.lu(np.asarray(concretize(a)))[0]


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """a = P L U with partial pivoting, as `scipy.linalg.lu` (rectangular a too): P a permutation,
    L unit lower triangular, U upper triangular. The pivots are SciPy's (read from the values);
    the elimination is traced, so L and U are differentiable in a."""
    a = fnp.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"lu: expected a 2-d array, got shape {a.shape}")
    m, n = a.shape
    k = min(m, n)
    p = _pivots(a)
    rest = p.T @ a  # the rows in pivot order: eliminated without further exchanges
    rows, columns = [], []
    for i in range(k):
        pivot_row = rest[0]
        below = rest[1:, 0] / pivot_row[0]
        rows.append(fnp.concatenate([np.zeros(i, a.dtype), pivot_row]) if i else pivot_row)
        columns.append(fnp.concatenate([np.zeros(i, a.dtype), np.ones(1, a.dtype), below]))
        rest = rest[1:, 1:] - fnp.outer(below, pivot_row[1:])
    upper = fnp.stack(rows) if rows else np.zeros((0, n), a.dtype)
    lower = fnp.stack(columns, axis=1) if columns else np.zeros((m, 0), a.dtype)
    if permute_l:
        return p @ lower, upper
    if p_indices:
        return np.argmax(p, axis=1).astype(np.int32), lower, upper
    return p.astype(a.dtype), lower, upper


def sqrtm(A, disp=True, blocksize=64):
    """The principal square root, as `scipy.linalg.sqrtm`; differentiable (the derivative solves
    the Sylvester equation X dX + dX X = dA)."""
    return _sqrtm(_square(A, "sqrtm"))


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """x with a x = b, as `scipy.linalg.solve` (assume_a is accepted; a general solve is used)."""
    a = fnp.asarray(a)
    return fnp.linalg.solve(fnp.swapaxes(a, -1, -2) if transposed else a, b)


def inv(a, overwrite_a=False, check_finite=True):
    """The inverse, as `scipy.linalg.inv`."""
    return fnp.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant, as `scipy.linalg.det`."""
    return fnp.linalg.det(a)


__all__ = ["LinAlgError", "cho_factor", "cho_solve", "cholesky", "det", "expm", "inv", "lu",
           "solve", "solve_triangular", "sqrtm"]
