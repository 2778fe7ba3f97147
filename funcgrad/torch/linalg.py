"""torch.linalg and the linear-algebra functions of `torch` (einsum, addmm, det, inverse, cdist...).

Each is a composite of funcgrad.numpy (and funcgrad.numpy.linalg) functions recorded as one
node with PyTorch's name, so derivatives come from the registry's rules.
"""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.primitives import contraction, elementwise as ew, reductions as red
from funcgrad.primitives import shape as shp
from funcgrad.torch import _kernel_dtypes
from funcgrad.torch._composite import composite
from funcgrad.torch._ops import _return_type, _safe_sqrt, as_tensor_arg
from funcgrad.torch.tensor import Tensor

_la = fnp.linalg


# -- products ---------------------------------------------------------------------------------

def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(as_tensor_arg(t) for t in operands)
    _kernel_dtypes.check_einsum(equation, operands)
    return composite("ViewBackward0", lambda *xs: fnp.einsum(equation, *xs), *operands)


def tensordot(a, b, dims=2):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    _kernel_dtypes.check_same_inputs(a, b)
    return composite("ViewBackward0", lambda x, y: fnp.tensordot(x, y, dims), a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    _kernel_dtypes.check_addmm(input, mat1, mat2)
    return composite("AddmmBackward0",
                     lambda c, a, b: beta * c + alpha * contraction.matmul(a, b), input, mat1, mat2)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    _kernel_dtypes.check_addmv(input, mat, vec)
    return composite("AddmvBackward0",
                     lambda c, a, b: beta * c + alpha * contraction.matmul(a, b), input, mat, vec)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _kernel_dtypes.check_baddbmm(input, batch1, batch2)
    return composite("BaddbmmBackward0",
                     lambda c, a, b: beta * c + alpha * contraction.matmul(a, b), input, batch1,
                     batch2)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _kernel_dtypes.check_addmm(input, batch1, batch2)
    return composite("AddbmmBackward0", lambda c, a, b: beta * c + alpha * red.sum_p.bind(
        contraction.matmul(a, b), axis=(0,), keepdims=False), input, batch1, batch2)


def kron(input, other):
    return composite("UnsafeViewBackward0", lambda a, b: fnp.kron(a, b), input, other)


def chain_matmul(*matrices):
    return multi_dot(matrices)


def multi_dot(tensors):
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def cross(input, other, dim=-1):
    _kernel_dtypes.check_bmm(input, other)  # (the same words: "expected scalar type ...")
    return composite("LinalgCrossBackward0", lambda a, b: fnp.cross(a, b, axis=dim), input, other)


def vecdot(x, y, *, dim=-1):
    return composite("SumBackward1", lambda a, b: red.sum_p.bind(
        a * b, axis=(dim % builtins.max(np.ndim(a), 1),), keepdims=False), x, y)


def cdist(x1, x2, p=2.0, compute_mode=None):
    def fn(a, b):
        diff = shp.reshape(a, np.shape(a)[:-1] + (1,) + np.shape(a)[-1:]) - \
            shp.reshape(b, np.shape(b)[:-2] + (1,) + np.shape(b)[-2:])
        return _p_norm(diff, p, (-1 % np.ndim(diff),), False)
    return composite("CdistBackward0", fn, x1, x2)


# -- norms ------------------------------------------------------------------------------------

def _p_norm(x, ord, axes, keepdims):  # noqa: A002
    if ord == 2:
        return _safe_sqrt(red.sum_p.bind(x * x, axis=axes, keepdims=keepdims))
    a = ew.absolute(x)
    if ord == float("inf"):
        return red.max_p.bind(a, axis=axes, keepdims=keepdims)
    if ord == -float("inf"):
        return red.min_p.bind(a, axis=axes, keepdims=keepdims)
    if ord == 1:
        return red.sum_p.bind(a, axis=axes, keepdims=keepdims)
    if ord == 0:
        return red.sum_p.bind(ew.astype_p.bind(ew.not_equal(x, 0), dtype=np.result_type(x)),
                              axis=axes, keepdims=keepdims)
    return red.sum_p.bind(a ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


def _axes(dim, ndim):
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    return tuple(int(d) % builtins.max(ndim, 1) for d in dims)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    x = x if dtype is None else x.to(dtype)
    axes = _axes(dim, x.ndim)
    return composite("LinalgVectorNormBackward0",
                     lambda v: _p_norm(v, ord, axes, builtins.bool(keepdim)), x)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002,N803
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    axes = _axes(dim, A.ndim)
    return composite("LinalgMatrixNormBackward0",
                     lambda v: _la.matrix_norm(v, keepdims=keepdim, ord=ord)
                     if axes == (A.ndim - 2, A.ndim - 1) else _la.norm(v, ord, axes, keepdim), A)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002,N803
    if ord is None or (isinstance(dim, (int, np.integer)) or (dim is None and A.ndim == 1)):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)


# -- decompositions and solves ----------------------------------------------------------------

def det(A):  # noqa: N803
    return composite("LinalgDetBackward0", _la.det, A)


def inv(A):  # noqa: N803
    return composite("LinalgInvExBackward0", _la.inv, A)


inverse = inv

_Slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))


