"""funcgrad.numpy.linalg: numpy.linalg, differentiable, on stacks of matrices.

    import funcgrad.numpy as fnp
    fnp.linalg.solve(A, b)

Conventions (see docs/conventions_linalg.md): `eigh` and `cholesky` read the symmetric part (A + A^T) / 2
of their input, so their gradients are symmetric; `norm` has gradient 0 at the zero vector for
every `ord`; at repeated eigen/singular values a loss of the values alone has a finite gradient;
`matrix_rank` is integer valued (no derivative).

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> fg.grad(fnp.linalg.norm)(np.zeros(3))
array([0., 0., 0.])
>>> fg.grad(lambda a: fnp.linalg.slogdet(a)[1])(2 * np.eye(2))
array([[0.5, 0. ],
       [0. , 0.5]])
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from funcgrad.core.tracer import concretize
from funcgrad.numpy._composites import safe_root
from funcgrad.primitives import elementwise as ew, linalg as la
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives.reductions import max as _max, min as _min, sum as _sum
from funcgrad.primitives.shape import broadcast_to, moveaxis, reshape
from funcgrad.primitives.linalg import diagonal as _diagonal, mT as matrix_transpose

LinAlgError = np.linalg.LinAlgError
EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
EigResult = namedtuple("EigResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
QRResult = namedtuple("QRResult", "Q R")


def _require_square(a, name):
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square, got shape {shape}")


def _symmetric_part(a):
    """(a + a^H) / 2: the symmetric (Hermitian) part that eigh and cholesky read."""
    if np.iscomplexobj(np.empty(0, dtype_of(a))):
        return 0.5 * (a + ew.conjugate(matrix_transpose(a)))
    return 0.5 * (a + matrix_transpose(a))


# -- inverses and solves ---------------------------------------------------------------------------

def inv(a):
    """Inverse of a square matrix (stack), as numpy.linalg.inv."""
    _require_square(a, "inv")
    return la.inv(a)


def solve(a, b):
    """Solution x of a @ x = b; b is a vector stack only when it is 1-d (NumPy 2 rule)."""
    _require_square(a, "solve")
    if len(shape_of(b)) == 1:
        x = la.solve(a, reshape(b, tuple(shape_of(b)) + (1,)))
        return reshape(x, tuple(shape_of(x))[:-1])
    return la.solve(a, b)


def det(a):
    _require_square(a, "det")
    return la.det(a)


def slogdet(a):
    """(sign, log|det a|); the sign is piecewise constant (zero derivative)."""
    _require_square(a, "slogdet")
    return SlogdetResult(*la.slogdet(a))


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    """Moore-Penrose pseudo-inverse; differentiable where the rank does not change."""
    if rcond is None:
        rcond = 1e-15 if rtol is None else rtol
    return la.pinv(a, rcond=float(rcond))


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s) as numpy.linalg.lstsq; x = pinv(a) @ b is differentiable."""
    m, n = shape_of(a)[-2:]
    cutoff = np.finfo(np.result_type(dtype_of(a), np.float64)).eps * max(m, n) if rcond is None else rcond
    x = matmul(pinv(a, rcond=cutoff), b)
    s = svdvals(a)
    rank = int(np.linalg.matrix_rank(np.asarray(concretize(a)), tol=None))
    if m > n and rank == n:
        r = matmul(a, x) - b
        residuals = _sum(_abs2(r), axis=0)
        if len(shape_of(b)) == 1:
            residuals = reshape(residuals, (1,))
    else:
        residuals = np.empty((0,), dtype=np.result_type(dtype_of(a), np.float64))
    return x, residuals, rank, s


def tensorinv(a, ind=2):
    shape = tuple(shape_of(a))
    rows, cols = shape[:ind], shape[ind:]
    inverse = inv(reshape(a, (int(np.prod(rows)), int(np.prod(cols)))))
    return reshape(inverse, cols + rows)


def tensorsolve(a, b, axes=None):
    if axes is not None:
        nd = len(shape_of(a))
        axes = [ax % nd for ax in axes]
        a = moveaxis(a, axes, list(range(nd - len(axes), nd)))
    b_shape = tuple(shape_of(b))
    x_shape = tuple(shape_of(a))[len(b_shape):]
    size = int(np.prod(b_shape))
    x = solve(reshape(a, (size, int(np.prod(x_shape)))), reshape(b, (size,)))
    return reshape(x, x_shape)


