"""torch.linalg.eigh/eigvalsh/cholesky read the triangle UPLO/upper names, as PyTorch's do (they
read the symmetric part, funcgrad's core convention: other eigenvalues for a non-symmetric input,
silently), with PyTorch's symmetric gradients; linalg.lu and lu_factor. Against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

NOT_SYMMETRIC = [[4.0, 1.0], [2.0, 3.0]]
SYMMETRIC = [[4.0, 1.0], [1.0, 3.0]]


def _eigh(T, values, uplo):
    A = T.tensor(values, requires_grad=True)
    w, v = T.linalg.eigh(A, UPLO=uplo)
    (w[1] + (v[:, 0] ** 3).sum().abs()).backward()
    return w, T.linalg.eigvalsh(A.detach(), UPLO=uplo), A.grad


def _cholesky(T, values, upper):
    A = T.tensor(values, requires_grad=True)
    F = T.linalg.cholesky(A, upper=upper)
    (F * T.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return F, A.grad


@pytest.mark.parametrize("values", [NOT_SYMMETRIC, SYMMETRIC])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_the_named_triangle(values, uplo):
    for ours, theirs in zip(_eigh(ft, values, uplo), _eigh(torch, values, uplo)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("values", [NOT_SYMMETRIC, SYMMETRIC])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_the_named_triangle(values, upper):
    for ours, theirs in zip(_cholesky(ft, values, upper), _cholesky(torch, values, upper)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_a_bad_uplo_is_refused():
    with pytest.raises(RuntimeError, match="UPLO"):
        ft.linalg.eigh(ft.tensor(SYMMETRIC), UPLO="X")


@pytest.mark.parametrize("values", [
    [[1.0, 2.0], [3.0, 4.0]],
    [[0.0, 2.0, 1.0], [0.0, 4.0, 1.0], [5.0, 1.0, 2.0]],
    [[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]],
    [[1.0, 2.0], [3.0, 4.0], [0.0, 5.0]],
    [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 1.0], [1.0, 5.0]]],
])
def test_lu_and_lu_factor_match_pytorch(values):
    results = []
    for T in (ft, torch):
        A = T.tensor(values, requires_grad=True)
        P, L, U = T.linalg.lu(A)
        (L.sum() + (U ** 2).sum()).backward()
        LU, pivots = T.linalg.lu_factor(A.detach())
        results.append([P, L, U, A.grad, LU, pivots])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        assert str(ours.dtype) == str(theirs.dtype)