def slogdet(A):  # noqa: N803
    sign = Tensor._make(np.sign(np.linalg.det(np.asarray(A.detach()._data))).astype(A._data.dtype))
    return _Slogdet(sign, composite("LinalgSlogdetBackward0", lambda a: _la.slogdet(a)[1], A))


def logdet(A):  # noqa: N803
    return composite("LogdetBackward0", lambda a: ew.log(_la.det(a)), A)


def solve(A, B, *, left=True):  # noqa: N803
    _kernel_dtypes.check_solve(A, B)
    if not left:
        return composite("LinalgSolveExBackward0", lambda a, b: fnp.swapaxes(
            _la.solve(fnp.swapaxes(a, -1, -2), fnp.swapaxes(b, -1, -2)), -1, -2), A, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        return composite("LinalgSolveExBackward0", lambda a, b: shp.reshape(
            _la.solve(a, shp.reshape(b, np.shape(b) + (1,))), np.shape(b)), A, B)
    return composite("LinalgSolveExBackward0", _la.solve, A, B)


def _cutoff_ratio(A, atol, rtol):  # noqa: N803
    """PyTorch's rule for dropping singular values, as a tolerance relative to the largest one
    per matrix: below max(atol, rtol * s_max); rtol defaults to eps * max(m, n) when atol is
    not given (or is 0), else to 0. (The cut is read from the values: piecewise constant.)"""
    values = np.asarray(A.detach()._data)
    largest = np.linalg.svd(values, compute_uv=False)[..., :1] if values.size else \
        np.zeros(values.shape[:-2] + (1,))
    if rtol is None:
        rtol = np.finfo(values.dtype).eps * max(values.shape[-2:]) if not atol else 0.0
    cut = np.maximum(0.0 if atol is None else atol, rtol * largest)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(largest > 0, cut / largest, 0.0)[..., 0], cut[..., 0]


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):  # noqa: N803
    """The pseudo-inverse, singular values below max(atol, rtol * s_max) dropped (PyTorch's
    defaults; a positional `rcond` is the older name of rtol)."""
    ratio, _ = _cutoff_ratio(A, atol, rtol if rcond is None else rcond)
    return composite("LinalgPinvBackward0", lambda a: _la.pinv(a, rcond=ratio), A)


def matrix_power(A, n):  # noqa: N803
    return composite("LinalgMatrixPowerBackward0", lambda a: _la.matrix_power(a, n), A)


def _from_triangle(a, lower=True):
    """a with the values of the Hermitian matrix its lower (or upper) triangle holds, which is
    what PyTorch's eigh/eigvalsh/cholesky read; the derivative stays that of funcgrad's rules
    (which read the Hermitian part), as PyTorch's symmetric gradients are."""
    part = fnp.tril(a) if lower else fnp.triu(a)
    strict = fnp.tril(a, -1) if lower else fnp.triu(a, 1)
    hermitian = part + fnp.conj(fnp.swapaxes(strict, -1, -2))
    return a + ew.stop_gradient(hermitian - a)