def matrix_power(a, n):
    """a @ a @ ... (n times) by repeated squaring; n < 0 inverts first."""
    _require_square(a, "matrix_power")
    n = int(n)
    if n == 0:
        return broadcast_to(np.eye(shape_of(a)[-1], dtype=dtype_of(a)), shape_of(a))
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if n:
            a = matmul(a, a)
    return result


def multi_dot(arrays, *, out=None):
    """a @ b @ c ... left to right; 1-d ends act as a row / column vector (as in matmul)."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    result = arrays[0]
    for nxt in arrays[1:]:
        result = matmul(result, nxt)
    return result


# -- factorizations --------------------------------------------------------------------------------

def cholesky(a, /, *, upper=False):
    _require_square(a, "cholesky")
    lower = la.cholesky(_symmetric_part(a))
    return matrix_transpose(ew.conjugate(lower) if np.iscomplexobj(np.empty(0, dtype_of(a)))
                            else lower) if upper else lower


def qr(a, mode="reduced"):
    """QR factorization; modes 'reduced', 'complete' (for m <= n), 'r'. Differentiable."""
    m, n = shape_of(a)[-2:]
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode {mode!r} is not supported (use 'reduced', 'complete' or 'r')")
    if mode == "complete" and m > n:
        raise NotImplementedError("qr(mode='complete') of a tall matrix: the extra columns of Q "
                                  "are not unique, so they have no derivative; use mode='reduced'")
    if m >= n:
        q, r = la.qr(a)
    else:  # wide: factor the leading square block, then R = [R1, Q^T Y]
        from funcgrad.primitives.indexing import getitem
        q, r1 = la.qr(getitem(a, (Ellipsis, slice(0, m))))
        q_h = matrix_transpose(ew.conjugate(q) if np.iscomplexobj(np.empty(0, dtype_of(q))) else q)
        rest = matmul(q_h, getitem(a, (Ellipsis, slice(m, None))))
        from funcgrad.primitives.shape import concatenate
        r = concatenate([r1, rest], axis=-1)
    return r if mode == "r" else QRResult(q, r)


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of the symmetric part of a."""
    _require_square(a, "eigh")
    return EighResult(*la.eigh(_symmetric_part(a)))


