"""torch.linalg's solvers, factorisations with info, tolerances and matrix functions, against
PyTorch by value and gradient."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 4))
SPD = A @ A.T + 4 * np.eye(4)
TALL = RNG.normal(size=(5, 3))
RHS = RNG.normal(size=(4, 2))
TALL_RHS = RNG.normal(size=(5, 2))

CALLS = {
    "matrix_exp": lambda L, a, s, r: L.matrix_exp(a * 0.3),
    "solve_triangular_upper": lambda L, a, s, r: L.solve_triangular(s.triu(), _t(L, RHS), upper=True),
    "solve_triangular_lower_right": lambda L, a, s, r: L.solve_triangular(
        s.tril(), _t(L, RHS.T), upper=False, left=False),
    "solve_triangular_unit": lambda L, a, s, r: L.solve_triangular(
        a.triu(), _t(L, RHS), upper=True, unitriangular=True),
    "lstsq": lambda L, a, s, r: L.lstsq(r, _t(L, TALL_RHS)).solution,
    "cond": lambda L, a, s, r: L.cond(a),
    "cholesky_ex": lambda L, a, s, r: L.cholesky_ex(s).L,
    "inv_ex": lambda L, a, s, r: L.inv_ex(a).inverse,
    "solve_ex": lambda L, a, s, r: L.solve_ex(a, _t(L, RHS)).result,
    "eigvals": lambda L, a, s, r: L.eigvals(s).real,
    "eig_values": lambda L, a, s, r: L.eig(s).eigenvalues.real,
    "tensorinv": lambda L, a, s, r: L.tensorinv(a.reshape(2, 2, 4), 2),
    "tensorsolve": lambda L, a, s, r: L.tensorsolve(a.reshape(2, 2, 4), _t(L, RHS.reshape(2, 2, 2)[..., 0])),
    "pinv_rtol": lambda L, a, s, r: L.pinv(r, rtol=0.5),
    "pinv_atol": lambda L, a, s, r: L.pinv(r, atol=1.5),
    "pinv_rcond": lambda L, a, s, r: L.pinv(r, 0.5),
}


def _t(L, x):
    return (torch if L is torch.linalg else ft).tensor(np.ascontiguousarray(x))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_linalg_function_matches_pytorch(name):
    results = []
    for T in (ft, torch):
        inputs = [T.tensor(x, requires_grad=True) for x in (A, SPD, TALL)]
        out = CALLS[name](T.linalg, *inputs)
        out.sum().backward()
        grads = [np.zeros_like(x.detach().numpy()) if x.grad is None else x.grad.numpy()
                 for x in inputs]
        results.append((out.detach().numpy(), grads, type(out.grad_fn).__name__))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-7, atol=1e-9)
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)


def test_rank_and_pseudo_inverse_tolerances_are_pytorchs():
    # the tolerances were ignored: pinv(r, rtol=0.5) was the full pseudo-inverse
    s = np.diag([4.0, 1.0, 0.01])
    m = RNG.normal(size=(5, 3))
    q, _ = np.linalg.qr(m)
    r = q @ s
    for kwargs in ({}, {"rtol": 0.1}, {"atol": 2.0}, {"atol": 0.001, "rtol": 0.5}):
        ranks = [T.linalg.matrix_rank(T.tensor(r), **kwargs).item() for T in (ft, torch)]
        assert ranks[0] == ranks[1], kwargs
        inverses = [T.linalg.pinv(T.tensor(r), **kwargs).numpy() for T in (ft, torch)]
        np.testing.assert_allclose(inverses[0], inverses[1], rtol=1e-8, atol=1e-10)
    assert ft.linalg.matrix_rank(ft.tensor(r), 0.5).item() == torch.linalg.matrix_rank(
        torch.tensor(r), 0.5).item() == 2


@pytest.mark.parametrize("matrix", [[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]],
                                    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
                                    [[0.0, 1.0], [1.0, 0.0]]])
def test_info_of_the_ex_functions_is_lapacks(matrix):
    for name in ("inv_ex", "solve_ex", "cholesky_ex"):
        infos = []
        for T in (ft, torch):
            args = (T.tensor(matrix),) + ((T.ones(len(matrix), 1),) if name == "solve_ex" else ())
            infos.append(getattr(T.linalg, name)(*args).info.item())
        assert infos[0] == infos[1], name
    with pytest.raises(RuntimeError):
        ft.linalg.inv_ex(ft.tensor([[1.0, 2.0], [2.0, 4.0]]), check_errors=True)


def test_cond_in_the_frobenius_norm_matches_pytorch():
    # (value only: PyTorch's own backward of cond(A, "fro") fails with an in-place error)
    np.testing.assert_allclose(ft.linalg.cond(ft.tensor(SPD), "fro").numpy(),
                               torch.linalg.cond(torch.tensor(SPD), "fro").numpy(), rtol=1e-10)


def test_lstsq_residuals_and_singular_values_follow_the_driver():
    for driver in (None, "gelsd", "gelss", "gels"):
        got = ft.linalg.lstsq(ft.tensor(TALL), ft.tensor(TALL_RHS), driver=driver)
        want = torch.linalg.lstsq(torch.tensor(TALL), torch.tensor(TALL_RHS), driver=driver)
        for field in ("solution", "residuals", "singular_values"):
            np.testing.assert_allclose(getattr(got, field).numpy(), getattr(want, field).numpy(),
                                       rtol=1e-8, atol=1e-10)
        np.testing.assert_array_equal(got.rank.numpy(), want.rank.numpy())


def test_torch_matrix_exp_is_linalgs_and_matches_pytorch():
    # torch.matrix_exp raised NotImplementedError (it looked for a numpy.linalg.expm)
    results = []
    for T in (ft, torch):
        a = T.tensor(A * 0.4, requires_grad=True)
        out = T.matrix_exp(a)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), a.grad.numpy(), type(out.grad_fn).__name__))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9)
    assert results[0][2] == results[1][2]