def cholesky(A, *, upper=False):  # noqa: N803
    if upper:  # PyTorch reads the upper triangle and returns U = L^H
        return composite("LinalgCholeskyExBackward0", lambda a: fnp.conj(fnp.swapaxes(
            _la.cholesky(_from_triangle(a, lower=False)), -1, -2)), A)
    return composite("LinalgCholeskyExBackward0", lambda a: _la.cholesky(_from_triangle(a)), A)


_QR = _return_type("linalg_qr", ("Q", "R"))
_Eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_SVD = _return_type("linalg_svd", ("U", "S", "Vh"))


def _parts(name, fn, count, A):  # noqa: N803
    return tuple(composite(name, lambda a, i=i: fn(a)[i], A) for i in range(count))


def qr(A, mode="reduced"):  # noqa: N803
    return _QR(*_parts("LinalgQrBackward0", lambda a: _la.qr(a, mode=mode), 2, A))


_LU = _return_type("linalg_lu", ("P", "L", "U"))
_LUFactor = _return_type("linalg_lu_factor", ("LU", "pivots"))


def _lu_each(a, part):
    """funcgrad.scipy.linalg.lu's P, L or U (part 0, 1, 2) of each matrix of a batch."""
    from funcgrad.scipy import linalg as _sl
    batch = np.shape(a)[:-2]
    if not batch:
        return _sl.lu(a)[part]
    flat = fnp.reshape(a, (-1,) + tuple(np.shape(a)[-2:]))
    pieces = fnp.stack([_sl.lu(flat[i])[part] for i in range(np.shape(flat)[0])])
    return fnp.reshape(pieces, batch + tuple(np.shape(pieces)[-2:]))


def lu(A, *, pivot=True):  # noqa: N803
    """torch.linalg.lu: A = P L U with partial pivoting (L unit lower, U upper triangular)."""
    if not pivot:
        raise NotImplementedError("torch.linalg.lu(pivot=False) is CUDA-only in PyTorch and not "
                                  "in funcgrad.torch; use pivot=True")
    P, L, U = (composite("LinalgLuBackward0", lambda a, k=k: _lu_each(a, k), A)
               for k in range(3))
    P = Tensor._make(np.asarray(P._data))  # a permutation: no gradient
    return _LU(P, L, U)


def _lapack_pivots(P, k):
    """LAPACK's k 1-based row interchanges (ipiv) giving the permutation P of A = P L U."""
    order = np.argmax(P, axis=-2)  # (P^T A)[i] = A[order[i]]
    pivots = np.empty(order.shape[:-1] + (k,), np.int32)
    for index in np.ndindex(order.shape[:-1]):
        rows = list(range(P.shape[-1]))
        for i in range(pivots.shape[-1]):
            j = rows.index(int(order[index + (i,)]))
            pivots[index + (i,)] = j + 1
            rows[i], rows[j] = rows[j], rows[i]
    return pivots


def lu_factor(A, *, pivot=True):  # noqa: N803
    """torch.linalg.lu_factor: (LU, pivots), L's strict lower part and U packed in one matrix,
    pivots LAPACK's 1-based row interchanges."""
    P, L, U = lu(A, pivot=pivot)
    m, n = A.shape[-2:]
    k = builtins.min(m, n)
    packed = (_pad_to(L - Tensor._make(np.eye(m, k, dtype=L._data.dtype)), m, n)
              + _pad_to(U, m, n))
    return _LUFactor(packed, Tensor._make(_lapack_pivots(P._data, k)))


def _pad_to(t, m, n):
    """t (… × r × c, r ≤ m, c ≤ n) placed in the top-left corner of zeros of … × m × n."""
    from funcgrad.torch.nn.functional import pad
    r, c = t.shape[-2:]
    return t if (r, c) == (m, n) else pad(t, (0, n - c, 0, m - r))


def eigh(A, UPLO="L"):  # noqa: N803
    lower = _uplo_lower(UPLO)
    return _Eigh(*_parts("LinalgEighBackward0",
                         lambda a: _la.eigh(_from_triangle(a, lower)), 2, A))


def _uplo_lower(uplo):
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo in ("L", "l")


def eigvalsh(A, UPLO="L"):  # noqa: N803
    return eigh(A, UPLO).eigenvalues