def eigvalsh(a, UPLO="L"):
    return eigh(a, UPLO)[0]


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition. The columns of U (rows of Vh) beyond min(m, n), present
    with full_matrices=True, are not unique and are treated as constants."""
    if not compute_uv:
        return svdvals(a)
    return SVDResult(*la.svd(a, full_matrices=bool(full_matrices)))


def svdvals(x, /):
    """Singular values, descending; a finite gradient even when some are repeated."""
    return la.svd(x, full_matrices=False)[1]


# -- norms -------------------------------------------------------------------------------------------

def _abs2(x):
    if np.iscomplexobj(np.empty(0, dtype_of(x))):
        return ew.real(x) * ew.real(x) + ew.imag(x) * ew.imag(x)
    return x * x


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector p-norm over `axis` (all axes by default); gradient 0 at the zero vector."""
    nd = len(shape_of(x))
    axes = normalize_axis(axis, nd)
    if ord is None or ord == 2:
        return safe_root(_sum(_abs2(x), axis=axes, keepdims=keepdims))
    magnitude = ew.absolute(x)
    if ord == np.inf:
        return _max(magnitude, axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return _min(magnitude, axis=axes, keepdims=keepdims)
    if ord == 0:
        return _sum(ew.astype(ew.not_equal(x, 0), magnitude.dtype if hasattr(magnitude, "dtype")
                              else np.float64), axis=axes, keepdims=keepdims)
    if ord == 1:
        return _sum(magnitude, axis=axes, keepdims=keepdims)
    p = float(ord)
    if p < 1:  # not a norm; NumPy still defines it
        return ew.power(_sum(ew.power(magnitude, p), axis=axes, keepdims=keepdims), 1.0 / p)
    return safe_root(_sum(ew.power(magnitude, p), axis=axes, keepdims=keepdims), p)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Matrix norm over the last two axes."""
    return _matrix_norm(x, ord, (-2, -1), keepdims)


def _matrix_norm(x, ord, axes, keepdims):
    nd = len(shape_of(x))
    row, col = (a % nd for a in axes)
    if row == col:
        raise ValueError("norm: duplicate axes given")
    moved = moveaxis(x, (row, col), (nd - 2, nd - 1))
    last2 = (nd - 2, nd - 1)
    if ord in (None, "fro", "f"):
        out = safe_root(_sum(_abs2(moved), axis=last2))
    elif ord == "nuc":
        out = _sum(svdvals(moved), axis=-1)
    elif ord in (2, -2):
        s = svdvals(moved)
        out = _max(s, axis=-1) if ord == 2 else _min(s, axis=-1)
    elif ord in (1, -1):
        col_sums = _sum(ew.absolute(moved), axis=nd - 2)
        out = _max(col_sums, axis=-1) if ord == 1 else _min(col_sums, axis=-1)
    elif ord in (np.inf, -np.inf):
        row_sums = _sum(ew.absolute(moved), axis=nd - 1)
        out = _max(row_sums, axis=-1) if ord == np.inf else _min(row_sums, axis=-1)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        shape = list(shape_of(out))
        for a in sorted((row, col)):
            shape.insert(a, 1)
        out = reshape(out, tuple(shape))
    return out


def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm, as numpy.linalg.norm, for every `ord`; gradient 0 at zero."""
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            out = vector_norm(x, ord=2)
            return reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            return vector_norm(x, ord=ord, keepdims=keepdims)
        if nd == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ValueError("norm: improper number of dimensions to norm")
    if isinstance(axis, (int, np.integer)) or len(axis) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, tuple(axis), keepdims)
    raise ValueError("norm: improper number of dimensions to norm")


def cond(x, p=None):
    """Condition number; for p in (None, 2, -2) the ratio of extreme singular values."""
    if p in (None, 2, -2):
        s = svdvals(x)
        big, small = _max(s, axis=-1), _min(s, axis=-1)
        return big / small if p != -2 else small / big
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """Integer valued, so it has no derivative: computed from the concrete value."""
    return np.linalg.matrix_rank(np.asarray(concretize(A)), tol=tol, hermitian=hermitian,
                                 rtol=rtol)


# -- NumPy 2's array-API additions ---------------------------------------------------------------

def diagonal(x, /, *, offset=0):
    if offset == 0:
        return _diagonal(x)
    from funcgrad import numpy as fnp
    return fnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    out = _sum(diagonal(x, offset=offset), axis=-1)
    return out if dtype is None else ew.astype(out, dtype)


def outer(x1, x2, /):
    return reshape(x1, (-1, 1)) * reshape(x2, (1, -1))


def vecdot(x1, x2, /, *, axis=-1):
    if np.iscomplexobj(np.empty(0, dtype_of(x1))):
        x1 = ew.conjugate(x1)
    return _sum(x1 * x2, axis=axis)


def eigvals(a):
    """Eigenvalues of a general square matrix (complex); see eig."""
    return eig(a)[0]


def eig(a):
    """Eigenvalues and eigenvectors of a general square matrix; complex results."""
    _require_square(a, "eig")
    return EigResult(*la.eig(a))


__all__ = ["LinAlgError", "cholesky", "cond", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm"]


def tensordot(x1, x2, /, *, axes=2):
    from funcgrad import numpy as fnp
    return fnp.tensordot(x1, x2, axes=axes)


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors along `axis` (NumPy 2's linalg.cross)."""
    from funcgrad.primitives.indexing import getitem
    from funcgrad.primitives.shape import stack
    a, b = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    if shape_of(a)[-1] != 3 or shape_of(b)[-1] != 3:
        raise ValueError("linalg.cross: both inputs must have 3 elements along `axis`")
    a0, a1, a2 = (getitem(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (getitem(b, (Ellipsis, i)) for i in range(3))
    out = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(out, -1, axis)


__all__ += ["cross", "tensordot", "EigResult", "EighResult", "QRResult", "SVDResult",
            "SlogdetResult"]
