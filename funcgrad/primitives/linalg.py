"""Linear algebra primitives: inv, solve, det, slogdet, pinv, cholesky, qr, eigh, svd, eig.

Every primitive works on stacks of matrices (leading batch dimensions, as NumPy allows).
Rules solve linear systems rather than forming inverses where that is the stabler choice.
Transposes are plain (not conjugate) transposes: for complex inputs the holomorphic primitives
(inv, solve, det, slogdet's log|det|) then follow funcgrad's complex convention (see
docs/conventions_complex.md). eigh's and cholesky's rules hold for Hermitian inputs too, qr's for
complex inputs, as pinv's and svd's (singular vectors up to a phase).

Repeated eigen- or singular values: the coupling factor 1/(w_j - w_i) is taken as 0 where the
two values are equal, so a loss depending only on the values has a finite, exact gradient; a loss
depending on vectors of a repeated value gets the gradient of one particular basis (documented
in docs/conventions_linalg.md).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, shape_of, unbroadcast
from funcgrad.primitives.contraction import as_column, as_row, matmul
from funcgrad.primitives.elementwise import equal, where
from funcgrad.primitives.reductions import sum_p

# -- matrix helpers used inside the rules (all written with primitives, so they are traced) -----


def mT(x):
    """Swap the last two axes (the matrix transpose of a stack)."""
    nd = len(shape_of(x))
    return _shape.transpose_p.bind(x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def eye_like(x, n=None):
    """The identity of size n (x's last axis by default) in x's dtype (constants keep float32)."""
    n = shape_of(x)[-1] if n is None else n
    return np.eye(n, dtype=dtype_of(x))


def diagonal(x):
    """(..., n, n) -> (..., n): the diagonal of each matrix."""
    return sum_p.bind(x * eye_like(x), axis=(len(shape_of(x)) - 1,), keepdims=False)


def diag_embed(v):
    """(..., n) -> (..., n, n): diagonal matrices with v on the diagonal."""
    s = tuple(shape_of(v))
    return _shape.reshape_p.bind(v, shape=s + (1,)) * eye_like(v)


def trace(x):
    return sum_p.bind(diagonal(x), axis=(len(shape_of(x)) - 2,), keepdims=False)


def _expand2(x):
    """(...) -> (..., 1, 1), for scaling stacks of matrices by one number each."""
    return _shape.reshape_p.bind(x, shape=tuple(shape_of(x)) + (1, 1))


def _strict_lower(x):
    n = shape_of(x)[-1]
    return np.tril(np.ones((n, n), dtype=dtype_of(x)), -1)


def _coupling(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 where w[i] == w[j] (repeated values)."""
    diff = as_row(w) - as_column(w)
    same = equal(diff, 0)
    return where(same, 0.0, 1.0 / where(same, 1.0, diff))


def _safe_reciprocal(s):
    zero = equal(s, 0)
    return where(zero, 0.0, 1.0 / where(zero, 1.0, s))


def _batch_leading(primitive):
    """Batching for ops on stacks of matrices: put every batch axis first and broadcast."""
    def rule(values, dims, **params):
        moved = [v if d is None else _shape.moveaxis(v, d, 0) for v, d in zip(values, dims)]
        size = next(shape_of(v)[0] for v, d in zip(moved, dims) if d is not None)
        rank = max(len(shape_of(v)) - (d is not None) for v, d in zip(moved, dims))
        lifted = []
        for v, d in zip(moved, dims):
            shape = tuple(shape_of(v))
            if d is None:
                shape = (1,) + shape
            v = _shape.reshape(v, (shape[0],) + (1,) * (rank - len(shape) + 1) + shape[1:])
            if d is None and len(values) > 1:
                v = _shape.broadcast_to(v, (size,) + tuple(shape_of(v))[1:])
            lifted.append(v)
        return primitive.bind(*lifted, **params), 0
    return rule


def _by_identity(impl):
    """A shape rule running `impl` on identity matrices (zeros would be singular)."""
    def rule(*avals, **params):
        values = [np.broadcast_to(np.eye(*a.shape[-2:], dtype=a.dtype), a.shape) if a.ndim >= 2
                  else np.zeros(a.shape, a.dtype) for a in avals]
        out = impl(*values, **params)
        outs = out if isinstance(out, tuple) else (out,)
        avals_out = tuple(ShapedArray(np.shape(o), np.asarray(o).dtype) for o in outs)
        return avals_out if isinstance(out, tuple) else avals_out[0]
    return rule


def _linalg(name, impl, *, vjp, jvp, shape=None, multiple_results=False, doc=None):
    prim = Primitive(name, impl, shape=shape or _by_identity(impl), vjp=vjp, jvp=jvp,
                     multiple_results=multiple_results, family="linalg", doc=doc)
    prim.batch = _batch_leading(prim)
    return prim


# -- inverse and linear solves -------------------------------------------------------------------

# d(A^-1) = -A^-1 dA A^-1
inv = _linalg("inv", np.linalg.inv,
              vjp=[lambda g, ans, a: -matmul(mT(ans), matmul(g, mT(ans)))],
              jvp=[lambda t, ans, a: -matmul(ans, matmul(t, ans))])


def _solve_vjp_a(g, ans, a, b):
    # x = A^-1 b:  a_bar = -(A^-T g) x^T
    return unbroadcast(-matmul(solve(mT(a), g), mT(ans)), a)


solve = _linalg(
    "solve", np.linalg.solve,
    vjp=[_solve_vjp_a, lambda g, ans, a, b: unbroadcast(solve(mT(a), g), b)],
    jvp=[lambda t, ans, a, b: -solve(a, matmul(t, ans)), lambda t, ans, a, b: solve(a, t)],
    shape=lambda a, b: ShapedArray(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                                   np.result_type(a.dtype, b.dtype)),
    doc="x with a @ x = b, for b of shape (..., n, k).")


def _inverse_transpose(a):
    return solve(mT(a), np.broadcast_to(eye_like(a), shape_of(a)))


# -- the adjugate, and det through it (exact at singular matrices) -------------------------------
# With A = U S W^H (U, W unitary): adj(A) = c W adj(S) U^H, c = det(U) det(W^H), and
# adj(A + dA) = c W adj(S + E) U^H exactly, E = U^H dA W. For diagonal S, to first order,
# d adj(S)[E]_ij = -E_ij P_ij (i != j) and sum_{k != i} E_kk P_ik (i == j), P_ik being the
# product of the singular values other than s_i and s_k: no division anywhere, so the rules hold
# at singular matrices too.

def _products_but_one(s):
    """(..., n) -> (..., n): the product of the other entries, from prefix and suffix products."""
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    prefix = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    suffix = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return prefix * suffix


def _adjugate_impl(a):
    a = np.asarray(a)
    if a.shape[-1] == 0:
        return np.zeros(a.shape, a.dtype)
    u, s, vh = np.linalg.svd(a)
    c = np.linalg.det(u) * np.linalg.det(vh)
    w = np.conj(np.swapaxes(vh, -1, -2))
    out = (w * _products_but_one(s)[..., None, :]) @ np.conj(np.swapaxes(u, -1, -2))
    return (c[..., None, None] * out).astype(a.dtype, copy=False)


def _svd_frame(a):
    """(U, W, c, P) of A = U S W^H: c = det(U) det(W^H), P[..., i, k] the product of the singular
    values other than s_i and s_k."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    index = np.arange(n)
    drop = (index[:, None, None] == index) | (index[None, :, None] == index)  # (i, k, l)
    pairs = np.where(drop, 1.0, s[..., None, None, :]).prod(axis=-1)
    c = (np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    return u, np.conj(np.swapaxes(vh, -1, -2)), c, pairs


def _diagonal_tangent(e, pairs):
    """d adj(S)[E] for diagonal S; the map is its own transpose."""
    n = e.shape[-1]
    eye = np.eye(n, dtype=bool)
    on = (np.where(eye, 0.0, np.diagonal(e, axis1=-2, axis2=-1)[..., None, :] * pairs)).sum(-1)
    return np.where(eye, on[..., None] * eye, -e * pairs)


def _adjugate_tangent_impl(a, t):
    u, w, c, pairs = _svd_frame(a)
    e = np.conj(np.swapaxes(u, -1, -2)) @ t @ w
    out = c * (w @ _diagonal_tangent(e, pairs) @ np.conj(np.swapaxes(u, -1, -2)))
    return out.astype(np.result_type(a, t), copy=False)


def _adjugate_cotangent_impl(a, g):
    # the plain transpose of dA -> c W D[U^H dA W] U^H
    u, w, c, pairs = _svd_frame(a)
    h = c * (np.swapaxes(w, -1, -2) @ g @ np.conj(u))
    out = np.conj(u) @ _diagonal_tangent(h, pairs) @ np.swapaxes(w, -1, -2)
    return out.astype(np.result_type(a, g), copy=False)


def _third_derivative(g, ans, a, t):
    raise NotImplementedError(
        f"funcgrad: det is differentiable to second order (adjugate to first order), exactly, "
        f"singular matrices included; a third derivative of det (or second of the adjugate) is "
        f"not implemented. For a nonsingular matrix use exp(slogdet(a)[1]) * slogdet(a)[0].")


def _two_matrices(a, t):
    return ShapedArray(np.broadcast_shapes(a.shape, t.shape), np.result_type(a.dtype, t.dtype))


# both maps are linear in their second argument, and each is the transpose of the other
adjugate_tangent = _linalg(
    "adjugate_tangent", _adjugate_tangent_impl, shape=_two_matrices,
    vjp=[_third_derivative, lambda g, ans, a, t: adjugate_cotangent(a, g)],
    jvp=[_third_derivative, lambda s, ans, a, t: adjugate_tangent(a, s)],
    doc="d adj(A)[T], the adjugate's derivative at A in the direction T.")
adjugate_cotangent = _linalg(
    "adjugate_cotangent", _adjugate_cotangent_impl, shape=_two_matrices,
    vjp=[_third_derivative, lambda h, ans, a, g: adjugate_tangent(a, h)],
    jvp=[_third_derivative, lambda s, ans, a, g: adjugate_cotangent(a, s)],
    doc="The transpose of T -> d adj(A)[T], applied to a cotangent G.")


adjugate = _linalg("adjugate", _adjugate_impl,
                   vjp=[lambda g, ans, a: adjugate_cotangent(a, g)],
                   jvp=[lambda t, ans, a: adjugate_tangent(a, t)],
                   shape=lambda a: ShapedArray(a.shape, a.dtype),
                   doc="The adjugate (classical adjoint) of each matrix: adj(A) A = det(A) I.")

# d det(A) = tr(adj(A) dA): exact at singular matrices (the gradient is adj(A)^T), no inverse
det = _linalg("det", np.linalg.det,
              vjp=[lambda g, ans, a: _expand2(g) * mT(adjugate(a))],
              jvp=[lambda t, ans, a: trace(matmul(adjugate(a), t))],
              shape=lambda a: ShapedArray(a.shape[:-2], a.dtype))


def _slogdet_jvp(t, ans, a):
    # with tau = tr(A^-1 dA): d log|det A| = re(tau); d sign = i im(tau) sign (0 for real A)
    from funcgrad.primitives.elementwise import imag, real
    sign, logabsdet = ans
    tau = trace(solve(a, t))
    if not _is_complex(tau):
        return np.zeros(shape_of(sign), dtype_of(sign)), tau
    return sign * (1j * imag(tau)), real(tau)


def _slogdet_vjp(g, ans, a):
    # a_bar = (g_logabsdet + i im(g_sign sign)) A^-T  (the second term only for complex A)
    from funcgrad.primitives.elementwise import imag
    sign, logabsdet = ans
    g_sign, g_log = g
    weight = g_log + 1j * imag(g_sign * sign) if _is_complex(a) else g_log
    return _expand2(weight) * _inverse_transpose(a)


slogdet = _linalg("slogdet", lambda a: tuple(np.linalg.slogdet(a)),
                  vjp=[_slogdet_vjp], jvp=[_slogdet_jvp], multiple_results=True)


def _pinv_jvp(t, ans, a, rcond):
    # dA+ = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+
    p = ans
    left = eye_like(a, shape_of(a)[-2]) - matmul(a, p)
    right = eye_like(a) - matmul(p, a)
    t_h, p_h = _hermitian(t), _hermitian(p)
    return (-matmul(p, matmul(t, p)) + matmul(matmul(p, p_h), matmul(t_h, left))
            + matmul(right, matmul(t_h, matmul(p_h, p))))


def _pinv_vjp(g, ans, a, rcond):
    # the transpose of each term; the dA^H terms are antilinear, so theirs are conjugated
    p = ans
    left = eye_like(a, shape_of(a)[-2]) - matmul(a, p)
    right = eye_like(a) - matmul(p, a)
    p_h = _hermitian(p)
    return (-matmul(mT(p), matmul(g, mT(p)))
            + _conj(matmul(left, matmul(mT(g), matmul(p, p_h))))
            + _conj(matmul(matmul(p_h, p), matmul(mT(g), right))))


pinv = _linalg("pinv", lambda a, rcond: np.linalg.pinv(a, rcond=rcond), vjp=[_pinv_vjp], jvp=[_pinv_jvp],
               doc="Moore-Penrose pseudo-inverse; its derivative holds where the rank is constant.")


# -- factorizations --------------------------------------------------------------------------------

def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    return x * (_strict_lower(x) + 0.5 * eye_like(x))


def _cholesky_jvp(t, ans, a):
    # dL = L phi(L^-1 dA L^-H)
    inner = solve(ans, _hermitian(solve(ans, _hermitian(t))))
    return matmul(ans, _phi(inner))


def _cholesky_vjp(g, ans, a):
    # S = L^-T phi(L^T g) conj(L)^-1, a_bar = (S + S^H) / 2
    y = solve(mT(ans), _phi(matmul(mT(ans), g)))
    s = mT(solve(mT(_conj(ans)), mT(y)))
    return 0.5 * (s + _hermitian(s))


def _hermitian(x):
    """The conjugate transpose (the plain transpose for real x)."""
    return _conj(mT(x))


cholesky = _linalg("cholesky", np.linalg.cholesky, vjp=[_cholesky_vjp], jvp=[_cholesky_jvp],
                   doc="Lower Cholesky factor of a symmetric (Hermitian) positive-definite input.")


def _skew_part(x):
    """Omega with Q^H dQ = Omega: strict lower part of x, minus its conjugate transpose, plus
    i im(diag(x)) (zero for real x)."""
    low = x * _strict_lower(x)
    omega = low - _hermitian(low)
    if _is_complex(x):
        from funcgrad.primitives.elementwise import imag
        omega = omega + 1j * diag_embed(imag(diagonal(x)))
    return omega


def _skew_part_transpose(m):
    """The transpose of _skew_part under the pairing re(sum(ct * t))."""
    low = m * _strict_lower(m)
    out = low - _hermitian(m) * _strict_lower(m)
    if _is_complex(m):
        from funcgrad.primitives.elementwise import imag
        out = out + 1j * diag_embed(imag(diagonal(m)))
    return out


def _qr_jvp(t, ans, a):
    # X = Q^H dA R^-1; dR = (X - Omega) R, dQ = dA R^-1 - Q (X - Omega)
    q, r = ans
    da_rinv = mT(solve(mT(r), mT(t)))
    x = matmul(_hermitian(q), da_rinv)
    upper = x - _skew_part(x)
    return da_rinv - matmul(q, upper), matmul(upper, r)


def _qr_vjp(g, ans, a):
    # M = R_bar R^T - Q^T Q_bar; N = M - Omega*(M); a_bar = (Q_bar + conj(Q) N) R^-T   (m >= n)
    q, r = ans
    gq, gr = g
    m = matmul(gr, mT(r)) - matmul(mT(q), gq)
    n = m - _skew_part_transpose(m)
    b = gq + matmul(_conj(q), n)
    return mT(solve(r, mT(b)))


qr = _linalg("qr", lambda a: tuple(np.linalg.qr(a, mode="reduced")),
             vjp=[_qr_vjp], jvp=[_qr_jvp], multiple_results=True,
             doc="Reduced QR of a tall (m >= n) matrix stack.")


def _is_complex(x):
    return np.issubdtype(dtype_of(x), np.complexfloating)


def _is_zero(x):
    """A cotangent that is a plain all-zero array (the filler for an unused output)."""
    return not hasattr(x, "_owner") and not np.any(x)


def _conj(x):
    from funcgrad.primitives.elementwise import conjugate
    return conjugate(x) if _is_complex(x) else x


def _eigh_jvp(t, ans, a):
    # dP = V^H dA V; dw = re diag(dP); dV = V (F o dP)
    from funcgrad.primitives.elementwise import real
    w, v = ans
    p = matmul(mT(_conj(v)), matmul(t, v))
    dw = diagonal(p)
    return (real(dw) if _is_complex(dw) else dw), matmul(v, _coupling(w) * p)


def _eigh_vjp(g, ans, a):
    # a_bar = conj(V) (diag(w_bar) + F o (V^T V_bar)) V^T  (V^-H = V for a Hermitian input)
    w, v = ans
    gw, gv = g
    inner = diag_embed(gw) + _coupling(w) * matmul(mT(v), gv)
    return matmul(_conj(v), matmul(inner, mT(v)))


eigh = _linalg("eigh", lambda a: tuple(np.linalg.eigh(a)), vjp=[_eigh_vjp], jvp=[_eigh_jvp],
               multiple_results=True,
               doc="Eigenvalues (ascending) and eigenvectors of a symmetric or Hermitian matrix "
                   "stack. Complex eigenvectors have an arbitrary phase per column: only "
                   "phase-invariant functions of them have a meaningful derivative.")


def _svd_parts(ans, full_matrices):
    """(U, s, V, k) with V = Vh^H, restricted to the first k = min(m, n) vectors."""
    u, s, vh = ans
    k = shape_of(s)[-1]
    if full_matrices:
        u = _take_columns(u, k)
        vh = mT(_take_columns(mT(vh), k))
    return u, s, _hermitian(vh), k


def _take_columns(x, k):
    if shape_of(x)[-1] == k:
        return x
    from funcgrad.primitives.indexing import getitem_p
    return getitem_p.bind(x, index=(Ellipsis, slice(0, k)))


def _pad_columns(x, n):
    k = shape_of(x)[-1]
    if k == n:
        return x
    zeros = np.zeros(tuple(shape_of(x)[:-1]) + (n - k,), getattr(x, "dtype", np.float64))
    return _shape.concatenate_p.bind(x, zeros, axis=len(shape_of(x)) - 1)


def _imaginary_diagonal(x, scale):
    """diag(i im(diag(x)) * scale): the phase term of complex singular vectors (0 if real)."""
    from funcgrad.primitives.elementwise import imag
    return diag_embed(1j * imag(diagonal(x)) * scale)


def _svd_jvp(t, ans, a, full_matrices):
    # dP = U^H dA V; ds = re diag(dP); F[i, j] = 1 / (s_j^2 - s_i^2)
    # dU = U (F o (dP S + S dP^H) + i im(diag dP) / S) + (I - U U^H) dA V S^-1
    # dV = V (F o (S dP + dP^H S)) + (I - V V^H) dA^H U S^-1
    u, s, v, k = _svd_parts(ans, full_matrices)
    m, n = shape_of(a)[-2], shape_of(a)[-1]
    f = _coupling(s * s)
    dp = matmul(_hermitian(u), matmul(t, v))
    dp_h = _hermitian(dp)
    srow, scol = as_row(s), as_column(s)
    sinv = _safe_reciprocal(s)
    du = matmul(u, f * (dp * srow + scol * dp_h))
    dv = matmul(v, f * (scol * dp + dp_h * srow))
    ds = diagonal(dp)
    if _is_complex(dp):
        from funcgrad.primitives.elementwise import real
        du = du + matmul(u, _imaginary_diagonal(dp, sinv))
        ds = real(ds)
    if m > k:
        du = du + matmul(eye_like(a, m) - matmul(u, _hermitian(u)), matmul(t, v)) * as_row(sinv)
    if n > k:
        dv = dv + matmul(eye_like(a, n) - matmul(v, _hermitian(v)),
                         matmul(_hermitian(t), u)) * as_row(sinv)
    if full_matrices:
        du, dv = _pad_columns(du, m), _pad_columns(dv, n)
    return du, ds, _hermitian(dv)


def _svd_vjp(g, ans, a, full_matrices):
    # with A1 = U^T U_bar, A2 = V^T V_bar (V_bar = Vh_bar^H), F as in the jvp:
    # E = diag(s_bar) + (F o (A1 - A1^H)) S + S (F o (A2 - A2^H)) + i im(diag A1) / S
    # a_bar = conj(U) E V^T + (U_bar - conj(U) A1) S^-1 V^T + conj(U) S^-1 (V_bar^H - V_bar^H conj(V) V^T)
    u, s, v, k = _svd_parts(ans, full_matrices)
    gu, gs, gvh = g
    gu = _take_columns(gu, k)
    gv = _take_columns(_hermitian(gvh), k)
    m, n = shape_of(a)[-2], shape_of(a)[-1]
    f = _coupling(s * s)
    sinv = _safe_reciprocal(s)
    a1 = matmul(mT(u), gu)
    a2 = matmul(mT(v), gv)
    inner = (diag_embed(gs) + (f * (a1 - _hermitian(a1))) * as_row(s)
             + as_column(s) * (f * (a2 - _hermitian(a2))))
    if _is_complex(a1):
        inner = inner + _imaginary_diagonal(a1, sinv)
    u_c = _conj(u)
    out = matmul(u_c, matmul(inner, mT(v)))
    if m > k:
        out = out + matmul((gu - matmul(u_c, a1)) * as_row(sinv), mT(v))
    if n > k:
        gv_h = _hermitian(gv)
        out = out + matmul(u_c * as_row(sinv), gv_h - matmul(matmul(gv_h, _conj(v)), mT(v)))
    return out


svd = _linalg("svd", lambda a, full_matrices: tuple(np.linalg.svd(a, full_matrices=full_matrices)),
              vjp=[_svd_vjp], jvp=[_svd_jvp], multiple_results=True,
              doc="Singular value decomposition (u, s, vh). With full_matrices, the columns beyond "
                  "min(m, n) are treated as constants (they are not unique).")


def _column_real_dot(u, v):
    """re(sum_i u_ij v_ij) for each column j, as a (..., 1, n) row."""
    from funcgrad.primitives.elementwise import real
    return real(sum_p.bind(u * v, axis=(len(shape_of(u)) - 2,), keepdims=True))


def _eig_vjp(g, ans, a):
    # G' = V_bar - conj(V) re(colsum(V_bar o V));  a_bar = V^-T (diag(w_bar) + F o (V^T G')) V^T
    from funcgrad.primitives.elementwise import conjugate, real
    w, v = ans
    gw, gv = g
    gv = gv - conjugate(v) * _column_real_dot(gv, v)
    inner = diag_embed(gw) + _coupling(w) * matmul(mT(v), gv)
    out = solve(mT(v), matmul(inner, mT(v)))
    if not np.iscomplexobj(np.empty(0, getattr(a, "dtype", np.float64))):
        out = real(out)
    return out


def _eig_jvp(t, ans, a):
    # X = V^-1 dA V; dw = diag(X); dV = V (F o X), minus its part along V (unit-norm vectors)
    from funcgrad.primitives.elementwise import conjugate
    w, v = ans
    x = solve(v, matmul(t, v))
    dv = matmul(v, _coupling(w) * x)
    return diagonal(x), dv - v * _column_real_dot(conjugate(v), dv)


eig = _linalg("eig", lambda a: tuple(np.asarray(o, dtype=np.result_type(o, np.complex64))
                                     for o in np.linalg.eig(a)),
              vjp=[_eig_vjp], jvp=[_eig_jvp], multiple_results=True,
              doc="Eigenvalues and unit eigenvectors of a general square matrix (complex). "
                  "The eigenvectors' phase is not unique: only phase-invariant functions of them "
                  "(|v|, v v^H, ...) have a meaningful derivative.")