def svd(A, full_matrices=True, *, driver=None):  # noqa: N803
    return _SVD(*_parts("LinalgSvdBackward0",
                        lambda a: _la.svd(a, full_matrices=full_matrices), 3, A))


def svdvals(A, *, driver=None):  # noqa: N803
    return composite("LinalgSvdBackward0", lambda a: _la.svd(a, compute_uv=False), A)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):  # noqa: N803
    """The number of singular values above max(atol, rtol * s_max) (a positional `tol` is an
    absolute tolerance, PyTorch's older signature)."""
    if tol is not None:
        atol, rtol = tol, 0.0
    _, cut = _cutoff_ratio(A, atol, rtol)
    values = np.linalg.svd(np.asarray(A.detach()._data), compute_uv=False)
    return Tensor._make(np.asarray(np.sum(values > cut[..., None], axis=-1), np.int64))


def cond(A, p=None):  # noqa: N803
    return composite("SqueezeBackward1", lambda a: _la.cond(a, p), A)


def matrix_exp(A):  # noqa: N803
    from funcgrad.scipy.linalg import expm
    return composite("LinalgMatrixExpBackward0", expm, A)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):  # noqa: N803
    """X with A X = B (X A = B for left=False), reading only A's upper or lower triangle."""
    def fn(a, b):
        part = fnp.triu(a) if upper else fnp.tril(a)
        if unitriangular:
            n = np.shape(a)[-1]
            part = fnp.where(np.eye(n, dtype=bool), 1.0, part)
        if left:
            return _la.solve(part, b)
        return fnp.swapaxes(_la.solve(fnp.swapaxes(part, -1, -2), fnp.swapaxes(b, -1, -2)), -1, -2)
    return composite("LinalgSolveTriangularBackward0", fn, A, as_tensor_arg(B))


_Lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """The least-squares (minimum-norm) solution of A X = B, as torch.linalg.lstsq; residuals
    and singular values are filled for the drivers that give them (gelsd, gelss, gels)."""
    B = as_tensor_arg(B)
    ratio, _ = _cutoff_ratio(A, None, rcond)
    vector = B.ndim == A.ndim - 1
    solution = composite("LinalgLstsqBackward0", lambda a, b: (
        fnp.squeeze(_la.pinv(a, rcond=ratio) @ b[..., None], -1) if vector
        else _la.pinv(a, rcond=ratio) @ b), A, B)
    rank = matrix_rank(A, rtol=rcond)
    m, n = A.shape[-2:]
    empty = Tensor._make(np.zeros((0,), A._data.dtype))
    chosen = driver or "gelsy"
    residuals = empty
    if chosen in ("gelsd", "gelss", "gels") and m > n and bool(np.all(rank.numpy() == n)):
        from funcgrad.torch._ops import matmul
        error = (matmul(A, solution[..., None]).squeeze(-1) if vector else matmul(A, solution)) - B
        residuals = (error * error).sum(-2 if not vector else -1)
    values = svdvals(A) if chosen in ("gelsd", "gelss") else empty
    if chosen == "gels":  # QR without pivoting: no rank
        rank = Tensor._make(np.zeros((0,), np.int64))
    return _Lstsq(solution, residuals, rank, values)


def _info(shape):
    return Tensor._make(np.zeros(shape, np.int32))


_CholeskyEx = _return_type("linalg_cholesky_ex", ("L", "info"))
_InvEx = _return_type("linalg_inv_ex", ("inverse", "info"))
_SolveEx = _return_type("linalg_solve_ex", ("result", "info"))


def _factor_failure(values, test):
    """PyTorch's info per matrix: 0, or 1 + the order of the first failing leading minor."""
    flat = values.reshape((-1,) + values.shape[-2:])
    info = np.zeros(len(flat), np.int32)
    for i, matrix in enumerate(flat):
        for k in range(1, matrix.shape[-1] + 1):
            if not test(matrix[:k, :k]):
                info[i] = k
                break
    return info.reshape(values.shape[:-2])


def _positive_definite(m):
    try:
        np.linalg.cholesky(m)
        return True
    except np.linalg.LinAlgError:
        return False


