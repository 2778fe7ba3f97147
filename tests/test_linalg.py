"""funcgrad.numpy.linalg: values match numpy.linalg; derivatives match finite differences to
second order in both modes; the documented edge cases (zero vector, repeated values) hold."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from tests._numeric import check_scalar

L = fnp.linalg
rng = np.random.default_rng(42)
A = rng.standard_normal((3, 3)) + 2.5 * np.eye(3)
SPD = A @ A.T + 3 * np.eye(3)
TALL = rng.standard_normal((4, 3))
WIDE = TALL.T.copy()
VEC = rng.standard_normal(3)
STACK = rng.standard_normal((2, 3, 3)) + 2.5 * np.eye(3)


def wave(x):
    return fnp.sum(fnp.sin(x))


CASES = {
    "inv": (lambda a: wave(L.inv(a)), A),
    "inv_batched": (lambda a: wave(L.inv(a)), STACK),
    "solve_matrix": (lambda a: wave(L.solve(a, TALL.T)), A),
    "solve_vector_rhs": (lambda b: wave(L.solve(A, b)), VEC),
    "solve_batched_a": (lambda a: wave(L.solve(a, VEC)), STACK),
    "det": (lambda a: L.det(a), A),
    "det_batched": (lambda a: fnp.sum(L.det(a)), STACK),
    "slogdet": (lambda a: L.slogdet(a)[1], A),
    "pinv_tall": (lambda a: wave(L.pinv(a)), TALL),
    "pinv_wide": (lambda a: wave(L.pinv(a)), WIDE),
    "lstsq": (lambda a: wave(L.lstsq(a, VEC @ WIDE[:, :3].T @ np.ones((3, 4)) if False else
                                    np.arange(4.0))[0]), TALL),
    "cholesky": (lambda a: wave(L.cholesky(a)), SPD),
    "qr_tall": (lambda a: wave(L.qr(a)[0]) + fnp.sum(fnp.cos(L.qr(a)[1])), TALL),
    "qr_wide": (lambda a: wave(L.qr(a)[0]) + fnp.sum(fnp.cos(L.qr(a)[1])), WIDE),
    "eigh_values": (lambda a: wave(L.eigvalsh(a)), SPD),
    "eigh_vectors": (lambda a: fnp.sum(L.eigh(a)[1] ** 4), SPD),
    "svd_square": (lambda a: wave(L.svd(a)[1]) + fnp.sum(L.svd(a)[0] ** 4)
                   + fnp.sum(L.svd(a)[2] ** 4), A),
    "svd_tall_reduced": (lambda a: fnp.sum(L.svd(a, full_matrices=False)[0] ** 4)
                         + fnp.sum(L.svd(a, full_matrices=False)[2] ** 4), TALL),
    "svd_wide_reduced": (lambda a: fnp.sum(L.svd(a, full_matrices=False)[0] ** 4)
                         + fnp.sum(L.svd(a, full_matrices=False)[2] ** 4), WIDE),
    "svdvals": (lambda a: wave(L.svd(a, compute_uv=False)), TALL),
    "eigvals": (lambda a: fnp.sum(fnp.real(L.eigvals(a)) ** 2), A),
    "matrix_power_3": (lambda a: wave(L.matrix_power(a, 3)), A),
    "matrix_power_-2": (lambda a: wave(L.matrix_power(a, -2)), A),
    "multi_dot": (lambda a: wave(L.multi_dot([VEC, a, a, VEC])), A),
    "tensorinv": (lambda a: wave(L.tensorinv(a.reshape(2, 2, 4), ind=2)),
                  rng.standard_normal(16)),
    "tensorsolve": (lambda a: wave(L.tensorsolve(a.reshape(2, 2, 4), np.ones((2, 2)))),
                    rng.standard_normal(16)),
    "cond": (lambda a: L.cond(a), A),
    "cond_fro": (lambda a: L.cond(a, "fro"), A),
}
NORMS = [(None, VEC), (1, VEC), (3, VEC), (0.5, np.abs(VEC) + 0.5), (np.inf, VEC), (-np.inf, VEC),
         (None, A), ("fro", A), ("nuc", A), (2, A), (-2, A), (1, A), (-1, A), (np.inf, A),
         (-np.inf, A)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_linalg_derivatives(name):
    f, x = CASES[name]
    check_scalar(f, x)


@pytest.mark.parametrize("ord_, x", NORMS, ids=[f"{o}-{np.ndim(x)}d" for o, x in NORMS])
def test_norm_values_and_derivatives(ord_, x):
    np.testing.assert_allclose(L.norm(x, ord_), np.linalg.norm(x, ord_), rtol=1e-12)
    check_scalar(lambda a: L.norm(a, ord_), x)


@pytest.mark.parametrize("ord_", [None, 1, 2, 3, np.inf])
def test_norm_gradient_is_zero_at_the_zero_vector(ord_):
    g = fg.grad(lambda x: L.norm(x, ord_))(np.zeros(3))
    assert np.all(np.isfinite(g)) and np.all(g == 0)
    assert np.all(fg.grad(lambda x: L.norm(x))(np.zeros((2, 2))) == 0)


def test_norm_axis_and_keepdims_match_numpy():
    x = rng.standard_normal((2, 3, 4))
    for kw in [dict(axis=1), dict(axis=(0, 2)), dict(axis=-1, keepdims=True),
               dict(axis=(1, 2), ord="nuc", keepdims=True), dict(axis=(2, 0), ord=1)]:
        np.testing.assert_allclose(L.norm(x, **kw), np.linalg.norm(x, **kw), rtol=1e-12)


def test_values_match_numpy():
    np.testing.assert_allclose(L.inv(STACK), np.linalg.inv(STACK))
    np.testing.assert_allclose(L.solve(A, VEC), np.linalg.solve(A, VEC))
    np.testing.assert_allclose(L.det(STACK), np.linalg.det(STACK))
    np.testing.assert_allclose(L.slogdet(A)[1], np.linalg.slogdet(A)[1])
    np.testing.assert_allclose(L.pinv(TALL), np.linalg.pinv(TALL))
    np.testing.assert_allclose(L.cholesky(SPD), np.linalg.cholesky(SPD))
    np.testing.assert_allclose(L.cholesky(SPD, upper=True), np.linalg.cholesky(SPD, upper=True))
    for m in (TALL, WIDE):
        q, r = L.qr(m)
        np.testing.assert_allclose(q @ r, m, atol=1e-12)
        np.testing.assert_allclose(np.abs(r), np.abs(np.linalg.qr(m)[1]), atol=1e-12)
    np.testing.assert_allclose(L.eigvalsh(SPD), np.linalg.eigvalsh(SPD))
    for m in (A, TALL, WIDE):
        np.testing.assert_allclose(L.svd(m, compute_uv=False), np.linalg.svd(m, compute_uv=False))
        u, s, vh = L.svd(m)
        assert u.shape == np.linalg.svd(m)[0].shape and vh.shape == np.linalg.svd(m)[2].shape
    np.testing.assert_allclose(L.matrix_power(A, -2), np.linalg.matrix_power(A, -2))
    np.testing.assert_allclose(L.multi_dot([VEC, A, A]), np.linalg.multi_dot([VEC, A, A]))
    t = rng.standard_normal((2, 2, 4))
    np.testing.assert_allclose(L.tensorinv(t.reshape(4, 4).reshape(2, 2, 4)), np.linalg.tensorinv(t))
    np.testing.assert_allclose(L.tensorsolve(t, np.ones((2, 2))), np.linalg.tensorsolve(t, np.ones((2, 2))))
    x, res, rank, s = L.lstsq(TALL, np.arange(4.0))
    nx, nres, nrank, ns = np.linalg.lstsq(TALL, np.arange(4.0))
    np.testing.assert_allclose(x, nx)
    np.testing.assert_allclose(res, nres)
    assert rank == nrank
    np.testing.assert_allclose(L.cond(A), np.linalg.cond(A))
    assert L.matrix_rank(A) == 3
    np.testing.assert_allclose(np.sort_complex(L.eigvals(A)), np.sort_complex(np.linalg.eigvals(A)))


def test_repeated_values_give_finite_value_gradients():
    eye = np.eye(3)
    np.testing.assert_allclose(fg.grad(lambda a: fnp.sum(L.eigvalsh(a) ** 2))(eye), 2 * eye)
    np.testing.assert_allclose(fg.grad(lambda a: fnp.sum(L.svd(a, compute_uv=False)))(eye), eye)
    assert np.all(np.isfinite(fg.hessian(lambda a: fnp.sum(L.eigvalsh(a) ** 3))(eye)))
    np.testing.assert_allclose(fg.grad(lambda a: L.norm(a, "nuc"))(eye), eye)


def test_eigh_gradient_is_symmetric_and_ignores_asymmetry():
    g = fg.grad(lambda a: L.eigvalsh(a)[-1])(SPD)
    np.testing.assert_allclose(g, g.T)
    w, v = np.linalg.eigh(SPD)
    np.testing.assert_allclose(g, np.outer(v[:, -1], v[:, -1]), atol=1e-12)


def test_batched_leading_dimensions():
    g = fg.grad(lambda a: fnp.sum(L.slogdet(a)[1]))(STACK)
    np.testing.assert_allclose(g, np.linalg.inv(STACK).transpose(0, 2, 1), rtol=1e-10)
    check_scalar(lambda a: wave(L.svd(a)[1]) + fnp.sum(L.qr(a)[0] ** 4) + wave(L.eigh(a + a.transpose(0, 2, 1))[0]), STACK)


def test_eig_vectors_phase_invariant_derivative():
    sym = A + A.T  # real eigenvectors: the phase is a sign, and |v| is sign-invariant
    check_scalar(lambda a: fnp.sum(fnp.abs(L.eig(a)[1]) ** 3), sym)
    check_scalar(lambda a: fnp.sum(fnp.abs(L.eig(a)[1][:, 0]) ** 3), A, second_order=False)


def test_against_torch():
    torch = pytest.importorskip("torch")
    f_torch = lambda a: torch.linalg.svdvals(torch.linalg.inv(a) @ a.T).sum() + torch.logdet(a @ a.T)  # noqa: E731
    f = lambda a: fnp.sum(L.svd(L.inv(a) @ a.T, compute_uv=False)) + L.slogdet(a @ a.T)[1]  # noqa: E731
    at = torch.tensor(A, requires_grad=True)
    f_torch(at).backward()
    np.testing.assert_allclose(fg.grad(f)(A), at.grad.numpy(), rtol=1e-8)


def test_hermitian_eigh():
    b = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    h = b + b.conj().T + np.diag([0.0, 3.0, 6.0])
    np.testing.assert_allclose(L.eigvalsh(h), np.linalg.eigvalsh(h))
    check_scalar(lambda a: fnp.sum(L.eigvalsh(a) * np.array([1.0, -2.0, 0.5])), h)
    check_scalar(lambda a: fnp.sum(fnp.abs(L.eigh(a)[1]) ** 3), h)  # phase-invariant
    # d w_k / dA = conj(v_k) v_k^T under the convention d f = re(sum(G * dA))
    w, v = np.linalg.eigh(h)
    np.testing.assert_allclose(fg.grad(lambda a: L.eigvalsh(a)[2])(h), np.outer(v[:, 2].conj(), v[:, 2]),
                               atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3)])
def test_complex_svd(shape):
    b = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    np.testing.assert_allclose(L.svd(b, compute_uv=False), np.linalg.svd(b, compute_uv=False))
    k = min(shape)
    w1, w2 = rng.standard_normal((shape[0], k)), rng.standard_normal((k, shape[1]))

    def f(a):  # |U|, |Vh| and s: independent of the phase of each singular vector pair
        u, s, vh = L.svd(a, full_matrices=False)
        return fnp.sum(fnp.abs(u) ** 2 * w1) + fnp.sum(fnp.abs(vh) ** 2 * w2) + fnp.sum(fnp.sin(s))
    check_scalar(f, b)
    check_scalar(lambda a: L.norm(a, "nuc"), b)


def test_complex_inputs_of_the_holomorphic_solvers():
    c = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)) + np.diag([0.0, 3.0, 6.0])
    check_scalar(lambda a: fnp.sum(fnp.abs(L.eigvals(a)) ** 2), c)
    check_scalar(lambda a: fnp.sum(fnp.abs(L.eig(a)[1]) ** 4), c)
    check_scalar(lambda a: fnp.abs(L.det(a)) ** 2, c)
    check_scalar(lambda a: fnp.sum(fnp.abs(L.inv(a)) ** 2), c)
    check_scalar(lambda a: fnp.sum(fnp.abs(L.solve(a, np.ones(3))) ** 2), c)
    check_scalar(lambda a: L.slogdet(a)[1], c)
    check_scalar(lambda a: fnp.real(L.slogdet(a)[0] * (1 + 2j)), c)  # the phase of det


def test_hermitian_cholesky():
    b = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    h = b @ b.conj().T + 3 * np.eye(3)
    np.testing.assert_allclose(L.cholesky(h), np.linalg.cholesky(h))
    np.testing.assert_allclose(L.cholesky(h, upper=True), np.linalg.cholesky(h, upper=True))
    check_scalar(lambda a: fnp.sum(fnp.abs(L.cholesky(a)) ** 2 * np.arange(9.0).reshape(3, 3)), h)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3)])
def test_complex_qr(shape):
    c = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    q, r = L.qr(c)
    np.testing.assert_allclose(q @ r, c, atol=1e-12)
    np.testing.assert_allclose(np.abs(r), np.abs(np.linalg.qr(c)[1]), atol=1e-12)
    w = rng.standard_normal(shape)[: min(shape)]
    check_scalar(lambda a: fnp.sum(fnp.real(L.qr(a)[0] * fnp.conj(L.qr(a)[0]))[:, :1])
                 + fnp.sum(fnp.real(L.qr(a)[1] * (1 + 2j)) * w), c)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3)])
def test_complex_pinv_and_lstsq(shape):
    c = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    np.testing.assert_allclose(L.pinv(c), np.linalg.pinv(c))
    w = rng.standard_normal(shape[::-1])
    check_scalar(lambda a: fnp.sum(fnp.abs(L.pinv(a)) ** 2 * w) + fnp.sum(fnp.real(L.pinv(a) * (1 + 2j))), c)
