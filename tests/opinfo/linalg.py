"""Linear algebra: well-conditioned matrices (stacks included), separated eigen/singular values
where the vectors are differentiated, sign-invariant functions of eigen/singular vectors."""
import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S


def _matrices(rows, cols, batch=True):
    """Arrays of shape (rows, cols) or (2, rows, cols), elements in [-2, 2]."""
    lead = st.sampled_from([(), (2,)]) if batch else st.just(())
    return lead.flatmap(lambda b: S.values(b + (rows, cols)))


def _spread(rows, cols):
    """diag(1, 2.5, 4, ...) (padded) plus a small perturbation: singular values / eigenvalues
    at least ~0.7 apart and away from 0, so their vectors are smooth functions of the input."""
    base = np.zeros((rows, cols))
    k = min(rows, cols)
    base[np.arange(k), np.arange(k)] = 1.0 + 1.5 * np.arange(k)
    # a fixed generic offset: LAPACK's Householder QR jumps sign at exactly-zero subcolumns
    base += 0.05 * np.random.default_rng(rows * 10 + cols).standard_normal((rows, cols))
    return _matrices(rows, cols).map(lambda e: base + 0.1 * e)


def well_conditioned(n=3):
    """Diagonally dominant: |a_ii| >= 5 > sum of |a_ij| over j != i."""
    return st.integers(1, n).flatmap(lambda k: _matrices(k, k).map(lambda e: e + 5 * np.eye(k)))


def square(n=3):
    return st.just(n).flatmap(lambda k: _matrices(k, k).map(lambda e: (e + 5 * np.eye(k),)))


def spd():
    return st.integers(1, 3).flatmap(
        lambda k: _matrices(k, k).map(lambda e: (e @ np.swapaxes(e, -1, -2) + k * np.eye(k),)))


def symmetric_spread(n=3):
    return _spread(n, n).map(lambda a: (a + np.swapaxes(a, -1, -2),))


def hermitian_spread(n=3):
    """Hermitian matrices with eigenvalues well apart (diag(0, 3, 6) plus a small perturbation)."""
    pairs = st.tuples(_matrices(n, n, batch=False), _matrices(n, n, batch=False))
    return pairs.map(lambda p: p[0] + 1j * p[1]).map(
        lambda b: (0.1 * (b + b.conj().T) + np.diag(3.0 * np.arange(n)),))


def solve_pair():
    def build(k):
        return st.tuples(_matrices(k, k).map(lambda e: e + 5 * np.eye(k)),
                         st.sampled_from([(k,), (k, 2)]).flatmap(S.values))
    return st.integers(1, 3).flatmap(build)


def rectangular():
    return st.sampled_from([(3, 2), (2, 3), (2, 2)]).flatmap(lambda s: _spread(*s).map(lambda a: (a,)))


def _modulus_squared(xp, z):
    """|z|^2 as re(z conj(z)): smooth everywhere (abs(z) ** 2 has abs's subgradient at 0)."""
    return xp.real(z * xp.conj(z))


def _svd_parts(xp, a, full):
    u, s, vh = xp.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]  # with full_matrices, the vectors past k are not unique: left out
    u, vh = u[..., :k], vh[..., :k, :]
    return u * u, s, vh * vh  # squares: independent of each vector's sign


def _adjugate(a):
    from funcgrad.primitives.linalg import adjugate
    return adjugate(a)


def _adjugate_map(name, t):
    import funcgrad.primitives.linalg as la
    return getattr(la, name)(_RANK_1 + _RANK_2, t)  # at a singular matrix of rank 2


def _adjugate_map(name, t):
    import funcgrad.primitives.linalg as la
    return getattr(la, name)(_RANK_1 + _RANK_2, t)  # at a singular matrix of rank 2


_RANK_2 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
_ADJ_T_RANK_2 = np.array([[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]])
_RANK_1 = np.outer([1.0, -2.0, 0.5], [3.0, 1.0, -1.0])

CASES = [
    Case("inv", lambda xp, a: xp.linalg.inv(a), well_conditioned().map(lambda a: (a,))),
    Case("solve", lambda xp, a, b: xp.linalg.solve(a, b), solve_pair()),
    Case("det", lambda xp, a: xp.linalg.det(a), well_conditioned().map(lambda a: (a,)), singular=(
        Singular((_RANK_2,), order=2, note="rank n-1: the gradient is adj(A)^T, not inf/nan"),
        Singular((_RANK_2,), grads=(_ADJ_T_RANK_2,), note="the exact adjugate"),
        Singular((_RANK_1,), order=2, note="rank n-2: zero gradient, nonzero Hessian"),
        Singular((np.zeros((2, 3, 3)),), order=2, note="the zero matrix"))),
    # the adjugate is differentiable once (det twice); its derivative maps are linear in T
    Case("adjugate", lambda xp, a: _adjugate(a), _matrices(3, 3).map(lambda a: (a,)), order=1,
         reference=False, singular=(Singular((_RANK_2,)), Singular((_RANK_1,)),
                                    Singular((np.zeros((3, 3)),)))),
    Case("adjugate_tangent", lambda xp, t: _adjugate_map("adjugate_tangent", t),
         _matrices(3, 3).map(lambda t: (t,)), reference=False, float32=False),
    Case("adjugate_cotangent", lambda xp, g: _adjugate_map("adjugate_cotangent", g),
         _matrices(3, 3).map(lambda g: (g,)), reference=False, float32=False),
    Case("slogdet", lambda xp, a: xp.linalg.slogdet(a)[1], well_conditioned().map(lambda a: (a,))),
    Case("pinv", lambda xp, a: xp.linalg.pinv(a), rectangular(), rtol=1e-4),
    Case("cholesky", lambda xp, a: xp.linalg.cholesky(a), spd()),
    Case("qr", lambda xp, a: tuple(xp.linalg.qr(a)), rectangular()),
    Case("eigh", lambda xp, a: xp.linalg.eigvalsh(a), symmetric_spread(), name="values", singular=(
        Singular((np.eye(3),), grads=(np.eye(3),), note="repeated eigenvalues: finite gradient"),)),
    Case("eigh", lambda xp, a: (xp.linalg.eigh(a)[0], xp.linalg.eigh(a)[1] ** 2),
         symmetric_spread(), name="vectors"),
    Case("eigh", lambda xp, a: (xp.linalg.eigh(a)[0], _modulus_squared(xp, xp.linalg.eigh(a)[1])),
         hermitian_spread(), name="hermitian", float32=False),
    Case("svd", lambda xp, a: _svd_parts(xp, a, False), rectangular(), name="reduced"),
    Case("svd", lambda xp, a: tuple(_modulus_squared(xp, p) if p.ndim > 1 else p
                                    for p in xp.linalg.svd(a, full_matrices=False)),
         rectangular().map(lambda t: (t[0] * (1 + 0.5j) + 0.3j * t[0][..., ::-1, :],)),
         name="complex", float32=False),
    Case("svd", lambda xp, a: _svd_parts(xp, a, True), rectangular(), name="full"),
    Case("svd", lambda xp, a: xp.linalg.svd(a, compute_uv=False), rectangular(), name="values",
         singular=(Singular((np.eye(2),), grads=(np.eye(2),),
                            note="repeated singular values: finite gradient"),)),
    Case("eig", lambda xp, a: xp.linalg.eigvals(a), _spread(3, 3).map(lambda a: (a,)),
         reference=False, float32=False),
    Case("eig", lambda xp, a: xp.abs(xp.linalg.eig(a)[1]), _spread(3, 3).map(lambda a: (a,)),
         name="vector_moduli", reference=False, float32=False),
]