def cholesky_ex(A, *, upper=False, check_errors=False):  # noqa: N803
    """(cholesky(A), info): info is 0, or the order of the first leading minor that is not
    positive definite (then L is not a factor: NaN here); raises with check_errors=True."""
    values = np.asarray(A.detach()._data)
    info = _factor_failure(values, _positive_definite)
    if not info.any():
        return _CholeskyEx(cholesky(A, upper=upper), Tensor._make(info))
    if check_errors:
        raise RuntimeError(f"linalg.cholesky_ex: The factorization could not be completed because "
                           f"the input is not positive-definite (the leading minor of order "
                           f"{int(info.ravel()[info.ravel() > 0][0])} is not positive-definite).")
    return _CholeskyEx(Tensor._make(np.full(values.shape, np.nan, values.dtype)),
                       Tensor._make(info))


def _zero_pivots(values):
    """LAPACK's getrf info per matrix: 1 + the index of the first exactly zero pivot of LU with
    partial pivoting, or 0."""
    flat = values.reshape((-1,) + values.shape[-2:])  # in the input's precision, as LAPACK's
    info = np.zeros(len(flat), np.int32)
    for i, m in enumerate(flat):
        m = m.copy()
        n = m.shape[-1]
        for k in range(n):
            row = k + int(np.argmax(np.abs(m[k:, k])))
            if m[row, k] == 0:
                info[i] = k + 1
                break
            m[[k, row]] = m[[row, k]]
            m[k + 1:, k:] -= np.outer(m[k + 1:, k] / m[k, k], m[k, k:])
    return info.reshape(values.shape[:-2])


def inv_ex(A, *, check_errors=False):  # noqa: N803
    """(inv(A), info): info is 0 for an invertible matrix, else LAPACK's index of the first zero
    pivot (and the inverse is NaN, where PyTorch's holds whatever the failed solve left)."""
    values = np.asarray(A.detach()._data)
    info = _zero_pivots(values)
    if not info.any():
        return _InvEx(inv(A), _info(values.shape[:-2]))
    if check_errors:
        raise RuntimeError("linalg.inv_ex: The diagonal element of the U factor is zero, the "
                           "inversion could not be completed because the input matrix is singular.")
    return _InvEx(Tensor._make(np.full(values.shape, np.nan, values.dtype)), Tensor._make(info))


def solve_ex(A, B, *, left=True, check_errors=False):  # noqa: N803
    """(solve(A, B), info), as inv_ex's info."""
    values = np.asarray(A.detach()._data)
    info = _zero_pivots(values)
    if not info.any():
        return _SolveEx(solve(A, B, left=left), _info(values.shape[:-2]))
    if check_errors:
        raise RuntimeError("linalg.solve_ex: The solver failed because the input matrix is "
                           "singular.")
    shape = np.broadcast_shapes(values.shape[:-2], tuple(as_tensor_arg(B).shape)[:-2]) + \
        tuple(as_tensor_arg(B).shape)[-2:]
    return _SolveEx(Tensor._make(np.full(shape, np.nan, values.dtype)), Tensor._make(info))


_Eig = _return_type("linalg_eig", ("eigenvalues", "eigenvectors"))


def eig(A):  # noqa: N803
    """Eigenvalues and eigenvectors of a general matrix (complex), as torch.linalg.eig."""
    return _Eig(*_parts("LinalgEigBackward0", _la.eig, 2, A))


def eigvals(A):  # noqa: N803
    return composite("LinalgEigBackward0", _la.eigvals, A)


def tensorinv(A, ind=2):  # noqa: N803
    return composite("ReshapeAliasBackward0", lambda a: _la.tensorinv(a, ind=ind), A)


def tensorsolve(A, B, dims=None):  # noqa: N803
    return composite("ReshapeAliasBackward0", lambda a, b: _la.tensorsolve(a, b, axes=dims), A,
                     as_tensor_arg(B))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    from funcgrad.torch._shape_ops import diagonal as diag
    return diag(A, offset, dim1, dim2)


def matmul(input, other):  # torch.linalg.matmul is torch.matmul
    from funcgrad.torch._ops import matmul as mm
    return mm(input, other)
