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


def pinv(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    return composite("LinalgPinvBackward0", _la.pinv, A)


def matrix_power(A, n):  # noqa: N803
    return composite("LinalgMatrixPowerBackward0", lambda a: _la.matrix_power(a, n), A)


def cholesky(A, *, upper=False):  # noqa: N803
    out = composite("LinalgCholeskyExBackward0", _la.cholesky, A)
    return out.mT if upper else out


_QR = _return_type("linalg_qr", ("Q", "R"))
_Eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_SVD = _return_type("linalg_svd", ("U", "S", "Vh"))


def _parts(name, fn, count, A):  # noqa: N803
    return tuple(composite(name, lambda a, i=i: fn(a)[i], A) for i in range(count))


def qr(A, mode="reduced"):  # noqa: N803
    return _QR(*_parts("LinalgQrBackward0", lambda a: _la.qr(a, mode=mode), 2, A))


def eigh(A, UPLO="L"):  # noqa: N803
    return _Eigh(*_parts("LinalgEighBackward0", _la.eigh, 2, A))


def eigvalsh(A, UPLO="L"):  # noqa: N803
    return eigh(A).eigenvalues


def svd(A, full_matrices=True, *, driver=None):  # noqa: N803
    return _SVD(*_parts("LinalgSvdBackward0",
                        lambda a: _la.svd(a, full_matrices=full_matrices), 3, A))


def svdvals(A, *, driver=None):  # noqa: N803
    return composite("LinalgSvdBackward0", lambda a: _la.svd(a, compute_uv=False), A)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    return Tensor._make(np.asarray(np.linalg.matrix_rank(np.asarray(A.detach()._data)), np.int64))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    from funcgrad.torch._shape_ops import diagonal as diag
    return diag(A, offset, dim1, dim2)


def matmul(input, other):  # torch.linalg.matmul is torch.matmul
    from funcgrad.torch._ops import matmul as mm
    return mm(input, other)
