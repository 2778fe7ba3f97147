"""Matrix functions with no composite form: sqrtm (the principal square root, SciPy's values).

The derivative of X = sqrtm(A) solves the Sylvester equation X dX + dX X = dA; written with
row-major vectorisation, (X kron I + I kron X^T) vec(dX) = vec(dA). The rules solve that n^2 x n^2
system with funcgrad's own solve, so every order follows; the reverse rule solves the transposed
system. A matrix whose square root is not real (negative real eigenvalues) is refused when its
root would change dtype.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives.linalg import mT, solve
from funcgrad.primitives.shape import reshape


def _sqrtm_impl(a):
    try:
        import scipy.linalg
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("sqrtm needs SciPy (pip install 'funcgrad[scipy]')") from err
    a = np.asarray(a)
    out = np.asarray(scipy.linalg.sqrtm(a))  # (SciPy's stubs allow the older (out, error))
    if np.iscomplexobj(out) and not np.iscomplexobj(a):
        if np.allclose(np.imag(out), 0.0, atol=1e-12 * max(1.0, np.abs(out).max())):
            out = np.real(out)
        else:
            raise ValueError("sqrtm: this real matrix has no real square root (it has negative real "
                             "eigenvalues); pass a complex matrix to get the complex one")
    return np.asarray(out, dtype=np.result_type(a.dtype, np.float32))


def _sylvester_matrix(x):
    """K with K vec(dX) = vec(X dX + dX X), in row-major vectorisation."""
    n = x.shape[-1]
    eye = np.eye(n, dtype=np.result_type(x.dtype, np.float64))
    # (X kron I)[i n + k, j n + l] = X[i, j] [k == l];  (I kron X^T)[i n + k, j n + l] = [i == j] X[l, k]
    left = reshape(x, (n, 1, n, 1)) * eye.reshape(1, n, 1, n)
    right = eye.reshape(n, 1, n, 1) * reshape(mT(x), (1, n, 1, n))
    return reshape(left + right, (n * n, n * n))


def _sqrtm_jvp(t, ans, a):
    n = ans.shape[-1]
    return reshape(solve(_sylvester_matrix(ans), reshape(t, (n * n, 1))), (n, n))


def _sqrtm_vjp(g, ans, a):
    n = ans.shape[-1]
    return reshape(solve(mT(_sylvester_matrix(ans)), reshape(g, (n * n, 1))), (n, n))


def _sqrtm_shape(a):
    if len(a.shape) != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"sqrtm: expected a square matrix, got shape {a.shape}")
    return ShapedArray(a.shape, np.result_type(a.dtype, np.float32))


sqrtm = Primitive(
    "sqrtm", _sqrtm_impl, shape=_sqrtm_shape, vjp=[_sqrtm_vjp], jvp=[_sqrtm_jvp],
    family="linalg", doc="The principal square root of a square matrix, as scipy.linalg.sqrtm.")


def _sqrtm_batch(values, dims):
    from funcgrad.primitives.shape import moveaxis, stack
    x = moveaxis(values[0], dims[0], 0)
    return stack([sqrtm(x[i]) for i in range(x.shape[0])], axis=0), 0


sqrtm.batch = _sqrtm_batch
